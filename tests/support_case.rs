//! The EKS support case in `samples/support-case/`: the committed files are
//! what `examples/support_case.rs` writes, and ctsleuth reads the collectors'
//! archives (sos report, EKS log collector, Rancher logs collector) and the
//! `kubectl cluster-info dump` exactly as it reads the same evidence laid out
//! in the documented `<bundle>/<node>/<what>-<time>` layout.
//!
//! Regenerate the sample with
//! `cargo run --release --example support_case` (README.md is kept by hand).

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

#[path = "../examples/support/bundles.rs"]
mod bundles;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

/// The sample, README and all, must stay under this many bytes.
const MAX_SAMPLE_BYTES: u64 = 2 * 1024 * 1024;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/support-case")
}

/// Every file under `dir` by its relative path (with `/`).
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn committed_sample_is_what_the_generator_writes() {
    let tmp = tempfile::tempdir().unwrap();
    bundles::write_sample(tmp.path()).unwrap();
    let fresh = files_under(tmp.path());
    let mut committed = files_under(&sample_dir());
    let readme = committed
        .remove("README.md")
        .expect("samples/support-case/README.md describes the case");

    let fresh_names: Vec<&String> = fresh.keys().collect();
    let committed_names: Vec<&String> = committed.keys().collect();
    assert_eq!(
        committed_names, fresh_names,
        "samples/support-case/ holds other files than the generator writes; run `cargo run --release --example support_case`"
    );
    for (name, want) in &fresh {
        let (got, want) = (
            &common::sample_content(&committed[name]),
            &common::sample_content(want),
        );
        if got != want {
            let at = got
                .iter()
                .zip(want.iter())
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            panic!(
                "samples/support-case/{name} differs from a fresh run at byte {at} ({} bytes committed, {} generated); run `cargo run --release --example support_case`",
                got.len(),
                want.len()
            );
        }
    }

    let total: u64 = committed.values().map(|d| d.len() as u64).sum::<u64>() + readme.len() as u64;
    assert!(
        total <= MAX_SAMPLE_BYTES,
        "samples/support-case/ holds {total} bytes, more than {MAX_SAMPLE_BYTES}"
    );
}

/// Runs `ctsleuth analyze --format json` on `inputs` and returns summary.json.
fn analyze(inputs: &[PathBuf], out: &Path) -> Value {
    let output = common::ctsleuth()
        .arg("analyze")
        .args(["--format", "json", "--quiet"])
        .args(inputs)
        .arg("-o")
        .arg(out)
        .timeout(Duration::from_secs(900))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ctsleuth analyze {inputs:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(out.join("summary.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", out.join("summary.json").display()));
    serde_json::from_str(&text).unwrap()
}

fn layout_summary(tmp: &Path) -> Value {
    let layout = tmp.join("layout");
    bundles::write_layout(&layout).unwrap();
    analyze(&[layout], &tmp.join("layout-report"))
}

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("summary.json has no `{key}` array"))
}

fn node<'a>(v: &'a Value, name: &str) -> &'a Value {
    array(v, "nodes")
        .iter()
        .find(|n| n["node"] == name)
        .unwrap_or_else(|| panic!("node {name} missing"))
}

const HOT: &str = "ip-10-0-1-23.eu-west-1.compute.internal";
const WARM: &str = "ip-10-0-2-71.eu-west-1.compute.internal";
const COLD: &str = "ip-10-0-3-148.eu-west-1.compute.internal";

/// The documented layout on its own tells the story of the case: the
/// youngest node full of the relay's TIME_WAIT, the second one a third full,
/// the third one healthy.
#[test]
fn documented_layout_tells_the_story() {
    let tmp = tempfile::tempdir().unwrap();
    let v = layout_summary(tmp.path());

    let names: Vec<&str> = array(&v, "nodes")
        .iter()
        .filter_map(|n| n["node"].as_str())
        .collect();
    assert_eq!(names, [HOT, WARM, COLD]);
    for n in [HOT, WARM, COLD] {
        assert_eq!(node(&v, n)["limit"], 65_536, "{n}");
    }
    assert_eq!(node(&v, COLD)["snapshots"], 0);

    let snap = |n: &str| {
        array(&v, "snapshots")
            .iter()
            .find(|s| s["node"] == n)
            .unwrap_or_else(|| panic!("no snapshot of {n}"))
    };
    let hot = snap(HOT);
    assert_eq!(hot["captured_at"], "2024-11-26T09:06:02Z");
    // 65,471 listed; sos's shared pipe put conntrack's trailer inside the
    // last stdout block, so one entry may be unreadable.
    let entries = hot["entries"].as_u64().unwrap();
    assert!(
        (bundles::ENTRIES_A as u64 - 1..=bundles::ENTRIES_A as u64).contains(&entries),
        "{entries}"
    );
    assert_eq!(
        hot["top_workloads"][0]["workload"],
        "payments/webhook-relay"
    );
    assert!(hot["top_workloads"][0]["share"].as_f64().unwrap() > 0.85);
    assert!(hot["by_state"]["TIME_WAIT"].as_u64().unwrap() > 55_000);
    let warm = snap(WARM);
    assert_eq!(warm["captured_at"], "2024-11-26T09:08:00Z");
    assert_eq!(warm["entries"], bundles::ENTRIES_B as u64);
    assert_eq!(
        warm["top_workloads"][0]["workload"],
        "payments/webhook-relay"
    );

    let bursts: Vec<&Value> = array(&v, "bursts").iter().collect();
    assert_eq!(bursts.len(), 2, "{bursts:?}");
    assert!(bursts.iter().all(|b| b["node"] == HOT));
    assert_eq!(bursts[0]["start"], "2024-11-26T08:41:00Z");
    assert_eq!(bursts[1]["start"], "2024-11-26T08:54:00Z");
    assert_eq!(bursts[1]["snapshot"]["captured_at"], "2024-11-26T09:06:02Z");
    assert_eq!(
        bursts[1]["suspects"][0]["workload"],
        "payments/webhook-relay"
    );
    assert!(
        !array(&v, "symptoms").is_empty(),
        "DNS failures of checkout-api"
    );
}

