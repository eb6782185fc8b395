//! `ctsleuth check`: the analysis, judged against a policy, for CI gates on
//! snapshots taken after a load test or a canary. Every rule is evaluated
//! per node (and per snapshot where it has one); the worst result of a
//! rule on a node is its verdict.

pub mod baseline;
pub mod output;
pub mod policy;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{SnapshotSummary, Summary};
use crate::facts;
use crate::numbers::thousands;
use baseline::Baseline;
use policy::{OnBreach, Policy, Threshold};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
}

/// The rules `check` evaluates, named in policies and reports by
/// [`Rule::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    Utilization,
    Drops,
    WorkloadShare,
    CloseRate,
    UnrepliedShare,
    InsertFailedRate,
    EarlyDropRate,
    ChaintoolongRate,
    InvalidRate,
    StaleUdpEntries,
    SnatPortShare,
    LimitBelowKubeProxy,
    BaselineNodePeak,
    BaselineWorkloadPeak,
}

impl Rule {
    /// The rules judged on every node (the baseline ones need a baseline).
    pub const PER_NODE: [Rule; 12] = [
        Rule::Utilization,
        Rule::Drops,
        Rule::WorkloadShare,
        Rule::CloseRate,
        Rule::UnrepliedShare,
        Rule::InsertFailedRate,
        Rule::EarlyDropRate,
        Rule::ChaintoolongRate,
        Rule::InvalidRate,
        Rule::StaleUdpEntries,
        Rule::SnatPortShare,
        Rule::LimitBelowKubeProxy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Utilization => "utilization",
            Rule::Drops => "drops",
            Rule::WorkloadShare => "workload_share",
            Rule::CloseRate => "close_rate",
            Rule::UnrepliedShare => "unreplied_share",
            Rule::InsertFailedRate => "insert_failed_rate",
            Rule::EarlyDropRate => "early_drop_rate",
            Rule::ChaintoolongRate => "chaintoolong_rate",
            Rule::InvalidRate => "invalid_rate",
            Rule::StaleUdpEntries => "stale_udp_entries",
            Rule::SnatPortShare => "snat_port_share",
            Rule::LimitBelowKubeProxy => "limit_below_kube_proxy",
            Rule::BaselineNodePeak => "baseline_node_peak",
            Rule::BaselineWorkloadPeak => "baseline_workload_peak",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One rule on one node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule: Rule,
    pub node: Option<String>,
    pub status: Status,
    /// The measured value that decided it (largest over snapshots).
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// What was measured, with numbers and the inputs.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub schema: &'static str,
    pub status: Status,
    pub results: Vec<RuleResult>,
}

fn judge(value: f64, t: &Threshold) -> Status {
    if !t.enabled {
        return Status::Skip;
    }
    if t.fail.is_some_and(|f| value > f) {
        return match t.severity {
            OnBreach::Fail => Status::Fail,
            OnBreach::Warn => Status::Warn,
        };
    }
    if t.warn.is_some_and(|w| value > w) {
        return Status::Warn;
    }
    Status::Pass
}

use crate::numbers::fill as pct;

struct Acc {
    status: Status,
    value: Option<f64>,
    threshold: Option<f64>,
    evidence: Vec<String>,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            status: Status::Pass,
            value: None,
            threshold: None,
            evidence: Vec::new(),
        }
    }
    /// Judges `value` against `t`, keeping the threshold it is shown with:
    /// the one it crossed (a warning shows the warn threshold), else the
    /// nearest one.
    fn judged(&mut self, value: f64, t: &Threshold, evidence: String) {
        let status = judge(value, t);
        let shown = match status {
            Status::Warn if t.fail.is_none_or(|f| value <= f) => t.warn,
            Status::Fail | Status::Warn => t.fail,
            _ => t.warn.or(t.fail),
        };
        self.add(status, value, shown, evidence);
    }

    fn add(&mut self, status: Status, value: f64, threshold: Option<f64>, evidence: String) {
        // A measurement the policy turned off counts for nothing; a rule with
        // no counted measurement ends up skipped.
        if status == Status::Skip {
            return;
        }
        if status >= Status::Warn {
            self.evidence.push(evidence);
        }
        if self.value.is_none_or(|v| value > v) {
            self.value = Some(value);
        }
        if status > self.status || self.threshold.is_none() {
            self.threshold = threshold;
        }
        self.status = self.status.max(status);
    }
}

/// Each rule's results, per rule and node.
type Accs = BTreeMap<(Rule, Option<String>), Acc>;

/// Where a snapshot's numbers come from, for evidence lines.
fn at(s: &SnapshotSummary) -> String {
    format!(
        "{} ({})",
        s.path,
        s.captured_at
            .map_or("time unknown".into(), |t| t.to_rfc3339())
    )
}

