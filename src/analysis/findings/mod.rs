//! Findings: what the numbers mean for the postmortem, most severe first.
//!
//! Each finding carries its evidence (numbers and the inputs they came from)
//! and a recommendation. A finding never claims more than its inputs show:
//! when something is missing, the evidence says what, and what it would add.

mod causes;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::attribution::{AddrKind, Workload, workload_of};
use super::drops::{Burst, CounterCheck, Drops, Recurrence, Symptom, Verdict};
use super::{NodeSummary, SnapshotSummary, WorkloadRow};
use crate::facts::{self, BYTES_PER_ENTRY};
use crate::model::inventory::Inventory;
use crate::numbers::{fill as pct, rate as rate_text, thousands};

/// TIME_WAIT entries below which a workload's churn is not worth a finding
/// (120 of them is one close per second over the default 120 s).
const MIN_CHURN_TIME_WAIT: u64 = 120;
/// Entries below which a destination is not "hot", whatever its share.
const MIN_HOT_ENTRIES: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

/// One fact behind a finding, and where it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The node a per-node bullet speaks of and its measure, so that a
    /// finding about many nodes rolls its bullets into one.
    #[serde(skip)]
    pub per_node: Option<PerNode>,
    /// For a rolled-up bullet: every per-node bullet it stands for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Evidence>,
}

/// What a per-node bullet measures on its node.
#[derive(Debug, Clone, PartialEq)]
pub struct PerNode {
    pub node: String,
    /// A share (0–1) of the node's table.
    pub share: f64,
    /// What the share is of, read after the range: `of the table is UDP/53`.
    pub measure: &'static str,
}

/// Per-node bullets a finding shows one by one; beyond this many nodes they
/// are rolled into one bullet.
pub const MAX_NODE_BULLETS: usize = 4;

/// Nodes a rolled-up bullet names as the highest.
const NAMED_HIGHEST: usize = 3;

impl Evidence {
    /// Marks a bullet as speaking of one node's `share` of its table.
    fn on_node(mut self, node: &Option<String>, share: f64, measure: &'static str) -> Evidence {
        self.per_node = Some(PerNode {
            node: node_name(node).to_string(),
            share,
            measure,
        });
        self
    }
}

/// Rolls the per-node bullets of one measure into one when there are more
/// than [`MAX_NODE_BULLETS`]: `on 60 nodes, 15.2–16.9% of the table is
/// UDP/53 (highest: a, b, c)`; the bullets stay under it for summary.json.
fn roll_up(evidence: Vec<Evidence>) -> Vec<Evidence> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for e in &evidence {
        if let Some(p) = &e.per_node {
            *counts.entry(p.measure).or_default() += 1;
        }
    }
    let rolled: BTreeSet<&'static str> = counts
        .into_iter()
        .filter(|(_, n)| *n > MAX_NODE_BULLETS)
        .map(|(m, _)| m)
        .collect();
    if rolled.is_empty() {
        return evidence;
    }
    let mut out: Vec<Evidence> = Vec::new();
    let mut groups: BTreeMap<&'static str, Vec<Evidence>> = BTreeMap::new();
    for e in evidence {
        match e.per_node.as_ref().map(|p| p.measure) {
            Some(m) if rolled.contains(m) => {
                if !groups.contains_key(m) {
                    // The rolled bullet stands where the first one stood.
                    out.push(ev(m, []));
                }
                groups.entry(m).or_default().push(e);
            }
            _ => out.push(e),
        }
    }
    for slot in &mut out {
        let Some(group) = groups.remove(slot.text.as_str()) else {
            continue;
        };
        let measure = group[0].per_node.as_ref().map_or("", |p| p.measure);
        let mut by_share: Vec<&Evidence> = group.iter().collect();
        by_share.sort_by(|a, b| {
            let (sa, sb) = (
                a.per_node.as_ref().map_or(0.0, |p| p.share),
                b.per_node.as_ref().map_or(0.0, |p| p.share),
            );
            sb.total_cmp(&sa)
        });
        let share = |e: &Evidence| e.per_node.as_ref().map_or(0.0, |p| p.share);
        let hi = by_share.first().map_or(0.0, |e| share(e));
        let lo = by_share.last().map_or(0.0, |e| share(e));
        let highest: Vec<&str> = by_share
            .iter()
            .take(NAMED_HIGHEST)
            .filter_map(|e| e.per_node.as_ref().map(|p| p.node.as_str()))
            .collect();
        let range = if pct(lo) == pct(hi) {
            pct(hi)
        } else {
            format!("{}–{}", pct(lo).trim_end_matches('%'), pct(hi))
        };
        slot.text = format!(
            "on {} nodes, {range} {measure} (highest: {})",
            group.len(),
            highest.join(", ")
        );
        slot.sources = by_share
            .iter()
            .take(NAMED_HIGHEST)
            .flat_map(|e| e.sources.iter().cloned())
            .collect();
        slot.nodes = group;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub evidence: Vec<Evidence>,
    pub recommendation: String,
    /// What ranks findings of one severity: packets or flows affected per
    /// second, or entries held; not written out.
    #[serde(skip)]
    pub impact: f64,
}

