//! JSON from `kubectl get ... -o json`, grammar: the fields of Pods,
//! Nodes, Services, Endpoints and EndpointSlices that the inventory keeps,
//! as typed serde records that tolerate missing fields and `null`s, turned
//! into [`crate::model::inventory`] records.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::ip_addr;
use super::owner::without_generated_suffix;
use super::quantity::scaled_quantity;
use crate::model::inventory::{Endpoint, Inventory, Node, Owner, Pod, Service};

/// A missing field and an explicit `null` both give the default.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metadata {
    name: Option<String>,
    namespace: Option<String>,
    creation_timestamp: Option<String>,
    deletion_timestamp: Option<String>,
    #[serde(deserialize_with = "or_default")]
    owner_references: Vec<OwnerReference>,
    #[serde(deserialize_with = "or_default")]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OwnerReference {
    kind: Option<String>,
    name: Option<String>,
    controller: Option<bool>,
}

/// Any Kubernetes object, with the fields read from each kind this module
/// knows (no two of them give one field different types). Serde skips every
/// other field without keeping it, so a large `List` costs little more than
/// its text.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Object {
    /// Missing on the items of the API's `PodList`, `NodeList`, ...
    pub kind: Option<String>,
    /// The items of a `List` (or `PodList`, ...).
    pub items: Option<Vec<Object>>,
    metadata: Metadata,
    spec: Spec,
    status: Status,
    /// Endpoints.
    #[serde(deserialize_with = "or_default")]
    subsets: Vec<Subset>,
    /// EndpointSlice.
    address_type: Option<String>,
    /// EndpointSlice.
    #[serde(deserialize_with = "or_default")]
    endpoints: Vec<SliceEndpoint>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    /// Pod.
    node_name: Option<String>,
    /// Pod.
    host_network: Option<bool>,
    /// Node.
    #[serde(rename = "podCIDR")]
    pod_cidr: Option<String>,
    /// Node: `aws:///eu-west-1a/i-0a1b2c3d4e5f60718`, `gce://project/zone/name`.
    #[serde(rename = "providerID")]
    provider_id: Option<String>,
    /// Service.
    #[serde(rename = "clusterIP")]
    cluster_ip: Option<String>,
    /// Service.
    #[serde(rename = "clusterIPs", deserialize_with = "or_default")]
    cluster_ips: Vec<String>,
    /// Service.
    #[serde(deserialize_with = "or_default")]
    ports: Vec<ServicePort>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    /// Pod.
    #[serde(rename = "podIP")]
    pod_ip: Option<String>,
    /// Pod.
    #[serde(rename = "podIPs", deserialize_with = "or_default")]
    pod_ips: Vec<PodIp>,
    /// Pod.
    phase: Option<String>,
    /// Pod.
    start_time: Option<String>,
    /// Node.
    #[serde(deserialize_with = "or_default")]
    addresses: Vec<NodeAddress>,
    /// Node.
    capacity: Capacity,
    /// Node.
    node_info: NodeInfo,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PodIp {
    ip: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeAddress {
    #[serde(rename = "type")]
    kind: String,
    address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Capacity {
    cpu: Option<Value>,
    memory: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct NodeInfo {
    kernel_version: Option<String>,
    os_image: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ServicePort {
    port: Option<u16>,
    protocol: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Subset {
    #[serde(deserialize_with = "or_default")]
    addresses: Vec<EndpointAddress>,
    #[serde(deserialize_with = "or_default")]
    not_ready_addresses: Vec<EndpointAddress>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct EndpointAddress {
    ip: Option<String>,
    node_name: Option<String>,
    target_ref: Option<ObjectRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ObjectRef {
    kind: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SliceEndpoint {
    #[serde(deserialize_with = "or_default")]
    addresses: Vec<String>,
    node_name: Option<String>,
    target_ref: Option<ObjectRef>,
    /// `discovery.k8s.io/v1beta1` put the node in `kubernetes.io/hostname`.
    #[serde(deserialize_with = "or_default")]
    topology: BTreeMap<String, String>,
}

impl Object {
    /// `metadata.name`, for messages.
    pub(super) fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("(no name)")
    }
}

/// Why an object could not be read: what a field should have held (one
/// reason per field, so skips group by it) and what it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unreadable {
    pub expected: String,
    pub found: Option<String>,
}

impl Unreadable {
    fn new(expected: String, found: &str) -> Unreadable {
        Unreadable {
            expected,
            found: Some(found.to_owned()),
        }
    }

    fn missing(expected: &str) -> Unreadable {
        Unreadable {
            expected: expected.to_owned(),
            found: None,
        }
    }
}

/// Reads an object of kind `kind` into `inv`: how many records it made,
/// or what was wrong with it; `None` for a kind not read.
pub(super) fn read(o: Object, kind: &str, inv: &mut Inventory) -> Option<Result<u64, Unreadable>> {
    Some(match kind {
        "Pod" => pod(o).map(|p| inv.pods.push(p)).map(|()| 1),
        "Node" => node(o).map(|n| inv.nodes.push(n)).map(|()| 1),
        "Service" => service(o).map(|s| inv.services.push(s)).map(|()| 1),
        "Endpoints" => endpoints(o).map(|e| extend(&mut inv.endpoints, e)),
        "EndpointSlice" => endpoint_slice(o).map(|e| extend(&mut inv.endpoints, e)),
        _ => return None,
    })
}

/// Appends `more`, saying how many.
fn extend<T>(to: &mut Vec<T>, more: Vec<T>) -> u64 {
    let n = more.len() as u64;
    to.extend(more);
    n
}

/// A string field, absent when empty.
fn present(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// `metadata.name`, which every object needs.
fn name_of(meta: &mut Metadata) -> Result<String, Unreadable> {
    present(meta.name.take()).ok_or_else(|| Unreadable::missing("a metadata.name"))
}

/// `metadata.namespace`; kubectl always prints it for namespaced objects,
/// and the API puts objects without one in `default`.
fn namespace_of(meta: &mut Metadata) -> String {
    present(meta.namespace.take()).unwrap_or_else(|| "default".to_owned())
}

/// An RFC 3339 time such as `2024-11-26T08:58:12Z`.
fn time(field: &str, text: Option<String>) -> Result<Option<DateTime<Utc>>, Unreadable> {
    let Some(text) = present(text) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| Unreadable::new(format!("an RFC 3339 time in {field}"), &text))
}

/// An IP address read from `field`.
fn ip_field(field: &str, text: &str) -> Result<std::net::IpAddr, Unreadable> {
    ip_addr(text).ok_or_else(|| Unreadable::new(format!("an IP address in {field}"), text))
}

/// The controlling owner reference, else the first one.
fn owner_of(refs: Vec<OwnerReference>) -> Option<Owner> {
    let pick = refs
        .iter()
        .position(|r| r.controller == Some(true))
        .unwrap_or(0);
    let r = refs.into_iter().nth(pick)?;
    Some(Owner {
        kind: present(r.kind)?,
        name: present(r.name)?,
        inferred: false,
    })
}

/// A Pod: IPs from `status.podIPs` and `status.podIP`, owner from
/// `metadata.ownerReferences`.
fn pod(p: Object) -> Result<Pod, Unreadable> {
    let mut meta = p.metadata;
    let name = name_of(&mut meta)?;
    let mut ips = Vec::new();
    let listed = p.status.pod_ips.into_iter().filter_map(|x| x.ip);
    for text in listed.chain(p.status.pod_ip).filter(|s| !s.is_empty()) {
        let ip = ip_field("status.podIPs", &text)?;
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    Ok(Pod {
        namespace: namespace_of(&mut meta),
        name,
        node: present(p.spec.node_name),
        ips,
        host_network: p.spec.host_network.unwrap_or(false),
        phase: present(p.status.phase),
        created: time("metadata.creationTimestamp", meta.creation_timestamp)?,
        deleted: time("metadata.deletionTimestamp", meta.deletion_timestamp)?,
        started: time("status.startTime", p.status.start_time)?,
        owner: owner_of(meta.owner_references),
        labels: meta.labels,
    })
}

/// A Node: addresses, capacity, kernel and OS image, pod CIDR.
fn node(n: Object) -> Result<Node, Unreadable> {
    let mut meta = n.metadata;
    let mut internal_ips = Vec::new();
    let mut external_ips = Vec::new();
    let mut hostnames = Vec::new();
    for a in &n.status.addresses {
        let to = match a.kind.as_str() {
            "InternalIP" => &mut internal_ips,
            "ExternalIP" => &mut external_ips,
            "Hostname" | "InternalDNS" => {
                if !hostnames.contains(&a.address) {
                    hostnames.push(a.address.clone());
                }
                continue;
            }
            _ => continue,
        };
        let ip = ip_field("status.addresses", &a.address)?;
        if !to.contains(&ip) {
            to.push(ip);
        }
    }
    let capacity = &n.status.capacity;
    let info = n.status.node_info;
    Ok(Node {
        name: name_of(&mut meta)?,
        internal_ips,
        external_ips,
        cpu_millis: capacity_field("cpu", capacity.cpu.as_ref(), 1000)?,
        memory_bytes: capacity_field("memory", capacity.memory.as_ref(), 1)?,
        kernel: present(info.kernel_version),
        os_image: present(info.os_image),
        pod_cidr: present(n.spec.pod_cidr),
        provider_id: present(n.spec.provider_id),
        hostnames,
    })
}

/// `status.capacity.<field>` in `unit`s per whole (1000 for millicores).
fn capacity_field(field: &str, v: Option<&Value>, unit: u128) -> Result<Option<u64>, Unreadable> {
    let text = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(Unreadable::new(
                format!("a quantity in status.capacity.{field}"),
                &other.to_string(),
            ));
        }
    };
    scaled_quantity(&text, unit)
        .map(Some)
        .ok_or_else(|| Unreadable::new(format!("a quantity in status.capacity.{field}"), &text))
}

/// A Service: cluster IPs (`spec.clusterIPs`, else `spec.clusterIP`) and
/// ports.
fn service(s: Object) -> Result<Service, Unreadable> {
    let mut meta = s.metadata;
    let spec = s.spec;
    let listed = if spec.cluster_ips.is_empty() {
        spec.cluster_ip.into_iter().collect()
    } else {
        spec.cluster_ips
    };
    let mut cluster_ips = Vec::new();
    // `None` is a headless service, an empty string an ExternalName one.
    for text in listed.iter().filter(|t| !t.is_empty() && *t != "None") {
        cluster_ips.push(ip_field("spec.clusterIPs", text)?);
    }
    let mut ports = Vec::new();
    for p in spec.ports {
        let port = p
            .port
            .ok_or_else(|| Unreadable::missing("a number in spec.ports[].port"))?;
        let protocol = present(p.protocol).unwrap_or_else(|| "TCP".to_owned());
        ports.push((port, protocol));
    }
    Ok(Service {
        namespace: namespace_of(&mut meta),
        name: name_of(&mut meta)?,
        cluster_ips,
        ports,
    })
}

/// `targetRef.name` when the target is a Pod.
fn pod_ref(r: Option<ObjectRef>) -> Option<String> {
    r.filter(|r| r.kind.as_deref() == Some("Pod"))
        .and_then(|r| present(r.name))
}

/// The ready and not-ready addresses of an Endpoints object.
fn endpoints(e: Object) -> Result<Vec<Endpoint>, Unreadable> {
    let mut meta = e.metadata;
    let service = name_of(&mut meta)?;
    let namespace = namespace_of(&mut meta);
    let mut out = Vec::new();
    for subset in e.subsets {
        for a in subset
            .addresses
            .into_iter()
            .chain(subset.not_ready_addresses)
        {
            let text = a.ip.unwrap_or_default();
            out.push(Endpoint {
                namespace: namespace.clone(),
                service: service.clone(),
                ip: ip_field("subsets[].addresses[].ip", &text)?,
                pod: pod_ref(a.target_ref),
                node: present(a.node_name),
            });
        }
    }
    Ok(out)
}

/// The service of a slice: its `kubernetes.io/service-name` label, else its
/// name without the generated `-xxxxx` suffix.
fn slice_service(meta: &mut Metadata) -> Result<String, Unreadable> {
    if let Some(name) = present(meta.labels.remove("kubernetes.io/service-name")) {
        return Ok(name);
    }
    let name = name_of(meta)?;
    Ok(without_generated_suffix(&name).to_owned())
}

/// The addresses of an EndpointSlice; FQDN slices hold no IP.
fn endpoint_slice(s: Object) -> Result<Vec<Endpoint>, Unreadable> {
    if s.address_type.as_deref() == Some("FQDN") {
        return Ok(Vec::new());
    }
    let mut meta = s.metadata;
    let service = slice_service(&mut meta)?;
    let namespace = namespace_of(&mut meta);
    let mut out = Vec::new();
    for mut e in s.endpoints {
        let node = present(e.node_name).or_else(|| e.topology.remove("kubernetes.io/hostname"));
        let pod = pod_ref(e.target_ref);
        for text in &e.addresses {
            out.push(Endpoint {
                namespace: namespace.clone(),
                service: service.clone(),
                ip: ip_field("endpoints[].addresses", text)?,
                pod: pod.clone(),
                node: node.clone(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::model::inventory::Inventory;
    use crate::parse::Outcome;

    fn read(json: &str) -> Outcome<Inventory> {
        super::super::parse_inventory(json.as_bytes())
    }

    const PODS: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": "2024-11-26T08:58:12Z",
                "labels": {"app": "web", "pod-template-hash": "7c9f8b5d4"},
                "name": "web-7c9f8b5d4-x8k2q",
                "namespace": "shop",
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true,
                     "kind": "ReplicaSet", "name": "web-7c9f8b5d4", "uid": "5b1c"}
                ]
            },
            "spec": {"nodeName": "gke-prod-default-pool-7f3a9c21-x2lq"},
            "status": {
                "phase": "Running",
                "podIP": "10.4.1.23",
                "podIPs": [{"ip": "10.4.1.23"}, {"ip": "fd00:10:4:1::17"}],
                "startTime": "2024-11-26T08:58:13Z"
            }
        },
        {
            "kind": "Pod",
            "metadata": {
                "name": "db-0", "namespace": "shop",
                "creationTimestamp": "2024-11-20T10:00:00Z",
                "deletionTimestamp": "2024-11-26T09:01:30Z",
                "ownerReferences": [{"kind": "StatefulSet", "name": "db", "controller": true}]
            },
            "spec": {"nodeName": "gke-prod-default-pool-7f3a9c21-x2lq"},
            "status": {"phase": "Running", "podIP": "10.4.1.40", "podIPs": [{"ip": "10.4.1.40"}]}
        },
        {
            "kind": "Pod",
            "metadata": {
                "name": "fluentbit-gke-8xk2p", "namespace": "kube-system",
                "ownerReferences": [{"kind": "DaemonSet", "name": "fluentbit-gke", "controller": true}]
            },
            "spec": {"nodeName": "gke-prod-default-pool-7f3a9c21-x2lq", "hostNetwork": true},
            "status": {"phase": "Running", "podIP": "10.128.0.5", "podIPs": [{"ip": "10.128.0.5"}]}
        },
        {
            "kind": "Pod",
            "metadata": {
                "name": "backup-28871520-v7x2k", "namespace": "ops",
                "ownerReferences": [{"kind": "Job", "name": "backup-28871520", "controller": true}]
            },
            "spec": {"nodeName": "gke-prod-default-pool-9b2e4d10-m4kp"},
            "status": {"phase": "Succeeded", "podIP": "10.4.2.9"}
        },
        {
            "kind": "Pod",
            "metadata": {"name": "debug-shell", "namespace": "default", "labels": null},
            "spec": {},
            "status": {"phase": "Pending"}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
"#;

    #[test]
    fn pod_list_with_owners_dual_stack_deletion_and_host_network() {
        let out = read(PODS);
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.records, 5);
        let pods = &out.value.pods;
        assert_eq!(pods.len(), 5);
        let web = &pods[0];
        assert_eq!(
            (web.namespace.as_str(), web.name.as_str()),
            ("shop", "web-7c9f8b5d4-x8k2q")
        );
        let ips: Vec<String> = web.ips.iter().map(|i| i.to_string()).collect();
        assert_eq!(ips, ["10.4.1.23", "fd00:10:4:1::17"]);
        assert_eq!(
            web.node.as_deref(),
            Some("gke-prod-default-pool-7f3a9c21-x2lq")
        );
        assert_eq!(web.phase.as_deref(), Some("Running"));
        assert_eq!(
            web.created.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-11-26T08:58:12+00:00")
        );
        assert_eq!(web.started.map(|t| t.timestamp()), Some(1_732_611_493));
        assert_eq!(web.labels.get("app").map(String::as_str), Some("web"));
        let owner = web
            .owner
            .as_ref()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.inferred));
        assert_eq!(owner, Some(("ReplicaSet", "web-7c9f8b5d4", false)));
        assert!(!web.host_network);

        assert_eq!(pods[1].deleted.map(|t| t.timestamp()), Some(1_732_611_690));
        assert!(pods[2].host_network);
        let owners: Vec<Option<&str>> = pods
            .iter()
            .map(|p| p.owner.as_ref().map(|o| o.kind.as_str()))
            .collect();
        assert_eq!(
            owners,
            [
                Some("ReplicaSet"),
                Some("StatefulSet"),
                Some("DaemonSet"),
                Some("Job"),
                None
            ]
        );
        assert!(pods[4].ips.is_empty() && pods[4].labels.is_empty());
        assert_eq!(pods[4].node, None);
    }

    #[test]
    fn a_single_pod_object() {
        let out = read(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"coredns-5d78c9869d-2kq8w","namespace":"kube-system",
            "ownerReferences":[{"kind":"ReplicaSet","name":"coredns-5d78c9869d"}]},
            "spec":{"nodeName":"gke-prod-default-pool-7f3a9c21-x2lq"},"status":{"podIP":"10.4.0.7","phase":"Running"}}"#,
        );
        assert_eq!(out.records, 1);
        let p = &out.value.pods[0];
        assert_eq!(p.ips, ["10.4.0.7".parse::<std::net::IpAddr>().unwrap()]);
        assert_eq!(
            super::super::workload(p),
            ("Deployment".into(), "coredns".into())
        );
    }

    #[test]
    fn nodes_with_capacity_addresses_and_info() {
        let out = read(
            r#"{"kind":"List","items":[
  {"kind":"Node","metadata":{"name":"gke-prod-default-pool-7f3a9c21-x2lq"},
   "spec":{"podCIDR":"10.4.1.0/24"},
   "status":{"addresses":[{"type":"InternalIP","address":"10.128.0.5"},{"type":"ExternalIP","address":"34.123.45.67"},
                          {"type":"Hostname","address":"gke-prod-default-pool-7f3a9c21-x2lq"}],
             "capacity":{"cpu":"4","memory":"16393216Ki","pods":"110"},
             "nodeInfo":{"kernelVersion":"5.15.146+","osImage":"Container-Optimized OS from Google"}}},
  {"kind":"Node","metadata":{"name":"gke-prod-default-pool-9b2e4d10-m4kp"},
   "status":{"addresses":[{"type":"InternalIP","address":"10.128.0.6"}],"capacity":{"cpu":"3920m","memory":"16Gi"}}}
]}"#,
        );
        assert_eq!(out.records, 2);
        let [a, b] = out.value.nodes.as_slice() else {
            panic!("two nodes: {:?}", out.value.nodes);
        };
        assert_eq!(
            a.internal_ips,
            ["10.128.0.5".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(
            a.external_ips,
            ["34.123.45.67".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(
            (a.cpu_millis, a.memory_bytes),
            (Some(4000), Some(16_786_653_184))
        );
        assert_eq!(a.kernel.as_deref(), Some("5.15.146+"));
        assert_eq!(
            a.os_image.as_deref(),
            Some("Container-Optimized OS from Google")
        );
        assert_eq!(a.pod_cidr.as_deref(), Some("10.4.1.0/24"));
        assert_eq!(
            (b.cpu_millis, b.memory_bytes),
            (Some(3920), Some(17_179_869_184))
        );
        assert_eq!(b.kernel, None);
    }

    #[test]
    fn services_with_headless_dual_stack_and_external_name() {
        let out = read(
            r#"{"kind":"List","items":[
  {"kind":"Service","metadata":{"name":"kube-dns","namespace":"kube-system"},
   "spec":{"clusterIP":"10.8.0.10","clusterIPs":["10.8.0.10"],"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}},
  {"kind":"Service","metadata":{"name":"db","namespace":"shop"},"spec":{"clusterIP":"None","clusterIPs":["None"],"ports":[{"port":5432}]}},
  {"kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"clusterIP":"10.8.3.17","clusterIPs":["10.8.3.17","fd00:10:8::3:17"],"ports":[{"port":80,"protocol":"TCP","nodePort":31380}]}},
  {"kind":"Service","metadata":{"name":"ext","namespace":"shop"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}
]}"#,
        );
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let s = &out.value.services;
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].ports, [(53, "UDP".to_owned()), (53, "TCP".to_owned())]);
        assert!(s[1].cluster_ips.is_empty());
        assert_eq!(s[1].ports, [(5432, "TCP".to_owned())]);
        assert_eq!(s[2].cluster_ips.len(), 2);
        assert!(s[3].cluster_ips.is_empty() && s[3].ports.is_empty());
    }

    #[test]
    fn endpoints_and_endpoint_slices() {
        let out = read(
            r#"{"kind":"List","items":[
  {"kind":"Endpoints","metadata":{"name":"kube-dns","namespace":"kube-system"},
   "subsets":[{"addresses":[{"ip":"10.4.0.7","nodeName":"gke-prod-default-pool-7f3a9c21-x2lq","targetRef":{"kind":"Pod","name":"kube-dns-6d5f4b7c8d-k2x9p","namespace":"kube-system"}}],
               "notReadyAddresses":[{"ip":"10.4.2.5","targetRef":{"kind":"Pod","name":"kube-dns-6d5f4b7c8d-q7rtw"}}],
               "ports":[{"port":53,"protocol":"UDP"}]}]},
  {"kind":"Endpoints","metadata":{"name":"kubernetes","namespace":"default"},"subsets":[{"addresses":[{"ip":"172.16.0.2"}]}]},
  {"kind":"EndpointSlice","metadata":{"name":"web-x8k2q","namespace":"shop","labels":{"kubernetes.io/service-name":"web"}},
   "addressType":"IPv4","endpoints":[{"addresses":["10.4.1.23"],"conditions":{"ready":true},"nodeName":"gke-prod-default-pool-7f3a9c21-x2lq","targetRef":{"kind":"Pod","name":"web-7c9f8b5d4-x8k2q"}}]},
  {"kind":"EndpointSlice","metadata":{"name":"db-b7x4z","namespace":"shop"},"addressType":"IPv4",
   "endpoints":[{"addresses":["10.4.1.40"],"topology":{"kubernetes.io/hostname":"gke-prod-default-pool-7f3a9c21-x2lq"}}]},
  {"kind":"EndpointSlice","metadata":{"name":"ext-fqdn","namespace":"shop"},"addressType":"FQDN","endpoints":[{"addresses":["db.example.com"]}]}
]}"#,
        );
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert_eq!(out.records, 5);
        let e = &out.value.endpoints;
        assert_eq!(e[0].pod.as_deref(), Some("kube-dns-6d5f4b7c8d-k2x9p"));
        assert_eq!(
            e[0].node.as_deref(),
            Some("gke-prod-default-pool-7f3a9c21-x2lq")
        );
        assert_eq!(e[1].ip.to_string(), "10.4.2.5");
        assert_eq!(
            (e[2].service.as_str(), e[2].pod.as_deref()),
            ("kubernetes", None)
        );
        assert_eq!(
            (e[3].service.as_str(), e[3].ip.to_string()),
            ("web", "10.4.1.23".into())
        );
        assert_eq!(e[4].service, "db");
        assert_eq!(
            e[4].node.as_deref(),
            Some("gke-prod-default-pool-7f3a9c21-x2lq")
        );
    }

    #[test]
    fn a_bad_item_is_skipped_alone() {
        let out = read(
            r#"{"kind":"List","items":[
  {"kind":"Pod","metadata":{"name":"a","namespace":"x"},"status":{"podIP":"10.4.300.1"}},
  {"kind":"Pod","metadata":{"name":"b","namespace":"x","creationTimestamp":"yesterday"}},
  {"kind":"Pod","metadata":{"namespace":"x"}},
  {"kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":"four"}}},
  {"kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"10.8.0.999"}},
  {"kind":"Pod","metadata":{"name":"ok","namespace":"x"}}
]}"#,
        );
        assert_eq!(out.records, 1);
        assert_eq!(out.value.pods.len(), 1);
        assert_eq!(out.issues.skipped, 5);
        let first = &out.issues.first[0];
        assert_eq!(first.line, 1);
        assert_eq!(
            first.expected,
            "a readable Pod (an IP address in status.podIPs)"
        );
        // The reason groups skips; the snippet shows the value.
        assert_eq!(first.snippet, "Pod a: \"10.4.300.1\"");
        let rest: Vec<(&str, &str)> = out.issues.first[1..]
            .iter()
            .map(|b| (b.expected.as_str(), b.snippet.as_str()))
            .collect();
        assert_eq!(
            rest,
            [
                (
                    "a readable Pod (an RFC 3339 time in metadata.creationTimestamp)",
                    "Pod b: \"yesterday\""
                ),
                ("a readable Pod (a metadata.name)", "Pod (no name)"),
                (
                    "a readable Node (a quantity in status.capacity.cpu)",
                    "Node n: \"four\""
                ),
                (
                    "a readable Service (an IP address in spec.clusterIPs)",
                    "Service s: \"10.8.0.999\""
                ),
            ]
        );
    }

    #[test]
    fn a_field_of_the_wrong_type_fails_its_document_where_it_is() {
        let text = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Service\", \"metadata\": {\"name\": \"s\"},\n     \"spec\": {\"ports\": [{\"port\": 70000}]}}\n  ]\n}\n";
        let out = read(text);
        assert_eq!(out.records, 0);
        assert_eq!(out.issues.skipped, 1);
        let bad = &out.issues.first[0];
        assert_eq!(bad.line, 5);
        assert!(bad.expected.contains("expected u16"), "{}", bad.expected);
    }
}
