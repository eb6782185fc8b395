//! Who an address is: a pod (and its workload), a node, a service, or the
//! outside world — from the Kubernetes inventories in the inputs.
//!
//! Pod IPs are reused: when several pods had an address, the one alive at
//! the capture time wins (created before it, not deleted before it); without
//! a capture time, the pod not deleted, newest first. Host-network pods
//! share their node's address, so an entry from a node address is the node
//! and, ambiguously, any of those pods.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::inventory::{Inventory, Pod};

/// What an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddrKind {
    Pod,
    Node,
    Service,
    External,
    /// No inventory, or an address the inventory does not name.
    Unknown,
}

/// The attribution of one address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Who {
    pub kind: AddrKind,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    /// `Deployment/web`, `StatefulSet/ledger`, `Service/kube-dns`,
    /// `Node/gke-...`, `external 203.0.113.0/24`.
    pub workload: Option<String>,
    /// The node a pod ran on, or the node an address belongs to.
    pub node: Option<String>,
    /// Host-network workloads that share a node address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
}

impl Default for Who {
    fn default() -> Who {
        Who::unknown()
    }
}

impl Who {
    fn unknown() -> Who {
        Who {
            kind: AddrKind::Unknown,
            namespace: None,
            pod: None,
            workload: None,
            node: None,
            shared_with: Vec::new(),
        }
    }

    /// A short label for terminals: `web/storefront-bff`, `node x2lq`, ...
    pub fn label(&self) -> String {
        match (self.kind, &self.namespace, &self.workload) {
            (AddrKind::Pod | AddrKind::Service, Some(ns), Some(w)) => {
                format!("{ns}/{}", w.split_once('/').map_or(w.as_str(), |(_, n)| n))
            }
            (_, _, Some(w)) => w.clone(),
            _ => "unknown".into(),
        }
    }
}

/// The workload of a pod as `Kind/name`.
pub fn workload_of(pod: &Pod) -> String {
    let (kind, name) = crate::parse::inventory::workload(pod);
    format!("{kind}/{name}")
}

/// `203.0.113.0/24` or `2001:db8:1:2::/64`.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.octets()[0] == 100 && (64..128).contains(&a.octets()[1])
        }
        IpAddr::V6(a) => {
            a.is_loopback()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Every inventory of the inputs, indexed by address.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pods: HashMap<IpAddr, Vec<Pod>>,
    nodes: HashMap<IpAddr, String>,
    host_network: BTreeMap<String, BTreeSet<String>>,
    services: HashMap<IpAddr, (String, String)>,
    pub pod_count: usize,
    pub node_names: BTreeSet<String>,
}

impl Directory {
    pub fn build<'a>(inventories: impl IntoIterator<Item = &'a Inventory>) -> Directory {
        let mut d = Directory::default();
        let mut seen: BTreeSet<(String, String, Option<DateTime<Utc>>)> = BTreeSet::new();
        for inv in inventories {
            for n in &inv.nodes {
                d.node_names.insert(n.name.clone());
                for ip in &n.internal_ips {
                    d.nodes.insert(*ip, n.name.clone());
                }
            }
            for s in &inv.services {
                for ip in &s.cluster_ips {
                    d.services
                        .insert(*ip, (s.namespace.clone(), s.name.clone()));
                }
            }
            for p in &inv.pods {
                // The same pod in two captures counts once.
                if !seen.insert((p.namespace.clone(), p.name.clone(), p.created)) {
                    continue;
                }
                d.pod_count += 1;
                if p.host_network {
                    if let Some(node) = &p.node {
                        d.host_network
                            .entry(node.clone())
                            .or_default()
                            .insert(format!("{}/{}", p.namespace, workload_of(p)));
                        for ip in &p.ips {
                            d.nodes.entry(*ip).or_insert_with(|| node.clone());
                        }
                    }
                    continue;
                }
                for ip in &p.ips {
                    d.pods.entry(*ip).or_default().push(p.clone());
                }
            }
        }
        d
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty() && self.nodes.is_empty() && self.services.is_empty()
    }

    /// The pod that had `ip` at `at`.
    fn pod_at(&self, ip: &IpAddr, at: Option<DateTime<Utc>>) -> Option<&Pod> {
        let pods = self.pods.get(ip)?;
        let alive = |p: &&Pod| match at {
            Some(t) => p.created.is_none_or(|c| c <= t) && p.deleted.is_none_or(|d| d > t),
            None => p.deleted.is_none(),
        };
        pods.iter()
            .filter(alive)
            .max_by_key(|p| p.created)
            .or_else(|| match at {
                // Nobody alive then: the last one created before.
                Some(t) => pods
                    .iter()
                    .filter(|p| p.created.is_none_or(|c| c <= t))
                    .max_by_key(|p| p.created),
                None => pods.iter().max_by_key(|p| p.created),
            })
    }

    /// Who `ip` was at `at`.
    pub fn who(&self, ip: IpAddr, at: Option<DateTime<Utc>>) -> Who {
        if let Some(p) = self.pod_at(&ip, at) {
            return Who {
                kind: AddrKind::Pod,
                namespace: Some(p.namespace.clone()),
                pod: Some(p.name.clone()),
                workload: Some(workload_of(p)),
                node: p.node.clone(),
                shared_with: Vec::new(),
            };
        }
        if let Some(node) = self.nodes.get(&ip) {
            return Who {
                kind: AddrKind::Node,
                namespace: None,
                pod: None,
                workload: Some(format!("Node/{node}")),
                node: Some(node.clone()),
                shared_with: self
                    .host_network
                    .get(node)
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default(),
            };
        }
        if let Some((ns, name)) = self.services.get(&ip) {
            return Who {
                kind: AddrKind::Service,
                namespace: Some(ns.clone()),
                pod: None,
                workload: Some(format!("Service/{name}")),
                node: None,
                shared_with: Vec::new(),
            };
        }
        if !is_private(ip) {
            return Who {
                kind: AddrKind::External,
                workload: Some(format!("external {}", network_of(ip))),
                ..Who::unknown()
            };
        }
        Who {
            workload: Some(format!("unattributed {}", network_of(ip))),
            ..Who::unknown()
        }
    }
}