/// What the findings are drawn from.
pub struct Facts<'a> {
    pub nodes: &'a [NodeSummary],
    pub snapshots: &'a [SnapshotSummary],
    pub drops: &'a Drops,
    pub bursts: &'a [Burst],
    pub recurrences: &'a [Recurrence],
    pub symptoms: &'a [Symptom],
    pub checks: &'a [CounterCheck],
    pub stats: &'a [super::StatsRow],
    pub inventories: Vec<&'a Inventory>,
    pub has_logs: bool,
    pub has_stats: bool,
    pub diagnoses: &'a [crate::analysis::causes::Diagnosis],
    pub thresholds: &'a crate::analysis::thresholds::Thresholds,
}

fn ev(text: impl Into<String>, sources: impl IntoIterator<Item = String>) -> Evidence {
    Evidence {
        text: text.into(),
        sources: sources.into_iter().collect(),
        per_node: None,
        nodes: Vec::new(),
    }
}

/// A share as a percentage, rounded down: a table one entry short of full
/// does not read 100 %.
/// `1 burst`, `2 bursts`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn node_name(n: &Option<String>) -> &str {
    n.as_deref().unwrap_or("(node unknown)")
}

/// The fullest snapshot of each node.
fn peak_snapshots(snapshots: &[SnapshotSummary]) -> BTreeMap<Option<String>, &SnapshotSummary> {
    let mut out: BTreeMap<Option<String>, &SnapshotSummary> = BTreeMap::new();
    for s in snapshots {
        let better = out
            .get(&s.node)
            .is_none_or(|b| s.stats.entries > b.stats.entries);
        if better {
            out.insert(s.node.clone(), s);
        }
    }
    out
}

fn workload_list(rows: &[WorkloadRow], min_share: f64) -> String {
    let parts: Vec<String> = rows
        .iter()
        .filter(|w| w.share >= min_share)
        .take(4)
        .map(|w| {
            format!(
                "{} {} ({} of the entries)",
                w.workload,
                thousands(w.entries),
                pct(w.share)
            )
        })
        .collect();
    if parts.is_empty() {
        "no workload above 10 %".into()
    } else {
        parts.join(", ")
    }
}

/// Draws every finding.
pub fn findings(f: &Facts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let peaks = peak_snapshots(f.snapshots);
    let have_inventory = f.inventories.iter().any(|i| !i.pods.is_empty());

    exhaustion(f, &peaks, have_inventory, &mut out);
    churn(&peaks, f.thresholds, &mut out);
    hot_destinations(f, &peaks, &mut out);
    outliers(&peaks, &mut out);
    causes::dns(f, &mut out);
    limits(f, &peaks, &mut out);
    causes::causes(f, &mut out);
    expectations(f, &mut out);
    for r in f.recurrences {
        let nodes: Vec<&str> = r.nodes.iter().map(node_name).collect();
        out.push(Finding {
            id: format!("recurring-{}", r.time_of_day.replace(':', "")),
            severity: Severity::Warning,
            title: format!("Drops recur daily around {} UTC", r.time_of_day),
            evidence: vec![ev(format!("{} on {}", r.description, nodes.join(", ")), [])],
            recommendation: format!(
                "Look for what runs every day at {} UTC (cron jobs, batch or backup windows, CDN or cache purges, client retries after a scheduled deploy) and take a conntrack -L snapshot during the next occurrence.",
                r.time_of_day
            ),
            impact: r.bursts as f64,
        });
    }
    causes::healthy(f, &mut out);
    missing_inputs(f, have_inventory, &mut out);
    for finding in &mut out {
        finding.evidence = roll_up(std::mem::take(&mut finding.evidence));
    }
    // Most severe first; within a severity, most impact first.
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| b.impact.total_cmp(&a.impact))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

