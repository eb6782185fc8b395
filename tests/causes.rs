//! The differential diagnosis on `samples/causes/`: one bundle per cause of
//! conntrack trouble and a healthy cluster. Each case must lead with its own
//! cause, state the evidence it rests on, and claim nothing the bundle does
//! not show (no full table where none was, no races on quiet nodes).
//!
//! Regenerate the samples with `cargo run --release --example causes`.

// Tests, benchmarks and sample generators may panic on their own fixtures.
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

#[path = "../examples/support/causes.rs"]
mod causes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn sample(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/causes")
        .join(case)
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The analysis of one case, as summary.json.
fn analyze(case: &str) -> Value {
    common::analyze_summary(&[], &[sample(case).to_str().unwrap()])
}

fn findings(v: &Value) -> Vec<(String, String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["title"].as_str().unwrap().to_string(),
                f["evidence"].to_string(),
            )
        })
        .collect()
}

/// Findings above `info`, in rank order.
fn verdict(v: &Value) -> Vec<(String, String, String, String)> {
    findings(v).into_iter().filter(|f| f.1 != "info").collect()
}

/// No title says a table was full or dropped packets.
fn claims_no_full_table(v: &Value) {
    for (id, _, title, _) in findings(v) {
        assert!(
            !title.contains("full") || id == "expectation-table-full",
            "{id}: {title}"
        );
        assert!(!title.contains("dropped"), "{id}: {title}");
    }
}

#[test]
fn the_committed_samples_are_what_the_generator_writes() {
    let tmp = tempfile::tempdir().unwrap();
    causes::write_all(tmp.path()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/causes");
    for case in causes::CASES {
        let want = files(&tmp.path().join(case));
        let have = files(&root.join(case));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            have.keys().collect::<Vec<_>>(),
            "{case}: regenerate with `cargo run --release --example causes`"
        );
        for (name, bytes) in &want {
            assert!(
                common::sample_content(&have[name]) == common::sample_content(bytes),
                "{case}/{name} differs: regenerate the samples"
            );
        }
    }
}

const RACES_NODE: &str = "aks-nodepool1-31718369-vmss000002";

#[test]
fn insert_races_lead_on_their_node_only_and_dns_failures_are_set_beside_them() {
    let v = analyze("insert-races");
    let top = verdict(&v);
    let (id, _, title, evidence) = &top[0];
    assert!(
        id.starts_with(&format!("insert-races-{RACES_NODE}")),
        "{top:?}"
    );
    assert!(
        title.contains("37/s") && title.contains("while the table had room"),
        "{title}"
    );
    // The fill comes from the snapshot of the same node inside the interval.
    assert!(
        evidence.contains("the table at 3.0% (4,000 of 131,072 entries)"),
        "{evidence}"
    );
    assert!(evidence.contains("taken inside the interval"), "{evidence}");
    assert!(evidence.contains("9.2/s per CPU"), "{evidence}");
    // The quiet nodes' +8 and +4 are background: no finding, no diagnosis.
    let diagnosed: Vec<&str> = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["node"].as_str().unwrap())
        .collect();
    assert_eq!(diagnosed, [RACES_NODE]);
    for (id, sev, title, _) in &top {
        assert!(
            !(title.contains("vmss000000") || title.contains("vmss000001")),
            "{id} ({sev}): {title}"
        );
    }
    let dns = top.iter().find(|f| f.0 == "dns").expect("a DNS finding");
    assert_eq!(
        dns.2,
        format!("DNS lookups failed during insert races on {RACES_NODE}")
    );
    assert!(dns.3.contains("630 unanswered"), "{}", dns.3);
    claims_no_full_table(&v);
}

#[test]
fn early_drops_say_the_limit_was_reached_but_nothing_was_dropped() {
    let v = analyze("early-drops");
    let all = findings(&v);
    let early = all
        .iter()
        .find(|f| f.0.starts_with("early-drops-edge-gw-01"))
        .expect("an early-drops finding");
    assert!(early.3.contains("early_drop +2,230"), "{}", early.3);
    assert!(early.3.contains("99.9%"), "{}", early.3);
    let exhaustion = all.iter().find(|f| f.0 == "exhaustion-edge-gw-01").unwrap();
    assert_eq!(
        exhaustion.2,
        "Conntrack table of edge-gw-01 reached 99.9% of its limit"
    );
    assert!(all.iter().all(|f| !f.2.contains("dropped")), "{all:?}");
    assert!(all.iter().all(|f| !f.0.starts_with("insert-races")));
}

#[test]
fn long_chains_name_the_buckets() {
    let v = analyze("long-chains");
    let top = verdict(&v);
    assert!(top[0].0.starts_with("long-chains-k8s-worker-03"), "{top:?}");
    assert!(
        top[0].3.contains("9,100 entries in 128 hash buckets"),
        "{}",
        top[0].3
    );
    assert!(
        top.iter().all(|f| !f.2.contains("k8s-worker-04")),
        "{top:?}"
    );
    claims_no_full_table(&v);
}

