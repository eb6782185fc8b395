//! `ctsleuth check`: rules, policy, outputs, exit codes and baselines.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const BUNDLE: &str = "samples/incident-linkerd";
const HOT: &str = "gke-prod-default-pool-7f3a9c21-x2lq";
const QUIET: &str = "gke-prod-default-pool-7f3a9c21-b8mn";

fn check(args: &[&str]) -> std::process::Output {
    common::ctsleuth()
        .arg("check")
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let out = check(&a);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v)
}

fn status(v: &Value, rule: &str, node: &str) -> String {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule && r["node"] == node)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {rule} on {node}"))
}

/// A bundle of one quiet node plus the cluster inventory.
fn healthy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join(QUIET);
    std::fs::create_dir(&node).unwrap();
    for f in std::fs::read_dir(Path::new(BUNDLE).join(QUIET)).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, node.join(f.file_name().unwrap())).unwrap();
    }
    let cluster = tmp.path().join("cluster");
    std::fs::create_dir(&cluster).unwrap();
    for f in ["pods.json", "nodes.json", "services.json"] {
        std::fs::copy(Path::new(BUNDLE).join("cluster").join(f), cluster.join(f)).unwrap();
    }
    tmp
}

fn policy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("policy.toml");
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

#[test]
fn the_incident_fails_with_the_right_rules_and_nodes() {
    let (code, v) = json(&[BUNDLE]);
    assert_eq!(code, 1);
    assert_eq!(v["schema"], "ctsleuth.check/v1");
    assert_eq!(v["status"], "fail");
    for rule in ["utilization", "drops", "workload_share", "close_rate"] {
        assert_eq!(status(&v, rule, HOT), "fail", "{rule}");
        assert_eq!(
            status(&v, rule, "gke-prod-default-pool-7f3a9c21-k9wd"),
            "fail",
            "{rule}"
        );
        assert_ne!(status(&v, rule, QUIET), "fail", "{rule}");
    }
    // Small tables are not judged by their largest workload's share.
    assert_eq!(status(&v, "workload_share", QUIET), "skip");
    for rule in [
        "unreplied_share",
        "insert_failed_rate",
        "limit_below_kube_proxy",
    ] {
        assert_eq!(status(&v, rule, HOT), "pass", "{rule}");
    }
}

