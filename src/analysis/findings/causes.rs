//! Findings of the causes that are not a full table, of DNS failures set
//! beside whichever cause the same node showed at the same time, and the
//! finding that says the tables were healthy when that is what the
//! evidence says.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Facts, Finding, Severity, ev, node_name};
use crate::analysis::causes::{Cause, Diagnosis, Fill};
use crate::numbers::{fill as pct, rate, thousands};

/// `during the interval`, `40 s before it`, `12 min after it`.
fn distance(fill: &Fill, from: DateTime<Utc>) -> String {
    let d = fill.distance_s;
    if d == 0 {
        return "taken inside the interval".into();
    }
    let side = if fill.at < from { "before" } else { "after" };
    if d < 120 {
        format!("{d} s {side} it")
    } else {
        format!("{} min {side} it", d / 60)
    }
}

/// The fill beside a diagnosis, from the capture nearest in time.
fn fill_text(d: &Diagnosis) -> String {
    // A cause read from a snapshot has that snapshot's fill.
    if d.from == d.to {
        if let Some(f) = &d.fill {
            return match f.utilization {
                Some(u) => format!(
                    "the table at {} ({} of {} entries) in the same snapshot",
                    pct(u),
                    thousands(f.entries),
                    f.limit.map_or("?".into(), thousands)
                ),
                None => format!(
                    "{} entries in the same snapshot; the limit is unknown (capture `sysctl net.netfilter`)",
                    thousands(f.entries)
                ),
            };
        }
    }
    let Some(f) = &d.fill else {
        return "the table's fill is unknown: no snapshot or counter capture of this node has its entry count".into();
    };
    let when = f.at.format("%H:%M:%S UTC");
    match (f.limit, f.utilization) {
        (Some(limit), Some(u)) => format!(
            "the table at {} ({} of {} entries) in {} at {when}, {}",
            pct(u),
            thousands(f.entries),
            thousands(limit),
            f.source,
            distance(f, d.from)
        ),
        _ => format!(
            "{} entries in {} at {when}, {}; the limit is unknown (capture `sysctl net.netfilter`)",
            thousands(f.entries),
            f.source,
            distance(f, d.from)
        ),
    }
}

/// The interval a rate covers: `09:02:10–09:04:10 UTC (120 s)`.
fn window(d: &Diagnosis) -> String {
    format!(
        "{}–{} UTC ({} s)",
        d.from.format("%Y-%m-%d %H:%M:%S"),
        d.to.format("%H:%M:%S"),
        (d.to - d.from).num_seconds()
    )
}

fn per_cpu(d: &Diagnosis) -> String {
    d.per_cpu
        .map_or(String::new(), |c| format!(", {}/s per CPU", rate(c)))
}

fn has_room(d: &Diagnosis, full: f64) -> Option<bool> {
    d.fill
        .as_ref()
        .and_then(|f| f.utilization)
        .map(|u| u < full)
}

