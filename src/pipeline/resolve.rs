//! After every input is read: each bundle's files get the node and the
//! capture time the bundle's own metadata states, a capture with a better
//! twin in the same bundle is dropped, and each bundle is reported with
//! what it held, what it lacked and what to ask for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::bundles::{BundleRef, BundleReport, Ident, LISTED, Place, Scan, Unit};
use super::{InputReport, Item, LoadOptions, Parsed, new_report};
use crate::input::Format;
use crate::input::Kind;
use crate::input::bundle::{self, Collector, Evidence};
use crate::input::hints::valid_node_name;

/// Gives every bundle's files their node and time, drops what a better file
/// of the same bundle already holds, and reports each bundle.
pub(crate) fn resolve(units: Vec<Unit>, opts: &LoadOptions) -> (Vec<Item>, Vec<BundleReport>) {
    let mut items = Vec::new();
    let mut scans: BTreeMap<String, Scan> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for u in units {
        items.extend(u.items);
        for s in u.scans {
            match scans.get_mut(&s.key) {
                Some(into) => merge_scan(into, s),
                None => {
                    order.push(s.key.clone());
                    scans.insert(s.key.clone(), s);
                }
            }
        }
    }
    let mut reports = Vec::new();
    for key in order {
        let Some(scan) = scans.get(&key) else {
            continue;
        };
        let identity = Identity::of(scan, &items);
        // Captures with a better twin in the same bundle are not counted twice.
        let best: BTreeMap<(Kind, Option<String>), u8> = items
            .iter()
            .filter_map(|it| {
                let p = it.place.as_ref().filter(|p| p.bundle == key)?;
                (!it.report.unusable).then(|| ((it.report.kind, p.netns.clone()), p.rank))
            })
            .fold(BTreeMap::new(), |mut m, (k, r)| {
                let e = m.entry(k).or_insert(r);
                *e = (*e).min(r);
                m
            });
        let mut twins = Vec::new();
        items.retain(|it| {
            let Some(p) = it.place.as_ref().filter(|p| p.bundle == key) else {
                return true;
            };
            let keep = best
                .get(&(it.report.kind, p.netns.clone()))
                .is_none_or(|b| p.rank <= *b);
            if !keep {
                twins.push(p.member.clone());
            }
            keep
        });
        for it in items.iter_mut() {
            let Some(p) = it.place.as_ref().filter(|p| p.bundle == key) else {
                continue;
            };
            identity.apply(&mut it.report, p, opts);
        }
        if let Some(item) = boot_from_uptime(scan, &identity, &items, opts) {
            items.push(item);
        }
        reports.push(report(scan, &identity, &items, twins));
    }
    (items, reports)
}

/// Raw dmesg needs the boot time: without `/proc/stat`'s btime, the bundle's
/// time less its `uptime` gives it (to the minute for `uptime`'s own text).
fn boot_from_uptime(
    scan: &Scan,
    id: &Identity,
    items: &[Item],
    opts: &LoadOptions,
) -> Option<Item> {
    let (secs, member) = scan.idents.iter().find_map(|(i, from)| match i {
        Ident::Uptime(s) => Some((*s, from.clone())),
        _ => None,
    })?;
    let has_btime = items.iter().any(|it| {
        it.report.format == Format::BootTime
            && it.place.as_ref().is_some_and(|p| p.bundle == scan.key)
    });
    if has_btime {
        return None;
    }
    let at = id.at?;
    let boot = at - chrono::Duration::seconds(i64::try_from(secs).ok()?);
    let display = format!("{}!{member}", scan.key);
    let mut report = new_report(&display, id.node.clone(), Some(at), opts);
    report.kind = Kind::Sysctl;
    report.format = Format::BootTime;
    report.records = 1;
    report.bundle = Some(BundleRef {
        kind: scan.collector,
        archive: scan.key.clone(),
        member: member.clone(),
    });
    let settings = crate::model::Settings {
        boot_time: Some(boot.timestamp()),
        ..Default::default()
    };
    Some(Item {
        report,
        parsed: Parsed::Settings(settings),
        place: Some(Place {
            bundle: scan.key.clone(),
            member,
            netns: None,
            rank: 0,
            node_from_spec: false,
        }),
    })
}

