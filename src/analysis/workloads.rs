//! Workloads: entries rolled up by who holds them, their trends across a
//! node's snapshots, the suspects of each burst, and in-pod socket tables set
//! beside conntrack's view.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::drops::{self, Burst, Drops};
use super::{Loaded, SnapshotSummary, StatsRow, attribution, ratio, series, snapshot};
use polars::prelude::PolarsResult;

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

pub(super) fn socket_views(
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
                _ => -crate::numbers::to_i64(s.stats.entries),
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
    pub workload: attribution::Workload,
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

/// Per node with two or more snapshots: each notable workload's series and
/// how it moves with the drop rate. The drop rate at each snapshot comes
/// from the bucket that holds it (an as-of join of snapshots on buckets,
/// by node); the series are one long frame, whose correlations are grouped
/// sums ([`series::correlations`]).
pub(super) fn trends(
    snapshots: &[SnapshotSummary],
    stats: &[StatsRow],
    drops: &Drops,
    top: usize,
) -> PolarsResult<Vec<NodeTrends>> {
    let mut nodes: BTreeMap<Option<String>, Vec<&SnapshotSummary>> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| s.captured_at.is_some()) {
        nodes.entry(s.node.clone()).or_default().push(s);
    }
    nodes.retain(|_, snaps| snaps.len() >= 2);
    for snaps in nodes.values_mut() {
        snaps.sort_by_key(|s| s.captured_at);
    }
    // Logs place drops to the minute; counters only to the interval
    // between two captures, which can straddle a burst. Logs first.
    let bucket_s = drops.bucket_s.max(1);
    let buckets: Vec<(&Option<String>, &drops::Bucket)> = drops
        .per_node
        .iter()
        .filter(|n| n.clock == drops::Clock::Utc)
        .flat_map(|n| n.buckets.iter().map(move |b| (&n.node, b)))
        .filter(|(_, b)| b.start.is_some())
        .collect();
    let times: Vec<(&Option<String>, DateTime<Utc>)> = nodes
        .iter()
        .flat_map(|(node, snaps)| {
            snaps
                .iter()
                .filter_map(move |s| Some((node, s.captured_at?)))
        })
        .collect();
    let holding = series::bucket_of(
        &times
            .iter()
            .map(|(n, t)| series::Point {
                node: n.as_deref(),
                at_ms: t.timestamp_millis(),
            })
            .collect::<Vec<_>>(),
        &buckets
            .iter()
            .map(|(n, b)| series::Point {
                node: n.as_deref(),
                at_ms: b.start.map_or(0, |t| t.timestamp_millis()),
            })
            .collect::<Vec<_>>(),
        i64::from(bucket_s) * 1000,
    )?;
    let mut holding = holding.into_iter();

    let mut out = Vec::new();
    // The long frame of every series: (series, entries, drop rate); a
    // series is one workload on one node, numbered in `series_of`.
    let (mut ids, mut xs, mut ys) = (Vec::new(), Vec::new(), Vec::new());
    let mut series_of: Vec<Vec<u32>> = Vec::new();
    let mut next_series = 0usize;
    for (node, snaps) in nodes {
        let logged = drops
            .per_node
            .iter()
            .any(|n| n.node == node && n.clock == drops::Clock::Utc);
        let counter_rate = |t: DateTime<Utc>| -> f64 {
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
            .map(|t| {
                let bucket = holding.next().flatten().and_then(|i| buckets.get(i));
                if logged {
                    bucket.map_or(0.0, |(_, b)| b.upper_bound as f64 / f64::from(bucket_s))
                } else {
                    counter_rate(t)
                }
            })
            .collect();
        // Workloads that were in some snapshot's top list.
        let names: std::collections::BTreeSet<&attribution::Workload> = snaps
            .iter()
            .flat_map(|s| s.top_workloads.iter().map(|w| &w.workload))
            .collect();
        let mut node_series = Vec::with_capacity(names.len());
        let workloads: Vec<WorkloadTrend> = names
            .into_iter()
            .map(|name| {
                let entries: Vec<u64> = snaps
                    .iter()
                    .map(|s| s.all_workloads.get(name).copied().unwrap_or(0))
                    .collect();
                let id = crate::numbers::to_u32(next_series);
                next_series += 1;
                node_series.push(id);
                for (e, r) in entries.iter().zip(&drop_rate) {
                    ids.push(id);
                    xs.push(*e as f64);
                    ys.push(*r);
                }
                WorkloadTrend {
                    workload: name.clone(),
                    growth: crate::numbers::to_i64(*entries.last().unwrap_or(&0))
                        - crate::numbers::to_i64(*entries.first().unwrap_or(&0)),
                    correlation: None,
                    entries,
                }
            })
            .collect();
        series_of.push(node_series);
        out.push(NodeTrends {
            node,
            times,
            drop_rate,
            workloads,
        });
    }
    let corr: std::collections::HashMap<u32, Option<f64>> =
        series::correlations(&ids, &xs, &ys)?.into_iter().collect();
    for (t, node_series) in out.iter_mut().zip(&series_of) {
        for (w, id) in t.workloads.iter_mut().zip(node_series) {
            w.correlation = corr.get(id).copied().flatten().map(snapshot::round2);
        }
        // Most evidence first: moves with drops, then size.
        t.workloads.sort_by(|a, b| {
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
        t.workloads.truncate(top);
    }
    Ok(out)
}

/// Entries of one workload in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "WorkloadRowView")]
pub struct WorkloadRow {
    pub workload: attribution::Workload,
    pub entries: u64,
    /// Of the snapshot's entries.
    pub share: f64,
    pub by_state: BTreeMap<String, u64>,
    /// Distinct addresses (pods) of the workload seen.
    pub addresses: usize,
}

/// How `summary.json` writes a [`WorkloadRow`].
#[derive(Serialize)]
struct WorkloadRowView {
    /// `namespace/name`, `Node/...`, `external 203.0.113.0/24`, ...
    workload: String,
    kind: attribution::AddrKind,
    namespace: Option<String>,
    /// `Deployment/web`, ... as owned.
    owner: Option<String>,
    entries: u64,
    share: f64,
    by_state: BTreeMap<String, u64>,
    addresses: usize,
}

impl From<WorkloadRow> for WorkloadRowView {
    fn from(w: WorkloadRow) -> WorkloadRowView {
        WorkloadRowView {
            workload: w.workload.to_string(),
            kind: w.workload.addr_kind(),
            owner: w.workload.owner(),
            namespace: w.workload.namespace,
            entries: w.entries,
            share: w.share,
            by_state: w.by_state,
            addresses: w.addresses,
        }
    }
}

/// Gives each burst the snapshot of its node nearest in time (within
/// `window_s`; see [`series::nearest`], two as-of joins by node) and that
/// snapshot's top workloads as suspects.
pub(super) fn name_suspects(
    bursts: &mut [Burst],
    snapshots: &[SnapshotSummary],
    trends: &[NodeTrends],
    window_s: u32,
) -> PolarsResult<()> {
    let timed: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = bursts
        .iter()
        .enumerate()
        .filter_map(|(i, b)| Some((i, b.start?, b.end?)))
        .collect();
    let points: Vec<(&SnapshotSummary, DateTime<Utc>)> = snapshots
        .iter()
        .filter_map(|s| Some((s, s.captured_at?)))
        .collect();
    let matches = series::nearest(
        &timed
            .iter()
            .map(|&(i, start, end)| series::Span {
                node: bursts.get(i).and_then(|b| b.node.as_deref()),
                start_ms: start.timestamp_millis(),
                end_ms: end.timestamp_millis(),
            })
            .collect::<Vec<_>>(),
        &points
            .iter()
            .map(|(s, t)| series::Point {
                node: s.node.as_deref(),
                at_ms: t.timestamp_millis(),
            })
            .collect::<Vec<_>>(),
        i64::from(window_s),
    )?;
    let mut matched: Vec<Option<series::Match>> = vec![None; bursts.len()];
    for (&(i, _, _), m) in timed.iter().zip(matches) {
        if let Some(slot) = matched.get_mut(i) {
            *slot = m;
        }
    }
    for (b, m) in bursts.iter_mut().zip(matched) {
        if b.start.is_none() || b.end.is_none() {
            b.note = Some("the burst has no UTC time, so no snapshot can be matched to it".into());
            continue;
        }
        match m.and_then(|m| Some((m.distance_s, points.get(m.point)?))) {
            Some((d, &(s, t))) => {
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
                            s.correlation
                                .map_or(0, |c| crate::numbers::round_i64(c * 100.0) / 50),
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
    Ok(())
}

/// Rolls per-address state counts up to workloads.
pub(super) fn workload_rows(
    rows: &[snapshot::AddrState],
    dir: &attribution::Directory,
    at: Option<DateTime<Utc>>,
    total: u64,
    n: usize,
) -> Vec<WorkloadRow> {
    let mut by: std::collections::HashMap<
        attribution::Workload,
        (WorkloadRow, std::collections::BTreeSet<std::net::IpAddr>),
    > = std::collections::HashMap::new();
    let mut cache: std::collections::HashMap<std::net::IpAddr, attribution::Who> =
        std::collections::HashMap::new();
    for r in rows {
        let who = cache.entry(r.ip).or_insert_with(|| dir.who(r.ip, at));
        let entry = by.entry(who.workload.clone()).or_insert_with(|| {
            (
                WorkloadRow {
                    workload: who.workload.clone(),
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
pub(super) fn all_workloads(
    rows: &[snapshot::AddrState],
    dir: &attribution::Directory,
    at: Option<DateTime<Utc>>,
) -> BTreeMap<attribution::Workload, u64> {
    // Summed by hash; sorted once at the end (a workload sorts by its label).
    let mut out: std::collections::HashMap<attribution::Workload, u64> =
        std::collections::HashMap::new();
    let mut cache: std::collections::HashMap<std::net::IpAddr, attribution::Workload> =
        std::collections::HashMap::new();
    for r in rows {
        let workload = cache
            .entry(r.ip)
            .or_insert_with(|| dir.who(r.ip, at).workload);
        *out.entry(workload.clone()).or_default() += r.entries;
    }
    out.into_iter().collect()
}
