//! `--format parquet`: the analysis as tables that engines built for many
//! cases read at once (DuckDB on one machine, Spark, Trino, BigQuery or
//! Athena across many). One Parquet file per table in `DIR/parquet/`,
//! zstd-compressed, written by polars.
//!
//! Schema `ctsleuth.parquet/v1` (README, "Fleet scale"): every row of every
//! table carries `case`, `node` and a UTC timestamp column (the capture's
//! or the bucket's time; null when the input had none). Columns are only
//! added or changed with a new schema version; the version is in each
//! file's key-value metadata under `ctsleuth.schema`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::WriteError;
use crate::analysis::attribution::{Workload, WorkloadKind};
use crate::analysis::{SnapshotSummary, Summary};

pub const SCHEMA: &str = "ctsleuth.parquet/v1";

/// The TCP states that get a column of their own in the tables with
/// entries by state; `other_state` holds SCTP's and DCCP's, `stateless`
/// UDP, ICMP and the other protocols without states.
pub const STATE_COLUMNS: [(&str, &str); 8] = [
    ("SYN_SENT", "syn_sent"),
    ("SYN_RECV", "syn_recv"),
    ("ESTABLISHED", "established"),
    ("FIN_WAIT", "fin_wait"),
    ("CLOSE_WAIT", "close_wait"),
    ("LAST_ACK", "last_ack"),
    ("TIME_WAIT", "time_wait"),
    ("CLOSE", "close"),
];

/// The tables, in the order they are written.
pub const TABLES: [&str; 10] = [
    "snapshots",
    "workloads",
    "destinations",
    "ports",
    "drops",
    "bursts",
    "suspects",
    "stats",
    "findings",
    "inputs",
];

/// An enum as summary.json spells it.
fn word(v: impl serde::Serialize) -> Option<String> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

fn ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

/// Columns of one table, added in order; every table starts with `case`,
/// `node` and its time column.
struct Table {
    case: String,
    height: usize,
    columns: Vec<Column>,
}

impl Table {
    fn new(case: &str, height: usize) -> Table {
        Table {
            case: case.to_owned(),
            height,
            columns: Vec::new(),
        }
    }

    fn identity(
        &mut self,
        nodes: Vec<Option<String>>,
        time_name: &str,
        times: Vec<Option<DateTime<Utc>>>,
    ) -> PolarsResult<()> {
        let case = Scalar::new(
            DataType::String,
            AnyValue::StringOwned(self.case.clone().into()),
        );
        self.columns
            .push(Column::new_scalar("case".into(), case, self.height));
        self.strings("node", nodes);
        self.time(time_name, times)
    }

    fn time(&mut self, name: &str, times: Vec<Option<DateTime<Utc>>>) -> PolarsResult<()> {
        let v: Vec<Option<i64>> = times.into_iter().map(ms).collect();
        // Built as UTC directly: a cast would drop the zone without
        // polars' `timezones` feature, and the files would say local time.
        let c = Int64Chunked::from_iter_options(name.into(), v.into_iter())
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column();
        self.columns.push(c);
        Ok(())
    }

    fn strings(&mut self, name: &str, v: Vec<Option<String>>) {
        self.columns.push(Column::new(name.into(), v));
    }
    /// Counts are written as signed 64-bit integers: Spark, BigQuery and
    /// Athena have no unsigned type (Spark reads UINT64 as a decimal).
    fn u64s(&mut self, name: &str, v: Vec<Option<u64>>) {
        let v: Vec<Option<i64>> = v
            .into_iter()
            .map(|x| x.map(|x| i64::try_from(x).unwrap_or(i64::MAX)))
            .collect();
        self.columns.push(Column::new(name.into(), v));
    }
    fn i64s(&mut self, name: &str, v: Vec<Option<i64>>) {
        self.columns.push(Column::new(name.into(), v));
    }
    fn f64s(&mut self, name: &str, v: Vec<Option<f64>>) {
        self.columns.push(Column::new(name.into(), v));
    }
    fn bools(&mut self, name: &str, v: Vec<bool>) {
        self.columns.push(Column::new(name.into(), v));
    }

