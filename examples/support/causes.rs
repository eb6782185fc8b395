//! One small bundle per cause of conntrack trouble, under `samples/causes/`
//! (shared by the `causes` example and its test with `#[path]`; needs
//! `synth.rs` beside it as `crate::synth`). Each case is what an on-call
//! engineer would capture on the nodes involved: `conntrack -L` during the
//! trouble, `conntrack -S` twice two minutes apart, the netfilter sysctls,
//! the kernel log, and the cluster's pods, nodes, services and endpoint
//! slices as `kubectl get -o json` prints them. Deterministic: the same
//! code writes the same bytes.
//!
//! | case | cluster | what happened |
//! | --- | --- | --- |
//! | `insert-races` | AKS, kubenet | parallel A/AAAA lookups from `orders/checkout` race on insert; the table sits at a few percent |
//! | `early-drops` | kubeadm on a 512 MiB edge VM | the kernel's default limit of 16,384 reached; unassured entries evicted |
//! | `long-chains` | kubeadm | `nf_conntrack_buckets` set to 128 by hand: chains too long, inserts refused |
//! | `expectation-full` | kubeadm, SIP gateway | the SIP helper's expectation table full |
//! | `stale-udp` | AKS | CoreDNS rescheduled; a chatty client's UDP entries still point at the old pod |
//! | `snat-ports` | GKE | pods call one partner API through the node's address; masquerading runs out of source ports |
//! | `invalid-spike` | EKS | asymmetric routing after a route change: replies arrive out of window |
//! | `healthy` | GKE | a quiet afternoon, for contrast |

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctsleuth::model::entry::{Layout, render};
use ctsleuth::model::{Entry, Flags, L4, State, Tuple};
use flate2::{Compression, write::GzEncoder};
use serde_json::{Value, json};

use crate::synth::{Rng, entry};

fn v4(o: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], o[3]))
}

fn tuple(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> Tuple {
    Tuple {
        src,
        dst,
        l4: L4::Ports { sport, dport },
        zone: None,
    }
}

/// One node of a case.
struct Node {
    name: &'static str,
    ip: [u8; 4],
    /// First three octets of its pod range (a /24).
    pods: [u8; 3],
    cpus: u32,
    memory_ki: u64,
    limit: u64,
    buckets: u64,
    provider_id: &'static str,
    kernel: &'static str,
    os_image: &'static str,
}

impl Node {
    fn addr(&self) -> IpAddr {
        v4(self.ip)
    }
    fn pod(&self, host: u8) -> IpAddr {
        v4([self.pods[0], self.pods[1], self.pods[2], host])
    }
}

/// A pod of the inventory.
struct Pod {
    namespace: &'static str,
    /// `Deployment`, `StatefulSet` or `DaemonSet` and its name.
    owner: (&'static str, &'static str),
    node: usize,
    host: u8,
    /// Seconds before the capture it was created.
    age_s: i64,
}

/// A service, its ClusterIP and ports, and the pods behind it.
struct Svc {
    namespace: &'static str,
    name: &'static str,
    ip: [u8; 4],
    ports: &'static [(u16, &'static str)],
    /// Indices into the case's pods.
    backends: &'static [usize],
}

/// Counter rises over the two minutes between the `conntrack -S` captures.
#[derive(Clone, Copy, Default)]
struct Rise {
    insert_failed: u64,
    drop: u64,
    early_drop: u64,
    clash_resolve: u64,
    chaintoolong: u64,
    invalid: u64,
    search_restart: u64,
}

