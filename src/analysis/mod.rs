//! Stage 5 of the pipeline: analysis. Takes what the inputs gave
//! ([`crate::pipeline::Loaded`]) and answers per node and snapshot: how full
//! the table was, what filled it, how fast connections closed, and what the
//! counters did between captures. The result, [`Summary`], is what every
//! report renders; `summary.json` is its serialisation.

pub mod attribution;
pub mod clock;
pub mod count;
pub mod drops;
pub mod findings;
pub mod snapshot;
pub mod stats;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use polars::prelude::PolarsResult;
use rayon::prelude::*;
use serde::Serialize;

use crate::facts::Timeouts;
use crate::model::Setting;
use crate::model::{DropEvent, EventKind};
use crate::parse::log::Message;
use crate::pipeline::{InputReport, Loaded};
use clock::ClockOptions;
pub use drops::{Burst, CounterCheck, DropOptions, Drops, Recurrence, Symptom};
pub use snapshot::SnapshotStats;
pub use stats::StatsRow;

/// The schema name of `summary.json`.
pub const SCHEMA: &str = "ctsleuth.summary/v1";

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Rows in each top list.
    pub top: usize,
    /// Timeouts given on the command line; they win over captured sysctls.
    pub timeouts: BTreeMap<String, u32>,
    pub clock: ClockOptions,
    pub drops: DropOptions,
    /// Attribute entries to workloads (needs per-address counts).
    pub per_address: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            top: 10,
            timeouts: BTreeMap::new(),
            clock: ClockOptions::default(),
            drops: DropOptions::default(),
            per_address: true,
        }
    }
}

/// Most DNS symptom lines kept in a summary.
const MAX_SYMPTOMS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitEvidence {
    pub value: u64,
    pub origin: String,
    pub path: String,
    pub line: u64,
}

/// What is known of one node's table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeSummary {
    pub node: Option<String>,
    /// `nf_conntrack_max` in force, from the best evidence.
    pub limit: Option<u64>,
    pub limit_evidence: Vec<LimitEvidence>,
    pub buckets: Option<u64>,
    /// Timeouts that differ from the kernel defaults (from captures or flags).
    pub timeouts: BTreeMap<String, u32>,
    pub snapshots: usize,
    pub peak_entries: Option<u64>,
    pub peak_utilization: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotSummary {
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub path: String,
    pub limit: Option<u64>,
    pub utilization: Option<f64>,
    #[serde(flatten)]
    pub stats: SnapshotStats,
    /// Entries by the workload of their source, most first.
    pub top_workloads: Vec<WorkloadRow>,
    /// Entries by the workload that answered them (the reply source: the
    /// pod behind a ClusterIP), most first.
    pub top_destination_workloads: Vec<WorkloadRow>,
    /// Entries of every source workload (not only the top ones), for trends.
    #[serde(skip)]
    pub all_workloads: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InventoryCounts {
    pub pods: usize,
    pub nodes: usize,
    pub services: usize,
    pub endpoints: usize,
    pub containers: usize,
    pub sockets: usize,
}

/// An in-pod `netstat`/`ss` capture beside the pod's conntrack entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SocketView {
    pub path: String,
    /// The pod's own address: the most common local address of its sockets.
    pub address: std::net::IpAddr,
    #[serde(flatten)]
    pub who: attribution::Who,
    pub sockets: usize,
    pub by_state: BTreeMap<String, u64>,
    /// The snapshot of the pod's node nearest to the capture, when there is one.
    pub snapshot: Option<String>,
    /// Conntrack entries from this address (original source), by state.
    pub conntrack_as_source: BTreeMap<String, u64>,
    /// Conntrack entries answered by this address (reply source), by state.
    pub conntrack_as_backend: BTreeMap<String, u64>,
}