/// One finding per node and cause: the worst interval leads, the others
/// are counted.
pub(super) fn causes(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut groups: BTreeMap<(Option<String>, Cause), Vec<&Diagnosis>> = BTreeMap::new();
    for d in f.diagnoses {
        groups.entry((d.node.clone(), d.cause)).or_default().push(d);
    }
    for ((node, cause), ds) in groups {
        let Some(worst) = ds.iter().copied().max_by(|a, b| {
            a.value
                .total_cmp(&b.value)
                .then_with(|| b.from.cmp(&a.from))
        }) else {
            continue;
        };
        let name = node_name(&node);
        let more = if ds.len() > 1 {
            format!("; {} intervals crossed the threshold in all", ds.len())
        } else {
            String::new()
        };
        let measured = |counter: &str| {
            ev(
                format!(
                    "{counter} +{} in {}: {}/s{} (threshold {}/s){more}",
                    thousands(worst.delta.unwrap_or(0)),
                    window(worst),
                    rate(worst.value),
                    per_cpu(worst),
                    rate(worst.threshold)
                ),
                worst.sources.clone(),
            )
        };
        let mut evidence = Vec::new();
        let (title, recommendation, impact) = match cause {
            Cause::InsertRaces => {
                evidence.push(measured("insert_failed"));
                let room = match has_room(worst, f.thresholds.full) {
                    Some(true) => " while the table had room",
                    _ => "",
                };
                (
                    format!(
                        "Insert races on {name}: insert_failed at {}/s{room}",
                        rate(worst.value)
                    ),
                    "These are races between packets of one new flow (classically parallel A and AAAA lookups over UDP from one socket), not exhaustion: run NodeLocal DNSCache, set `single-request-reopen` (glibc) or `use-vc` in resolv.conf, or resolve over TCP.",
                    worst.value,
                )
            }
            Cause::EarlyDrops => {
                evidence.push(measured("early_drop"));
                (
                    format!(
                        "Early drops on {name}: {}/s unassured entries evicted to admit new ones",
                        rate(worst.value)
                    ),
                    "The kernel evicts unassured entries only when the table is at its limit: new flows still get in, but half-open ones are lost. Find what fills the table (see the other findings) and give the node headroom.",
                    worst.value,
                )
            }
            Cause::LongChains => {
                evidence.push(measured("chaintoolong"));
                (
                    format!(
                        "Inserts refused on {name}: hash chains too long ({}/s)",
                        rate(worst.value)
                    ),
                    "Packets were dropped without a full table because a hash bucket's chain grew too long: raise nf_conntrack_buckets (hashsize) so chains stay short, and look for many flows that hash alike (one client to one server port).",
                    worst.value,
                )
            }
            Cause::InvalidSpike => {
                evidence.push(measured("invalid"));
                (
                    format!("INVALID packets on {name} at {}/s", rate(worst.value)),
                    "Packets conntrack could not place: out-of-window TCP (a middlebox rewriting sequence numbers, MTU trouble), or replies arriving on another node (asymmetric routing). These are dropped by rules matching `ctstate INVALID`; look at the node's routes and at `nf_conntrack_tcp_be_liberal`.",
                    worst.value / 10.0,
                )
            }
            Cause::StaleUdp => {
                evidence.push(ev(
                    format!(
                        "{} [UNREPLIED] UDP entries at {} point at backends that are gone (threshold {})",
                        thousands(crate::numbers::round_u64(worst.value)),
                        worst.to.format("%Y-%m-%d %H:%M:%S UTC"),
                        thousands(crate::numbers::round_u64(worst.threshold))
                    ),
                    worst.sources.clone(),
                ));
                (
                    format!(
                        "{} unreplied UDP entries on {name} still point at backends that are gone",
                        thousands(crate::numbers::round_u64(worst.value))
                    ),
                    "A client that keeps sending (a DNS resolver, a StatsD or syslog exporter) refreshes its entry every 30 s, so its packets keep going to the deleted pod. kube-proxy clears UDP entries of removed endpoints; if these linger, check kube-proxy's logs for conntrack cleanup errors and clear them with `conntrack -D -p udp --reply-src <old pod IP>`.",
                    worst.value / 10.0,
                )
            }
            Cause::SnatPorts => {
                evidence.push(ev(
                    format!(
                        "{} of the source ports masquerading may use, at {} (threshold {})",
                        pct(worst.value),
                        worst.to.format("%Y-%m-%d %H:%M:%S UTC"),
                        pct(worst.threshold)
                    ),
                    worst.sources.clone(),
                ));
                (
                    format!(
                        "Masquerading on {name} used {} of its source ports to one destination",
                        pct(worst.value)
                    ),
                    "Not a conntrack limit, but the same symptom: new connections to that destination fail to insert (insert_failed) once every port is taken. Spread the traffic over more destination addresses or SNAT addresses (a NAT gateway with more IPs, `--random-fully`), reuse connections, or shorten TIME_WAIT towards it.",
                    worst.value * 100.0,
                )
            }
        };
        evidence.extend(worst.context.iter().map(|c| ev(c.clone(), [])));
        evidence.push(ev(
            fill_text(worst),
            worst.fill.iter().map(|f| f.source.clone()),
        ));
        let id_time = worst.to.format("%Y%m%dT%H%M");
        out.push(Finding {
            id: format!("{}-{name}-{id_time}", cause.as_str().replace('_', "-")),
            severity: Severity::Warning,
            title,
            evidence,
            recommendation: recommendation.into(),
            impact,
        });
    }
}

