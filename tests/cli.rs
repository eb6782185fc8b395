//! End-to-end tests: the binary on the samples, golden JSON, exit codes and
//! every bad-input rule.
//!
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test cli`.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;
use common::ctsleuth;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use predicates::prelude::*;
use serde_json::Value;

fn golden_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

/// Removes what changes between builds (the version in `generator`).
fn normalise(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.insert("generator".into(), Value::String("ctsleuth".into()));
    }
    v
}

/// Compares `actual` with the golden file of `case`, or rewrites it when
/// UPDATE_GOLDEN is set. JSON is compared as data.
fn check_golden(case: &str, actual: &str) {
    let path = golden_dir(case).join("summary.json");
    let actual: Value = normalise(serde_json::from_str(actual).unwrap());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        }))
        .unwrap();
    if actual != expected {
        let a = serde_json::to_string_pretty(&actual).unwrap();
        let e = serde_json::to_string_pretty(&expected).unwrap();
        let first_diff = a
            .lines()
            .zip(e.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map(|(i, (x, y))| format!("line {}: got {x:?}, expected {y:?}", i + 1));
        panic!(
            "{case}: summary.json differs from {} ({}); rerun with UPDATE_GOLDEN=1 if the change is intended",
            path.display(),
            first_diff.unwrap_or_else(|| "lengths differ".into())
        );
    }
}

fn analyze_to(dir: &Path, args: &[&str]) -> (std::process::Output, String) {
    let out = ctsleuth()
        .arg("analyze")
        .args(["--format", "json"])
        .args(args)
        .arg("-o")
        .arg(dir)
        .arg("--quiet")
        .output()
        .unwrap();
    let json = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    (out, json)
}

#[test]
fn incident_bundle_matches_golden_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, json) = analyze_to(tmp.path(), &["samples/incident-linkerd"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_golden("incident-linkerd", &json);

    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], "ctsleuth.summary/v1");
    // The hot node at 09:04: the table is full, one client workload holds most of it.
    let hot = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["node"] == "gke-prod-default-pool-7f3a9c21-x2lq" && s["entries"] == 131004)
        .unwrap();
    assert_eq!(hot["limit"], 131072);
    assert_eq!(hot["top_sources"][0]["ip"], "10.4.5.23");
    assert_eq!(hot["top_sources"][0]["kind"], "pod");
    assert_eq!(
        hot["top_sources"][0]["workload"],
        "Deployment/storefront-bff"
    );
    assert_eq!(hot["top_workloads"][0]["workload"], "web/storefront-bff");
    assert!(hot["top_workloads"][0]["share"].as_f64().unwrap() > 0.8);
    assert_eq!(hot["top_workloads"][0]["addresses"], 3);
    assert_eq!(
        hot["top_destination_workloads"][0]["workload"],
        "mesh/linkerd-router"
    );
    assert_eq!(hot["top_destinations"][0]["port"], 4143);
    let close = hot["close_rate_per_s"].as_f64().unwrap();
    assert!((800.0..950.0).contains(&close), "{close}");
    let tw = hot["by_state"]["TIME_WAIT"].as_u64().unwrap();
    assert!(
        (close - tw as f64 / 120.0).abs() < 30.0,
        "close rate {close} vs TIME_WAIT {tw}"
    );
    // Counter rates between two conntrack -S captures during the burst.
    let rate = v["stats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["node"] == "gke-prod-default-pool-7f3a9c21-x2lq"
                && s["captured_at"] == "2024-11-26T09:04:00Z"
        })
        .unwrap();
    assert_eq!(rate["rates"]["interval_s"], 240.0);
    assert_eq!(rate["rates"]["per_s"]["drop"], 405.0);
    // Limits come from the sysctl capture first, kube-proxy second.
    let node = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == "gke-prod-default-pool-7f3a9c21-x2lq")
        .unwrap();
    assert_eq!(
        node["limit_evidence"][0]["origin"],
        "sysctl net.netfilter.nf_conntrack_max"
    );
    assert_eq!(node["timeouts"]["tcp_timeout_close_wait"], 3600);
    // The second morning's burst has its snapshot and suspects; the first has none.
    let bursts: Vec<&Value> = v["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["node"] == "gke-prod-default-pool-7f3a9c21-x2lq")
        .collect();
    assert_eq!(bursts.len(), 2);
    assert!(bursts[0]["suspects"].as_array().unwrap().is_empty());
    assert!(
        bursts[0]["note"]
            .as_str()
            .unwrap()
            .contains("no conntrack -L snapshot")
    );
    assert_eq!(bursts[1]["suspects"][0]["workload"], "web/storefront-bff");
    assert_eq!(bursts[1]["suspects"][0]["correlation"], 1.0);
    assert_eq!(v["recurrences"][0]["time_of_day"], "08:57");
    // Findings name the culprit, the hot nodes, the collocation and the recurrence.
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "churn-web/storefront-bff",
        "exhaustion-gke-prod-default-pool-7f3a9c21-x2lq",
        "exhaustion-gke-prod-default-pool-7f3a9c21-k9wd",
        "collocation-mesh/linkerd-router",
        "outlier-nodes",
        "recurring-0857",
        "dns",
        "limit-gke-prod-default-pool-7f3a9c21-x2lq",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(
        !ids.iter()
            .any(|i| i.starts_with("exhaustion-gke-prod-default-pool-7f3a9c21-b8mn"))
    );
    assert_eq!(v["findings"][0]["severity"], "critical");
}

#[test]
fn format_samples_match_golden_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, json) = analyze_to(tmp.path(), &["samples/formats"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_golden("formats", &json);
}

fn input<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no input {name}"))
}

#[test]
fn every_format_sample_is_recognised_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, json) = analyze_to(tmp.path(), &["samples/formats"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    for (file, kind, records, skipped) in [
        ("conntrack-L-default.txt", "conntrack_dump", 32, 0),
        ("proc-nf_conntrack.txt", "conntrack_dump", 18, 0),
        ("ip_conntrack-legacy.txt", "conntrack_dump", 14, 0),
        ("conntrack-L-extended-acct.txt", "conntrack_dump", 15, 0),
        ("conntrack-L-offload.txt", "conntrack_dump", 16, 0),
        ("conntrack-L-ipv6.txt", "conntrack_dump", 12, 0),
        ("conntrack-L-timestamp.txt", "conntrack_dump", 10, 0),
        ("conntrack-E-events.txt", "conntrack_events", 28, 0),
        ("conntrack-E-timestamp.txt", "conntrack_events", 10, 0),
        // Three commands of one terminal session: three sections, the two
        // filtered listings partial views of the table.
        (
            "pasted-terminal.txt [conntrack -L -p tcp --state SYN_SENT]",
            "conntrack_dump",
            4,
            0,
        ),
        (
            "pasted-terminal.txt [conntrack -L -d 10.8.0.10]",
            "conntrack_dump",
            6,
            0,
        ),
        ("pasted-terminal.txt [conntrack -L]", "conntrack_dump", 8, 1),
        (
            "pasted-crlf-bom.txt [conntrack -L -d 10.8.0.10]",
            "conntrack_dump",
            6,
            0,
        ),
        ("pasted-crlf-bom.txt [conntrack -L]", "conntrack_dump", 8, 1),
        ("bad-lines.txt", "conntrack_dump", 15, 4),
        ("conntrack-S-5.15.txt", "conntrack_stats", 4, 0),
        ("conntrack-S-4.19.txt", "conntrack_stats", 2, 0),
        ("proc-stat-nf_conntrack-4.14.txt", "conntrack_stats", 4, 0),
        ("proc-stat-nf_conntrack-5.10.txt", "conntrack_stats", 4, 0),
        ("proc-stat-nf_conntrack-5.15.txt", "conntrack_stats", 4, 0),
        ("conntrack-C.txt", "conntrack_stats", 1, 0),
        ("nf_conntrack_count", "conntrack_stats", 1, 0),
        ("nf_conntrack_max", "sysctl", 1, 0),
        ("nf_conntrack_buckets", "sysctl", 1, 0),
    ] {
        let i = input(&v, file);
        assert_eq!(i["kind"], kind, "{file}");
        assert_eq!(i["records"], records, "{file}");
        assert_eq!(i["skipped"], skipped, "{file}");
    }
    assert_eq!(input(&v, "[conntrack -L -d 10.8.0.10]")["partial"], true);
    assert_eq!(
        input(&v, "pasted-terminal.txt [conntrack -L]").get("partial"),
        None
    );
    // The cut last entry's line is counted in the file, not in its section.
    assert_eq!(
        input(&v, "pasted-terminal.txt [conntrack -L]")["bad_lines"][0]["line"],
        25
    );
    let xml = input(&v, "conntrack-L-xml.txt");
    assert_eq!(xml["kind"], "conntrack_dump");
    assert_eq!(xml["records"], 0);
    assert!(
        xml["warnings"][0]
            .as_str()
            .unwrap()
            .contains("conntrack -L -o extended")
    );
    let bad = input(&v, "bad-lines.txt");
    let lines: Vec<u64> = bad["bad_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![4, 8, 11, 15]);
}

#[test]
fn bad_lines_are_reported_as_path_line_expected_snippet() {
    ctsleuth()
        .args(["top", "samples/formats/bad-lines.txt"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "samples/formats/bad-lines.txt:8: expected an IPv4 or IPv6 address after src=: \"tcp      6 86163 ESTABLISHED src=10.4.1.999",
        ))
        .stderr(predicate::str::contains("samples/formats/bad-lines.txt:11: expected a protocol name and number"))
        .stdout(predicate::str::contains("15 entries"));
}

#[test]
fn strict_turns_skipped_lines_into_exit_2() {
    ctsleuth()
        .args(["top", "--strict", "samples/formats/bad-lines.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--strict: 4 input lines were skipped",
        ));
    ctsleuth()
        .args(["top", "--strict", "samples/formats/conntrack-L-default.txt"])
        .assert()
        .success();
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = analyze_to(
        tmp.path(),
        &["--strict", "samples/formats/pasted-terminal.txt"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn top_json_counts_states_and_flags() {
    let out = ctsleuth()
        .args(["top", "--json", "samples/formats/conntrack-L-default.txt"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entries"], 32);
    assert_eq!(v["by_state"]["ESTABLISHED"], 8);
    assert_eq!(v["by_state"]["TIME_WAIT"], 6);
    assert_eq!(v["by_state"]["stateless"], 10);
    assert_eq!(v["by_proto"]["tcp"], 22);
    assert_eq!(v["unreplied"], 7);
    assert_eq!(v["assured"], 18);
    assert_eq!(v["top_destinations"][0]["ip"], "10.8.0.10");
    assert_eq!(v["top_destinations"][0]["port"], 53);
}

#[test]
fn top_reads_stdin_and_gzip() {
    let text = std::fs::read("samples/formats/conntrack-L-default.txt").unwrap();
    ctsleuth()
        .args(["top", "-"])
        .write_stdin(text.clone())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("(stdin) — 32 entries"));
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("dump.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&text).unwrap();
    enc.finish().unwrap();
    ctsleuth()
        .arg("top")
        .arg(&gz)
        .assert()
        .success()
        .stdout(predicate::str::contains("32 entries"));
}

#[test]
fn top_with_limit_shows_fill() {
    ctsleuth()
        .args([
            "top",
            "--limit",
            "64",
            "samples/formats/conntrack-L-default.txt",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "limit 64 (nf_conntrack_max) · 50.0% full",
        ));
}

#[test]
fn node_and_time_flags_override_the_path() {
    let out = ctsleuth()
        .args([
            "top",
            "--json",
            "--node",
            "node-a",
            "--captured-at",
            "2024-11-26T10:04:00+01:00",
            "samples/formats/conntrack-L-ipv6.txt",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["node"], "node-a");
    assert_eq!(v["captured_at"], "2024-11-26T09:04:00Z");
    assert_eq!(v["by_family"]["ipv6"], 12);
}

#[test]
fn usage_errors_exit_2() {
    ctsleuth()
        .args(["top", "--timeout", "time_wait=5", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown timeout \"time_wait\""));
    ctsleuth()
        .args(["top", "--captured-at", "yesterday", "x"])
        .assert()
        .code(2);
    ctsleuth()
        .args(["top", "--node", "a b", "x"])
        .assert()
        .code(2);
    ctsleuth().args(["analyze"]).assert().code(2);
    ctsleuth().arg("frobnicate").assert().code(2);
}

#[test]
fn a_missing_path_is_reported_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, json) = analyze_to(
        tmp.path(),
        &[
            "samples/formats/conntrack-L-default.txt",
            "samples/does-not-exist",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("samples/does-not-exist"));
    // The readable input was still analysed.
    assert!(json.contains("\"entries\": 32"));
}

#[test]
fn binary_empty_and_unknown_files_are_skipped_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("core.bin"), b"\x7fELF\x02\x01\x01\0\0\0\0\0").unwrap();
    std::fs::write(bundle.join("empty.txt"), b"").unwrap();
    std::fs::write(
        bundle.join("notes.txt"),
        b"the node was rebooted at 09:10\n",
    )
    .unwrap();
    std::fs::copy(
        "samples/formats/conntrack-L-default.txt",
        bundle.join("dump.txt"),
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = ctsleuth()
        .arg("analyze")
        .arg(&bundle)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("core.bin: binary file: skipped"), "{err}");
    assert!(err.contains("empty.txt: empty"), "{err}");
    assert!(err.contains("notes.txt: unrecognised content"), "{err}");

    // Nothing usable at all: exit 2.
    std::fs::remove_file(bundle.join("dump.txt")).unwrap();
    ctsleuth()
        .arg("analyze")
        .arg(&bundle)
        .arg("-o")
        .arg(&out_dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no usable input"));
}

#[test]
fn event_streams_are_not_snapshots() {
    ctsleuth()
        .args(["top", "samples/formats/conntrack-E-events.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no conntrack -L entries"));
}

#[test]
fn trailer_disagreement_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("cut.txt");
    let text = std::fs::read_to_string("samples/formats/conntrack-L-default.txt").unwrap();
    let kept: Vec<&str> = text.lines().skip(5).collect();
    std::fs::write(&f, kept.join("\n")).unwrap();
    ctsleuth()
        .arg("top")
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "the trailer says 32 flow entries were shown, but 27 were read",
        ));
}

#[test]
fn an_absurd_line_is_cut_and_skipped_without_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("absurd.txt");
    let mut data = std::fs::read("samples/formats/conntrack-L-default.txt").unwrap();
    data.extend(std::iter::repeat_n(b'x', 40 * 1024 * 1024));
    data.extend_from_slice(b"\n");
    std::fs::write(&f, data).unwrap();
    ctsleuth()
        .arg("top")
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains("32 entries"))
        .stderr(predicate::str::contains("absurd.txt:34: expected"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_ctsleuth"))
        .args([
            "top",
            "-n",
            "1000",
            "samples/incident-linkerd/gke-prod-default-pool-7f3a9c21-b8mn/conntrack-L-2024-11-26T09:04:20Z.txt.gz",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("3,311 entries"), "{first}");
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (_, ja) = analyze_to(a.path(), &["samples/formats"]);
    let (_, jb) = analyze_to(b.path(), &["samples/formats"]);
    assert!(!ja.is_empty());
    assert_eq!(ja, jb);
}

#[test]
fn help_teaches_the_layout_and_examples() {
    ctsleuth()
        .args(["analyze", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("<bundle>/<node>/<file>"))
        .stdout(predicate::str::contains(
            "ctsleuth analyze samples/incident-linkerd",
        ));
    ctsleuth()
        .args(["top", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tcp_timeout_time_wait"));
}

#[test]
fn completions_and_the_man_page_come_from_the_cli_definitions() {
    let out = ctsleuth().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("_ctsleuth"), "{text}");
    assert!(text.contains("capture-script") && text.contains("--max-archive-size"));
    let out = ctsleuth().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH ctsleuth"),
        "{text}"
    );
    assert!(text.contains("analyze"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |color: &str, no_color: bool| {
        let mut cmd = ctsleuth();
        cmd.args(["--color", color, "analyze", "--format", "json", "-q"])
            .arg("samples/incident-linkerd")
            .arg("-o")
            .arg(tmp.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let always = run("always", false);
    assert!(always.contains("\u{1b}[1;31mCRITICAL\u{1b}[0m"), "{always}");
    assert!(always.contains("\u{1b}[1;31m99.9%\u{1b}[0m"), "{always}");
    // Not a terminal: auto stays plain; never is plain; NO_COLOR too.
    for text in [run("auto", false), run("never", false), run("auto", true)] {
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("CRITICAL"));
    }
}

#[test]
fn the_timeline_marks_drops_and_bursts_in_colour_when_asked() {
    let run = |color: &str| {
        let out = ctsleuth()
            .args([
                "--color",
                color,
                "timeline",
                "-q",
                "samples/incident-linkerd",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let always = run("always");
    assert!(
        always.contains("\u{1b}[1;31m◀ burst 1\u{1b}[0m"),
        "{always}"
    );
    assert!(always.contains("\u{1b}[1;31m█"), "{always}");
    let never = run("never");
    assert!(!never.contains('\u{1b}'));
    assert!(never.contains("◀ burst 1"));
}

#[test]
fn look_alikes_are_refused_with_a_reason() {
    for (file, reason) in [
        ("conntrackd-i.txt", "a conntrackd cache dump"),
        ("conntrackd-s.txt", "conntrackd statistics"),
        ("netstat-windows.txt", "Windows netstat"),
    ] {
        let path = format!("samples/formats/{file}");
        let out = ctsleuth().args(["top", &path]).output().unwrap();
        // Not read as a table: nothing usable, and the reason is named.
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{file}: {err}");
    }
}

#[test]
fn a_listing_quoted_in_an_email_is_read() {
    let v = common::analyze_summary(&[], &["samples/formats/pasted-email-quoted.txt"]);
    let input = &v["inputs"][0];
    assert_eq!(input["kind"], "conntrack_dump");
    // Every quoted entry (one quoted twice) is read; the prose around them is
    // skipped with its line number, not silently.
    assert_eq!(input["records"], 6, "{input}");
    assert_eq!(input["skipped"], 3, "{input}");
    assert!(
        input["warnings"]
            .to_string()
            .contains("12 lines were quoted"),
        "{input}"
    );
    assert_eq!(v["snapshots"][0]["by_state"]["TIME_WAIT"], 4);
}

#[test]
fn a_kube_proxy_log_with_deleted_entries_is_read_as_log_and_listings() {
    let v = common::analyze_summary(&[], &["samples/logs/kube-proxy-v4-conntrack-deleted.log"]);
    let inputs = v["inputs"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = inputs
        .iter()
        .map(|i| {
            let path = i["path"].as_str().unwrap();
            let section = path.split_once(" [").map_or("", |(_, s)| s);
            (section, i["kind"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("log]", "kernel_log"),
            (
                "conntrack -D output logged at I1126 08:58:49.958716 (line 15)]",
                "conntrack_dump"
            ),
            ("log from line 23]", "kernel_log"),
            (
                "conntrack -D output logged at I1126 08:59:21.029904 (line 32)]",
                "conntrack_dump"
            ),
            ("log from line 37]", "kernel_log"),
        ]
    );
    // The deleted entries are kept as partial views, not as the table; the
    // iptables error block stays in the log; nothing is skipped.
    for i in inputs {
        assert_eq!(i["skipped"], 0, "{i}");
    }
    let deleted: Vec<_> = inputs
        .iter()
        .filter(|i| i["kind"] == "conntrack_dump")
        .collect();
    assert_eq!(deleted[0]["records"], 5);
    assert_eq!(deleted[1]["records"], 2);
    assert!(deleted.iter().all(|i| i["partial"] == true));
    assert!(
        deleted[0]["warnings"]
            .to_string()
            .contains("the entries kube-proxy deleted")
    );
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    assert!(snaps.iter().all(|s| s["partial"] == true), "{snaps:?}");
    // kube-proxy's own setting of the limit still comes from the log, with
    // its line in the file.
    let evidence = &v["nodes"][0]["limit_evidence"][0];
    assert_eq!(evidence["value"], 262144);
    assert_eq!(evidence["line"], 5);
}

#[test]
fn skipped_lines_are_counted_per_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("conntrack-L.txt");
    let good = "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n";
    let bad_ip = "tcp      6 117 TIME_WAIT src=10.4.1.999 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n";
    let bad_port = "udp      17 22 src=10.4.1.40 dst=10.8.0.10 sport=4587l dport=53 src=10.4.2.9 dst=10.4.1.40 sport=53 dport=45871 mark=0 use=1\n";
    let text = good.repeat(20) + &bad_ip.repeat(5) + &bad_port.repeat(3);
    std::fs::write(&f, text).unwrap();
    let out_dir = dir.path().join("out");
    let out = ctsleuth()
        .args(["analyze", "--format", "json", "-o"])
        .arg(&out_dir)
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("… 3 more skipped lines (8 skipped in all: 5 expected an IPv4 or IPv6 address after src=; 3 expected a port (0-65535) after sport=)"),
        "{err}"
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    let by = &v["inputs"][0]["skipped_by_reason"];
    assert_eq!(by["an IPv4 or IPv6 address after src="], 5, "{by}");
    assert_eq!(by["a port (0-65535) after sport="], 3, "{by}");
}

#[test]
fn redacted_addresses_keep_their_entries() {
    let v = common::analyze_summary(&[], &["samples/formats/pasted-redacted.txt"]);
    let input = &v["inputs"][0];
    assert_eq!(
        (input["records"].as_u64(), input["skipped"].as_u64()),
        (Some(4), Some(0))
    );
    assert!(
        input["warnings"]
            .to_string()
            .contains("3 entries have an address redacted by hand")
    );
    let top = &v["snapshots"][0]["top_workloads"];
    assert!(
        top.as_array()
            .unwrap()
            .iter()
            .any(|w| w["workload"] == "redacted address"),
        "{top}"
    );
}

#[test]
fn top_reads_one_snapshot_names_stdin_and_takes_an_inventory() {
    // A folder of three snapshots: refused, with what to run instead.
    let node = "samples/incident-linkerd/gke-prod-default-pool-7f3a9c21-x2lq";
    let out = ctsleuth().args(["top", node]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds 3 conntrack -L snapshots"), "{err}");
    assert!(err.contains(&format!("ctsleuth analyze {node}")), "{err}");
    // Standard input is named as such.
    let out = ctsleuth()
        .args(["top", "-"])
        .write_stdin(std::fs::read("samples/formats/conntrack-L-default.txt").unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("(stdin) — 32 entries"), "{text}");
    // With the inventory, addresses are named as workloads.
    let file = format!("{node}/conntrack-L-2024-11-26T09:04:00Z.txt.gz");
    let out = ctsleuth()
        .args([
            "top",
            "--inventory",
            "samples/incident-linkerd/cluster",
            &file,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let workloads = text
        .split("TOP SOURCE WORKLOADS")
        .nth(1)
        .expect("a workloads section");
    assert!(
        workloads
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("web/storefront-bff"),
        "{text}"
    );
    assert!(text.contains("ANSWERED BY (WORKLOADS)"));
    // Without it, no workload section pretends to name anything.
    let out = ctsleuth().args(["top", &file]).output().unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("WORKLOADS"));
}
