//! Plain-text views for the terminal: the `top` snapshot view, the `analyze`
//! digest and the diagnostics of inputs. Output pastes cleanly into an
//! incident doc: no colours, fixed columns, numbers grouped by thousands.

use std::io::{self, Write};

use super::{percent, thousands};
use crate::analysis::{InputSummary, SnapshotSummary, Summary};

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
                let i = ((v / max) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

fn rate(r: f64) -> String {
    if r >= 100.0 {
        thousands(r.round() as u64)
    } else {
        format!("{r:.1}")
    }
}

fn heading(out: &mut dyn Write, title: &str, cols: &str) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title:<40}{cols}")
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
        s.path,
        thousands(total),
        s.node.as_deref().unwrap_or("unknown"),
        when
    )?;
    match (s.limit, s.utilization) {
        (Some(limit), Some(u)) => writeln!(
            out,
            "limit {} (nf_conntrack_max) · {:.1}% full",
            thousands(limit),
            u * 100.0
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

    heading(out, "STATE", "   ENTRIES   SHARE")?;
    for (k, v) in sorted_desc(&st.by_state) {
        writeln!(out, "{k:<40}{:>10}  {:>6}", thousands(v), percent(v, total))?;
    }

    heading(out, "TOP SOURCES", "   ENTRIES   SHARE")?;
    for r in &st.top_sources {
        writeln!(
            out,
            "{:<40}{:>10}  {:>6}",
            r.ip.to_string(),
            thousands(r.entries),
            percent(r.entries, total)
        )?;
    }

    heading(out, "TOP DESTINATIONS", "   ENTRIES   SHARE")?;
    for r in &st.top_destinations {
        let dst = match r.port {
            Some(p) if r.ip.is_ipv6() => format!("[{}]:{p}/{}", r.ip, r.proto),
            Some(p) => format!("{}:{p}/{}", r.ip, r.proto),
            None => format!("{}/{}", r.ip, r.proto),
        };
        writeln!(
            out,
            "{dst:<40}{:>10}  {:>6}",
            thousands(r.entries),
            percent(r.entries, total)
        )?;
    }

    heading(out, "TOP PORTS", "   ENTRIES   SHARE")?;
    for r in &st.top_ports {
        let p = format!("{}/{}", r.port, r.proto);
        writeln!(
            out,
            "{p:<40}{:>10}  {:>6}",
            thousands(r.entries),
            percent(r.entries, total)
        )?;
    }

    heading(out, "TOP PAIRS (src → dst)", "   ENTRIES   SHARE")?;
    for r in &st.top_pairs {
        let p = format!("{} → {}", r.src, r.dst);
        writeln!(
            out,
            "{p:<40}{:>10}  {:>6}",
            thousands(r.entries),
            percent(r.entries, total)
        )?;
    }

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

/// Bad lines as `path:line: expected …: "snippet"`, then warnings as
/// `path: warning` (warnings only when not quiet).
pub fn diagnostics(err: &mut dyn Write, inputs: &[InputSummary], quiet: bool) -> io::Result<()> {
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
            writeln!(
                err,
                "{}: … {} more skipped lines",
                i.path,
                i.skipped - shown
            )?;
        }
        if !quiet {
            for w in &i.warnings {
                writeln!(err, "{}: {w}", i.path)?;
            }
        }
    }
    Ok(())
}

/// The digest `analyze` prints after writing its reports.
pub fn digest(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let usable = s.inputs.iter().filter(|i| i.records > 0).count();
    let skipped: u64 = s.inputs.iter().map(|i| i.skipped).sum();
    writeln!(
        out,
        "read {} files ({} with data), {} snapshots, {} counter captures, {} skipped lines",
        s.inputs.len(),
        usable,
        s.snapshots.len(),
        s.stats.len(),
        thousands(skipped)
    )?;
    if !s.nodes.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{:<40}{:>10}{:>10}{:>9}{:>11}",
            "NODE", "PEAK", "LIMIT", "FULL", "SNAPSHOTS"
        )?;
        for n in &s.nodes {
            writeln!(
                out,
                "{:<40}{:>10}{:>10}{:>9}{:>11}",
                n.node.as_deref().unwrap_or("(unknown)"),
                n.peak_entries.map(thousands).unwrap_or_else(|| "-".into()),
                n.limit.map(thousands).unwrap_or_else(|| "-".into()),
                n.peak_utilization
                    .map(|u| format!("{:.1}%", u * 100.0))
                    .unwrap_or_else(|| "-".into()),
                n.snapshots
            )?;
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
    fn sparkline_scales_to_the_peak() {
        assert_eq!(sparkline(&[0.0, 3.5, 7.0]), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }
}
