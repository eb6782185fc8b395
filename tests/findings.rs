//! Findings: each one's trigger and its absence, on small bundles built
//! from the samples, and the inventory formats through the binary.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

mod common;

use std::path::Path;

use serde_json::Value;

fn analyze(paths: &[&Path], extra: &[&str]) -> Value {
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = common::ctsleuth();
    cmd.arg("analyze")
        .args(["--quiet", "--format", "json"])
        .args(extra)
        .arg("-o")
        .arg(out_dir.path());
    for p in paths {
        cmd.arg(p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out_dir.path().join("summary.json")).unwrap())
        .unwrap()
}

fn ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

const NODES: &str = "samples/incident-linkerd";
const HOT: &str = "gke-prod-default-pool-7f3a9c21-x2lq";
const QUIET: &str = "gke-prod-default-pool-7f3a9c21-b8mn";

fn copy_node(dst: &Path, node: &str, files: &[&str]) {
    let d = dst.join(node);
    std::fs::create_dir_all(&d).unwrap();
    for f in files {
        std::fs::copy(Path::new(NODES).join(node).join(f), d.join(f)).unwrap();
    }
}

#[test]
fn a_quiet_node_has_no_exhaustion_churn_or_limit_finding() {
    let tmp = tempfile::tempdir().unwrap();
    copy_node(
        tmp.path(),
        QUIET,
        &[
            "conntrack-L-2024-11-26T09:04:20Z.txt.gz",
            "sysctl-2024-11-26T09:04:05Z.txt",
            "dmesg-T.txt",
        ],
    );
    let v = analyze(&[tmp.path(), &Path::new(NODES).join("cluster")], &[]);
    let ids = ids(&v);
    for prefix in [
        "exhaustion",
        "churn",
        "limit",
        "collocation",
        "recurring",
        "outlier",
        "clash",
    ] {
        assert!(
            !ids.iter().any(|i| i.starts_with(prefix)),
            "{prefix} in {ids:?}"
        );
    }
}

#[test]
fn the_hot_node_alone_names_its_culprit_and_limit() {
    let tmp = tempfile::tempdir().unwrap();
    copy_node(
        tmp.path(),
        HOT,
        &[
            "conntrack-L-2024-11-26T09:04:00Z.txt.gz",
            "sysctl-2024-11-26T09:04:05Z.txt",
            "kern.log",
        ],
    );
    let v = analyze(&[tmp.path(), &Path::new(NODES).join("cluster")], &[]);
    let ids = ids(&v);
    assert!(ids.contains(&format!("exhaustion-{HOT}")), "{ids:?}");
    assert!(
        ids.contains(&"churn-web/storefront-bff".to_string()),
        "{ids:?}"
    );
    assert!(ids.contains(&format!("limit-{HOT}")), "{ids:?}");
    assert!(
        ids.contains(&"collocation-mesh/linkerd-router".to_string()),
        "{ids:?}"
    );
    // One node: no median to stand out from; no conntrack -S: said so.
    assert!(!ids.contains(&"outlier-nodes".to_string()));
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "missing-inputs")
        .unwrap();
    assert!(missing.to_string().contains("no conntrack -S captures"));
    // The limit finding compares with kube-proxy's formula for the node's 4 cores.
    let limit = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == format!("limit-{HOT}"))
        .unwrap();
    assert!(
        limit
            .to_string()
            .contains("max(32,768 × 4 cores, 131,072) = 131,072"),
        "{limit}"
    );
    assert!(limit.to_string().contains("196,608"));
}

#[test]
fn without_inventory_findings_say_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    copy_node(
        tmp.path(),
        HOT,
        &[
            "conntrack-L-2024-11-26T09:04:00Z.txt.gz",
            "sysctl-2024-11-26T09:04:05Z.txt",
        ],
    );
    let v = analyze(&[tmp.path()], &[]);
    let ids = ids(&v);
    assert!(ids.contains(&format!("exhaustion-{HOT}")));
    // Churn is still seen, by source network; collocation needs the inventory.
    assert!(
        ids.iter().any(|i| i.starts_with("churn-addresses in")),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i.starts_with("collocation")));
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "missing-inputs")
        .unwrap();
    assert!(missing.to_string().contains("no Kubernetes inventory"));
    assert!(missing.to_string().contains("no kernel log"));
    assert_eq!(v["snapshots"][0]["top_sources"][0]["kind"], "unknown");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn stats_line(cpu: u32, insert_failed: u64, drop: u64, chaintoolong: u64) -> String {
    format!(
        "cpu={cpu:<4}\tfound=1000 invalid=3 insert=0 insert_failed={insert_failed} drop={drop} early_drop=0 error=0 search_restart=0 clash_resolve=5 chaintoolong={chaintoolong} \n"
    )
}

