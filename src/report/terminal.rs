//! Plain-text views for the terminal: the `top` snapshot view, the `analyze`
//! digest and the diagnostics of inputs. Output pastes cleanly into an
//! incident doc: no colours, fixed columns, numbers grouped by thousands.

use std::io::{self, Write};

use super::{percent, thousands};
use crate::analysis::{SnapshotSummary, Summary};
use crate::numbers::rate;
use crate::parse::conntrack::is_redacted;
use crate::pipeline::InputReport;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `[3.0, 0.0, 9.0]` → `▃▁█`.
pub fn sparkline(values: &[f64]) -> String {
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                let i = usize::try_from(crate::numbers::round_u64((v / max) * 7.0)).unwrap_or(7);
                BARS[i.min(7)]
            }
        })
        .collect()
}

/// An address as printed: one redacted by hand in the capture reads so.
fn addr(ip: std::net::IpAddr) -> String {
    if is_redacted(ip) {
        "(redacted)".into()
    } else {
        ip.to_string()
    }
}

/// A node's drop rate and the window it was measured over: its fastest
/// burst in the logs, else its fastest counter interval.
fn drop_rate(s: &Summary, node: &Option<String>) -> Option<(f64, String)> {
    let minutes = |secs: f64| {
        let m = crate::numbers::round_u64(secs / 60.0).max(1);
        if m >= 120 {
            format!("{} h", m / 60)
        } else {
            format!("{m} min")
        }
    };
    let burst = s
        .bursts
        .iter()
        .filter(|b| &b.node == node && b.duration_s > 0)
        .map(|b| {
            let secs = b.duration_s as f64;
            (
                b.upper_bound as f64 / secs,
                format!("{} burst", minutes(secs)),
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    burst.or_else(|| {
        s.stats
            .iter()
            .filter(|x| &x.node == node)
            .filter_map(|x| x.rates.as_ref())
            .map(|r| {
                (
                    r.per_s.get("drop").copied().unwrap_or(0.0),
                    format!("{} of counters", minutes(r.interval_s)),
                )
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
    })
}

/// A titled table of labels with their entries and share of `total`; its
/// columns size to their content.
fn section(
    out: &mut dyn Write,
    title: &'static str,
    total: u64,
    rows: impl Iterator<Item = (String, u64)>,
) -> io::Result<()> {
    use super::table::{Cell, Column, write};
    writeln!(out)?;
    let columns = [
        Column::left(title).at_most(60).at_least(40),
        Column::right("ENTRIES").at_least(8),
        Column::right("SHARE").at_least(6),
    ];
    let cells: Vec<Vec<Cell>> = rows
        .map(|(label, n)| {
            vec![
                Cell::from(label),
                Cell::from(thousands(n)),
                Cell::from(percent(n, total)),
            ]
        })
        .collect();
    write(out, &columns, cells)
}

/// The `top` view of one snapshot.
pub fn snapshot(out: &mut dyn Write, s: &SnapshotSummary) -> io::Result<()> {
    let st = &s.stats;
    let total = st.entries;
    let when = s
        .captured_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "time unknown".into());
    writeln!(
        out,
        "{} — {} entries · node {} · {}",
        if s.path == "-" { "(stdin)" } else { &s.path },
        thousands(total),
        s.node.as_deref().unwrap_or("unknown"),
        when
    )?;
    match (s.limit, s.utilization) {
        (Some(limit), Some(u)) => writeln!(
            out,
            "limit {} (nf_conntrack_max) · {} full",
            thousands(limit),
            crate::style::paint_fill(u, &fill(u))
        )?,
        _ => writeln!(
            out,
            "limit unknown (capture sysctl net.netfilter.nf_conntrack_max, or pass --limit)"
        )?,
    }
    let protos: Vec<String> = sorted_desc(&st.by_proto)
        .into_iter()
        .map(|(k, v)| format!("{k} {} ({})", thousands(v), percent(v, total)))
        .collect();
    writeln!(out, "protocols: {}", protos.join(" · "))?;

    let states = sorted_desc(&st.by_state);
    section(out, "STATE", total, states.into_iter())?;
    section(
        out,
        "TOP SOURCES",
        total,
        st.top_sources.iter().map(|r| (addr(r.ip), r.entries)),
    )?;
    // Workloads, when an inventory names some of the addresses.
    if s.top_workloads.iter().any(|w| w.workload.is_owner()) {
        section(
            out,
            "TOP SOURCE WORKLOADS",
            total,
            s.top_workloads
                .iter()
                .map(|w| (w.workload.to_string(), w.entries)),
        )?;
    }
    if s.top_destination_workloads
        .iter()
        .any(|w| w.workload.is_owner())
    {
        section(
            out,
            "ANSWERED BY (WORKLOADS)",
            total,
            s.top_destination_workloads
                .iter()
                .map(|w| (w.workload.to_string(), w.entries)),
        )?;
    }
    section(
        out,
        "TOP DESTINATIONS",
        total,
        st.top_destinations.iter().map(|r| {
            let dst = match r.port {
                Some(p) if r.ip.is_ipv6() && !is_redacted(r.ip) => {
                    format!("[{}]:{p}/{}", r.ip, r.proto)
                }
                Some(p) => format!("{}:{p}/{}", addr(r.ip), r.proto),
                None => format!("{}/{}", addr(r.ip), r.proto),
            };
            (dst, r.entries)
        }),
    )?;
    section(
        out,
        "TOP PORTS",
        total,
        st.top_ports
            .iter()
            .map(|r| (format!("{}/{}", r.port, r.proto), r.entries)),
    )?;
    section(
        out,
        "TOP PAIRS (src → dst)",
        total,
        st.top_pairs
            .iter()
            .map(|r| (format!("{} → {}", addr(r.src), addr(r.dst)), r.entries)),
    )?;

    writeln!(out)?;
    let h = &st.close_history;
    match st.close_rate_per_s {
        Some(r) => {
            writeln!(
                out,
                "closing: {} connections/s over the last {} s (TIME_WAIT {})",
                rate(r),
                h.window_s,
                thousands(st.by_state.get("TIME_WAIT").copied().unwrap_or(0))
            )?;
            if !h.closes_per_s.is_empty() {
                let older_first: Vec<f64> = h.closes_per_s.iter().rev().copied().collect();
                let peak = h.closes_per_s.iter().copied().fold(0.0_f64, f64::max);
                writeln!(
                    out,
                    "  per {} s, oldest → newest: {}  (peak {}/s)",
                    h.bucket_s,
                    sparkline(&older_first),
                    rate(peak)
                )?;
            }
        }
        None => writeln!(out, "closing: no entries")?,
    }
    writeln!(
        out,
        "UNREPLIED {} ({}) · SYN_SENT {} · ASSURED {} · NAT {} · offloaded {}",
        thousands(st.unreplied),
        percent(st.unreplied, total),
        thousands(st.syn_sent),
        thousands(st.assured),
        thousands(st.nat),
        thousands(st.offloaded)
    )
}

fn sorted_desc(map: &std::collections::BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// How many files must share a warning before it is printed once for all.
const SHARED_WARNING_FILES: usize = 3;

/// Bad lines as `path:line: expected …: "snippet"`, then warnings as
/// `path: warning` (warnings only when not quiet). A warning that many files
/// share is printed once, with the number of files.
pub fn diagnostics(err: &mut dyn Write, inputs: &[InputReport], quiet: bool) -> io::Result<()> {
    let mut shared: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for i in inputs {
        for w in &i.warnings {
            shared.entry(w.as_str()).or_default().push(i.path.as_str());
        }
    }
    for i in inputs {
        for b in &i.bad_lines {
            writeln!(
                err,
                "{}:{}: expected {}: {:?}",
                i.path, b.line, b.expected, b.snippet
            )?;
        }
        let shown = i.bad_lines.len() as u64;
        if i.skipped > shown {
            // Most frequent first.
            let mut by: Vec<(&String, &u64)> = i.skipped_by_reason.iter().collect();
            by.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let reasons: Vec<String> = by
                .iter()
                .map(|(why, n)| format!("{} expected {why}", thousands(**n)))
                .collect();
            writeln!(
                err,
                "{}: … {} more skipped lines ({} skipped in all: {})",
                i.path,
                thousands(i.skipped - shown),
                thousands(i.skipped),
                reasons.join("; ")
            )?;
        }
        if !quiet {
            for w in &i.warnings {
                if shared
                    .get(w.as_str())
                    .is_none_or(|files| files.len() < SHARED_WARNING_FILES)
                {
                    writeln!(err, "{}: {w}", i.path)?;
                }
            }
        }
    }
    if !quiet {
        for (w, files) in shared
            .iter()
            .filter(|(_, f)| f.len() >= SHARED_WARNING_FILES)
        {
            writeln!(err, "{} files ({}, …): {w}", files.len(), files[0])?;
        }
    }
    Ok(())
}

/// The last path component, for a table (the full path is in summary.json).
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '!']).next().unwrap_or(path)
}

/// One row per support bundle: what it is, whose, when, what it lacks, and
/// what to ask for.
fn bundles(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.bundles.is_empty() {
        return Ok(());
    }
    let rows: Vec<[String; 5]> = s
        .bundles
        .iter()
        .map(|b| {
            [
                base_name(&b.path).to_string(),
                b.kind.title().to_string(),
                b.node.clone().unwrap_or_else(|| "-".into()),
                b.captured_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "-".into()),
                if b.missing.is_empty() {
                    "-".into()
                } else {
                    b.missing.join(", ")
                },
            ]
        })
        .collect();
    let head = ["BUNDLE", "COLLECTOR", "NODE", "CAPTURED", "MISSING"].map(String::from);
    let mut w = head.clone().map(|h| h.chars().count());
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, r: &[String; 5]| {
        writeln!(
            out,
            "{:<a$}  {:<b$}  {:<c$}  {:<d$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3]
        )
    };
    writeln!(out)?;
    line(out, &head)?;
    for (r, b) in rows.iter().zip(&s.bundles) {
        line(out, r)?;
        for a in &b.advice {
            writeln!(out, "  → {a}")?;
        }
    }
    Ok(())
}

/// What went wrong inside support bundles, as `bundle: problem`.
pub fn bundle_diagnostics(
    err: &mut dyn Write,
    bundles: &[crate::pipeline::BundleReport],
    quiet: bool,
) -> io::Result<()> {
    if quiet {
        return Ok(());
    }
    for b in bundles {
        for w in &b.warnings {
            writeln!(err, "{}: {w}", b.path)?;
        }
    }
    Ok(())
}

pub use crate::numbers::fill;

/// Nodes the digest lists before rolling the rest into one line: a screen.
pub const DIGEST_NODES: usize = 15;

/// One node as the digest ranks it.
struct NodeRow<'a> {
    node: &'a crate::analysis::NodeSummary,
    peak: Option<&'a SnapshotSummary>,
    drops: Option<(f64, String)>,
    closes: Option<f64>,
}

