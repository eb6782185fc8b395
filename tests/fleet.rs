//! The outputs at fleet scale: a generated cluster of 1 to 200 nodes, a few
//! of them full. The digest ranks nodes worst first and rolls the rest into
//! one line, its columns line up whatever the names and numbers, findings
//! roll their per-node evidence up, and `check` lists failures first.

// Tests may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

#[allow(dead_code)]
#[path = "../examples/support/synth.rs"]
mod synth;

#[allow(dead_code)]
#[path = "../examples/support/fleet.rs"]
mod fleet;

use common::ctsleuth;
use fleet::{Spec, node_name, write_fleet};

/// A fleet small enough for a debug build: 65,536-entry tables (the
/// kernel's default between 1 and 4 GiB of RAM), healthy nodes at a few
/// hundred entries.
fn spec(nodes: usize) -> Spec {
    let mut s = Spec::new(nodes);
    s.limit = 65_536;
    s.healthy = (80, 900);
    s
}

/// Runs `analyze` on a generated fleet: the digest, and summary.json.
fn analyze(spec: &Spec, extra: &[&str]) -> (String, serde_json::Value) {
    let (digest, summary, _) = analyze_to(spec, "json", extra);
    (digest, summary)
}

/// Runs `analyze` writing `formats`; the digest, summary.json, and the
/// output folder.
fn analyze_to(
    spec: &Spec,
    formats: &str,
    extra: &[&str],
) -> (String, serde_json::Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fleet");
    write_fleet(&data, spec).unwrap();
    let out = dir.path().join("out");
    let run = ctsleuth()
        .args(["analyze", "--format", formats, "-q", "-o"])
        .arg(&out)
        .args(extra)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (String::from_utf8(run.stdout).unwrap(), summary, dir)
}

/// The node table of a digest: its header and rows, up to the line after.
fn node_table(digest: &str) -> (Vec<&str>, Option<&str>) {
    let mut lines = digest.lines().skip_while(|l| !l.starts_with("NODE"));
    let header = lines.next().expect("a NODE header");
    let mut table = vec![header];
    let mut after = None;
    for l in lines {
        if l.starts_with('…') || l.starts_with("worst first") || l.is_empty() {
            after = Some(l);
            break;
        }
        table.push(l);
    }
    (table, after)
}

/// Runs of text separated by two or more blanks, with their char spans.
fn fields(line: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !(chars[i] == ' ' && chars.get(i + 1).is_none_or(|c| *c == ' ')) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

/// Every column starts (left-aligned) or ends (right-aligned) where its
/// title does, on every row: no value runs into the next.
fn assert_aligned(table: &[&str]) {
    let right = ["PEAK", "LIMIT", "FULL", "CLOSES/S", "DROPS/S"];
    let header = table[0];
    let titles: Vec<(usize, usize)> = fields(header);
    let names: Vec<String> = titles
        .iter()
        .map(|&(a, b)| header.chars().skip(a).take(b - a).collect())
        .collect();
    assert_eq!(
        names,
        [
            "NODE",
            "PEAK",
            "LIMIT",
            "FULL",
            "CLOSES/S",
            "DROPS/S",
            "DROPS OVER",
            "TOP SOURCE"
        ]
    );
    for row in &table[1..] {
        let got = fields(row);
        assert_eq!(
            got.len(),
            titles.len(),
            "fields run together:\n{header}\n{row}"
        );
        for ((name, t), g) in names.iter().zip(&titles).zip(&got) {
            if right.contains(&name.as_str()) {
                assert_eq!(
                    t.1, g.1,
                    "{name} does not end under its title:\n{header}\n{row}"
                );
            } else {
                assert_eq!(
                    t.0, g.0,
                    "{name} does not start under its title:\n{header}\n{row}"
                );
            }
        }
    }
}

#[test]
fn two_hundred_nodes_worst_first_within_a_screen() {
    let spec = spec(200);
    let (digest, summary, dir) = analyze_to(&spec, "html,json", &[]);
    // One fleet chart and detail charts for the nodes that matter, not one
    // per node; the page stays small and keeps every node in its table.
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.len() < 1 << 20, "report.html is {} bytes", html.len());
    let charts = html.matches("<figure class=\"chart\"").count();
    assert!((2..=20).contains(&charts), "{charts} charts");
    assert!(html.contains("Peak fill of 200 nodes, fullest first"));
    let nodes = html.split("id=\"node-table\"").nth(1).unwrap();
    let nodes = nodes.split("</table>").next().unwrap();
    assert_eq!(nodes.matches("<tr><td>").count(), 200);
    assert!(html.contains("class=\"filter\""));
    let (table, after) = node_table(&digest);
    assert_aligned(&table);
    // A screen: 15 nodes, the full ones first, then one line for the rest.
    assert_eq!(table.len(), 1 + 15, "{digest}");
    let full: Vec<String> = spec.full.iter().map(|&i| node_name(&spec, i)).collect();
    for row in &table[1..4] {
        assert!(full.iter().any(|n| row.starts_with(n.as_str())), "{row}");
        assert!(row.contains("100.0%"), "{row}");
    }
    let rest = after.unwrap();
    assert!(rest.starts_with("… 185 more nodes: all at most "), "{rest}");
    assert!(rest.contains("no drops"), "{rest}");
    // The reports keep every node.
    assert_eq!(summary["nodes"].as_array().unwrap().len(), 200);
    // The whole digest (the table and the findings of three full nodes) is
    // a few screens, not 200 rows and more.
    assert!(
        digest.lines().count() < 100,
        "{} lines",
        digest.lines().count()
    );

    let (all, _) = analyze(&spec, &["--all"]);
    let (table, _) = node_table(&all);
    assert_eq!(table.len(), 1 + 200);
    assert_aligned(&table);
}

