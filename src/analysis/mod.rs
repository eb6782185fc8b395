//! Stage 5 of the pipeline: analysis. Takes what the inputs gave
//! ([`crate::pipeline::Loaded`]) and answers per node and snapshot: how full
//! the table was, what filled it, how fast connections closed, and what the
//! counters did between captures. The result, [`Summary`], is what every
//! report renders; `summary.json` is its serialisation.

pub mod attribution;
pub mod causes;
pub mod clock;
pub mod drops;
pub mod findings;
pub mod flows;
pub mod logs;
pub mod series;
pub mod snapshot;
pub mod stats;
pub mod thresholds;
pub mod workloads;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use polars::prelude::PolarsResult;
use serde::Serialize;

use crate::facts::{Timeout, Timeouts};
use crate::model::Setting;
use crate::pipeline::{InputReport, Loaded};
use clock::ClockOptions;
pub use drops::{Burst, CounterCheck, DropOptions, Drops, Recurrence, Symptom};
use logs::log_events;
pub use snapshot::SnapshotStats;
pub use stats::StatsRow;
pub use workloads::{InventoryCounts, NodeTrends, SocketView, WorkloadRow, WorkloadTrend};
use workloads::{all_workloads, name_suspects, socket_views, trends, workload_rows};

/// The schema name of `summary.json`.
pub const SCHEMA: &str = "ctsleuth.summary/v1";

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Rows in each top list.
    pub top: usize,
    /// Timeouts given on the command line; they win over captured sysctls.
    pub timeouts: BTreeMap<Timeout, u32>,
    pub clock: ClockOptions,
    pub drops: DropOptions,
    /// When a measurement becomes a cause.
    pub thresholds: thresholds::Thresholds,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            top: 10,
            timeouts: BTreeMap::new(),
            clock: ClockOptions::default(),
            drops: DropOptions::default(),
            thresholds: thresholds::Thresholds::default(),
        }
    }
}

/// Most DNS symptom lines kept in a summary.
const MAX_SYMPTOMS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitEvidence {
    pub value: u64,
    /// Who stated it, as people read it (`sysctl net.netfilter.nf_conntrack_max`).
    pub origin: String,
    pub path: String,
    pub line: u64,
    /// How far to believe it ([`crate::model::Origin::rank`]): lower first.
    #[serde(skip)]
    pub rank: u8,
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
    pub timeouts: BTreeMap<Timeout, u32>,
    pub snapshots: usize,
    pub peak_entries: Option<u64>,
    pub peak_utilization: Option<f64>,
    /// CPU cores, from the Kubernetes inventory.
    pub cores: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotSummary {
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub path: String,
    pub limit: Option<u64>,
    pub utilization: Option<f64>,
    /// A cut view of the table (sos kept only the tail): `entries` is what
    /// the capture held, not the table's size.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    #[serde(flatten)]
    pub stats: SnapshotStats,
    /// Entries by the workload of their source, most first.
    pub top_workloads: Vec<WorkloadRow>,
    /// Entries by the workload that answered them (the reply source: the
    /// pod behind a ClusterIP), most first.
    pub top_destination_workloads: Vec<WorkloadRow>,
    /// Entries of every source workload (not only the top ones), for trends.
    #[serde(skip)]
    pub all_workloads: BTreeMap<attribution::Workload, u64>,
    /// UDP/53 entries, and how many of them were never answered.
    pub dns: flows::DnsCount,
    /// The destinations masquerading used the most source ports for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snat: Vec<flows::SnatRow>,
    /// Unreplied UDP entries by destination and backend, for stale-entry
    /// checks against the inventory.
    #[serde(skip)]
    pub unreplied_udp: Vec<flows::UdpPair>,
    /// Of those, the entries whose backend is gone (the stale-UDP measure,
    /// whatever its threshold).
    #[serde(skip)]
    pub stale_udp: u64,
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
    /// Each cause that crossed its threshold, per node and interval.
    pub diagnoses: Vec<causes::Diagnosis>,
    /// Workload series across each node's snapshots.
    pub trends: Vec<NodeTrends>,
    /// What the inventories held.
    pub inventory: InventoryCounts,
    /// In-pod socket tables set beside the pod's conntrack entries.
    pub socket_views: Vec<SocketView>,
    pub findings: Vec<findings::Finding>,
    /// Support bundles: what each held and lacked, and what to ask for.
    pub bundles: Vec<crate::pipeline::BundleReport>,
    /// Marks of a misread layout (several snapshots of one node at one
    /// instant, nodes named like capture folders): everything else rests on
    /// the layout, so these come first in every report.
    pub layout_warnings: Vec<String>,
    /// How times were read (year, zone, boot time): method, not problems.
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

/// The path of input `i`, as the user gave it.
fn input_path(loaded: &Loaded, i: usize) -> String {
    loaded
        .inputs
        .get(i)
        .map(|x| x.path.clone())
        .unwrap_or_default()
}

/// Rounds a ratio to 4 decimals so JSON stays stable and readable.
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

/// One [`NodeSummary`] per node seen in any usable input, in a stable
/// order: its limit from the best evidence, buckets and timeouts (captured,
/// then the command line's); disagreeing limits become warnings.
fn node_limits(
    loaded: &Loaded,
    opts: &AnalyzeOptions,
    warnings: &mut Vec<String>,
) -> (Vec<NodeSummary>, BTreeMap<Option<String>, Timeouts>) {
    let path = |i: usize| input_path(loaded, i);
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
                    origin: m.origin.to_string(),
                    path: path(s.input),
                    line: m.line,
                    rank: m.origin.rank(),
                });
            }
            if let Some(b) = &s.settings.buckets {
                let rank = b.origin.rank();
                if buckets.is_none_or(|(r, _)| rank < r) {
                    buckets = Some((rank, b));
                }
            }
            captured.extend(s.settings.timeouts.clone());
        }
        evidence.sort_by(|a, b| (a.rank, &a.path, a.line).cmp(&(b.rank, &b.path, b.line)));
        let limit = evidence.first().map(|e| e.value);
        // The kernel's boot-time default is expected to differ once kube-proxy
        // or an admin has set the limit; only disagreements among what was
        // set are worth a warning.
        if let Some(first) = evidence.first() {
            let disagreeing: Vec<String> = evidence
                .iter()
                .filter(|e| e.value != first.value && e.rank < 2)
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
        let timeouts = Timeouts::default()
            .with(&crate::facts::known_timeouts(&captured))
            .with(&opts.timeouts);
        let differing = timeouts.differing();
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
            cores: None,
        });
    }
    (nodes, node_timeouts)
}