#[test]
fn a_healthy_node_passes() {
    let tmp = healthy();
    let (code, v) = json(&[tmp.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "pass");
}

#[test]
fn every_threshold_rule_triggers_and_stays_quiet_by_policy() {
    let tmp = healthy();
    let bundle = tmp.path().to_str().unwrap();
    // Thresholds below what the quiet node shows: each rule fails alone.
    for (rule, body) in [
        (
            "utilization",
            "[rules.utilization]\nwarn = 0.001\nfail = 0.01\n",
        ),
        (
            "workload_share",
            "[rules.workload_share]\nwarn = 0.01\nfail = 0.05\nmin_entries = 0\n",
        ),
        ("close_rate", "[rules.close_rate]\nwarn = 0.5\nfail = 1\n"),
        (
            "unreplied_share",
            "[rules.unreplied_share]\nwarn = 0.001\nfail = 0.01\n",
        ),
    ] {
        let (_d, p) = policy(body);
        let (code, v) = json(&["--policy", p.to_str().unwrap(), bundle]);
        assert_eq!(code, 1, "{rule}");
        assert_eq!(status(&v, rule, QUIET), "fail", "{rule}");
        // The same numbers as a warning only: exit 0.
        let (_d, p) = policy(&body.replace("fail = ", "severity = \"warn\"\nfail = "));
        let (code, v) = json(&["--policy", p.to_str().unwrap(), bundle]);
        assert_eq!(code, 0, "{rule}");
        assert_eq!(status(&v, rule, QUIET), "warn", "{rule}");
        // Turned off.
        let section = body.lines().next().unwrap();
        let (_d, p) = policy(&format!("{section}\nenabled = false\n"));
        let (_, v) = json(&["--policy", p.to_str().unwrap(), bundle]);
        assert_eq!(status(&v, rule, QUIET), "skip", "{rule}");
    }
}

#[test]
fn overrides_let_a_workload_hold_its_share() {
    let (_d, p) = policy("[[overrides]]\nworkload = \"web/storefront-bff\"\nenabled = false\n");
    let (_, v) = json(&["--policy", p.to_str().unwrap(), BUNDLE]);
    assert_eq!(status(&v, "workload_share", HOT), "pass");
    let (_d, p) = policy("[[overrides]]\nnamespace = \"web\"\nwarn = 0.8\nfail = 0.9\n");
    let (_, v) = json(&["--policy", p.to_str().unwrap(), BUNDLE]);
    assert_eq!(status(&v, "workload_share", HOT), "warn");
}

#[test]
fn insert_failed_and_the_kube_proxy_limit_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("gke-prod-default-pool-7f3a9c21-b8mn");
    std::fs::create_dir(&node).unwrap();
    let line = |cpu: u32, f: u64| {
        format!(
            "cpu={cpu:<4}\tfound=1 invalid=0 insert=0 insert_failed={f} drop=0 early_drop=0 error=0 search_restart=0 \n"
        )
    };
    std::fs::write(
        node.join("conntrack-S-2024-11-26T09:00:00Z.txt"),
        line(0, 0),
    )
    .unwrap();
    std::fs::write(
        node.join("conntrack-S-2024-11-26T09:01:00Z.txt"),
        line(0, 1200),
    )
    .unwrap();
    std::fs::write(node.join("nf_conntrack_max"), "65536\n").unwrap();
    let cluster = tmp.path().join("cluster");
    std::fs::create_dir(&cluster).unwrap();
    std::fs::copy(
        Path::new(BUNDLE).join("cluster/nodes.json"),
        cluster.join("nodes.json"),
    )
    .unwrap();
    let (code, v) = json(&[tmp.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(status(&v, "insert_failed_rate", QUIET), "fail");
    assert_eq!(status(&v, "limit_below_kube_proxy", QUIET), "warn");
    assert_eq!(status(&v, "drops", QUIET), "pass");
}

#[test]
fn junit_is_one_testcase_per_rule_and_node() {
    let out = check(&["--format", "junit", BUNDLE]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len().to_string(), suite.attribute("tests").unwrap());
    let failures = cases
        .iter()
        .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
        .count();
    assert_eq!(failures.to_string(), suite.attribute("failures").unwrap());
    assert_eq!(failures, 8);
    let util = cases
        .iter()
        .find(|c| {
            c.attribute("classname") == Some("ctsleuth.utilization")
                && c.attribute("name") == Some(HOT)
        })
        .unwrap();
    let f = util.children().find(|x| x.has_tag_name("failure")).unwrap();
    assert!(f.text().unwrap().contains("131004 of 131072 entries"));
}

#[test]
fn github_annotations_and_the_human_summary() {
    let out = check(&["--format", "github", BUNDLE]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with(
        "::error title=ctsleuth utilization on gke-prod-default-pool-7f3a9c21-x2lq::"
    )));
    let out = check(&[BUNDLE]);
    let text = String::from_utf8(out.stdout).unwrap();
    // Failures first, passes one line per rule.
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(lines[0].starts_with("STATUS"), "{text}");
    assert!(
        lines[1].starts_with("FAIL") && lines[1].contains("utilization"),
        "{text}"
    );
    let first_pass = lines.iter().position(|l| l.starts_with("pass")).unwrap();
    assert!(lines[first_pass..].iter().all(|l| !l.starts_with("FAIL")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("pass") && l.contains("4 nodes")),
        "{text}"
    );
    assert!(text.contains("check failed: 38 passed, 8 failed"));
}

#[test]
fn policy_errors_and_usage_errors_exit_2() {
    let (_d, p) = policy("[rules.utilization]\nfial = 0.9\n");
    let out = check(&["--policy", p.to_str().unwrap(), BUNDLE]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("fial"), "{err}");
    assert_eq!(
        check(&["--policy", "/nonexistent/policy.toml", BUNDLE])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(check(&["samples/does-not-exist"]).status.code(), Some(2));
    assert_eq!(check(&["--format", "xml", BUNDLE]).status.code(), Some(2));
    let (code, _) = json(&["--strict", "samples/formats/bad-lines.txt"]);
    assert_eq!(code, 2);
    // The documented sample policy is valid.
    assert_ne!(
        check(&["--policy", "samples/check-policy.toml", BUNDLE])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn baselines_fail_on_growth_and_pass_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    // Baseline: the healthy morning (snapshots before the burst only).
    let before = tempfile::tempdir().unwrap();
    let node = before.path().join(HOT);
    std::fs::create_dir(&node).unwrap();
    std::fs::copy(
        Path::new(BUNDLE)
            .join(HOT)
            .join("conntrack-L-2024-11-26T08:40:00Z.txt.gz"),
        node.join("conntrack-L-2024-11-26T08:40:00Z.txt.gz"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(BUNDLE)
            .join(HOT)
            .join("sysctl-2024-11-26T09:04:05Z.txt"),
        node.join("sysctl.txt"),
    )
    .unwrap();
    let a = common::ctsleuth()
        .args(["analyze", "--quiet", "--format", "json", "-o"])
        .arg(&base)
        .arg(before.path())
        .output()
        .unwrap();
    assert!(a.status.success());
    let summary = base.join("summary.json");
    // Now: the snapshot of the burst on that node: its peak grew far beyond 20 %.
    let after = tempfile::tempdir().unwrap();
    let node = after.path().join(HOT);
    std::fs::create_dir(&node).unwrap();
    for f in [
        "conntrack-L-2024-11-26T09:04:00Z.txt.gz",
        "sysctl-2024-11-26T09:04:05Z.txt",
    ] {
        std::fs::copy(Path::new(BUNDLE).join(HOT).join(f), node.join(f)).unwrap();
    }
    let (_, v) = json(&[
        "--baseline",
        summary.to_str().unwrap(),
        after.path().to_str().unwrap(),
    ]);
    assert_eq!(status(&v, "baseline_node_peak", HOT), "fail");
    // Against itself: the morning table is a few percent of its limit, too
    // small for growth to mean anything; skipped, with the reason.
    let (_, v) = json(&[
        "--baseline",
        summary.to_str().unwrap(),
        before.path().to_str().unwrap(),
    ]);
    assert_eq!(status(&v, "baseline_node_peak", HOT), "skip");
    let evidence = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "baseline_node_peak")
        .map(|r| r["evidence"].to_string())
        .unwrap();
    assert!(
        evidence.contains("of their limit are too small to compare"),
        "{evidence}"
    );
    // Judged when the policy says every table matters: no growth passes.
    let policy = tmp.path().join("all.toml");
    std::fs::write(&policy, "[baseline]\nmin_fill = 0.0\n").unwrap();
    let (_, v) = json(&[
        "--policy",
        policy.to_str().unwrap(),
        "--baseline",
        summary.to_str().unwrap(),
        before.path().to_str().unwrap(),
    ]);
    assert_eq!(status(&v, "baseline_node_peak", HOT), "pass");
    // Not a summary: exit 2, naming the file and what is wrong with it.
    std::fs::write(tmp.path().join("x.json"), "{}").unwrap();
    let out = check(&[
        "--baseline",
        tmp.path().join("x.json").to_str().unwrap(),
        BUNDLE,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x.json") && err.contains("not a ctsleuth.summary/v1 file"),
        "{err}"
    );
}