/// What a node's snapshot holds beyond its everyday traffic.
type Extra = fn(&Case, usize, &mut Rng, &mut Vec<Entry<'static>>);
/// A log a case writes: its text from the case.
type Log = fn(&Case, &mut Rng) -> String;

struct Case {
    dir: &'static str,
    at: DateTime<Utc>,
    nodes: Vec<Node>,
    pods: Vec<Pod>,
    services: Vec<Svc>,
    /// Everyday entries per node.
    background: Vec<usize>,
    rises: Vec<Rise>,
    extra: Option<(usize, Extra)>,
    kernel: Option<(usize, Log)>,
    app_log: Option<(usize, &'static str, Log)>,
}

impl Case {
    fn pod_ip(&self, i: usize) -> IpAddr {
        let p = &self.pods[i];
        self.nodes[p.node].pod(p.host)
    }
    fn svc(&self, name: &str) -> &Svc {
        self.services
            .iter()
            .find(|s| s.name == name)
            .expect("the case defines the service")
    }
    fn stamp(&self, t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

fn ephemeral(rng: &mut Rng) -> u16 {
    rng.range(32_768, 60_999) as u16
}

/// Everyday traffic of a node: pods calling services, TIME_WAIT of closed
/// calls, answered DNS, kubelet probes and a little egress.
fn background(case: &Case, node: usize, n: usize, rng: &mut Rng, out: &mut Vec<Entry<'static>>) {
    let local: Vec<usize> = (0..case.pods.len())
        .filter(|&i| case.pods[i].node == node)
        .collect();
    let dns = case.svc("kube-dns");
    let node_ip = case.nodes[node].addr();
    for _ in 0..n {
        let client = case.pod_ip(local[rng.below(local.len() as u64) as usize]);
        let roll = rng.below(100);
        if roll < 14 {
            // DNS, answered.
            let backend = case.pod_ip(dns.backends[rng.below(dns.backends.len() as u64) as usize]);
            let sport = ephemeral(rng);
            out.push(entry(
                17,
                rng.range(1, 30) as u32,
                None,
                tuple(client, v4(dns.ip), sport, 53),
                tuple(backend, client, 53, sport),
                Flags::default(),
            ));
        } else if roll < 20 {
            // Kubelet readiness probes from the node.
            let sport = ephemeral(rng);
            out.push(entry(
                6,
                rng.range(1, 120) as u32,
                Some(State::TIME_WAIT),
                tuple(node_ip, client, sport, 8080),
                tuple(client, node_ip, 8080, sport),
                Flags::ASSURED,
            ));
        } else if roll < 24 {
            // Egress through the node's address.
            let dst = v4([203, 0, 113, 10 + rng.below(40) as u8]);
            let sport = ephemeral(rng);
            out.push(entry(
                6,
                rng.range(86_000, 86_400) as u32,
                Some(State::ESTABLISHED),
                tuple(client, dst, sport, 443),
                tuple(dst, node_ip, 443, sport),
                Flags::ASSURED,
            ));
        } else {
            // A service call, DNAT'd to one of its pods.
            let others: Vec<&Svc> = case
                .services
                .iter()
                .filter(|s| s.name != "kube-dns" && !s.backends.is_empty())
                .collect();
            let svc = others[rng.below(others.len() as u64) as usize];
            let mut backend =
                case.pod_ip(svc.backends[rng.below(svc.backends.len() as u64) as usize]);
            if backend == client {
                // No hairpin: the call goes to another replica.
                backend = case.pod_ip(
                    svc.backends[(svc
                        .backends
                        .iter()
                        .position(|&b| case.pod_ip(b) == client)
                        .unwrap_or(0)
                        + 1)
                        % svc.backends.len()],
                );
            }
            let (port, _) = svc.ports[0];
            let sport = ephemeral(rng);
            let (state, timeout) = if roll < 70 {
                (State::ESTABLISHED, rng.range(80_000, 86_400) as u32)
            } else {
                (State::TIME_WAIT, rng.range(1, 120) as u32)
            };
            out.push(entry(
                6,
                timeout,
                Some(state),
                tuple(client, v4(svc.ip), sport, port),
                tuple(backend, client, port, sport),
                Flags::ASSURED,
            ));
        }
    }
}

fn listing(entries: &[Entry<'static>], rng: &mut Rng) -> String {
    // The kernel lists in hash order: shuffled.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut out = String::with_capacity(entries.len() * 200);
    for i in order {
        out.push_str(&render(&entries[i], Layout::Default));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "conntrack v1.4.6 (conntrack-tools): {} flow entries have been shown.",
        entries.len()
    );
    out
}

/// `conntrack -S` at `t`, counters split over the CPUs the way the kernel
/// keeps them (unevenly).
fn conntrack_s(node: &Node, rise: &Rise, t: DateTime<Utc>, end: bool, rng: &mut Rng) -> String {
    let cpus = u64::from(node.cpus);
    let share = |total: u64, cpu: u64| -> u64 {
        // 40 % on CPU 0 (the one taking the NIC's interrupts), the rest even.
        if cpus == 1 {
            total
        } else if cpu == 0 {
            total * 2 / 5
        } else {
            (total - total * 2 / 5) / (cpus - 1)
                + u64::from(cpu == 1) * ((total - total * 2 / 5) % (cpus - 1))
        }
    };
    let up = (t.timestamp() % 1_000_000) as u64;
    let mut out = String::new();
    for cpu in 0..cpus {
        let base = |k: u64| k * (cpu + 3) * 10 + (up / 97) * k / 57;
        let add = |total: u64| if end { share(total, cpu) } else { 0 };
        let _ = writeln!(
            out,
            "cpu={cpu:<4}\tfound={} invalid={} insert=0 insert_failed={} drop={} early_drop={} error={} search_restart={} clash_resolve={} chaintoolong={} ",
            base(4_113) + if end { 1_900 + rng.below(300) } else { 0 },
            base(57) + add(rise.invalid),
            base(3) + add(rise.insert_failed),
            add(rise.drop),
            add(rise.early_drop),
            cpu * 2,
            base(29) + add(rise.search_restart),
            base(11) + add(rise.clash_resolve),
            add(rise.chaintoolong),
        );
    }
    out
}

fn uid(rng: &mut Rng) -> String {
    let h = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(rng.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    };
    format!(
        "{}-{}-{}-{}-{}",
        h(rng, 8),
        h(rng, 4),
        h(rng, 4),
        h(rng, 4),
        h(rng, 12)
    )
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn list(items: Vec<Value>) -> String {
    let v = json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}});
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn pods_json(case: &Case, rng: &mut Rng) -> String {
    let mut items = Vec::new();
    for (i, p) in case.pods.iter().enumerate() {
        let (kind, owner) = p.owner;
        // One pod-template hash per Deployment, as its ReplicaSet has.
        let hash = format!(
            "{:x}",
            owner
                .bytes()
                .fold(0x5c6d_7f8bu64, |h, b| (h * 31 + u64::from(b))
                    % 0xf_ffff_ffff)
        );
        let suffix: String = (0..5)
            .map(|_| {
                let c = b"bcdfghjklmnpqrstvwxz2456789"[rng.below(27) as usize];
                char::from(c)
            })
            .collect();
        let (name, owner_kind, owner_name) = match kind {
            "Deployment" => (
                format!("{owner}-{hash}-{suffix}"),
                "ReplicaSet",
                format!("{owner}-{hash}"),
            ),
            "StatefulSet" => (
                format!("{owner}-{}", p.node),
                "StatefulSet",
                owner.to_string(),
            ),
            _ => (format!("{owner}-{suffix}"), kind, owner.to_string()),
        };
        let created = case.at - Duration::seconds(p.age_s);
        let ip = case.pod_ip(i).to_string();
        items.push(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": rfc3339(created),
                "labels": if kind == "Deployment" {
                    json!({"app": owner, "pod-template-hash": hash})
                } else {
                    json!({"app": owner})
                },
                "name": name,
                "namespace": p.namespace,
                "ownerReferences": [{
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": true,
                    "controller": true,
                    "kind": owner_kind,
                    "name": owner_name,
                    "uid": uid(rng),
                }],
                "uid": uid(rng),
            },
            "spec": {"nodeName": case.nodes[p.node].name, "containers": [{"name": owner}]},
            "status": {
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "hostIP": case.nodes[p.node].addr().to_string(),
                "startTime": rfc3339(created + Duration::seconds(2)),
            },
        }));
    }
    list(items)
}

fn nodes_json(case: &Case) -> String {
    let items = case
        .nodes
        .iter()
        .map(|n| {
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": n.name, "labels": {"kubernetes.io/hostname": n.name}},
                "spec": {
                    "podCIDR": format!("{}.{}.{}.0/24", n.pods[0], n.pods[1], n.pods[2]),
                    "providerID": n.provider_id,
                },
                "status": {
                    "addresses": [
                        {"address": n.addr().to_string(), "type": "InternalIP"},
                        {"address": n.name, "type": "Hostname"},
                    ],
                    "capacity": {"cpu": n.cpus.to_string(), "memory": format!("{}Ki", n.memory_ki), "pods": "110"},
                    "nodeInfo": {"kernelVersion": n.kernel, "osImage": n.os_image, "operatingSystem": "linux", "architecture": "amd64"},
                },
            })
        })
        .collect();
    list(items)
}

