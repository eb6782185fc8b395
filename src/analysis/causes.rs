//! A differential diagnosis: each cause of conntrack trouble an SRE weighs
//! when DNS or new connections fail on a node, measured on its own
//! evidence against its own threshold ([`Thresholds`]), with the facts of
//! the same node and time joined to it: the fill from the snapshot (or
//! counter capture) nearest in time and how far it was, the node's limit,
//! and the counter interval the rates cover.
//!
//! A full table is diagnosed from snapshots, logs and the `drop` counter
//! (see `drops` and the exhaustion finding); the causes here are those
//! that look like it from the outside but are not.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::attribution::Directory;
use super::stats::StatsRow;
use super::thresholds::Thresholds;
use super::{NodeSummary, SnapshotSummary, ratio};
use crate::facts;
use crate::numbers::rate;

/// What went wrong, as an SRE would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// `insert_failed` rising while `drop` stays flat and the table has room:
    /// two packets of one new flow raced to insert it (the A/AAAA race).
    InsertRaces,
    /// `early_drop` rising: the table at its limit, unassured entries evicted
    /// to admit new ones.
    EarlyDrops,
    /// `chaintoolong` rising: inserts refused on a long hash chain.
    LongChains,
    /// `invalid` rising fast: packets conntrack could not place.
    InvalidSpike,
    /// Unreplied UDP entries still sending to a backend that is gone.
    StaleUdp,
    /// Masquerading running out of source ports towards one destination.
    SnatPorts,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::InsertRaces => "insert_races",
            Cause::EarlyDrops => "early_drops",
            Cause::LongChains => "long_chains",
            Cause::InvalidSpike => "invalid_spike",
            Cause::StaleUdp => "stale_udp",
            Cause::SnatPorts => "snat_ports",
        }
    }
}

/// How full a node's table was near a diagnosis, and from what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fill {
    pub entries: u64,
    pub limit: Option<u64>,
    pub utilization: Option<f64>,
    /// The snapshot or counter capture the entries come from.
    pub source: String,
    pub at: DateTime<Utc>,
    /// Seconds between that capture and the interval (0: inside it).
    pub distance_s: i64,
}

/// One cause on one node, measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub node: Option<String>,
    pub cause: Cause,
    /// The counter interval the rate covers, or the snapshot's time (`from`
    /// = `to`) for causes read from a snapshot.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The measurement: per second for counter causes, entries for stale
    /// UDP, a share of the source ports for SNAT.
    pub value: f64,
    /// Per second and CPU (counters are kept per CPU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_cpu: Option<f64>,
    /// The counter's rise over the interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<u64>,
    pub threshold: f64,
    pub fill: Option<Fill>,
    /// Other measurements of the same interval, as `name: value` facts.
    pub context: Vec<String>,
    pub sources: Vec<String>,
}

/// The fill nearest in time to `[from, to]` on `node`: a snapshot, or the
/// entry count of a counter capture, whichever is nearer (a snapshot on a tie).
pub fn fill_near(
    node: &Option<String>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    snapshots: &[SnapshotSummary],
    stats: &[StatsRow],
    limit: Option<u64>,
) -> Option<Fill> {
    let distance = |t: DateTime<Utc>| -> i64 {
        if t < from {
            (from - t).num_seconds()
        } else if t > to {
            (t - to).num_seconds()
        } else {
            0
        }
    };
    let from_snapshots = snapshots
        .iter()
        .filter(|s| &s.node == node && !s.partial)
        .filter_map(|s| {
            Some((
                distance(s.captured_at?),
                0,
                s.stats.entries,
                s.path.clone(),
                s.captured_at?,
            ))
        });
    let from_counters = stats.iter().filter(|r| &r.node == node).filter_map(|r| {
        Some((
            distance(r.captured_at?),
            1,
            r.entries?,
            r.path.clone(),
            r.captured_at?,
        ))
    });
    let (d, _, entries, source, at) = from_snapshots
        .chain(from_counters)
        .min_by(|a, b| (a.0, a.1, a.4).cmp(&(b.0, b.1, b.4)))?;
    Some(Fill {
        entries,
        limit,
        utilization: limit.and_then(|l| ratio(entries, l)),
        source,
        at,
        distance_s: d,
    })
}

