//! End-to-end tests of log reading: every framing sample, time resolution,
//! bounds, bursts, recurrence and the timeline command.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use predicates::prelude::*;
use serde_json::Value;

fn timeline_json(args: &[&str]) -> Value {
    let out = common::ctsleuth()
        .args(["timeline", "--json", "--quiet"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn totals(v: &Value) -> (u64, u64, usize) {
    (
        v["drops"]["lower_bound"].as_u64().unwrap(),
        v["drops"]["upper_bound"].as_u64().unwrap(),
        v["bursts"].as_array().unwrap().len(),
    )
}

fn starts(v: &Value) -> Vec<String> {
    v["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["start"].as_str().unwrap_or("-").to_string())
        .collect()
}

#[test]
fn every_log_framing_gives_the_documented_counts() {
    // (file, extra args, logged, upper bound, bursts)
    for (file, extra, logged, upper, bursts) in [
        ("kern.log", &["--year", "2024"][..], 81, 9836, 2),
        ("journalctl-k-short.txt", &["--year", "2024"], 81, 9836, 2),
        (
            "journalctl-short-precise.txt",
            &["--year", "2024"],
            26,
            6127,
            1,
        ),
        ("journalctl-short-iso.txt", &[], 38, 6139, 1),
        ("journalctl-short-iso-precise.txt", &[], 43, 3697, 1),
        ("journalctl-short-monotonic.txt", &[], 38, 6139, 1),
        ("journal.json", &[], 38, 6139, 1),
        ("dmesg-T.txt", &[], 38, 6139, 1),
        ("dmesg-raw.txt", &[], 81, 9836, 2),
        ("gke-serial-console.txt", &[], 43, 3697, 1),
        ("openwrt-logread.txt", &[], 33, 246, 1),
        ("messages-old-centos.txt", &["--year", "2024"], 33, 165, 1),
        ("pasted-wrapped.md.txt", &[], 81, 81, 2),
        ("cloud-logging.json", &[], 11, 11, 2),
        ("cloud-logging.ndjson", &[], 3, 99, 2),
    ] {
        let path = format!("samples/logs/{file}");
        let mut args: Vec<&str> = extra.to_vec();
        args.push(&path);
        let v = timeline_json(&args);
        assert_eq!(totals(&v), (logged, upper, bursts), "{file}");
    }
}

#[test]
fn syslog_bursts_land_on_both_days_and_recur() {
    let v = timeline_json(&["--year", "2024", "samples/logs/kern.log"]);
    assert_eq!(
        starts(&v),
        vec!["2024-11-25T08:57:00Z", "2024-11-26T08:57:00Z"]
    );
    let r = &v["recurrences"][0];
    assert_eq!(r["time_of_day"], "08:57");
    assert_eq!(r["days"], serde_json::json!(["2024-11-25", "2024-11-26"]));
}

#[test]
fn raw_dmesg_stays_since_boot_until_a_boot_time_is_known() {
    let v = timeline_json(&["samples/logs/dmesg-raw.txt"]);
    assert_eq!(v["bursts"][0]["clock"], "since_boot");
    assert_eq!(v["bursts"][0]["start_since_boot"], 9960);
    assert!(
        v["warnings"]
            .to_string()
            .contains("only have seconds since boot")
    );

    let v = timeline_json(&[
        "--boot-time",
        "2024-11-25T06:11:03Z",
        "samples/logs/dmesg-raw.txt",
    ]);
    assert_eq!(
        starts(&v),
        vec!["2024-11-25T08:57:00Z", "2024-11-26T08:57:00Z"]
    );
}

#[test]
fn boot_time_is_learned_from_the_same_nodes_other_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("gke-prod-default-pool-7f3a9c21-x2lq");
    std::fs::create_dir(&node).unwrap();
    std::fs::copy("samples/logs/dmesg-raw.txt", node.join("dmesg.txt")).unwrap();
    std::fs::copy("samples/logs/journal.json", node.join("journal.json")).unwrap();
    let v = timeline_json(&[tmp.path().to_str().unwrap()]);
    let nodes = v["drops"]["per_node"].as_array().unwrap();
    assert!(nodes.iter().all(|n| n["clock"] == "utc"), "{nodes:?}");
    assert!(v["notes"].to_string().contains("the node's other logs"));
    // dmesg (both days) and the journal (second day) agree on the minute.
    let s = starts(&v);
    assert_eq!(s, vec!["2024-11-25T08:57:00Z", "2024-11-26T08:57:00Z"]);
}

#[test]
fn the_proc_stat_boot_time_places_raw_dmesg() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("node-a");
    std::fs::create_dir(&node).unwrap();
    std::fs::copy("samples/logs/dmesg-raw.txt", node.join("dmesg.txt")).unwrap();
    // 2024-11-25T06:11:03Z
    std::fs::write(
        node.join("proc-stat.txt"),
        "cpu  2255 34 2290 22625563 6290 127 456 0 0 0\nbtime 1732515063\nprocesses 26442\n",
    )
    .unwrap();
    let v = timeline_json(&[tmp.path().to_str().unwrap()]);
    assert_eq!(
        starts(&v),
        vec!["2024-11-25T08:57:00Z", "2024-11-26T08:57:00Z"]
    );
}

#[test]
fn expectation_table_full_is_its_own_kind() {
    let v = timeline_json(&["samples/logs/openwrt-logread.txt"]);
    assert_eq!(v["drops"]["expectation_full"], 3);
    assert_eq!(v["drops"]["lower_bound"], 33);
}

#[test]
fn dns_symptoms_are_listed_with_their_place() {
    let v = timeline_json(&["samples/logs/app-dns-errors.log"]);
    let s = v["symptoms"].as_array().unwrap();
    assert_eq!(s.len(), 16);
    assert_eq!(s[0]["ts"], "2024-11-25T08:57:50.618402113Z");
    assert_eq!(s[0]["line"], 2);
    assert!(s[0]["text"].as_str().unwrap().contains("i/o timeout"));
    assert!(s.iter().all(|x| x["node"].is_null()));
}

#[test]
fn unrelated_suppressed_counts_are_not_added() {
    // kauditd has a budget of its own; its summaries never count.
    let v = timeline_json(&["--year", "2024", "samples/logs/kern.log"]);
    assert_eq!(v["drops"]["total_suppressed"], 9755);
}

#[test]
fn bucket_and_gap_options_change_the_bursts() {
    let v = timeline_json(&[
        "--year",
        "2024",
        "--bucket",
        "10s",
        "--burst-gap",
        "10s",
        "samples/logs/kern.log",
    ]);
    assert!(v["bursts"].as_array().unwrap().len() > 2);
    assert_eq!(v["drops"]["bucket_s"], 10);
    common::ctsleuth()
        .args(["timeline", "--bucket", "5d", "samples/logs/kern.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bucket"));
    common::ctsleuth()
        .args(["timeline", "--tz", "Europe/Paris", "samples/logs/kern.log"])
        .assert()
        .code(2);
}

#[test]
fn tz_moves_local_times() {
    let v = timeline_json(&["--tz", "+01:00", "samples/logs/dmesg-T.txt"]);
    assert_eq!(starts(&v), vec!["2024-11-26T07:57:00Z"]);
}

#[test]
fn timeline_in_the_terminal_marks_bursts_and_folds_quiet_time() {
    common::ctsleuth()
        .args(["timeline", "samples/incident-linkerd"])
        .assert()
        .success()
        .stdout(predicate::str::contains("◀ burst 2"))
        .stdout(predicate::str::contains("⋮ 23 h 53 min without drops"))
        .stdout(predicate::str::contains(
            "recurring: daily around 08:57 UTC: 4 bursts on 2 days",
        ))
        .stdout(predicate::str::contains(
            "counters 09:00:00–09:04:00: drop +97,200",
        ));
}

#[test]
fn timeline_without_logs_is_an_input_error() {
    common::ctsleuth()
        .args(["timeline", "samples/formats/conntrack-L-default.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no log among the inputs"));
}

#[test]
fn a_timestamp_less_drop_line_still_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("kern.log");
    std::fs::write(
        &f,
        "Nov 26 08:57:40 node-a kernel: [ 1.0] nf_conntrack: table full, dropping packet\nnf_conntrack: table full, dropping packet\n",
    )
    .unwrap();
    // Counted with its time unknown, named by line; not a skipped line, so
    // --strict has nothing to fail on.
    common::ctsleuth()
        .args(["timeline", "--year", "2024"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 message that matters had no readable time (line 2)",
        ))
        .stdout(predicate::str::contains("time unknown: 1 drop logged"));
    common::ctsleuth()
        .args(["timeline", "--strict", "--year", "2024"])
        .arg(&f)
        .assert()
        .success();
}

#[test]
fn a_dmesg_t_capture_gives_raw_dmesg_its_boot_time() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("gke-prod-default-pool-7f3a9c21-x2lq");
    std::fs::create_dir(&node).unwrap();
    std::fs::copy("samples/logs/dmesg-raw.txt", node.join("dmesg.txt")).unwrap();
    std::fs::copy("samples/logs/dmesg-T.txt", node.join("dmesg-T.txt")).unwrap();
    let v = timeline_json(&[tmp.path().to_str().unwrap()]);
    assert!(
        v["notes"]
            .to_string()
            .contains("a dmesg -T capture of the node"),
        "{}",
        v["notes"]
    );
    assert_eq!(
        starts(&v),
        vec!["2024-11-25T08:57:00Z", "2024-11-26T08:57:00Z"]
    );
    // The second day is in both captures: counted once.
    assert_eq!(v["drops"]["lower_bound"], 81);
    assert!(v["warnings"].to_string().contains("counted once"));
}