/// One [`SnapshotSummary`] per snapshot, in node and time order: its
/// statistics (from the aggregates taken as it was read), fill against its node's limit, addresses and
/// workloads attributed; each node's peak is updated from it.
fn snapshot_summaries(
    loaded: &Loaded,
    opts: &AnalyzeOptions,
    directory: &attribution::Directory,
    nodes: &mut [NodeSummary],
    node_timeouts: &BTreeMap<Option<String>, Timeouts>,
    warnings: &mut Vec<String>,
) -> PolarsResult<Vec<SnapshotSummary>> {
    let path = |i: usize| input_path(loaded, i);
    let default_timeouts = Timeouts::default().with(&opts.timeouts);
    // Each snapshot was reduced to its aggregates as it was read; what is
    // left is naming and ageing them with the node's timeouts.
    let computed: Vec<PolarsResult<(SnapshotStats, flows::Flows)>> = loaded
        .snapshots
        .iter()
        .map(|s| {
            let t = node_timeouts.get(&s.node).unwrap_or(&default_timeouts);
            Ok((
                snapshot::summarize(&s.aggregates, t),
                flows::flows(&s.aggregates),
            ))
        })
        .collect();
    let mut snapshots = Vec::with_capacity(computed.len());
    for (s, computed) in loaded.snapshots.iter().zip(computed) {
        let (stats, flows) = computed?;
        let node = nodes.iter_mut().find(|n| n.node == s.node);
        let limit = node.as_ref().and_then(|n| n.limit);
        // A cut listing holds fewer entries than the table: no fill from it.
        let utilization = limit
            .filter(|_| !s.partial)
            .and_then(|l| ratio(stats.entries, l));
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
            if !s.partial && n.peak_entries.is_none_or(|p| stats.entries > p) {
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
            directory,
            s.captured_at,
            stats.entries,
            opts.top,
        );
        let top_destination_workloads = workload_rows(
            &stats.by_backend_state,
            directory,
            s.captured_at,
            stats.entries,
            opts.top,
        );
        let all_workloads = all_workloads(&stats.by_source_state, directory, s.captured_at);
        snapshots.push(SnapshotSummary {
            node: s.node.clone(),
            captured_at: s.captured_at,
            path: path(s.input),
            limit,
            utilization,
            partial: s.partial,
            stats,
            top_workloads,
            top_destination_workloads,
            all_workloads,
            dns: flows.dns,
            snat: flows.snat,
            unreplied_udp: flows.unreplied_udp,
            stale_udp: 0,
        });
    }
    snapshots
        .sort_by(|a, b| (&a.node, a.captured_at, &a.path).cmp(&(&b.node, b.captured_at, &b.path)));
    Ok(snapshots)
}

/// Counter captures turned into rows with rates per interval.
fn counter_rows(loaded: &Loaded, warnings: &mut Vec<String>) -> Vec<StatsRow> {
    let caps = loaded
        .stats
        .iter()
        .map(|s| stats::Captured {
            node: s.node.clone(),
            captured_at: s.captured_at,
            path: input_path(loaded, s.input),
            capture: &s.capture,
        })
        .collect();
    let (stats, stat_warnings) = stats::rows(caps);
    warnings.extend(stat_warnings);
    stats
}

/// What the logs and counters say about drops over time.
struct DropStage {
    drops: Drops,
    bursts: Vec<Burst>,
    recurrences: Vec<Recurrence>,
    symptoms: Vec<Symptom>,
    counter_checks: Vec<CounterCheck>,
    notes: Vec<String>,
}