/// Evaluates every rule of `policy` on `summary`.
pub fn evaluate(summary: &Summary, policy: &Policy, previous: Option<&Baseline>) -> CheckReport {
    let mut per: Accs = BTreeMap::new();
    let mut nodes: Vec<Option<String>> = summary.nodes.iter().map(|n| n.node.clone()).collect();
    for s in &summary.snapshots {
        if !nodes.contains(&s.node) {
            nodes.push(s.node.clone());
        }
    }
    for n in &nodes {
        for rule in Rule::PER_NODE {
            per.insert((rule, n.clone()), Acc::new());
        }
    }
    for s in &summary.snapshots {
        utilization(s, policy, &mut per);
        workload_share(s, policy, &mut per);
        close_rate(s, policy, &mut per);
        unreplied_share(s, policy, &mut per);
    }
    drops(summary, policy, &nodes, &mut per);
    let r = &policy.rules;
    for (rule, counter, t) in [
        (
            Rule::InsertFailedRate,
            "insert_failed",
            &r.insert_failed_rate,
        ),
        (Rule::EarlyDropRate, "early_drop", &r.early_drop_rate),
        (Rule::ChaintoolongRate, "chaintoolong", &r.chaintoolong_rate),
        (Rule::InvalidRate, "invalid", &r.invalid_rate),
    ] {
        counter_rate(summary, rule, counter, t, &mut per);
    }
    stale_udp_entries(summary, policy, &mut per);
    snat_port_share(summary, policy, &mut per);
    limit_below_kube_proxy(summary, policy, &mut per);
    // A rule with nothing to measure on a node is skipped, not passed.
    for ((rule, _), acc) in per.iter_mut() {
        if acc.value.is_none() && acc.status == Status::Pass && *rule != Rule::Drops {
            acc.status = Status::Skip;
            if acc.evidence.is_empty() {
                acc.evidence
                    .push("nothing to measure in these inputs".into());
            }
        }
    }
    let mut results: Vec<RuleResult> = per
        .into_iter()
        .map(|((rule, node), a)| RuleResult {
            rule,
            node,
            status: a.status,
            value: a.value,
            threshold: a.threshold,
            evidence: a.evidence,
        })
        .collect();
    if let Some(prev) = previous {
        results.extend(baseline(summary, prev, policy));
    }
    let status = results
        .iter()
        .map(|r| r.status)
        .filter(|s| *s != Status::Skip)
        .max()
        .unwrap_or(Status::Pass);
    CheckReport {
        schema: "ctsleuth.check/v1",
        status,
        results,
    }
}

/// How full each snapshot's table was.
fn utilization(s: &SnapshotSummary, policy: &Policy, per: &mut Accs) {
    let r = &policy.rules;
    let node = s.node.clone();
    let acc = per
        .entry((Rule::Utilization, node.clone()))
        .or_insert_with(Acc::new);
    match s.utilization {
        Some(u) => acc.judged(
            u,
            &r.utilization,
            format!(
                "{} full: {} of {} entries at {}",
                crate::numbers::fill(u),
                s.stats.entries,
                s.limit.unwrap_or(0),
                at(s)
            ),
        ),
        None if acc.value.is_none() => {
            acc.status = acc.status.max(Status::Skip);
            acc.evidence
                .push("the limit is unknown: capture sysctl net.netfilter.nf_conntrack_max".into());
        }
        None => {}
    }
}

/// The largest workloads' (or sources') share of each table.
fn workload_share(s: &SnapshotSummary, policy: &Policy, per: &mut Accs) {
    let r = &policy.rules;
    let node = s.node.clone();
    let acc = per
        .entry((Rule::WorkloadShare, node.clone()))
        .or_insert_with(Acc::new);
    let big_enough = s.stats.entries >= r.workload_share.min_entries;
    for w in s.top_workloads.iter().take(5).filter(|_| big_enough) {
        let (enabled, warn, fail) = policy.share_for(&w.workload);
        let t = Threshold {
            enabled: enabled && r.workload_share.enabled,
            warn,
            fail,
            ..r.workload_share
        };
        acc.judged(
            w.share,
            &t,
            format!(
                "{} holds {} of the table ({} entries) at {}",
                w.workload,
                pct(w.share),
                w.entries,
                at(s)
            ),
        );
    }
}

/// Connections closed per second, from the closing entries' ages.
fn close_rate(s: &SnapshotSummary, policy: &Policy, per: &mut Accs) {
    let r = &policy.rules;
    let node = s.node.clone();
    if let Some(rate) = s.stats.close_rate_per_s {
        let acc = per
            .entry((Rule::CloseRate, node.clone()))
            .or_insert_with(Acc::new);
        acc.judged(
            rate,
            &r.close_rate,
            format!("{rate:.0} connections closed per second at {}", at(s)),
        );
    }
}