fn limit_of(nodes: &[NodeSummary], node: &Option<String>) -> Option<u64> {
    nodes.iter().find(|n| &n.node == node).and_then(|n| n.limit)
}

fn round2(x: f64) -> f64 {
    super::snapshot::round2(x)
}

/// Every cause that crossed its threshold, per node and interval (or
/// snapshot), in node and time order.
pub fn diagnose(
    nodes: &[NodeSummary],
    snapshots: &[SnapshotSummary],
    stats: &[StatsRow],
    directory: &Directory,
    t: &Thresholds,
) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    for r in stats {
        let (Some(rates), Some(to)) = (&r.rates, r.captured_at) else {
            continue;
        };
        let from = rates.since;
        let limit = limit_of(nodes, &r.node);
        let per_s = |k: &str| rates.per_s.get(k).copied().unwrap_or(0.0);
        let delta = |k: &str| rates.delta.get(k).copied();
        let fill = || fill_near(&r.node, from, to, snapshots, stats, limit);
        let cpus = f64::from(r.cpus.max(1));
        let mut push = |cause: Cause, counter: &str, threshold: f64, context: Vec<String>| {
            out.push(Diagnosis {
                node: r.node.clone(),
                cause,
                from,
                to,
                value: round2(per_s(counter)),
                per_cpu: (r.cpus > 0).then(|| round2(per_s(counter) / cpus)),
                delta: delta(counter),
                threshold,
                fill: fill(),
                context,
                sources: vec![r.path.clone()],
            });
        };
        let counted = |k: &str| {
            delta(k).map(|d| {
                format!(
                    "{k} +{} ({}/s)",
                    crate::numbers::thousands(d),
                    rate(per_s(k))
                )
            })
        };
        let drops = delta("drop").unwrap_or(0);
        if per_s("insert_failed") > t.insert_failed_per_s && drops == 0 {
            let context = ["clash_resolve", "drop", "early_drop", "search_restart"]
                .iter()
                .filter_map(|k| counted(k))
                .collect();
            push(
                Cause::InsertRaces,
                "insert_failed",
                t.insert_failed_per_s,
                context,
            );
        }
        if per_s("early_drop") > t.early_drop_per_s {
            let context = ["drop", "insert_failed"]
                .iter()
                .filter_map(|k| counted(k))
                .collect();
            push(Cause::EarlyDrops, "early_drop", t.early_drop_per_s, context);
        }
        if per_s("chaintoolong") > t.chaintoolong_per_s {
            let buckets = nodes
                .iter()
                .find(|n| n.node == r.node)
                .and_then(|n| n.buckets);
            let mut context: Vec<String> = ["search_restart", "insert_failed"]
                .iter()
                .filter_map(|k| counted(k))
                .collect();
            if let (Some(b), Some(f)) = (buckets, fill()) {
                context.push(format!(
                    "{} entries in {} hash buckets: {:.1} per bucket on average",
                    crate::numbers::thousands(f.entries),
                    crate::numbers::thousands(b),
                    f.entries as f64 / b.max(1) as f64
                ));
            }
            push(
                Cause::LongChains,
                "chaintoolong",
                t.chaintoolong_per_s,
                context,
            );
        }
        if per_s("invalid") > t.invalid_per_s {
            push(Cause::InvalidSpike, "invalid", t.invalid_per_s, Vec::new());
        }
    }
    for s in snapshots.iter().filter(|s| !s.partial) {
        let Some(at) = s.captured_at else { continue };
        let limit = limit_of(nodes, &s.node);
        let fill = Some(Fill {
            entries: s.stats.entries,
            limit,
            utilization: s.utilization,
            source: s.path.clone(),
            at,
            distance_s: 0,
        });
        if let Some(d) = stale_udp(s, at, directory, t, fill.clone()) {
            out.push(d);
        }
        for row in s.snat.iter().filter(|r| r.share > t.snat_port_share) {
            out.push(Diagnosis {
                node: s.node.clone(),
                cause: Cause::SnatPorts,
                from: at,
                to: at,
                value: row.share,
                per_cpu: None,
                delta: None,
                threshold: t.snat_port_share,
                fill: fill.clone(),
                context: vec![format!(
                    "{} {} entries from {} to {}:{} (source ports {}–{}) of the {} masquerading may use",
                    crate::numbers::thousands(row.ports_used),
                    row.proto,
                    row.snat_address,
                    row.destination,
                    row.port,
                    row.lowest_port.map_or("?".into(), |p| p.to_string()),
                    row.highest_port.map_or("?".into(), |p| p.to_string()),
                    crate::numbers::thousands(facts::SNAT_PORTS)
                )],
                sources: vec![s.path.clone()],
            });
        }
    }
    explain_insert_failures_by_snat(&mut out);
    out.sort_by(|a, b| {
        (&a.node, a.from, a.cause, &a.sources).cmp(&(&b.node, b.from, b.cause, &b.sources))
    });
    out
}