#[test]
fn insert_failed_without_a_full_table_is_an_insert_race_and_chaintoolong_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("node-a");
    std::fs::create_dir(&node).unwrap();
    write(
        &node,
        "conntrack-S-2024-11-26T09:00:00Z.txt",
        &(stats_line(0, 10, 0, 0) + &stats_line(1, 10, 0, 0)),
    );
    write(
        &node,
        "conntrack-S-2024-11-26T09:01:00Z.txt",
        &(stats_line(0, 610, 0, 7) + &stats_line(1, 410, 0, 0)),
    );
    write(&node, "nf_conntrack_max", "262144\n");
    write(&node, "nf_conntrack_count", "1800\n");
    let v = analyze(&[tmp.path()], &[]);
    let ids = ids(&v);
    assert!(
        ids.iter().any(|i| i.starts_with("insert-races-node-a")),
        "{ids:?}"
    );
    assert!(
        ids.iter().any(|i| i.starts_with("long-chains-node-a")),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i.starts_with("exhaustion")), "{ids:?}");
    assert_eq!(v["counter_checks"][0]["verdict"], "clash_races");
    assert_eq!(v["counter_checks"][0]["insert_failed"], 1000);

    // The same counters with drops rising: exhaustion, not races.
    write(
        &node,
        "conntrack-S-2024-11-26T09:01:00Z.txt",
        &(stats_line(0, 610, 50, 0) + &stats_line(1, 410, 0, 0)),
    );
    let v = analyze(&[tmp.path()], &[]);
    assert_eq!(v["counter_checks"][0]["verdict"], "exhaustion");
    assert!(!self::ids(&v).iter().any(|i| i.starts_with("insert-races")));

    // A handful of failures in a minute is background: no race, no verdict.
    write(
        &node,
        "conntrack-S-2024-11-26T09:01:00Z.txt",
        &(stats_line(0, 14, 0, 0) + &stats_line(1, 13, 0, 0)),
    );
    let v = analyze(&[tmp.path()], &[]);
    assert!(!self::ids(&v).iter().any(|i| i.starts_with("insert-races")));
    assert_eq!(v["counter_checks"][0]["verdict"], "quiet");
}

#[test]
fn expectation_table_full_is_a_finding() {
    let v = analyze(&[Path::new("samples/logs/openwrt-logread.txt")], &[]);
    assert!(ids(&v).contains(&"expectation-table-full".to_string()));
    let v = analyze(&[Path::new("samples/logs/journal.json")], &[]);
    assert!(!ids(&v).contains(&"expectation-table-full".to_string()));
}

#[test]
fn dns_failures_are_a_finding_only_when_seen() {
    let v = analyze(&[Path::new("samples/logs/app-dns-errors.log")], &[]);
    let dns = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "dns")
        .unwrap();
    assert_eq!(dns["severity"], "warning");
    // Nothing in an application log alone ties the failures to conntrack.
    assert_eq!(
        dns["title"],
        "DNS lookups failed; no conntrack cause was measured at those times"
    );
    assert!(
        dns["recommendation"]
            .as_str()
            .unwrap()
            .contains("DNS servers themselves")
    );
    // Kernel drops alone, no DNS failures and no snapshot: no DNS finding.
    let v = analyze(&[Path::new("samples/logs/kern.log")], &["--year", "2024"]);
    assert!(!ids(&v).contains(&"dns".to_string()));
}

#[test]
fn every_inventory_format_is_read() {
    let v = analyze(&[Path::new("samples/inventory")], &[]);
    for i in v["inputs"].as_array().unwrap() {
        assert_eq!(i["kind"], "inventory", "{}", i["path"]);
        assert!(i["records"].as_u64().unwrap() > 0, "{}", i["path"]);
        assert_eq!(i["skipped"], 0, "{}", i["path"]);
    }
    let v = analyze(&[&Path::new(NODES).join("cluster")], &[]);
    assert_eq!(v["inventory"]["pods"], 163);
    assert_eq!(v["inventory"]["nodes"], 7);
    assert_eq!(v["inventory"]["services"], 22);
    assert_eq!(v["inventory"]["endpoints"], 116);
}

#[test]
fn an_in_pod_socket_table_sits_beside_the_pods_conntrack_entries() {
    let v = analyze(&[Path::new(NODES)], &[]);
    let view = v["socket_views"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["address"] == "10.4.1.17")
        .unwrap();
    assert_eq!(view["workload"], "Deployment/linkerd-router");
    assert_eq!(view["by_state"]["ESTABLISHED"], 24);
    assert!(view["conntrack_as_backend"]["TIME_WAIT"].as_u64().unwrap() > 10_000);
}