/// What a DNS failure coincided with on its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Beside {
    TableFull,
    Cause(Cause),
    Nothing,
}

/// DNS failures, each set beside what its node's table was doing then.
pub(super) fn dns(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence = Vec::new();
    // Each node's largest DNS share.
    let mut per_node: BTreeMap<Option<String>, (f64, &crate::analysis::SnapshotSummary)> =
        BTreeMap::new();
    // DNS's share of a small table is context, unless lookups failed.
    let matters = |s: &crate::analysis::SnapshotSummary| {
        !f.symptoms.is_empty()
            || s.utilization
                .is_some_and(|u| u >= f.thresholds.notable_fill)
    };
    for s in f.snapshots.iter().filter(|s| matters(s)) {
        let share = crate::analysis::ratio(s.dns.entries, s.stats.entries).unwrap_or(0.0);
        if share >= 0.05 && per_node.get(&s.node).is_none_or(|(b, _)| share > *b) {
            per_node.insert(s.node.clone(), (share, s));
        }
    }
    let mut worst = 0.0_f64;
    for (node, (share, s)) in &per_node {
        worst = worst.max(*share);
        evidence.push(
            ev(
                format!(
                    "{} UDP/53 entries on {} at {} ({} of its {} entries), {} unanswered",
                    thousands(s.dns.entries),
                    node_name(node),
                    s.captured_at.map_or("an unknown time".into(), |t| t
                        .format("%H:%M UTC")
                        .to_string()),
                    pct(*share),
                    thousands(s.stats.entries),
                    thousands(s.dns.unreplied)
                ),
                [s.path.clone()],
            )
            .on_node(node, *share, "of the table is UDP/53"),
        );
    }
    let mut beside: BTreeMap<(Beside, Option<String>), u64> = BTreeMap::new();
    for sym in f.symptoms {
        let Some(t) = sym.ts else {
            *beside
                .entry((Beside::Nothing, sym.node.clone()))
                .or_default() += 1;
            continue;
        };
        // Its own node first; then any node at that time (a lookup crosses
        // the table of the node that runs the DNS pod it was sent to).
        let mut key = None;
        for any in [false, true] {
            let here = |n: &Option<String>| any || sym.node.is_none() || n == &sym.node;
            let full = f.bursts.iter().find(|b| {
                here(&b.node)
                    && match (b.start, b.end) {
                        (Some(a), Some(e)) => t >= a && t <= e,
                        _ => false,
                    }
            });
            if let Some(b) = full {
                key = Some((Beside::TableFull, b.node.clone()));
                break;
            }
            if let Some(d) = f
                .diagnoses
                .iter()
                .find(|d| here(&d.node) && d.from <= t && t <= d.to)
            {
                key = Some((Beside::Cause(d.cause), d.node.clone()));
                break;
            }
        }
        let key = key.unwrap_or((Beside::Nothing, sym.node.clone()));
        *beside.entry(key).or_default() += 1;
    }
    if !f.symptoms.is_empty() {
        let parts: Vec<String> = beside
            .iter()
            .map(|((b, node), n)| {
                let node = node_name(node);
                let what = match b {
                    Beside::TableFull => format!("while the table of {node} was full"),
                    Beside::Cause(c) => format!("during {} on {node}", cause_words(*c)),
                    Beside::Nothing => {
                        format!("on {node} with no conntrack cause measured at the time")
                    }
                };
                format!("{} {what}", thousands(*n))
            })
            .collect();
        evidence.push(ev(
            format!(
                "{} DNS failures in application logs: {}",
                thousands(f.symptoms.len() as u64),
                parts.join("; ")
            ),
            f.symptoms
                .iter()
                .take(3)
                .map(|s| format!("{}:{}", s.path, s.line)),
        ));
    }
    if evidence.is_empty() {
        return;
    }
    // The title names what most failures coincided with.
    let lead = beside
        .iter()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())));
    let title = match lead {
        None => format!("DNS takes up to {} of a table", pct(worst)),
        Some(((Beside::TableFull, node), _)) => {
            format!(
                "DNS lookups failed while the table of {} was full",
                node_name(node)
            )
        }
        Some(((Beside::Cause(c), node), _)) => {
            format!(
                "DNS lookups failed during {} on {}",
                cause_words(*c),
                node_name(node)
            )
        }
        Some(((Beside::Nothing, _), _)) => {
            "DNS lookups failed; no conntrack cause was measured at those times".into()
        }
    };
    let recommendation = match lead {
        Some(((Beside::Cause(Cause::InsertRaces), _), _)) => {
            "The failures match insert races, not a full table: run NodeLocal DNSCache (its NOTRACK rules keep UDP/53 out of conntrack), or set `single-request-reopen` in resolv.conf so A and AAAA lookups do not race."
        }
        Some(((Beside::Nothing, _), _)) => {
            "Nothing in these inputs ties the failures to conntrack: look at the DNS servers themselves (CoreDNS load and upstreams), and capture `conntrack -S` during the next failures to rule conntrack in or out."
        }
        _ => {
            "Run NodeLocal DNSCache: its NOTRACK rules keep UDP/53 out of the conntrack table, and lookups stop failing when the table fills. Make clients cache and retry lookups."
        }
    };
    out.push(Finding {
        id: "dns".into(),
        severity: if f.symptoms.is_empty() {
            Severity::Info
        } else {
            Severity::Warning
        },
        title,
        evidence,
        recommendation: recommendation.into(),
        impact: f.symptoms.len() as f64,
    });
}

