//! Stage 6 of the pipeline: rendering. Each output format has its own module
//! and renders the same [`crate::analysis::Summary`].

pub mod charts;
pub mod html;
pub mod json;
pub mod markdown;
pub mod parquet;
pub mod table;
pub mod terminal;
pub mod timeline;

use chrono::{DateTime, Utc};

use crate::analysis::drops::Burst;

/// The parts of a verdict, led by the most severe findings present: their
/// titles (a few, and how many more), the titles of the level below, and
/// the first recommendation. Each format escapes and words them its own
/// way; with nothing critical or warned of, [`all_clear`] says so plainly.
pub struct Verdict<'a> {
    /// What happened, where and when, when tables ran full: one sentence.
    pub headline: Option<String>,
    pub lead: Vec<&'a str>,
    /// Findings of the lead's severity not named in it.
    pub more: usize,
    pub also: Vec<&'a str>,
    pub also_more: usize,
    pub first_change: Option<&'a str>,
}

/// Findings a verdict names at each level; the rest are counted.
const VERDICT_TITLES: usize = 3;

/// `Conntrack tables ran full on 2 nodes (a, b) and dropped packets between
/// 2024-11-25 08:57 and 2024-11-26 09:05 UTC`, from the table-full findings
/// and their nodes' bursts.
fn headline(s: &crate::analysis::Summary) -> Option<String> {
    let full: Vec<&Option<String>> = s
        .nodes
        .iter()
        .filter(|n| {
            let name = n.node.as_deref().unwrap_or("(node unknown)");
            s.findings
                .iter()
                .any(|f| f.id == format!("exhaustion-{name}"))
        })
        .map(|n| &n.node)
        .collect();
    if full.is_empty() {
        return None;
    }
    let names: Vec<&str> = full
        .iter()
        .take(VERDICT_TITLES)
        .map(|n| n.as_deref().unwrap_or("(node unknown)"))
        .collect();
    let more = full.len().saturating_sub(VERDICT_TITLES);
    let bursts: Vec<&crate::analysis::drops::Burst> = s
        .bursts
        .iter()
        .filter(|b| full.contains(&&b.node))
        .collect();
    let start = bursts.iter().filter_map(|b| b.start).min();
    let end = bursts.iter().filter_map(|b| b.end).max();
    let when = match (start, end) {
        (Some(a), Some(b)) if a.date_naive() == b.date_naive() => format!(
            " and dropped packets on {} from {} to {} UTC",
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M")
        ),
        (Some(a), Some(b)) => format!(
            " and dropped packets between {} and {} UTC",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M")
        ),
        _ => String::new(),
    };
    let nodes = if full.len() == 1 {
        format!("Conntrack table ran full on {}", names[0])
    } else {
        format!(
            "Conntrack tables ran full on {} nodes ({}{})",
            full.len(),
            names.join(", "),
            if more > 0 { ", …" } else { "" }
        )
    };
    Some(format!("{nodes}{when}"))
}

pub fn verdict(s: &crate::analysis::Summary) -> Verdict<'_> {
    use crate::analysis::findings::Severity;
    // The headline speaks for the table-full findings.
    let headline = headline(s);
    let titles = |sev: Severity| -> Vec<&str> {
        s.findings
            .iter()
            .filter(|f| f.severity == sev)
            .filter(|f| headline.is_none() || !f.id.starts_with("exhaustion-"))
            .map(|f| f.title.as_str())
            .collect()
    };
    let (critical, warnings) = (titles(Severity::Critical), titles(Severity::Warning));
    let (lead, also) = if critical.is_empty() && headline.is_none() {
        (warnings, Vec::new())
    } else {
        (critical, warnings)
    };
    let more = lead.len().saturating_sub(VERDICT_TITLES);
    let also_more = also.len().saturating_sub(VERDICT_TITLES);
    let (mut lead, mut also) = (lead, also);
    lead.truncate(VERDICT_TITLES);
    also.truncate(VERDICT_TITLES);
    let anything = headline.is_some() || !lead.is_empty();
    Verdict {
        first_change: anything
            .then(|| s.findings.first().map(|f| f.recommendation.as_str()))
            .flatten(),
        headline,
        lead,
        more,
        also,
        also_more,
    }
}

impl Verdict<'_> {
    /// `A; B; C, and 4 more` from titles already escaped by the format.
    pub fn list(titles: &[String], more: usize) -> String {
        let mut text = titles.join("; ");
        if more > 0 {
            text.push_str(&format!(", and {more} more"));
        }
        text
    }
}

/// Said when nothing is critical or worth a warning: what was looked at,
/// in plain words.
pub fn all_clear(s: &crate::analysis::Summary) -> String {
    let fullest = s
        .nodes
        .iter()
        .filter_map(|n| n.peak_utilization)
        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))));
    let tables = match fullest {
        Some(u) => format!(
            "No conntrack table came near its limit (the fullest was {} full)",
            crate::numbers::fill(u)
        ),
        None => "Nothing in these inputs points at a conntrack table about to fill".to_string(),
    };
    let logs = s
        .inputs
        .iter()
        .any(|i| i.kind == crate::input::Kind::KernelLog && i.records > 0);
    let drops = if logs {
        "no drops logged"
    } else {
        "no kernel log was given, so drops are not ruled out"
    };
    format!("{tables}; {drops}.")
}

