//! Kubernetes inventory records: pods, nodes, services, endpoints, container
//! runtime views and in-pod socket tables.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, Utc};

/// Who owns a pod, as `metadata.ownerReferences[0]` says (or as inferred
/// from its name when the capture has no owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// `ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, `Node` (static pods), ...
    pub kind: String,
    pub name: String,
    /// True when read from the pod name, not from ownerReferences.
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    /// `status.podIPs` (or `status.podIP`, or the IP column of `-o wide`).
    pub ips: Vec<IpAddr>,
    pub host_network: bool,
    /// `status.phase` or the STATUS column (`Running`, `Completed`, ...).
    pub phase: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub deleted: Option<DateTime<Utc>>,
    pub started: Option<DateTime<Utc>>,
    pub owner: Option<Owner>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub internal_ips: Vec<IpAddr>,
    pub external_ips: Vec<IpAddr>,
    /// CPU capacity in millicores (`4` → 4000, `3920m` → 3920).
    pub cpu_millis: Option<u64>,
    /// Memory capacity in bytes (`16393216Ki` → 16786653184).
    pub memory_bytes: Option<u64>,
    pub kernel: Option<String>,
    pub os_image: Option<String>,
    /// `spec.podCIDR`.
    pub pod_cidr: Option<String>,
    /// `spec.providerID`, which names the cloud instance
    /// (`aws:///eu-west-1a/i-0a1b2c3d4e5f60718`).
    pub provider_id: Option<String>,
    /// `status.addresses` of type Hostname and InternalDNS.
    pub hostnames: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    /// `spec.clusterIPs` / CLUSTER-IP; empty for headless (`None`).
    pub cluster_ips: Vec<IpAddr>,
    /// (port, protocol) pairs, e.g. (53, "UDP").
    pub ports: Vec<(u16, String)>,
}

/// One address behind a service (Endpoints or EndpointSlice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub namespace: String,
    pub service: String,
    pub ip: IpAddr,
    /// `targetRef.name` when it is a Pod.
    pub pod: Option<String>,
    pub node: Option<String>,
}

/// A pod sandbox from `crictl pods`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    pub id: String,
    pub name: String,
    pub namespace: Option<String>,
    pub state: String,
    /// The CREATED column as printed (`2 hours ago`): relative, kept as text.
    pub created: String,
}

/// A container from `crictl ps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub state: String,
    pub pod_id: Option<String>,
    pub pod: Option<String>,
}

/// One socket of an in-pod `netstat -tan` / `ss -tan[p]` capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// `tcp`, `tcp6`, `udp`, ...
    pub proto: String,
    /// Normalised to conntrack-style names: `ESTABLISHED`, `TIME_WAIT`,
    /// `SYN_SENT`, `LISTEN`, `CLOSE_WAIT`, `FIN_WAIT1`, ... (`ESTAB` →
    /// `ESTABLISHED`, `TIME-WAIT` → `TIME_WAIT`).
    pub state: String,
    /// IPv4-mapped IPv6 addresses (`::ffff:10.4.1.2`) are given as IPv4.
    pub local: SocketAddr,
    pub peer: Option<SocketAddr>,
    /// `users:(("envoy",pid=1,fd=42))` → `envoy`.
    pub process: Option<String>,
}

/// Everything one inventory file held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub pods: Vec<Pod>,
    pub nodes: Vec<Node>,
    pub services: Vec<Service>,
    pub endpoints: Vec<Endpoint>,
    pub sandboxes: Vec<Sandbox>,
    pub containers: Vec<Container>,
    pub sockets: Vec<Socket>,
}