fn socket_views(
    loaded: &Loaded,
    dir: &attribution::Directory,
    snapshots: &[SnapshotSummary],
) -> Vec<SocketView> {
    let mut out = Vec::new();
    for inv in &loaded.inventories {
        let socks = &inv.inventory.sockets;
        if socks.is_empty() {
            continue;
        }
        let mut locals: BTreeMap<std::net::IpAddr, usize> = BTreeMap::new();
        for s in socks {
            let ip = s.local.ip();
            if !ip.is_unspecified() && !ip.is_loopback() {
                *locals.entry(ip).or_default() += 1;
            }
        }
        let Some((&address, _)) = locals
            .iter()
            .max_by_key(|(ip, n)| (**n, std::cmp::Reverse(**ip)))
        else {
            continue;
        };
        let who = dir.who(address, inv.captured_at);
        let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
        for s in socks {
            *by_state.entry(s.state.clone()).or_default() += 1;
        }
        let nearest = snapshots
            .iter()
            .filter(|s| who.node.is_some() && s.node == who.node)
            .min_by_key(|s| match (s.captured_at, inv.captured_at) {
                (Some(a), Some(b)) => (a - b).num_seconds().abs(),
                // Without times, the fullest snapshot.
                _ => -(s.stats.entries as i64),
            });
        let count = |rows: &[snapshot::AddrState]| -> BTreeMap<String, u64> {
            let mut m = BTreeMap::new();
            for r in rows.iter().filter(|r| r.ip == address) {
                let k = r
                    .state
                    .map_or(snapshot::STATELESS.to_string(), |s| s.name().to_string());
                *m.entry(k).or_default() += r.entries;
            }
            m
        };
        out.push(SocketView {
            path: loaded
                .inputs
                .get(inv.input)
                .map(|i| i.path.clone())
                .unwrap_or_default(),
            address,
            who,
            sockets: socks.len(),
            by_state,
            snapshot: nearest.map(|s| s.path.clone()),
            conntrack_as_source: nearest
                .map(|s| count(&s.stats.by_source_state))
                .unwrap_or_default(),
            conntrack_as_backend: nearest
                .map(|s| count(&s.stats.by_backend_state))
                .unwrap_or_default(),
        });
    }
    out
}

/// One workload's entries across the snapshots of a node, set against the
/// node's drop rate at each snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadTrend {
    pub workload: String,
    /// Entries at each snapshot, in time order (see `NodeTrends.times`).
    pub entries: Vec<u64>,
    /// Last minus first.
    pub growth: i64,
    /// Pearson correlation of entries with the drop rate; null when either
    /// series is flat.
    pub correlation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeTrends {
    pub node: Option<String>,
    pub times: Vec<Option<DateTime<Utc>>>,
    /// Drops per second at each snapshot: the upper bound of its log bucket
    /// when the node's logs were read, else the counter rate of the interval
    /// that contains it.
    pub drop_rate: Vec<f64>,
    pub workloads: Vec<WorkloadTrend>,
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (mx, my) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| snapshot::round2(sxy / (sxx * syy).sqrt()))
}

