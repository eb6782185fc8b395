//! `--format parquet`: the tables of schema ctsleuth.parquet/v1 hold what
//! summary.json holds, every row names its case, node and time.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ctsleuth;

use polars::prelude::*;
use serde_json::Value;

const TABLES: [(&str, &str); 10] = [
    ("snapshots", "captured_at"),
    ("workloads", "captured_at"),
    ("destinations", "captured_at"),
    ("ports", "captured_at"),
    ("drops", "bucket_start"),
    ("bursts", "start"),
    ("suspects", "burst_start"),
    ("stats", "captured_at"),
    ("findings", "captured_at"),
    ("inputs", "captured_at"),
];

fn read(dir: &std::path::Path, table: &str) -> DataFrame {
    let path = dir.join("parquet").join(format!("{table}.parquet"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file).finish().unwrap()
}

fn analyze(paths: &[&str], extra: &[&str]) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = ["--format", "json,parquet"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    let summary = common::analyze_into(dir.path(), &args, paths);
    (dir, summary)
}

fn u64_sum(df: &DataFrame, name: &str) -> u64 {
    let sum = df
        .column(name)
        .unwrap()
        .as_materialized_series()
        .i64()
        .unwrap()
        .sum()
        .unwrap_or(0);
    u64::try_from(sum).unwrap()
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

#[test]
fn tables_hold_what_the_summary_holds() {
    let (dir, summary) = analyze(
        &["samples/incident-linkerd"],
        &["--case", "linkerd-2024-11"],
    );
    let snapshots = summary["snapshots"].as_array().unwrap();
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    for (table, time) in TABLES {
        let df = read(dir.path(), table);
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(&names[..3], &["case", "node", time], "{table}");
        assert_eq!(df.column(time).unwrap().dtype(), &utc, "{table}");
        let cases = df.column("case").unwrap().as_materialized_series().clone();
        let cases = cases.str().unwrap();
        assert!(
            cases.iter().all(|c| c == Some("linkerd-2024-11")),
            "{table}"
        );
    }

    let df = read(dir.path(), "snapshots");
    assert_eq!(df.height(), snapshots.len());
    let entries: u64 = snapshots
        .iter()
        .map(|s| s["entries"].as_u64().unwrap())
        .sum();
    assert_eq!(u64_sum(&df, "entries"), entries);
    let time_wait: u64 = snapshots
        .iter()
        .map(|s| s["by_state"]["TIME_WAIT"].as_u64().unwrap_or(0))
        .sum();
    assert!(time_wait > 0);
    assert_eq!(u64_sum(&df, "time_wait"), time_wait);
    // Every entry is in exactly one state column.
    let states: u64 = [
        "syn_sent",
        "syn_recv",
        "established",
        "fin_wait",
        "close_wait",
        "last_ack",
        "time_wait",
        "close",
        "other_state",
        "stateless",
    ]
    .iter()
    .map(|c| u64_sum(&df, c))
    .sum();
    assert_eq!(states, entries);

    let workloads = read(dir.path(), "workloads");
    let expected: usize = snapshots
        .iter()
        .map(|s| len(&s["top_workloads"]) + len(&s["top_destination_workloads"]))
        .sum();
    assert_eq!(workloads.height(), expected);
    let first = &snapshots[0]["top_workloads"][0];
    let names = workloads.column("workload").unwrap().str().unwrap().clone();
    assert_eq!(names.get(0), first["workload"].as_str());

    let drops = read(dir.path(), "drops");
    let buckets: usize = summary["drops"]["per_node"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| len(&n["buckets"]))
        .sum();
    assert!(buckets > 0);
    assert_eq!(drops.height(), buckets);
    let logged: u64 = summary["drops"]["per_node"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["buckets"].as_array().unwrap())
        .map(|b| b["logged"].as_u64().unwrap())
        .sum();
    assert_eq!(u64_sum(&drops, "logged"), logged);

    let bursts = read(dir.path(), "bursts");
    assert_eq!(bursts.height(), len(&summary["bursts"]));
    let suspects = read(dir.path(), "suspects");
    let expected: usize = summary["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| len(&b["suspects"]))
        .sum();
    assert_eq!(suspects.height(), expected);
    let findings = read(dir.path(), "findings");
    let ids = findings.column("id").unwrap().str().unwrap().clone();
    for f in summary["findings"].as_array().unwrap() {
        assert!(ids.iter().any(|i| i == f["id"].as_str()), "{f}");
    }
    assert_eq!(read(dir.path(), "inputs").height(), len(&summary["inputs"]));
}

#[test]
fn the_case_is_named_after_the_first_path_by_default() {
    let (dir, _) = analyze(&["samples/causes/stale-udp"], &[]);
    let df = read(dir.path(), "snapshots");
    assert!(df.height() > 0);
    let case = df
        .column("case")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .map(str::to_owned);
    assert_eq!(case.as_deref(), Some("stale-udp"));
}

/// Rows of every part file under `dir`, by `node=`/`date=` partition.
fn entries_by_partition(dir: &std::path::Path) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for node in std::fs::read_dir(dir).unwrap() {
        let node = node.unwrap().path();
        for date in std::fs::read_dir(&node).unwrap() {
            let date = date.unwrap().path();
            for part in std::fs::read_dir(&date).unwrap() {
                let part = part.unwrap().path();
                let name = part.file_name().unwrap().to_string_lossy().into_owned();
                assert!(
                    name.starts_with("part-") && name.ends_with(".parquet"),
                    "{}",
                    part.display()
                );
                let df = ParquetReader::new(std::fs::File::open(&part).unwrap())
                    .finish()
                    .unwrap();
                // node and date come from the path, never from the file:
                // engines that read partitions refuse a column in both.
                assert!(df.column("node").is_err() && df.column("date").is_err());
                let key = format!(
                    "{}/{}",
                    node.file_name().unwrap().to_string_lossy(),
                    date.file_name().unwrap().to_string_lossy()
                );
                *out.entry(key).or_default() += df.height();
            }
        }
    }
    out
}

#[test]
fn entries_are_every_entry_of_every_snapshot_by_node_and_day() {
    let (dir, summary) = analyze(&["samples/incident-linkerd"], &["--entries"]);
    let parts = entries_by_partition(&dir.path().join("parquet/entries"));
    let mut expected = std::collections::BTreeMap::new();
    for s in summary["snapshots"].as_array().unwrap() {
        let day = &s["captured_at"].as_str().unwrap()[..10];
        let key = format!("node={}/date={day}", s["node"].as_str().unwrap());
        *expected.entry(key).or_default() +=
            usize::try_from(s["entries"].as_u64().unwrap()).unwrap();
    }
    assert_eq!(parts, expected);
    // A part holds what the analysis attributed.
    let first = dir
        .path()
        .join("parquet/entries")
        .join(parts.keys().next().unwrap());
    let part = std::fs::read_dir(first)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let df = ParquetReader::new(std::fs::File::open(part).unwrap())
        .finish()
        .unwrap();
    let workloads = df.column("src_workload").unwrap().str().unwrap().clone();
    assert!(
        workloads.iter().any(|w| w == Some("web/storefront")),
        "{df}"
    );
    let states = df.column("state").unwrap().str().unwrap().clone();
    assert!(states.iter().any(|s| s == Some("TIME_WAIT")));
}

#[test]
fn entries_need_parquet_and_a_file() {
    let out = ctsleuth()
        .args(["analyze", "--quiet", "--format", "json", "--entries"])
        .arg("samples/incident-linkerd")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format parquet"));
    let out = ctsleuth()
        .args([
            "analyze",
            "--quiet",
            "--format",
            "parquet",
            "--entries",
            "-",
        ])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input"));
}