fn exhaustion(
    f: &Facts<'_>,
    peaks: &BTreeMap<Option<String>, &SnapshotSummary>,
    have_inventory: bool,
    out: &mut Vec<Finding>,
) {
    for n in f.nodes {
        let bursts: Vec<&Burst> = f.bursts.iter().filter(|b| b.node == n.node).collect();
        let full = n.peak_utilization.is_some_and(|u| u >= f.thresholds.full);
        let counted: u64 = f
            .checks
            .iter()
            .filter(|c| c.node == n.node && c.verdict == Verdict::Exhaustion)
            .filter_map(|c| c.drop)
            .sum();
        // `table full` lines whose time could not be read still say so.
        let unplaced: u64 = f
            .drops
            .time_unknown
            .iter()
            .filter(|u| u.node == n.node)
            .map(|u| u.logged)
            .sum();
        if !full && bursts.is_empty() && counted == 0 && unplaced == 0 {
            continue;
        }
        let mut evidence = Vec::new();
        if let (Some(p), Some(limit)) = (peaks.get(&n.node), n.limit) {
            evidence.push(ev(
                format!(
                    "{} entries of {} at {} ({} full)",
                    thousands(p.stats.entries),
                    thousands(limit),
                    p.captured_at.map_or("an unknown time".into(), |t| t
                        .format("%Y-%m-%d %H:%M UTC")
                        .to_string()),
                    n.peak_utilization.map_or("?".into(), pct)
                ),
                [p.path.clone()],
            ));
            let label = if have_inventory {
                "workloads"
            } else {
                "source networks"
            };
            evidence.push(ev(
                format!("largest {label}: {}", workload_list(&p.top_workloads, 0.1)),
                [p.path.clone()],
            ));
        }
        if !bursts.is_empty() {
            let logged: u64 = bursts.iter().map(|b| b.logged).sum();
            let upper: u64 = bursts.iter().map(|b| b.upper_bound).sum();
            let when: Vec<String> = bursts
                .iter()
                .take(4)
                .filter_map(|b| {
                    b.start.map(|t| {
                        format!("{} ({} min)", t.format("%Y-%m-%d %H:%M"), b.duration_s / 60)
                    })
                })
                .collect();
            evidence.push(ev(
                format!(
                    "{} of `table full, dropping packet`: {} logged, ≤ {} with suppressed; {}",
                    plural(bursts.len(), "burst"),
                    thousands(logged),
                    thousands(upper),
                    when.join(", ")
                ),
                [],
            ));
        }
        if unplaced > 0 {
            evidence.push(ev(
                format!(
                    "{} `table full, dropping packet` lines whose time could not be read: counted, but in no burst",
                    thousands(unplaced)
                ),
                [],
            ));
        }
        if counted > 0 {
            evidence.push(ev(
                format!(
                    "the drop counter rose by {} between conntrack -S captures",
                    thousands(counted)
                ),
                [],
            ));
        }
        out.push(Finding {
            id: format!("exhaustion-{}", node_name(&n.node)),
            severity: Severity::Critical,
            // "Full" only when a snapshot or the log says so, "dropped"
            // only when the log or the drop counter does.
            title: if !bursts.is_empty() || unplaced > 0 || (full && counted > 0) {
                format!("Conntrack table of {} ran full and dropped packets", node_name(&n.node))
            } else if full {
                format!(
                    "Conntrack table of {} reached {} of its limit",
                    node_name(&n.node),
                    n.peak_utilization.map_or("?".into(), pct)
                )
            } else {
                format!(
                    "Conntrack on {} dropped {} packets (drop counter); no snapshot or log shows the table full",
                    node_name(&n.node),
                    thousands(counted)
                )
            },
            evidence,
            recommendation: "Stop what fills the table (see the churn and hot-destination findings), then give the node headroom (see the limit finding). New flows are dropped while the table is full: DNS lookups, health checks and new RPCs fail first.".into(),
            impact: (bursts.iter().map(|b| b.upper_bound).sum::<u64>() + unplaced).max(counted) as f64,
        });
    }
}