fn services_json(case: &Case) -> String {
    let items = case
        .services
        .iter()
        .map(|s| {
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|(p, proto)| json!({"port": p, "protocol": proto, "targetPort": p}))
                .collect();
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": s.name, "namespace": s.namespace},
                "spec": {"clusterIP": v4(s.ip).to_string(), "clusterIPs": [v4(s.ip).to_string()], "ports": ports, "type": "ClusterIP"},
            })
        })
        .collect();
    list(items)
}

fn slices_json(case: &Case, rng: &mut Rng) -> String {
    let items = case
        .services
        .iter()
        .map(|s| {
            let endpoints: Vec<Value> = s
                .backends
                .iter()
                .map(|&b| {
                    json!({
                        "addresses": [case.pod_ip(b).to_string()],
                        "conditions": {"ready": true, "serving": true, "terminating": false},
                        "nodeName": case.nodes[case.pods[b].node].name,
                        "targetRef": {"kind": "Pod", "namespace": s.namespace, "uid": uid(rng)},
                    })
                })
                .collect();
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|(p, proto)| json!({"port": p, "protocol": proto}))
                .collect();
            json!({
                "addressType": "IPv4",
                "apiVersion": "discovery.k8s.io/v1",
                "endpoints": endpoints,
                "kind": "EndpointSlice",
                "metadata": {
                    "labels": {"kubernetes.io/service-name": s.name},
                    "name": format!("{}-{}", s.name, &uid(rng)[..5]),
                    "namespace": s.namespace,
                },
                "ports": ports,
            })
        })
        .collect();
    list(items)
}