/// Per node with two or more snapshots: each notable workload's series and
/// how it moves with the drop rate.
fn trends(
    snapshots: &[SnapshotSummary],
    stats: &[StatsRow],
    drops: &Drops,
    top: usize,
) -> Vec<NodeTrends> {
    let mut nodes: BTreeMap<Option<String>, Vec<&SnapshotSummary>> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| s.captured_at.is_some()) {
        nodes.entry(s.node.clone()).or_default().push(s);
    }
    let mut out = Vec::new();
    for (node, mut snaps) in nodes {
        if snaps.len() < 2 {
            continue;
        }
        snaps.sort_by_key(|s| s.captured_at);
        // Logs place drops to the minute; counters only to the interval
        // between two captures, which can straddle a burst. Logs first.
        let logged = drops
            .per_node
            .iter()
            .any(|n| n.node == node && n.clock == drops::Clock::Utc);
        let rate_at = |t: DateTime<Utc>| -> f64 {
            if logged {
                let width = chrono::Duration::seconds(i64::from(drops.bucket_s.max(1)));
                return drops
                    .per_node
                    .iter()
                    .filter(|n| n.node == node)
                    .flat_map(|n| n.buckets.iter())
                    .find(|b| b.start.is_some_and(|s| s <= t && t < s + width))
                    .map_or(0.0, |b| {
                        b.upper_bound as f64 / f64::from(drops.bucket_s.max(1))
                    });
            }
            stats
                .iter()
                .filter(|r| r.node == node)
                .filter_map(|r| Some((r.rates.as_ref()?, r.captured_at?)))
                .find(|(r, to)| r.since < t && t <= *to)
                .and_then(|(r, _)| r.per_s.get("drop").copied())
                .unwrap_or(0.0)
        };
        let times: Vec<Option<DateTime<Utc>>> = snaps.iter().map(|s| s.captured_at).collect();
        let drop_rate: Vec<f64> = snaps
            .iter()
            .filter_map(|s| s.captured_at)
            .map(rate_at)
            .collect();
        // Workloads that were in some snapshot's top list.
        let names: std::collections::BTreeSet<&String> = snaps
            .iter()
            .flat_map(|s| s.top_workloads.iter().map(|w| &w.workload))
            .collect();
        let mut workloads: Vec<WorkloadTrend> = names
            .into_iter()
            .map(|name| {
                let entries: Vec<u64> = snaps
                    .iter()
                    .map(|s| s.all_workloads.get(name).copied().unwrap_or(0))
                    .collect();
                let xs: Vec<f64> = entries.iter().map(|&e| e as f64).collect();
                WorkloadTrend {
                    workload: name.clone(),
                    growth: *entries.last().unwrap_or(&0) as i64
                        - *entries.first().unwrap_or(&0) as i64,
                    correlation: pearson(&xs, &drop_rate),
                    entries,
                }
            })
            .collect();
        // Most evidence first: moves with drops, then size.
        workloads.sort_by(|a, b| {
            let key = |w: &WorkloadTrend| {
                (
                    w.correlation.unwrap_or(-2.0),
                    w.entries.iter().max().copied().unwrap_or(0),
                )
            };
            key(b)
                .partial_cmp(&key(a))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.workload.cmp(&b.workload))
        });
        workloads.truncate(top);
        out.push(NodeTrends {
            node,
            times,
            drop_rate,
            workloads,
        });
    }
    out
}

/// Entries of one workload in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadRow {
    /// `namespace/name`, `Node/...`, `external 203.0.113.0/24`, ...
    pub workload: String,
    pub kind: attribution::AddrKind,
    pub namespace: Option<String>,
    /// `Deployment/web`, ... as owned.
    pub owner: Option<String>,
    pub entries: u64,
    pub share: f64,
    pub by_state: BTreeMap<String, u64>,
    /// Distinct addresses (pods) of the workload seen.
    pub addresses: usize,
}

