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

/// What holds entries, as people name it: a controller's pods, a service,
/// a node, or a network outside the inventory. Compared, sorted and
/// grouped as a value; the text form is only for display, so rewording a
/// label can never merge two workloads or split one. Sorted as the labels
/// read, so every list looks sorted to its reader.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Workload {
    /// The namespace of a pod or a service.
    pub namespace: Option<String>,
    pub kind: WorkloadKind,
    /// The controller's, service's or node's name, or the network
    /// (`203.0.113.0/24`, `2001:db8:1:2::/64`) of an address nobody names.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// Pods, by the kind of their controller as Kubernetes names it
    /// (`Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`,
    /// `StaticPod`, `Pod` for a bare pod, or a custom resource's kind).
    Controller(String),
    Service,
    Node,
    /// A public address: the world outside the cluster.
    External,
    /// An address inside a node's pod range that no pod of the inventory
    /// claims: a pod on that node (`name`) the inventory does not list.
    UnlistedPod,
    /// A private address the inventory does not name.
    Unattributed,
    /// An address redacted by hand in the capture.
    Redacted,
    /// No address to go by.
    Unknown,
}

impl Workload {
    pub fn controller(namespace: &str, kind: &str, name: &str) -> Workload {
        Workload {
            namespace: Some(namespace.to_owned()),
            kind: WorkloadKind::Controller(kind.to_owned()),
            name: name.to_owned(),
        }
    }

    fn unknown() -> Workload {
        Workload {
            namespace: None,
            kind: WorkloadKind::Unknown,
            name: String::new(),
        }
    }

    /// Whether it is an owner one can act on (a controller, a service,
    /// a node), rather than a network, an outside address or nothing known.
    pub fn is_owner(&self) -> bool {
        matches!(
            self.kind,
            WorkloadKind::Controller(_) | WorkloadKind::Service | WorkloadKind::Node
        )
    }

    /// What kind of address holds it.
    pub fn addr_kind(&self) -> AddrKind {
        match self.kind {
            WorkloadKind::Controller(_) => AddrKind::Pod,
            WorkloadKind::Service => AddrKind::Service,
            WorkloadKind::Node => AddrKind::Node,
            WorkloadKind::External => AddrKind::External,
            WorkloadKind::UnlistedPod
            | WorkloadKind::Unattributed
            | WorkloadKind::Redacted
            | WorkloadKind::Unknown => AddrKind::Unknown,
        }
    }

    /// As its owner is named, without the namespace: `Deployment/web`,
    /// `Service/kube-dns`, `Node/gke-...`, `external 203.0.113.0/24`.
    pub fn owner(&self) -> Option<String> {
        let n = &self.name;
        Some(match &self.kind {
            WorkloadKind::Controller(k) => format!("{k}/{n}"),
            WorkloadKind::Service => format!("Service/{n}"),
            WorkloadKind::Node => format!("Node/{n}"),
            WorkloadKind::External => format!("external {n}"),
            WorkloadKind::UnlistedPod => format!("unlisted pod on {n}"),
            WorkloadKind::Redacted => "redacted address".to_string(),
            WorkloadKind::Unattributed => format!("addresses in {n}"),
            WorkloadKind::Unknown => return None,
        })
    }

    /// Whether a policy's `namespace/name` (or `namespace/Kind/name`, or
    /// an owner such as `Node/x`) names this workload.
    pub fn is_named(&self, pattern: &str) -> bool {
        if pattern == self.to_string() {
            return true;
        }
        match (&self.namespace, self.owner()) {
            (Some(ns), Some(owner)) => pattern == format!("{ns}/{owner}"),
            (None, Some(owner)) => pattern == owner,
            _ => false,
        }
    }
}

/// The short label of terminals and reports: `web/storefront-bff`,
/// `Node/gke-...`, `external 203.0.113.0/24`.
impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.kind, &self.namespace) {
            (WorkloadKind::Controller(_) | WorkloadKind::Service, Some(ns)) => {
                write!(f, "{ns}/{}", self.name)
            }
            _ => match self.owner() {
                Some(o) => f.write_str(&o),
                None => f.write_str("unknown"),
            },
        }
    }
}