    /// One column per TCP state, then `other_state` and `stateless`.
    fn states(&mut self, rows: &[&BTreeMap<String, u64>]) {
        for (state, column) in STATE_COLUMNS {
            let v = rows
                .iter()
                .map(|m| Some(m.get(state).copied().unwrap_or(0)))
                .collect();
            self.u64s(column, v);
        }
        let other = rows
            .iter()
            .map(|m| {
                Some(
                    m.iter()
                        .filter(|(k, _)| {
                            k.as_str() != crate::analysis::snapshot::STATELESS
                                && !STATE_COLUMNS.iter().any(|(s, _)| s == k)
                        })
                        .map(|(_, n)| n)
                        .sum(),
                )
            })
            .collect();
        self.u64s("other_state", other);
        let stateless = rows
            .iter()
            .map(|m| {
                Some(
                    m.get(crate::analysis::snapshot::STATELESS)
                        .copied()
                        .unwrap_or(0),
                )
            })
            .collect();
        self.u64s("stateless", stateless);
    }

    fn workloads(&mut self, rows: &[&Workload]) {
        self.strings(
            "workload",
            rows.iter().map(|w| Some(w.to_string())).collect(),
        );
        self.strings(
            "namespace",
            rows.iter().map(|w| w.namespace.clone()).collect(),
        );
        self.strings("kind", rows.iter().map(|w| Some(kind(&w.kind))).collect());
    }

    fn finish(self) -> PolarsResult<DataFrame> {
        DataFrame::new(self.height, self.columns)
    }
}

/// The kind of a workload as a word: the controller's kind (`Deployment`,
/// `DaemonSet`, ...), `Service`, `Node`, `external`, `unlisted_pod`,
/// `unattributed`, `redacted` or `unknown`.
fn kind(k: &WorkloadKind) -> String {
    match k {
        WorkloadKind::Controller(kind) => kind.clone(),
        WorkloadKind::Service => "Service".into(),
        WorkloadKind::Node => "Node".into(),
        WorkloadKind::External => "external".into(),
        WorkloadKind::UnlistedPod => "unlisted_pod".into(),
        WorkloadKind::Unattributed => "unattributed".into(),
        WorkloadKind::Redacted => "redacted".into(),
        WorkloadKind::Unknown => "unknown".into(),
    }
}

fn snapshots(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = &s.snapshots;
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.node.clone()).collect(),
        "captured_at",
        rows.iter().map(|r| r.captured_at).collect(),
    )?;
    t.strings("path", rows.iter().map(|r| Some(r.path.clone())).collect());
    t.u64s(
        "entries",
        rows.iter().map(|r| Some(r.stats.entries)).collect(),
    );
    t.u64s("limit", rows.iter().map(|r| r.limit).collect());
    t.f64s("utilization", rows.iter().map(|r| r.utilization).collect());
    t.bools("partial", rows.iter().map(|r| r.partial).collect());
    t.u64s(
        "unreplied",
        rows.iter().map(|r| Some(r.stats.unreplied)).collect(),
    );
    t.u64s(
        "assured",
        rows.iter().map(|r| Some(r.stats.assured)).collect(),
    );
    t.u64s(
        "offloaded",
        rows.iter().map(|r| Some(r.stats.offloaded)).collect(),
    );
    t.u64s("nat", rows.iter().map(|r| Some(r.stats.nat)).collect());
    t.f64s(
        "close_rate_per_s",
        rows.iter().map(|r| r.stats.close_rate_per_s).collect(),
    );
    t.u64s(
        "dns_entries",
        rows.iter().map(|r| Some(r.dns.entries)).collect(),
    );
    t.u64s(
        "dns_unreplied",
        rows.iter().map(|r| Some(r.dns.unreplied)).collect(),
    );
    let by_proto = |p: &str| -> Vec<Option<u64>> {
        rows.iter()
            .map(|r| Some(r.stats.by_proto.get(p).copied().unwrap_or(0)))
            .collect()
    };
    t.u64s("tcp", by_proto("tcp"));
    t.u64s("udp", by_proto("udp"));
    let states: Vec<&BTreeMap<String, u64>> = rows.iter().map(|r| &r.stats.by_state).collect();
    t.states(&states);
    t.finish()
}

