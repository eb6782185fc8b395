//! How a check is told: to a person, to a CI system as JUnit XML, as JSON,
//! or as GitHub workflow annotations.

use std::fmt::Write as _;

use super::{CheckReport, RuleResult, Status};
use crate::report::xml_escape as xml;

fn node(r: &RuleResult) -> &str {
    r.node.as_deref().unwrap_or("(node unknown)")
}

fn tag(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Skip => "skip",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
    }
}

fn value(r: &RuleResult) -> String {
    match (r.value, r.threshold) {
        (Some(v), Some(t)) => format!("{} (threshold {})", short(v), short(t)),
        (Some(v), None) => short(v),
        _ => "-".into(),
    }
}

/// A result's first cells, its status painted once padded.
fn row(r: &RuleResult, node: String, value: String) -> Vec<crate::report::table::Cell> {
    use crate::report::table::Cell;
    let status = r.status;
    vec![
        Cell::painted(tag(status).to_string(), move |t| match status {
            Status::Fail => crate::style::paint(crate::style::Paint::Bad, t),
            Status::Warn => crate::style::paint(crate::style::Paint::Warn, t),
            Status::Pass => crate::style::paint(crate::style::Paint::Good, t),
            Status::Skip => t.to_string(),
        }),
        Cell::from(r.rule.as_str()),
        Cell::from(node),
        Cell::from(value),
    ]
}

/// Why a rule was skipped, in words (the reason is its last evidence line).
fn skip_reason(r: &RuleResult) -> String {
    r.evidence
        .last()
        .cloned()
        .unwrap_or_else(|| "turned off by the policy".into())
}

/// `1 node`, `197 nodes`.
fn nodes(n: usize) -> String {
    if n == 1 {
        "1 node".into()
    } else {
        format!("{n} nodes")
    }
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The human summary, worst first: every failure and warning on a line of
/// its own with its evidence; skips grouped by rule and reason; passes one
/// line per rule (how many nodes, the highest value and where). `all`
/// lists every pass and skip on its own line instead.
pub fn human(rep: &CheckReport, all: bool) -> String {
    use crate::report::table::{Cell, Column, write};
    let mut s = String::new();
    let mut order: Vec<&RuleResult> = rep.results.iter().collect();
    order.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(a.rule.cmp(&b.rule))
            .then(
                b.value
                    .unwrap_or(f64::MIN)
                    .total_cmp(&a.value.unwrap_or(f64::MIN)),
            )
            .then_with(|| a.node.cmp(&b.node))
    });
    // Each line: the cells, and the evidence printed under it.
    let mut lines: Vec<(Vec<Cell>, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let r = order[i];
        let same: Vec<&RuleResult> = order[i..]
            .iter()
            .take_while(|x| x.status == r.status && x.rule == r.rule)
            .copied()
            .collect();
        i += same.len();
        match r.status {
            Status::Fail | Status::Warn => {
                for x in same {
                    lines.push((
                        row(x, node(x).to_string(), value(x)),
                        x.evidence.iter().take(4).cloned().collect(),
                    ));
                }
            }
            _ if all || same.len() == 1 => {
                for x in same {
                    let why = if x.status == Status::Skip {
                        skip_reason(x)
                    } else {
                        value(x)
                    };
                    lines.push((row(x, node(x).to_string(), why), Vec::new()));
                }
            }
            Status::Skip => {
                // One line per reason.
                let mut reasons: Vec<(String, usize)> = Vec::new();
                for x in &same {
                    let why = x
                        .evidence
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "turned off by the policy".into());
                    match reasons.iter_mut().find(|(w, _)| *w == why) {
                        Some((_, n)) => *n += 1,
                        None => reasons.push((why, 1)),
                    }
                }
                for (why, n) in reasons {
                    lines.push((row(r, nodes(n), why), Vec::new()));
                }
            }
            Status::Pass => {
                // `same` is sorted by value: the first is the highest.
                let highest = match (r.value, r.threshold) {
                    (Some(v), Some(t)) => format!(
                        "highest {} on {} (threshold {})",
                        short(v),
                        node(r),
                        short(t)
                    ),
                    (Some(v), None) => format!("highest {} on {}", short(v), node(r)),
                    _ if r.rule == super::Rule::Drops => "no drops".into(),
                    _ => "-".into(),
                };
                lines.push((row(r, nodes(same.len()), highest), Vec::new()));
            }
        }
    }
    let columns = [
        Column::left("STATUS"),
        Column::left("RULE"),
        Column::left("NODE").at_most(44),
        Column::left("VALUE"),
    ];
    // The table is written line by line so evidence can follow its row.
    let mut table = Vec::new();
    let (rows, evidence): (Vec<Vec<Cell>>, Vec<Vec<String>>) = lines.into_iter().unzip();
    let _ = write(&mut table, &columns, rows);
    let text = String::from_utf8_lossy(&table).into_owned();
    let mut text_lines = text.lines();
    if let Some(header) = text_lines.next() {
        let _ = writeln!(s, "{header}");
    }
    for (line, ev) in text_lines.zip(evidence) {
        let _ = writeln!(s, "{line}");
        for e in ev {
            let _ = writeln!(s, "        · {e}");
        }
    }
    let count = |st: Status| rep.results.iter().filter(|r| r.status == st).count();
    let _ = writeln!(
        s,
        "\n{}: {} passed, {} failed, {} warnings, {} skipped",
        match rep.status {
            Status::Fail => "check failed",
            Status::Warn => "check passed with warnings",
            _ => "check passed",
        },
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Skip)
    );
    s
}