#[test]
fn columns_line_up_for_short_and_long_names_and_wide_numbers() {
    for (short, longer, limit) in [(true, 0, 4_194_304), (false, 30, 65_536)] {
        let mut spec = spec(6);
        spec.short_names = short;
        spec.longer_names = longer;
        spec.limit = limit;
        spec.full = vec![2];
        if limit > 65_536 {
            // Not full at this size: the row shows a 7-digit limit.
            spec.full.clear();
        }
        let (digest, _) = analyze(&spec, &[]);
        let (table, _) = node_table(&digest);
        assert_eq!(table.len(), 7, "{digest}");
        assert_aligned(&table);
        if longer > 0 {
            // Names beyond the column are shortened in the middle.
            assert!(table[1].contains('…'), "{}", table[1]);
        }
        if limit > 65_536 {
            assert!(table[1].contains("4,194,304"), "{}", table[1]);
        }
    }
}

#[test]
fn the_sample_bundle_and_one_file_line_up() {
    for path in [
        "samples/incident-linkerd",
        "samples/formats/conntrack-L-default.txt",
    ] {
        let out = ctsleuth()
            .args(["analyze", "--format", "json", "-q", "-o"])
            .arg(tempfile::tempdir().unwrap().path())
            .arg(path)
            .output()
            .unwrap();
        let digest = String::from_utf8(out.stdout).unwrap();
        let (table, after) = node_table(&digest);
        assert_aligned(&table);
        // Every node fits: no line for the rest.
        assert!(after.is_none_or(|l| !l.starts_with('…')), "{digest}");
    }
}

#[test]
fn findings_roll_up_evidence_across_many_nodes() {
    // Eight full nodes flooded by one client network: the churn finding
    // speaks of all eight in one bullet, the full list in summary.json.
    let mut spec = spec(12);
    spec.full = (0..8).collect();
    let (digest, summary) = analyze(&spec, &[]);
    let churn = summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"].as_str().unwrap().starts_with("churn-"))
        .expect("a churn finding");
    let rolled: Vec<&serde_json::Value> = churn["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["nodes"].is_array())
        .collect();
    assert_eq!(rolled.len(), 1, "{churn:#}");
    let text = rolled[0]["text"].as_str().unwrap();
    assert!(text.starts_with("on 8 nodes, "), "{text}");
    assert!(
        text.contains("of the table held by it (highest: "),
        "{text}"
    );
    assert_eq!(rolled[0]["nodes"].as_array().unwrap().len(), 8);
    // The terminal shows the rolled bullet, not eight.
    assert!(digest.contains(text), "{digest}");
    assert!(
        !digest.contains("holds over 20 % of the table on"),
        "{digest}"
    );
    // Eight nodes ran full: three are shown, the other five named in one
    // line under them; summary.json keeps all eight findings.
    let exhaustion = summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"].as_str().unwrap().starts_with("exhaustion-"))
        .count();
    assert_eq!(exhaustion, 8);
    assert_eq!(
        digest
            .lines()
            .filter(|l| l.starts_with("CRITICAL Conntrack table of "))
            .count(),
        3,
        "{digest}"
    );
    assert!(
        digest.contains("         + the same on 5 more nodes: "),
        "{digest}"
    );
    // The outliers finding names the largest few, the list stays in JSON.
    if let Some(o) = summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "outlier-nodes")
    {
        let e = &o["evidence"][0];
        assert!(
            e["text"].as_str().unwrap().contains("nodes, the largest"),
            "{e}"
        );
    }
}