/// A row of one of a snapshot's top lists.
struct Ranked<'a, T> {
    snap: &'a SnapshotSummary,
    /// From 1.
    rank: u64,
    row: &'a T,
    /// For workloads: `source` or `destination`.
    direction: &'static str,
}

/// The rows of one top list of every snapshot, in snapshot order.
fn ranked<'a, T>(
    s: &'a Summary,
    direction: &'static str,
    list: impl Fn(&'a SnapshotSummary) -> &'a [T],
) -> Vec<Ranked<'a, T>> {
    s.snapshots
        .iter()
        .flat_map(|snap| {
            list(snap)
                .iter()
                .zip(1u64..)
                .map(move |(row, rank)| Ranked {
                    snap,
                    rank,
                    row,
                    direction,
                })
        })
        .collect()
}

/// The table of a top list: `case`, `node`, `captured_at`, `rank`.
fn ranked_table<T>(case: &str, rows: &[Ranked<'_, T>]) -> PolarsResult<Table> {
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.snap.node.clone()).collect(),
        "captured_at",
        rows.iter().map(|r| r.snap.captured_at).collect(),
    )?;
    t.u64s("rank", rows.iter().map(|r| Some(r.rank)).collect());
    Ok(t)
}

fn workloads(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let mut rows = ranked(s, "source", |snap| &snap.top_workloads[..]);
    rows.extend(ranked(s, "destination", |snap| {
        &snap.top_destination_workloads[..]
    }));
    let mut t = ranked_table(case, &rows)?;
    t.strings(
        "path",
        rows.iter().map(|r| Some(r.snap.path.clone())).collect(),
    );
    t.strings(
        "direction",
        rows.iter().map(|r| Some(r.direction.to_string())).collect(),
    );
    let ws: Vec<&Workload> = rows.iter().map(|r| &r.row.workload).collect();
    t.workloads(&ws);
    t.u64s(
        "entries",
        rows.iter().map(|r| Some(r.row.entries)).collect(),
    );
    t.f64s("share", rows.iter().map(|r| Some(r.row.share)).collect());
    t.u64s(
        "addresses",
        rows.iter().map(|r| Some(r.row.addresses as u64)).collect(),
    );
    let states: Vec<&BTreeMap<String, u64>> = rows.iter().map(|r| &r.row.by_state).collect();
    t.states(&states);
    t.finish()
}

fn destinations(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = ranked(s, "", |snap| &snap.stats.top_destinations[..]);
    let mut t = ranked_table(case, &rows)?;
    t.strings(
        "ip",
        rows.iter().map(|r| Some(r.row.ip.to_string())).collect(),
    );
    t.u64s(
        "port",
        rows.iter().map(|r| r.row.port.map(u64::from)).collect(),
    );
    t.strings(
        "proto",
        rows.iter().map(|r| Some(r.row.proto.clone())).collect(),
    );
    t.u64s(
        "entries",
        rows.iter().map(|r| Some(r.row.entries)).collect(),
    );
    let ws: Vec<&Workload> = rows.iter().map(|r| &r.row.who.workload).collect();
    t.workloads(&ws);
    t.strings("pod", rows.iter().map(|r| r.row.who.pod.clone()).collect());
    t.finish()
}

fn ports(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = ranked(s, "", |snap| &snap.stats.top_ports[..]);
    let mut t = ranked_table(case, &rows)?;
    t.strings(
        "proto",
        rows.iter().map(|r| Some(r.row.proto.clone())).collect(),
    );
    t.u64s(
        "port",
        rows.iter().map(|r| Some(u64::from(r.row.port))).collect(),
    );
    t.u64s(
        "entries",
        rows.iter().map(|r| Some(r.row.entries)).collect(),
    );
    t.finish()
}

fn drops(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = s
        .drops
        .per_node
        .iter()
        .flat_map(|n| n.buckets.iter().map(move |b| (n, b)))
        .collect();
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.0.node.clone()).collect(),
        "bucket_start",
        rows.iter().map(|r| r.1.start).collect(),
    )?;
    t.i64s(
        "bucket_start_since_boot",
        rows.iter().map(|r| r.1.start_since_boot).collect(),
    );
    t.u64s(
        "bucket_s",
        rows.iter()
            .map(|_| Some(u64::from(s.drops.bucket_s)))
            .collect(),
    );
    t.u64s(
        "boot",
        rows.iter().map(|r| Some(u64::from(r.0.boot))).collect(),
    );
    t.u64s("logged", rows.iter().map(|r| Some(r.1.logged)).collect());
    t.u64s(
        "upper_bound",
        rows.iter().map(|r| Some(r.1.upper_bound)).collect(),
    );
    t.u64s(
        "dns_failures",
        rows.iter().map(|r| Some(r.1.dns_failures)).collect(),
    );
    t.finish()
}