/// Gives each burst the snapshot of its node nearest in time (within
/// `window_s`) and that snapshot's top workloads as suspects.
fn name_suspects(
    bursts: &mut [Burst],
    snapshots: &[SnapshotSummary],
    trends: &[NodeTrends],
    window_s: u32,
) {
    let window = chrono::Duration::seconds(i64::from(window_s));
    for b in bursts.iter_mut() {
        let (Some(start), Some(end)) = (b.start, b.end) else {
            b.note = Some("the burst has no UTC time, so no snapshot can be matched to it".into());
            continue;
        };
        let distance = |t: DateTime<Utc>| -> i64 {
            if t < start {
                (start - t).num_seconds()
            } else if t > end {
                (t - end).num_seconds()
            } else {
                0
            }
        };
        let nearest = snapshots
            .iter()
            .filter(|s| s.node == b.node)
            .filter_map(|s| s.captured_at.map(|t| (distance(t), t, s)))
            .filter(|(d, _, _)| *d <= window.num_seconds())
            .min_by_key(|(d, t, _)| (*d, *t));
        match nearest {
            Some((d, t, s)) => {
                b.snapshot = Some(drops::BurstSnapshot {
                    path: s.path.clone(),
                    captured_at: t,
                    entries: s.stats.entries,
                    utilization: s.utilization,
                    distance_s: d,
                });
                b.suspects = s
                    .top_workloads
                    .iter()
                    .take(5)
                    .map(|w| drops::Suspect {
                        workload: w.workload.clone(),
                        entries: w.entries,
                        share: w.share,
                        by_state: w.by_state.clone(),
                        correlation: trends
                            .iter()
                            .filter(|t| t.node == b.node)
                            .flat_map(|t| t.workloads.iter())
                            .find(|t| t.workload == w.workload)
                            .and_then(|t| t.correlation),
                    })
                    .collect();
                // Evidence over time first (moves with the drops), then size.
                b.suspects.sort_by(|x, y| {
                    let k = |s: &drops::Suspect| {
                        (
                            s.correlation.map_or(0, |c| (c * 100.0).round() as i64 / 50),
                            s.entries,
                        )
                    };
                    k(y).cmp(&k(x)).then_with(|| x.workload.cmp(&y.workload))
                });
            }
            None => {
                b.note = Some(format!(
                    "no conntrack -L snapshot of this node within {} min of the burst: one taken during the next burst would name the workloads that fill the table",
                    window_s / 60
                ));
            }
        }
    }
}

/// Rolls per-address state counts up to workloads.
fn workload_rows(
    rows: &[snapshot::AddrState],
    dir: &attribution::Directory,
    at: Option<DateTime<Utc>>,
    total: u64,
    n: usize,
) -> Vec<WorkloadRow> {
    let mut by: BTreeMap<String, (WorkloadRow, std::collections::BTreeSet<std::net::IpAddr>)> =
        BTreeMap::new();
    let mut cache: std::collections::HashMap<std::net::IpAddr, attribution::Who> =
        std::collections::HashMap::new();
    for r in rows {
        let who = cache.entry(r.ip).or_insert_with(|| dir.who(r.ip, at));
        let label = who.label();
        let entry = by.entry(label.clone()).or_insert_with(|| {
            (
                WorkloadRow {
                    workload: label,
                    kind: who.kind,
                    namespace: who.namespace.clone(),
                    owner: who.workload.clone(),
                    entries: 0,
                    share: 0.0,
                    by_state: BTreeMap::new(),
                    addresses: 0,
                },
                Default::default(),
            )
        });
        entry.0.entries += r.entries;
        let state = r
            .state
            .map_or(snapshot::STATELESS.to_string(), |s| s.name().to_string());
        *entry.0.by_state.entry(state).or_default() += r.entries;
        entry.1.insert(r.ip);
    }
    let mut out: Vec<WorkloadRow> = by
        .into_values()
        .map(|(mut w, ips)| {
            w.addresses = ips.len();
            w.share = ratio(w.entries, total).unwrap_or(0.0);
            w
        })
        .collect();
    out.sort_by(|a, b| {
        b.entries
            .cmp(&a.entries)
            .then_with(|| a.workload.cmp(&b.workload))
    });
    out.truncate(n);
    out
}

/// Entries of every source workload of a snapshot.
fn all_workloads(
    rows: &[snapshot::AddrState],
    dir: &attribution::Directory,
    at: Option<DateTime<Utc>>,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut cache: std::collections::HashMap<std::net::IpAddr, String> =
        std::collections::HashMap::new();
    for r in rows {
        let label = cache
            .entry(r.ip)
            .or_insert_with(|| dir.who(r.ip, at).label());
        *out.entry(label.clone()).or_default() += r.entries;
    }
    out
}