fn cause_words(c: Cause) -> &'static str {
    match c {
        Cause::InsertRaces => "insert races",
        Cause::EarlyDrops => "early drops at the table's limit",
        Cause::LongChains => "inserts refused on long hash chains",
        Cause::InvalidSpike => "a spike of INVALID packets",
        Cause::StaleUdp => "stale UDP entries",
        Cause::SnatPorts => "SNAT port exhaustion",
    }
}

/// Said when the inputs could have shown trouble and did not.
pub(super) fn healthy(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let troubled = out.iter().any(|x| x.severity != Severity::Info);
    if troubled || !f.bursts.is_empty() || (f.snapshots.is_empty() && f.stats.is_empty()) {
        return;
    }
    let mut evidence = Vec::new();
    for n in f.nodes {
        if let (Some(p), Some(limit)) = (n.peak_entries, n.limit) {
            evidence.push(ev(
                format!(
                    "{}: peak {} of {} entries ({})",
                    node_name(&n.node),
                    thousands(p),
                    thousands(limit),
                    n.peak_utilization.map_or("?".into(), pct)
                ),
                [],
            ));
        }
    }
    let mut worst: BTreeMap<&str, (f64, &Option<String>)> = BTreeMap::new();
    for r in f.stats {
        let Some(rates) = &r.rates else { continue };
        for k in [
            "drop",
            "early_drop",
            "insert_failed",
            "chaintoolong",
            "invalid",
        ] {
            let v = rates.per_s.get(k).copied().unwrap_or(0.0);
            if worst.get(k).is_none_or(|(w, _)| v > *w) {
                worst.insert(k, (v, &r.node));
            }
        }
    }
    if !worst.is_empty() {
        let parts: Vec<String> = worst
            .iter()
            .map(|(k, (v, node))| format!("{k} {}/s ({})", rate(*v), node_name(node)))
            .collect();
        evidence.push(ev(
            format!(
                "highest counter rates, all below their thresholds: {}",
                parts.join(", ")
            ),
            [],
        ));
    }
    out.push(Finding {
        id: "healthy".into(),
        severity: Severity::Info,
        title: "No conntrack trouble found: the tables had room and the counters stayed at background levels".into(),
        evidence,
        recommendation: "Nothing to fix in conntrack. If something failed at the time, look elsewhere (the application, DNS servers, the network) or capture during the next occurrence.".into(),
        impact: 0.0,
    });
}