fn bursts(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = &s.bursts;
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|b| b.node.clone()).collect(),
        "start",
        rows.iter().map(|b| b.start).collect(),
    )?;
    t.time("end", rows.iter().map(|b| b.end).collect())?;
    t.i64s(
        "start_since_boot",
        rows.iter().map(|b| b.start_since_boot).collect(),
    );
    t.i64s(
        "end_since_boot",
        rows.iter().map(|b| b.end_since_boot).collect(),
    );
    t.i64s(
        "duration_s",
        rows.iter().map(|b| Some(b.duration_s)).collect(),
    );
    t.u64s("logged", rows.iter().map(|b| Some(b.logged)).collect());
    t.u64s(
        "upper_bound",
        rows.iter().map(|b| Some(b.upper_bound)).collect(),
    );
    t.u64s(
        "peak_per_min",
        rows.iter().map(|b| Some(b.peak_per_min)).collect(),
    );
    t.time(
        "snapshot_at",
        rows.iter()
            .map(|b| b.snapshot.as_ref().map(|x| x.captured_at))
            .collect(),
    )?;
    t.u64s(
        "snapshot_entries",
        rows.iter()
            .map(|b| b.snapshot.as_ref().map(|x| x.entries))
            .collect(),
    );
    t.u64s(
        "suspects",
        rows.iter().map(|b| Some(b.suspects.len() as u64)).collect(),
    );
    t.strings("note", rows.iter().map(|b| b.note.clone()).collect());
    t.finish()
}

fn suspects(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = s
        .bursts
        .iter()
        .flat_map(|b| {
            b.suspects
                .iter()
                .enumerate()
                .map(move |(rank, x)| (b, rank, x))
        })
        .collect();
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.0.node.clone()).collect(),
        "burst_start",
        rows.iter().map(|r| r.0.start).collect(),
    )?;
    t.i64s(
        "burst_start_since_boot",
        rows.iter().map(|r| r.0.start_since_boot).collect(),
    );
    t.u64s("rank", rows.iter().map(|r| Some(r.1 as u64 + 1)).collect());
    let ws: Vec<&Workload> = rows.iter().map(|r| &r.2.workload).collect();
    t.workloads(&ws);
    t.u64s("entries", rows.iter().map(|r| Some(r.2.entries)).collect());
    t.f64s("share", rows.iter().map(|r| Some(r.2.share)).collect());
    t.f64s(
        "correlation",
        rows.iter().map(|r| r.2.correlation).collect(),
    );
    let states: Vec<&BTreeMap<String, u64>> = rows.iter().map(|r| &r.2.by_state).collect();
    t.states(&states);
    t.finish()
}

/// One row per counter of each capture (long, so that counters the kernel
/// adds or drops need no schema change).
fn stats(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = s
        .stats
        .iter()
        .flat_map(|r| r.counters.iter().map(move |(name, v)| (r, name, *v)))
        .collect();
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.0.node.clone()).collect(),
        "captured_at",
        rows.iter().map(|r| r.0.captured_at).collect(),
    )?;
    t.strings(
        "path",
        rows.iter().map(|r| Some(r.0.path.clone())).collect(),
    );
    t.strings("source", rows.iter().map(|r| word(r.0.source)).collect());
    t.u64s(
        "cpus",
        rows.iter().map(|r| Some(u64::from(r.0.cpus))).collect(),
    );
    t.u64s("table_entries", rows.iter().map(|r| r.0.entries).collect());
    t.strings("counter", rows.iter().map(|r| Some(r.1.clone())).collect());
    t.u64s("value", rows.iter().map(|r| Some(r.2)).collect());
    let rate = |r: &(&crate::analysis::stats::StatsRow, &String, u64)| {
        r.0.rates.as_ref().and_then(|x| x.per_s.get(r.1).copied())
    };
    t.f64s("per_s", rows.iter().map(rate).collect());
    t.u64s(
        "delta",
        rows.iter()
            .map(|r| r.0.rates.as_ref().and_then(|x| x.delta.get(r.1).copied()))
            .collect(),
    );
    t.f64s(
        "interval_s",
        rows.iter()
            .map(|r| r.0.rates.as_ref().map(|x| x.interval_s))
            .collect(),
    );
    t.finish()
}