/// The analysis of a set of inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    pub generator: String,
    pub inputs: Vec<InputReport>,
    pub nodes: Vec<NodeSummary>,
    pub snapshots: Vec<SnapshotSummary>,
    pub stats: Vec<StatsRow>,
    pub drops: Drops,
    pub bursts: Vec<Burst>,
    pub recurrences: Vec<Recurrence>,
    pub symptoms: Vec<Symptom>,
    pub counter_checks: Vec<CounterCheck>,
    /// Workload series across each node's snapshots.
    pub trends: Vec<NodeTrends>,
    /// What the inventories held.
    pub inventory: InventoryCounts,
    /// In-pod socket tables set beside the pod's conntrack entries.
    pub socket_views: Vec<SocketView>,
    pub findings: Vec<findings::Finding>,
    /// How times were read (year, zone, boot time): method, not problems.
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

/// Which evidence of a limit to believe first: what the kernel reported at
/// capture time, then what kube-proxy set, then the boot-time default.
fn evidence_rank(origin: &str) -> u8 {
    if origin.starts_with("sysctl") || origin.starts_with("file") {
        0
    } else if origin.starts_with("kube-proxy") {
        1
    } else {
        2
    }
}

/// Rounds a ratio to 4 decimals so JSON stays stable and readable.
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

