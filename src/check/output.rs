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

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The human summary: one line per rule and node, evidence under breaches.
pub fn human(rep: &CheckReport) -> String {
    let mut s = String::new();
    let w = rep
        .results
        .iter()
        .map(|r| node(r).len())
        .max()
        .unwrap_or(4)
        .max(4);
    for r in &rep.results {
        let tag = format!("{:<5}", tag(r.status));
        let tag = match r.status {
            Status::Fail => crate::style::paint(crate::style::Paint::Bad, &tag),
            Status::Warn => crate::style::paint(crate::style::Paint::Warn, &tag),
            Status::Pass => crate::style::paint(crate::style::Paint::Good, &tag),
            Status::Skip => tag,
        };
        let _ = writeln!(s, "{} {:<24} {:<w$}  {}", tag, r.rule, node(r), value(r));
        if r.status >= Status::Skip && r.status != Status::Pass {
            for e in r.evidence.iter().take(4) {
                let _ = writeln!(s, "      · {e}");
            }
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
    s.push_str(&human(rep));
    s
}

pub fn json(rep: &CheckReport) -> String {
    serde_json::to_string_pretty(rep).unwrap_or_default() + "\n"
}
