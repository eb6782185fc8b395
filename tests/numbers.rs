//! Numbers that agree: every number the digest, the Markdown and the HTML
//! report print for a node or a finding is the value in summary.json, by the
//! one rounding rule (percentages rounded down to one decimal) and the one
//! formatter (thousands separators).

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use serde_json::Value;

fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The one rounding rule, written again from its definition.
fn fill(u: f64) -> String {
    format!("{:.1}%", ((u * 1000.0) + 1e-6).floor() / 10.0)
}

fn html_text(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Markdown as read: backslash escapes and entities undone.
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    html_text(&out)
}

struct Outputs {
    summary: Value,
    digest: String,
    markdown: String,
    html: String,
}

fn outputs(sample: &str) -> Outputs {
    let dir = tempfile::tempdir().unwrap();
    let run = common::ctsleuth()
        .args([
            "analyze",
            "--color",
            "never",
            "--format",
            "json,md,html",
            "-o",
        ])
        .arg(dir.path())
        .arg(sample)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    Outputs {
        summary: serde_json::from_str(&read("summary.json")).unwrap(),
        digest: String::from_utf8(run.stdout).unwrap(),
        markdown: md_text(&read("summary.md")),
        html: html_text(&read("report.html")),
    }
}

/// The line (or table row) of `text` that names `node`, with its numbers.
fn row<'a>(text: &'a str, node: &str, what: &str) -> &'a str {
    text.lines()
        .find(|l| {
            let t = l.trim_start_matches(['|', ' ']);
            t.starts_with(node) || l.starts_with(&format!("<tr><td>{node}</td>"))
        })
        .unwrap_or_else(|| panic!("{what}: no row for {node}"))
}

fn node_numbers_agree(o: &Outputs) {
    for n in o.summary["nodes"].as_array().unwrap() {
        let node = n["node"].as_str().unwrap();
        let (Some(peak), Some(limit), Some(u)) = (
            n["peak_entries"].as_u64(),
            n["limit"].as_u64(),
            n["peak_utilization"].as_f64(),
        ) else {
            continue;
        };
        let want = [thousands(peak), thousands(limit), fill(u)];
        for (what, text) in [
            ("digest", o.digest.as_str()),
            ("markdown", o.markdown.as_str()),
            ("html", o.html.as_str()),
        ] {
            let r = row(text, node, what);
            for w in &want {
                assert!(
                    r.contains(w.as_str()),
                    "{what}: {node}: {w} missing in {r:?}"
                );
            }
        }
    }
}

fn findings_agree(o: &Outputs) {
    for f in o.summary["findings"].as_array().unwrap() {
        let title = f["title"].as_str().unwrap();
        assert!(o.digest.contains(title), "digest lacks {title:?}");
        assert!(o.markdown.contains(title), "markdown lacks {title:?}");
        assert!(o.html.contains(title), "html lacks {title:?}");
        for e in f["evidence"].as_array().unwrap() {
            let text = e["text"].as_str().unwrap();
            assert!(o.digest.contains(text), "digest lacks {text:?}");
            assert!(o.html.contains(text), "html lacks {text:?}");
        }
    }
}

#[test]
fn the_incident_reads_the_same_in_every_output() {
    let o = outputs("samples/incident-linkerd");
    node_numbers_agree(&o);
    findings_agree(&o);
    // The fill of the fullest node reads one way only.
    assert!(o.digest.contains("99.9%") && !o.digest.contains("100.0%"));
}

#[test]
fn the_causes_read_the_same_in_every_output() {
    for case in ["insert-races", "snat-ports", "early-drops"] {
        let o = outputs(&format!("samples/causes/{case}"));
        node_numbers_agree(&o);
        findings_agree(&o);
    }
}

#[test]
fn parts_never_exceed_their_whole_and_shares_say_of_what() {
    let o = outputs("samples/incident-linkerd");
    for f in o.summary["findings"].as_array().unwrap() {
        let ev = f["evidence"].to_string();
        // Every percentage in a finding names what it is a share of.
        for (i, _) in ev.match_indices("%") {
            let after = &ev[i..(i + 40).min(ev.len())];
            let before = &ev[i.saturating_sub(60)..i];
            assert!(
                after.contains("of ")
                    || after.contains("full")
                    || before.contains("of ")
                    || before.contains("= "),
                "{}: a share without its whole near {:?}",
                f["id"],
                &ev[i.saturating_sub(60)..(i + 40).min(ev.len())]
            );
        }
    }
    let churn = o.summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"].as_str().unwrap().starts_with("churn-"))
        .unwrap();
    let title = churn["title"].as_str().unwrap();
    let rate: f64 = title
        .split("~")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .and_then(|t| t.replace(',', "").parse().ok())
        .unwrap();
    let node_rate = o.summary["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["close_rate_per_s"].as_f64())
        .fold(0.0, f64::max);
    assert!(rate <= node_rate.round(), "{rate} > {node_rate}");
}