/// The share of UNREPLIED or SYN_SENT entries.
fn unreplied_share(s: &SnapshotSummary, policy: &Policy, per: &mut Accs) {
    let r = &policy.rules;
    let node = s.node.clone();
    let total = s.stats.entries.max(1) as f64;
    let share = s.stats.unreplied.max(s.stats.syn_sent) as f64 / total;
    let acc = per
        .entry((Rule::UnrepliedShare, node.clone()))
        .or_insert_with(Acc::new);
    acc.judged(
        share,
        &r.unreplied_share,
        format!(
            "{} UNREPLIED, {} SYN_SENT of {} entries ({}) at {}",
            s.stats.unreplied,
            s.stats.syn_sent,
            s.stats.entries,
            pct(share),
            at(s)
        ),
    );
}

/// Drops: logged lines, or counters rising.
fn drops(summary: &Summary, policy: &Policy, nodes: &[Option<String>], per: &mut Accs) {
    let r = &policy.rules;
    for n in nodes {
        let acc = per.entry((Rule::Drops, n.clone())).or_insert_with(Acc::new);
        if !r.drops.enabled {
            acc.status = Status::Skip;
            continue;
        }
        let breach = match r.drops.severity {
            OnBreach::Fail => Status::Fail,
            OnBreach::Warn => Status::Warn,
        };
        let logged: u64 = summary
            .drops
            .per_node
            .iter()
            .filter(|d| &d.node == n)
            .map(|d| d.logged)
            .sum();
        if logged > 0 {
            let upper: u64 = summary
                .drops
                .per_node
                .iter()
                .filter(|d| &d.node == n)
                .map(|d| d.upper_bound)
                .sum();
            acc.add(breach, logged as f64, Some(0.0), format!("{logged} `table full, dropping packet` lines logged (≤ {upper} with suppressed)"));
        }
        for c in summary.counter_checks.iter().filter(|c| &c.node == n) {
            let rose = c.drop.unwrap_or(0) + c.early_drop.unwrap_or(0);
            if rose > 0 {
                acc.add(
                    breach,
                    rose as f64,
                    Some(0.0),
                    format!(
                        "drop +{} and early_drop +{} between {} and {}",
                        c.drop.unwrap_or(0),
                        c.early_drop.unwrap_or(0),
                        c.from.to_rfc3339(),
                        c.to.to_rfc3339()
                    ),
                );
            }
        }
    }
}

/// `insert_failed` per second between counter captures.
fn counter_rate(summary: &Summary, rule: Rule, counter: &str, t: &Threshold, per: &mut Accs) {
    for st in &summary.stats {
        let Some(rates) = st.rates.as_ref() else {
            continue;
        };
        let rate = rates.per_s.get(counter).copied().unwrap_or(0.0);
        let acc = per.entry((rule, st.node.clone())).or_insert_with(Acc::new);
        acc.judged(
            rate,
            t,
            format!(
                "{counter} {}/s from {} to {} ({})",
                crate::numbers::rate(rate),
                rates.since.format("%H:%M:%S"),
                st.captured_at
                    .map_or("?".into(), |t| t.format("%H:%M:%S UTC").to_string()),
                st.path
            ),
        );
    }
}

/// Unreplied UDP entries pointing at backends that are gone, per snapshot
/// (measured by the analysis when above its threshold, 0 otherwise).
fn stale_udp_entries(summary: &Summary, policy: &Policy, per: &mut Accs) {
    let t = &policy.rules.stale_udp_entries;
    for s in summary
        .snapshots
        .iter()
        .filter(|s| !s.partial && s.captured_at.is_some())
    {
        // Measured on every snapshot, below the diagnosis's threshold too.
        let stale = s.stale_udp as f64;
        let acc = per
            .entry((Rule::StaleUdpEntries, s.node.clone()))
            .or_insert_with(Acc::new);
        acc.judged(
            stale,
            t,
            format!(
                "{stale:.0} unreplied UDP entries to backends that are gone ({})",
                s.path
            ),
        );
    }
}

/// The largest share of source ports masquerading used towards one
/// destination, per snapshot.
fn snat_port_share(summary: &Summary, policy: &Policy, per: &mut Accs) {
    let t = &policy.rules.snat_port_share;
    for s in summary.snapshots.iter().filter(|s| !s.partial) {
        let Some(top) = s.snat.first() else {
            // No masqueraded entry: nothing used, nothing at risk.
            per.entry((Rule::SnatPortShare, s.node.clone()))
                .or_insert_with(Acc::new)
                .judged(0.0, t, String::new());
            continue;
        };
        let acc = per
            .entry((Rule::SnatPortShare, s.node.clone()))
            .or_insert_with(Acc::new);
        acc.judged(
            top.share,
            t,
            format!(
                "{} of the source ports from {} to {}:{} in use ({})",
                pct(top.share),
                top.snat_address,
                top.destination,
                top.port,
                s.path
            ),
        );
    }
}