/// Writes one case under `root/<case.dir>`.
fn write_case(root: &Path, case: &Case, seed: u64) -> io::Result<()> {
    let dir = root.join(case.dir);
    let mut rng = Rng::new(seed);
    let t0 = case.at - Duration::seconds(120);
    for (i, node) in case.nodes.iter().enumerate() {
        let nd = dir.join(node.name);
        fs::create_dir_all(&nd)?;
        let mut entries = Vec::new();
        background(case, i, case.background[i], &mut rng, &mut entries);
        if let Some((n, extra)) = case.extra {
            if n == i {
                extra(case, i, &mut rng, &mut entries);
            }
        }
        let snap = case.at - Duration::seconds(40);
        let text = listing(&entries, &mut rng);
        let name = format!("conntrack-L-{}.txt", case.stamp(snap));
        // Listings travel gzipped, as support receives them.
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(text.as_bytes())?;
        fs::write(nd.join(format!("{name}.gz")), gz.finish()?)?;
        let rise = case.rises[i];
        for (t, end) in [(t0, false), (case.at, true)] {
            fs::write(
                nd.join(format!("conntrack-S-{}.txt", case.stamp(t))),
                conntrack_s(node, &rise, t, end, &mut rng),
            )?;
        }
        fs::write(
            nd.join(format!(
                "sysctl-{}.txt",
                case.stamp(case.at + Duration::seconds(5))
            )),
            crate::synth::sysctl_text(
                node.name,
                entries.len() as u64,
                node.limit,
                node.buckets,
                256,
            ),
        )?;
        if let Some((n, log)) = case.kernel {
            if n == i {
                fs::write(nd.join("kern.log"), log(case, &mut rng))?;
            }
        }
        if let Some((n, name, log)) = case.app_log {
            if n == i {
                fs::write(nd.join(name), log(case, &mut rng))?;
            }
        }
    }
    let cluster = dir.join("cluster");
    fs::create_dir_all(&cluster)?;
    fs::write(cluster.join("pods.json"), pods_json(case, &mut rng))?;
    fs::write(cluster.join("nodes.json"), nodes_json(case))?;
    fs::write(cluster.join("services.json"), services_json(case))?;
    fs::write(
        cluster.join("endpointslices.json"),
        slices_json(case, &mut rng),
    )?;
    Ok(())
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .unwrap_or_default()
}

const AKS_KERNEL: &str = "5.15.0-1075-azure";
const AKS_OS: &str = "Ubuntu 22.04.5 LTS";
const GKE_KERNEL: &str = "6.1.100+";
const GKE_OS: &str = "Container-Optimized OS from Google";
const KUBEADM_KERNEL: &str = "6.8.0-49-generic";
const KUBEADM_OS: &str = "Ubuntu 24.04.1 LTS";