/// How near a snapshot must be to a counter interval to explain its
/// `insert_failed`, seconds.
const SNAT_NEAR_S: i64 = 600;

/// `insert_failed` also rises when masquerading finds no free source port.
/// On a node whose snapshot shows the ports nearly used up, near the same
/// time, the failures are that, not races: they become evidence of the
/// SNAT diagnosis instead of a diagnosis of their own.
fn explain_insert_failures_by_snat(out: &mut Vec<Diagnosis>) {
    let near = |race: &Diagnosis, snat: &Diagnosis| {
        race.node == snat.node
            && snat.to >= race.from - chrono::Duration::seconds(SNAT_NEAR_S)
            && snat.to <= race.to + chrono::Duration::seconds(SNAT_NEAR_S)
    };
    let (races, mut rest): (Vec<Diagnosis>, Vec<Diagnosis>) = std::mem::take(out)
        .into_iter()
        .partition(|d| d.cause == Cause::InsertRaces);
    for race in races {
        match rest
            .iter_mut()
            .find(|x| x.cause == Cause::SnatPorts && near(&race, x))
        {
            Some(snat) => snat.context.push(format!(
                "insert_failed +{} ({}/s) between {} and {} UTC: connections that found no free source port",
                crate::numbers::thousands(race.delta.unwrap_or(0)),
                rate(race.value),
                race.from.format("%H:%M:%S"),
                race.to.format("%H:%M:%S")
            )),
            None => rest.push(race),
        }
    }
    *out = rest;
}

/// Unreplied UDP entries of a snapshot whose backend is gone: a pod the
/// inventory saw deleted (and no pod has its address now), or an address a
/// service's endpoints no longer list. The count, and a few of them in
/// words.
pub fn stale_udp_entries(
    s: &SnapshotSummary,
    at: DateTime<Utc>,
    directory: &Directory,
) -> (u64, Vec<String>) {
    let mut entries = 0u64;
    let mut context = Vec::new();
    for p in &s.unreplied_udp {
        let why = if let Some(pod) = directory.gone_pod(p.backend, Some(at)) {
            format!(
                "pod {}/{} deleted{}",
                pod.namespace,
                pod.name,
                pod.deleted.map_or(String::new(), |d| format!(
                    " at {}",
                    d.format("%H:%M:%S UTC")
                ))
            )
        } else {
            match directory.service_backend(p.dst, p.backend) {
                Some((service, Some(false))) if p.backend != p.dst => {
                    format!("no longer an endpoint of {service}")
                }
                _ => continue,
            }
        };
        entries += p.entries;
        if context.len() < 4 {
            context.push(format!(
                "{} entries to {}{} answered by {} ({why})",
                crate::numbers::thousands(p.entries),
                p.dst,
                p.port.map_or(String::new(), |port| format!(":{port}")),
                p.backend
            ));
        }
    }
    (entries, context)
}

/// The stale-UDP diagnosis of a snapshot, above its threshold.
fn stale_udp(
    s: &SnapshotSummary,
    at: DateTime<Utc>,
    directory: &Directory,
    t: &Thresholds,
    fill: Option<Fill>,
) -> Option<Diagnosis> {
    let (entries, context) = stale_udp_entries(s, at, directory);
    (entries > t.stale_udp_entries).then(|| Diagnosis {
        node: s.node.clone(),
        cause: Cause::StaleUdp,
        from: at,
        to: at,
        value: entries as f64,
        per_cpu: None,
        delta: None,
        threshold: t.stale_udp_entries as f64,
        fill,
        context,
        sources: vec![s.path.clone()],
    })
}