/// How serious a finding about who holds a table is, by how full it was:
/// below the notable fill, the largest holder of a small table is context.
fn by_fill(s: &SnapshotSummary, t: &crate::analysis::thresholds::Thresholds) -> Severity {
    match s.utilization {
        Some(u) if u >= t.full => Severity::Critical,
        Some(u) if u < t.notable_fill => Severity::Info,
        _ => Severity::Warning,
    }
}

fn churn(
    peaks: &BTreeMap<Option<String>, &SnapshotSummary>,
    t: &crate::analysis::thresholds::Thresholds,
    out: &mut Vec<Finding>,
) {
    // A workload counts as churning on its worst node.
    let mut worst: BTreeMap<&Workload, (&SnapshotSummary, &WorkloadRow, u64)> = BTreeMap::new();
    for s in peaks.values() {
        for w in &s.top_workloads {
            let tw = w.by_state.get("TIME_WAIT").copied().unwrap_or(0);
            // A churn that matters: at least ~1 close per second sustained.
            if tw < MIN_CHURN_TIME_WAIT || (tw as f64) < 0.5 * w.entries as f64 || w.share < 0.2 {
                continue;
            }
            let keep = worst.get(&w.workload).is_none_or(|(_, _, t)| tw > *t);
            if keep {
                worst.insert(&w.workload, (s, w, tw));
            }
        }
    }
    for (name, (s, w, tw)) in worst {
        let window = s.stats.close_history.window_s.max(1);
        // A part never exceeds its whole: the node's close rate counts
        // every closing state, this only the workload's TIME_WAIT.
        let raw = tw as f64 / f64::from(window);
        let node_rate = s.stats.close_rate_per_s;
        let rate = node_rate.map_or(raw, |n| raw.min(n));
        // Where it holds over a fifth of the table, with its share there.
        let held: Vec<(&Option<String>, f64, &str)> = peaks
            .values()
            .filter_map(|p| {
                p.top_workloads
                    .iter()
                    .find(|x| &x.workload == name && x.share >= 0.2)
                    .map(|x| (&p.node, x.share, p.path.as_str()))
            })
            .collect();
        let held_evidence: Vec<Evidence> = if held.len() > MAX_NODE_BULLETS {
            held.iter()
                .map(|(node, share, path)| {
                    ev(
                        format!("holds {} of the table on {}", pct(*share), node_name(node)),
                        [path.to_string()],
                    )
                    .on_node(node, *share, "of the table held by it")
                })
                .collect()
        } else {
            let nodes: Vec<String> = held
                .iter()
                .map(|(node, share, _)| {
                    format!("{} ({} of its table)", node_name(node), pct(*share))
                })
                .collect();
            vec![ev(
                format!("holds over 20 % of the table on {}", nodes.join(", ")),
                [],
            )]
        };
        out.push(Finding {
            id: format!("churn-{name}"),
            severity: by_fill(s, t),
            title: format!(
                "{name} {} connections at ~{}/s; each lingers {window} s in TIME_WAIT",
                if name.is_owner() { "opens and closes" } else { "open and close" },
                rate_text(rate)
            ),
            evidence: vec![
                ev(
                    format!(
                        "{} of its {} entries on {} are TIME_WAIT; the workload holds {} of the node's {} entries",
                        thousands(tw),
                        thousands(w.entries),
                        node_name(&s.node),
                        pct(w.share),
                        thousands(s.stats.entries)
                    ),
                    [s.path.clone()],
                ),
                ev(
                    format!(
                        "TIME_WAIT / {window} s ≈ {} closes per second from this workload over the last {window} s; the node closes {}/s in all",
                        rate_text(rate),
                        node_rate.map_or("?".into(), rate_text)
                    ),
                    [],
                ),
            ]
            .into_iter()
            .chain(held_evidence)
            .collect(),
            recommendation: if name.is_owner() {
                format!(
                    "Make {name} reuse connections (connection pooling, HTTP keep-alive, HTTP/2 or gRPC multiplexing) and find what drives its request rate (retries, a misconfigured upstream, a traffic surge)."
                )
            } else {
                format!(
                    "Find the workload behind {name}: add the Kubernetes inventory (`kubectl get pods -A -o json`, nodes and services) to name it. Then make it reuse connections (connection pooling, HTTP keep-alive, HTTP/2 or gRPC multiplexing) and find what drives its request rate."
                )
            },
            impact: rate,
        });
    }
}