fn aks_node(i: u8) -> Node {
    Node {
        name: [
            "aks-nodepool1-31718369-vmss000000",
            "aks-nodepool1-31718369-vmss000001",
            "aks-nodepool1-31718369-vmss000002",
        ][usize::from(i)],
        ip: [10, 224, 0, 4 + i],
        pods: [10, 244, i],
        cpus: 4,
        memory_ki: 16_372_468,
        limit: 131_072,
        buckets: 32_768,
        provider_id: [
            "azure:///subscriptions/8f3c1a52-6d1e-4b8a-9c27-0e4f5a6b7c8d/resourceGroups/mc_shop-prod_shop-aks_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31718369-vmss/virtualMachines/0",
            "azure:///subscriptions/8f3c1a52-6d1e-4b8a-9c27-0e4f5a6b7c8d/resourceGroups/mc_shop-prod_shop-aks_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31718369-vmss/virtualMachines/1",
            "azure:///subscriptions/8f3c1a52-6d1e-4b8a-9c27-0e4f5a6b7c8d/resourceGroups/mc_shop-prod_shop-aks_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31718369-vmss/virtualMachines/2",
        ][usize::from(i)],
        kernel: AKS_KERNEL,
        os_image: AKS_OS,
    }
}

fn pod(namespace: &'static str, owner: (&'static str, &'static str), node: usize, host: u8) -> Pod {
    Pod {
        namespace,
        owner,
        node,
        host,
        age_s: 86_400 * 3 + i64::from(host) * 613,
    }
}

/// The pods every case's cluster runs.
fn shop(nodes: usize) -> Vec<Pod> {
    let mut pods = Vec::new();
    for n in 0..nodes {
        pods.push(pod("kube-system", ("Deployment", "coredns"), n, 2));
        pods.push(pod("orders", ("Deployment", "checkout"), n, 11));
        pods.push(pod("orders", ("Deployment", "checkout"), n, 12));
        pods.push(pod("catalog", ("Deployment", "search"), n, 21));
        pods.push(pod("payments", ("StatefulSet", "ledger"), n, 31));
        pods.push(pod("monitoring", ("DaemonSet", "node-exporter"), n, 41));
    }
    pods
}

/// Indices of the pods of `owner` in a `shop(nodes)` list.
fn of(nodes: usize, slot: usize) -> Vec<usize> {
    (0..nodes).map(|n| n * 6 + slot).collect()
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Vec::leak(v)
}

fn services(nodes: usize, dns_ip: [u8; 4], svc_net: [u8; 2]) -> Vec<Svc> {
    vec![
        Svc {
            namespace: "kube-system",
            name: "kube-dns",
            ip: dns_ip,
            ports: &[(53, "UDP"), (53, "TCP")],
            backends: leak(of(nodes, 0).into_iter().take(2).collect()),
        },
        Svc {
            namespace: "orders",
            name: "checkout",
            ip: [svc_net[0], svc_net[1], 41, 17],
            ports: &[(8080, "TCP")],
            backends: leak(of(nodes, 1).into_iter().chain(of(nodes, 2)).collect()),
        },
        Svc {
            namespace: "catalog",
            name: "search",
            ip: [svc_net[0], svc_net[1], 112, 9],
            ports: &[(9200, "TCP")],
            backends: leak(of(nodes, 3)),
        },
        Svc {
            namespace: "payments",
            name: "ledger",
            ip: [svc_net[0], svc_net[1], 87, 140],
            ports: &[(5432, "TCP")],
            backends: leak(of(nodes, 4)),
        },
    ]
}

fn no_rise() -> Rise {
    Rise {
        insert_failed: 0,
        clash_resolve: 2,
        search_restart: 9,
        invalid: 40,
        ..Rise::default()
    }
}

/// Parallel A and AAAA lookups from one socket: most get answered, some
/// lose the insert race and sit `[UNREPLIED]` until the client retries.
fn racing_lookups(case: &Case, node: usize, rng: &mut Rng, out: &mut Vec<Entry<'static>>) {
    let dns = case.svc("kube-dns");
    let clients = [case.nodes[node].pod(11), case.nodes[node].pod(12)];
    for i in 0..900 {
        let client = clients[i % 2];
        let backend = case.pod_ip(dns.backends[rng.below(2) as usize]);
        let sport = ephemeral(rng);
        let unreplied = rng.chance(70);
        out.push(entry(
            17,
            rng.range(1, 30) as u32,
            None,
            tuple(client, v4(dns.ip), sport, 53),
            tuple(backend, client, 53, sport),
            if unreplied {
                Flags::UNREPLIED
            } else {
                Flags::default()
            },
        ));
    }
}