/// One row per finding and node it speaks of (`node` null for a finding
/// about the case as a whole); the time column is the latest capture of
/// that node (of the case when node is null): when the evidence was seen.
fn findings(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let latest = |node: Option<&str>| {
        s.snapshots
            .iter()
            .filter(|x| node.is_none() || x.node.as_deref() == node)
            .filter_map(|x| x.captured_at)
            .max()
    };
    let mut rows = Vec::new();
    for (rank, f) in s.findings.iter().enumerate() {
        let mut nodes: Vec<String> = f
            .evidence
            .iter()
            .flat_map(|e| std::iter::once(e).chain(e.nodes.iter()))
            .filter_map(|e| e.per_node.as_ref().map(|p| p.node.clone()))
            .collect();
        nodes.sort();
        nodes.dedup();
        if nodes.is_empty() {
            rows.push((rank, f, None));
        } else {
            rows.extend(nodes.into_iter().map(|n| (rank, f, Some(n))));
        }
    }
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.2.clone()).collect(),
        "captured_at",
        rows.iter().map(|r| latest(r.2.as_deref())).collect(),
    )?;
    t.u64s("rank", rows.iter().map(|r| Some(r.0 as u64 + 1)).collect());
    t.strings("id", rows.iter().map(|r| Some(r.1.id.clone())).collect());
    t.strings(
        "severity",
        rows.iter().map(|r| word(r.1.severity)).collect(),
    );
    t.strings(
        "title",
        rows.iter().map(|r| Some(r.1.title.clone())).collect(),
    );
    t.strings(
        "recommendation",
        rows.iter()
            .map(|r| Some(r.1.recommendation.clone()))
            .collect(),
    );
    t.u64s(
        "evidence",
        rows.iter()
            .map(|r| Some(r.1.evidence.len() as u64))
            .collect(),
    );
    t.finish()
}

fn inputs(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = &s.inputs;
    let mut t = Table::new(case, rows.len());
    t.identity(
        rows.iter().map(|r| r.node.clone()).collect(),
        "captured_at",
        rows.iter().map(|r| r.captured_at).collect(),
    )?;
    t.strings("path", rows.iter().map(|r| Some(r.path.clone())).collect());
    t.strings("kind", rows.iter().map(|r| word(r.kind)).collect());
    t.u64s("records", rows.iter().map(|r| Some(r.records)).collect());
    t.u64s("skipped", rows.iter().map(|r| Some(r.skipped)).collect());
    t.u64s(
        "warnings",
        rows.iter().map(|r| Some(r.warnings.len() as u64)).collect(),
    );
    t.bools("partial", rows.iter().map(|r| r.partial).collect());
    t.finish()
}

/// Every table of the analysis, named as its file.
pub fn tables(s: &Summary, case: &str) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let build: [fn(&Summary, &str) -> PolarsResult<DataFrame>; 10] = [
        snapshots,
        workloads,
        destinations,
        ports,
        drops,
        bursts,
        suspects,
        stats,
        findings,
        inputs,
    ];
    TABLES
        .iter()
        .zip(build)
        .map(|(name, f)| Ok((*name, f(s, case)?)))
        .collect()
}

/// Writes `df` as `dir/name.parquet`, zstd, the schema version in its
/// key-value metadata, through a temporary file so that a reader never
/// sees half a file. `row_group`: rows per group (polars' default: none).
fn write_parquet(
    dir: &Path,
    name: &str,
    df: &mut DataFrame,
    row_group: Option<usize>,
) -> Result<PathBuf, WriteError> {
    let path = dir.join(format!("{name}.parquet"));
    let werr = |source| WriteError::new(&path, source);
    std::fs::create_dir_all(dir).map_err(werr)?;
    let tmp = dir.join(format!(".{name}.parquet.tmp"));
    let file = std::fs::File::create(&tmp).map_err(werr)?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(row_group)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
            "ctsleuth.schema".into(),
            SCHEMA.into(),
        )])))
        .finish(df)
        .map_err(|e| werr(std::io::Error::other(e)))?;
    std::fs::rename(&tmp, &path).map_err(werr)?;
    Ok(path)
}