fn hot_destinations(
    f: &Facts<'_>,
    peaks: &BTreeMap<Option<String>, &SnapshotSummary>,
    out: &mut Vec<Finding>,
) {
    // Destination workloads that answer a large share of some node's table.
    let mut hot: BTreeMap<&Workload, Vec<(&SnapshotSummary, &WorkloadRow)>> = BTreeMap::new();
    for s in peaks.values() {
        for w in &s.top_destination_workloads {
            if w.share >= 0.3
                && w.entries >= MIN_HOT_ENTRIES
                && w.workload.addr_kind() == AddrKind::Pod
            {
                hot.entry(&w.workload).or_default().push((s, w));
            }
        }
    }
    for (name, seen) in hot {
        let mut evidence: Vec<Evidence> = seen
            .iter()
            .map(|(s, w)| {
                ev(
                    format!(
                        "{} entries on {} are answered by {} ({} of the node's entries, {} of its pods seen)",
                        thousands(w.entries),
                        node_name(&s.node),
                        name,
                        pct(w.share),
                        w.addresses
                    ),
                    [s.path.clone()],
                )
                .on_node(&s.node, w.share, "of the table is answered by it")
            })
            .collect();
        // Replicas per node from the inventory.
        let mut per_node: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for inv in &f.inventories {
            for p in &inv.pods {
                if p.deleted.is_some() {
                    continue;
                }
                if workload_of(p) == *name {
                    if let Some(node) = &p.node {
                        per_node
                            .entry(node.clone())
                            .or_default()
                            .insert(p.name.clone());
                    }
                }
            }
        }
        let collocated: Vec<String> = per_node
            .iter()
            .filter(|(_, pods)| pods.len() >= 2)
            .map(|(node, pods)| format!("{} on {node}", pods.len()))
            .collect();
        let replicas: usize = per_node.values().map(BTreeSet::len).sum();
        let recommendation = if collocated.is_empty() {
            format!(
                "{name} concentrates connections on the nodes that run it: spread it over more nodes and replicas, or let clients reuse connections to it."
            )
        } else {
            evidence.push(ev(
                format!("{replicas} replicas on {} nodes: {} — collocated replicas put their connections into one node's table", per_node.len(), collocated.join(", ")),
                [],
            ));
            format!(
                "Spread {name}: add pod anti-affinity (or topology spread constraints) so no two replicas share a node, and run more replicas so each node's share of connections shrinks."
            )
        };
        let id_kind = if collocated.is_empty() {
            "hot-destination"
        } else {
            "collocation"
        };
        // As serious as the fullest table it shows up in.
        let severity = seen
            .iter()
            .map(|(s, _)| by_fill(s, f.thresholds))
            .min()
            .unwrap_or(Severity::Info)
            .max(Severity::Warning);
        let entries: u64 = seen.iter().map(|(_, w)| w.entries).sum();
        out.push(Finding {
            id: format!("{id_kind}-{name}"),
            severity,
            title: if collocated.is_empty() {
                format!("{name} receives a large share of its nodes' connections")
            } else {
                format!("{name} replicas share nodes and concentrate connections there")
            },
            evidence,
            recommendation,
            impact: entries as f64,
        });
    }
}