#[test]
fn a_quoted_paste_with_damaged_stamps_loses_no_drop() {
    // Quoted twice in an e-mail; two of the six table-full lines lost their
    // time to an editor's `[...]`.
    let v = timeline_json(&["--year", "2024", "samples/logs/pasted-email-quoted.txt"]);
    let d = &v["drops"];
    assert_eq!(d["total_logged"], 6, "{d}");
    assert_eq!(d["lower_bound"], 6);
    assert_eq!(d["upper_bound"], 6 + 412);
    let unknown = &d["time_unknown"][0];
    assert_eq!(unknown["node"], "ip-10-0-21-77", "{unknown}");
    assert_eq!(unknown["logged"], 2);
    // The four placed ones make the burst; the others stay out of it.
    let bursts = v["bursts"].as_array().unwrap();
    assert_eq!(bursts.len(), 1);
    assert_eq!(bursts[0]["logged"], 4);
    let out = common::ctsleuth()
        .args([
            "timeline",
            "--year",
            "2024",
            "samples/logs/pasted-email-quoted.txt",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("time unknown: 2 drops logged"), "{text}");
    // The input says which lines had no time, and skips none.
    let v = common::analyze_summary(
        &["--year", "2024"],
        &["samples/logs/pasted-email-quoted.txt"],
    );
    let input = &v["inputs"][0];
    assert_eq!(input["skipped"], 0, "{input}");
    assert!(
        input["warnings"]
            .to_string()
            .contains("no readable time (lines 8, 9)"),
        "{input}"
    );
}