/// Findings of one kind shown one by one per node; beyond this many
/// nodes, the rest of that kind are named in one line.
pub const SAME_KIND_SHOWN: usize = 3;

/// A finding as the reports show it, with the nodes of the findings of the
/// same kind folded into it (after the last one shown of its kind).
pub struct Shown<'a> {
    pub finding: &'a crate::analysis::findings::Finding,
    pub folded: Vec<&'a str>,
}

/// The findings to show, in order: of the findings that say the same of
/// different nodes (their titles differ only by the node), the first
/// [`SAME_KIND_SHOWN`]; the others' nodes are listed under the last one.
/// summary.json keeps every finding.
pub fn shown_findings(s: &crate::analysis::Summary) -> Vec<Shown<'_>> {
    let mut names: Vec<&str> = s.nodes.iter().filter_map(|n| n.node.as_deref()).collect();
    // Longest first, so a name that contains another is matched whole.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let kind = |title: &str| -> Option<(String, &str)> {
        names
            .iter()
            .find(|n| title.contains(**n))
            .map(|n| (title.replacen(*n, "{node}", 1), *n))
    };
    let mut count: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for f in &s.findings {
        if let Some((k, _)) = kind(&f.title) {
            *count.entry(k).or_default() += 1;
        }
    }
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut out: Vec<Shown<'_>> = Vec::new();
    let mut last_of: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for f in &s.findings {
        match kind(&f.title) {
            Some((k, node)) if count[&k] > SAME_KIND_SHOWN + 1 => {
                let n = seen.entry(k.clone()).or_default();
                *n += 1;
                if *n <= SAME_KIND_SHOWN {
                    last_of.insert(k, out.len());
                    out.push(Shown {
                        finding: f,
                        folded: Vec::new(),
                    });
                } else if let Some(&i) = last_of.get(&k) {
                    out[i].folded.push(node);
                }
            }
            _ => out.push(Shown {
                finding: f,
                folded: Vec::new(),
            }),
        }
    }
    out
}

/// The line under a finding that stands for others of its kind.
pub fn folded_line(folded: &[&str]) -> Option<String> {
    if folded.is_empty() {
        return None;
    }
    let named: Vec<&str> = folded.iter().take(3).copied().collect();
    Some(format!(
        "the same on {} more node{}: {}{} (each in summary.json)",
        folded.len(),
        if folded.len() == 1 { "" } else { "s" },
        named.join(", "),
        if folded.len() > 3 { ", …" } else { "" }
    ))
}

/// Notes of the form `path: text`: a text said of more than three files is
/// rolled into one note naming two of them; the rest stay as they are.
pub fn rolled_notes(notes: &[String]) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut files: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in notes {
        if let Some((path, text)) = n.split_once(": ") {
            files.entry(text).or_default().push(path);
        }
    }
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in notes {
        match n.split_once(": ") {
            Some((_, text)) if files.get(text).is_some_and(|p| p.len() > 3) => {
                if done.insert(text) {
                    let paths = &files[text];
                    out.push(format!(
                        "{text} ({} files: {}, …)",
                        paths.len(),
                        paths[..2].join(", ")
                    ));
                }
            }
            _ => out.push(n.clone()),
        }
    }
    out
}

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

impl WriteError {
    pub fn new(path: &std::path::Path, source: std::io::Error) -> WriteError {
        WriteError {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Writes a report file atomically (a temporary file renamed into place), so
/// a reader never sees half a report.
pub fn write_file(
    dir: &std::path::Path,
    name: &str,
    body: &str,
) -> Result<std::path::PathBuf, WriteError> {
    use std::io::Write;
    let path = dir.join(name);
    let werr = |source| WriteError::new(&path, source);
    std::fs::create_dir_all(dir).map_err(werr)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(werr)?;
    f.write_all(body.as_bytes()).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(werr)?;
    Ok(path)
}

/// A UTC time to the minute, or `unknown`.
pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "unknown".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// When a burst started, on whichever clock its node has.
pub fn burst_start(b: &Burst) -> String {
    match (b.start, b.start_since_boot) {
        (Some(t), _) => when(Some(t)),
        (None, Some(s)) => format!("{} s after boot", thousands(s.max(0) as u64)),
        _ => "unknown".into(),
    }
}

pub use crate::numbers::{percent, thousands};

/// Escapes text for XML (SVG charts, JUnit reports): the five entities, and
/// control characters (which XML 1.0 cannot carry) as U+FFFD.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_said_of_many_files_roll_up() {
        let mut notes: Vec<String> = (1..=5)
            .map(|i| format!("n{i}/kern.log: syslog times have no year: taken from other inputs"))
            .collect();
        notes.push("a.log: seconds since boot turned into UTC".into());
        notes.push("b.log: seconds since boot turned into UTC".into());
        assert_eq!(
            rolled_notes(&notes),
            [
                "syslog times have no year: taken from other inputs (5 files: n1/kern.log, n2/kern.log, …)",
                "a.log: seconds since boot turned into UTC",
                "b.log: seconds since boot turned into UTC",
            ]
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(131072), "131,072");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 0), "-");
        assert_eq!(
            xml_escape("<a href=\"x\">'&'\u{7}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;\u{fffd}&lt;/a&gt;"
        );
    }
}