fn outliers(peaks: &BTreeMap<Option<String>, &SnapshotSummary>, out: &mut Vec<Finding>) {
    // Machines are compared with machines: a pod's network namespace has a
    // table of its own, far smaller by nature.
    let peaks: BTreeMap<Option<String>, &SnapshotSummary> = peaks
        .iter()
        .filter(|(n, _)| {
            n.as_deref()
                .is_none_or(|n| crate::pipeline::identity::netns(n).is_none())
        })
        .map(|(n, s)| (n.clone(), *s))
        .collect();
    if peaks.len() < 3 {
        return;
    }
    let mut entries: Vec<u64> = peaks.values().map(|s| s.stats.entries).collect();
    entries.sort_unstable();
    // The lower median: with half the nodes hot, the typical node is the quiet half.
    let median = entries[(entries.len() - 1) / 2].max(1);
    let hot: Vec<&&SnapshotSummary> = peaks
        .values()
        .filter(|s| s.stats.entries >= 3 * median)
        .collect();
    if hot.is_empty() {
        return;
    }
    // What the outliers have in common: destination workloads on all of them.
    let mut common: Option<BTreeSet<&Workload>> = None;
    for s in &hot {
        let here: BTreeSet<&Workload> = s
            .top_destination_workloads
            .iter()
            .filter(|w| w.share >= 0.1 && w.workload.addr_kind() == AddrKind::Pod)
            .map(|w| &w.workload)
            .collect();
        common = Some(match common {
            None => here,
            Some(c) => c.intersection(&here).cloned().collect(),
        });
    }
    let mut by_size = hot.clone();
    by_size.sort_by_key(|s| std::cmp::Reverse(s.stats.entries));
    let named = |list: &[&&SnapshotSummary]| -> Vec<String> {
        list.iter()
            .map(|s| format!("{} ({})", node_name(&s.node), thousands(s.stats.entries)))
            .collect()
    };
    let mut evidence = vec![if hot.len() > MAX_NODE_BULLETS {
        // The biggest few by name; every one under the bullet.
        let mut e = ev(
            format!(
                "median node: {} entries; outliers at 3× or more: {} nodes, the largest {}",
                thousands(median),
                hot.len(),
                named(&by_size[..NAMED_HIGHEST]).join(", ")
            ),
            by_size[..NAMED_HIGHEST].iter().map(|s| s.path.clone()),
        );
        e.nodes = by_size
            .iter()
            .map(|s| {
                ev(
                    format!(
                        "{} entries on {}",
                        thousands(s.stats.entries),
                        node_name(&s.node)
                    ),
                    [s.path.clone()],
                )
            })
            .collect();
        e
    } else {
        ev(
            format!(
                "median node: {} entries; outliers at 3× or more: {}",
                thousands(median),
                named(&by_size).join(", ")
            ),
            by_size.iter().map(|s| s.path.clone()),
        )
    }];
    let shared = common.unwrap_or_default();
    if !shared.is_empty() {
        evidence.push(ev(
            format!(
                "all of them answer much of their traffic from {}",
                shared
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            [],
        ));
    }
    out.push(Finding {
        id: "outlier-nodes".into(),
        severity: Severity::Warning,
        title: format!("{} of {} nodes hold far more entries than the rest", hot.len(), peaks.len()),
        evidence,
        recommendation: "What the outlier nodes share is where to look first: a proxy or gateway workload pinned to them, or replicas collocated by the scheduler.".into(),
        impact: hot.iter().map(|s| s.stats.entries).sum::<u64>() as f64,
    });
}

fn limits(
    f: &Facts<'_>,
    peaks: &BTreeMap<Option<String>, &SnapshotSummary>,
    out: &mut Vec<Finding>,
) {
    for n in f.nodes {
        let (Some(limit), Some(peak)) = (n.limit, peaks.get(&n.node)) else {
            continue;
        };
        let node = f
            .inventories
            .iter()
            .flat_map(|i| i.nodes.iter())
            .find(|x| Some(&x.name) == n.node.as_ref());
        let peak_entries = peak.stats.entries;
        // The limit that keeps the observed peak under 75 %, rounded up to 64 Ki.
        let wanted = (peak_entries * 4).div_ceil(3).div_ceil(65_536) * 65_536;
        let mut evidence = vec![ev(
            format!(
                "limit {} ({}); peak {} entries = {}",
                thousands(limit),
                n.limit_evidence
                    .first()
                    .map_or("?".into(), |e| e.origin.clone()),
                thousands(peak_entries),
                pct(peak_entries as f64 / limit.max(1) as f64)
            ),
            n.limit_evidence
                .first()
                .map(|e| format!("{}:{}", e.path, e.line)),
        )];
        match node.and_then(|x| x.cpu_millis) {
            Some(millis) => {
                let cores = millis.div_ceil(1000);
                evidence.push(ev(
                    format!(
                        "kube-proxy would set max({} × {cores} cores, {}) = {}",
                        thousands(facts::KUBE_PROXY_MAX_PER_CORE),
                        thousands(facts::KUBE_PROXY_MIN),
                        thousands(facts::kube_proxy_max(cores))
                    ),
                    [],
                ));
            }
            None => evidence.push(ev(
                "node cores unknown: add `kubectl get nodes -o json` to compare with kube-proxy's formula",
                [],
            )),
        }
        if let Some(mem) = node.and_then(|x| x.memory_bytes) {
            let kernel = facts::kernel_default_max(mem);
            evidence.push(ev(
                format!(
                    "the kernel's default for {} of RAM would be {}",
                    if mem >= 1 << 30 {
                        format!("{} GiB", mem >> 30)
                    } else {
                        format!("{} MiB", mem >> 20)
                    },
                    thousands(kernel)
                ),
                [],
            ));
        }
        let over = peak_entries as f64 > 0.75 * limit as f64;
        if !over {
            continue;
        }
        evidence.push(ev(
            format!(
                "a limit of {} keeps this peak under 75 %, at about {} MiB of kernel memory ({} B per entry)",
                thousands(wanted),
                (wanted * BYTES_PER_ENTRY) >> 20,
                BYTES_PER_ENTRY
            ),
            [],
        ));
        out.push(Finding {
            id: format!("limit-{}", node_name(&n.node)),
            severity: Severity::Warning,
            title: format!("{} has no headroom at its peak", node_name(&n.node)),
            evidence,
            recommendation: format!(
                "After fixing the cause, raise nf_conntrack_max to {} (kube-proxy: --conntrack-min, or --conntrack-max-per-core × cores) and the hash size to a quarter of it; a larger table only buys time if connections keep churning.",
                thousands(wanted)
            ),
            impact: peak_entries as f64,
        });
    }
}

/// A helper's expectation table, from the logs.
fn expectations(f: &Facts<'_>, out: &mut Vec<Finding>) {
    if f.drops.expectation_full > 0 {
        out.push(Finding {
            id: "expectation-table-full".into(),
            severity: Severity::Warning,
            title: "A conntrack helper ran out of expectations".into(),
            evidence: vec![ev(format!("{} `expectation table full` lines in the logs", thousands(f.drops.expectation_full)), [])],
            recommendation: "This is the helpers' table (FTP, SIP, ...), not the main one: raise nf_conntrack_expect_max or turn off the helper that is not needed.".into(),
            impact: f.drops.expectation_full as f64,
        });
    }
}

fn missing_inputs(f: &Facts<'_>, have_inventory: bool, out: &mut Vec<Finding>) {
    let mut missing = Vec::new();
    if !have_inventory && !f.snapshots.is_empty() {
        missing.push(ev("no Kubernetes inventory: addresses are not named as pods and workloads (add `kubectl get pods -A -o json`, nodes and services)", []));
    }
    if f.snapshots.is_empty() {
        missing.push(ev("no conntrack -L snapshot: nothing shows what filled the table (capture `conntrack -L` on the node during a burst)", []));
    }
    if !f.has_logs {
        missing.push(ev("no kernel log: drops and their times are unknown (add `journalctl -k`, `dmesg -T` or the serial console)", []));
    }
    if !f.has_stats {
        missing.push(ev("no conntrack -S captures: drop counters cannot confirm the logs (capture `conntrack -S` twice, a minute apart)", []));
    }
    let unmatched = f.bursts.iter().filter(|b| b.snapshot.is_none()).count();
    if unmatched > 0 {
        missing.push(ev(
            format!("{} no snapshot of their node nearby: their culprits are inferred from other times, if at all", if unmatched == 1 { "1 burst has".to_string() } else { format!("{unmatched} bursts have") }),
            [],
        ));
    }
    if missing.is_empty() {
        return;
    }
    out.push(Finding {
        id: "missing-inputs".into(),
        severity: Severity::Info,
        title: "What the inputs cannot show".into(),
        evidence: missing,
        recommendation:
            "Capture the missing inputs during the next occurrence to confirm the findings.".into(),
        impact: 0.0,
    });
}