pub fn analyze(loaded: &Loaded, opts: &AnalyzeOptions) -> PolarsResult<Summary> {
    let path = |i: usize| {
        loaded
            .inputs
            .get(i)
            .map(|x| x.path.clone())
            .unwrap_or_default()
    };
    let mut warnings = Vec::new();

    // Node keys in a stable order: every node seen in any usable input.
    let mut node_keys: Vec<Option<String>> = loaded
        .snapshots
        .iter()
        .map(|s| s.node.clone())
        .chain(loaded.stats.iter().map(|s| s.node.clone()))
        .chain(loaded.settings.iter().map(|s| s.node.clone()))
        .collect();
    node_keys.sort();
    node_keys.dedup();

    let mut nodes: Vec<NodeSummary> = Vec::new();
    let mut node_timeouts: BTreeMap<Option<String>, Timeouts> = BTreeMap::new();
    for key in &node_keys {
        let mut evidence = Vec::new();
        let mut buckets: Option<(u8, &Setting)> = None;
        let mut captured = BTreeMap::new();
        for s in loaded.settings.iter().filter(|s| &s.node == key) {
            if let Some(m) = &s.settings.max {
                evidence.push(LimitEvidence {
                    value: m.value,
                    origin: m.origin.clone(),
                    path: path(s.input),
                    line: m.line,
                });
            }
            if let Some(b) = &s.settings.buckets {
                let rank = evidence_rank(&b.origin);
                if buckets.is_none_or(|(r, _)| rank < r) {
                    buckets = Some((rank, b));
                }
            }
            captured.extend(s.settings.timeouts.clone());
        }
        evidence.sort_by(|a, b| {
            (evidence_rank(&a.origin), &a.path, a.line).cmp(&(
                evidence_rank(&b.origin),
                &b.path,
                b.line,
            ))
        });
        let limit = evidence.first().map(|e| e.value);
        // The kernel's boot-time default is expected to differ once kube-proxy
        // or an admin has set the limit; only disagreements among what was
        // set are worth a warning.
        if let Some(first) = evidence.first() {
            let disagreeing: Vec<String> = evidence
                .iter()
                .filter(|e| e.value != first.value && evidence_rank(&e.origin) < 2)
                .map(|e| format!("{} ({})", e.value, e.origin))
                .collect();
            if !disagreeing.is_empty() {
                warnings.push(format!(
                    "node {}: limit {} ({}) disagrees with {}",
                    key.as_deref().unwrap_or("(unknown)"),
                    first.value,
                    first.origin,
                    disagreeing.join(", ")
                ));
            }
        }
        let timeouts = Timeouts::default().with(&captured).with(&opts.timeouts);
        let defaults = Timeouts::default();
        let differing = Timeouts::names()
            .filter_map(|n| {
                let v = timeouts.get(n)?;
                (defaults.get(n) != Some(v)).then(|| (n.to_string(), v))
            })
            .collect();
        node_timeouts.insert(key.clone(), timeouts);
        nodes.push(NodeSummary {
            node: key.clone(),
            limit,
            limit_evidence: evidence,
            buckets: buckets.map(|(_, b)| b.value),
            timeouts: differing,
            snapshots: 0,
            peak_entries: None,
            peak_utilization: None,
        });
    }

    let directory = attribution::Directory::build(loaded.inventories.iter().map(|i| &i.inventory));
    let default_timeouts = Timeouts::default().with(&opts.timeouts);
    let computed: Vec<PolarsResult<SnapshotStats>> = loaded
        .snapshots
        .par_iter()
        .map(|s| {
            let t = node_timeouts.get(&s.node).unwrap_or(&default_timeouts);
            snapshot::summarize(&s.frame, t, opts.top, opts.per_address)
        })
        .collect();
    let mut snapshots = Vec::with_capacity(computed.len());
    for (s, stats) in loaded.snapshots.iter().zip(computed) {
        let stats = stats?;
        let node = nodes.iter_mut().find(|n| n.node == s.node);
        let limit = node.as_ref().and_then(|n| n.limit);
        let utilization = limit.and_then(|l| ratio(stats.entries, l));
        if !stats.close_history.beyond_timeout.is_empty() {
            let states: Vec<String> = stats
                .close_history
                .beyond_timeout
                .iter()
                .map(|(state, n)| format!("{n} {state}"))
                .collect();
            let hint = if stats
                .close_history
                .beyond_timeout
                .contains_key("CLOSE_WAIT")
            {
                " (kube-proxy sets close_wait to 3600 s)"
            } else {
                ""
            };
            warnings.push(format!(
                "{}: {} entries have more time left than their state's timeout: the node runs longer timeouts than assumed{hint}; capture its sysctls or pass --timeout, they are left out of the close rate",
                path(s.input),
                states.join(", ")
            ));
        }
        if let Some(n) = node {
            n.snapshots += 1;
            if n.peak_entries.is_none_or(|p| stats.entries > p) {
                n.peak_entries = Some(stats.entries);
                n.peak_utilization = utilization;
            }
        }
        let mut stats = stats;
        for r in &mut stats.top_sources {
            r.who = directory.who(r.ip, s.captured_at);
        }
        for r in &mut stats.top_destinations {
            r.who = directory.who(r.ip, s.captured_at);
        }
        let top_workloads = workload_rows(
            &stats.by_source_state,
            &directory,
            s.captured_at,
            stats.entries,
            opts.top,
        );
        let top_destination_workloads = workload_rows(
            &stats.by_backend_state,
            &directory,
            s.captured_at,
            stats.entries,
            opts.top,
        );
        let all_workloads = all_workloads(&stats.by_source_state, &directory, s.captured_at);
        snapshots.push(SnapshotSummary {
            node: s.node.clone(),
            captured_at: s.captured_at,
            path: path(s.input),
            limit,
            utilization,
            stats,
            top_workloads,
            top_destination_workloads,
            all_workloads,
        });
    }
    snapshots
        .sort_by(|a, b| (&a.node, a.captured_at, &a.path).cmp(&(&b.node, b.captured_at, &b.path)));

    let caps = loaded
        .stats
        .iter()
        .map(|s| stats::Captured {
            node: s.node.clone(),
            captured_at: s.captured_at,
            path: path(s.input),
            capture: &s.capture,
        })
        .collect();
    let (stats, stat_warnings) = stats::rows(caps);
    warnings.extend(stat_warnings);

    let limit_of =
        |node: &Option<String>| nodes.iter().find(|n| &n.node == node).and_then(|n| n.limit);
    let (events, symptoms, notes, log_warnings) = log_events(loaded, &opts.clock);
    warnings.extend(log_warnings);
    let (drops, mut bursts) = drops::timeline(&events, &opts.drops)?;
    let counter_checks = drops::counter_checks(&stats, &events, &limit_of);
    drops::attach_checks(&mut bursts, &counter_checks);
    let recurrences = drops::recurrences(&bursts, &opts.drops);
    let trends = trends(&snapshots, &stats, &drops, opts.top);
    let socket_views = socket_views(loaded, &directory, &snapshots);
    let mut inventory = InventoryCounts {
        pods: directory.pod_count,
        ..Default::default()
    };
    for i in &loaded.inventories {
        let inv = &i.inventory;
        inventory.nodes += inv.nodes.len();
        inventory.services += inv.services.len();
        inventory.endpoints += inv.endpoints.len();
        inventory.containers += inv.containers.len();
        inventory.sockets += inv.sockets.len();
    }
    name_suspects(&mut bursts, &snapshots, &trends, opts.drops.window_s);

    let findings = findings::findings(&findings::Facts {
        nodes: &nodes,
        snapshots: &snapshots,
        drops: &drops,
        bursts: &bursts,
        recurrences: &recurrences,
        symptoms: &symptoms,
        checks: &counter_checks,
        stats: &stats,
        inventories: loaded.inventories.iter().map(|i| &i.inventory).collect(),
        has_logs: !loaded.logs.is_empty(),
        has_stats: !loaded.stats.is_empty(),
    });
    let inputs = loaded.inputs.clone();

    Ok(Summary {
        schema: SCHEMA,
        generator: format!("ctsleuth {}", env!("CARGO_PKG_VERSION")),
        inputs,
        nodes,
        snapshots,
        stats,
        drops,
        bursts,
        recurrences,
        symptoms,
        findings,
        counter_checks,
        trends,
        inventory,
        socket_views,
        notes,
        warnings,
    })
}