/// Whether a node key names the conntrack table of a pod's network
/// namespace (sos collects those per `ip netns`): the documented layout
/// leaves them out, since they are not the node's table.
fn is_netns_table(key: &Value) -> bool {
    key.as_str().is_some_and(|k| k.contains("netns"))
}

/// What both analyses must agree on, as comparable values. Network-namespace
/// tables are set aside (see [`is_netns_table`]).
fn projection(v: &Value) -> BTreeMap<&'static str, Value> {
    let mut p = BTreeMap::new();
    let mut nodes: Vec<Value> = array(v, "nodes")
        .iter()
        .filter(|n| !is_netns_table(&n["node"]))
        .map(|n| {
            serde_json::json!({
                "node": n["node"],
                "snapshots": n["snapshots"],
                "peak_entries": n["peak_entries"],
                "limit": n["limit"],
            })
        })
        .collect();
    nodes.sort_by_key(|n| n["node"].to_string());
    p.insert("nodes", Value::Array(nodes));

    let workloads = |list: &Value| -> Value {
        list.as_array()
            .map(|ws| {
                ws.iter()
                    .map(|w| {
                        serde_json::json!({
                            "workload": w["workload"],
                            "entries": w["entries"],
                            "share": w["share"],
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut snapshots: Vec<Value> = array(v, "snapshots")
        .iter()
        .filter(|s| !is_netns_table(&s["node"]))
        .map(|s| {
            serde_json::json!({
                "node": s["node"],
                "captured_at": s["captured_at"],
                "entries": s["entries"],
                "top_workloads": workloads(&s["top_workloads"]),
                "top_destination_workloads": workloads(&s["top_destination_workloads"]),
            })
        })
        .collect();
    snapshots.sort_by_key(|s| (s["node"].to_string(), s["captured_at"].to_string()));
    p.insert("snapshots", Value::Array(snapshots));

    let drops = &v["drops"];
    let mut per_node: Vec<Value> = drops["per_node"]
        .as_array()
        .map(|ns| {
            ns.iter()
                .filter(|n| n["logged"].as_u64() > Some(0) || n["suppressed"].as_u64() > Some(0))
                .map(|n| {
                    serde_json::json!({
                        "node": n["node"],
                        "clock": n["clock"],
                        "logged": n["logged"],
                        "suppressed": n["suppressed"],
                        "upper_bound": n["upper_bound"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    per_node.sort_by_key(|n| n["node"].to_string());
    p.insert(
        "drops",
        serde_json::json!({
            "total_logged": drops["total_logged"],
            "total_suppressed": drops["total_suppressed"],
            "per_node": per_node,
        }),
    );

    let mut bursts: Vec<Value> = array(v, "bursts")
        .iter()
        .map(|b| {
            serde_json::json!({
                "node": b["node"],
                "clock": b["clock"],
                "start": b["start"],
                "end": b["end"],
                "duration_s": b["duration_s"],
                "logged": b["logged"],
                "upper_bound": b["upper_bound"],
                "peak_per_min": b["peak_per_min"],
                "snapshot_at": b["snapshot"]["captured_at"],
                "suspects": b["suspects"].as_array().map(|ss| ss.iter().map(|x| serde_json::json!({
                    "workload": x["workload"],
                    "entries": x["entries"],
                    "share": x["share"],
                })).collect::<Vec<_>>()).unwrap_or_default(),
            })
        })
        .collect();
    bursts.sort_by_key(|b| (b["node"].to_string(), b["start"].to_string()));
    p.insert("bursts", Value::Array(bursts));
    p
}

/// The archives as support sent them give the same analysis as the same
/// evidence in the documented layout: nodes, limits, snapshots, drops,
/// bursts and the workloads behind them.
#[test]
fn collector_bundles_read_like_the_documented_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = layout_summary(tmp.path());

    let mut inputs: Vec<PathBuf> = std::fs::read_dir(sample_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    inputs.sort();
    assert_eq!(
        inputs.len(),
        4,
        "three archives and the cluster-info dump: {inputs:?}"
    );
    let bundle = analyze(&inputs, &tmp.path().join("bundle-report"));

    // The pods' own tables, if the analysis reports them, belong to the node
    // sos ran on and stay apart from its table.
    for n in array(&bundle, "nodes")
        .iter()
        .filter(|n| is_netns_table(&n["node"]))
    {
        let name = n["node"].as_str().unwrap_or_default();
        assert!(
            name.starts_with(HOT),
            "{name}: a network namespace of another node?"
        );
    }

    let want = projection(&layout);
    let got = projection(&bundle);
    for (key, expected) in &want {
        let actual = &got[key];
        assert!(
            actual == expected,
            "`{key}` differs between the collector bundles and the documented layout\nbundles:\n{}\nlayout:\n{}",
            serde_json::to_string_pretty(actual).unwrap(),
            serde_json::to_string_pretty(expected).unwrap()
        );
    }
}