/// The limit against kube-proxy's formula.
fn limit_below_kube_proxy(summary: &Summary, policy: &Policy, per: &mut Accs) {
    let r = &policy.rules;
    for n in &summary.nodes {
        let acc = per
            .entry((Rule::LimitBelowKubeProxy, n.node.clone()))
            .or_insert_with(Acc::new);
        if !r.limit_below_kube_proxy.enabled {
            acc.status = Status::Skip;
            continue;
        }
        match (n.limit, n.cores) {
            (Some(limit), Some(cores)) => {
                let want = facts::kube_proxy_max(cores);
                if limit < want {
                    let s = match r.limit_below_kube_proxy.severity {
                        OnBreach::Fail => Status::Fail,
                        OnBreach::Warn => Status::Warn,
                    };
                    acc.add(s, limit as f64, Some(want as f64), format!("nf_conntrack_max {limit} is below kube-proxy's max({} × {cores} cores, {}) = {want}", facts::KUBE_PROXY_MAX_PER_CORE, facts::KUBE_PROXY_MIN));
                } else {
                    acc.add(Status::Pass, limit as f64, Some(want as f64), String::new());
                }
            }
            _ => {
                acc.status = acc.status.max(Status::Skip);
                acc.evidence.push(
                    "limit or cores unknown (capture sysctl and kubectl get nodes -o json)".into(),
                );
            }
        }
    }
}

/// Compares with an earlier `summary.json`: node peaks and workload peaks
/// that grew by more than the policy allows fail. Tables too small to
/// matter (under `min_fill` of their limit, or under `min_node_entries`
/// when the limit is unknown) are skipped with the reason, not judged.
fn baseline(summary: &Summary, previous: &Baseline, policy: &Policy) -> Vec<RuleResult> {
    let b = &policy.baseline;
    let mut out = Vec::new();
    let prev_nodes = previous.node_peaks();
    let prev_w = previous.workload_peaks();
    let now_w = baseline::workload_peaks_of(summary);
    let grew = |before: u64, after: u64| {
        before > 0 && (after as f64) > (before as f64) * (1.0 + b.max_growth)
    };
    for n in &summary.nodes {
        let now = n.peak_entries.unwrap_or(0);
        let Some(&before) = prev_nodes.get(&n.node) else {
            continue;
        };
        let growth = if before > 0 {
            now as f64 / before as f64 - 1.0
        } else {
            0.0
        };
        let mut evidence = vec![format!(
            "peak entries {} → {} ({:+.1}%)",
            thousands(before),
            thousands(now),
            growth * 100.0
        )];
        let small = match n.limit {
            Some(limit) if limit > 0 => {
                let fill = now.max(before) as f64 / limit as f64;
                (fill < b.min_fill).then(|| {
                    // The node's own numbers beside its growth; the reason
                    // in words every small node shares.
                    evidence[0].push_str(&format!(
                        ", {} of the limit {}",
                        crate::numbers::percent(now.max(before), limit),
                        thousands(limit)
                    ));
                    format!(
                        "tables under {} of their limit are too small to compare",
                        crate::numbers::fill(b.min_fill)
                    )
                })
            }
            _ => (now.max(before) < b.min_node_entries).then(|| {
                format!(
                    "tables under {} entries, whose limit is unknown, are too small to compare",
                    thousands(b.min_node_entries)
                )
            }),
        };
        let status = match small {
            Some(why) => {
                evidence.push(why);
                Status::Skip
            }
            None if grew(before, now) => Status::Fail,
            None => Status::Pass,
        };
        out.push(RuleResult {
            rule: Rule::BaselineNodePeak,
            node: n.node.clone(),
            status,
            value: Some(growth),
            threshold: Some(b.max_growth),
            evidence,
        });
    }
    for ((node, w), now) in &now_w {
        let before = prev_w.get(&(node.clone(), w.clone())).copied().unwrap_or(0);
        if before.max(*now) < b.min_entries || before == 0 {
            continue;
        }
        if grew(before, *now) {
            out.push(RuleResult {
                rule: Rule::BaselineWorkloadPeak,
                node: node.clone(),
                status: Status::Fail,
                value: Some(*now as f64 / before as f64 - 1.0),
                threshold: Some(b.max_growth),
                evidence: vec![format!(
                    "{w}: peak entries {} → {}",
                    thousands(before),
                    thousands(*now)
                )],
            });
        }
    }
    out
}