fn merge_scan(into: &mut Scan, s: Scan) {
    into.members += s.members;
    into.ignored += s.ignored;
    into.unnamed += s.unnamed;
    into.unrecognised_count += s.unrecognised_count;
    for u in s.unrecognised {
        if into.unrecognised.len() < LISTED {
            into.unrecognised.push(u);
        }
    }
    into.warnings.extend(s.warnings);
    into.idents.extend(s.idents);
}

/// A bundle's node and time, and where each came from.
struct Identity {
    node: Option<String>,
    node_from: Option<String>,
    at: Option<DateTime<Utc>>,
    time_from: Option<String>,
    per_file: BTreeMap<String, DateTime<Utc>>,
}

impl Identity {
    fn of(scan: &Scan, items: &[Item]) -> Identity {
        let mut hosts: Vec<(u8, usize, String, String)> = Vec::new();
        let mut instance = None;
        let mut times: Vec<(u8, DateTime<Utc>, String)> = Vec::new();
        let mut per_file = BTreeMap::new();
        for (ident, from) in &scan.idents {
            match ident {
                Ident::Hostname { name, rank } => {
                    hosts.push((*rank, usize::MAX - name.len(), name.clone(), from.clone()))
                }
                Ident::InstanceId(i) => instance = Some((i.clone(), from.clone())),
                Ident::Time { at, rank, from } => times.push((*rank, *at, from.clone())),
                Ident::PerFile(m) => per_file.extend(m.clone()),
                Ident::Uptime(_) => {}
            }
        }
        // kernel.hostname of a sysctl capture in the bundle (a generic
        // archive may hold several machines: not there).
        for it in items
            .iter()
            .filter(|_| scan.collector != Collector::Generic)
        {
            let Some(p) = &it.place else { continue };
            if p.bundle != scan.key || p.netns.is_some() {
                continue;
            }
            if let Parsed::Settings(s) = &it.parsed {
                if let Some(h) = s.hostname.as_ref().filter(|h| valid_node_name(h)) {
                    hosts.push((5, usize::MAX - h.len(), h.clone(), p.member.clone()));
                }
            }
        }
        hosts.sort();
        times.sort();
        let (node, node_from) = if let Some((_, _, h, from)) = hosts.into_iter().next() {
            (Some(h), Some(from))
        } else if let Some(h) = scan.facts.host.clone().filter(|h| valid_node_name(h)) {
            (Some(h), Some(format!("the name {}", scan.name)))
        } else if let Some((i, from)) = instance {
            (Some(i), Some(from))
        } else if let Some(i) = scan.facts.instance.clone() {
            (Some(i), Some(format!("the name {}", scan.name)))
        } else {
            (None, None)
        };
        let (at, time_from) = if let Some((_, t, from)) = times.into_iter().next() {
            (Some(t), Some(from))
        } else if let Some(t) = per_file.values().min().copied() {
            (Some(t), Some("sos_reports/manifest.json".to_string()))
        } else if let Some(t) = scan.facts.time {
            (Some(t), Some(format!("the name {}", scan.name)))
        } else {
            (None, None)
        };
        Identity {
            node,
            node_from,
            at,
            time_from,
            per_file,
        }
    }

    /// Gives a member of the bundle its node and time, unless the command
    /// line or the member's own path names them.
    fn apply(&self, report: &mut InputReport, p: &Place, opts: &LoadOptions) {
        let closed = report
            .bundle
            .as_ref()
            .and_then(|b| bundle::def(b.kind))
            .is_some_and(|d| d.closed || d.collector == Collector::CaptureKit);
        if !opts.names_node(&report.path) && !p.node_from_spec && (closed || report.node.is_none())
        {
            report.node = self.node.clone();
        }
        if let (Some(node), Some(ns)) = (&report.node, &p.netns) {
            if !opts.names_node(&report.path) {
                report.node = Some(format!("{node}/netns:{ns}"));
            }
        }
        if !opts.names_time(&report.path) {
            if let Some(t) = self.per_file.get(&p.member) {
                report.captured_at = Some(*t);
            } else if report.captured_at.is_none() {
                report.captured_at = self.at;
            }
        }
    }
}