impl Ord for Workload {
    fn cmp(&self, other: &Workload) -> std::cmp::Ordering {
        self.to_string()
            .cmp(&other.to_string())
            .then_with(|| self.namespace.cmp(&other.namespace))
            .then_with(|| self.kind.cmp(&other.kind))
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl PartialOrd for Workload {
    fn partial_cmp(&self, other: &Workload) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Written as its label.
impl Serialize for Workload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The attribution of one address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "WhoView")]
pub struct Who {
    pub workload: Workload,
    pub pod: Option<String>,
    /// The node a pod ran on, or the node an address belongs to.
    pub node: Option<String>,
    /// Host-network workloads that share a node address.
    pub shared_with: Vec<Workload>,
}

/// How `summary.json` writes a [`Who`].
#[derive(Serialize)]
struct WhoView {
    kind: AddrKind,
    namespace: Option<String>,
    pod: Option<String>,
    /// `Deployment/web`, `StatefulSet/ledger`, `Service/kube-dns`,
    /// `Node/gke-...`, `external 203.0.113.0/24`.
    workload: Option<String>,
    node: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shared_with: Vec<String>,
}

impl From<Who> for WhoView {
    fn from(w: Who) -> WhoView {
        WhoView {
            kind: w.kind(),
            workload: w.workload.owner(),
            namespace: w.workload.namespace,
            pod: w.pod,
            node: w.node,
            shared_with: w.shared_with.iter().map(ToString::to_string).collect(),
        }
    }
}

impl Default for Who {
    fn default() -> Who {
        Who::unknown()
    }
}

impl Who {
    fn unknown() -> Who {
        Who {
            workload: Workload::unknown(),
            pod: None,
            node: None,
            shared_with: Vec::new(),
        }
    }

    pub fn kind(&self) -> AddrKind {
        self.workload.addr_kind()
    }

    /// A short label for terminals: `web/storefront-bff`, `Node/x2lq`, ...
    pub fn label(&self) -> String {
        self.workload.to_string()
    }
}

/// The workload of a pod.
pub fn workload_of(pod: &Pod) -> Workload {
    let (kind, name) = crate::parse::inventory::workload(pod);
    Workload {
        namespace: Some(pod.namespace.clone()),
        kind: WorkloadKind::Controller(kind),
        name,
    }
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

/// An address range: `10.4.1.0/24`, `fd00:10:4::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    fn parse(s: &str) -> Option<IpNet> {
        let (a, p) = s.trim().split_once('/')?;
        let addr: IpAddr = a.parse().ok()?;
        let prefix: u8 = p.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    fn bits(ip: IpAddr) -> (u128, u8) {
        match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ((net, width), (x, w)) = (Self::bits(self.addr), Self::bits(ip));
        if width != w {
            return false;
        }
        let shift = u32::from(width - self.prefix.min(width));
        let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
        (net & mask) == (x & mask)
    }

    fn overlaps(&self, other: &IpNet) -> bool {
        self.contains(other.addr) || other.contains(self.addr)
    }
}

/// Every inventory of the inputs, indexed by address.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pods: HashMap<IpAddr, Vec<Pod>>,
    nodes: HashMap<IpAddr, String>,
    host_network: BTreeMap<String, BTreeSet<Workload>>,
    services: HashMap<IpAddr, (String, String)>,
    /// Pod ranges of nodes: `spec.podCIDR` of the inventory, else the /24
    /// (IPv4) every listed pod of one node falls in.
    pod_ranges: Vec<(IpNet, String)>,
    /// Endpoint addresses of each service (namespace, name), when the
    /// inventory has its Endpoints or EndpointSlices.
    endpoints: HashMap<(String, String), BTreeSet<IpAddr>>,
    pub pod_count: usize,
    pub node_names: BTreeSet<String>,
}