/// Nodes worst first: dropping (fastest first), then fullest, then closing
/// connections fastest; name breaks ties.
fn ranked(s: &Summary) -> Vec<NodeRow<'_>> {
    let mut rows: Vec<NodeRow<'_>> = s
        .nodes
        .iter()
        .map(|n| {
            let peak = s
                .snapshots
                .iter()
                .filter(|x| x.node == n.node && !x.partial)
                .max_by_key(|x| x.stats.entries);
            NodeRow {
                node: n,
                peak,
                drops: drop_rate(s, &n.node),
                closes: peak.and_then(|p| p.stats.close_rate_per_s),
            }
        })
        .collect();
    let key = |r: &NodeRow<'_>| {
        (
            r.drops.as_ref().map_or(0.0, |d| d.0),
            r.node.peak_utilization.unwrap_or(0.0),
            r.closes.unwrap_or(0.0),
        )
    };
    rows.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(kb.2.total_cmp(&ka.2))
            .then_with(|| a.node.node.cmp(&b.node.node))
    });
    rows
}

/// The per-node table, worst first: `shown` rows (all with `None`), then
/// one line for the rest.
fn nodes_table(out: &mut dyn Write, s: &Summary, shown: Option<usize>) -> io::Result<()> {
    use super::table::{Cell, Column, write};
    let rows = ranked(s);
    let cut = shown.unwrap_or(usize::MAX).min(rows.len());
    let (top, rest) = rows.split_at(cut);
    let columns = [
        Column::left("NODE").at_most(40),
        Column::right("PEAK"),
        Column::right("LIMIT"),
        Column::right("FULL"),
        Column::right("CLOSES/S"),
        Column::right("DROPS/S"),
        Column::left("DROPS OVER"),
        Column::left("TOP SOURCE").at_most(60),
    ];
    let dash = || Cell::from("-");
    let cells: Vec<Vec<Cell>> = top
        .iter()
        .map(|r| {
            let n = r.node;
            // The workload holding most of the fullest snapshot (a
            // network or an address when there is no inventory).
            let top = r.peak.and_then(|p| {
                p.top_workloads
                    .first()
                    .map(|w| format!("{} ({})", w.workload, percent(w.entries, p.stats.entries)))
                    .or_else(|| {
                        p.stats.top_sources.first().map(|t| {
                            format!("{} ({})", addr(t.ip), percent(t.entries, p.stats.entries))
                        })
                    })
            });
            vec![
                Cell::from(n.node.as_deref().unwrap_or("(unknown)")),
                n.peak_entries.map_or_else(dash, |v| thousands(v).into()),
                n.limit.map_or_else(dash, |v| thousands(v).into()),
                n.peak_utilization.map_or_else(dash, |u| {
                    Cell::painted(fill(u), move |t| crate::style::paint_fill(u, t))
                }),
                r.closes.map_or_else(dash, |c| rate(c).into()),
                r.drops.as_ref().map_or_else(dash, |(d, _)| rate(*d).into()),
                r.drops
                    .as_ref()
                    .map_or_else(dash, |(_, w)| w.as_str().into()),
                top.map_or_else(dash, Cell::from),
            ]
        })
        .collect();
    write(out, &columns, cells)?;
    if !rest.is_empty() {
        writeln!(out, "{}", rolled_up(rest))?;
    }
    writeln!(
        out,
        "worst first (drops, then fill, then closes); DROPS/S: the fastest burst in the logs (upper bound, over its own minutes), else the fastest interval between conntrack -S captures"
    )
}