/// Writes every table into `dir/parquet/`.
pub fn write(s: &Summary, case: &str, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let dir = dir.join("parquet");
    let tables = tables(s, case).map_err(|e| WriteError::new(&dir, std::io::Error::other(e)))?;
    let mut written = Vec::with_capacity(tables.len());
    for (name, mut df) in tables {
        written.push(write_parquet(&dir, name, &mut df, None)?);
    }
    Ok(written)
}

/// Rows per row group of the entries dataset: a block of a listing is one
/// part file of at most this many rows per group.
const ENTRIES_ROW_GROUP: usize = 128 * 1024;

/// A Hive partition value: bytes other than letters, digits, `.`, `_`
/// and `-` percent-encoded (as Hive, Spark and DuckDB read them), so a
/// node name can never make a path outside the dataset; a missing value is
/// Hive's default partition.
pub fn partition_value(v: Option<&str>) -> String {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return "__HIVE_DEFAULT_PARTITION__".into();
    };
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes every entry of every snapshot, block by block, as the Hive
/// partitioned dataset `DIR/parquet/entries/node=<node>/date=<YYYY-MM-DD>/
/// part-<n>.parquet`: the columns of the entries frame with addresses as
/// text and the state by name, plus `case`, `captured_at` and the
/// workloads of the source and of the reply's source (the backend that
/// answered). `node` and `date` are the partition's, from the path.
pub struct EntriesWriter {
    root: PathBuf,
    case: String,
    /// Snapshot path → (node, capture time), from the analysis.
    snapshots: std::collections::HashMap<String, (Option<String>, Option<DateTime<Utc>>)>,
    directory: crate::analysis::attribution::Directory,
    next: std::sync::atomic::AtomicUsize,
    /// Rows written per snapshot path.
    rows: std::sync::Mutex<BTreeMap<String, u64>>,
    /// Blocks that could not be written.
    failures: std::sync::Mutex<Vec<String>>,
}