impl Directory {
    pub fn build<'a>(inventories: impl IntoIterator<Item = &'a Inventory>) -> Directory {
        let inventories: Vec<&Inventory> = inventories.into_iter().collect();
        let mut d = Directory::default();
        d.learn_pod_ranges(&inventories);
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
            for e in &inv.endpoints {
                d.endpoints
                    .entry((e.namespace.clone(), e.service.clone()))
                    .or_default()
                    .insert(e.ip);
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
                            .insert(workload_of(p));
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

    /// Node pod ranges from the inventory's `spec.podCIDR`, then /24s
    /// learned from the pods seen on one node only.
    fn learn_pod_ranges(&mut self, inventories: &[&Inventory]) {
        let mut declared: Vec<(IpNet, String)> = inventories
            .iter()
            .flat_map(|i| i.nodes.iter())
            .filter_map(|n| Some((IpNet::parse(n.pod_cidr.as_deref()?)?, n.name.clone())))
            .collect();
        let mut learned: BTreeMap<[u8; 3], BTreeSet<&str>> = BTreeMap::new();
        for p in inventories.iter().flat_map(|i| i.pods.iter()) {
            let Some(node) = p.node.as_deref() else {
                continue;
            };
            if p.host_network {
                continue;
            }
            for ip in &p.ips {
                if let IpAddr::V4(a) = ip {
                    let o = a.octets();
                    learned.entry([o[0], o[1], o[2]]).or_default().insert(node);
                }
            }
        }
        for (net, nodes) in learned {
            let mut it = nodes.into_iter();
            if let (Some(node), None) = (it.next(), it.next()) {
                let range = IpNet {
                    addr: IpAddr::V4(std::net::Ipv4Addr::new(net[0], net[1], net[2], 0)),
                    prefix: 24,
                };
                if !declared.iter().any(|(r, _)| r.overlaps(&range)) {
                    declared.push((range, node.to_string()));
                }
            }
        }
        self.pod_ranges = declared;
    }

    fn node_of_pod_range(&self, ip: IpAddr) -> Option<&str> {
        self.pod_ranges
            .iter()
            .filter(|(r, _)| r.contains(ip))
            .max_by_key(|(r, _)| r.prefix)
            .map(|(_, n)| n.as_str())
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

    /// The pod that last had `ip` when no pod had it at `at` (all of its
    /// pods deleted by then): the address of a backend that is gone.
    pub fn gone_pod(&self, ip: IpAddr, at: Option<DateTime<Utc>>) -> Option<&Pod> {
        let pods = self.pods.get(&ip)?;
        let alive = |p: &&Pod| match at {
            Some(t) => p.created.is_none_or(|c| c <= t) && p.deleted.is_none_or(|d| d > t),
            None => p.deleted.is_none(),
        };
        if pods.iter().any(|p| alive(&p)) {
            return None;
        }
        pods.iter()
            .filter(|p| p.deleted.is_some_and(|d| at.is_none_or(|t| d <= t)))
            .max_by_key(|p| p.deleted)
    }

    /// The service whose ClusterIP is `ip`, and whether `backend` is among
    /// its endpoints (`None` when the inventory has none for it).
    pub fn service_backend(&self, ip: IpAddr, backend: IpAddr) -> Option<(String, Option<bool>)> {
        let (ns, name) = self.services.get(&ip)?;
        let known = self
            .endpoints
            .get(&(ns.clone(), name.clone()))
            .map(|set| set.contains(&backend));
        Some((format!("{ns}/{name}"), known))
    }

    /// Who `ip` was at `at`.
    pub fn who(&self, ip: IpAddr, at: Option<DateTime<Utc>>) -> Who {
        if crate::parse::conntrack::is_redacted(ip) {
            return Who {
                workload: Workload {
                    namespace: None,
                    kind: WorkloadKind::Redacted,
                    name: String::new(),
                },
                ..Who::unknown()
            };
        }
        if let Some(p) = self.pod_at(&ip, at) {
            return Who {
                workload: workload_of(p),
                pod: Some(p.name.clone()),
                node: p.node.clone(),
                shared_with: Vec::new(),
            };
        }
        if let Some(node) = self.nodes.get(&ip) {
            return Who {
                workload: Workload {
                    namespace: None,
                    kind: WorkloadKind::Node,
                    name: node.clone(),
                },
                pod: None,
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
                workload: Workload {
                    namespace: Some(ns.clone()),
                    kind: WorkloadKind::Service,
                    name: name.clone(),
                },
                ..Who::unknown()
            };
        }
        if let Some(node) = self.node_of_pod_range(ip) {
            return Who {
                workload: Workload {
                    namespace: None,
                    kind: WorkloadKind::UnlistedPod,
                    name: node.to_string(),
                },
                node: Some(node.to_string()),
                ..Who::unknown()
            };
        }
        let kind = if is_private(ip) {
            WorkloadKind::Unattributed
        } else {
            WorkloadKind::External
        };
        Who {
            workload: Workload {
                namespace: None,
                kind,
                name: network_of(ip),
            },
            ..Who::unknown()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::{Node, Owner, Service};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn pod(ns: &str, name: &str, ip: &str, owner: Option<(&str, &str)>) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            node: Some("node-a".into()),
            ips: vec![ip.parse().unwrap()],
            host_network: false,
            phase: Some("Running".into()),
            created: None,
            deleted: None,
            started: None,
            owner: owner.map(|(k, n)| Owner {
                kind: k.into(),
                name: n.into(),
                inferred: false,
            }),
            labels: Default::default(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn pods_are_named_by_their_workload() {
        let inv = Inventory {
            pods: vec![pod(
                "web",
                "storefront-bff-7d9f8c6b5-2kq8w",
                "10.4.5.23",
                Some(("ReplicaSet", "storefront-bff-7d9f8c6b5")),
            )],
            ..Default::default()
        };
        let d = Directory::build([&inv]);
        let w = d.who(ip("10.4.5.23"), None);
        assert_eq!(w.kind(), AddrKind::Pod);
        assert_eq!(
            w.workload.owner().as_deref(),
            Some("Deployment/storefront-bff")
        );
        assert_eq!(w.label(), "web/storefront-bff");
        assert_eq!(w.node.as_deref(), Some("node-a"));
    }

    #[test]
    fn reused_pod_ips_are_chosen_by_time() {
        let mut old = pod(
            "ops",
            "report-28871520-x2b4k",
            "10.4.1.25",
            Some(("Job", "report-28871520")),
        );
        old.created = Some(t("2024-11-25T03:00:00Z"));
        old.deleted = Some(t("2024-11-25T20:00:00Z"));
        let mut new = pod(
            "catalog",
            "search-5f6d7c8b9-q2w4x",
            "10.4.1.25",
            Some(("ReplicaSet", "search-5f6d7c8b9")),
        );
        new.created = Some(t("2024-11-25T20:05:00Z"));
        let inv = Inventory {
            pods: vec![old, new],
            ..Default::default()
        };
        let d = Directory::build([&inv]);
        assert_eq!(
            d.who(ip("10.4.1.25"), Some(t("2024-11-25T09:00:00Z")))
                .pod
                .as_deref(),
            Some("report-28871520-x2b4k")
        );
        assert_eq!(
            d.who(ip("10.4.1.25"), Some(t("2024-11-26T09:00:00Z")))
                .pod
                .as_deref(),
            Some("search-5f6d7c8b9-q2w4x")
        );
        // Between the two pods: the last one created before.
        assert_eq!(
            d.who(ip("10.4.1.25"), Some(t("2024-11-25T20:02:00Z")))
                .pod
                .as_deref(),
            Some("report-28871520-x2b4k")
        );
        // No time: the live one.
        assert_eq!(
            d.who(ip("10.4.1.25"), None).pod.as_deref(),
            Some("search-5f6d7c8b9-q2w4x")
        );
    }

    #[test]
    fn host_network_pods_share_the_node_address() {
        let mut kp = pod(
            "kube-system",
            "kube-proxy-node-a",
            "10.128.0.11",
            Some(("Node", "node-a")),
        );
        kp.host_network = true;
        let inv = Inventory {
            pods: vec![kp],
            nodes: vec![Node {
                name: "node-a".into(),
                internal_ips: vec![ip("10.128.0.11")],
                external_ips: vec![],
                cpu_millis: Some(4000),
                memory_bytes: None,
                kernel: None,
                os_image: None,
                pod_cidr: None,
                provider_id: None,
                hostnames: Vec::new(),
            }],
            ..Default::default()
        };
        let d = Directory::build([&inv]);
        let w = d.who(ip("10.128.0.11"), None);
        assert_eq!(w.kind(), AddrKind::Node);
        assert_eq!(w.workload.owner().as_deref(), Some("Node/node-a"));
        assert_eq!(w.shared_with.len(), 1);
        assert!(w.shared_with[0].to_string().starts_with("kube-system/"));
    }

    #[test]
    fn services_external_and_unknown_addresses() {
        let inv = Inventory {
            services: vec![Service {
                namespace: "kube-system".into(),
                name: "kube-dns".into(),
                cluster_ips: vec![ip("10.8.0.10")],
                ports: vec![(53, "UDP".into())],
            }],
            ..Default::default()
        };
        let d = Directory::build([&inv]);
        assert_eq!(d.who(ip("10.8.0.10"), None).label(), "kube-system/kube-dns");
        let ext = d.who(ip("203.0.113.50"), None);
        assert_eq!(
            (ext.kind(), ext.label()),
            (AddrKind::External, "external 203.0.113.0/24".to_string())
        );
        let v6 = d.who(ip("2001:db8:1:2::7"), None);
        assert_eq!(v6.label(), "external 2001:db8:1:2::/64");
        let unknown = d.who(ip("10.4.9.12"), None);
        assert_eq!(
            (unknown.kind(), unknown.label()),
            (AddrKind::Unknown, "addresses in 10.4.9.0/24".to_string())
        );
        // No inventory at all: the same rules, nothing named.
        let empty = Directory::build(std::iter::empty::<&Inventory>());
        assert!(empty.is_empty());
        assert_eq!(empty.who(ip("10.8.0.10"), None).kind(), AddrKind::Unknown);
    }

    #[test]
    fn an_address_in_a_node_pod_range_is_an_unlisted_pod_there() {
        let node = |name: &str, cidr: Option<&str>| Node {
            name: name.into(),
            internal_ips: vec![],
            external_ips: vec![],
            cpu_millis: None,
            memory_bytes: None,
            kernel: None,
            os_image: None,
            pod_cidr: cidr.map(str::to_string),
            provider_id: None,
            hostnames: Vec::new(),
        };
        let mut listed = pod("web", "api-7c9f8b5d4-x8k2q", "10.4.7.12", None);
        listed.node = Some("node-b".into());
        let inv = Inventory {
            nodes: vec![node("node-a", Some("10.4.1.0/24")), node("node-b", None)],
            pods: vec![listed],
            ..Default::default()
        };
        let d = Directory::build([&inv]);
        // Declared range.
        let w = d.who(ip("10.4.1.77"), None);
        assert_eq!(w.label(), "unlisted pod on node-a");
        assert_eq!(w.node.as_deref(), Some("node-a"));
        // Learned from the pods listed on node-b.
        assert_eq!(
            d.who(ip("10.4.7.200"), None).label(),
            "unlisted pod on node-b"
        );
        // The listed pod is itself; anything else stays unattributed.
        assert_eq!(
            d.who(ip("10.4.7.12"), None).label(),
            "web/api-7c9f8b5d4-x8k2q"
        );
        assert_eq!(
            d.who(ip("10.9.0.5"), None).label(),
            "addresses in 10.9.0.0/24"
        );
        assert!(IpNet::parse("10.4.1.0/33").is_none());
        assert!(IpNet::parse("fd00::/64").is_some_and(|n| n.contains(ip("fd00::1"))));
    }
}