/// The same kernel line read from two captures of one node (`dmesg` and
/// `kern.log`, say) is one event. Lines match on node, kind and message, and
/// on time within [`SAME_LINE_S`] (`dmesg -T` keeps whole seconds only). The
/// capture with the most lines of a kind is the base; other captures add
/// only the lines the base does not have. Returns the events and how many
/// lines were duplicates.
fn merge_duplicate_captures(events: Vec<(DropEvent, bool, u64)>) -> (Vec<(DropEvent, bool)>, u64) {
    type Key = (Option<String>, EventKind, bool, u32, u64);
    let time = |e: &DropEvent| -> f64 {
        e.ts.map(|t| t.timestamp_millis() as f64 / 1000.0)
            .or(e.since_boot)
            .unwrap_or(f64::NAN)
    };
    let mut groups: BTreeMap<Key, BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
    for (i, (e, _, hash)) in events.iter().enumerate() {
        let key = (e.node.clone(), e.kind, e.ts.is_some(), e.boot, *hash);
        groups
            .entry(key)
            .or_default()
            .entry(e.input)
            .or_default()
            .push(i);
    }
    let mut keep = vec![true; events.len()];
    for files in groups.values() {
        if files.len() < 2 {
            continue;
        }
        let mut by_size: Vec<(&usize, &Vec<usize>)> = files.iter().collect();
        by_size.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let mut base: Vec<f64> = by_size[0].1.iter().map(|&i| time(&events[i].0)).collect();
        base.sort_by(f64::total_cmp);
        let mut used = vec![false; base.len()];
        for (_, idxs) in &by_size[1..] {
            for &i in idxs.iter() {
                let t = time(&events[i].0);
                let from = base.partition_point(|&b| b < t - SAME_LINE_S);
                let hit = (from..base.len())
                    .take_while(|&k| base[k] <= t + SAME_LINE_S)
                    .find(|&k| !used[k]);
                if let Some(k) = hit {
                    used[k] = true;
                    keep[i] = false;
                }
            }
        }
    }
    let merged = keep.iter().filter(|k| !**k).count() as u64;
    let kept = events
        .into_iter()
        .zip(keep)
        .filter_map(|((e, func, _), k)| k.then_some((e, func)))
        .collect();
    (kept, merged)
}