fn dns_timeouts(case: &Case, rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut t = case.at - Duration::seconds(300);
    while t < case.at + Duration::seconds(30) {
        let stamp = t.format("%Y-%m-%dT%H:%M:%S%.3fZ");
        if t >= case.at - Duration::seconds(115) && t <= case.at - Duration::seconds(5) {
            let _ = writeln!(
                out,
                "{stamp} level=error msg=\"payment authorisation failed\" err=\"Post \\\"https://ledger.payments.svc.cluster.local:5432/authorise\\\": dial tcp: lookup ledger.payments.svc.cluster.local on 10.0.0.10:53: read udp 10.244.2.11:{}->10.0.0.10:53: i/o timeout\"",
                ephemeral(rng)
            );
        } else {
            let _ = writeln!(
                out,
                "{stamp} level=info msg=\"order placed\" took={}ms",
                rng.range(40, 180)
            );
        }
        t += Duration::milliseconds(4_000 + rng.below(6_000) as i64);
    }
    out
}

fn insert_races() -> Case {
    let nodes = vec![aks_node(0), aks_node(1), aks_node(2)];
    let pods = shop(3);
    Case {
        dir: "insert-races",
        at: at(2025, 3, 12, 9, 16, 0),
        services: services(3, [10, 0, 0, 10], [10, 0]),
        nodes,
        pods,
        background: vec![2_400, 2_600, 3_100],
        rises: vec![
            Rise {
                insert_failed: 8,
                clash_resolve: 31,
                ..no_rise()
            },
            Rise {
                insert_failed: 4,
                clash_resolve: 17,
                ..no_rise()
            },
            Rise {
                insert_failed: 4_412,
                clash_resolve: 2_960,
                ..no_rise()
            },
        ],
        extra: Some((2, racing_lookups)),
        kernel: None,
        app_log: Some((2, "checkout.log", dns_timeouts)),
    }
}

fn kubeadm_node(
    name: &'static str,
    last: u8,
    cpus: u32,
    memory_ki: u64,
    limit: u64,
    buckets: u64,
) -> Node {
    Node {
        name,
        ip: [192, 168, 10, last],
        pods: [10, 244, last - 20],
        cpus,
        memory_ki,
        limit,
        buckets,
        provider_id: "",
        kernel: KUBEADM_KERNEL,
        os_image: KUBEADM_OS,
    }
}

/// Half-open flows to the outside: never assured, the first evicted.
fn half_open(case: &Case, node: usize, rng: &mut Rng, out: &mut Vec<Entry<'static>>) {
    let n = &case.nodes[node];
    let fill = n.limit as usize - 4 - out.len();
    for _ in 0..fill {
        let client = n.pod(11 + rng.below(2) as u8);
        let dst = v4([198, 51, 100, rng.range(2, 250) as u8]);
        let sport = ephemeral(rng);
        out.push(entry(
            6,
            rng.range(1, 120) as u32,
            Some(State::SYN_SENT),
            tuple(client, dst, sport, 443),
            tuple(dst, n.addr(), 443, sport),
            Flags::UNREPLIED,
        ));
    }
}

fn early_drops() -> Case {
    let nodes = vec![kubeadm_node("edge-gw-01", 21, 1, 502_140, 16_384, 4_096)];
    let pods = shop(1);
    Case {
        dir: "early-drops",
        at: at(2025, 5, 6, 18, 42, 0),
        services: services(1, [10, 96, 0, 10], [10, 96]),
        nodes,
        pods,
        background: vec![3_200],
        rises: vec![Rise {
            early_drop: 2_230,
            insert_failed: 0,
            ..no_rise()
        }],
        extra: Some((0, half_open)),
        kernel: None,
        app_log: None,
    }
}

fn long_chains() -> Case {
    let nodes = vec![
        kubeadm_node("k8s-worker-03", 23, 8, 32_857_212, 262_144, 128),
        kubeadm_node("k8s-worker-04", 24, 8, 32_857_212, 262_144, 65_536),
    ];
    let pods = shop(2);
    Case {
        dir: "long-chains",
        at: at(2025, 6, 17, 14, 5, 0),
        services: services(2, [10, 96, 0, 10], [10, 96]),
        nodes,
        pods,
        background: vec![9_100, 8_700],
        rises: vec![
            Rise {
                chaintoolong: 384,
                search_restart: 5_210,
                ..no_rise()
            },
            no_rise(),
        ],
        extra: None,
        kernel: None,
        app_log: None,
    }
}