#[test]
fn check_lists_failures_first_and_rolls_up_passes() {
    let spec = spec(60);
    let dir = tempfile::tempdir().unwrap();
    write_fleet(dir.path(), &spec).unwrap();
    // The digest of the same 60 nodes: a screen of them, aligned.
    let reports = tempfile::tempdir().unwrap();
    let analyzed = ctsleuth()
        .args(["analyze", "--format", "json", "-q", "-o"])
        .arg(reports.path())
        .arg(dir.path())
        .output()
        .unwrap();
    let digest = String::from_utf8(analyzed.stdout).unwrap();
    let (table, after) = node_table(&digest);
    assert_eq!(table.len(), 16, "{digest}");
    assert_aligned(&table);
    assert!(after.unwrap().starts_with("… 45 more nodes"), "{digest}");
    let out = ctsleuth().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .collect();
    assert!(rows[0].starts_with("STATUS"));
    let statuses: Vec<&str> = rows[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .take_while(|s| ["FAIL", "WARN", "skip", "pass"].contains(s))
        .collect();
    let rank = |s: &str| {
        ["FAIL", "WARN", "skip", "pass"]
            .iter()
            .position(|x| *x == s)
    };
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|l| l.starts_with("pass") && l.contains("utilization") && l.contains("57 nodes")),
        "{text}"
    );
    // A screen or two, not a line per rule and node.
    assert!(text.lines().count() < 60, "{text}");
    // Every column starts under its title.
    let header = fields(rows[0]);
    for row in rows.iter().skip(1).take_while(|l| !l.starts_with("check ")) {
        let got = fields(row);
        assert_eq!(got.len(), header.len(), "{}\n{row}", rows[0]);
        for (t, g) in header.iter().zip(&got) {
            assert_eq!(t.0, g.0, "column moved:\n{}\n{row}", rows[0]);
        }
    }
}

#[test]
fn a_fleet_captured_several_times_gets_a_heatmap() {
    let mut spec = spec(12);
    spec.times = 3;
    spec.full = vec![3, 8];
    spec.healthy = (40, 200);
    let (_, summary, dir) = analyze_to(&spec, "html,json", &[]);
    assert_eq!(summary["snapshots"].as_array().unwrap().len(), 36);
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("Fill of 12 nodes over time, fullest first"));
    // A hover text per cell: node, time and fill.
    let full = node_name(&spec, 3);
    assert!(
        html.contains(&format!("{full} at 02-11 14:20: 100.0% full")),
        "no cell tip for {full}"
    );
    assert!(html.contains(&format!("{full} at 02-11 14:00: 33.3% full")));
}

#[test]
fn timeline_columns_line_up_per_node() {
    let out = ctsleuth()
        .args(["timeline", "samples/incident-linkerd"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // Every bucket row of a node puts `≤` and the end of its upper bound in
    // the same column.
    for node in text.split("\n\n") {
        // Bucket rows: the ones with a bar.
        let rows: Vec<&str> = node
            .lines()
            .filter(|l| l.contains(" ≤ ") && (l.contains('█') || l.contains('░')))
            .collect();
        let at = |l: &str| l.chars().position(|c| c == '≤');
        let end = |l: &str| {
            let before_mark = l
                .split("  ◀")
                .next()
                .unwrap()
                .split("  DNS")
                .next()
                .unwrap();
            before_mark.trim_end().chars().count()
        };
        if let Some(first) = rows.first() {
            for r in &rows {
                assert_eq!(at(r), at(first), "{first}\n{r}");
                assert_eq!(end(r), end(first), "{first}\n{r}");
            }
        }
    }
}