/// Two captures of one kernel line are this close in time (seconds).
const SAME_LINE_S: f64 = 1.0;

/// Log records → timeline events (time resolved, suppressed counts kept
/// where they belong) and DNS symptoms.
type LogEvents = (Vec<DropEvent>, Vec<Symptom>, Vec<String>, Vec<String>);

fn log_events(loaded: &Loaded, clock_opts: &ClockOptions) -> LogEvents {
    let path = |i: usize| loaded.inputs.get(i).map(|x| x.path.as_str()).unwrap_or("");
    let mut anchors = clock::Anchors::default();
    for i in &loaded.inputs {
        if let Some(t) = i.captured_at {
            anchors.times.entry(i.node.clone()).or_default().push(t);
        }
    }
    for s in &loaded.settings {
        if let Some(b) = s
            .settings
            .boot_time
            .and_then(|b| DateTime::from_timestamp(b, 0))
        {
            anchors.boot_times.insert(s.node.clone(), b);
        }
    }
    let files: Vec<clock::LogFile<'_>> = loaded
        .logs
        .iter()
        .map(|l| clock::LogFile {
            path: path(l.input),
            node: l.node.clone(),
            records: &l.records,
            modified: loaded.inputs.get(l.input).and_then(|i| i.modified),
        })
        .collect();
    let (resolved, notes, mut warnings) = clock::resolve(&files, &anchors, clock_opts);
    let mut events = Vec::new();
    let mut symptoms = Vec::new();
    for (l, times) in loaded.logs.iter().zip(&resolved) {
        for (r, t) in l.records.iter().zip(times) {
            let node = l.node.clone().or_else(|| r.host.clone());
            let (kind, count, conntrack_func) = match r.message {
                Message::TableFull => (EventKind::Drop, 1, true),
                Message::Suppressed { count, conntrack } => {
                    (EventKind::Suppressed, count, conntrack)
                }
                Message::ExpectationFull => (EventKind::ExpectationFull, 1, true),
                Message::Vmalloc => (EventKind::Vmalloc, 1, true),
                Message::DnsFailure => (EventKind::DnsFailure, 1, true),
                Message::Other => continue,
            };
            if kind == EventKind::DnsFailure {
                symptoms.push(Symptom {
                    node: node.clone(),
                    ts: t.ts,
                    path: path(l.input).to_string(),
                    line: r.line,
                    text: r.text.clone().unwrap_or_default(),
                });
            }
            events.push((
                DropEvent {
                    node,
                    ts: t.ts,
                    since_boot: if t.ts.is_some() { None } else { t.since_boot },
                    boot: t.boot,
                    kind,
                    count,
                    input: l.input,
                    line: r.line,
                },
                conntrack_func,
                r.text_hash,
            ));
        }
    }
    let (events, merged) = merge_duplicate_captures(events);
    if merged > 0 {
        warnings.push(format!(
            "{merged} log lines appear in more than one capture of the same node (dmesg, kern.log, journal...): counted once"
        ));
    }
    let (events, set_aside) = drops::attach_suppressed(events);
    if set_aside > 0 {
        warnings.push(format!(
            "{set_aside} `callbacks suppressed` lines had no conntrack drop near them and were not counted"
        ));
    }
    symptoms.sort_by(|a, b| (a.ts, &a.path, a.line).cmp(&(b.ts, &b.path, b.line)));
    if symptoms.len() > MAX_SYMPTOMS {
        warnings.push(format!(
            "{} DNS failure lines: the first {MAX_SYMPTOMS} are listed",
            symptoms.len()
        ));
        symptoms.truncate(MAX_SYMPTOMS);
    }
    (events, symptoms, notes, warnings)
}