/// JUnit XML: one testcase per rule and node; failures carry the evidence,
/// warnings pass with the evidence in system-out, skips are skipped.
pub fn junit(rep: &CheckReport) -> String {
    let failures = rep
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .count();
    let skipped = rep
        .results
        .iter()
        .filter(|r| r.status == Status::Skip)
        .count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"ctsleuth check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        rep.results.len()
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"ctsleuth check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        rep.results.len()
    );
    for r in &rep.results {
        let _ = write!(
            s,
            "    <testcase classname=\"ctsleuth.{}\" name=\"{}\"",
            xml(r.rule.as_str()),
            xml(node(r))
        );
        let body = xml(&r.evidence.join("\n"));
        match r.status {
            Status::Pass => s.push_str("/>\n"),
            Status::Fail => {
                let _ = write!(
                    s,
                    ">\n      <failure message=\"{}: {}\" type=\"{}\">{body}</failure>\n    </testcase>\n",
                    xml(r.rule.as_str()),
                    xml(&value(r)),
                    xml(r.rule.as_str())
                );
            }
            Status::Warn => {
                let _ = write!(
                    s,
                    ">\n      <system-out>warning: {body}</system-out>\n    </testcase>\n"
                );
            }
            Status::Skip => {
                let _ = write!(
                    s,
                    ">\n      <skipped message=\"{body}\"/>\n    </testcase>\n"
                );
            }
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// GitHub workflow commands: `::error` for failures, `::warning` for warnings.
pub fn github(rep: &CheckReport) -> String {
    let data = |t: &str| {
        t.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |t: &str| data(t).replace(':', "%3A").replace(',', "%2C");
    let mut s = String::new();
    for r in rep.results.iter().filter(|r| r.status >= Status::Warn) {
        let level = if r.status == Status::Fail {
            "error"
        } else {
            "warning"
        };
        let title = format!("ctsleuth {} on {}", r.rule, node(r));
        let _ = writeln!(
            s,
            "::{level} title={}::{}: {}",
            prop(&title),
            data(&value(r)),
            data(&r.evidence.join("; "))
        );
    }
    s.push_str(&human(rep, false));
    s
}

pub fn json(rep: &CheckReport) -> String {
    serde_json::to_string_pretty(rep).unwrap_or_default() + "\n"
}