fn sip_kernel_log(case: &Case, rng: &mut Rng) -> String {
    let mut out = String::new();
    let host = case.nodes[0].name;
    let boot = case.at - Duration::seconds(1_728_000);
    let mut t = case.at - Duration::seconds(600);
    while t < case.at {
        let up = (t - boot).num_milliseconds() as f64 / 1000.0;
        if rng.chance(35) {
            let _ = writeln!(
                out,
                "{} {host} kernel: [{up:.6}] nf_conntrack: expectation table full",
                t.format("%b %e %H:%M:%S")
            );
        } else {
            let _ = writeln!(
                out,
                "{} {host} kernel: [{up:.6}] cali4f2b1c0d9e3: port 3(veth41a7c2e) entered forwarding state",
                t.format("%b %e %H:%M:%S")
            );
        }
        t += Duration::milliseconds(900 + rng.below(2_500) as i64);
    }
    out
}

fn expectation_full() -> Case {
    let nodes = vec![kubeadm_node(
        "voip-edge-02",
        32,
        4,
        16_365_000,
        131_072,
        32_768,
    )];
    let pods = shop(1);
    Case {
        dir: "expectation-full",
        at: at(2025, 2, 20, 11, 30, 0),
        services: services(1, [10, 96, 0, 10], [10, 96]),
        nodes,
        pods,
        background: vec![4_100],
        rises: vec![no_rise()],
        extra: None,
        kernel: Some((0, sip_kernel_log)),
        app_log: None,
    }
}

/// A CoreDNS pod (10.244.1.7) and the StatsD relay (10.244.0.57) were
/// replaced during a node drain; clients that keep one UDP socket open keep
/// refreshing their entries to the old addresses (a packet inside every
/// 30 s), so the entries never expire and nothing answers.
fn stale_entries(case: &Case, node: usize, rng: &mut Rng, out: &mut Vec<Entry<'static>>) {
    let old_dns = v4([10, 244, 1, 7]);
    let old_statsd = v4([10, 244, 0, 57]);
    let dns = case.svc("kube-dns");
    let statsd = case.svc("statsd");
    for host in 11..=12u8 {
        let client = case.nodes[node].pod(host);
        for _ in 0..24 {
            let sport = ephemeral(rng);
            out.push(entry(
                17,
                rng.range(24, 30) as u32,
                None,
                tuple(client, v4(dns.ip), sport, 53),
                tuple(old_dns, client, 53, sport),
                Flags::UNREPLIED,
            ));
        }
        let sport = ephemeral(rng);
        out.push(entry(
            17,
            rng.range(27, 30) as u32,
            None,
            tuple(client, v4(statsd.ip), sport, 8125),
            tuple(old_statsd, client, 8125, sport),
            Flags::UNREPLIED,
        ));
    }
}

fn stale_udp() -> Case {
    let nodes = vec![aks_node(0), aks_node(1)];
    let mut pods = shop(2);
    // The StatsD relay now runs on the second node.
    pods.push(pod("monitoring", ("Deployment", "statsd"), 1, 50));
    let mut svcs = services(2, [10, 0, 0, 10], [10, 0]);
    svcs.push(Svc {
        namespace: "monitoring",
        name: "statsd",
        ip: [10, 0, 143, 20],
        ports: &[(8125, "UDP")],
        backends: leak(vec![pods.len() - 1]),
    });
    Case {
        dir: "stale-udp",
        at: at(2025, 4, 2, 7, 55, 0),
        services: svcs,
        nodes,
        pods,
        background: vec![2_800, 2_500],
        rises: vec![no_rise(), no_rise()],
        extra: Some((1, stale_entries)),
        kernel: None,
        app_log: None,
    }
}

/// Every checkout call to the card processor leaves the node as
/// 10.128.0.21: one source port per entry, most of them in TIME_WAIT.
fn partner_calls(case: &Case, node: usize, rng: &mut Rng, out: &mut Vec<Entry<'static>>) {
    let n = &case.nodes[node];
    let partner = v4([203, 0, 113, 45]);
    let mut ports: Vec<u16> = (1024..=65_535).collect();
    for i in (1..ports.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        ports.swap(i, j);
    }
    for &port in ports.iter().take(41_800) {
        let client = n.pod(11 + rng.below(2) as u8);
        let sport = ephemeral(rng);
        let (state, timeout, flags) = if rng.chance(88) {
            (State::TIME_WAIT, rng.range(1, 120) as u32, Flags::ASSURED)
        } else if rng.chance(80) {
            (
                State::ESTABLISHED,
                rng.range(86_000, 86_400) as u32,
                Flags::ASSURED,
            )
        } else {
            (
                State::SYN_SENT,
                rng.range(100, 120) as u32,
                Flags::UNREPLIED,
            )
        };
        out.push(entry(
            6,
            timeout,
            Some(state),
            tuple(client, partner, sport, 443),
            tuple(partner, n.addr(), 443, port),
            flags,
        ));
    }
}