fn report(scan: &Scan, id: &Identity, items: &[Item], twins: Vec<String>) -> BundleReport {
    let mine: Vec<&Item> = items
        .iter()
        .filter(|it| it.place.as_ref().is_some_and(|p| p.bundle == scan.key))
        .collect();
    let mut found: BTreeMap<Evidence, Vec<String>> = BTreeMap::new();
    let mut netns: Vec<String> = Vec::new();
    let mut warnings = scan.warnings.clone();
    for it in &mine {
        let member = it.place.as_ref().map_or("", |p| p.member.as_str());
        // An unusable member's own warnings stand in inputs[].
        if it.report.unusable {
            continue;
        }
        let evidence = if it.report.format == Format::BootTime {
            Some(Evidence::BootTime)
        } else if it.report.records == 0
            && !matches!(it.report.kind, Kind::ConntrackDump | Kind::KernelLog)
        {
            None
        } else {
            Evidence::of_kind(it.report.kind)
        };
        if let Some(e) = evidence {
            // A namespace's table is evidence of its own, not the host's.
            match (
                it.place.as_ref().and_then(|p| p.netns.clone()),
                it.report.partial,
            ) {
                (Some(ns), _) => netns.push(format!("{} of netns {ns}: {member}", e.title())),
                (None, true) => found
                    .entry(e)
                    .or_default()
                    .push(format!("{member} (partial)")),
                (None, false) => found.entry(e).or_default().push(member.to_string()),
            }
        }
    }
    if let Some(from) = &id.node_from {
        found
            .entry(Evidence::NodeName)
            .or_default()
            .push(from.clone());
    }
    if let Some(from) = &id.time_from {
        found
            .entry(Evidence::CaptureTime)
            .or_default()
            .push(from.clone());
    }
    let expects = bundle::def(scan.collector).map_or(&[][..], |d| d.expects);
    let node = id.node.clone().unwrap_or_else(|| scan.name.clone());
    let mut missing = Vec::new();
    let mut advice = Vec::new();
    for (e, ask) in expects {
        if !found.contains_key(e) {
            missing.push(e.title().to_string());
            advice.push(format!(
                "the {} of {node} has no {}: {ask}",
                scan.collector.title(),
                e.title()
            ));
        }
    }
    if mine
        .iter()
        .any(|it| it.report.partial && it.report.kind == Kind::ConntrackDump)
    {
        advice.push(format!(
            "the listing of {node} was cut at sos's size limit (only its tail is kept): ask for `conntrack -L -o extended` from the node, or a sos report with a larger --log-size"
        ));
    }
    if !twins.is_empty() {
        warnings.push(format!(
            "{}: the same data as a preferred capture of this bundle, not counted twice",
            twins.join(", ")
        ));
    }
    if scan.unrecognised_count > 0 {
        warnings.push(format!(
            "{} members held nothing ctsleuth recognises, e.g. {}",
            scan.unrecognised_count,
            scan.unrecognised.join(", ")
        ));
    }
    BundleReport {
        path: scan.key.clone(),
        kind: scan.collector,
        node: id.node.clone(),
        node_from: id.node_from.clone(),
        captured_at: id.at,
        time_from: id.time_from.clone(),
        found: found
            .into_iter()
            .map(|(e, m)| format!("{}: {}", e.title(), m.join(", ")))
            .chain(netns)
            .collect(),
        missing,
        advice,
        members: scan.members,
        read: mine.len() as u64,
        not_read: scan.ignored + scan.unnamed,
        warnings,
    }
}
