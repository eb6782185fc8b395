//! One name per machine, and a check of the reading itself.
//!
//! The same node reaches ctsleuth under several names: a short host name
//! (`ip-10-0-1-23`) and its FQDN (`ip-10-0-1-23.eu-west-1.compute.internal`),
//! an EC2 instance id (the EKS log collector names no host). The Kubernetes
//! inventory's name wins: it is matched by name, by `spec.providerID`
//! (`aws:///<zone>/<instance-id>`) and by `status.addresses` host names;
//! without an inventory a short name joins the one FQDN that extends it.
//! [`check_layout`] then looks for the marks of a misread layout.

use std::collections::{BTreeMap, BTreeSet};

use super::{Item, Loaded, Parsed};
use crate::input::hints::is_container_folder;

/// The part of a node key that names the machine (`node/netns:cni-…` → `node`).
pub fn machine(node: &str) -> &str {
    node.split_once("/netns:").map_or(node, |(m, _)| m)
}

/// The network namespace a node key names, if any.
pub fn netns(node: &str) -> Option<&str> {
    node.split_once("/netns:").map(|(_, ns)| ns)
}

/// `kubectl cluster-info dump` keeps each pod's log as `<ns>/<pod>/logs.txt`:
/// the pod's node, from the inventory, is the log's node.
pub(crate) fn pod_log_nodes(items: &mut [Item]) {
    let mut pods: BTreeMap<(String, String), String> = BTreeMap::new();
    for it in items.iter() {
        if let Parsed::Inventory(inv) = &it.parsed {
            for p in &inv.pods {
                if let Some(n) = &p.node {
                    pods.insert((p.namespace.clone(), p.name.clone()), n.clone());
                }
            }
        }
    }
    for it in items.iter_mut() {
        let Some(b) = &it.report.bundle else { continue };
        if b.kind != crate::input::bundle::Collector::ClusterInfoDump || it.report.node.is_some() {
            continue;
        }
        let parts: Vec<&str> = b.member.split('/').collect();
        if let [ns, pod, "logs.txt"] = parts.as_slice() {
            it.report.node = pods.get(&((*ns).to_string(), (*pod).to_string())).cloned();
        }
    }
}

fn first_label(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn is_instance_id(name: &str) -> bool {
    name.strip_prefix("i-")
        .is_some_and(|h| h.len() >= 8 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Renames nodes to one name per machine. Returns the renames made (old →
/// new), notes saying why, and warnings for names left unresolved.
pub(crate) fn canonical_nodes(
    items: &mut [Item],
) -> (BTreeMap<String, String>, Vec<String>, Vec<String>) {
    let mut inventory: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    for it in items.iter() {
        if let Parsed::Inventory(inv) = &it.parsed {
            for n in &inv.nodes {
                let e = inventory.entry(n.name.clone()).or_default();
                if e.0.is_none() {
                    e.0.clone_from(&n.provider_id);
                }
                e.1.extend(n.hostnames.iter().cloned());
            }
        }
    }
    let seen: BTreeSet<String> = items
        .iter()
        .filter_map(|it| it.report.node.as_deref().map(|n| machine(n).to_string()))
        .collect();
    let mut renames = BTreeMap::new();
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    for name in &seen {
        if inventory.contains_key(name) {
            continue;
        }
        let by_provider = || {
            inventory
                .iter()
                .find(|(_, (p, _))| {
                    p.as_deref()
                        .is_some_and(|p| p.rsplit('/').next() == Some(name.as_str()))
                })
                .map(|(n, _)| (n.clone(), "its spec.providerID"))
        };
        let by_hostname = || {
            inventory
                .iter()
                .find(|(_, (_, hosts))| hosts.iter().any(|h| h == name))
                .map(|(n, _)| (n.clone(), "its status.addresses"))
        };
        let by_label = || {
            let label = first_label(name);
            let matches: Vec<&String> = inventory
                .keys()
                .filter(|n| first_label(n) == label)
                .collect();
            match matches.as_slice() {
                [one] => Some(((*one).clone(), "its host name")),
                _ => None,
            }
        };
        let by_peer = || {
            let matches: Vec<&String> = seen
                .iter()
                .filter(|m| *m != name && m.contains('.') && first_label(m) == name.as_str())
                .collect();
            match matches.as_slice() {
                [one] => Some(((*one).clone(), "the longer name of the same host")),
                _ => None,
            }
        };
        let found = if is_instance_id(name) {
            by_provider()
        } else {
            by_hostname().or_else(by_label).or_else(by_peer)
        };
        match found {
            Some((to, why)) => {
                notes.push(format!("{name} is node {to} ({why})"));
                renames.insert(name.clone(), to);
            }
            None if is_instance_id(name) => warnings.push(format!(
                "node {name} is named by its EC2 instance id: add `kubectl get nodes -o json` to the inputs to name it after its Kubernetes node"
            )),
            None => {}
        }
    }
    for it in items.iter_mut() {
        rename(&mut it.report.node, &renames);
    }
    (renames, notes, warnings)
}

/// Applies renames to a node key, keeping its network namespace.
pub(crate) fn rename(node: &mut Option<String>, renames: &BTreeMap<String, String>) {
    let Some(n) = node.as_ref() else { return };
    let m = machine(n);
    if let Some(to) = renames.get(m) {
        let rest = &n[m.len()..];
        *node = Some(format!("{to}{rest}"));
    }
}

/// Looks for the marks of a misread layout: several snapshots of one node
/// taken at the same instant (the captures of several machines read as
/// one), and nodes named like folders that hold captures.
pub(crate) fn check_layout(loaded: &mut Loaded) {
    let mut at: BTreeMap<(String, i64), Vec<usize>> = BTreeMap::new();
    // Partial views (filtered listings, cut captures) may share an instant.
    for s in loaded.snapshots.iter().filter(|s| !s.partial) {
        if let (Some(n), Some(t)) = (&s.node, s.captured_at) {
            at.entry((n.clone(), t.timestamp()))
                .or_default()
                .push(s.input);
        }
    }
    let path = |i: usize| {
        loaded
            .inputs
            .get(i)
            .map_or_else(String::new, |r| r.path.clone())
    };
    for ((node, t), inputs) in &at {
        if inputs.len() > 1 {
            let paths: Vec<String> = inputs.iter().take(3).map(|i| path(*i)).collect();
            let when = chrono::DateTime::from_timestamp(*t, 0).map_or_else(String::new, |d| {
                d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            });
            loaded.layout_warnings.push(format!(
                "misread layout? {} snapshots of node {node} captured at the same instant ({when}): {}{}: one machine cannot be listed twice at once; lay the captures out as <bundle>/<node>/<file>, or name each with --node PATH=NAME",
                inputs.len(),
                paths.join(", "),
                if inputs.len() > 3 { ", …" } else { "" }
            ));
        }
    }
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for r in &loaded.inputs {
        if let Some(n) = &r.node {
            if is_container_folder(machine(n)) {
                *named.entry(machine(n).to_string()).or_default() += 1;
            }
        }
    }
    for (n, count) in named {
        loaded.layout_warnings.push(format!(
            "misread layout? {count} inputs name node {n:?}, which is how folders that hold captures are named, not machines: check the folder layout, or name the node with --node PATH=NAME"
        ));
    }
}