/// One line for the nodes not listed: how many, how full at most, drops.
fn rolled_up(rest: &[NodeRow<'_>]) -> String {
    let n = rest.len();
    let fullest = rest
        .iter()
        .filter_map(|r| r.node.peak_utilization)
        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))));
    let unknown = rest
        .iter()
        .filter(|r| r.node.peak_utilization.is_none())
        .count();
    let dropping = rest
        .iter()
        .filter(|r| r.drops.as_ref().is_some_and(|d| d.0 > 0.0))
        .count();
    let mut parts = Vec::new();
    match (fullest, unknown) {
        (Some(u), 0) => parts.push(format!("all at most {} full", fill(u))),
        (Some(u), k) => parts.push(format!("at most {} full ({k} with no fill known)", fill(u))),
        (None, _) => parts.push("fill unknown".to_string()),
    }
    parts.push(match dropping {
        0 => "no drops".to_string(),
        k => format!("{k} with drops"),
    });
    let nodes = if n == 1 { "node" } else { "nodes" };
    format!(
        "… {n} more {nodes}: {} (--all lists every node)",
        parts.join(", ")
    )
}

/// The digest `analyze` prints after writing its reports: the nodes worst
/// first (`shown` of them, every one with `None`), then the findings.
pub fn digest(out: &mut dyn Write, s: &Summary, shown: Option<usize>) -> io::Result<()> {
    let with_data = s.inputs.iter().filter(|i| i.records > 0).count();
    let skipped: u64 = s.inputs.iter().map(|i| i.skipped).sum();
    writeln!(
        out,
        "read {} files ({} with data): {} snapshots, {} counter captures, {} skipped lines",
        s.inputs.len(),
        with_data,
        s.snapshots.len(),
        s.stats.len(),
        thousands(skipped)
    )?;
    for w in &s.layout_warnings {
        writeln!(
            out,
            "\n{}: {w}",
            crate::style::paint(crate::style::Paint::Bad, "WARNING")
        )?;
    }
    bundles(out, s)?;
    if !s.nodes.is_empty() {
        writeln!(out)?;
        nodes_table(out, s, shown)?;
    }
    if s.drops.total_logged > 0 || !s.bursts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "drops in logs: {} logged (lower bound), ≤ {} with suppressed (upper bound), {} bursts",
            thousands(s.drops.lower_bound),
            thousands(s.drops.upper_bound),
            s.bursts.len()
        )?;
    }
    for r in &s.recurrences {
        writeln!(out, "recurring: {}", r.description)?;
    }
    if !s.symptoms.is_empty() {
        writeln!(out, "DNS failures in logs: {} lines", s.symptoms.len())?;
    }
    if !s.findings.is_empty() {
        writeln!(out, "\nFINDINGS")?;
    }
    for shown in super::shown_findings(s) {
        let f = shown.finding;
        let tag = match f.severity {
            crate::analysis::findings::Severity::Critical => {
                &crate::style::paint(crate::style::Paint::Bad, "CRITICAL")
            }
            crate::analysis::findings::Severity::Warning => {
                &crate::style::paint(crate::style::Paint::Warn, "warning ")
            }
            crate::analysis::findings::Severity::Info => "info    ",
        };
        writeln!(out, "{tag} {}", f.title)?;
        for e in &f.evidence {
            writeln!(out, "         · {}", e.text)?;
        }
        writeln!(out, "         → {}", f.recommendation)?;
        if let Some(line) = super::folded_line(&shown.folded) {
            writeln!(out, "         + {line}")?;
        }
    }
    for w in &s.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_sections_line_up_with_long_labels_and_wide_numbers() {
        let mut out = Vec::new();
        let long = "payments-production/fraud-scorer-with-a-very-long-deployment-name".to_string();
        section(
            &mut out,
            "TOP SOURCE WORKLOADS",
            12_345_678,
            [(long, 9_876_543), ("web/cart".to_string(), 12)].into_iter(),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        // ENTRIES and SHARE end under their titles on every line; the long
        // label is shortened, never glued to its number.
        let ends = |l: &str, word: &str| l.find(word).map(|i| i + word.len());
        let entries_end = ends(lines[0], "ENTRIES").unwrap();
        let share_end = lines[0].len();
        for l in &lines[1..] {
            assert_eq!(l.chars().count(), share_end, "{l}");
            let before: String = l.chars().take(entries_end).collect();
            assert!(
                before.ends_with("9,876,543") || before.ends_with("12"),
                "{l}"
            );
            let label_end: String = l.chars().skip(60).take(2).collect();
            assert!(label_end.chars().all(|c| c == ' '), "{l}");
        }
        assert!(lines[1].contains('…'), "{}", lines[1]);
    }

    #[test]
    fn fill_rounds_down() {
        assert_eq!(fill(0.99995), "99.9%");
        assert_eq!(fill(1.0), "100.0%");
        assert_eq!(fill(0.024), "2.4%");
    }

    #[test]
    fn sparkline_scales_to_the_peak() {
        assert_eq!(sparkline(&[0.0, 3.5, 7.0]), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }
}