fn gke_node(name: &'static str, i: u8) -> Node {
    Node {
        name,
        ip: [10, 128, 0, 20 + i],
        pods: [10, 4, i],
        cpus: 4,
        memory_ki: 16_393_232,
        limit: 131_072,
        buckets: 32_768,
        provider_id: "",
        kernel: GKE_KERNEL,
        os_image: GKE_OS,
    }
}

fn snat_ports() -> Case {
    let nodes = vec![
        gke_node("gke-pay-prod-default-pool-3b9e1f07-r2vk", 1),
        gke_node("gke-pay-prod-default-pool-3b9e1f07-w8pd", 2),
    ];
    let pods = shop(2);
    Case {
        dir: "snat-ports",
        at: at(2025, 8, 29, 16, 20, 0),
        services: services(2, [10, 8, 0, 10], [10, 8]),
        nodes,
        pods,
        background: vec![2_300, 2_100],
        rises: vec![
            Rise {
                insert_failed: 1_390,
                ..no_rise()
            },
            no_rise(),
        ],
        extra: Some((0, partner_calls)),
        kernel: None,
        app_log: None,
    }
}

fn invalid_spike() -> Case {
    let mut nodes = vec![
        kubeadm_node(
            "ip-10-0-12-87.eu-west-1.compute.internal",
            87,
            2,
            3_943_316,
            131_072,
            32_768,
        ),
        kubeadm_node(
            "ip-10-0-13-141.eu-west-1.compute.internal",
            141,
            2,
            3_943_316,
            131_072,
            32_768,
        ),
    ];
    for (n, ip) in nodes.iter_mut().zip([[10, 0, 12, 87], [10, 0, 13, 141]]) {
        n.ip = ip;
        n.pods = [10, 0, ip[2] + 20];
        n.kernel = "5.10.228-219.884.amzn2.x86_64";
        n.os_image = "Amazon Linux 2";
    }
    nodes[0].provider_id = "aws:///eu-west-1a/i-0a3f7c21b9d84e615";
    nodes[1].provider_id = "aws:///eu-west-1b/i-07d2e9b4c1a53f086";
    let pods = shop(2);
    Case {
        dir: "invalid-spike",
        at: at(2025, 9, 9, 13, 2, 0),
        services: services(2, [172, 20, 0, 10], [172, 20]),
        nodes,
        pods,
        background: vec![3_300, 3_050],
        rises: vec![
            Rise {
                invalid: 96_400,
                ..no_rise()
            },
            no_rise(),
        ],
        extra: None,
        kernel: None,
        app_log: None,
    }
}

fn healthy() -> Case {
    let nodes = vec![
        gke_node("gke-shop-prod-default-pool-8d2c4e11-f3xm", 3),
        gke_node("gke-shop-prod-default-pool-8d2c4e11-q7ln", 4),
    ];
    let pods = shop(2);
    Case {
        dir: "healthy",
        at: at(2025, 10, 14, 15, 10, 0),
        services: services(2, [10, 8, 0, 10], [10, 8]),
        nodes,
        pods,
        background: vec![2_700, 2_450],
        rises: vec![
            Rise {
                insert_failed: 3,
                ..no_rise()
            },
            Rise {
                insert_failed: 1,
                ..no_rise()
            },
        ],
        extra: None,
        kernel: None,
        app_log: None,
    }
}

/// The cases, in the order of the README's table.
pub const CASES: [&str; 8] = [
    "insert-races",
    "early-drops",
    "long-chains",
    "expectation-full",
    "stale-udp",
    "snat-ports",
    "invalid-spike",
    "healthy",
];

/// Writes every case under `root`.
pub fn write_all(root: &Path) -> io::Result<()> {
    let cases = [
        insert_races(),
        early_drops(),
        long_chains(),
        expectation_full(),
        stale_udp(),
        snat_ports(),
        invalid_spike(),
        healthy(),
    ];
    for (i, case) in cases.iter().enumerate() {
        write_case(root, case, 20_250_000 + i as u64)?;
    }
    Ok(())
}