/// Log events placed in time, drops bucketed into a timeline and bursts,
/// each burst set beside the counter interval that covers it, and the
/// bursts that recur at one time of day.
fn drop_stage(
    loaded: &Loaded,
    opts: &AnalyzeOptions,
    stats: &[StatsRow],
    nodes: &[NodeSummary],
    warnings: &mut Vec<String>,
) -> PolarsResult<DropStage> {
    let limit_of =
        |node: &Option<String>| nodes.iter().find(|n| &n.node == node).and_then(|n| n.limit);
    let (events, symptoms, notes, log_warnings) = log_events(loaded, &opts.clock);
    warnings.extend(log_warnings);
    let (drops, mut bursts) = drops::timeline(&events, &opts.drops)?;
    let counter_checks = drops::counter_checks(stats, &events, &limit_of, &opts.thresholds);
    drops::attach_checks(&mut bursts, &counter_checks);
    let recurrences = drops::recurrences(&bursts, &opts.drops);
    Ok(DropStage {
        drops,
        bursts,
        recurrences,
        symptoms,
        counter_checks,
        notes,
    })
}

/// How much inventory the inputs held.
fn inventory_counts(loaded: &Loaded, directory: &attribution::Directory) -> InventoryCounts {
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
    inventory
}

pub fn analyze(loaded: &Loaded, opts: &AnalyzeOptions) -> PolarsResult<Summary> {
    let mut warnings = Vec::new();
    let (mut nodes, node_timeouts) = node_limits(loaded, opts, &mut warnings);
    let directory = attribution::Directory::build(loaded.inventories.iter().map(|i| &i.inventory));
    for n in nodes.iter_mut() {
        n.cores = loaded
            .inventories
            .iter()
            .flat_map(|i| i.inventory.nodes.iter())
            .find(|x| Some(&x.name) == n.node.as_ref())
            .and_then(|x| x.cpu_millis)
            .map(|m| m.div_ceil(1000));
    }
    let mut snapshots = snapshot_summaries(
        loaded,
        opts,
        &directory,
        &mut nodes,
        &node_timeouts,
        &mut warnings,
    )?;
    let stats = counter_rows(loaded, &mut warnings);
    let DropStage {
        drops,
        mut bursts,
        recurrences,
        symptoms,
        counter_checks,
        mut notes,
    } = drop_stage(loaded, opts, &stats, &nodes, &mut warnings)?;
    // A node known only from its logs is a node too.
    let logged_nodes: Vec<Option<String>> = bursts
        .iter()
        .map(|b| b.node.clone())
        .chain(drops.time_unknown.iter().map(|u| u.node.clone()))
        .collect();
    for node in logged_nodes {
        if !nodes.iter().any(|n| n.node == node) {
            nodes.push(NodeSummary {
                node,
                limit: None,
                limit_evidence: Vec::new(),
                buckets: None,
                timeouts: BTreeMap::new(),
                snapshots: 0,
                peak_entries: None,
                peak_utilization: None,
                cores: None,
            });
        }
    }
    nodes.sort_by(|a, b| a.node.cmp(&b.node));

    // Stale UDP entries need the inventory's view at the capture time.
    for s in &mut snapshots {
        if let Some(at) = s.captured_at {
            s.stale_udp = causes::stale_udp_entries(s, at, &directory).0;
        }
    }
    // Partial views (filtered listings, cut captures) are reported, but no
    // share, trend, suspect or finding rests on them.
    let whole: Vec<SnapshotSummary> = snapshots.iter().filter(|s| !s.partial).cloned().collect();
    let trends = trends(&whole, &stats, &drops, opts.top)?;
    let socket_views = socket_views(loaded, &directory, &whole);
    let inventory = inventory_counts(loaded, &directory);
    name_suspects(&mut bursts, &whole, &trends, opts.drops.window_s)?;
    let diagnoses = causes::diagnose(&nodes, &whole, &stats, &directory, &opts.thresholds);

    let findings = findings::findings(&findings::Facts {
        nodes: &nodes,
        snapshots: &whole,
        drops: &drops,
        bursts: &bursts,
        recurrences: &recurrences,
        symptoms: &symptoms,
        checks: &counter_checks,
        stats: &stats,
        inventories: loaded.inventories.iter().map(|i| &i.inventory).collect(),
        has_logs: !loaded.logs.is_empty(),
        has_stats: !loaded.stats.is_empty(),
        diagnoses: &diagnoses,
        thresholds: &opts.thresholds,
    });
    notes.extend(loaded.identity_notes.iter().cloned());
    warnings.extend(loaded.identity_warnings.iter().cloned());

    Ok(Summary {
        schema: SCHEMA,
        generator: format!("ctsleuth {}", env!("CARGO_PKG_VERSION")),
        inputs: loaded.inputs.clone(),
        nodes,
        snapshots,
        stats,
        drops,
        bursts,
        recurrences,
        symptoms,
        findings,
        counter_checks,
        diagnoses,
        trends,
        inventory,
        socket_views,
        bundles: loaded.bundles.clone(),
        layout_warnings: loaded.layout_warnings.clone(),
        notes,
        warnings,
    })
}