#[test]
fn a_full_expectation_table_is_not_the_main_table() {
    let v = analyze("expectation-full");
    let top = verdict(&v);
    assert_eq!(top[0].0, "expectation-table-full", "{top:?}");
    assert!(top[0].3.contains("expectation table full"), "{}", top[0].3);
    assert_eq!(top.len(), 1, "{top:?}");
    claims_no_full_table(&v);
}

#[test]
fn stale_udp_entries_name_the_old_backends() {
    let v = analyze("stale-udp");
    let top = verdict(&v);
    assert!(
        top[0]
            .0
            .starts_with("stale-udp-aks-nodepool1-31718369-vmss000001"),
        "{top:?}"
    );
    assert!(
        top[0].2.starts_with("50 unreplied UDP entries"),
        "{}",
        top[0].2
    );
    assert!(
        top[0]
            .3
            .contains("answered by 10.244.1.7 (no longer an endpoint of kube-system/kube-dns)"),
        "{}",
        top[0].3
    );
    assert!(top[0].3.contains("monitoring/statsd"), "{}", top[0].3);
    assert_eq!(top.len(), 1, "{top:?}");
    claims_no_full_table(&v);
}

#[test]
fn snat_port_exhaustion_explains_the_insert_failures() {
    let v = analyze("snat-ports");
    let top = verdict(&v);
    assert!(
        top[0]
            .0
            .starts_with("snat-ports-gke-pay-prod-default-pool-3b9e1f07-r2vk"),
        "{top:?}"
    );
    assert!(
        top[0]
            .3
            .contains("41,801 tcp entries from 10.128.0.21 to 203.0.113.45:443"),
        "{}",
        top[0].3
    );
    assert!(top[0].3.contains("insert_failed +1,390"), "{}", top[0].3);
    // The insert failures are the ports, not races.
    assert!(
        findings(&v)
            .iter()
            .all(|f| !f.0.starts_with("insert-races"))
    );
    assert_eq!(v["snapshots"][0]["snat"][0]["ports_used"], 41_801);
    claims_no_full_table(&v);
}

#[test]
fn an_invalid_spike_is_its_own_cause() {
    let v = analyze("invalid-spike");
    let top = verdict(&v);
    assert!(
        top[0]
            .0
            .starts_with("invalid-spike-ip-10-0-12-87.eu-west-1.compute.internal"),
        "{top:?}"
    );
    assert!(top[0].2.contains("803/s"), "{}", top[0].2);
    assert_eq!(top.len(), 1, "{top:?}");
    claims_no_full_table(&v);
}

#[test]
fn a_healthy_cluster_is_said_to_be_healthy_and_nothing_else() {
    let v = analyze("healthy");
    assert!(verdict(&v).is_empty(), "{:?}", verdict(&v));
    assert_eq!(v["diagnoses"].as_array().unwrap().len(), 0);
    let all = findings(&v);
    assert_eq!(all[0].0, "healthy", "{all:?}");
    assert!(
        all.iter()
            .all(|f| f.0 == "healthy" || f.0 == "missing-inputs"),
        "{all:?}"
    );
    claims_no_full_table(&v);
}

#[test]
fn every_cause_is_silent_on_the_healthy_cluster_and_check_passes() {
    let out = common::ctsleuth()
        .args(["check", "--quiet", "--format", "json"])
        .arg(sample("healthy"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in v["results"].as_array().unwrap() {
        assert!(r["status"] == "pass" || r["status"] == "skip", "{r}");
    }
}

#[test]
fn check_fails_a_load_test_on_races_and_warns_on_ports() {
    let status = |case: &str, rule: &str| -> Vec<String> {
        let out = common::ctsleuth()
            .args(["check", "--quiet", "--format", "json"])
            .arg(sample(case))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rule"] == rule)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        status("insert-races", "insert_failed_rate"),
        ["pass", "pass", "fail"]
    );
    assert_eq!(status("snat-ports", "snat_port_share"), ["warn", "pass"]);
    assert_eq!(status("stale-udp", "stale_udp_entries"), ["pass", "warn"]);
    assert_eq!(status("invalid-spike", "invalid_rate"), ["warn", "pass"]);
    assert_eq!(status("long-chains", "chaintoolong_rate"), ["fail", "pass"]);
    assert_eq!(status("early-drops", "early_drop_rate"), ["fail"]);
}

#[test]
fn check_measures_stale_udp_below_its_threshold_too() {
    // With the threshold above the 50 stale entries, the node passes, and
    // its value is still the 50 measured (not 0 for "no diagnosis").
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[rules.stale_udp_entries]\nwarn = 100\nfail = 500\n",
    )
    .unwrap();
    let out = common::ctsleuth()
        .args(["check", "--quiet", "--format", "json", "--policy"])
        .arg(&policy)
        .arg(sample("stale-udp"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stale: Vec<(String, f64)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "stale_udp_entries")
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_string(),
                r["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(stale, [("pass".into(), 0.0), ("pass".into(), 50.0)]);
}