impl EntriesWriter {
    pub fn new(
        dir: &Path,
        case: &str,
        summary: &Summary,
        directory: crate::analysis::attribution::Directory,
    ) -> EntriesWriter {
        EntriesWriter {
            root: dir.join("parquet").join("entries"),
            case: case.to_owned(),
            snapshots: summary
                .snapshots
                .iter()
                .map(|s| (s.path.clone(), (s.node.clone(), s.captured_at)))
                .collect(),
            directory,
            next: std::sync::atomic::AtomicUsize::new(0),
            rows: std::sync::Mutex::new(BTreeMap::new()),
            failures: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Rows written per snapshot path.
    pub fn rows(&self) -> BTreeMap<String, u64> {
        self.rows.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// What could not be written, `path: error` each.
    pub fn failures(&self) -> Vec<String> {
        self.failures.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Part files written.
    pub fn files(&self) -> usize {
        self.next.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn table(
        &self,
        frame: &crate::frame::EntriesFrame,
        at: Option<DateTime<Utc>>,
    ) -> PolarsResult<DataFrame> {
        use crate::frame::col;
        let df = &frame.df;
        let height = df.height();
        let text: Vec<String> = frame.ips.iter().map(ToString::to_string).collect();
        let workload: Vec<String> = frame
            .ips
            .iter()
            .map(|ip| self.directory.who(*ip, at).workload.to_string())
            .collect();
        let lookup = |name: &str, out: &str, of: &[String]| -> PolarsResult<Column> {
            let ids = df.column(name)?.as_materialized_series().u32()?.clone();
            Ok(StringChunked::from_iter_options(
                out.into(),
                ids.iter()
                    .map(|id| id.and_then(|i| of.get(i as usize)).map(String::as_str)),
            )
            .into_column())
        };
        let same = |name: &str| df.column(name).cloned();
        let states = df
            .column(col::STATE)?
            .as_materialized_series()
            .u32()?
            .clone();
        let state = StringChunked::from_iter_options(
            col::STATE.into(),
            states.iter().map(|c| {
                c.and_then(|c| u8::try_from(c).ok())
                    .and_then(crate::model::State::from_code)
                    .map(|s| s.name())
            }),
        )
        .into_column();
        let counter = |name: &str| -> PolarsResult<Column> {
            match df.column(name) {
                Ok(c) => Ok(c.cast(&DataType::Int64)?),
                Err(_) => Ok(Column::full_null(name.into(), height, &DataType::Int64)),
            }
        };
        let case = Scalar::new(
            DataType::String,
            AnyValue::StringOwned(self.case.clone().into()),
        );
        let at = Int64Chunked::from_iter_options(
            col::CAPTURED_AT.into(),
            std::iter::repeat_n(ms(at), height),
        )
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        .into_column();
        let columns = vec![
            Column::new_scalar("case".into(), case, height),
            at,
            same(col::FAMILY)?,
            same(col::PROTO)?,
            state,
            same(col::TIMEOUT)?,
            lookup(col::SRC, col::SRC, &text)?,
            same(col::SPORT)?,
            lookup(col::DST, col::DST, &text)?,
            same(col::DPORT)?,
            lookup(col::REPLY_SRC, col::REPLY_SRC, &text)?,
            same(col::REPLY_SPORT)?,
            lookup(col::REPLY_DST, col::REPLY_DST, &text)?,
            same(col::REPLY_DPORT)?,
            same(col::UNREPLIED)?,
            same(col::ASSURED)?,
            same(col::OFFLOADED)?,
            same(col::NAT)?,
            same(col::MARK)?,
            same(col::ZONE)?,
            counter(col::ORIG_PACKETS)?,
            counter(col::ORIG_BYTES)?,
            counter(col::REPLY_PACKETS)?,
            counter(col::REPLY_BYTES)?,
            lookup(col::SRC, "src_workload", &workload)?,
            lookup(col::REPLY_SRC, "dst_workload", &workload)?,
        ];
        DataFrame::new(height, columns)
    }
}

impl crate::frame::EntrySink for EntriesWriter {
    fn block(&self, path: &str, frame: crate::frame::EntriesFrame) -> Result<(), String> {
        let result = self.write_block(path, &frame);
        if let Err(e) = &result {
            if let Ok(mut f) = self.failures.lock() {
                f.push(format!("{path}: {e}"));
            }
        }
        result
    }
}

impl EntriesWriter {
    fn write_block(&self, path: &str, frame: &crate::frame::EntriesFrame) -> Result<(), String> {
        // Inputs that were no snapshot in the analysis (a listing of events
        // forced to be one, say) have no place in the dataset.
        let Some((node, at)) = self.snapshots.get(path) else {
            return Ok(());
        };
        let mut df = self.table(frame, *at).map_err(|e| e.to_string())?;
        let rows = df.height() as u64;
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let date = at.map(|t| t.format("%Y-%m-%d").to_string());
        let dir = self
            .root
            .join(format!("node={}", partition_value(node.as_deref())))
            .join(format!("date={}", partition_value(date.as_deref())));
        let name = format!("part-{n:05}");
        write_parquet(&dir, &name, &mut df, Some(ENTRIES_ROW_GROUP)).map_err(|e| e.to_string())?;
        if let Ok(mut r) = self.rows.lock() {
            *r.entry(path.to_owned()).or_default() += rows;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_stay_inside_the_dataset() {
        assert_eq!(
            partition_value(Some("gke-prod-default-pool-7f3a9c21-b8mn")),
            "gke-prod-default-pool-7f3a9c21-b8mn"
        );
        assert_eq!(partition_value(Some("../etc/x y")), "..%2Fetc%2Fx%20y");
        assert_eq!(partition_value(Some("a=b")), "a%3Db");
        assert_eq!(partition_value(None), "__HIVE_DEFAULT_PARTITION__");
        assert_eq!(partition_value(Some("")), "__HIVE_DEFAULT_PARTITION__");
        // Multi-byte names are encoded byte by byte.
        assert_eq!(partition_value(Some("nœud")), "n%C5%93ud");
    }
}
