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

/// The columns of one table, one per call, each read off every row by a
/// function; every table starts with `case`, `node` and its time column.
struct Table<'r, R> {
    rows: &'r [R],
    columns: Vec<Column>,
}

impl<'r, R> Table<'r, R> {
    fn new(
        case: &str,
        rows: &'r [R],
        node: impl Fn(&'r R) -> Option<String>,
        time_name: &str,
        time: impl Fn(&'r R) -> Option<DateTime<Utc>>,
    ) -> Table<'r, R> {
        let case = Scalar::new(DataType::String, AnyValue::StringOwned(case.into()));
        let mut t = Table {
            rows,
            columns: vec![Column::new_scalar("case".into(), case, rows.len())],
        };
        t.strings("node", node);
        t.time(time_name, time);
        t
    }

    fn time(&mut self, name: &str, f: impl Fn(&'r R) -> Option<DateTime<Utc>>) {
        // Built as UTC directly: a cast would drop the zone without
        // polars' `timezones` feature, and the files would say local time.
        let c = Int64Chunked::from_iter_options(name.into(), self.rows.iter().map(|r| ms(f(r))))
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column();
        self.columns.push(c);
    }

    fn strings(&mut self, name: &str, f: impl Fn(&'r R) -> Option<String>) {
        let v: Vec<Option<String>> = self.rows.iter().map(f).collect();
        self.columns.push(Column::new(name.into(), v));
    }
    /// Counts are written as signed 64-bit integers: Spark, BigQuery and
    /// Athena have no unsigned type (Spark reads UINT64 as a decimal).
    fn u64s(&mut self, name: &str, f: impl Fn(&'r R) -> Option<u64>) {
        let v: Vec<Option<i64>> = self
            .rows
            .iter()
            .map(|r| f(r).map(|x| i64::try_from(x).unwrap_or(i64::MAX)))
            .collect();
        self.columns.push(Column::new(name.into(), v));
    }
    fn i64s(&mut self, name: &str, f: impl Fn(&'r R) -> Option<i64>) {
        let v: Vec<Option<i64>> = self.rows.iter().map(f).collect();
        self.columns.push(Column::new(name.into(), v));
    }
    fn f64s(&mut self, name: &str, f: impl Fn(&'r R) -> Option<f64>) {
        let v: Vec<Option<f64>> = self.rows.iter().map(f).collect();
        self.columns.push(Column::new(name.into(), v));
    }
    fn bools(&mut self, name: &str, f: impl Fn(&'r R) -> bool) {
        let v: Vec<bool> = self.rows.iter().map(f).collect();
        self.columns.push(Column::new(name.into(), v));
    }

    /// One column per TCP state, then `other_state` and `stateless`.
    fn states(&mut self, f: impl Fn(&'r R) -> &'r BTreeMap<String, u64>) {
        use crate::analysis::snapshot::STATELESS;
        for (state, column) in STATE_COLUMNS {
            self.u64s(column, |r| Some(f(r).get(state).copied().unwrap_or(0)));
        }
        self.u64s("other_state", |r| {
            Some(
                f(r).iter()
                    .filter(|(k, _)| {
                        k.as_str() != STATELESS && !STATE_COLUMNS.iter().any(|(s, _)| s == k)
                    })
                    .map(|(_, n)| n)
                    .sum(),
            )
        });
        self.u64s("stateless", |r| {
            Some(f(r).get(STATELESS).copied().unwrap_or(0))
        });
    }

    /// `workload` (as summary.json names it), `namespace`, `kind`.
    fn workloads(&mut self, f: impl Fn(&'r R) -> &'r Workload) {
        self.strings("workload", |r| Some(f(r).to_string()));
        self.strings("namespace", |r| f(r).namespace.clone());
        self.strings("kind", |r| Some(kind(&f(r).kind)));
    }

    fn finish(self) -> PolarsResult<DataFrame> {
        DataFrame::new(self.rows.len(), self.columns)
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
    let mut t = Table::new(
        case,
        &s.snapshots,
        |r| r.node.clone(),
        "captured_at",
        |r| r.captured_at,
    );
    t.strings("path", |r| Some(r.path.clone()));
    t.u64s("entries", |r| Some(r.stats.entries));
    t.u64s("limit", |r| r.limit);
    t.f64s("utilization", |r| r.utilization);
    t.bools("partial", |r| r.partial);
    t.u64s("unreplied", |r| Some(r.stats.unreplied));
    t.u64s("assured", |r| Some(r.stats.assured));
    t.u64s("offloaded", |r| Some(r.stats.offloaded));
    t.u64s("nat", |r| Some(r.stats.nat));
    t.f64s("close_rate_per_s", |r| r.stats.close_rate_per_s);
    t.u64s("dns_entries", |r| Some(r.dns.entries));
    t.u64s("dns_unreplied", |r| Some(r.dns.unreplied));
    for proto in ["tcp", "udp"] {
        t.u64s(proto, |r| {
            Some(r.stats.by_proto.get(proto).copied().unwrap_or(0))
        });
    }
    t.states(|r| &r.stats.by_state);
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
fn ranked_table<'r, 'a, T>(case: &str, rows: &'r [Ranked<'a, T>]) -> Table<'r, Ranked<'a, T>> {
    let mut t = Table::new(
        case,
        rows,
        |r| r.snap.node.clone(),
        "captured_at",
        |r| r.snap.captured_at,
    );
    t.u64s("rank", |r| Some(r.rank));
    t
}

fn workloads(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let mut rows = ranked(s, "source", |snap| &snap.top_workloads[..]);
    rows.extend(ranked(s, "destination", |snap| {
        &snap.top_destination_workloads[..]
    }));
    let mut t = ranked_table(case, &rows);
    t.strings("path", |r| Some(r.snap.path.clone()));
    t.strings("direction", |r| Some(r.direction.to_string()));
    t.workloads(|r| &r.row.workload);
    t.u64s("entries", |r| Some(r.row.entries));
    t.f64s("share", |r| Some(r.row.share));
    t.u64s("addresses", |r| Some(r.row.addresses as u64));
    t.states(|r| &r.row.by_state);
    t.finish()
}

fn destinations(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = ranked(s, "", |snap| &snap.stats.top_destinations[..]);
    let mut t = ranked_table(case, &rows);
    t.strings("ip", |r| Some(r.row.ip.to_string()));
    t.u64s("port", |r| r.row.port.map(u64::from));
    t.strings("proto", |r| Some(r.row.proto.clone()));
    t.u64s("entries", |r| Some(r.row.entries));
    t.workloads(|r| &r.row.who.workload);
    t.strings("pod", |r| r.row.who.pod.clone());
    t.finish()
}

fn ports(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows = ranked(s, "", |snap| &snap.stats.top_ports[..]);
    let mut t = ranked_table(case, &rows);
    t.strings("proto", |r| Some(r.row.proto.clone()));
    t.u64s("port", |r| Some(u64::from(r.row.port)));
    t.u64s("entries", |r| Some(r.row.entries));
    t.finish()
}

fn drops(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = s
        .drops
        .per_node
        .iter()
        .flat_map(|n| n.buckets.iter().map(move |b| (n, b)))
        .collect();
    let mut t = Table::new(
        case,
        &rows,
        |r| r.0.node.clone(),
        "bucket_start",
        |r| r.1.start,
    );
    t.i64s("bucket_start_since_boot", |r| r.1.start_since_boot);
    t.u64s("bucket_s", |_| Some(u64::from(s.drops.bucket_s)));
    t.u64s("boot", |r| Some(u64::from(r.0.boot)));
    t.u64s("logged", |r| Some(r.1.logged));
    t.u64s("upper_bound", |r| Some(r.1.upper_bound));
    t.u64s("dns_failures", |r| Some(r.1.dns_failures));
    t.finish()
}

fn bursts(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let mut t = Table::new(case, &s.bursts, |b| b.node.clone(), "start", |b| b.start);
    t.time("end", |b| b.end);
    t.i64s("start_since_boot", |b| b.start_since_boot);
    t.i64s("end_since_boot", |b| b.end_since_boot);
    t.i64s("duration_s", |b| Some(b.duration_s));
    t.u64s("logged", |b| Some(b.logged));
    t.u64s("upper_bound", |b| Some(b.upper_bound));
    t.u64s("peak_per_min", |b| Some(b.peak_per_min));
    t.time("snapshot_at", |b| {
        b.snapshot.as_ref().map(|x| x.captured_at)
    });
    t.u64s("snapshot_entries", |b| {
        b.snapshot.as_ref().map(|x| x.entries)
    });
    t.u64s("suspects", |b| Some(b.suspects.len() as u64));
    t.strings("note", |b| b.note.clone());
    t.finish()
}

fn suspects(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = s
        .bursts
        .iter()
        .flat_map(|b| {
            b.suspects
                .iter()
                .zip(1u64..)
                .map(move |(x, rank)| (b, rank, x))
        })
        .collect();
    let mut t = Table::new(
        case,
        &rows,
        |r| r.0.node.clone(),
        "burst_start",
        |r| r.0.start,
    );
    t.i64s("burst_start_since_boot", |r| r.0.start_since_boot);
    t.u64s("rank", |r| Some(r.1));
    t.workloads(|r| &r.2.workload);
    t.u64s("entries", |r| Some(r.2.entries));
    t.f64s("share", |r| Some(r.2.share));
    t.f64s("correlation", |r| r.2.correlation);
    t.states(|r| &r.2.by_state);
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
    let mut t = Table::new(
        case,
        &rows,
        |r| r.0.node.clone(),
        "captured_at",
        |r| r.0.captured_at,
    );
    t.strings("path", |r| Some(r.0.path.clone()));
    t.strings("source", |r| word(r.0.source));
    t.u64s("cpus", |r| Some(u64::from(r.0.cpus)));
    t.u64s("table_entries", |r| r.0.entries);
    t.strings("counter", |r| Some(r.1.clone()));
    t.u64s("value", |r| Some(r.2));
    t.f64s("per_s", |r| {
        r.0.rates.as_ref().and_then(|x| x.per_s.get(r.1).copied())
    });
    t.u64s("delta", |r| {
        r.0.rates.as_ref().and_then(|x| x.delta.get(r.1).copied())
    });
    t.f64s("interval_s", |r| r.0.rates.as_ref().map(|x| x.interval_s));
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
    for (f, rank) in s.findings.iter().zip(1u64..) {
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
    let mut t = Table::new(
        case,
        &rows,
        |r| r.2.clone(),
        "captured_at",
        |r| latest(r.2.as_deref()),
    );
    t.u64s("rank", |r| Some(r.0));
    t.strings("id", |r| Some(r.1.id.clone()));
    t.strings("severity", |r| word(r.1.severity));
    t.strings("title", |r| Some(r.1.title.clone()));
    t.strings("recommendation", |r| Some(r.1.recommendation.clone()));
    t.u64s("evidence", |r| Some(r.1.evidence.len() as u64));
    t.finish()
}

fn inputs(s: &Summary, case: &str) -> PolarsResult<DataFrame> {
    let mut t = Table::new(
        case,
        &s.inputs,
        |r| r.node.clone(),
        "captured_at",
        |r| r.captured_at,
    );
    t.strings("path", |r| Some(r.path.clone()));
    t.strings("kind", |r| word(r.kind));
    t.u64s("records", |r| Some(r.records));
    t.u64s("skipped", |r| Some(r.skipped));
    t.u64s("warnings", |r| Some(r.warnings.len() as u64));
    t.bools("partial", |r| r.partial);
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
