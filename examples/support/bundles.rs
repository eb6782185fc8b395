//! The support case of `samples/support-case/`: what support received for one
//! incident on an Amazon EKS cluster, written the way each collector writes
//! it, plus the same evidence in the documented layout (shared by the
//! `support_case` example and its test with `#[path]`; needs `synth.rs`
//! beside it as `crate::synth`).
//!
//! The cluster `shop-prod` (EKS 1.29, eu-west-1, Amazon Linux 2 nodes on
//! t3.medium, AWS VPC CNI: pods in the VPC 10.0.0.0/16, services in
//! 172.20.0.0/16). On 2024-11-26 a payment partner came back from an outage
//! and `payments/webhook-relay` replayed its backlog, opening one TLS
//! connection per webhook. The HPA had just put two of its three replicas on
//! the youngest node, whose table (65,536: the kernel default for 4 GiB,
//! because the cluster's kube-proxy runs with `conntrack.maxPerCore: 0`)
//! filled with TIME_WAIT twice: a short burst at 08:41 and a long one from
//! 08:54 until after the capture.
//!
//! What support sent:
//! - a sos report (sos 4.8.1) of that node, `.tar.xz` as Python's tarfile
//!   writes it (PAX headers, float mtimes);
//! - the Amazon EKS log collector (0.7.8) of the node with the third replica,
//!   `.tar.gz` as GNU tar writes it;
//! - the Rancher logs collector of a healthy node, `.tar.gz`;
//! - `kubectl cluster-info dump --namespaces kube-system,payments,storefront
//!   --output-directory=cluster-info`.
//!
//! Deterministic: every byte comes from fixed seeds and fixed times.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use ctsleuth::model::entry::{Layout, render};
use ctsleuth::model::{Entry, Flags, L4, State, Tuple};
use flate2::{Compression, GzBuilder};
use liblzma::write::XzEncoder;

use crate::synth::Rng;

// ---------------------------------------------------------------------------
// Names, times and the cluster
// ---------------------------------------------------------------------------

/// AWS support case the sos report was labelled with.
pub const CASE_ID: &str = "173260412800519";
/// The sos report's folder (and archive name without `.tar.xz`).
pub const SOS_NAME: &str = "sosreport-ip-10-0-1-23-173260412800519-2024-11-26-qhbkzwd";
/// The EKS log collector's archive name without `.tar.gz`.
pub const EKS_NAME: &str = "eks_i-07c4e1b9d2a6f3580_2024-11-26_0908-UTC_0.7.8";
/// The Rancher collector's folder (and archive name without `.tar.gz`).
pub const RANCHER_NAME: &str = "ip-10-0-3-148.eu-west-1.compute.internal-2024-11-26_09_11_47";
/// The cluster-info dump's folder.
pub const DUMP_DIR: &str = "cluster-info";

const KERNEL: &str = "5.10.227-219.884.amzn2.x86_64";
const KERNEL_BUILD: &str = "#1 SMP Wed Oct 23 17:17:00 UTC 2024";
const KUBELET_VERSION: &str = "v1.29.8-eks-a737599";
const CONNTRACK_TOOLS: &str = "conntrack v1.4.4 (conntrack-tools)";
const ECR: &str = "602401143452.dkr.ecr.eu-west-1.amazonaws.com";
const APP_ECR: &str = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";

/// A time in November 2024, UTC, with microseconds.
fn nov(day: u32, h: u32, m: u32, s: u32, us: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, day, h, m, s)
        .single()
        .expect("valid time")
        + Duration::microseconds(us)
}

fn ip(a: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(a)
}

/// One worker node of the cluster.
struct NodeSpec {
    name: &'static str,
    short: &'static str,
    ip: [u8; 4],
    zone: &'static str,
    zone_id: &'static str,
    instance: &'static str,
    mac: &'static str,
    /// Day of November, hour, minute, second, microsecond.
    boot: (u32, u32, u32, u32, i64),
    machine_id: &'static str,
    boot_id: &'static str,
    /// kubelet, containerd, dhclient, chronyd, amazon-ssm-agent.
    pids: [u32; 5],
}

impl NodeSpec {
    fn boot(&self) -> DateTime<Utc> {
        let (d, h, m, s, us) = self.boot;
        nov(d, h, m, s, us)
    }
    fn addr(&self) -> Ipv4Addr {
        ip(self.ip)
    }
    fn gateway(&self) -> String {
        format!("{}.{}.{}.1", self.ip[0], self.ip[1], self.ip[2])
    }
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

const NODES: [NodeSpec; 5] = [
    NodeSpec {
        name: "ip-10-0-1-23.eu-west-1.compute.internal",
        short: "ip-10-0-1-23",
        ip: [10, 0, 1, 23],
        zone: "eu-west-1a",
        zone_id: "euw1-az2",
        instance: "i-0a3f9c2e71d5b8046",
        mac: "0a:3f:5e:21:9c:d7",
        boot: (25, 19, 42, 8, 371_904),
        machine_id: "ec2f6b1d9a4e4c7b8e3a51d07c92f4ab",
        boot_id: "6f1c9e2a-4b7d-4e85-9a03-d2b58c71e4f6",
        pids: [3412, 3187, 2778, 2201, 2315],
    },
    NodeSpec {
        name: "ip-10-0-2-71.eu-west-1.compute.internal",
        short: "ip-10-0-2-71",
        ip: [10, 0, 2, 71],
        zone: "eu-west-1b",
        zone_id: "euw1-az1",
        instance: "i-07c4e1b9d2a6f3580",
        mac: "06:b1:7c:4e:90:2f",
        boot: (22, 6, 14, 51, 802_517),
        machine_id: "ec21d84b7c3a4f6e9b0d2a5c81e7f394",
        boot_id: "a83d5f10-7c2e-4b96-8e4a-1f07c3d9b652",
        pids: [3398, 3160, 2791, 2188, 2302],
    },
    NodeSpec {
        name: "ip-10-0-3-148.eu-west-1.compute.internal",
        short: "ip-10-0-3-148",
        ip: [10, 0, 3, 148],
        zone: "eu-west-1c",
        zone_id: "euw1-az3",
        instance: "i-0e5b2d8f13c9a7d64",
        mac: "02:9d:e4:53:18:a6",
        boot: (21, 13, 5, 37, 118_262),
        machine_id: "ec29a0c3e5f84d1b97c6e2b0a4d81f57",
        boot_id: "3c7e0b94-d1a6-4f28-b5e3-90a2c6f8d147",
        pids: [3421, 3175, 2769, 2196, 2311],
    },
    NodeSpec {
        name: "ip-10-0-1-201.eu-west-1.compute.internal",
        short: "ip-10-0-1-201",
        ip: [10, 0, 1, 201],
        zone: "eu-west-1a",
        zone_id: "euw1-az2",
        instance: "i-0c81d4f6a2e9b3057",
        mac: "0a:8e:13:d7:b2:4c",
        boot: (21, 13, 4, 59, 640_113),
        machine_id: "ec2b5e8d1f074a9c83e6d4f2a1c0b769",
        boot_id: "d94b2e71-0a5c-4e3f-8b61-c7f5a2d09e38",
        pids: [3405, 3169, 2784, 2190, 2308],
    },
    NodeSpec {
        name: "ip-10-0-2-9.eu-west-1.compute.internal",
        short: "ip-10-0-2-9",
        ip: [10, 0, 2, 9],
        zone: "eu-west-1b",
        zone_id: "euw1-az1",
        instance: "i-05e9a7c3b1d2f8064",
        mac: "06:4a:c2:9f:e1:73",
        boot: (21, 13, 5, 12, 95_338),
        machine_id: "ec27c41e9d3b5f0a8e2c6b1d7f49a03e",
        boot_id: "58e0a3c7-f2b9-4d16-a47e-6c1b9d3f20a5",
        pids: [3417, 3172, 2775, 2193, 2306],
    },
];

/// What owns a pod.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// Deployment name, ReplicaSet hash.
    Deploy(&'static str, &'static str),
    DaemonSet(&'static str),
}

struct PodSpec {
    ns: &'static str,
    name: &'static str,
    node: usize,
    /// None: host network (the node's address).
    ip: Option<[u8; 4]>,
    owner: Owner,
    /// Day of November, hour, minute, second.
    created: (u32, u32, u32, u32),
    istio: bool,
}

impl PodSpec {
    fn addr(&self) -> Ipv4Addr {
        self.ip.map_or_else(|| NODES[self.node].addr(), ip)
    }
    fn app(&self) -> &'static str {
        match self.owner {
            Owner::Deploy(d, _) | Owner::DaemonSet(d) => d,
        }
    }
    fn created(&self) -> DateTime<Utc> {
        let (d, h, m, s) = self.created;
        nov(d, h, m, s, 0)
    }
}

const fn pod(
    ns: &'static str,
    name: &'static str,
    node: usize,
    ip: Option<[u8; 4]>,
    owner: Owner,
    created: (u32, u32, u32, u32),
    istio: bool,
) -> PodSpec {
    PodSpec {
        ns,
        name,
        node,
        ip,
        owner,
        created,
        istio,
    }
}

const RELAY: Owner = Owner::Deploy("webhook-relay", "7d5c9b8f6");
const CHECKOUT: Owner = Owner::Deploy("checkout-api", "6c9f7d8b54");
const LEDGER: Owner = Owner::Deploy("ledger", "7f6d5c8b9");
const WEB: Owner = Owner::Deploy("web", "66f9d7c5b8");
const CART: Owner = Owner::Deploy("cart", "5b7d8c9f4");
const CATALOG: Owner = Owner::Deploy("catalog", "8d4f6b7c9");
const COREDNS: Owner = Owner::Deploy("coredns", "6b9575c64");
const METRICS: Owner = Owner::Deploy("metrics-server", "7f8d9c6b5");
const AWS_NODE: Owner = Owner::DaemonSet("aws-node");
const KUBE_PROXY: Owner = Owner::DaemonSet("kube-proxy");

const PODS: [PodSpec; 26] = [
    pod(
        "kube-system",
        "aws-node-4xk7s",
        A,
        None,
        AWS_NODE,
        (25, 19, 43, 17),
        false,
    ),
    pod(
        "kube-system",
        "aws-node-h8c2w",
        B,
        None,
        AWS_NODE,
        (22, 6, 15, 58),
        false,
    ),
    pod(
        "kube-system",
        "aws-node-p2v6m",
        C,
        None,
        AWS_NODE,
        (21, 13, 6, 41),
        false,
    ),
    pod(
        "kube-system",
        "aws-node-9dq5r",
        3,
        None,
        AWS_NODE,
        (21, 13, 6, 3),
        false,
    ),
    pod(
        "kube-system",
        "aws-node-z6l8n",
        4,
        None,
        AWS_NODE,
        (21, 13, 6, 19),
        false,
    ),
    pod(
        "kube-system",
        "kube-proxy-8mz2v",
        A,
        None,
        KUBE_PROXY,
        (25, 19, 43, 17),
        false,
    ),
    pod(
        "kube-system",
        "kube-proxy-x5r9t",
        B,
        None,
        KUBE_PROXY,
        (25, 14, 21, 36),
        false,
    ),
    pod(
        "kube-system",
        "kube-proxy-q7t4k",
        C,
        None,
        KUBE_PROXY,
        (25, 14, 20, 52),
        false,
    ),
    pod(
        "kube-system",
        "kube-proxy-c2w9j",
        3,
        None,
        KUBE_PROXY,
        (25, 14, 20, 9),
        false,
    ),
    pod(
        "kube-system",
        "kube-proxy-m5v7h",
        4,
        None,
        KUBE_PROXY,
        (25, 14, 22, 14),
        false,
    ),
    pod(
        "kube-system",
        "coredns-6b9575c64-7kdzq",
        A,
        Some([10, 0, 1, 190]),
        COREDNS,
        (25, 19, 45, 2),
        false,
    ),
    pod(
        "kube-system",
        "coredns-6b9575c64-p9n4f",
        B,
        Some([10, 0, 2, 218]),
        COREDNS,
        (22, 6, 17, 40),
        false,
    ),
    pod(
        "kube-system",
        "metrics-server-7f8d9c6b5-2hvzq",
        C,
        Some([10, 0, 3, 47]),
        METRICS,
        (21, 13, 8, 12),
        false,
    ),
    pod(
        "payments",
        "webhook-relay-7d5c9b8f6-t6vzn",
        B,
        Some([10, 0, 2, 133]),
        RELAY,
        (25, 16, 20, 44),
        false,
    ),
    pod(
        "payments",
        "webhook-relay-7d5c9b8f6-2xkqp",
        A,
        Some([10, 0, 1, 57]),
        RELAY,
        (26, 8, 33, 41),
        false,
    ),
    pod(
        "payments",
        "webhook-relay-7d5c9b8f6-9rmtw",
        A,
        Some([10, 0, 1, 142]),
        RELAY,
        (26, 8, 33, 41),
        false,
    ),
    pod(
        "payments",
        "checkout-api-6c9f7d8b54-w2k7n",
        A,
        Some([10, 0, 1, 88]),
        CHECKOUT,
        (25, 19, 45, 2),
        false,
    ),
    pod(
        "payments",
        "checkout-api-6c9f7d8b54-b8v5m",
        C,
        Some([10, 0, 3, 62]),
        CHECKOUT,
        (21, 13, 9, 30),
        false,
    ),
    pod(
        "payments",
        "ledger-7f6d5c8b9-q4xpl",
        B,
        Some([10, 0, 2, 40]),
        LEDGER,
        (22, 6, 18, 5),
        false,
    ),
    pod(
        "payments",
        "ledger-7f6d5c8b9-z7rjw",
        3,
        Some([10, 0, 1, 245]),
        LEDGER,
        (21, 13, 9, 31),
        false,
    ),
    pod(
        "storefront",
        "web-66f9d7c5b8-lk2sd",
        B,
        Some([10, 0, 2, 187]),
        WEB,
        (22, 6, 18, 11),
        true,
    ),
    pod(
        "storefront",
        "web-66f9d7c5b8-c4tnm",
        3,
        Some([10, 0, 1, 166]),
        WEB,
        (21, 13, 10, 2),
        true,
    ),
    pod(
        "storefront",
        "cart-5b7d8c9f4-h2lxq",
        A,
        Some([10, 0, 1, 205]),
        CART,
        (25, 19, 45, 3),
        true,
    ),
    pod(
        "storefront",
        "cart-5b7d8c9f4-v9wbk",
        3,
        Some([10, 0, 1, 37]),
        CART,
        (21, 13, 10, 4),
        true,
    ),
    pod(
        "storefront",
        "catalog-8d4f6b7c9-m3wqz",
        C,
        Some([10, 0, 3, 99]),
        CATALOG,
        (21, 13, 10, 6),
        true,
    ),
    pod(
        "storefront",
        "catalog-8d4f6b7c9-x2f8k",
        4,
        Some([10, 0, 2, 95]),
        CATALOG,
        (21, 13, 10, 9),
        true,
    ),
];

/// kube-dns, webhook-relay and the other services (ClusterIP, ports).
struct SvcSpec {
    ns: &'static str,
    name: &'static str,
    ip: [u8; 4],
    /// name, protocol, port, target port (number or name).
    ports: &'static [(&'static str, &'static str, u16, &'static str)],
    selector: (&'static str, &'static str),
    created: (u32, u32, u32, u32),
}

const SERVICES: [SvcSpec; 8] = [
    SvcSpec {
        ns: "kube-system",
        name: "kube-dns",
        ip: [172, 20, 0, 10],
        ports: &[
            ("dns", "UDP", 53, "53"),
            ("dns-tcp", "TCP", 53, "53"),
            ("metrics", "TCP", 9153, "9153"),
        ],
        selector: ("k8s-app", "kube-dns"),
        created: (4, 10, 12, 41),
    },
    SvcSpec {
        ns: "kube-system",
        name: "metrics-server",
        ip: [172, 20, 67, 121],
        ports: &[("https", "TCP", 443, "https")],
        selector: ("k8s-app", "metrics-server"),
        created: (4, 10, 31, 7),
    },
    SvcSpec {
        ns: "payments",
        name: "webhook-relay",
        ip: [172, 20, 114, 23],
        ports: &[("http", "TCP", 8080, "http")],
        selector: ("app", "webhook-relay"),
        created: (5, 9, 2, 18),
    },
    SvcSpec {
        ns: "payments",
        name: "checkout-api",
        ip: [172, 20, 87, 140],
        ports: &[("http", "TCP", 8080, "http")],
        selector: ("app", "checkout-api"),
        created: (5, 9, 2, 18),
    },
    SvcSpec {
        ns: "payments",
        name: "ledger",
        ip: [172, 20, 203, 58],
        ports: &[("http", "TCP", 8080, "http")],
        selector: ("app", "ledger"),
        created: (5, 9, 2, 19),
    },
    SvcSpec {
        ns: "storefront",
        name: "web",
        ip: [172, 20, 41, 7],
        ports: &[("http", "TCP", 80, "8080")],
        selector: ("app", "web"),
        created: (5, 9, 4, 51),
    },
    SvcSpec {
        ns: "storefront",
        name: "cart",
        ip: [172, 20, 152, 96],
        ports: &[("http", "TCP", 8080, "8080")],
        selector: ("app", "cart"),
        created: (5, 9, 4, 51),
    },
    SvcSpec {
        ns: "storefront",
        name: "catalog",
        ip: [172, 20, 9, 211],
        ports: &[("http", "TCP", 8080, "8080")],
        selector: ("app", "catalog"),
        created: (5, 9, 4, 52),
    },
];

const KUBE_DNS: [u8; 4] = [172, 20, 0, 10];
const API_SVC: [u8; 4] = [172, 20, 0, 1];
/// The EKS control plane's cross-account ENIs in the node subnets.
const API_ENIS: [[u8; 4]; 2] = [[10, 0, 1, 114], [10, 0, 3, 21]];
/// The VPC resolver (base of the VPC + 2).
const VPC_DNS: [u8; 4] = [10, 0, 0, 2];
/// The payment partner's webhook endpoint (hooks.acquirer.example).
const PARTNER: [[u8; 4]; 3] = [[203, 0, 113, 45], [203, 0, 113, 46], [203, 0, 113, 47]];
/// SQS and Systems Manager endpoints, the card gateway of checkout-api.
const SQS: [u8; 4] = [198, 51, 100, 80];
const SSM: [u8; 4] = [198, 51, 100, 17];
const GATEWAY: [u8; 4] = [192, 0, 2, 80];
/// istiod (namespace istio-system, not in the dump).
const ISTIOD: ([u8; 4], [u8; 4]) = ([172, 20, 240, 18], [10, 0, 3, 176]);
/// The ALB's addresses in the public subnets (target type ip).
const ALB: [[u8; 4]; 3] = [[10, 0, 101, 34], [10, 0, 102, 211], [10, 0, 103, 9]];

// Capture times.

/// `date` of the sos report: the node's capture time.
fn sos_time() -> DateTime<Utc> {
    nov(26, 9, 6, 2, 0)
}
/// The EKS collector's archive name gives the minute only.
fn eks_time() -> DateTime<Utc> {
    nov(26, 9, 8, 0, 0)
}
fn rancher_time() -> DateTime<Utc> {
    nov(26, 9, 11, 47, 0)
}
fn dump_time() -> DateTime<Utc> {
    nov(26, 9, 13, 28, 0)
}

/// The table-full bursts of node A: first window and number of 5 s windows.
fn bursts_a() -> [(DateTime<Utc>, usize, usize); 2] {
    [
        // 08:41:13 for 19 windows, the last one tapering off (6 lines).
        (nov(26, 8, 41, 13, 482_117), 19, 6),
        // 08:54:47 until the relay backs off at 09:07:40, after the capture.
        (nov(26, 8, 54, 47, 915_604), 155, 4),
    ]
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn hex(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.below(16) as u32, 16).unwrap_or('0'))
        .collect()
}

/// A random (version 4) UUID.
fn uuid(rng: &mut Rng) -> String {
    let variant = ['8', '9', 'a', 'b'][rng.below(4) as usize];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 3),
        hex(rng, 12)
    )
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// klog's header: `I1126 08:12:31.402113    3412 `.
fn klog(t: DateTime<Utc>, level: char, pid: u32) -> String {
    format!("{level}{} {pid:>7} ", t.format("%m%d %H:%M:%S%.6f"))
}

/// Seconds since the epoch with a fraction, as Python's `time()` gives them.
fn epoch_f(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6
}

/// Python's `str(datetime)`.
fn py_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// Python's `str(timedelta)` for durations under a day.
fn py_timedelta(d: Duration) -> String {
    let us = d.num_microseconds().unwrap_or(0);
    let s = us / 1_000_000;
    format!(
        "{}:{:02}:{:02}.{:06}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        us % 1_000_000
    )
}

/// Python's `repr(float)`.
fn py_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        s + ".0"
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    // As `gzip` writes a stream: no name, no time, Unix.
    let mut gz = GzBuilder::new()
        .operating_system(3)
        .mtime(0)
        .write(Vec::new(), Compression::new(6));
    gz.write_all(data).expect("write to memory");
    gz.finish().expect("write to memory")
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut enc = XzEncoder::new(Vec::new(), 3);
    enc.write_all(data).expect("write to memory");
    enc.finish().expect("write to memory")
}

/// A command's stdout and stderr through one pipe: stdout is block-buffered
/// (4096 bytes, glibc on a pipe), stderr is not, so error lines land at the
/// last block boundary, even inside a line.
#[derive(Default)]
struct Pipe {
    out: Vec<u8>,
    pending: Vec<u8>,
}

impl Pipe {
    fn stdout(&mut self, s: &str) {
        self.pending.extend_from_slice(s.as_bytes());
        while self.pending.len() >= 4096 {
            self.out.extend(self.pending.drain(..4096));
        }
    }
    fn stderr(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }
    fn finish(mut self) -> Vec<u8> {
        self.out.append(&mut self.pending);
        self.out
    }
}

// ---------------------------------------------------------------------------
// JSON as Go's encoding/json and Python's json module print it
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn s(v: impl Into<String>) -> J {
    J::Str(v.into())
}
fn n(v: i64) -> J {
    J::Int(v)
}
fn o(pairs: Vec<(&str, J)>) -> J {
    J::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn a(items: Vec<J>) -> J {
    J::Arr(items)
}
fn empty() -> J {
    J::Obj(Vec::new())
}
fn t(time: DateTime<Utc>) -> J {
    s(rfc3339(time))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonStyle {
    /// Go: HTML characters escaped, UTF-8 kept.
    Go,
    /// Python `json.dumps(ensure_ascii=True)`.
    Python,
}

fn json_str(out: &mut String, v: &str, style: JsonStyle) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if style == JsonStyle::Go => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if !c.is_ascii() && style == JsonStyle::Python => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_write(out: &mut String, v: &J, depth: usize, style: JsonStyle) {
    let pad = |out: &mut String, d: usize| {
        out.push('\n');
        for _ in 0..d {
            out.push_str("    ");
        }
    };
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(i) => {
            let _ = write!(out, "{i}");
        }
        J::Float(f) => out.push_str(&py_float(*f)),
        J::Str(x) => json_str(out, x, style),
        J::Arr(items) if items.is_empty() => out.push_str("[]"),
        J::Obj(items) if items.is_empty() => out.push_str("{}"),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                json_write(out, item, depth + 1, style);
            }
            pad(out, depth);
            out.push(']');
        }
        J::Obj(items) => {
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                json_str(out, k, style);
                out.push_str(": ");
                json_write(out, item, depth + 1, style);
            }
            pad(out, depth);
            out.push('}');
        }
    }
}

/// `json.MarshalIndent(v, "", "    ")` plus the newline kubectl adds.
fn go_json(v: &J) -> String {
    let mut out = String::new();
    json_write(&mut out, v, 0, JsonStyle::Go);
    out.push('\n');
    out
}

/// Keys sorted at every level, as kubectl prints unstructured objects.
fn sorted(v: &J) -> J {
    match v {
        J::Obj(items) => {
            let mut items: Vec<(String, J)> =
                items.iter().map(|(k, x)| (k.clone(), sorted(x))).collect();
            items.sort_by(|x, y| x.0.cmp(&y.0));
            J::Obj(items)
        }
        J::Arr(items) => J::Arr(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------
// Tar archives
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Body {
    File(Vec<u8>),
    Dir,
    Link(String),
}

/// One archive member.
#[derive(Clone)]
struct Member {
    path: String,
    body: Body,
    mode: u32,
    mtime: DateTime<Utc>,
    /// sos copies atime and ctime of files taken from the host into PAX
    /// records (`copy_permissions_filter`).
    host_times: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

fn file(
    path: impl Into<String>,
    data: impl Into<Vec<u8>>,
    mode: u32,
    mtime: DateTime<Utc>,
) -> Member {
    Member {
        path: path.into(),
        body: Body::File(data.into()),
        mode,
        mtime,
        host_times: None,
    }
}

fn dir(path: impl Into<String>, mode: u32, mtime: DateTime<Utc>) -> Member {
    Member {
        path: path.into(),
        body: Body::Dir,
        mode,
        mtime,
        host_times: None,
    }
}

fn link(path: impl Into<String>, target: &str, mtime: DateTime<Utc>) -> Member {
    Member {
        path: path.into(),
        body: Body::Link(target.to_string()),
        mode: 0o777,
        mtime,
        host_times: None,
    }
}

impl Member {
    fn host(mut self, atime: DateTime<Utc>, ctime: DateTime<Utc>) -> Member {
        self.host_times = Some((atime, ctime));
        self
    }
    fn size(&self) -> usize {
        match &self.body {
            Body::File(d) => d.len(),
            _ => 0,
        }
    }
}

fn put(buf: &mut [u8], at: usize, len: usize, value: &[u8]) {
    let n = value.len().min(len);
    buf[at..at + n].copy_from_slice(&value[..n]);
}

fn octal(value: u64, width: usize) -> Vec<u8> {
    let mut v = format!("{value:0w$o}", w = width - 1).into_bytes();
    v.push(0);
    v
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TarStyle {
    /// Python's tarfile, PAX format (sos).
    Python,
    /// GNU tar's default `gnu` format (the shell collectors).
    Gnu,
}

#[allow(clippy::too_many_arguments)]
fn tar_header(
    style: TarStyle,
    name: &[u8],
    mode: u32,
    size: u64,
    mtime: u64,
    kind: u8,
    linkname: &[u8],
    owner: &[u8],
) -> [u8; 512] {
    let mut h = [0u8; 512];
    put(&mut h, 0, 100, name);
    put(&mut h, 100, 8, &octal(u64::from(mode & 0o7777), 8));
    put(&mut h, 108, 8, &octal(0, 8));
    put(&mut h, 116, 8, &octal(0, 8));
    put(&mut h, 124, 12, &octal(size, 12));
    put(&mut h, 136, 12, &octal(mtime, 12));
    put(&mut h, 148, 8, b"        ");
    h[156] = kind;
    put(&mut h, 157, 100, linkname);
    match style {
        TarStyle::Python => {
            put(&mut h, 257, 8, b"ustar\x0000");
            put(&mut h, 329, 8, &octal(0, 8));
            put(&mut h, 337, 8, &octal(0, 8));
        }
        TarStyle::Gnu => put(&mut h, 257, 8, b"ustar  \0"),
    }
    put(&mut h, 265, 32, owner);
    put(&mut h, 297, 32, owner);
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let mut chk = format!("{sum:06o}").into_bytes();
    chk.push(0);
    put(&mut h, 148, 7, &chk);
    h
}

fn pad_block(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem > 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

/// A PAX record `"%d %s=%s\n"` whose length counts itself.
fn pax_record(key: &str, value: &str) -> String {
    let l = key.len() + value.len() + 3;
    let mut p = 0;
    loop {
        let n = l + p.to_string().len();
        if n == p {
            break;
        }
        p = n;
    }
    format!("{p} {key}={value}\n")
}

fn stat_float(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) * 1e-9
}

fn tar(members: &[Member], style: TarStyle) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let (kind, linkname) = match &m.body {
            Body::File(_) => (b'0', String::new()),
            Body::Dir => (b'5', String::new()),
            Body::Link(target) => (b'2', target.clone()),
        };
        let mut name = m.path.clone();
        if matches!(m.body, Body::Dir) && !name.ends_with('/') {
            name.push('/');
        }
        let mtime = match style {
            TarStyle::Python => {
                // Python 3.7: a float mtime goes to a PAX record, 0 to the header.
                let mut records = String::new();
                if let Some((at, ct)) = m.host_times {
                    records += &pax_record("atime", &format!("{:.9}", stat_float(at)));
                    records += &pax_record("ctime", &format!("{:.9}", stat_float(ct)));
                }
                if name.len() > 100 {
                    records += &pax_record("path", &name);
                }
                if linkname.len() > 100 {
                    records += &pax_record("linkpath", &linkname);
                }
                records += &pax_record("mtime", &py_float(stat_float(m.mtime)));
                let h = tar_header(
                    style,
                    b"././@PaxHeader",
                    0,
                    records.len() as u64,
                    0,
                    b'x',
                    b"",
                    b"",
                );
                out.extend_from_slice(&h);
                out.extend_from_slice(records.as_bytes());
                pad_block(&mut out);
                0
            }
            TarStyle::Gnu => {
                if name.len() > 100 {
                    let mut long = name.clone().into_bytes();
                    long.push(0);
                    let h = tar_header(
                        style,
                        b"././@LongLink",
                        0o644,
                        long.len() as u64,
                        0,
                        b'L',
                        b"",
                        b"root",
                    );
                    out.extend_from_slice(&h);
                    out.extend_from_slice(&long);
                    pad_block(&mut out);
                }
                m.mtime.timestamp().max(0) as u64
            }
        };
        let h = tar_header(
            style,
            name.as_bytes(),
            m.mode,
            m.size() as u64,
            mtime,
            kind,
            linkname.as_bytes(),
            b"root",
        );
        out.extend_from_slice(&h);
        if let Body::File(d) = &m.body {
            out.extend_from_slice(d);
            pad_block(&mut out);
        }
    }
    out.resize(out.len() + 1024, 0);
    let rem = out.len() % 10_240;
    if rem > 0 {
        out.resize(out.len() + 10_240 - rem, 0);
    }
    out
}

// ---------------------------------------------------------------------------
// Conntrack tables
// ---------------------------------------------------------------------------

/// States of generated entries, with their remaining-timeout ranges.
#[derive(Clone, Copy)]
enum St {
    TimeWait,
    Est,
    /// Long-lived and idle: anywhere in the 86,400 s established timeout.
    EstIdle,
    SynSent,
    FinWait,
    CloseWait,
    LastAck,
    Close,
    Udp,
    UdpUnreplied,
}

/// A family of connections: who talks to whom and how their entries look.
struct Flow<'a> {
    n: usize,
    udp: bool,
    src: &'a [[u8; 4]],
    /// Original destinations: a ClusterIP, pods or the outside world.
    dst: &'a [[u8; 4]],
    dport: u16,
    /// Who answers when `dst` is a ClusterIP (DNAT); empty: `dst` itself.
    backends: &'a [[u8; 4]],
    /// Reply goes to this address (SNAT to the node by the VPC CNI,
    /// `--random-fully`).
    snat: Option<[u8; 4]>,
    /// Reply comes from this port (REDIRECT to a local proxy).
    redirect: Option<([u8; 4], u16)>,
    mix: &'a [(St, u32)],
}

struct Table {
    rng: Rng,
    used: HashSet<(Ipv4Addr, Ipv4Addr, u16, u16)>,
    entries: Vec<Entry<'static>>,
}

impl Table {
    fn new(seed: u64) -> Table {
        Table {
            rng: Rng::new(seed),
            used: HashSet::new(),
            entries: Vec::new(),
        }
    }

    fn port(&mut self, src: Ipv4Addr, dst: Ipv4Addr, dport: u16, lo: u64, hi: u64) -> u16 {
        let mut p = self.rng.range(lo, hi) as u16;
        for _ in 0..64 {
            if self.used.insert((src, dst, p, dport)) {
                break;
            }
            p = self.rng.range(lo, hi) as u16;
        }
        p
    }

    fn pick(&mut self, list: &[[u8; 4]]) -> Ipv4Addr {
        ip(list[self.rng.below(list.len() as u64) as usize])
    }

    fn state(&mut self, mix: &[(St, u32)]) -> St {
        let total: u32 = mix.iter().map(|m| m.1).sum();
        let mut roll = self.rng.below(u64::from(total)) as u32;
        for &(st, w) in mix {
            if roll < w {
                return st;
            }
            roll -= w;
        }
        mix[0].0
    }

    fn add(&mut self, f: &Flow<'_>) {
        for _ in 0..f.n {
            let src = self.pick(f.src);
            let dst = self.pick(f.dst);
            let backend = if f.backends.is_empty() {
                dst
            } else {
                self.pick(f.backends)
            };
            let sport = self.port(src, dst, f.dport, 32_768, 60_999);
            let st = self.state(f.mix);
            let (reply_src, reply_sport) = match f.redirect {
                Some((addr, port)) => (ip(addr), port),
                None => (backend, f.dport),
            };
            let (reply_dst, reply_dport) = match f.snat {
                Some(node) => {
                    let node = ip(node);
                    (node, self.port(node, reply_src, reply_sport, 1_024, 65_535))
                }
                None => (src, sport),
            };
            let r = &mut self.rng;
            let (state, timeout, flags) = match st {
                St::TimeWait => (Some(State::TIME_WAIT), r.below(121), Flags::ASSURED),
                St::Est => (
                    Some(State::ESTABLISHED),
                    r.range(86_280, 86_400),
                    Flags::ASSURED,
                ),
                St::EstIdle => (
                    Some(State::ESTABLISHED),
                    r.range(3_000, 86_400),
                    Flags::ASSURED,
                ),
                St::SynSent => (Some(State::SYN_SENT), r.range(1, 120), Flags::UNREPLIED),
                St::FinWait => (Some(State::FIN_WAIT), r.below(121), Flags::ASSURED),
                St::CloseWait => (Some(State::CLOSE_WAIT), r.below(3_601), Flags::ASSURED),
                St::LastAck => (Some(State::LAST_ACK), r.below(31), Flags::ASSURED),
                St::Close => (Some(State::CLOSE), r.below(11), Flags::ASSURED),
                St::Udp => (None, r.below(31), Flags::default()),
                St::UdpUnreplied => (None, r.range(1, 30), Flags::UNREPLIED),
            };
            let orig = Tuple {
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                l4: L4::Ports {
                    sport,
                    dport: f.dport,
                },
                zone: None,
            };
            let reply = Tuple {
                src: IpAddr::V4(reply_src),
                dst: IpAddr::V4(reply_dst),
                l4: L4::Ports {
                    sport: reply_sport,
                    dport: reply_dport,
                },
                zone: None,
            };
            self.entries.push(crate::synth::entry(
                if f.udp { 17 } else { 6 },
                timeout as u32,
                state,
                orig,
                reply,
                flags,
            ));
        }
    }

    /// The kernel's dump order is its hash order: shuffled.
    fn lines(mut self, layout: Layout) -> Vec<String> {
        for i in (1..self.entries.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            self.entries.swap(i, j);
        }
        self.entries.iter().map(|e| render(e, layout)).collect()
    }
}

const TW_HEAVY: &[(St, u32)] = &[
    (St::TimeWait, 9_880),
    (St::Est, 16),
    (St::SynSent, 22),
    (St::FinWait, 36),
    (St::LastAck, 12),
    (St::Close, 34),
];
const POOLED: &[(St, u32)] = &[(St::TimeWait, 88), (St::Est, 9), (St::EstIdle, 3)];
const LONG_LIVED: &[(St, u32)] = &[
    (St::Est, 55),
    (St::EstIdle, 38),
    (St::TimeWait, 5),
    (St::CloseWait, 2),
];
const PROBES: &[(St, u32)] = &[(St::TimeWait, 97), (St::Close, 3)];
const DNS: &[(St, u32)] = &[(St::Udp, 93), (St::UdpUnreplied, 7)];
const DNS_FULL: &[(St, u32)] = &[(St::Udp, 81), (St::UdpUnreplied, 19)];

fn coredns() -> [[u8; 4]; 2] {
    [[10, 0, 1, 190], [10, 0, 2, 218]]
}

/// Node A at 09:06:02, the table full. Returns the lines (hash order).
fn table_a(total: usize) -> Vec<String> {
    let node = NODES[A].ip;
    let host = [node];
    let relay = [[10, 0, 1, 57], [10, 0, 1, 142]];
    let checkout = [[10, 0, 1, 88]];
    let cart = [[10, 0, 1, 205]];
    let dns_clients = [
        [10, 0, 1, 88],
        [10, 0, 1, 205],
        [10, 0, 1, 57],
        [10, 0, 1, 142],
    ];
    let web = [[10, 0, 2, 187], [10, 0, 1, 166]];
    let ledger = [[10, 0, 2, 40], [10, 0, 1, 245]];
    let catalog = [[10, 0, 3, 99], [10, 0, 2, 95]];
    let core = coredns();
    let others: Vec<Flow<'_>> = vec![
        Flow {
            n: 1_910,
            udp: true,
            src: &dns_clients,
            dst: &[KUBE_DNS],
            dport: 53,
            backends: &core,
            snat: None,
            redirect: None,
            mix: DNS_FULL,
        },
        Flow {
            n: 430,
            udp: true,
            src: &[[10, 0, 1, 190]],
            dst: &[VPC_DNS],
            dport: 53,
            backends: &[],
            snat: None,
            redirect: None,
            mix: DNS_FULL,
        },
        Flow {
            n: 1_380,
            udp: false,
            src: &checkout,
            dst: &[[172, 20, 203, 58]],
            dport: 8080,
            backends: &ledger,
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 440,
            udp: false,
            src: &checkout,
            dst: &[GATEWAY],
            dport: 443,
            backends: &[],
            snat: Some(node),
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 960,
            udp: false,
            src: &web,
            dst: &checkout,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 210,
            udp: false,
            src: &web,
            dst: &cart,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: LONG_LIVED,
        },
        Flow {
            n: 340,
            udp: false,
            src: &cart,
            dst: &catalog,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 2,
            udp: false,
            src: &cart,
            dst: &[ISTIOD.0],
            dport: 15012,
            backends: &[ISTIOD.1],
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 92,
            udp: false,
            src: &host,
            dst: &relay,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 46,
            udp: false,
            src: &host,
            dst: &checkout,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 24,
            udp: false,
            src: &host,
            dst: &cart,
            dport: 15021,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 70,
            udp: false,
            src: &host,
            dst: &[[10, 0, 1, 190]],
            dport: 8181,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 6,
            udp: false,
            src: &host,
            dst: &API_ENIS,
            dport: 443,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 5,
            udp: false,
            src: &host,
            dst: &[API_SVC],
            dport: 443,
            backends: &API_ENIS,
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 2,
            udp: false,
            src: &[[10, 0, 1, 190]],
            dst: &[API_SVC],
            dport: 443,
            backends: &API_ENIS,
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 40,
            udp: false,
            src: &host,
            dst: &[SSM],
            dport: 443,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::TimeWait, 9), (St::Est, 1)],
        },
        Flow {
            n: 32,
            udp: false,
            src: &[[10, 0, 3, 47]],
            dst: &host,
            dport: 10250,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 66,
            udp: false,
            src: &relay,
            dst: &[SQS],
            dport: 443,
            backends: &[],
            snat: Some(node),
            redirect: None,
            mix: &[(St::TimeWait, 9), (St::Est, 1)],
        },
        Flow {
            n: 150,
            udp: true,
            src: &relay,
            dst: &[KUBE_DNS],
            dport: 53,
            backends: &core,
            snat: None,
            redirect: None,
            mix: DNS_FULL,
        },
    ];
    let used: usize = others.iter().map(|f| f.n).sum();
    let mut tab = Table::new(2_024_112_601);
    tab.add(&Flow {
        n: total - used,
        udp: false,
        src: &relay,
        dst: &PARTNER,
        dport: 443,
        backends: &[],
        snat: Some(node),
        redirect: None,
        mix: TW_HEAVY,
    });
    for f in &others {
        tab.add(f);
    }
    tab.lines(Layout::Extended)
}

/// Node B at 09:08:2x: the third replica, a third of the table in use.
fn table_b(total: usize) -> Vec<String> {
    let node = NODES[B].ip;
    let host = [node];
    let relay = [[10, 0, 2, 133]];
    let ledger = [[10, 0, 2, 40]];
    let web = [[10, 0, 2, 187]];
    let checkout = [[10, 0, 1, 88], [10, 0, 3, 62]];
    let cart = [[10, 0, 1, 205], [10, 0, 1, 37]];
    let catalog = [[10, 0, 3, 99], [10, 0, 2, 95]];
    let dns_clients = [[10, 0, 2, 40], [10, 0, 2, 187], [10, 0, 2, 133]];
    let core = coredns();
    let others: Vec<Flow<'_>> = vec![
        Flow {
            n: 1_120,
            udp: true,
            src: &dns_clients,
            dst: &[KUBE_DNS],
            dport: 53,
            backends: &core,
            snat: None,
            redirect: None,
            mix: DNS,
        },
        Flow {
            n: 380,
            udp: true,
            src: &[[10, 0, 2, 218]],
            dst: &[VPC_DNS],
            dport: 53,
            backends: &[],
            snat: None,
            redirect: None,
            mix: DNS,
        },
        Flow {
            n: 1_160,
            udp: false,
            src: &checkout,
            dst: &ledger,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 980,
            udp: false,
            src: &web,
            dst: &checkout,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 96,
            udp: false,
            src: &web,
            dst: &cart,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: LONG_LIVED,
        },
        Flow {
            n: 270,
            udp: false,
            src: &web,
            dst: &catalog,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 640,
            udp: false,
            src: &ALB,
            dst: &web,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::TimeWait, 70), (St::Est, 30)],
        },
        Flow {
            n: 2,
            udp: false,
            src: &web,
            dst: &[ISTIOD.0],
            dport: 15012,
            backends: &[ISTIOD.1],
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 46,
            udp: false,
            src: &host,
            dst: &relay,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 46,
            udp: false,
            src: &host,
            dst: &ledger,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 24,
            udp: false,
            src: &host,
            dst: &web,
            dport: 15021,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 70,
            udp: false,
            src: &host,
            dst: &[[10, 0, 2, 218]],
            dport: 8181,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 6,
            udp: false,
            src: &host,
            dst: &API_ENIS,
            dport: 443,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 5,
            udp: false,
            src: &host,
            dst: &[API_SVC],
            dport: 443,
            backends: &API_ENIS,
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 2,
            udp: false,
            src: &[[10, 0, 2, 218]],
            dst: &[API_SVC],
            dport: 443,
            backends: &API_ENIS,
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 38,
            udp: false,
            src: &host,
            dst: &[SSM],
            dport: 443,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::TimeWait, 9), (St::Est, 1)],
        },
        Flow {
            n: 31,
            udp: false,
            src: &[[10, 0, 3, 47]],
            dst: &host,
            dport: 10250,
            backends: &[],
            snat: None,
            redirect: None,
            mix: PROBES,
        },
        Flow {
            n: 52,
            udp: false,
            src: &relay,
            dst: &[SQS],
            dport: 443,
            backends: &[],
            snat: Some(node),
            redirect: None,
            mix: &[(St::TimeWait, 9), (St::Est, 1)],
        },
        Flow {
            n: 60,
            udp: true,
            src: &relay,
            dst: &[KUBE_DNS],
            dport: 53,
            backends: &core,
            snat: None,
            redirect: None,
            mix: DNS,
        },
    ];
    let used: usize = others.iter().map(|f| f.n).sum();
    let mut tab = Table::new(2_024_112_602);
    tab.add(&Flow {
        n: total - used,
        udp: false,
        src: &relay,
        dst: &PARTNER,
        dport: 443,
        backends: &[],
        snat: Some(node),
        redirect: None,
        mix: &[
            (St::TimeWait, 9_870),
            (St::Est, 40),
            (St::SynSent, 12),
            (St::FinWait, 40),
            (St::LastAck, 10),
            (St::Close, 28),
        ],
    });
    for f in &others {
        tab.add(f);
    }
    tab.lines(Layout::Default)
}

/// The network namespace of `storefront/cart-5b7d8c9f4-h2lxq` on node A: the
/// Istio sidecar's iptables rules make the kernel track its flows too.
fn table_cart_netns() -> Vec<String> {
    let me = [[10, 0, 1, 205]];
    let web = [[10, 0, 2, 187], [10, 0, 1, 166]];
    let catalog = [[10, 0, 3, 99], [10, 0, 2, 95]];
    let lo = [[127, 0, 0, 1]];
    let mut tab = Table::new(2_024_112_603);
    for f in [
        // Inbound, redirected to the sidecar's 15006.
        Flow {
            n: 18,
            udp: false,
            src: &web,
            dst: &me,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: Some(([10, 0, 1, 205], 15006)),
            mix: LONG_LIVED,
        },
        // The app's outbound calls, redirected to 15001.
        Flow {
            n: 14,
            udp: false,
            src: &me,
            dst: &[[172, 20, 9, 211]],
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: Some(([127, 0, 0, 1], 15001)),
            mix: POOLED,
        },
        // The sidecar's own upstream connections (uid 1337, not redirected).
        Flow {
            n: 12,
            udp: false,
            src: &me,
            dst: &catalog,
            dport: 8080,
            backends: &[],
            snat: None,
            redirect: None,
            mix: POOLED,
        },
        Flow {
            n: 2,
            udp: false,
            src: &me,
            dst: &[ISTIOD.0],
            dport: 15012,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::Est, 1)],
        },
        Flow {
            n: 9,
            udp: true,
            src: &me,
            dst: &[KUBE_DNS],
            dport: 53,
            backends: &[],
            snat: None,
            redirect: None,
            mix: DNS_FULL,
        },
        // pilot-agent and envoy on loopback.
        Flow {
            n: 6,
            udp: false,
            src: &lo,
            dst: &lo,
            dport: 15000,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::TimeWait, 2), (St::Est, 1)],
        },
        Flow {
            n: 3,
            udp: false,
            src: &lo,
            dst: &lo,
            dport: 15020,
            backends: &[],
            snat: None,
            redirect: None,
            mix: &[(St::TimeWait, 1)],
        },
    ] {
        tab.add(&f);
    }
    tab.lines(Layout::Extended)
}

/// `conntrack -L` through sos: stdout block-buffered, the stderr trailer
/// written before the last block.
fn listing_through_pipe(lines: &[String]) -> Vec<u8> {
    let mut pipe = Pipe::default();
    for l in lines {
        pipe.stdout(l);
        pipe.stdout("\n");
    }
    pipe.stderr(&format!(
        "{CONNTRACK_TOOLS}: {} flow entries have been shown.\n",
        lines.len()
    ));
    pipe.finish()
}

/// Per-CPU counters of `conntrack -S` (conntrack-tools 1.4.4 on 5.10: no
/// `ignore`, and `clash_resolve` is not printed).
#[derive(Clone, Copy, Default)]
struct CpuStats {
    found: u64,
    invalid: u64,
    insert_failed: u64,
    drop: u64,
    early_drop: u64,
    error: u64,
    search_restart: u64,
    clash: u64,
}

fn conntrack_s(cpus: &[CpuStats]) -> String {
    let mut out = String::new();
    for (i, c) in cpus.iter().enumerate() {
        let _ = writeln!(
            out,
            "cpu={i:<4}\tfound={} invalid={} insert=0 insert_failed={} drop={} early_drop={} error={} search_restart={} ",
            c.found, c.invalid, c.insert_failed, c.drop, c.early_drop, c.error, c.search_restart
        );
    }
    out
}

/// `/proc/net/stat/nf_conntrack` of a 5.10 kernel.
fn proc_net_stat(cpus: &[CpuStats], entries: u64) -> String {
    let mut out = String::from(
        "entries  clashres found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n",
    );
    for c in cpus {
        let _ = writeln!(
            out,
            "{entries:08x}  {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x} {:08x}  {:08x} {:08x} {:08x} {:08x}",
            c.clash,
            c.found,
            0,
            c.invalid,
            0,
            0,
            0,
            0,
            c.insert_failed,
            c.drop,
            c.early_drop,
            c.error,
            0,
            0,
            0,
            c.search_restart
        );
    }
    out
}

/// Counters of a node at `at`: background activity since boot plus the
/// drops of the table-full windows before `at`.
fn cpu_stats(node: usize, at: DateTime<Utc>, windows: &[Window]) -> Vec<CpuStats> {
    let up = (at - NODES[node].boot()).num_seconds().max(0) as u64;
    let mut dropped = 0f64;
    let mut early = 0f64;
    for w in windows {
        let into = (at - w.start).num_milliseconds() as f64 / 5_000.0;
        if into <= 0.0 {
            continue;
        }
        let part = into.min(1.0);
        dropped += (w.lines as f64 + w.missed as f64) * part;
        early += 37.0 * part;
    }
    let dropped = dropped.round() as u64;
    let early = early.round() as u64;
    let share = [0.513, 0.487];
    (0..2)
        .map(|cpu| {
            let k = cpu as u64;
            let part = |v: u64| -> u64 {
                if cpu == 0 {
                    (v as f64 * share[0]).round() as u64
                } else {
                    v - (v as f64 * share[0]).round() as u64
                }
            };
            CpuStats {
                found: 1_204 + k * 97 + up / 31,
                invalid: 311 + k * 23 + up / 2_150,
                insert_failed: 3 + k + up / 90_000 + part(dropped / 1_900),
                drop: part(dropped),
                early_drop: part(early),
                error: 11 + k * 3 + up / 40_000,
                search_restart: 640 + k * 41 + up / 380,
                clash: 2 + k + up / 60_000,
            }
        })
        .collect()
}

/// Counters of a network namespace with a small table of its own.
fn netns_stats(entries: usize) -> Vec<CpuStats> {
    (0..2u64)
        .map(|k| CpuStats {
            found: entries as u64 / 2 + 3 * k,
            invalid: 4 + k,
            search_restart: 1 + k,
            ..CpuStats::default()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Kernel ring buffer, journal and syslog
// ---------------------------------------------------------------------------

/// One `net_ratelimit` window of table-full drops: 10 lines logged, the
/// rest counted as suppressed by the first line of the next window.
struct Window {
    start: DateTime<Utc>,
    lines: u64,
    missed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The kernel.
    Kernel,
    /// A process writing to /dev/kmsg (systemd early at boot).
    Kmsg(&'static str, u32),
    /// A service's stdout through journald: rsyslog shows no pid.
    Stdout(&'static str, u32),
    /// A syslog(3) client: rsyslog shows the pid.
    Syslog(&'static str, u32),
}

#[derive(Clone)]
struct Ev {
    at: DateTime<Utc>,
    who: Who,
    msg: String,
}

fn ev(at: DateTime<Utc>, who: Who, msg: impl Into<String>) -> Ev {
    Ev {
        at,
        who,
        msg: msg.into(),
    }
}

/// Kernel lines of a node's boot and of its pods' interfaces.
fn kernel_boot(node: usize, rng: &mut Rng) -> Vec<Ev> {
    let n = &NODES[node];
    let boot = n.boot();
    let cmdline = format!(
        "BOOT_IMAGE=/boot/vmlinuz-{KERNEL} root=UUID=2d5c7a3e-9f41-4b8e-a0d2-6c1e8b3f7a95 ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 biosdevname=0 nvme_core.io_timeout=4294967295 rd.emergency=poweroff rd.shell=0"
    );
    let lines: Vec<(i64, Who, String)> = vec![
        (0, Who::Kernel, format!("Linux version {KERNEL} (mockbuild@ip-10-0-34-186) (gcc10-gcc (GCC) 10.5.0 20230707 (Red Hat 10.5.0-1), GNU ld version 2.35.2-9.amzn2.0.1) {KERNEL_BUILD}")),
        (0, Who::Kernel, format!("Command line: {cmdline}")),
        (0, Who::Kernel, "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'".into()),
        (0, Who::Kernel, "x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'".into()),
        (0, Who::Kernel, "x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'".into()),
        (0, Who::Kernel, "BIOS-provided physical RAM map:".into()),
        (0, Who::Kernel, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable".into()),
        (0, Who::Kernel, "BIOS-e820: [mem 0x0000000000100000-0x00000000bffe9fff] usable".into()),
        (0, Who::Kernel, "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable".into()),
        (0, Who::Kernel, "NX (Execute Disable) protection: active".into()),
        (0, Who::Kernel, "SMBIOS 2.7 present.".into()),
        (0, Who::Kernel, "DMI: Amazon EC2 t3.medium/, BIOS 1.0 10/16/2017".into()),
        (0, Who::Kernel, "Hypervisor detected: KVM".into()),
        (0, Who::Kernel, "kvm-clock: Using msrs 4b564d01 and 4b564d00".into()),
        (1, Who::Kernel, "tsc: Detected 2499.998 MHz processor".into()),
        (4_870, Who::Kernel, "ACPI: Early table checksum verification disabled".into()),
        (31_904, Who::Kernel, "smpboot: Allowing 2 CPUs, 0 hotplug CPUs".into()),
        (63_118, Who::Kernel, format!("Kernel command line: {cmdline}")),
        (71_540, Who::Kernel, "Dentry cache hash table entries: 524288 (order: 10, 4194304 bytes, linear)".into()),
        (88_102, Who::Kernel, "Memory: 3866936K/4095600K available (12300K kernel code, 2196K rwdata, 4068K rodata, 2556K init, 4992K bss, 228408K reserved, 0K cma-reserved)".into()),
        (204_733, Who::Kernel, "smp: Brought up 1 node, 2 CPUs".into()),
        (412_001, Who::Kernel, "NET: Registered protocol family 16".into()),
        (951_437, Who::Kernel, "nvme nvme0: pci function 0000:00:04.0".into()),
        (1_024_311, Who::Kernel, "ena 0000:00:05.0: Elastic Network Adapter (ENA) v2.13.0g".into()),
        (1_032_588, Who::Kernel, "ena 0000:00:05.0: ENA device version: 0.10".into()),
        (1_032_601, Who::Kernel, "ena 0000:00:05.0: ENA controller version: 0.0.1 implementation version 1".into()),
        (1_041_770, Who::Kernel, format!("ena 0000:00:05.0: Elastic Network Adapter (ENA) found at mem febf4000, mac addr {}", n.mac)),
        (1_702_105, Who::Kernel, "XFS (nvme0n1p1): Mounting V5 Filesystem".into()),
        (1_911_352, Who::Kernel, "XFS (nvme0n1p1): Ending clean mount".into()),
        (2_612_807, Who::Kmsg("systemd", 1), "systemd 219 running in system mode. (+PAM +AUDIT +SELINUX +IMA -APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 -SECCOMP +BLKID +ELFUTILS +KMOD +IDN)".into()),
        (2_650_311, Who::Kmsg("systemd", 1), "Detected virtualization amazon.".into()),
        (2_655_102, Who::Kmsg("systemd", 1), "Detected architecture x86-64.".into()),
        (2_690_214, Who::Kmsg("systemd", 1), "Set hostname to <localhost.localdomain>.".into()),
        (4_120_551, Who::Kernel, "RPC: Registered named UNIX socket transport module.".into()),
        (6_874_119, Who::Kernel, "ip_tables: (C) 2000-2006 Netfilter Core Team".into()),
        (8_021_343, Who::Kernel, "bridge: filtering via arp/ip/ip6tables is no longer available by default. Update your scripts to load br_netfilter if you need this.".into()),
        (8_031_227, Who::Kernel, "Bridge firewalling registered".into()),
        (52_140_226, Who::Kernel, "pci 0000:00:06.0: [1d0f:ec20] type 00 class 0x020000".into()),
        (52_281_904, Who::Kernel, "ena 0000:00:06.0: Elastic Network Adapter (ENA) v2.13.0g".into()),
        (52_297_315, Who::Kernel, "ena 0000:00:06.0: Elastic Network Adapter (ENA) found at mem febf0000, mac addr 0a:52:7e:0c:b4:19".into()),
    ];
    let jitter = rng.range(0, 40_000) as i64;
    let mut out: Vec<Ev> = lines
        .into_iter()
        .map(|(us, who, msg)| {
            let us = if us > 1_000_000 { us + jitter } else { us };
            ev(boot + Duration::microseconds(us), who, msg)
        })
        .collect();
    for p in PODS.iter().filter(|p| p.node == node && p.ip.is_some()) {
        let at = p.created().max(boot + Duration::seconds(71))
            + Duration::milliseconds(rng.range(600, 1_400) as i64);
        out.push(ev(
            at,
            Who::Kernel,
            format!(
                "IPv6: ADDRCONF(NETDEV_CHANGE): eni{}: link becomes ready",
                hex(rng, 11)
            ),
        ));
    }
    out
}

/// Table-full drops, rate-limited as `net_ratelimit` does: 10 messages per
/// 5 s window; the first message of a window reports what the previous one
/// suppressed. Each burst's last window may taper off (no suppression).
fn drop_events(rng: &mut Rng) -> (Vec<Ev>, Vec<Window>) {
    let mut evs = Vec::new();
    let mut windows = Vec::new();
    for (start, count, last_lines) in bursts_a() {
        let mut t0 = start;
        let mut prev_missed = 0u64;
        for w in 0..count {
            let last = w + 1 == count;
            let lines = if last { last_lines as u64 } else { 10 };
            let missed = if lines < 10 {
                0
            } else {
                rng.range(1_850, 2_260)
            };
            let mut at = t0;
            if prev_missed > 0 {
                evs.push(ev(
                    at,
                    Who::Kernel,
                    format!("net_ratelimit: {prev_missed} callbacks suppressed"),
                ));
            }
            for _ in 0..lines {
                evs.push(ev(
                    at,
                    Who::Kernel,
                    "nf_conntrack: nf_conntrack: table full, dropping packet",
                ));
                at += Duration::microseconds(rng.range(900, 4_200) as i64);
            }
            windows.push(Window {
                start: t0,
                lines,
                missed,
            });
            prev_missed = missed;
            t0 += Duration::microseconds(5_000_000 + rng.range(150, 3_100) as i64);
        }
    }
    (evs, windows)
}

/// Everyday lines of a node's journal between `from` and `to`.
fn user_noise(node: usize, rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Ev> {
    let n = &NODES[node];
    let [kubelet, containerd, dhclient, chronyd, ssm] = n.pids;
    let boot = n.boot();
    let mut out = Vec::new();
    // Boot: services come up and the node joins the cluster.
    let at = |s: i64| boot + Duration::milliseconds(s);
    for (ms, who, msg) in [
        (5_112, Who::Syslog("systemd", 1), "Started Journal Service.".to_string()),
        (9_402, Who::Syslog("chronyd", chronyd), "chronyd version 4.2 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +SECHASH +IPV6 +DEBUG)".into()),
        (9_930, Who::Syslog("dhclient", dhclient), format!("DHCPREQUEST on eth0 to {} port 67 (xid=0x{})", n.gateway(), hex(rng, 8))),
        (9_941, Who::Syslog("dhclient", dhclient), format!("DHCPACK from {} (xid=0x{})", n.gateway(), hex(rng, 8))),
        (9_955, Who::Syslog("dhclient", dhclient), format!("bound to {} -- renewal in 1682 seconds.", n.addr())),
        (14_310, Who::Stdout("cloud-init", 2468), format!("Cloud-init v. 19.3-46.amzn2.0.2 running 'init' at {}. Up 14.31 seconds.", boot.format("%a, %d %b %Y %H:%M:%S +0000"))),
        (15_877, Who::Syslog("chronyd", chronyd), "Selected source 169.254.169.123".into()),
        (29_140, Who::Syslog("systemd", 1), "Started containerd container runtime.".into()),
        (31_262, Who::Syslog("systemd", 1), "Starting Kubernetes Kubelet...".into()),
        (31_705, Who::Syslog("systemd", 1), "Started Kubernetes Kubelet.".into()),
        (32_018, Who::Stdout("kubelet", kubelet), format!("{}server.go:487] \"Kubelet version\" kubeletVersion=\"{KUBELET_VERSION}\"", klog(at(32_018), 'I', kubelet))),
        (33_450, Who::Stdout("kubelet", kubelet), format!("{}kubelet_node_status.go:73] \"Attempting to register node\" node=\"{}\"", klog(at(33_450), 'I', kubelet), n.name)),
        (34_210, Who::Stdout("kubelet", kubelet), format!("{}kubelet_node_status.go:76] \"Successfully registered node\" node=\"{}\"", klog(at(34_210), 'I', kubelet), n.name)),
        (60_912, Who::Stdout("kubelet", kubelet), format!("{}kubelet_node_status.go:497] \"Fast updating node status as it just became ready\"", klog(at(60_912), 'I', kubelet))),
    ] {
        let t = at(ms);
        if t >= from && t <= to {
            out.push(ev(t, who, msg));
        }
    }
    // Steady state.
    let mut t = from.max(boot + Duration::seconds(90));
    let mut session = 4 + rng.below(20);
    let mut next_dhcp = boot + Duration::seconds(1_682);
    let mut next_ssm = t + Duration::seconds(rng.range(10, 300) as i64);
    while t < to {
        t += Duration::milliseconds(rng.range(60_000, 420_000) as i64);
        if t >= to {
            break;
        }
        let pod = &PODS[rng.below(PODS.len() as u64) as usize];
        let msg = match rng.below(5) {
            0 => format!(
                "{}kubelet_getters.go:218] \"Pod status is inconsistent with cached status for pod, a reconciliation should be triggered\" pod=\"{}/{}\"",
                klog(t, 'I', kubelet),
                pod.ns,
                pod.name
            ),
            1 => format!(
                "{}container_gc.go:88] \"Attempting to delete unused containers\"",
                klog(t, 'I', kubelet)
            ),
            2 => format!(
                "{}image_gc_manager.go:362] \"Attempting to delete unused images\"",
                klog(t, 'I', kubelet)
            ),
            3 => format!(
                "{}log.go:245] http: TLS handshake error from 10.0.3.47:{}: EOF",
                klog(t, 'I', kubelet),
                rng.range(32_768, 60_999)
            ),
            _ => {
                out.push(ev(
                    t,
                    Who::Stdout("containerd", containerd),
                    format!(
                        "time=\"{}\" level=info msg=\"ImageUpdate event name:\\\"{ECR}/eks/pause:3.5\\\" labels:{{key:\\\"io.cri-containerd.image\\\" value:\\\"managed\\\"}}\"",
                        t.format("%Y-%m-%dT%H:%M:%S%.9fZ")
                    ),
                ));
                continue;
            }
        };
        out.push(ev(t, Who::Stdout("kubelet", kubelet), msg));
        if t >= next_ssm {
            out.push(ev(
                t + Duration::milliseconds(311),
                Who::Stdout("amazon-ssm-agent", ssm),
                format!(
                    "{} INFO [HealthCheck] HealthCheck reporting agent health.",
                    t.format("%Y-%m-%d %H:%M:%S")
                ),
            ));
            next_ssm = t + Duration::seconds(300);
        }
        if t >= next_dhcp {
            let xid = hex(rng, 8);
            out.push(ev(
                t,
                Who::Syslog("dhclient", dhclient),
                format!(
                    "DHCPREQUEST on eth0 to {} port 67 (xid=0x{xid})",
                    n.gateway()
                ),
            ));
            out.push(ev(
                t + Duration::milliseconds(3),
                Who::Syslog("dhclient", dhclient),
                format!("DHCPACK from {} (xid=0x{xid})", n.gateway()),
            ));
            let renew = rng.range(1_500, 1_800);
            out.push(ev(
                t + Duration::milliseconds(9),
                Who::Syslog("dhclient", dhclient),
                format!("bound to {} -- renewal in {renew} seconds.", n.addr()),
            ));
            next_dhcp = t + Duration::seconds(renew as i64);
        }
    }
    // cron.hourly through a root session at one past every hour.
    let mut hour = (boot + Duration::hours(1))
        .with_minute(1)
        .and_then(|x| x.with_second(1))
        .unwrap_or(boot);
    while hour < to {
        session += 1;
        let c = hour + Duration::milliseconds(rng.range(0, 900) as i64);
        if c > from {
            out.push(ev(
                c,
                Who::Syslog("systemd", 1),
                "Created slice User Slice of root.",
            ));
            out.push(ev(
                c + Duration::milliseconds(2),
                Who::Syslog("systemd", 1),
                format!("Started Session {session} of user root."),
            ));
            out.push(ev(
                c + Duration::milliseconds(130),
                Who::Syslog("systemd", 1),
                "Removed slice User Slice of root.",
            ));
        }
        hour += Duration::hours(1);
    }
    out
}

/// The support engineer's Session Manager session, shortly before a capture.
fn support_session(node: usize, at: DateTime<Utc>) -> Vec<Ev> {
    let ssm = NODES[node].pids[4];
    vec![
        ev(
            at,
            Who::Stdout("amazon-ssm-agent", ssm),
            format!(
                "{} INFO [ssm-session-worker] [alice@example.com-0c7d1e9f3a2b46158] Session worker parameters: SessionId alice@example.com-0c7d1e9f3a2b46158",
                at.format("%Y-%m-%d %H:%M:%S")
            ),
        ),
        ev(
            at + Duration::milliseconds(412),
            Who::Syslog("systemd", 1),
            "Created slice User Slice of ssm-user.",
        ),
        ev(
            at + Duration::milliseconds(430),
            Who::Syslog("systemd", 1),
            "Started Session c1 of user ssm-user.",
        ),
    ]
}

/// Readiness and liveness probes that time out while the table is full.
fn probe_failures(rng: &mut Rng, windows: &[Window]) -> Vec<Ev> {
    let kubelet = NODES[A].pids[0];
    let mut out = Vec::new();
    for w in windows.iter().filter(|w| w.lines == 10) {
        if !rng.chance(45) {
            continue;
        }
        let at = w.start + Duration::milliseconds(rng.range(200, 4_800) as i64);
        let (pod, port, path, kind) = match rng.below(3) {
            0 => (
                "payments/checkout-api-6c9f7d8b54-w2k7n",
                "10.0.1.88:8080",
                "/healthz",
                "Readiness",
            ),
            1 => (
                "payments/webhook-relay-7d5c9b8f6-2xkqp",
                "10.0.1.57:8080",
                "/actuator/health/readiness",
                "Readiness",
            ),
            _ => (
                "kube-system/coredns-6b9575c64-7kdzq",
                "10.0.1.190:8181",
                "/ready",
                "Readiness",
            ),
        };
        out.push(ev(
            at,
            Who::Stdout("kubelet", kubelet),
            format!(
                "{}prober.go:107] \"Probe failed\" probeType=\"{kind}\" pod=\"{pod}\" podUID=\"{}\" containerName=\"{}\" probeResult=\"failure\" output=\"Get \\\"http://{port}{path}\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\"",
                klog(at, 'I', kubelet),
                uuid(rng),
                pod.split('/').nth(1).and_then(|p| p.split('-').next()).unwrap_or("app"),
            ),
        ));
    }
    out
}

/// Seconds since boot, as the kernel stamps a line.
fn mono_us(node: usize, at: DateTime<Utc>) -> i64 {
    (at - NODES[node].boot()).num_microseconds().unwrap_or(0)
}

fn in_ring(e: &Ev) -> bool {
    matches!(e.who, Who::Kernel | Who::Kmsg(..))
}

fn ring_text(e: &Ev) -> String {
    match e.who {
        Who::Kmsg(ident, pid) => format!("{ident}[{pid}]: {}", e.msg),
        _ => e.msg.clone(),
    }
}

/// `dmesg`: `[%5lu.%06lu] ` stamps, kernel lines up to `until`.
fn dmesg_raw(node: usize, evs: &[Ev], until: DateTime<Utc>) -> String {
    let mut out = String::new();
    for e in evs.iter().filter(|e| in_ring(e) && e.at <= until) {
        let us = mono_us(node, e.at);
        let _ = writeln!(
            out,
            "[{:5}.{:06}] {}",
            us / 1_000_000,
            us % 1_000_000,
            ring_text(e)
        );
    }
    out
}

/// `dmesg -T` / `dmesg --ctime`.
fn dmesg_ctime(evs: &[Ev], until: DateTime<Utc>) -> String {
    let mut out = String::new();
    for e in evs.iter().filter(|e| in_ring(e) && e.at <= until) {
        let _ = writeln!(
            out,
            "[{}] {}",
            e.at.format("%a %b %e %H:%M:%S %Y"),
            ring_text(e)
        );
    }
    out
}

/// When journald received a line (a little after the kernel stamped it).
fn received(e: &Ev) -> DateTime<Utc> {
    match e.who {
        Who::Kernel | Who::Kmsg(..) => e.at + Duration::microseconds(214),
        _ => e.at,
    }
}

/// rsyslog's traditional format on Amazon Linux 2 (imjournal): short host,
/// no pid for services that log to stdout.
fn syslog(node: usize, evs: &[Ev], from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let host = NODES[node].short;
    let mut out = String::new();
    for e in evs {
        let at = received(e);
        if at < from || at > until {
            continue;
        }
        let tag = match e.who {
            Who::Kernel => "kernel:".to_string(),
            Who::Kmsg(ident, _) | Who::Stdout(ident, _) => format!("{ident}:"),
            Who::Syslog(ident, pid) => format!("{ident}[{pid}]:"),
        };
        let _ = writeln!(
            out,
            "{} {host} {tag} {}",
            at.format("%b %e %H:%M:%S"),
            e.msg
        );
    }
    out
}

/// `journalctl` (systemd 219, short format), optionally one unit only.
fn journal(node: usize, evs: &[Ev], until: DateTime<Utc>, unit: Option<&str>) -> String {
    let host = NODES[node].name;
    let begin = NODES[node].boot();
    let shown: Vec<&Ev> = evs
        .iter()
        .filter(|e| received(e) <= until)
        .filter(|e| match unit {
            None => true,
            Some(u) => match e.who {
                Who::Stdout(ident, _) => ident == u,
                Who::Syslog("systemd", _) => {
                    e.msg.contains("Kubernetes Kubelet") && u == "kubelet"
                        || e.msg.contains("containerd container runtime") && u == "containerd"
                }
                _ => false,
            },
        })
        .collect();
    // The header spans the whole journal, whatever the filter shows.
    let end = evs
        .iter()
        .map(received)
        .filter(|t| *t <= until)
        .max()
        .unwrap_or(until);
    let mut out = format!(
        "-- Logs begin at {}, end at {}. --\n",
        begin.format("%a %Y-%m-%d %H:%M:%S UTC"),
        end.format("%a %Y-%m-%d %H:%M:%S UTC")
    );
    for e in shown {
        let tag = match e.who {
            Who::Kernel => "kernel:".to_string(),
            Who::Kmsg(ident, pid) | Who::Stdout(ident, pid) | Who::Syslog(ident, pid) => {
                format!("{ident}[{pid}]:")
            }
        };
        let _ = writeln!(
            out,
            "{} {host} {tag} {}",
            received(e).format("%b %d %H:%M:%S"),
            e.msg
        );
    }
    out
}

/// All lines of a node, in time order.
struct NodeLog {
    evs: Vec<Ev>,
    windows: Vec<Window>,
}

fn node_log(node: usize, to: DateTime<Utc>, seed: u64) -> NodeLog {
    let mut rng = Rng::new(seed);
    let boot = NODES[node].boot();
    let mut evs = kernel_boot(node, &mut rng);
    let mut windows = Vec::new();
    if node == A {
        let (drops, w) = drop_events(&mut rng);
        evs.extend(drops);
        evs.extend(probe_failures(&mut rng, &w));
        windows = w;
    }
    evs.extend(user_noise(node, &mut rng, boot, to));
    let session = match node {
        A => Some(nov(26, 9, 3, 12, 118_000)),
        B => Some(nov(26, 9, 7, 31, 540_000)),
        C => Some(nov(26, 9, 10, 58, 203_000)),
        _ => None,
    };
    if let Some(at) = session {
        evs.extend(support_session(node, at));
    }
    evs.retain(|e| e.at <= to);
    evs.sort_by_key(|e| e.at);
    NodeLog { evs, windows }
}

// ---------------------------------------------------------------------------
// sysctl, /proc/stat and other small captures
// ---------------------------------------------------------------------------

/// The host side of a pod's veth pair (VPC CNI: `eni` + 11 hex digits of a
/// hash of the pod).
fn veth(p: &PodSpec) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in
        p.ns.bytes()
            .chain(b".".iter().copied())
            .chain(p.name.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("eni{:011x}", h & 0xfff_ffff_ffff)
}

fn interfaces(node: usize) -> Vec<String> {
    let mut v = vec!["eth0".to_string(), "eth1".to_string(), "lo".to_string()];
    v.extend(
        PODS.iter()
            .filter(|p| p.node == node && p.ip.is_some())
            .map(veth),
    );
    v
}

const SYSCTL_FIXED: &str = "abi.vsyscall32 = 1
crypto.fips_enabled = 0
debug.exception-trace = 1
debug.kprobes-optimization = 1
dev.hpet.max-user-freq = 64
dev.raid.speed_limit_max = 200000
dev.raid.speed_limit_min = 1000
dev.scsi.logging_level = 0
dev.tty.ldisc_autoload = 1
fs.aio-max-nr = 65536
fs.aio-nr = 0
fs.binfmt_misc.status = enabled
fs.dentry-state = 102391\t81733\t45\t0\t40617\t0
fs.dir-notify-enable = 1
fs.epoll.max_user_watches = 807321
fs.file-max = 9223372036854775807
fs.file-nr = 4064\t0\t9223372036854775807
fs.inode-nr = 90617\t1027
fs.inode-state = 90617\t1027\t0\t0\t0\t0\t0
fs.inotify.max_queued_events = 16384
fs.inotify.max_user_instances = 8192
fs.inotify.max_user_watches = 524288
fs.lease-break-time = 45
fs.leases-enable = 1
fs.mount-max = 100000
fs.mqueue.msg_default = 10
fs.mqueue.msg_max = 10
fs.mqueue.msgsize_default = 8192
fs.mqueue.msgsize_max = 8192
fs.mqueue.queues_max = 256
fs.nr_open = 1048576
fs.overflowgid = 65534
fs.overflowuid = 65534
fs.pipe-max-size = 1048576
fs.pipe-user-pages-hard = 0
fs.pipe-user-pages-soft = 16384
fs.protected_fifos = 0
fs.protected_hardlinks = 1
fs.protected_regular = 0
fs.protected_symlinks = 1
fs.quota.allocated_dquots = 0
fs.suid_dumpable = 0
fs.xfs.error_level = 3
fs.xfs.filestream_centisecs = 3000
fs.xfs.inherit_noatime = 1
fs.xfs.irix_sgid_inherit = 0
fs.xfs.speculative_prealloc_lifetime = 300
fs.xfs.xfssyncd_centisecs = 3000
kernel.acct = 4\t2\t30
kernel.acpi_video_flags = 0
kernel.auto_msgmni = 0
kernel.bpf_stats_enabled = 0
kernel.cad_pid = 1
kernel.cap_last_cap = 39
kernel.core_pattern = core
kernel.core_pipe_limit = 0
kernel.core_uses_pid = 1
kernel.ctrl-alt-del = 0
kernel.dmesg_restrict = 0
kernel.domainname = (none)
kernel.ftrace_dump_on_oops = 0
kernel.hardlockup_all_cpu_backtrace = 0
kernel.hardlockup_panic = 0
kernel.hostname = {HOST}
kernel.hung_task_check_count = 4194304
kernel.hung_task_panic = 0
kernel.hung_task_timeout_secs = 120
kernel.io_delay_type = 1
kernel.kexec_load_disabled = 0
kernel.keys.maxbytes = 20000
kernel.keys.maxkeys = 200
kernel.keys.persistent_keyring_expiry = 259200
kernel.keys.root_maxbytes = 25000000
kernel.keys.root_maxkeys = 1000000
kernel.kptr_restrict = 0
kernel.max_lock_depth = 1024
kernel.modprobe = /sbin/modprobe
kernel.modules_disabled = 0
kernel.msgmax = 8192
kernel.msgmnb = 16384
kernel.msgmni = 32000
kernel.ngroups_max = 65536
kernel.nmi_watchdog = 0
kernel.ns_last_pid = {LASTPID}
kernel.numa_balancing = 0
kernel.osrelease = 5.10.227-219.884.amzn2.x86_64
kernel.ostype = Linux
kernel.overflowgid = 65534
kernel.overflowuid = 65534
kernel.panic = 0
kernel.panic_on_io_nmi = 0
kernel.panic_on_oops = 0
kernel.panic_on_rcu_stall = 0
kernel.panic_on_unrecovered_nmi = 0
kernel.panic_on_warn = 0
kernel.panic_print = 0
kernel.perf_cpu_time_max_percent = 25
kernel.perf_event_max_contexts_per_stack = 8
kernel.perf_event_max_sample_rate = 100000
kernel.perf_event_max_stack = 127
kernel.perf_event_mlock_kb = 516
kernel.perf_event_paranoid = 2
kernel.pid_max = 32768
kernel.poweroff_cmd = /sbin/poweroff
kernel.print-fatal-signals = 0
kernel.printk = 8\t4\t1\t7
kernel.printk_delay = 0
kernel.printk_devkmsg = ratelimit
kernel.printk_ratelimit = 5
kernel.printk_ratelimit_burst = 10
kernel.pty.max = 4096
kernel.pty.nr = 1
kernel.pty.reserve = 1024
kernel.random.boot_id = {BOOTID}
kernel.random.entropy_avail = 3812
kernel.random.poolsize = 4096
kernel.random.urandom_min_reseed_secs = 60
kernel.random.uuid = {UUID}
kernel.random.write_wakeup_threshold = 896
kernel.randomize_va_space = 2
kernel.real-root-dev = 0
kernel.sched_autogroup_enabled = 0
kernel.sched_cfs_bandwidth_slice_us = 5000
kernel.sched_child_runs_first = 0
kernel.sched_rr_timeslice_ms = 100
kernel.sched_rt_period_us = 1000000
kernel.sched_rt_runtime_us = 950000
kernel.sched_schedstats = 0
kernel.seccomp.actions_avail = kill_process kill_thread trap errno user_notif trace log allow
kernel.seccomp.actions_logged = kill_process kill_thread trap errno user_notif trace log
kernel.sem = 32000\t1024000000\t500\t32000
kernel.sem_next_id = -1
kernel.shm_next_id = -1
kernel.shm_rmid_forced = 0
kernel.shmall = 18446744073692774399
kernel.shmmax = 18446744073692774399
kernel.shmmni = 4096
kernel.soft_watchdog = 1
kernel.softlockup_all_cpu_backtrace = 0
kernel.softlockup_panic = 0
kernel.stack_tracer_enabled = 0
kernel.sysctl_writes_strict = 1
kernel.sysrq = 16
kernel.tainted = 0
kernel.threads-max = 30603
kernel.timer_migration = 1
kernel.traceoff_on_warning = 0
kernel.tracepoint_printk = 0
kernel.unknown_nmi_panic = 0
kernel.unprivileged_bpf_disabled = 2
kernel.unprivileged_userns_clone = 1
kernel.usermodehelper.bset = 4294967295\t255
kernel.usermodehelper.inheritable = 4294967295\t255
kernel.version = #1 SMP Wed Oct 23 17:17:00 UTC 2024
kernel.watchdog = 1
kernel.watchdog_cpumask = 0-1
kernel.watchdog_thresh = 10
kernel.yama.ptrace_scope = 0
net.bridge.bridge-nf-call-arptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-filter-pppoe-tagged = 0
net.bridge.bridge-nf-filter-vlan-tagged = 0
net.bridge.bridge-nf-pass-vlan-input-dev = 0
net.core.bpf_jit_enable = 1
net.core.bpf_jit_harden = 0
net.core.bpf_jit_kallsyms = 1
net.core.bpf_jit_limit = 264241152
net.core.busy_poll = 0
net.core.busy_read = 0
net.core.default_qdisc = pfifo_fast
net.core.dev_weight = 64
net.core.dev_weight_rx_bias = 1
net.core.dev_weight_tx_bias = 1
net.core.devconf_inherit_init_net = 0
net.core.fb_tunnels_only_for_init_net = 0
net.core.flow_limit_cpu_bitmap = 0
net.core.flow_limit_table_len = 4096
net.core.gro_normal_batch = 8
net.core.high_order_alloc_disable = 0
net.core.max_skb_frags = 17
net.core.message_burst = 10
net.core.message_cost = 5
net.core.netdev_budget = 300
net.core.netdev_budget_usecs = 2000
net.core.netdev_max_backlog = 1000
net.core.netdev_rss_key = {RSSKEY}
net.core.netdev_tstamp_prequeue = 1
net.core.optmem_max = 20480
net.core.rmem_default = 212992
net.core.rmem_max = 212992
net.core.rps_sock_flow_entries = 0
net.core.somaxconn = 4096
net.core.tstamp_allow_data = 1
net.core.warnings = 0
net.core.wmem_default = 212992
net.core.wmem_max = 212992
net.core.xfrm_acq_expires = 30
net.core.xfrm_aevent_etime = 10
net.core.xfrm_aevent_rseqth = 2
net.core.xfrm_larval_drop = 1
net.ipv4.cipso_cache_bucket_size = 10
net.ipv4.cipso_cache_enable = 1
net.ipv4.cipso_rbm_optfmt = 0
net.ipv4.cipso_rbm_strictvalid = 1
net.ipv4.fib_multipath_hash_policy = 0
net.ipv4.fib_multipath_use_neigh = 0
net.ipv4.fib_notify_on_flag_change = 0
net.ipv4.fib_sync_mem = 524288
net.ipv4.fwmark_reflect = 0
net.ipv4.icmp_echo_ignore_all = 0
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_errors_use_inbound_ifaddr = 0
net.ipv4.icmp_ignore_bogus_error_responses = 1
net.ipv4.icmp_msgs_burst = 50
net.ipv4.icmp_msgs_per_sec = 1000
net.ipv4.icmp_ratelimit = 1000
net.ipv4.icmp_ratemask = 6168
net.ipv4.igmp_link_local_mcast_reports = 1
net.ipv4.igmp_max_memberships = 20
net.ipv4.igmp_max_msf = 10
net.ipv4.igmp_qrv = 2
net.ipv4.inet_peer_maxttl = 600
net.ipv4.inet_peer_minttl = 120
net.ipv4.inet_peer_threshold = 65664
net.ipv4.ip_autobind_reuse = 0
net.ipv4.ip_default_ttl = 64
net.ipv4.ip_dynaddr = 0
net.ipv4.ip_early_demux = 1
net.ipv4.ip_forward = 1
net.ipv4.ip_forward_update_priority = 1
net.ipv4.ip_forward_use_pmtu = 0
net.ipv4.ip_local_port_range = 32768\t60999
net.ipv4.ip_local_reserved_ports = 
net.ipv4.ip_no_pmtu_disc = 0
net.ipv4.ip_nonlocal_bind = 0
net.ipv4.ip_unprivileged_port_start = 1024
net.ipv4.ipfrag_high_thresh = 4194304
net.ipv4.ipfrag_low_thresh = 3145728
net.ipv4.ipfrag_max_dist = 64
net.ipv4.ipfrag_secret_interval = 0
net.ipv4.ipfrag_time = 30
net.ipv4.nexthop_compat_mode = 1
net.ipv4.ping_group_range = 1\t0
net.ipv4.raw_l3mdev_accept = 1
net.ipv4.route.error_burst = 1250
net.ipv4.route.error_cost = 250
net.ipv4.route.gc_elasticity = 8
net.ipv4.route.gc_interval = 60
net.ipv4.route.gc_min_interval = 0
net.ipv4.route.gc_min_interval_ms = 500
net.ipv4.route.gc_thresh = -1
net.ipv4.route.gc_timeout = 300
net.ipv4.route.max_size = 2147483647
net.ipv4.route.min_adv_mss = 256
net.ipv4.route.min_pmtu = 552
net.ipv4.route.mtu_expires = 600
net.ipv4.route.redirect_load = 5
net.ipv4.route.redirect_number = 9
net.ipv4.route.redirect_silence = 5120
net.ipv4.tcp_abort_on_overflow = 0
net.ipv4.tcp_adv_win_scale = 1
net.ipv4.tcp_allowed_congestion_control = reno cubic
net.ipv4.tcp_app_win = 31
net.ipv4.tcp_autocorking = 1
net.ipv4.tcp_available_congestion_control = reno cubic
net.ipv4.tcp_available_ulp = 
net.ipv4.tcp_base_mss = 1024
net.ipv4.tcp_challenge_ack_limit = 1000
net.ipv4.tcp_comp_sack_delay_ns = 1000000
net.ipv4.tcp_comp_sack_nr = 44
net.ipv4.tcp_comp_sack_slack_ns = 100000
net.ipv4.tcp_congestion_control = cubic
net.ipv4.tcp_dsack = 1
net.ipv4.tcp_early_demux = 1
net.ipv4.tcp_early_retrans = 3
net.ipv4.tcp_ecn = 2
net.ipv4.tcp_ecn_fallback = 1
net.ipv4.tcp_fack = 0
net.ipv4.tcp_fastopen = 1
net.ipv4.tcp_fastopen_blackhole_timeout_sec = 3600
net.ipv4.tcp_fastopen_key = 00000000-00000000-00000000-00000000
net.ipv4.tcp_fin_timeout = 60
net.ipv4.tcp_frto = 2
net.ipv4.tcp_fwmark_accept = 0
net.ipv4.tcp_invalid_ratelimit = 500
net.ipv4.tcp_keepalive_intvl = 75
net.ipv4.tcp_keepalive_probes = 9
net.ipv4.tcp_keepalive_time = 7200
net.ipv4.tcp_l3mdev_accept = 0
net.ipv4.tcp_limit_output_bytes = 1048576
net.ipv4.tcp_low_latency = 0
net.ipv4.tcp_max_orphans = 16384
net.ipv4.tcp_max_reordering = 300
net.ipv4.tcp_max_syn_backlog = 256
net.ipv4.tcp_max_tw_buckets = 16384
net.ipv4.tcp_mem = 44976\t59968\t89952
net.ipv4.tcp_min_rtt_wlen = 300
net.ipv4.tcp_min_snd_mss = 48
net.ipv4.tcp_min_tso_segs = 2
net.ipv4.tcp_moderate_rcvbuf = 1
net.ipv4.tcp_mtu_probe_floor = 48
net.ipv4.tcp_mtu_probing = 0
net.ipv4.tcp_no_metrics_save = 0
net.ipv4.tcp_no_ssthresh_metrics_save = 1
net.ipv4.tcp_notsent_lowat = 4294967295
net.ipv4.tcp_orphan_retries = 0
net.ipv4.tcp_pacing_ca_ratio = 120
net.ipv4.tcp_pacing_ss_ratio = 200
net.ipv4.tcp_probe_interval = 600
net.ipv4.tcp_probe_threshold = 8
net.ipv4.tcp_recovery = 1
net.ipv4.tcp_reflect_tos = 0
net.ipv4.tcp_reordering = 3
net.ipv4.tcp_retrans_collapse = 1
net.ipv4.tcp_retries1 = 3
net.ipv4.tcp_retries2 = 15
net.ipv4.tcp_rfc1337 = 0
net.ipv4.tcp_rmem = 4096\t131072\t6291456
net.ipv4.tcp_rx_skb_cache = 0
net.ipv4.tcp_sack = 1
net.ipv4.tcp_slow_start_after_idle = 1
net.ipv4.tcp_stdurg = 0
net.ipv4.tcp_syn_retries = 6
net.ipv4.tcp_synack_retries = 5
net.ipv4.tcp_syncookies = 1
net.ipv4.tcp_thin_linear_timeouts = 0
net.ipv4.tcp_timestamps = 1
net.ipv4.tcp_tso_win_divisor = 3
net.ipv4.tcp_tw_reuse = 2
net.ipv4.tcp_tx_skb_cache = 0
net.ipv4.tcp_window_scaling = 1
net.ipv4.tcp_wmem = 4096\t20480\t4194304
net.ipv4.tcp_workaround_signed_windows = 0
net.ipv4.udp_early_demux = 1
net.ipv4.udp_l3mdev_accept = 0
net.ipv4.udp_mem = 89952\t119936\t179904
net.ipv4.udp_rmem_min = 4096
net.ipv4.udp_wmem_min = 4096
net.ipv4.xfrm4_gc_thresh = 32768
net.ipv6.anycast_src_echo_reply = 0
net.ipv6.auto_flowlabels = 1
net.ipv6.bindv6only = 0
net.ipv6.calipso_cache_bucket_size = 10
net.ipv6.calipso_cache_enable = 1
net.ipv6.fib_multipath_hash_policy = 0
net.ipv6.flowlabel_consistency = 1
net.ipv6.flowlabel_reflect = 0
net.ipv6.flowlabel_state_ranges = 0
net.ipv6.fwmark_reflect = 0
net.ipv6.icmp.echo_ignore_all = 0
net.ipv6.icmp.echo_ignore_anycast = 0
net.ipv6.icmp.echo_ignore_multicast = 0
net.ipv6.icmp.ratelimit = 1000
net.ipv6.icmp.ratemask = 0-1,3-127
net.ipv6.idgen_delay = 1
net.ipv6.idgen_retries = 3
net.ipv6.ip6frag_high_thresh = 4194304
net.ipv6.ip6frag_low_thresh = 3145728
net.ipv6.ip6frag_secret_interval = 0
net.ipv6.ip6frag_time = 60
net.ipv6.ip_nonlocal_bind = 0
net.ipv6.max_dst_opts_length = 2147483647
net.ipv6.max_dst_opts_number = 8
net.ipv6.max_hbh_length = 2147483647
net.ipv6.max_hbh_opts_number = 8
net.ipv6.mld_max_msf = 64
net.ipv6.mld_qrv = 2
net.ipv6.route.gc_elasticity = 9
net.ipv6.route.gc_interval = 30
net.ipv6.route.gc_min_interval = 0
net.ipv6.route.gc_min_interval_ms = 500
net.ipv6.route.gc_thresh = 1024
net.ipv6.route.gc_timeout = 60
net.ipv6.route.max_size = 4096
net.ipv6.route.min_adv_mss = 1220
net.ipv6.route.mtu_expires = 600
net.ipv6.route.skip_notify_on_dev_down = 0
net.ipv6.seg6_flowlabel = 0
net.ipv6.xfrm6_gc_thresh = 32768
net.netfilter.nf_conntrack_acct = 0
net.netfilter.nf_conntrack_buckets = 16384
net.netfilter.nf_conntrack_checksum = 1
net.netfilter.nf_conntrack_count = {COUNT}
net.netfilter.nf_conntrack_dccp_loose = 1
net.netfilter.nf_conntrack_dccp_timeout_closereq = 64
net.netfilter.nf_conntrack_dccp_timeout_closing = 64
net.netfilter.nf_conntrack_dccp_timeout_open = 43200
net.netfilter.nf_conntrack_dccp_timeout_partopen = 480
net.netfilter.nf_conntrack_dccp_timeout_request = 240
net.netfilter.nf_conntrack_dccp_timeout_respond = 480
net.netfilter.nf_conntrack_dccp_timeout_timewait = 240
net.netfilter.nf_conntrack_events = 1
net.netfilter.nf_conntrack_expect_max = 256
net.netfilter.nf_conntrack_frag6_high_thresh = 4194304
net.netfilter.nf_conntrack_frag6_low_thresh = 3145728
net.netfilter.nf_conntrack_frag6_timeout = 60
net.netfilter.nf_conntrack_generic_timeout = 600
net.netfilter.nf_conntrack_gre_timeout = 30
net.netfilter.nf_conntrack_gre_timeout_stream = 180
net.netfilter.nf_conntrack_helper = 0
net.netfilter.nf_conntrack_icmp_timeout = 30
net.netfilter.nf_conntrack_icmpv6_timeout = 30
net.netfilter.nf_conntrack_log_invalid = 0
net.netfilter.nf_conntrack_max = 65536
net.netfilter.nf_conntrack_sctp_timeout_closed = 10
net.netfilter.nf_conntrack_sctp_timeout_cookie_echoed = 3
net.netfilter.nf_conntrack_sctp_timeout_cookie_wait = 3
net.netfilter.nf_conntrack_sctp_timeout_established = 432000
net.netfilter.nf_conntrack_sctp_timeout_heartbeat_acked = 210
net.netfilter.nf_conntrack_sctp_timeout_heartbeat_sent = 30
net.netfilter.nf_conntrack_sctp_timeout_shutdown_ack_sent = 3
net.netfilter.nf_conntrack_sctp_timeout_shutdown_recd = 0
net.netfilter.nf_conntrack_sctp_timeout_shutdown_sent = 0
net.netfilter.nf_conntrack_tcp_be_liberal = 0
net.netfilter.nf_conntrack_tcp_loose = 1
net.netfilter.nf_conntrack_tcp_max_retrans = 3
net.netfilter.nf_conntrack_tcp_timeout_close = 10
net.netfilter.nf_conntrack_tcp_timeout_close_wait = 3600
net.netfilter.nf_conntrack_tcp_timeout_established = 86400
net.netfilter.nf_conntrack_tcp_timeout_fin_wait = 120
net.netfilter.nf_conntrack_tcp_timeout_last_ack = 30
net.netfilter.nf_conntrack_tcp_timeout_max_retrans = 300
net.netfilter.nf_conntrack_tcp_timeout_syn_recv = 60
net.netfilter.nf_conntrack_tcp_timeout_syn_sent = 120
net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120
net.netfilter.nf_conntrack_tcp_timeout_unacknowledged = 300
net.netfilter.nf_conntrack_timestamp = 0
net.netfilter.nf_conntrack_udp_timeout = 30
net.netfilter.nf_conntrack_udp_timeout_stream = 120
net.netfilter.nf_log.0 = NONE
net.netfilter.nf_log.1 = NONE
net.netfilter.nf_log.10 = NONE
net.netfilter.nf_log.11 = NONE
net.netfilter.nf_log.12 = NONE
net.netfilter.nf_log.2 = NONE
net.netfilter.nf_log.3 = NONE
net.netfilter.nf_log.4 = NONE
net.netfilter.nf_log.5 = NONE
net.netfilter.nf_log.6 = NONE
net.netfilter.nf_log.7 = NONE
net.netfilter.nf_log.8 = NONE
net.netfilter.nf_log.9 = NONE
net.netfilter.nf_log_all_netns = 0
net.nf_conntrack_max = 65536
net.unix.max_dgram_qlen = 512
user.max_cgroup_namespaces = 15301
user.max_inotify_instances = 8192
user.max_inotify_watches = 524288
user.max_ipc_namespaces = 15301
user.max_mnt_namespaces = 15301
user.max_net_namespaces = 15301
user.max_pid_namespaces = 15301
user.max_time_namespaces = 15301
user.max_user_namespaces = 0
user.max_uts_namespaces = 15301
vm.admin_reserve_kbytes = 8192
vm.block_dump = 0
vm.compact_unevictable_allowed = 1
vm.compaction_proactiveness = 20
vm.dirty_background_bytes = 0
vm.dirty_background_ratio = 10
vm.dirty_bytes = 0
vm.dirty_expire_centisecs = 3000
vm.dirty_ratio = 20
vm.dirty_writeback_centisecs = 500
vm.dirtytime_expire_seconds = 43200
vm.extfrag_threshold = 500
vm.hugetlb_shm_group = 0
vm.laptop_mode = 0
vm.legacy_va_layout = 0
vm.lowmem_reserve_ratio = 256\t256\t32\t0\t0
vm.max_map_count = 524288
vm.memory_failure_early_kill = 0
vm.memory_failure_recovery = 1
vm.min_free_kbytes = 67584
vm.min_slab_ratio = 5
vm.min_unmapped_ratio = 1
vm.mmap_min_addr = 4096
vm.mmap_rnd_bits = 28
vm.mmap_rnd_compat_bits = 8
vm.nr_hugepages = 0
vm.nr_hugepages_mempolicy = 0
vm.nr_overcommit_hugepages = 0
vm.numa_stat = 1
vm.numa_zonelist_order = Node
vm.oom_dump_tasks = 1
vm.oom_kill_allocating_task = 0
vm.overcommit_kbytes = 0
vm.overcommit_memory = 1
vm.overcommit_ratio = 50
vm.page-cluster = 3
vm.panic_on_oom = 0
vm.percpu_pagelist_fraction = 0
vm.stat_interval = 1
vm.swappiness = 60
vm.unprivileged_userfaultfd = 0
vm.user_reserve_kbytes = 117186
vm.vfs_cache_pressure = 100
vm.watermark_boost_factor = 15000
vm.watermark_scale_factor = 10
vm.zone_reclaim_mode = 0";

const IPV4_CONF: [(&str, &str); 32] = [
    ("accept_local", "0"),
    ("accept_redirects", "1"),
    ("accept_source_route", "0"),
    ("arp_accept", "0"),
    ("arp_announce", "0"),
    ("arp_filter", "0"),
    ("arp_ignore", "0"),
    ("arp_notify", "0"),
    ("bc_forwarding", "0"),
    ("bootp_relay", "0"),
    ("disable_policy", "0"),
    ("disable_xfrm", "0"),
    ("drop_gratuitous_arp", "0"),
    ("drop_unicast_in_l2_multicast", "0"),
    ("force_igmp_version", "0"),
    ("forwarding", "1"),
    ("igmpv2_unsolicited_report_interval", "10000"),
    ("igmpv3_unsolicited_report_interval", "1000"),
    ("ignore_routes_with_linkdown", "0"),
    ("log_martians", "0"),
    ("mc_forwarding", "0"),
    ("medium_id", "0"),
    ("promote_secondaries", "0"),
    ("proxy_arp", "0"),
    ("proxy_arp_pvlan", "0"),
    ("route_localnet", "0"),
    ("rp_filter", "1"),
    ("secure_redirects", "1"),
    ("send_redirects", "1"),
    ("shared_media", "1"),
    ("src_valid_mark", "0"),
    ("tag", "0"),
];

const IPV6_CONF: [(&str, &str); 50] = [
    ("accept_dad", "1"),
    ("accept_ra", "1"),
    ("accept_ra_defrtr", "1"),
    ("accept_ra_from_local", "0"),
    ("accept_ra_min_hop_limit", "1"),
    ("accept_ra_mtu", "1"),
    ("accept_ra_pinfo", "1"),
    ("accept_ra_rt_info_max_plen", "0"),
    ("accept_ra_rt_info_min_plen", "0"),
    ("accept_ra_rtr_pref", "1"),
    ("accept_redirects", "1"),
    ("accept_source_route", "0"),
    ("addr_gen_mode", "0"),
    ("autoconf", "1"),
    ("dad_transmits", "1"),
    ("disable_ipv6", "0"),
    ("disable_policy", "0"),
    ("drop_unicast_in_l2_multicast", "0"),
    ("drop_unsolicited_na", "0"),
    ("enhanced_dad", "1"),
    ("force_mld_version", "0"),
    ("force_tllao", "0"),
    ("forwarding", "0"),
    ("hop_limit", "64"),
    ("ignore_routes_with_linkdown", "0"),
    ("keep_addr_on_down", "0"),
    ("max_addresses", "16"),
    ("max_desync_factor", "600"),
    ("mc_forwarding", "0"),
    ("mldv1_unsolicited_report_interval", "10000"),
    ("mldv2_unsolicited_report_interval", "1000"),
    ("mtu", "{MTU}"),
    ("ndisc_notify", "0"),
    ("ndisc_tclass", "0"),
    ("optimistic_dad", "0"),
    ("proxy_ndp", "0"),
    ("regen_max_retry", "3"),
    ("router_probe_interval", "60"),
    ("router_solicitation_delay", "1"),
    ("router_solicitation_interval", "4"),
    ("router_solicitation_max_interval", "3600"),
    ("router_solicitations", "-1"),
    ("seg6_enabled", "0"),
    ("seg6_require_hmac", "0"),
    ("stable_secret", ""),
    ("suppress_frag_ndisc", "1"),
    ("temp_prefered_lft", "86400"),
    ("temp_valid_lft", "604800"),
    ("use_oif_addrs_only", "0"),
    ("use_tempaddr", "0"),
];

const NEIGH: [(&str, &str); 14] = [
    ("anycast_delay", "100"),
    ("app_solicit", "0"),
    ("base_reachable_time_ms", "30000"),
    ("delay_first_probe_time", "5"),
    ("gc_stale_time", "60"),
    ("locktime", "100"),
    ("mcast_resolicit", "0"),
    ("mcast_solicit", "3"),
    ("proxy_delay", "80"),
    ("proxy_qlen", "64"),
    ("retrans_time_ms", "1000"),
    ("ucast_solicit", "3"),
    ("unres_qlen", "101"),
    ("unres_qlen_bytes", "212992"),
];

/// `sysctl -a` of a node (procps-ng 3.3.10): keys in the kernel's order,
/// tabs inside multi-value keys. With `stderr`, the `stable_secret` read
/// errors are interleaved the way a shared pipe interleaves them.
fn sysctl_a(node: usize, count: u64, seed: u64, stderr: bool) -> Vec<u8> {
    let n = &NODES[node];
    let mut rng = Rng::new(seed);
    let rss: Vec<String> = (0..40).map(|_| hex(&mut rng, 2)).collect();
    let fixed = SYSCTL_FIXED
        .replace("{HOST}", n.name)
        .replace("{BOOTID}", n.boot_id)
        .replace("{UUID}", &uuid(&mut rng))
        .replace("{COUNT}", &count.to_string())
        .replace("{LASTPID}", &rng.range(9_000, 32_000).to_string())
        .replace("{RSSKEY}", &rss.join(":"));
    let mut kv: Vec<(String, String)> = fixed
        .lines()
        .filter_map(|l| {
            l.split_once(" = ")
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let ifs = interfaces(node);
    let mut conf4 = vec!["all".to_string(), "default".to_string()];
    conf4.extend(ifs.iter().cloned());
    for i in &conf4 {
        for (k, v) in IPV4_CONF {
            let v = match (i.as_str(), k) {
                ("lo", "forwarding") => "1",
                (_, "route_localnet") if i == "all" => "1",
                ("eth0" | "eth1", "rp_filter") => "2",
                ("eth0" | "eth1", "promote_secondaries") => "1",
                (x, "rp_filter") if x.starts_with("eni") => "0",
                _ => v,
            };
            kv.push((format!("net.ipv4.conf.{i}.{k}"), v.to_string()));
        }
        for (k, v) in IPV6_CONF {
            let mtu = if i == "lo" { "65536" } else { "9001" };
            let v = match (i.as_str(), k) {
                (_, "mtu") => mtu.to_string(),
                ("lo", "accept_dad") => "-1".into(),
                (x, "disable_ipv6") if x.starts_with("eni") => "1".into(),
                _ => v.to_string(),
            };
            kv.push((format!("net.ipv6.conf.{i}.{k}"), v));
        }
    }
    let mut neigh = vec!["default".to_string()];
    neigh.extend(ifs.iter().cloned());
    for i in &neigh {
        for fam in ["ipv4", "ipv6"] {
            for (k, v) in NEIGH {
                kv.push((format!("net.{fam}.neigh.{i}.{k}"), v.to_string()));
            }
            if i == "default" {
                for (k, v) in [
                    ("gc_interval", "30"),
                    ("gc_thresh1", "128"),
                    ("gc_thresh2", "512"),
                    ("gc_thresh3", "1024"),
                ] {
                    kv.push((format!("net.{fam}.neigh.{i}.{k}"), v.to_string()));
                }
            }
        }
    }
    kv.sort_by(|x, y| x.0.split('.').cmp(y.0.split('.')));
    let mut pipe = Pipe::default();
    let mut out = Vec::new();
    for (k, v) in kv {
        if k.ends_with(".stable_secret") {
            if stderr {
                pipe.stderr(&format!("sysctl: reading key \"{k}\"\n"));
            }
            continue;
        }
        if stderr {
            pipe.stdout(&format!("{k} = {v}\n"));
        } else {
            out.extend_from_slice(format!("{k} = {v}\n").as_bytes());
        }
    }
    if stderr { pipe.finish() } else { out }
}

/// `/proc/stat` of a two-CPU node at `at`.
fn proc_stat(node: usize, at: DateTime<Utc>, seed: u64) -> String {
    let n = &NODES[node];
    let mut rng = Rng::new(seed);
    let up = (at - n.boot()).num_seconds().max(1) as u64;
    let ticks = up * 100;
    let mut cpus = Vec::new();
    for _ in 0..2 {
        let user = ticks * rng.range(18, 34) / 100;
        let system = ticks * rng.range(6, 12) / 100;
        let iowait = ticks * rng.range(1, 3) / 1000;
        let softirq = ticks * rng.range(2, 6) / 100;
        let steal = ticks * rng.range(1, 4) / 1000;
        let idle = ticks - user - system - iowait - softirq - steal;
        cpus.push([
            user,
            rng.below(900),
            system,
            idle,
            iowait,
            0,
            softirq,
            steal,
            0,
            0,
        ]);
    }
    let mut out = String::new();
    let total: Vec<u64> = (0..10).map(|i| cpus[0][i] + cpus[1][i]).collect();
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(" ");
    let _ = writeln!(out, "cpu  {}", join(&total));
    for (i, c) in cpus.iter().enumerate() {
        let _ = writeln!(out, "cpu{i} {}", join(c));
    }
    let mut irqs = vec![
        up * 1_870,
        9,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        39,
    ];
    irqs.extend([0; 24]);
    irqs.extend([up * 11, up * 390, up * 401, up * 2, 0, 0, 0, 0]);
    irqs.extend([0; 160]);
    irqs[0] = irqs.iter().skip(1).sum::<u64>() + up * 900;
    let _ = writeln!(out, "intr {}", join(&irqs));
    let _ = writeln!(out, "ctxt {}", up * 4_312 + rng.below(10_000));
    let _ = writeln!(out, "btime {}", n.boot().timestamp());
    let _ = writeln!(out, "processes {}", up / 3 + rng.below(1_000));
    let _ = writeln!(out, "procs_running {}", 1 + rng.below(3));
    let _ = writeln!(out, "procs_blocked 0");
    let soft: Vec<u64> = vec![
        up * 48,
        up * 6,
        up * 21,
        up * 3,
        up * 9,
        0,
        0,
        up * 2,
        up * 5,
        0,
        up * 3,
    ];
    let mut softirq = vec![soft.iter().sum::<u64>()];
    softirq.extend(soft);
    let _ = writeln!(out, "softirq {}", join(&softirq));
    out
}

/// `uptime` at `at`.
fn uptime(node: usize, at: DateTime<Utc>, users: u32, load: [f64; 3]) -> String {
    let up = (at - NODES[node].boot()).num_minutes();
    let (d, h, m) = (up / 1_440, (up / 60) % 24, up % 60);
    let span = if d > 0 {
        format!("{d} days, {h:2}:{m:02}")
    } else {
        format!("{h:2}:{m:02}")
    };
    format!(
        " {} up {span},  {users} user{},  load average: {:.2}, {:.2}, {:.2}\n",
        at.format("%H:%M:%S"),
        if users == 1 { "" } else { "s" },
        load[0],
        load[1],
        load[2]
    )
}

fn uname(node: usize) -> String {
    format!(
        "Linux {} {KERNEL} {KERNEL_BUILD} x86_64 x86_64 x86_64 GNU/Linux\n",
        NODES[node].name
    )
}

fn lsmod() -> String {
    "Module                  Size  Used by
xt_statistic           16384  6
xt_nat                 16384  24
xt_mark                16384  8
xt_comment             16384  112
ipt_REJECT             16384  1
nf_reject_ipv4         16384  1 ipt_REJECT
xt_addrtype            16384  2
iptable_nat            16384  1
nf_nat                 49152  2 xt_nat,iptable_nat
iptable_filter         16384  1
iptable_mangle         16384  1
xt_conntrack           16384  7
nf_conntrack_netlink   49152  0
nf_conntrack          155648  4 xt_conntrack,nf_nat,xt_nat,nf_conntrack_netlink
nf_defrag_ipv6         24576  1 nf_conntrack
nf_defrag_ipv4         16384  1 nf_conntrack
nfnetlink              20480  2 nf_conntrack_netlink
br_netfilter           32768  0
bridge                204800  1 br_netfilter
stp                    16384  1 bridge
llc                    16384  2 bridge,stp
overlay               139264  14
sunrpc                569344  1
crc32_pclmul           16384  0
ghash_clmulni_intel    16384  0
aesni_intel           372736  0
crypto_simd            16384  1 aesni_intel
cryptd                 24576  2 crypto_simd,ghash_clmulni_intel
glue_helper            16384  1 aesni_intel
ena                   159744  0
button                 24576  0
ip_tables              28672  3 iptable_filter,iptable_nat,iptable_mangle
xfs                  1576960  1
libcrc32c              16384  3 nf_conntrack,nf_nat,xfs
crc32c_intel           24576  2
nvme                   49152  1
nvme_core             126976  2 nvme
ipv6                  569344  174 br_netfilter,bridge
"
    .to_string()
}

fn ip_o_addr(node: usize) -> String {
    let n = &NODES[node];
    let mut out = String::from(
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n",
    );
    let _ = writeln!(
        out,
        "2: eth0    inet {}/24 brd {}.{}.{}.255 scope global dynamic eth0\\       valid_lft 2761sec preferred_lft 2761sec",
        n.addr(),
        n.ip[0],
        n.ip[1],
        n.ip[2]
    );
    let _ = writeln!(
        out,
        "2: eth0    inet6 fe80::83f:5eff:fe21:9cd7/64 scope link \\       valid_lft forever preferred_lft forever"
    );
    let _ = writeln!(
        out,
        "4: eth1    inet {}.{}.{}.{}/24 brd {}.{}.{}.255 scope global eth1\\       valid_lft forever preferred_lft forever",
        n.ip[0],
        n.ip[1],
        n.ip[2],
        n.ip[3] + 96,
        n.ip[0],
        n.ip[1],
        n.ip[2]
    );
    out
}

// ---------------------------------------------------------------------------
// kubectl cluster-info dump
// ---------------------------------------------------------------------------

/// Containers of a workload: name, image, ports (name, number, protocol).
struct Ctr {
    name: &'static str,
    image: String,
    ports: Vec<(&'static str, i64, &'static str)>,
    cpu: &'static str,
    memory: &'static str,
}

fn ctr(
    name: &'static str,
    image: String,
    ports: Vec<(&'static str, i64, &'static str)>,
    cpu: &'static str,
    memory: &'static str,
) -> Ctr {
    Ctr {
        name,
        image,
        ports,
        cpu,
        memory,
    }
}

/// Init containers and containers of an app.
fn containers(app: &str) -> (Vec<Ctr>, Vec<Ctr>) {
    let istio = || {
        ctr(
            "istio-proxy",
            "docker.io/istio/proxyv2:1.23.2".into(),
            vec![("http-envoy-prom", 15090, "TCP")],
            "100m",
            "128Mi",
        )
    };
    let istio_init = || {
        vec![ctr(
            "istio-init",
            "docker.io/istio/proxyv2:1.23.2".into(),
            vec![],
            "100m",
            "128Mi",
        )]
    };
    match app {
        "aws-node" => (
            vec![ctr(
                "aws-vpc-cni-init",
                format!("{ECR}/amazon-k8s-cni-init:v1.18.5-eksbuild.1"),
                vec![],
                "25m",
                "",
            )],
            vec![
                ctr(
                    "aws-node",
                    format!("{ECR}/amazon-k8s-cni:v1.18.5-eksbuild.1"),
                    vec![("metrics", 61678, "TCP")],
                    "25m",
                    "",
                ),
                ctr(
                    "aws-eks-nodeagent",
                    format!("{ECR}/amazon/aws-network-policy-agent:v1.1.3-eksbuild.1"),
                    vec![],
                    "25m",
                    "",
                ),
            ],
        ),
        "kube-proxy" => (
            vec![],
            vec![ctr(
                "kube-proxy",
                format!("{ECR}/eks/kube-proxy:v1.29.10-minimal-eksbuild.3"),
                vec![],
                "100m",
                "",
            )],
        ),
        "coredns" => (
            vec![],
            vec![ctr(
                "coredns",
                format!("{ECR}/eks/coredns:v1.11.3-eksbuild.2"),
                vec![
                    ("dns", 53, "UDP"),
                    ("dns-tcp", 53, "TCP"),
                    ("metrics", 9153, "TCP"),
                ],
                "100m",
                "70Mi",
            )],
        ),
        "metrics-server" => (
            vec![],
            vec![ctr(
                "metrics-server",
                format!("{ECR}/eks/metrics-server:v0.7.2-eksbuild.1"),
                vec![("https", 10251, "TCP")],
                "100m",
                "200Mi",
            )],
        ),
        "webhook-relay" => (
            vec![],
            vec![ctr(
                "webhook-relay",
                format!("{APP_ECR}/payments/webhook-relay:2.4.0"),
                vec![("http", 8080, "TCP")],
                "250m",
                "512Mi",
            )],
        ),
        "checkout-api" => (
            vec![],
            vec![ctr(
                "checkout-api",
                format!("{APP_ECR}/payments/checkout-api:1.31.2"),
                vec![("http", 8080, "TCP")],
                "200m",
                "256Mi",
            )],
        ),
        "ledger" => (
            vec![],
            vec![ctr(
                "ledger",
                format!("{APP_ECR}/payments/ledger:3.8.0"),
                vec![("http", 8080, "TCP")],
                "200m",
                "384Mi",
            )],
        ),
        "web" => (
            istio_init(),
            vec![
                ctr(
                    "web",
                    format!("{APP_ECR}/storefront/web:5.2.1"),
                    vec![("http", 8080, "TCP")],
                    "150m",
                    "256Mi",
                ),
                istio(),
            ],
        ),
        "cart" => (
            istio_init(),
            vec![
                ctr(
                    "cart",
                    format!("{APP_ECR}/storefront/cart:2.0.7"),
                    vec![("http", 8080, "TCP")],
                    "100m",
                    "192Mi",
                ),
                istio(),
            ],
        ),
        _ => (
            istio_init(),
            vec![
                ctr(
                    "catalog",
                    format!("{APP_ECR}/storefront/catalog:4.4.0"),
                    vec![("http", 8080, "TCP")],
                    "150m",
                    "256Mi",
                ),
                istio(),
            ],
        ),
    }
}

fn labels_of(p_app: &str, hash: Option<&str>) -> J {
    let key = match p_app {
        "coredns" | "metrics-server" | "aws-node" | "kube-proxy" => "k8s-app",
        _ => "app",
    };
    let app = if p_app == "coredns" {
        "kube-dns"
    } else {
        p_app
    };
    let mut v = vec![];
    if p_app == "coredns" {
        v.push(("eks.amazonaws.com/component", s("coredns")));
    }
    v.push((key, s(app)));
    if let Some(h) = hash {
        v.push(("pod-template-hash", s(h)));
    }
    if matches!(p_app, "web" | "cart" | "catalog") {
        v.push(("security.istio.io/tlsMode", s("istio")));
        v.push(("service.istio.io/canonical-name", s(p_app)));
    }
    o(v)
}

fn container_json(c: &Ctr, probe: Option<(i64, &str)>) -> J {
    let mut v = vec![("name", s(c.name)), ("image", s(c.image.clone()))];
    if !c.ports.is_empty() {
        v.push((
            "ports",
            a(c.ports
                .iter()
                .map(|(name, port, proto)| {
                    o(vec![
                        ("name", s(*name)),
                        ("containerPort", n(*port)),
                        ("protocol", s(*proto)),
                    ])
                })
                .collect()),
        ));
    }
    let mut req = vec![("cpu", s(c.cpu))];
    if !c.memory.is_empty() {
        req.push(("memory", s(c.memory)));
    }
    v.push(("resources", o(vec![("requests", o(req))])));
    if let Some((port, path)) = probe {
        v.push((
            "readinessProbe",
            o(vec![
                (
                    "httpGet",
                    o(vec![
                        ("path", s(path)),
                        ("port", n(port)),
                        ("scheme", s("HTTP")),
                    ]),
                ),
                ("timeoutSeconds", n(1)),
                ("periodSeconds", n(10)),
                ("successThreshold", n(1)),
                ("failureThreshold", n(3)),
            ]),
        ));
    }
    v.push(("terminationMessagePath", s("/dev/termination-log")));
    v.push(("terminationMessagePolicy", s("File")));
    v.push(("imagePullPolicy", s("IfNotPresent")));
    o(v)
}

fn pod_spec_json(app: &str, node: Option<&str>, host_network: bool) -> J {
    let (inits, ctrs) = containers(app);
    let probe = match app {
        "webhook-relay" => Some((8080, "/actuator/health/readiness")),
        "checkout-api" | "ledger" => Some((8080, "/healthz")),
        _ => None,
    };
    let mut v = vec![];
    if !inits.is_empty() {
        v.push((
            "initContainers",
            a(inits.iter().map(|c| container_json(c, None)).collect()),
        ));
    }
    v.push((
        "containers",
        a(ctrs
            .iter()
            .enumerate()
            .map(|(i, c)| container_json(c, if i == 0 { probe } else { None }))
            .collect()),
    ));
    v.push(("restartPolicy", s("Always")));
    v.push(("terminationGracePeriodSeconds", n(30)));
    v.push((
        "dnsPolicy",
        s(if host_network {
            "ClusterFirstWithHostNet"
        } else {
            "ClusterFirst"
        }),
    ));
    let sa = match app {
        "aws-node" | "kube-proxy" | "coredns" | "metrics-server" => app,
        _ => "default",
    };
    v.push(("serviceAccountName", s(sa)));
    v.push(("serviceAccount", s(sa)));
    if let Some(node) = node {
        v.push(("nodeName", s(node)));
    }
    if host_network {
        v.push(("hostNetwork", J::Bool(true)));
    }
    v.push(("securityContext", empty()));
    v.push(("schedulerName", s("default-scheduler")));
    if host_network {
        v.push(("tolerations", a(vec![o(vec![("operator", s("Exists"))])])));
        v.push(("priorityClassName", s("system-node-critical")));
        v.push(("priority", n(2_000_001_000)));
    } else if app == "coredns" || app == "metrics-server" {
        v.push(("priorityClassName", s("system-cluster-critical")));
        v.push(("priority", n(2_000_000_000)));
    } else {
        v.push(("priority", n(0)));
    }
    v.push(("enableServiceLinks", J::Bool(true)));
    v.push(("preemptionPolicy", s("PreemptLowerPriority")));
    o(v)
}

fn object_meta(
    rng: &mut Rng,
    name: &str,
    ns: Option<&str>,
    created: DateTime<Utc>,
    extra: Vec<(&str, J)>,
) -> J {
    let mut v = vec![("name", s(name))];
    if let Some(ns) = ns {
        v.push(("namespace", s(ns)));
    }
    v.push(("uid", s(uuid(rng))));
    v.push((
        "resourceVersion",
        s(rng.range(180_000_000, 190_000_000).to_string()),
    ));
    for (k, x) in extra.iter().filter(|(k, _)| *k == "generation") {
        v.push((k, x.clone()));
    }
    v.push(("creationTimestamp", t(created)));
    for (k, x) in extra.into_iter().filter(|(k, _)| *k != "generation") {
        v.push((k, x));
    }
    o(v)
}

fn owner_ref(rng: &mut Rng, kind: &str, name: &str, controller: bool) -> J {
    let api = if kind == "Node" { "v1" } else { "apps/v1" };
    let mut v = vec![
        ("apiVersion", s(api)),
        ("kind", s(kind)),
        ("name", s(name)),
        ("uid", s(uuid(rng))),
    ];
    if controller {
        v.push(("controller", J::Bool(true)));
        v.push(("blockOwnerDeletion", J::Bool(true)));
    }
    o(v)
}

fn managed_fields(manager: &str, at: DateTime<Utc>, subresource: Option<&str>, fields: J) -> J {
    let mut v = vec![
        ("manager", s(manager)),
        ("operation", s("Update")),
        ("apiVersion", s("v1")),
        ("time", t(at)),
        ("fieldsType", s("FieldsV1")),
        ("fieldsV1", fields),
    ];
    if let Some(sub) = subresource {
        v.push(("subresource", s(sub)));
    }
    o(v)
}

fn pod_json(rng: &mut Rng, p: &PodSpec) -> J {
    let node = &NODES[p.node];
    let created = p.created();
    let started = created + Duration::seconds(2);
    let ready = created + Duration::seconds(if p.istio { 9 } else { 6 });
    let (owner_kind, owner_name, hash) = match p.owner {
        Owner::Deploy(d, h) => ("ReplicaSet", format!("{d}-{h}"), Some(h)),
        Owner::DaemonSet(d) => ("DaemonSet", d.to_string(), None),
    };
    let generate = match p.owner {
        Owner::Deploy(d, h) => format!("{d}-{h}-"),
        Owner::DaemonSet(d) => format!("{d}-"),
    };
    let mut annotations = vec![];
    if p.istio {
        annotations.push(("istio.io/rev", s("default")));
        annotations.push(("sidecar.istio.io/status", s("{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"workload-socket\",\"credential-socket\",\"workload-certs\",\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"imagePullSecrets\":null,\"revision\":\"default\"}")));
    }
    let host_network = p.ip.is_none();
    let mut extra = vec![
        ("generateName", s(generate)),
        ("labels", labels_of(p.app(), hash)),
    ];
    if !annotations.is_empty() {
        extra.push(("annotations", o(annotations)));
    }
    extra.push((
        "ownerReferences",
        a(vec![owner_ref(rng, owner_kind, &owner_name, true)]),
    ));
    extra.push((
        "managedFields",
        a(vec![
            managed_fields(
                "kube-controller-manager",
                created,
                None,
                o(vec![(
                    "f:metadata",
                    o(vec![
                        ("f:generateName", empty()),
                        ("f:labels", o(vec![(".", empty()), ("f:app", empty())])),
                        ("f:ownerReferences", o(vec![(".", empty())])),
                    ]),
                )]),
            ),
            managed_fields(
                "kubelet",
                ready,
                Some("status"),
                o(vec![(
                    "f:status",
                    o(vec![
                        ("f:conditions", empty()),
                        ("f:containerStatuses", empty()),
                        ("f:hostIP", empty()),
                        ("f:phase", empty()),
                        ("f:podIP", empty()),
                        ("f:startTime", empty()),
                    ]),
                )]),
            ),
        ]),
    ));
    // ObjectMeta's field order: generateName comes right after name.
    let meta = {
        let mut v = vec![("name", s(p.name))];
        let J::Obj(rest) = object_meta(rng, p.name, Some(p.ns), created, extra) else {
            unreachable!()
        };
        let gen_pos = rest.iter().position(|(k, _)| k == "generateName");
        let mut rest = rest;
        if let Some(i) = gen_pos {
            let g = rest.remove(i);
            v.push(("generateName", g.1));
        }
        let mut obj: Vec<(String, J)> = v.into_iter().map(|(k, x)| (k.to_string(), x)).collect();
        obj.extend(rest.into_iter().filter(|(k, _)| k != "name"));
        J::Obj(obj)
    };
    let (inits, ctrs) = containers(p.app());
    let pod_ip = p.addr().to_string();
    let cond = |ty: &str, at: DateTime<Utc>| {
        o(vec![
            ("type", s(ty)),
            ("status", s("True")),
            ("lastProbeTime", J::Null),
            ("lastTransitionTime", t(at)),
        ])
    };
    let cid = |rng: &mut Rng| format!("containerd://{}", hex(rng, 64));
    let status_of = |rng: &mut Rng, c: &Ctr, init: bool| {
        let image_id = format!(
            "{}@sha256:{}",
            c.image.split(':').next().unwrap_or(""),
            hex(rng, 64)
        );
        let state = if init {
            o(vec![(
                "terminated",
                o(vec![
                    ("exitCode", n(0)),
                    ("reason", s("Completed")),
                    ("startedAt", t(created + Duration::seconds(1))),
                    ("finishedAt", t(created + Duration::seconds(2))),
                    ("containerID", s(cid(rng))),
                ]),
            )])
        } else {
            o(vec![("running", o(vec![("startedAt", t(started))]))])
        };
        let mut v = vec![
            ("name", s(c.name)),
            ("state", state),
            ("lastState", empty()),
            ("ready", J::Bool(!init)),
            ("restartCount", n(0)),
            ("image", s(c.image.clone())),
            ("imageID", s(image_id)),
            ("containerID", s(cid(rng))),
        ];
        if !init {
            v.push(("started", J::Bool(true)));
        }
        o(v)
    };
    let mut status = vec![
        ("phase", s("Running")),
        (
            "conditions",
            a(vec![
                cond("PodReadyToStartContainers", started),
                cond("Initialized", started),
                cond("Ready", ready),
                cond("ContainersReady", ready),
                cond("PodScheduled", created),
            ]),
        ),
        ("hostIP", s(node.addr().to_string())),
        (
            "hostIPs",
            a(vec![o(vec![("ip", s(node.addr().to_string()))])]),
        ),
        ("podIP", s(pod_ip.clone())),
        ("podIPs", a(vec![o(vec![("ip", s(pod_ip))])])),
        ("startTime", t(created)),
    ];
    if !inits.is_empty() {
        status.push((
            "initContainerStatuses",
            a(inits.iter().map(|c| status_of(rng, c, true)).collect()),
        ));
    }
    status.push((
        "containerStatuses",
        a(ctrs.iter().map(|c| status_of(rng, c, false)).collect()),
    ));
    status.push(("qosClass", s("Burstable")));
    o(vec![
        ("metadata", meta),
        (
            "spec",
            pod_spec_json(p.app(), Some(node.name), host_network),
        ),
        ("status", o(status)),
    ])
}

fn node_json(rng: &mut Rng, i: usize) -> J {
    let nd = &NODES[i];
    let created = nd.boot() + Duration::seconds(34);
    let labels = o(vec![
        ("beta.kubernetes.io/arch", s("amd64")),
        ("beta.kubernetes.io/instance-type", s("t3.medium")),
        ("beta.kubernetes.io/os", s("linux")),
        ("eks.amazonaws.com/capacityType", s("ON_DEMAND")),
        ("eks.amazonaws.com/nodegroup", s("general-t3m")),
        (
            "eks.amazonaws.com/nodegroup-image",
            s("ami-0b2e7c4f1a9d36e58"),
        ),
        (
            "eks.amazonaws.com/sourceLaunchTemplateId",
            s("lt-04c8e1f5b2d7a9036"),
        ),
        ("eks.amazonaws.com/sourceLaunchTemplateVersion", s("3")),
        ("failure-domain.beta.kubernetes.io/region", s("eu-west-1")),
        ("failure-domain.beta.kubernetes.io/zone", s(nd.zone)),
        (
            "k8s.io/cloud-provider-aws",
            s("5f3c1e8a9b2d4f6e7a0c1b3d5e7f9a2c"),
        ),
        ("kubernetes.io/arch", s("amd64")),
        ("kubernetes.io/hostname", s(nd.name)),
        ("kubernetes.io/os", s("linux")),
        ("node.kubernetes.io/instance-type", s("t3.medium")),
        ("topology.k8s.aws/zone-id", s(nd.zone_id)),
        ("topology.kubernetes.io/region", s("eu-west-1")),
        ("topology.kubernetes.io/zone", s(nd.zone)),
    ]);
    let annotations = o(vec![
        (
            "alpha.kubernetes.io/provided-node-ip",
            s(nd.addr().to_string()),
        ),
        ("node.alpha.kubernetes.io/ttl", s("0")),
        (
            "volumes.kubernetes.io/controller-managed-attach-detach",
            s("true"),
        ),
    ]);
    let meta = object_meta(
        rng,
        nd.name,
        None,
        created,
        vec![("labels", labels), ("annotations", annotations)],
    );
    let cond = |ty: &str, st: &str, reason: &str, msg: &str, at: DateTime<Utc>| {
        o(vec![
            ("type", s(ty)),
            ("status", s(st)),
            (
                "lastHeartbeatTime",
                t(nov(26, 9, 12, 50, 0) + Duration::seconds(i as i64 * 7)),
            ),
            ("lastTransitionTime", t(at)),
            ("reason", s(reason)),
            ("message", s(msg)),
        ])
    };
    let ready_at = created + Duration::seconds(27);
    let capacity = o(vec![
        ("cpu", s("2")),
        ("ephemeral-storage", s("20959212Ki")),
        ("hugepages-1Gi", s("0")),
        ("hugepages-2Mi", s("0")),
        ("memory", s("3943316Ki")),
        ("pods", s("17")),
    ]);
    let allocatable = o(vec![
        ("cpu", s("1930m")),
        ("ephemeral-storage", s("18242267924")),
        ("hugepages-1Gi", s("0")),
        ("hugepages-2Mi", s("0")),
        ("memory", s("3388308Ki")),
        ("pods", s("17")),
    ]);
    let status = o(vec![
        ("capacity", capacity),
        ("allocatable", allocatable),
        (
            "conditions",
            a(vec![
                cond(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                    created,
                ),
                cond(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                    created,
                ),
                cond(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                    created,
                ),
                cond(
                    "Ready",
                    "True",
                    "KubeletReady",
                    "kubelet is posting ready status",
                    ready_at,
                ),
            ]),
        ),
        (
            "addresses",
            a(vec![
                o(vec![
                    ("type", s("InternalIP")),
                    ("address", s(nd.addr().to_string())),
                ]),
                o(vec![("type", s("InternalDNS")), ("address", s(nd.name))]),
                o(vec![("type", s("Hostname")), ("address", s(nd.name))]),
            ]),
        ),
        (
            "daemonEndpoints",
            o(vec![("kubeletEndpoint", o(vec![("Port", n(10250))]))]),
        ),
        (
            "nodeInfo",
            o(vec![
                ("machineID", s(nd.machine_id)),
                ("systemUUID", s(format!("ec2{}", &uuid(rng)[3..]))),
                ("bootID", s(nd.boot_id)),
                ("kernelVersion", s(KERNEL)),
                ("osImage", s("Amazon Linux 2")),
                ("containerRuntimeVersion", s("containerd://1.7.22")),
                ("kubeletVersion", s(KUBELET_VERSION)),
                ("kubeProxyVersion", s(KUBELET_VERSION)),
                ("operatingSystem", s("linux")),
                ("architecture", s("amd64")),
            ]),
        ),
        (
            "images",
            a(vec![
                o(vec![
                    (
                        "names",
                        a(vec![
                            s(format!("{ECR}/amazon-k8s-cni@sha256:{}", hex(rng, 64))),
                            s(format!("{ECR}/amazon-k8s-cni:v1.18.5-eksbuild.1")),
                        ]),
                    ),
                    ("sizeBytes", n(52_403_811)),
                ]),
                o(vec![
                    (
                        "names",
                        a(vec![
                            s(format!("{ECR}/eks/kube-proxy@sha256:{}", hex(rng, 64))),
                            s(format!("{ECR}/eks/kube-proxy:v1.29.10-minimal-eksbuild.3")),
                        ]),
                    ),
                    ("sizeBytes", n(35_212_634)),
                ]),
                o(vec![
                    (
                        "names",
                        a(vec![
                            s(format!("{ECR}/eks/pause@sha256:{}", hex(rng, 64))),
                            s(format!("{ECR}/eks/pause:3.5")),
                        ]),
                    ),
                    ("sizeBytes", n(298_689)),
                ]),
            ]),
        ),
    ]);
    o(vec![
        ("metadata", meta),
        (
            "spec",
            o(vec![(
                "providerID",
                s(format!("aws:///{}/{}", nd.zone, nd.instance)),
            )]),
        ),
        ("status", status),
    ])
}

fn replace_str(v: &mut J, from: &str, to: &str) {
    match v {
        J::Str(x) => *x = x.replace(from, to),
        J::Arr(items) => items.iter_mut().for_each(|i| replace_str(i, from, to)),
        J::Obj(items) => items.iter_mut().for_each(|(_, i)| replace_str(i, from, to)),
        _ => {}
    }
}

fn list(kind: &str, api: &str, rv: u64, items: Vec<J>) -> J {
    o(vec![
        ("kind", s(kind)),
        ("apiVersion", s(api)),
        ("metadata", o(vec![("resourceVersion", s(rv.to_string()))])),
        ("items", a(items)),
    ])
}

fn service_json(rng: &mut Rng, svc: &SvcSpec) -> J {
    let (created_d, h, m, sec) = svc.created;
    let mut labels = vec![];
    if svc.name == "kube-dns" {
        labels.push(("eks.amazonaws.com/component", s("kube-dns")));
        labels.push(("k8s-app", s("kube-dns")));
        labels.push(("kubernetes.io/cluster-service", s("true")));
        labels.push(("kubernetes.io/name", s("CoreDNS")));
    } else {
        labels.push((svc.selector.0, s(svc.selector.1)));
    }
    let meta = object_meta(
        rng,
        svc.name,
        Some(svc.ns),
        nov(created_d, h, m, sec, 0),
        vec![("labels", o(labels))],
    );
    let ports = svc
        .ports
        .iter()
        .map(|(name, proto, port, target)| {
            let target = target.parse::<i64>().map_or_else(|_| s(*target), n);
            o(vec![
                ("name", s(*name)),
                ("protocol", s(*proto)),
                ("port", n(i64::from(*port))),
                ("targetPort", target),
            ])
        })
        .collect();
    let ip = ip(svc.ip).to_string();
    o(vec![
        ("metadata", meta),
        (
            "spec",
            o(vec![
                ("ports", a(ports)),
                ("selector", o(vec![(svc.selector.0, s(svc.selector.1))])),
                ("clusterIP", s(ip.clone())),
                ("clusterIPs", a(vec![s(ip)])),
                ("type", s("ClusterIP")),
                ("sessionAffinity", s("None")),
                ("ipFamilies", a(vec![s("IPv4")])),
                ("ipFamilyPolicy", s("SingleStack")),
                ("internalTrafficPolicy", s("Cluster")),
            ]),
        ),
        ("status", o(vec![("loadBalancer", empty())])),
    ])
}

fn template_json(app: &str, hash: Option<&str>, host_network: bool) -> J {
    o(vec![
        (
            "metadata",
            o(vec![
                ("creationTimestamp", J::Null),
                ("labels", labels_of(app, hash)),
            ]),
        ),
        ("spec", pod_spec_json(app, None, host_network)),
    ])
}

fn selector_json(app: &str, hash: Option<&str>) -> J {
    let J::Obj(mut l) = labels_of(app, hash) else {
        unreachable!()
    };
    l.retain(|(k, _)| k == "app" || k == "k8s-app" || k == "pod-template-hash");
    o(vec![("matchLabels", J::Obj(l))])
}

/// Deployments of a namespace: (name, replicas, revision, created, old
/// ReplicaSet hash and image tag if the last rollout left one).
/// A Deployment: name, replicas, revision, creation, and the old ReplicaSet
/// (hash, image tag) the last rollout left behind.
type DeploySpec = (
    &'static str,
    i64,
    i64,
    DateTime<Utc>,
    Option<(&'static str, &'static str)>,
);

fn deployments(ns: &str) -> Vec<DeploySpec> {
    match ns {
        "kube-system" => vec![
            ("coredns", 2, 1, nov(4, 10, 12, 41, 0), None),
            ("metrics-server", 1, 1, nov(4, 10, 31, 7, 0), None),
        ],
        "payments" => vec![
            ("checkout-api", 2, 14, nov(5, 9, 2, 18, 0), None),
            ("ledger", 2, 9, nov(5, 9, 2, 19, 0), None),
            (
                "webhook-relay",
                3,
                7,
                nov(5, 9, 2, 18, 0),
                Some(("5c8b7d9f4", "2.3.1")),
            ),
        ],
        _ => vec![
            ("cart", 2, 5, nov(5, 9, 4, 51, 0), None),
            ("catalog", 2, 11, nov(5, 9, 4, 52, 0), None),
            ("web", 2, 21, nov(5, 9, 4, 51, 0), None),
        ],
    }
}

fn hash_of(app: &str) -> &'static str {
    PODS.iter()
        .find_map(|p| match p.owner {
            Owner::Deploy(d, h) if d == app => Some(h),
            _ => None,
        })
        .unwrap_or("0")
}

fn deployment_json(rng: &mut Rng, ns: &str, d: &DeploySpec) -> J {
    let (name, replicas, revision, created, _) = *d;
    let meta = object_meta(
        rng,
        name,
        Some(ns),
        created,
        vec![
            ("generation", n(revision + 3)),
            ("labels", labels_of(name, None)),
            (
                "annotations",
                o(vec![(
                    "deployment.kubernetes.io/revision",
                    s(revision.to_string()),
                )]),
            ),
        ],
    );
    let cond = |ty: &str, reason: &str, msg: String, at: DateTime<Utc>| {
        o(vec![
            ("type", s(ty)),
            ("status", s("True")),
            ("lastUpdateTime", t(at)),
            ("lastTransitionTime", t(at)),
            ("reason", s(reason)),
            ("message", s(msg)),
        ])
    };
    let rs = format!("{name}-{}", hash_of(name));
    let scaled = if name == "webhook-relay" {
        nov(26, 8, 33, 52, 0)
    } else {
        nov(21, 13, 10, 15, 0)
    };
    o(vec![
        ("metadata", meta),
        (
            "spec",
            o(vec![
                ("replicas", n(replicas)),
                ("selector", selector_json(name, None)),
                ("template", template_json(name, None, false)),
                (
                    "strategy",
                    o(vec![
                        ("type", s("RollingUpdate")),
                        (
                            "rollingUpdate",
                            o(vec![("maxUnavailable", s("25%")), ("maxSurge", s("25%"))]),
                        ),
                    ]),
                ),
                ("revisionHistoryLimit", n(10)),
                ("progressDeadlineSeconds", n(600)),
            ]),
        ),
        (
            "status",
            o(vec![
                ("observedGeneration", n(revision + 3)),
                ("replicas", n(replicas)),
                ("updatedReplicas", n(replicas)),
                ("readyReplicas", n(replicas)),
                ("availableReplicas", n(replicas)),
                (
                    "conditions",
                    a(vec![
                        cond(
                            "Progressing",
                            "NewReplicaSetAvailable",
                            format!("ReplicaSet \"{rs}\" has successfully progressed."),
                            nov(25, 16, 21, 30, 0).min(scaled.max(created)),
                        ),
                        cond(
                            "Available",
                            "MinimumReplicasAvailable",
                            "Deployment has minimum availability.".into(),
                            scaled,
                        ),
                    ]),
                ),
            ]),
        ),
    ])
}

/// One ReplicaSet of a Deployment.
struct RsSpec<'a> {
    deploy: &'a str,
    hash: &'a str,
    replicas: i64,
    revision: i64,
    created: DateTime<Utc>,
    /// Image tag when it differs from the current one.
    image: Option<&'a str>,
}

fn replicaset_json(rng: &mut Rng, ns: &str, rs: &RsSpec<'_>) -> J {
    let RsSpec {
        deploy,
        hash,
        replicas,
        revision,
        created,
        image,
    } = *rs;
    let name = format!("{deploy}-{hash}");
    let owner = owner_ref(rng, "Deployment", deploy, true);
    let meta = object_meta(
        rng,
        &name,
        Some(ns),
        created,
        vec![
            ("generation", n(if replicas == 3 { 4 } else { 2 })),
            ("labels", labels_of(deploy, Some(hash))),
            (
                "annotations",
                o(vec![
                    (
                        "deployment.kubernetes.io/desired-replicas",
                        s(if replicas == 0 {
                            "3".to_string()
                        } else {
                            replicas.to_string()
                        }),
                    ),
                    (
                        "deployment.kubernetes.io/max-replicas",
                        s(if replicas == 0 {
                            "4".to_string()
                        } else {
                            (replicas + 1).to_string()
                        }),
                    ),
                    ("deployment.kubernetes.io/revision", s(revision.to_string())),
                ]),
            ),
            ("ownerReferences", a(vec![owner])),
        ],
    );
    let mut template = template_json(deploy, Some(hash), false);
    if let Some(tag) = image {
        replace_str(&mut template, ":2.4.0", &format!(":{tag}"));
    }
    let mut status = vec![("replicas", n(replicas))];
    if replicas > 0 {
        status.push(("fullyLabeledReplicas", n(replicas)));
        status.push(("readyReplicas", n(replicas)));
        status.push(("availableReplicas", n(replicas)));
    }
    status.push(("observedGeneration", n(if replicas == 3 { 4 } else { 2 })));
    o(vec![
        ("metadata", meta),
        (
            "spec",
            o(vec![
                ("replicas", n(replicas)),
                ("selector", selector_json(deploy, Some(hash))),
                ("template", template),
            ]),
        ),
        ("status", o(status)),
    ])
}

fn daemonset_json(rng: &mut Rng, name: &str, created: DateTime<Utc>, generation: i64) -> J {
    let meta = object_meta(
        rng,
        name,
        Some("kube-system"),
        created,
        vec![
            ("generation", n(generation)),
            ("labels", labels_of(name, None)),
            (
                "annotations",
                o(vec![(
                    "deprecated.daemonset.template.generation",
                    s(generation.to_string()),
                )]),
            ),
        ],
    );
    o(vec![
        ("metadata", meta),
        (
            "spec",
            o(vec![
                ("selector", selector_json(name, None)),
                ("template", template_json(name, None, true)),
                (
                    "updateStrategy",
                    o(vec![
                        ("type", s("RollingUpdate")),
                        (
                            "rollingUpdate",
                            o(vec![("maxUnavailable", s("10%")), ("maxSurge", n(0))]),
                        ),
                    ]),
                ),
                ("revisionHistoryLimit", n(10)),
            ]),
        ),
        (
            "status",
            o(vec![
                ("currentNumberScheduled", n(5)),
                ("numberMisscheduled", n(0)),
                ("desiredNumberScheduled", n(5)),
                ("numberReady", n(5)),
                ("observedGeneration", n(generation)),
                ("updatedNumberScheduled", n(5)),
                ("numberAvailable", n(5)),
            ]),
        ),
    ])
}

/// One core/v1 Event.
struct EvSpec {
    obj_kind: &'static str,
    obj_name: String,
    api: &'static str,
    field_path: Option<&'static str>,
    reason: &'static str,
    message: String,
    source: (&'static str, Option<&'static str>),
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: i64,
    warning: bool,
}

fn event_json(rng: &mut Rng, ns: &str, e: &EvSpec) -> J {
    let name = format!(
        "{}.{:x}",
        e.obj_name,
        0x1800_0000_0000_0000u64 + rng.below(1 << 40) * 4096 + e.first.timestamp() as u64 % 4096
    );
    let meta = o(vec![
        ("name", s(name)),
        ("namespace", s(ns)),
        ("uid", s(uuid(rng))),
        (
            "resourceVersion",
            s(rng.range(189_000_000, 190_000_000).to_string()),
        ),
        ("creationTimestamp", t(e.first)),
    ]);
    let mut obj = vec![
        ("kind", s(e.obj_kind)),
        ("namespace", s(ns)),
        ("name", s(e.obj_name.clone())),
        ("uid", s(uuid(rng))),
        ("apiVersion", s(e.api)),
        (
            "resourceVersion",
            s(rng.range(180_000_000, 189_000_000).to_string()),
        ),
    ];
    if let Some(fp) = e.field_path {
        obj.push(("fieldPath", s(fp)));
    }
    let mut source = vec![("component", s(e.source.0))];
    if let Some(h) = e.source.1 {
        source.push(("host", s(h)));
    }
    o(vec![
        ("metadata", meta),
        ("involvedObject", o(obj)),
        ("reason", s(e.reason)),
        ("message", s(e.message.clone())),
        ("source", o(source)),
        ("firstTimestamp", t(e.first)),
        ("lastTimestamp", t(e.last)),
        ("count", n(e.count)),
        ("type", s(if e.warning { "Warning" } else { "Normal" })),
        ("eventTime", J::Null),
        (
            "reportingComponent",
            s(if e.source.0 == "kubelet" {
                "kubelet"
            } else {
                ""
            }),
        ),
        ("reportingInstance", s(e.source.1.unwrap_or(""))),
    ])
}

fn events(ns: &str) -> Vec<EvSpec> {
    let a_node = Some(NODES[A].name);
    let probe = |pod: &str, port: &str, path: &str, first, last, count| EvSpec {
        obj_kind: "Pod",
        obj_name: pod.to_string(),
        api: "v1",
        field_path: Some(if pod.starts_with("coredns") {
            "spec.containers{coredns}"
        } else if pod.starts_with("checkout") {
            "spec.containers{checkout-api}"
        } else {
            "spec.containers{webhook-relay}"
        }),
        reason: "Unhealthy",
        message: format!(
            "Readiness probe failed: Get \"http://{port}{path}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        ),
        source: ("kubelet", a_node),
        first,
        last,
        count,
        warning: true,
    };
    match ns {
        "kube-system" => vec![probe(
            "coredns-6b9575c64-7kdzq",
            "10.0.1.190:8181",
            "/ready",
            nov(26, 8, 41, 31, 0),
            nov(26, 9, 7, 52, 0),
            14,
        )],
        "payments" => {
            let mut v = vec![
                EvSpec {
                    obj_kind: "HorizontalPodAutoscaler",
                    obj_name: "webhook-relay".into(),
                    api: "autoscaling/v2",
                    field_path: None,
                    reason: "SuccessfulRescale",
                    message: "New size: 3; reason: cpu resource utilization (percentage of request) above target".into(),
                    source: ("horizontal-pod-autoscaler", None),
                    first: nov(26, 8, 33, 40, 0),
                    last: nov(26, 8, 33, 40, 0),
                    count: 1,
                    warning: false,
                },
                EvSpec {
                    obj_kind: "Deployment",
                    obj_name: "webhook-relay".into(),
                    api: "apps/v1",
                    field_path: None,
                    reason: "ScalingReplicaSet",
                    message: "Scaled up replica set webhook-relay-7d5c9b8f6 to 3 from 1".into(),
                    source: ("deployment-controller", None),
                    first: nov(26, 8, 33, 40, 0),
                    last: nov(26, 8, 33, 40, 0),
                    count: 1,
                    warning: false,
                },
            ];
            for pod in [
                "webhook-relay-7d5c9b8f6-2xkqp",
                "webhook-relay-7d5c9b8f6-9rmtw",
            ] {
                v.push(EvSpec {
                    obj_kind: "ReplicaSet",
                    obj_name: "webhook-relay-7d5c9b8f6".into(),
                    api: "apps/v1",
                    field_path: None,
                    reason: "SuccessfulCreate",
                    message: format!("Created pod: {pod}"),
                    source: ("replicaset-controller", None),
                    first: nov(26, 8, 33, 41, 0),
                    last: nov(26, 8, 33, 41, 0),
                    count: 1,
                    warning: false,
                });
                for (reason, msg, sec) in [
                    (
                        "Pulled",
                        format!(
                            "Container image \"{APP_ECR}/payments/webhook-relay:2.4.0\" already present on machine"
                        ),
                        42,
                    ),
                    ("Created", "Created container webhook-relay".to_string(), 42),
                    ("Started", "Started container webhook-relay".to_string(), 43),
                ] {
                    v.push(EvSpec {
                        obj_kind: "Pod",
                        obj_name: pod.into(),
                        api: "v1",
                        field_path: Some("spec.containers{webhook-relay}"),
                        reason,
                        message: msg,
                        source: ("kubelet", a_node),
                        first: nov(26, 8, 33, sec, 0),
                        last: nov(26, 8, 33, sec, 0),
                        count: 1,
                        warning: false,
                    });
                }
            }
            v.push(probe(
                "checkout-api-6c9f7d8b54-w2k7n",
                "10.0.1.88:8080",
                "/healthz",
                nov(26, 8, 41, 21, 0),
                nov(26, 9, 8, 2, 0),
                37,
            ));
            v.push(probe(
                "webhook-relay-7d5c9b8f6-2xkqp",
                "10.0.1.57:8080",
                "/actuator/health/readiness",
                nov(26, 8, 41, 44, 0),
                nov(26, 9, 7, 33, 0),
                22,
            ));
            v
        }
        _ => vec![],
    }
}

/// What a container printed (no timestamps added: cluster-info dump does
/// not ask for them).
fn container_log(
    rng: &mut Rng,
    p: &PodSpec,
    container: &str,
    node_log: Option<&NodeLog>,
) -> String {
    let created = p.created();
    let jitter = veth(p)
        .bytes()
        .fold(0i64, |h, b| (h * 31 + i64::from(b)) % 1_000_000);
    let start = created + Duration::seconds(2) + Duration::microseconds(jitter);
    let mut out = String::new();
    let at = |s: i64| start + Duration::milliseconds(s);
    match container {
        "aws-vpc-cni-init" => {
            for (ms, msg) in [
                (120, "Copying CNI plugin binaries ..."),
                (131, "Copied all CNI plugin binaries to /host/opt/cni/bin"),
                (140, "Found primaryMAC "),
                (151, "CNI init container done"),
            ] {
                let msg = if msg.starts_with("Found") {
                    format!("{msg}{}", NODES[p.node].mac)
                } else {
                    msg.to_string()
                };
                let _ = writeln!(
                    out,
                    "time=\"{}\" level=info msg=\"{msg}\"",
                    at(ms - 2_000).format("%Y-%m-%dT%H:%M:%SZ")
                );
            }
        }
        "aws-node" => {
            for (ms, msg) in [
                (410, "Validating env variables ..."),
                (415, "Install CNI binaries.."),
                (433, "Starting IPAM daemon... "),
                (1_702, "Checking for IPAM connectivity... "),
                (3_905, "Copying config file... "),
                (
                    3_914,
                    "Successfully copied CNI plugin binary and config file.",
                ),
            ] {
                let _ = writeln!(
                    out,
                    "{{\"level\":\"info\",\"ts\":\"{}\",\"caller\":\"entrypoint.sh\",\"msg\":\"{msg}\"}}",
                    at(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ")
                );
            }
        }
        "aws-eks-nodeagent" => {
            let _ = writeln!(
                out,
                "{{\"level\":\"info\",\"ts\":\"{}\",\"logger\":\"setup\",\"msg\":\"version\",\"GitVersion\":\"\",\"GitCommit\":\"\",\"BuildDate\":\"\"}}",
                at(210).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            );
            let _ = writeln!(
                out,
                "{{\"level\":\"info\",\"ts\":\"{}\",\"logger\":\"setup\",\"msg\":\"starting manager\"}}",
                at(388).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            );
        }
        "kube-proxy" => {
            let node = &NODES[p.node];
            let fresh = p.node == A;
            let mut lines = vec![
                (0, "server_linux.go:66] \"Using iptables proxy\"".to_string()),
                (21, format!("server.go:1050] \"Successfully retrieved node IP(s)\" IPs=[\"{}\"]", node.addr())),
                (30, "server_linux.go:165] \"Using iptables Proxier\"".to_string()),
                (31, "proxier.go:245] \"Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses\"".to_string()),
                (44, "server.go:865] \"Version info\" version=\"v1.29.10-eks-94953ac\"".to_string()),
                (44, "server.go:867] \"Golang settings\" GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"".to_string()),
            ];
            if fresh {
                lines.push((46, "conntrack.go:118] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_tcp_timeout_established\" value=86400".into()));
                lines.push((46, "conntrack.go:118] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_tcp_timeout_close_wait\" value=3600".into()));
            }
            for (ms, l) in [
                (47, "config.go:188] \"Starting service config controller\""),
                (
                    47,
                    "shared_informer.go:311] Waiting for caches to sync for service config",
                ),
                (
                    47,
                    "config.go:97] \"Starting endpoint slice config controller\"",
                ),
                (
                    148,
                    "shared_informer.go:318] Caches are synced for service config",
                ),
                (
                    148,
                    "shared_informer.go:318] Caches are synced for endpoint slice config",
                ),
            ] {
                lines.push((ms, l.to_string()));
            }
            for (ms, l) in lines {
                let t = at(ms);
                let _ = writeln!(out, "{}{l}", klog(t, 'I', 1));
            }
            return out;
        }
        "coredns" => {
            out.push_str(".:53\n[INFO] plugin/reload: Running configuration SHA512 = 8a7d59126e7f114ab49c6d2613be93d8ef7d408af8ee61a710210843dc409f03133727e38f64469d9bb180f396c84ebf48a42bde3b3769730865ca9df5eb281c\nCoreDNS-1.11.3\nlinux/amd64, go1.21.13, a6338e9\n");
            if let Some(log) = node_log {
                for _ in log.windows.iter().filter(|w| w.lines == 10) {
                    if rng.chance(30) {
                        let _ = writeln!(
                            out,
                            "[ERROR] plugin/errors: 2 {}. A: read udp 10.0.1.190:{}->10.0.0.2:53: i/o timeout",
                            [
                                "sqs.eu-west-1.amazonaws.com",
                                "hooks.acquirer.example",
                                "ledger.payments.svc.cluster.local.eu-west-1.compute.internal",
                                "sts.eu-west-1.amazonaws.com"
                            ][rng.below(4) as usize],
                            rng.range(32_768, 60_999)
                        );
                    }
                }
            }
        }
        "metrics-server" => {
            for l in [
                "serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)",
                "handler.go:275] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager",
                "secure_serving.go:213] Serving securely on [::]:10251",
            ] {
                let _ = writeln!(out, "{}{l}", klog(at(0), 'I', 1));
            }
        }
        "webhook-relay" => relay_log(rng, p, &mut out),
        "checkout-api" => checkout_log(rng, p, node_log, &mut out),
        "ledger" => {
            let _ = writeln!(
                out,
                "{} INFO  ledger 3.8.0 listening on :8080 (pool max=40)",
                at(800).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            );
            let _ = writeln!(
                out,
                "{} INFO  connected to ledger-db.cluster-c3x9f2a1b7e4.eu-west-1.rds.amazonaws.com:5432",
                at(1_210).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            );
        }
        "istio-init" => {
            let _ = writeln!(
                out,
                "{}\tinfo\tIstio iptables environment:",
                (created + Duration::seconds(1)).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
            out.push_str("ENVOY_PORT=\nINBOUND_CAPTURE_PORT=\nISTIO_INBOUND_INTERCEPTION_MODE=\n");
            let _ = writeln!(
                out,
                "{}\tinfo\tRunning iptables-restore with the following input:",
                (created + Duration::seconds(1)).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
            out.push_str("* nat\n-N ISTIO_INBOUND\n-N ISTIO_REDIRECT\n-N ISTIO_IN_REDIRECT\n-N ISTIO_OUTPUT\n-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN\n-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001\n-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006\n-A PREROUTING -p tcp -j ISTIO_INBOUND\n-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT\n-A OUTPUT -p tcp -j ISTIO_OUTPUT\n-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN\n-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN\n-A ISTIO_OUTPUT -j ISTIO_REDIRECT\nCOMMIT\n");
        }
        "istio-proxy" => {
            let _ = writeln!(
                out,
                "{}\tinfo\tFLAG: --concurrency=\"2\"",
                at(300).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
            let _ = writeln!(
                out,
                "{}\tinfo\tVersion 1.23.2-3c4e6ab1e2cd3d29be46e8f56d2a3a4a2c0b7ff4-Clean",
                at(301).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
            let _ = writeln!(
                out,
                "{}\tinfo\tReadiness succeeded in 6.218913241s",
                at(6_519).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
            let _ = writeln!(
                out,
                "{}\tinfo\tEnvoy proxy is ready",
                at(6_520).format("%Y-%m-%dT%H:%M:%S%.6fZ")
            );
        }
        app => {
            let _ = writeln!(
                out,
                "{} level=info msg=\"{app} listening\" addr=:8080",
                at(950).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            );
        }
    }
    out
}

/// webhook-relay (Spring Boot): the backlog replay after the partner's outage.
fn relay_log(rng: &mut Rng, p: &PodSpec, out: &mut String) {
    let on_a = p.node == A;
    let start = p.created() + Duration::seconds(3);
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let tid = |rng: &mut Rng| rng.range(1, 16);
    let _ = writeln!(
        out,
        "{}  INFO 1 --- [           main] c.a.payments.relay.RelayApplication      : Started RelayApplication in 7.412 seconds (process running for 8.03)",
        stamp(start + Duration::milliseconds(7_412))
    );
    let _ = writeln!(
        out,
        "{}  INFO 1 --- [           main] c.a.payments.relay.DeliveryClient        : delivery client: Apache HttpClient 5.3, keep-alive=false, connect timeout=2000ms",
        stamp(start + Duration::milliseconds(7_431))
    );
    let mut t = start.max(nov(26, 8, 25, 0, 0)) + Duration::seconds(9);
    let recovered = nov(26, 8, 31, 4, 208_000);
    if !on_a && t < recovered {
        let _ = writeln!(
            out,
            "{}  WARN 1 --- [ relay-worker-3] c.a.payments.relay.DeliveryClient        : partner endpoint unavailable (HTTP 503), 180,904 deliveries pending, retrying in 60s",
            stamp(nov(26, 8, 30, 2, 441_000))
        );
        let _ = writeln!(
            out,
            "{}  INFO 1 --- [ relay-worker-3] c.a.payments.relay.BacklogReplayer       : partner endpoint healthy again, replaying 184,233 pending deliveries",
            stamp(recovered)
        );
        t = recovered;
    }
    let end = dump_time();
    let mut pending: i64 = if on_a { 171_020 } else { 184_233 };
    while t < end {
        t += Duration::milliseconds(rng.range(25_000, 70_000) as i64);
        if t >= end {
            break;
        }
        let full = bursts_a()
            .iter()
            .any(|(s, w, _)| t >= *s && t <= *s + Duration::seconds(*w as i64 * 5));
        pending -= rng.range(2_000, 4_600) as i64;
        if on_a && full && rng.chance(70) {
            let _ = writeln!(
                out,
                "{}  WARN 1 --- [relay-worker-{:>2}] c.a.payments.relay.DeliveryClient        : delivery {} to https://hooks.acquirer.example/v2/events failed: Connect to hooks.acquirer.example:443 [hooks.acquirer.example/203.0.113.{}] failed: Connect timed out, will retry",
                stamp(t),
                tid(rng),
                hex(rng, 12),
                45 + rng.below(3)
            );
        } else {
            let rate = if on_a {
                rng.range(2_140, 2_390)
            } else {
                rng.range(1_600, 1_760)
            };
            let _ = writeln!(
                out,
                "{}  INFO 1 --- [ relay-worker-{:>2}] c.a.payments.relay.BacklogReplayer       : backlog {} pending, {}.{} deliveries/s",
                stamp(t),
                tid(rng),
                pending.max(0),
                rate / 10,
                rate % 10
            );
        }
    }
}

/// checkout-api (Go, zap console encoder): DNS lookups time out while the
/// node's table is full.
fn checkout_log(rng: &mut Rng, p: &PodSpec, log: Option<&NodeLog>, out: &mut String) {
    let start = p.created() + Duration::seconds(2);
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let _ = writeln!(
        out,
        "{}\tINFO\tcmd/main.go:61\tcheckout-api 1.31.2 listening\t{{\"addr\": \":8080\"}}",
        stamp(start + Duration::milliseconds(412))
    );
    let mut t = nov(26, 8, 30, 0, 0);
    let end = dump_time();
    let full = |t: DateTime<Utc>| {
        log.is_some_and(|l| {
            l.windows
                .iter()
                .any(|w| t >= w.start && t < w.start + Duration::seconds(5))
        })
    };
    let ip = p.addr();
    while t < end {
        let busy = log.is_some() && full(t);
        t += Duration::milliseconds(if busy {
            rng.range(6_000, 16_000)
        } else {
            rng.range(20_000, 50_000)
        } as i64);
        if t >= end {
            break;
        }
        let order = format!("ord_{}", hex(rng, 8));
        if log.is_some() && full(t) {
            let (host, port) = if rng.chance(70) {
                ("ledger.payments.svc.cluster.local", "8080/v1/holds")
            } else {
                ("api.cardgateway.example", "443/v2/authorizations")
            };
            let scheme = if port.starts_with("443") {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{host}:{port}");
            let _ = writeln!(
                out,
                "{}\tERROR\tcheckout/authorize.go:88\tauthorize failed\t{{\"order_id\": \"{order}\", \"error\": \"Post \\\"{url}\\\": dial tcp: lookup {host} on 172.20.0.10:53: read udp {ip}:{}->172.20.0.10:53: i/o timeout\"}}",
                stamp(t),
                rng.range(32_768, 60_999)
            );
        } else {
            let _ = writeln!(
                out,
                "{}\tINFO\tcheckout/handler.go:142\torder authorized\t{{\"order_id\": \"{order}\", \"amount_minor\": {}, \"latency_ms\": {}}}",
                stamp(t),
                rng.range(900, 24_900),
                rng.range(31, 140)
            );
        }
    }
}

/// `kubectl cluster-info dump --namespaces kube-system,payments,storefront
/// --output-directory=cluster-info`: relative path and bytes of each file.
fn cluster_info(log_a: &NodeLog) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng::new(2_024_112_610);
    let mut files = Vec::new();
    let nodes: Vec<J> = (0..NODES.len()).map(|i| node_json(&mut rng, i)).collect();
    files.push((
        "nodes.json".to_string(),
        go_json(&list("NodeList", "v1", 189_734_112, nodes)).into_bytes(),
    ));
    for ns in ["kube-system", "payments", "storefront"] {
        let evs: Vec<J> = events(ns)
            .iter()
            .map(|e| event_json(&mut rng, ns, e))
            .collect();
        files.push((
            format!("{ns}/events.json"),
            go_json(&list("EventList", "v1", 189_734_140, evs)).into_bytes(),
        ));
        files.push((
            format!("{ns}/replication-controllers.json"),
            go_json(&list(
                "ReplicationControllerList",
                "v1",
                189_734_141,
                vec![],
            ))
            .into_bytes(),
        ));
        let svcs: Vec<J> = SERVICES
            .iter()
            .filter(|s| s.ns == ns)
            .map(|s| service_json(&mut rng, s))
            .collect();
        files.push((
            format!("{ns}/services.json"),
            go_json(&list("ServiceList", "v1", 189_734_143, svcs)).into_bytes(),
        ));
        let ds: Vec<J> = if ns == "kube-system" {
            vec![
                daemonset_json(&mut rng, "aws-node", nov(4, 10, 12, 40, 0), 3),
                daemonset_json(&mut rng, "kube-proxy", nov(4, 10, 12, 40, 0), 4),
            ]
        } else {
            vec![]
        };
        files.push((
            format!("{ns}/daemonsets.json"),
            go_json(&list("DaemonSetList", "apps/v1", 189_734_145, ds)).into_bytes(),
        ));
        let deps = deployments(ns);
        let dj: Vec<J> = deps
            .iter()
            .map(|d| deployment_json(&mut rng, ns, d))
            .collect();
        files.push((
            format!("{ns}/deployments.json"),
            go_json(&list("DeploymentList", "apps/v1", 189_734_150, dj)).into_bytes(),
        ));
        let mut rs = Vec::new();
        for (name, replicas, revision, created, old) in &deps {
            let hash = hash_of(name);
            let rs_created = if *name == "webhook-relay" {
                nov(25, 16, 20, 43, 0)
            } else {
                *created + Duration::days(15)
            };
            if let Some((old_hash, tag)) = old {
                let old = RsSpec {
                    deploy: name,
                    hash: old_hash,
                    replicas: 0,
                    revision: revision - 1,
                    created: nov(14, 10, 2, 7, 0),
                    image: Some(tag),
                };
                rs.push(replicaset_json(&mut rng, ns, &old));
            }
            let current = RsSpec {
                deploy: name,
                hash,
                replicas: *replicas,
                revision: *revision,
                created: rs_created,
                image: None,
            };
            rs.push(replicaset_json(&mut rng, ns, &current));
        }
        files.push((
            format!("{ns}/replicasets.json"),
            go_json(&list("ReplicaSetList", "apps/v1", 189_734_152, rs)).into_bytes(),
        ));
        let pods: Vec<&PodSpec> = PODS.iter().filter(|p| p.ns == ns).collect();
        let pj: Vec<J> = pods.iter().map(|p| pod_json(&mut rng, p)).collect();
        files.push((
            format!("{ns}/pods.json"),
            go_json(&list("PodList", "v1", 189_734_160, pj)).into_bytes(),
        ));
        for p in pods {
            let (inits, ctrs) = containers(p.app());
            let mut text = String::new();
            for c in inits.iter().chain(ctrs.iter()) {
                let _ = writeln!(
                    text,
                    "==== START logs for container {} of pod {}/{} ====",
                    c.name, p.ns, p.name
                );
                let node_log = (p.node == A).then_some(log_a);
                text.push_str(&container_log(&mut rng, p, c.name, node_log));
                let _ = writeln!(
                    text,
                    "==== END logs for container {} of pod {}/{} ====",
                    c.name, p.ns, p.name
                );
            }
            files.push((format!("{ns}/{}/logs.txt", p.name), text.into_bytes()));
        }
    }
    files
}

// ---------------------------------------------------------------------------
// The case: evidence computed once, written two ways
// ---------------------------------------------------------------------------

/// Network namespaces sos looked into (`--namespaces 2`): the first holds
/// no rules, the second is `storefront/cart-5b7d8c9f4-h2lxq`'s.
const NETNS: [&str; 2] = [
    "cni-4b0f2e91-8c3d-d5a6-71e2-9fa04c8d3b15",
    "cni-7e1d0c55-2a4b-8f3e-96a1-3c5d7f0b9e24",
];

/// Entries of each node's `conntrack -L` snapshot.
pub const ENTRIES_A: usize = 65_471;
pub const ENTRIES_B: usize = 24_318;

/// The evidence of one node, as the collector stored it.
struct Capture {
    node: usize,
    /// Capture time of the bundle (names the documented-layout files).
    at: DateTime<Utc>,
    listing: Option<Vec<u8>>,
    stats: Vec<u8>,
    sysctl: Vec<u8>,
    /// Documented-layout name and bytes of each kernel-log capture.
    kernel_logs: Vec<(String, Vec<u8>)>,
    proc_stat: Option<Vec<u8>>,
}

/// Everything support received.
pub struct Case {
    logs: Vec<NodeLog>,
    captures: Vec<Capture>,
    cart: Vec<String>,
    dump: Vec<(String, Vec<u8>)>,
    // Bytes shared between a capture and its bundle.
    b_conntrack_s: String,
    b_listing: String,
}

impl Case {
    pub fn new() -> Case {
        let logs = vec![
            node_log(A, nov(26, 9, 6, 40, 0), 11),
            node_log(B, nov(26, 9, 8, 58, 0), 12),
            node_log(C, nov(26, 9, 12, 1, 0), 13),
        ];
        let a_lines = table_a(ENTRIES_A);
        let b_lines = table_b(ENTRIES_B);
        let cart = table_cart_netns();
        let dump = cluster_info(&logs[A]);

        // Node A: sos report.
        let la = &logs[A];
        let a_stats = conntrack_s(&cpu_stats(A, nov(26, 9, 6, 4, 902_114), &la.windows));
        let a_kernel = vec![
            (
                "dmesg.txt".to_string(),
                dmesg_raw(A, &la.evs, nov(26, 9, 6, 3, 852_000)).into_bytes(),
            ),
            (
                "dmesg-T.txt".to_string(),
                dmesg_ctime(&la.evs, nov(26, 9, 6, 4, 118_000)).into_bytes(),
            ),
            (
                "journalctl.txt".to_string(),
                journal(A, &la.evs, nov(26, 9, 6, 13, 420_000), None).into_bytes(),
            ),
            (
                "journalctl-boot.txt".to_string(),
                journal(A, &la.evs, nov(26, 9, 6, 14, 207_000), None).into_bytes(),
            ),
            (
                "messages".to_string(),
                syslog(A, &la.evs, NODES[A].boot(), nov(26, 9, 6, 15, 286_000)).into_bytes(),
            ),
        ];
        let cap_a = Capture {
            node: A,
            at: sos_time(),
            listing: Some(listing_through_pipe(&a_lines)),
            stats: a_stats.into_bytes(),
            sysctl: sysctl_a(A, 65_536, 21, true),
            kernel_logs: a_kernel,
            proc_stat: Some(proc_stat(A, nov(26, 9, 6, 7, 400_000), 31).into_bytes()),
        };

        // Node B: EKS log collector.
        let lb = &logs[B];
        let b_conntrack_s = conntrack_s(&cpu_stats(B, nov(26, 9, 8, 23, 310_000), &[]));
        let mut b_listing = String::new();
        for l in &b_lines {
            b_listing.push_str(l);
            b_listing.push('\n');
        }
        let rotated_b = nov(24, 3, 23, 41, 507_000);
        let cap_b = Capture {
            node: B,
            at: eks_time(),
            listing: Some(b_listing.clone().into_bytes()),
            stats: b_conntrack_s.clone().into_bytes(),
            sysctl: sysctl_a(B, 24_402, 22, false),
            kernel_logs: vec![
                (
                    "dmesg.txt".to_string(),
                    dmesg_raw(B, &lb.evs, nov(26, 9, 8, 13, 402_000)).into_bytes(),
                ),
                (
                    "dmesg-T.txt".to_string(),
                    dmesg_ctime(&lb.evs, nov(26, 9, 8, 13, 455_000)).into_bytes(),
                ),
                (
                    "dmesg-boot.txt".to_string(),
                    dmesg_raw(B, &lb.evs, NODES[B].boot() + Duration::seconds(3)).into_bytes(),
                ),
                (
                    "messages".to_string(),
                    syslog(B, &lb.evs, rotated_b, nov(26, 9, 8, 11, 207_000)).into_bytes(),
                ),
            ],
            proc_stat: Some(proc_stat(B, nov(26, 9, 8, 18, 600_000), 32).into_bytes()),
        };

        // Node C: Rancher logs collector.
        let lc = &logs[C];
        let rotated_c = nov(24, 3, 21, 7, 0);
        let cap_c = Capture {
            node: C,
            at: rancher_time(),
            listing: None,
            stats: conntrack_s(&cpu_stats(C, nov(26, 9, 11, 55, 120_000), &[])).into_bytes(),
            sysctl: sysctl_a(C, 3_912, 23, false),
            kernel_logs: vec![
                (
                    "dmesg-T.txt".to_string(),
                    dmesg_ctime(&lc.evs, nov(26, 9, 11, 47, 622_000)).into_bytes(),
                ),
                (
                    "dmesg-boot.txt".to_string(),
                    dmesg_raw(C, &lc.evs, NODES[C].boot() + Duration::seconds(3)).into_bytes(),
                ),
                (
                    "messages".to_string(),
                    syslog(C, &lc.evs, rotated_c, nov(26, 9, 11, 57, 300_000)).into_bytes(),
                ),
                (
                    "messages-20241124.gz".to_string(),
                    gzip(syslog(C, &lc.evs, NODES[C].boot(), rotated_c).as_bytes()),
                ),
            ],
            proc_stat: None,
        };

        Case {
            logs,
            captures: vec![cap_a, cap_b, cap_c],
            cart,
            dump,
            b_conntrack_s,
            b_listing,
        }
    }

    /// The files of `samples/support-case/` (relative paths), README aside.
    pub fn sample_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v = vec![
            (
                format!("{SOS_NAME}.tar.xz"),
                xz(&tar(&self.sos_members(), TarStyle::Python)),
            ),
            (
                format!("{EKS_NAME}.tar.gz"),
                gzip(&tar(&self.eks_members(), TarStyle::Gnu)),
            ),
            (
                format!("{RANCHER_NAME}.tar.gz"),
                gzip(&tar(&self.rancher_members(), TarStyle::Gnu)),
            ),
        ];
        for (path, data) in &self.dump {
            v.push((format!("{DUMP_DIR}/{path}"), data.clone()));
        }
        v
    }

    /// The same evidence in the documented layout: one folder per node
    /// (named after the Kubernetes node) holding `conntrack-L-<time>.txt`,
    /// `conntrack-S-<time>.txt`, `sysctl-<time>.txt` (the bundle's capture
    /// time), the kernel-log captures and `proc-stat.txt`, byte for byte as
    /// the collectors stored them; the EKS collector's `conntrack.txt` is
    /// split into its `-S` and `-L` parts. The client's log with the DNS
    /// failures goes to its node's folder. `cluster/` holds `nodes.json`
    /// and the pods and services of the dumped namespaces merged into
    /// `List`s as `kubectl get -o json` prints them.
    ///
    /// Left out: the conntrack tables of the pods' network namespaces in the
    /// sos report (they are not the node's table), the empty IPv6 listing of
    /// the EKS collector, `/proc/net/stat/nf_conntrack` and the single
    /// `/proc/sys` values (the same counters and settings again), and the
    /// files no analysis reads.
    pub fn layout_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        for c in &self.captures {
            let dir = NODES[c.node].name;
            let at = c.at.format("%Y-%m-%dT%H:%M:%SZ");
            if let Some(l) = &c.listing {
                v.push((format!("{dir}/conntrack-L-{at}.txt"), l.clone()));
            }
            v.push((format!("{dir}/conntrack-S-{at}.txt"), c.stats.clone()));
            v.push((format!("{dir}/sysctl-{at}.txt"), c.sysctl.clone()));
            for (name, data) in &c.kernel_logs {
                v.push((format!("{dir}/{name}"), data.clone()));
            }
            if let Some(p) = &c.proc_stat {
                v.push((format!("{dir}/proc-stat.txt"), p.clone()));
            }
        }
        let client = "payments/checkout-api-6c9f7d8b54-w2k7n/logs.txt";
        if let Some((_, data)) = self.dump.iter().find(|(p, _)| p == client) {
            v.push((
                format!("{}/checkout-api-6c9f7d8b54-w2k7n.log", NODES[A].name),
                data.clone(),
            ));
        }
        let mut pods = Vec::new();
        let mut svcs = Vec::new();
        for (path, data) in &self.dump {
            let kind = if path.ends_with("/pods.json") {
                Some(("Pod", &mut pods))
            } else if path.ends_with("/services.json") {
                Some(("Service", &mut svcs))
            } else {
                None
            };
            if let Some((kind, into)) = kind {
                let text = String::from_utf8_lossy(data);
                into.extend(items_as_unstructured(&text, kind));
            }
        }
        let merged = |items: Vec<J>| {
            go_json(&sorted(&o(vec![
                ("apiVersion", s("v1")),
                ("items", a(items)),
                ("kind", s("List")),
                ("metadata", o(vec![("resourceVersion", s(""))])),
            ])))
            .into_bytes()
        };
        if let Some((_, nodes)) = self.dump.iter().find(|(p, _)| p == "nodes.json") {
            v.push(("cluster/nodes.json".to_string(), nodes.clone()));
        }
        v.push(("cluster/pods.json".to_string(), merged(pods)));
        v.push(("cluster/services.json".to_string(), merged(svcs)));
        v
    }
}

impl Default for Case {
    fn default() -> Self {
        Case::new()
    }
}

/// The items of a typed list, with `apiVersion` and `kind` as a `List` of
/// `kubectl get` carries them.
fn items_as_unstructured(text: &str, kind: &str) -> Vec<J> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    let mut j = from_value(i);
                    if let J::Obj(fields) = &mut j {
                        fields.push(("apiVersion".into(), s("v1")));
                        fields.push(("kind".into(), s(kind)));
                    }
                    j
                })
                .collect()
        })
        .unwrap_or_default()
}

fn from_value(v: &serde_json::Value) -> J {
    match v {
        serde_json::Value::Null => J::Null,
        serde_json::Value::Bool(b) => J::Bool(*b),
        serde_json::Value::Number(x) => x
            .as_i64()
            .map_or_else(|| J::Float(x.as_f64().unwrap_or(0.0)), J::Int),
        serde_json::Value::String(x) => s(x.clone()),
        serde_json::Value::Array(items) => a(items.iter().map(from_value).collect()),
        serde_json::Value::Object(map) => J::Obj(
            map.iter()
                .map(|(k, x)| (k.clone(), from_value(x)))
                .collect(),
        ),
    }
}

/// Writes files under `dir`.
fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    for (path, data) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&p, data)?;
    }
    Ok(())
}

/// Writes the support case (what support received) into `dir`.
pub fn write_sample(dir: &Path) -> io::Result<()> {
    write_all(dir, &Case::new().sample_files())
}

/// Writes the same evidence in the documented layout into `dir`.
pub fn write_layout(dir: &Path) -> io::Result<()> {
    write_all(dir, &Case::new().layout_files())
}

// ---------------------------------------------------------------------------
// sos report (sos 4.8.1 on Amazon Linux 2, Python 3.7's tarfile)
// ---------------------------------------------------------------------------

/// Mode, mtime, atime and ctime of a host directory.
type HostStat = (u32, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>);

/// One command sos ran: plugin, command line, output (None: not run),
/// start, duration in µs, return code.
struct SosCmd {
    plugin: &'static str,
    exec: String,
    output: Option<Vec<u8>>,
    start: DateTime<Utc>,
    us: i64,
    rc: i64,
    tags: Vec<&'static str>,
}

/// A file sos copied from the host: plugin, copy spec, path, bytes, mode,
/// host mtime, atime, ctime.
struct SosCopy {
    plugin: &'static str,
    spec: &'static str,
    path: String,
    data: Vec<u8>,
    mode: u32,
    times: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
}

/// sos's file name for a command's output (`_mangle_command`).
fn mangle(exec: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in exec.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/') {
            if sep {
                out.push('_');
                sep = false;
            }
            out.push(if c == '/' { '.' } else { c });
        } else {
            sep = true;
        }
    }
    out.trim_matches(|c| matches!(c, ' ' | '.' | '_' | '-'))
        .to_string()
}

impl Case {
    fn sos_commands(&self) -> Vec<SosCmd> {
        let cap = &self.captures[A];
        let mut v = Vec::new();
        let mut cmd = |plugin,
                       exec: &str,
                       output: Option<Vec<u8>>,
                       start,
                       us,
                       rc,
                       tags: Vec<&'static str>| {
            v.push(SosCmd {
                plugin,
                exec: exec.to_string(),
                output,
                start,
                us,
                rc,
                tags,
            });
        };
        let at = |s: u32, us: i64| nov(26, 9, 6, s, us);
        for (i, sub) in [
            "network", "cache", "runtime", "link", "rsqueue", "queue", "ct", "expect",
        ]
        .iter()
        .enumerate()
        {
            cmd(
                "conntrack",
                &format!("conntrackd -s {sub}"),
                None,
                at(1, 951_204 + i as i64 * 1_310),
                1_050,
                127,
                vec![],
            );
        }
        cmd(
            "conntrack",
            "conntrack -L -o extended",
            cap.listing.clone(),
            at(2, 61_342),
            2_809_871,
            0,
            vec![],
        );
        cmd(
            "conntrack",
            "conntrack -S",
            Some(cap.stats.clone()),
            at(4, 902_114),
            9_842,
            0,
            vec![],
        );
        let cart_listing = listing_through_pipe(&self.cart);
        for (i, ns) in NETNS.iter().enumerate() {
            let (listing, stats) = if i == 0 {
                (listing_through_pipe(&[]), conntrack_s(&netns_stats(0)))
            } else {
                (
                    cart_listing.clone(),
                    conntrack_s(&netns_stats(self.cart.len())),
                )
            };
            let base = at(4, 921_530) + Duration::milliseconds(i as i64 * 61);
            cmd(
                "conntrack",
                &format!("ip netns exec {ns} conntrack -L -o extended"),
                Some(listing),
                base,
                17_903,
                0,
                vec![],
            );
            cmd(
                "conntrack",
                &format!("ip netns exec {ns} conntrack -S"),
                Some(stats.into_bytes()),
                base + Duration::milliseconds(27),
                14_482,
                0,
                vec![],
            );
        }
        let date = format!("{}\n", sos_time().format("%a %b %e %H:%M:%S UTC %Y"));
        cmd(
            "date",
            "date",
            Some(date.clone().into_bytes()),
            at(2, 180_551),
            3_120,
            0,
            vec!["date"],
        );
        cmd(
            "date",
            "date --utc",
            Some(date.into_bytes()),
            at(2, 186_007),
            2_871,
            0,
            vec!["date_utc"],
        );
        cmd(
            "date",
            "hwclock",
            Some(b"2024-11-26 09:06:02.375019+0000\n".to_vec()),
            at(2, 191_250),
            371_402,
            0,
            vec!["hwclock"],
        );
        let n = &NODES[A];
        cmd(
            "host",
            "hostname",
            Some(format!("{}\n", n.name).into_bytes()),
            at(2, 574_116),
            2_480,
            0,
            vec!["hostname_default", "hostname_short"],
        );
        cmd(
            "host",
            "hostname -f",
            Some(format!("{}\n", n.name).into_bytes()),
            at(2, 579_930),
            2_611,
            0,
            vec!["hostname"],
        );
        cmd(
            "host",
            "uptime",
            Some(uptime(A, at(2, 612_000), 1, [2.14, 1.87, 1.52]).into_bytes()),
            at(2, 612_441),
            2_902,
            0,
            vec!["uptime"],
        );
        cmd(
            "host",
            "hostid",
            Some(b"00170a00\n".to_vec()),
            at(2, 641_300),
            1_790,
            0,
            vec![],
        );
        cmd(
            "host",
            "hostnamectl status",
            Some(
                format!(
                    "   Static hostname: {}\n         Icon name: computer-vm\n           Chassis: vm\n        Machine ID: {}\n           Boot ID: {}\n    Virtualization: amazon\n  Operating System: Amazon Linux 2\n       CPE OS Name: cpe:2.3:o:amazon:amazon_linux:2\n            Kernel: Linux {KERNEL}\n      Architecture: x86-64\n",
                    n.name,
                    n.machine_id,
                    n.boot_id.replace('-', "")
                )
                .into_bytes(),
            ),
            at(2, 646_882),
            41_207,
            0,
            vec![],
        );
        cmd(
            "kernel",
            "uname -a",
            Some(uname(A).into_bytes()),
            at(3, 210_448),
            2_011,
            0,
            vec!["uname"],
        );
        cmd(
            "kernel",
            "lsmod",
            Some(lsmod().into_bytes()),
            at(3, 231_906),
            4_530,
            0,
            vec!["lsmod"],
        );
        cmd(
            "kernel",
            "dmesg",
            Some(cap.kernel_logs[0].1.clone()),
            at(3, 850_117),
            38_205,
            0,
            vec!["dmesg"],
        );
        cmd(
            "kernel",
            "dmesg -T",
            Some(cap.kernel_logs[1].1.clone()),
            at(4, 117_902),
            41_116,
            0,
            vec!["dmesg_T"],
        );
        cmd(
            "kernel",
            "dkms status",
            None,
            at(4, 171_533),
            905,
            127,
            vec!["dkms_status"],
        );
        cmd(
            "kernel",
            "sysctl -a",
            Some(cap.sysctl.clone()),
            at(5, 11_870),
            88_412,
            0,
            vec!["sysctl"],
        );
        cmd(
            "logs",
            "journalctl --disk-usage",
            Some(b"Archived and active journals take up 24.0M on disk.\n".to_vec()),
            at(13, 201_554),
            12_077,
            0,
            vec![],
        );
        cmd(
            "logs",
            "journalctl --no-pager",
            Some(cap.kernel_logs[2].1.clone()),
            at(13, 418_990),
            660_231,
            0,
            vec!["journal_full", "journal_all"],
        );
        cmd(
            "logs",
            "journalctl --no-pager --boot",
            Some(cap.kernel_logs[3].1.clone()),
            at(14, 205_871),
            651_809,
            0,
            vec!["journal_since_boot"],
        );
        cmd(
            "logs",
            "journalctl --no-pager --boot -1",
            Some(
                b"Data from the specified boot (-1) is not available: No such boot ID in journal\n"
                    .to_vec(),
            ),
            at(14, 901_334),
            8_116,
            1,
            vec!["journal_last_boot"],
        );
        cmd(
            "networking",
            "ip -o addr",
            Some(ip_o_addr(A).into_bytes()),
            at(8, 702_311),
            3_204,
            0,
            vec!["ip_addr"],
        );
        let mut netns = String::new();
        for (i, ns) in [
            "cni-0c93e5a7-4d21-b8f6-e2a9-51d7c04b6f38",
            NETNS[1],
            NETNS[0],
            "cni-d27f4a90-61e8-3b5c-9f0d-a83e2c7b1546",
            "cni-5e8b1d3f-a7c2-0946-bd51-2f6e9a0c8d71",
        ]
        .iter()
        .rev()
        .enumerate()
        {
            let _ = writeln!(netns, "{ns} (id: {})", 4 - i);
        }
        let netns: String = {
            // `ip netns` lists the newest first.
            let mut lines: Vec<&str> = netns.lines().collect();
            lines.reverse();
            lines.iter().map(|l| format!("{l}\n")).collect()
        };
        cmd(
            "networking",
            "ip netns",
            Some(netns.into_bytes()),
            at(8, 790_002),
            2_650,
            0,
            vec![],
        );
        for (i, ns) in NETNS.iter().enumerate() {
            let addr = if i == 0 { "10.0.1.190" } else { "10.0.1.205" };
            let out = format!(
                "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n3: eth0    inet {addr}/32 scope global eth0\\       valid_lft forever preferred_lft forever\n"
            );
            cmd(
                "networking",
                &format!("ip netns exec {ns} ip -o addr"),
                Some(out.into_bytes()),
                at(8, 912_455) + Duration::milliseconds(i as i64 * 23),
                6_118,
                0,
                vec![],
            );
        }
        cmd(
            "systemd",
            "timedatectl",
            Some(
                "      Local time: Tue 2024-11-26 09:06:03 UTC\n  Universal time: Tue 2024-11-26 09:06:03 UTC\n        RTC time: Tue 2024-11-26 09:06:03\n       Time zone: n/a (UTC, +0000)\n     NTP enabled: yes\nNTP synchronized: yes\n RTC in local TZ: no\n      DST active: n/a\n"
                    .as_bytes()
                    .to_vec(),
            ),
            at(3, 2_816),
            18_904,
            0,
            vec![],
        );
        v
    }

    fn sos_copies(&self) -> Vec<SosCopy> {
        let cap = &self.captures[A];
        let boot = NODES[A].boot();
        let ami = nov(9, 4, 10, 22, 0);
        let pid_dir = nov(26, 9, 6, 9, 801_337);
        let mut v = Vec::new();
        let mut copy = |plugin, spec, path: &str, data: Vec<u8>, mode, times| {
            v.push(SosCopy {
                plugin,
                spec,
                path: path.to_string(),
                data,
                mode,
                times,
            });
        };
        copy(
            "kernel",
            "/etc/sysctl.conf",
            "etc/sysctl.conf",
            b"# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, /run/sysctl.d/, and /etc/sysctl.d/.\n#\n# Vendors settings live in /usr/lib/sysctl.d/.\n# To override a whole file, create a new file with the same in\n# /etc/sysctl.d/ and put new settings there. To override\n# only specific settings, add a file with a lexically later\n# name in /etc/sysctl.d/ and put new settings there.\n#\n# For more information, see sysctl.conf(5) and sysctl.d(5).\n".to_vec(),
            0o644,
            (ami, boot + Duration::seconds(3), ami),
        );
        copy(
            "kernel",
            "/etc/sysctl.d",
            "etc/sysctl.d/00-defaults.conf",
            b"# Maximize console logging level for kernel printk messages\nkernel.printk = 8 4 1 7\n\n# Wait 30 seconds and then reboot\nkernel.panic = 30\n\n# Allow neighbor cache entries to expire even when the cache is not full\nnet.ipv4.neigh.default.gc_thresh1 = 0\nnet.ipv6.neigh.default.gc_thresh1 = 0\n\n# Avoid neighbor table contention in large subnets\nnet.ipv4.neigh.default.gc_thresh2 = 15360\nnet.ipv6.neigh.default.gc_thresh2 = 15360\nnet.ipv4.neigh.default.gc_thresh3 = 16384\nnet.ipv6.neigh.default.gc_thresh3 = 16384\n".to_vec(),
            0o644,
            (ami, boot + Duration::seconds(3), ami),
        );
        copy(
            "kernel",
            "/etc/sysctl.d",
            "etc/sysctl.d/99-kubernetes-cri.conf",
            b"net.bridge.bridge-nf-call-ip6tables = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n".to_vec(),
            0o644,
            (ami, boot + Duration::seconds(3), ami),
        );
        let net_stat = proc_net_stat(&cpu_stats(A, pid_dir, &self.logs[A].windows), 65_533);
        copy(
            "networking",
            "/proc/net/",
            "proc/9473/net/dev",
            format!(
                "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 81520344  610240    0    0    0     0          0         0 81520344  610240    0    0    0     0       0          0\n  eth0: 9811402236 31277390    0    0    0     0          0         0 7310048177 29841022    0    0    0     0       0          0\n  eth1: 1422908311 4102774    0    0    0     0          0         0 1950231108 4377015    0    0    0     0       0          0\n{}",
                PODS.iter()
                    .filter(|p| p.node == A && p.ip.is_some())
                    .map(|p| format!("{:>6}: 204117736 1402211    0    0    0     0          0         0 187420551 1318874    0    0    0     0       0          0\n", veth(p)))
                    .collect::<String>()
            )
            .into_bytes(),
            0o444,
            (pid_dir, pid_dir, pid_dir),
        );
        copy(
            "networking",
            "/proc/net/",
            "proc/9473/net/sockstat",
            b"sockets: used 431\nTCP: inuse 38 orphan 0 tw 61 alloc 52 mem 29\nUDP: inuse 7 mem 3\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n".to_vec(),
            0o444,
            (pid_dir, pid_dir, pid_dir),
        );
        copy(
            "networking",
            "/proc/net/",
            "proc/9473/net/stat/nf_conntrack",
            net_stat.into_bytes(),
            0o444,
            (pid_dir, pid_dir, pid_dir),
        );
        let pstat = boot + Duration::milliseconds(2_413);
        copy(
            "process",
            "/proc/stat",
            "proc/stat",
            cap.proc_stat.clone().unwrap_or_default(),
            0o444,
            (pstat, nov(26, 9, 6, 7, 400_000), pstat),
        );
        let nf = boot + Duration::milliseconds(41_771);
        for (name, value, mode) in [
            ("nf_conntrack_buckets", "16384", 0o644),
            ("nf_conntrack_count", "65535", 0o444),
            ("nf_conntrack_max", "65536", 0o644),
            ("nf_conntrack_tcp_timeout_established", "86400", 0o644),
            ("nf_conntrack_tcp_timeout_time_wait", "120", 0o644),
        ] {
            copy(
                "system",
                "/proc/sys",
                &format!("proc/sys/net/netfilter/{name}"),
                format!("{value}\n").into_bytes(),
                mode,
                (nf, nov(26, 9, 6, 9, 402_000), nf),
            );
        }
        copy(
            "system",
            "/proc/sys",
            "proc/sys/net/nf_conntrack_max",
            b"65536\n".to_vec(),
            0o644,
            (nf, nov(26, 9, 6, 9, 403_000), nf),
        );
        copy(
            "logs",
            "/var/log/messages*",
            "var/log/messages",
            cap.kernel_logs[4].1.clone(),
            0o600,
            (
                nov(26, 9, 6, 38, 911_204),
                nov(26, 9, 6, 15, 302_000),
                nov(26, 9, 6, 38, 911_204),
            ),
        );
        v
    }

    fn sos_members(&self) -> Vec<Member> {
        let cmds = self.sos_commands();
        let copies = self.sos_copies();
        let start = nov(26, 9, 5, 47, 912_431);
        let end = nov(26, 9, 6, 41, 317_560);
        let mut body: Vec<Member> = Vec::new();
        for c in &cmds {
            if let Some(out) = &c.output {
                let path = format!("sos_commands/{}/{}", c.plugin, mangle(&c.exec));
                let path = if c.exec.contains(" ip -o addr") && c.exec.starts_with("ip netns exec")
                {
                    let ns = c.exec.split_whitespace().nth(3).unwrap_or("");
                    format!(
                        "sos_commands/networking/namespaces/{ns}/{}",
                        mangle(&c.exec)
                    )
                } else {
                    path
                };
                body.push(file(
                    path,
                    out.clone(),
                    0o644,
                    c.start + Duration::microseconds(c.us),
                ));
            }
        }
        for c in &copies {
            let (mtime, atime, ctime) = c.times;
            body.push(file(c.path.clone(), c.data.clone(), c.mode, mtime).host(atime, ctime));
        }
        let linked = |name: &str| {
            body.iter()
                .find(|m| m.path == name)
                .map_or(end, |m| m.mtime)
        };
        let mut links = vec![
            link(
                "date",
                "sos_commands/systemd/timedatectl",
                linked("sos_commands/systemd/timedatectl"),
            ),
            link(
                "hostname",
                "sos_commands/host/hostname",
                linked("sos_commands/host/hostname"),
            ),
            link(
                "ip_addr",
                "sos_commands/networking/ip_-o_addr",
                linked("sos_commands/networking/ip_-o_addr"),
            ),
            link(
                "lsmod",
                "sos_commands/kernel/lsmod",
                linked("sos_commands/kernel/lsmod"),
            ),
            link(
                "uname",
                "sos_commands/kernel/uname_-a",
                linked("sos_commands/kernel/uname_-a"),
            ),
            link(
                "uptime",
                "sos_commands/host/uptime",
                linked("sos_commands/host/uptime"),
            ),
        ];
        // /proc/net and /proc/self are links on the host; sos recreates them
        // and stores the files under the pid that read them.
        let pid_dir = nov(26, 9, 6, 9, 801_337);
        let mut net = link("proc/net", "self/net", pid_dir);
        net.mode = 0o555;
        let mut me = link("proc/self", "9473", pid_dir);
        me.mode = 0o555;
        links.push(net.host(pid_dir, pid_dir));
        links.push(me.host(pid_dir, pid_dir));
        body.extend(links);
        // Directories: the host's where they exist, sos's own (0700) elsewhere.
        let boot = NODES[A].boot();
        let host_dir = |path: &str| -> Option<HostStat> {
            match path {
                "etc" => Some((
                    0o755,
                    nov(25, 19, 43, 2, 118_000),
                    nov(26, 9, 1, 1, 0),
                    nov(25, 19, 43, 2, 118_000),
                )),
                "etc/sysctl.d" => Some((
                    0o755,
                    nov(9, 4, 10, 22, 0),
                    boot + Duration::seconds(3),
                    nov(9, 4, 10, 22, 0),
                )),
                "proc" | "proc/sys" | "proc/sys/net" | "proc/sys/net/netfilter" => {
                    Some((0o555, boot, boot, boot))
                }
                "proc/9473" | "proc/9473/net" | "proc/9473/net/stat" => {
                    Some((0o555, start, start, start))
                }
                "var" => Some((0o755, nov(9, 4, 9, 51, 0), boot, nov(9, 4, 9, 51, 0))),
                "var/log" => Some((
                    0o755,
                    nov(26, 0, 0, 1, 0),
                    nov(26, 9, 6, 15, 0),
                    nov(26, 0, 0, 1, 0),
                )),
                _ => None,
            }
        };
        let mut dirs: Vec<String> = Vec::new();
        for m in &body {
            let mut p = m.path.as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                if !dirs.iter().any(|d| d == parent) {
                    dirs.push(parent.to_string());
                }
                p = parent;
            }
        }
        for d in dirs {
            let member = match host_dir(&d) {
                Some((mode, mtime, atime, ctime)) => dir(d, mode, mtime).host(atime, ctime),
                None => {
                    let prefix = format!("{d}/");
                    let newest = body
                        .iter()
                        .filter(|m| m.path.starts_with(&prefix))
                        .map(|m| m.mtime)
                        .max()
                        .unwrap_or(end);
                    dir(d, 0o700, newest)
                }
            };
            body.push(member);
        }
        body.sort_by(|x, y| x.path.split('/').cmp(y.path.split('/')));
        // What sos adds first, without the permission filter.
        // `end_time` is when the manifest was written, just before packing.
        let manifest = self.sos_manifest(&cmds, &copies, start, end - Duration::milliseconds(403));
        let (sos_log, ui_log) = sos_logs(&cmds, &copies, start, end);
        let mut members = vec![
            file(
                format!("{SOS_NAME}/version.txt"),
                "sos report: 4.8.1",
                0o644,
                end - Duration::milliseconds(921),
            ),
            dir(
                format!("{SOS_NAME}/sos_reports"),
                0o700,
                end - Duration::milliseconds(402),
            ),
            file(
                format!("{SOS_NAME}/sos_reports/manifest.json"),
                manifest,
                0o644,
                end - Duration::milliseconds(402),
            ),
            dir(
                format!("{SOS_NAME}/sos_logs"),
                0o700,
                end - Duration::milliseconds(455),
            ),
            file(
                format!("{SOS_NAME}/sos_logs/sos.log"),
                sos_log,
                0o600,
                end - Duration::milliseconds(455),
            ),
            file(
                format!("{SOS_NAME}/sos_logs/ui.log"),
                ui_log,
                0o600,
                end - Duration::milliseconds(455),
            ),
            dir(SOS_NAME, 0o700, end - Duration::milliseconds(921)).host(
                end - Duration::milliseconds(300),
                end - Duration::milliseconds(921),
            ),
        ];
        for mut m in body {
            m.path = format!("{SOS_NAME}/{}", m.path);
            members.push(m);
        }
        members
    }

    fn sos_manifest(
        &self,
        cmds: &[SosCmd],
        copies: &[SosCopy],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        let plugins = [
            "conntrack",
            "date",
            "host",
            "kernel",
            "logs",
            "networking",
            "process",
            "system",
            "systemd",
        ];
        let mut rng = Rng::new(2_024_112_620);
        let mut section = Vec::new();
        for (i, name) in plugins.iter().enumerate() {
            let setup_start = start + Duration::milliseconds(190 + i as i64 * 1_131);
            let setup_end = setup_start + Duration::microseconds(rng.range(3_000, 90_000) as i64);
            let mine: Vec<&SosCmd> = cmds.iter().filter(|c| c.plugin == *name).collect();
            let first = mine
                .iter()
                .map(|c| c.start)
                .min()
                .unwrap_or(nov(26, 9, 6, 8, 0));
            let last = mine
                .iter()
                .map(|c| c.start + Duration::microseconds(c.us))
                .max()
                .unwrap_or(nov(26, 9, 6, 10, 0));
            let p_start = first - Duration::microseconds(rng.range(800, 9_000) as i64);
            let p_end = last.max(
                copies
                    .iter()
                    .filter(|c| c.plugin == *name)
                    .map(|c| c.times.1)
                    .max()
                    .unwrap_or(last),
            ) + Duration::microseconds(rng.range(800, 9_000) as i64);
            let commands: Vec<J> = mine
                .iter()
                .map(|c| {
                    let parts: Vec<&str> = c.exec.split(' ').collect();
                    let end = c.start + Duration::microseconds(c.us);
                    let path = c.output.as_ref().map(|_| {
                        if c.exec.starts_with("ip netns exec") && c.exec.ends_with("ip -o addr") {
                            format!(
                                "sos_commands/networking/namespaces/{}/{}",
                                parts[3],
                                mangle(&c.exec)
                            )
                        } else {
                            format!("sos_commands/{}/{}", c.plugin, mangle(&c.exec))
                        }
                    });
                    let mut tags: Vec<J> = c.tags.iter().map(|t| s(*t)).collect();
                    if c.tags.iter().any(|t| {
                        t.starts_with("date") || *t == "hwclock" || *t == "dmesg" || *t == "dmesg_T"
                    }) {
                        tags = c.tags.iter().rev().map(|t| s(*t)).collect();
                    }
                    o(vec![
                        ("command", s(parts[0])),
                        ("parameters", a(parts[1..].iter().map(|p| s(*p)).collect())),
                        ("exec", s(c.exec.clone())),
                        ("filepath", path.map_or(J::Null, s)),
                        ("truncated", J::Bool(false)),
                        ("return_code", n(c.rc)),
                        (
                            "priority",
                            n(if c.exec == "journalctl --no-pager" {
                                100
                            } else {
                                10
                            }),
                        ),
                        ("start_time", J::Float(epoch_f(c.start))),
                        ("end_time", J::Float(epoch_f(end))),
                        ("run_time", J::Float(c.us as f64 / 1e6)),
                        ("tags", a(tags)),
                    ])
                })
                .collect();
            let mut files: Vec<J> = Vec::new();
            let mut specs: Vec<&str> = copies
                .iter()
                .filter(|c| c.plugin == *name)
                .map(|c| c.spec)
                .collect();
            specs.dedup();
            for spec in specs {
                let copied: Vec<J> = copies
                    .iter()
                    .filter(|c| c.plugin == *name && c.spec == spec)
                    .map(|c| s(c.path.replace("proc/9473/", "proc/")))
                    .collect();
                files.push(o(vec![
                    ("specification", s(spec)),
                    ("files_copied", a(copied)),
                    ("tags", a(vec![])),
                ]));
            }
            section.push((
                name.to_string(),
                o(vec![
                    ("start_time", s(py_datetime(p_start))),
                    ("end_time", s(py_datetime(p_end))),
                    ("run_time", s(py_timedelta(p_end - p_start))),
                    ("setup_start", s(py_datetime(setup_start))),
                    ("setup_end", s(py_datetime(setup_end))),
                    ("setup_time", s(py_timedelta(setup_end - setup_start))),
                    ("timeout", n(300)),
                    ("timeout_hit", J::Bool(false)),
                    ("command_timeout", n(300)),
                    ("commands", a(commands)),
                    ("files", a(files)),
                    ("strings", empty()),
                    ("containers", empty()),
                    ("collections", a(vec![])),
                ]),
            ));
        }
        let mut tag_summary: Vec<(String, J)> = Vec::new();
        let mut tagged: Vec<(&str, String)> = Vec::new();
        for c in cmds.iter().filter(|c| c.output.is_some()) {
            for t in &c.tags {
                tagged.push((t, format!("sos_commands/{}/{}", c.plugin, mangle(&c.exec))));
            }
        }
        tagged.sort();
        for (tag, path) in tagged {
            match tag_summary.last_mut() {
                Some((k, J::Arr(v))) if k == tag => v.push(s(path)),
                _ => tag_summary.push((tag.to_string(), a(vec![s(path)]))),
            }
        }
        let manifest = o(vec![
            ("version", s("4.8.1")),
            (
                "cmdline",
                s(format!("report --batch --case-id {CASE_ID} --namespaces 2")),
            ),
            ("start_time", s(py_datetime(start))),
            ("end_time", s(py_datetime(end))),
            ("run_time", s(py_timedelta(end - start))),
            ("compression", s("auto")),
            ("tmpdir", s("/var/tmp/sos.k3b9x2qe")),
            ("tmpdir_fs_type", s("xfs")),
            ("policy", s("Amazon Linux")),
            (
                "components",
                o(vec![(
                    "report",
                    o(vec![
                        ("sysroot", s("/")),
                        ("preset", s("none")),
                        ("profiles", a(vec![])),
                        (
                            "priority",
                            o(vec![("io_class", s("idle")), ("niceness", n(19))]),
                        ),
                        (
                            "devices",
                            o(vec![
                                (
                                    "storage",
                                    o(vec![("block", a(vec![s("nvme0n1")])), ("fibre", a(vec![]))]),
                                ),
                                (
                                    "network",
                                    o(vec![
                                        (
                                            "ethernet",
                                            a(interfaces(A)
                                                .iter()
                                                .filter(|i| *i != "lo")
                                                .map(|i| s(i.clone()))
                                                .collect()),
                                        ),
                                        ("bridge", a(vec![])),
                                        ("team", a(vec![])),
                                        ("bond", a(vec![])),
                                    ]),
                                ),
                                (
                                    "namespaced_network",
                                    J::Obj(
                                        NETNS
                                            .iter()
                                            .map(|ns| {
                                                (
                                                    ns.to_string(),
                                                    o(vec![("ethernet", a(vec![s("eth0")]))]),
                                                )
                                            })
                                            .collect(),
                                    ),
                                ),
                            ]),
                        ),
                        ("enabled_plugins", a(vec![])),
                        ("disabled_plugins", a(vec![])),
                        ("plugins", J::Obj(section)),
                        ("tag_summary", J::Obj(tag_summary)),
                    ]),
                )]),
            ),
        ]);
        let mut out = String::new();
        json_write(&mut out, &manifest, 0, JsonStyle::Python);
        out
    }
}

/// `sos_logs/sos.log` and `ui.log`.
fn sos_logs(
    cmds: &[SosCmd],
    copies: &[SosCopy],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (String, String) {
    let stamp = |t: DateTime<Utc>| {
        format!(
            "{},{:03}",
            t.format("%Y-%m-%d %H:%M:%S"),
            t.timestamp_subsec_millis()
        )
    };
    let mut lines: Vec<(DateTime<Utc>, String)> = vec![
        (
            start,
            format!(
                "INFO: [sos.report:setup] executing 'sos report --batch --case-id {CASE_ID} --namespaces 2'"
            ),
        ),
        (
            start + Duration::milliseconds(7_204),
            "WARNING: [plugin:conntrack] Limiting namespace iteration to first 2 namespaces found"
                .into(),
        ),
        (
            start + Duration::milliseconds(8_851),
            "WARNING: [plugin:networking] Limiting namespace iteration to first 2 namespaces found"
                .into(),
        ),
    ];
    for c in cmds {
        let msg = if c.rc == 127 {
            format!(
                "INFO: [plugin:{}] command '{}' not found",
                c.plugin,
                c.exec.split(' ').next().unwrap_or("")
            )
        } else {
            format!(
                "INFO: [plugin:{}] collecting output of '{}'",
                c.plugin, c.exec
            )
        };
        lines.push((c.start, msg));
    }
    for c in copies {
        lines.push((
            c.times.1 - Duration::milliseconds(2),
            format!(
                "INFO: [plugin:{}] collecting path '/{}'",
                c.plugin,
                c.path.replace("proc/9473/", "proc/")
            ),
        ));
    }
    lines.sort_by_key(|l| l.0);
    let sos: String = lines
        .iter()
        .map(|(t, l)| format!("{} {l}\n", stamp(*t)))
        .collect();
    // Copied into the archive before it is packed: nothing after the plugins.
    let ui = format!(
        "{0} INFO: \n{0} INFO: sos report (version 4.8.1)\n{0} INFO: \n{1} INFO:  Setting up archive ...\n{2} INFO:  Setting up plugins ...\n{3} INFO:  Running plugins. Please wait ...\n{3} INFO: \n{4} INFO: \n",
        stamp(start),
        stamp(start + Duration::milliseconds(96)),
        stamp(start + Duration::milliseconds(188)),
        stamp(nov(26, 9, 5, 59, 604_118)),
        stamp(end - Duration::milliseconds(3_902)),
    );
    (sos, ui)
}

// ---------------------------------------------------------------------------
// Amazon EKS log collector 0.7.8 and Rancher logs collector (GNU tar)
// ---------------------------------------------------------------------------

/// Members of a collector's folder, creation order (XFS keeps small
/// directories in that order), with a directory entry before its files.
fn gnu_members(
    prefix: &str,
    root: (u32, DateTime<Utc>),
    files: Vec<Member>,
    dirs: &[(&str, DateTime<Utc>)],
) -> Vec<Member> {
    let mut out = vec![dir(prefix.to_string(), root.0, root.1)];
    let mut add = |f: &Member| {
        let mut f = f.clone();
        f.path = format!("{prefix}{}", f.path);
        out.push(f);
    };
    files
        .iter()
        .filter(|f| !f.path.contains('/'))
        .for_each(&mut add);
    for (d, mtime) in dirs {
        add(&dir(*d, 0o755, *mtime));
        files
            .iter()
            .filter(|f| f.path.rsplit_once('/').map(|x| x.0) == Some(d))
            .for_each(&mut add);
    }
    out
}

impl Case {
    fn eks_members(&self) -> Vec<Member> {
        let cap = &self.captures[B];
        let n = &NODES[B];
        let lb = &self.logs[B];
        let at = |s: u32, ms: i64| nov(26, 9, 8, s, ms * 1_000);
        let kubelet = journal(B, &lb.evs, at(20, 118), Some("kubelet"));
        let conntrack = format!(
            "*** Output of conntrack -S *** \n{}*** Output of conntrack -L ***\n{}",
            self.b_conntrack_s, self.b_listing
        );
        let kube_proxy_log = {
            let p = PODS
                .iter()
                .find(|p| p.name == "kube-proxy-x5r9t")
                .expect("pod");
            let mut rng = Rng::new(41);
            container_log(&mut rng, p, "kube-proxy", None)
                .lines()
                .map(|l| {
                    let t = chrono::NaiveDateTime::parse_from_str(
                        &format!("2024{}", &l[1..21]),
                        "%Y%m%d %H:%M:%S%.6f",
                    )
                    .map(|x| x.and_utc())
                    .unwrap_or_else(|_| p.created());
                    format!(
                        "{} stderr F {l}\n",
                        (t + Duration::microseconds(311)).format("%Y-%m-%dT%H:%M:%S%.9fZ")
                    )
                })
                .collect::<String>()
        };
        let kube_proxy_name = format!("var_log/kube-proxy-x5r9t_kube-system_kube-proxy-{}.log", {
            let mut rng = Rng::new(42);
            hex(&mut rng, 64)
        });
        let files = vec![
            file(
                "kernel/dmesg.boot",
                cap.kernel_logs[2].1.clone(),
                0o644,
                at(13, 105),
            ),
            file(
                "kernel/dmesg.current",
                cap.kernel_logs[0].1.clone(),
                0o644,
                at(13, 402),
            ),
            file(
                "kernel/dmesg.human.current",
                cap.kernel_logs[1].1.clone(),
                0o644,
                at(13, 455),
            ),
            file("kernel/uname.txt", uname(B), 0o644, at(13, 461)),
            file("modinfo/lustre", "", 0o644, at(13, 490)),
            file(
                "modinfo/ip_vs",
                "nf_conntrack_netlink    49152  0\nnf_conntrack          155648  4 xt_conntrack,nf_nat,xt_nat,nf_conntrack_netlink\nnf_defrag_ipv6         24576  1 nf_conntrack\nnf_defrag_ipv4         16384  1 nf_conntrack\nlibcrc32c              16384  3 nf_conntrack,nf_nat,xfs\n",
                0o644,
                at(13, 512),
            ),
            file(
                "system/script-params.txt",
                "ignore_introspection: false\nignore_metrics: false\n",
                0o644,
                at(9, 311),
            ),
            file(
                "system/instance-id.txt",
                format!("{}\n", n.instance),
                0o644,
                at(10, 2),
            ),
            file("system/region.txt", "eu-west-1\n", 0o644, at(10, 118)),
            file(
                "system/availability-zone.txt",
                format!("{}\n", n.zone),
                0o644,
                at(10, 207),
            ),
            file(
                "system/selinux.txt",
                "SELinux mode:\n\t Disabled\n",
                0o644,
                at(14, 20),
            ),
            file(
                "system/services.txt",
                "  UNIT                          LOAD   ACTIVE SUB     DESCRIPTION\n  amazon-ssm-agent.service      loaded active running amazon-ssm-agent\n  chronyd.service               loaded active running NTP client/server\n  containerd.service            loaded active running containerd container runtime\n  kubelet.service               loaded active running Kubernetes Kubelet\n  rsyslog.service               loaded active running System Logging Service\n  systemd-journald.service      loaded active running Journal Service\n\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values depend on unit type.\n\n6 loaded units listed. Pass --all to see loaded but inactive units, too.\n",
                0o644,
                at(15, 601),
            ),
            file(
                "system/procstat.txt",
                cap.proc_stat.clone().unwrap_or_default(),
                0o644,
                at(18, 600),
            ),
            file(
                "system/large_environments.txt",
                "PID\tCount\n",
                0o644,
                at(18, 990),
            ),
            file(
                "system/cpu_throttling.txt",
                "No CPU Throttling Found\n",
                0o644,
                at(51, 230),
            ),
            file(
                "system/io_throttling.txt",
                "PID Name Block IO Delay (centisconds)\n",
                0o644,
                at(51, 402),
            ),
            file(
                "system/last_reboot.txt",
                format!(
                    "reboot   system boot  {} {}   still running\n\nwtmp begins {}\n",
                    KERNEL,
                    NODES[B].boot().format("%a %b %e %H:%M"),
                    NODES[B].boot().format("%a %b %e %H:%M:%S %Y")
                ),
                0o644,
                at(51, 911),
            ),
            file(
                "docker/docker.log",
                "-- No entries --\n",
                0o644,
                at(51, 120),
            ),
            file(
                "containerd/containerd-version.txt",
                "Client:\n  Version:  1.7.22\n  Revision: 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c\n  Go version: go1.22.6\n\nServer:\n  Version:  1.7.22\n  Revision: 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c\n  UUID: 5b0e8c41-9d2f-4a37-b6e1-0c8d3f7a92e5\n",
                0o644,
                at(16, 804),
            ),
            file(
                "storage/mounts.txt",
                "/dev/nvme0n1p1 on / type xfs (rw,noatime,attr2,inode64,logbufs=8,logbsize=32k,noquota)\nproc on /proc type proc (rw,nosuid,nodev,noexec,relatime)\nsysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)\n\nFilesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1   20G  6.1G   14G  31% /\n",
                0o644,
                at(14, 2),
            ),
            file(
                "var_log/messages",
                cap.kernel_logs[3].1.clone(),
                0o600,
                at(11, 210),
            ),
            file(kube_proxy_name.as_str(), kube_proxy_log, 0o640, at(11, 390)),
            file(
                "var_log/cloud-init-output.log",
                format!(
                    "Cloud-init v. 19.3-46.amzn2.0.2 running 'modules:final' at {}. Up 27.95 seconds.\n[+]Bootstrapping EKS node\nCloud-init v. 19.3-46.amzn2.0.2 finished at {}. Datasource DataSourceEc2.  Up 31.40 seconds\n",
                    NODES[B].boot().format("%a, %d %b %Y %H:%M:%S +0000"),
                    (NODES[B].boot() + Duration::seconds(31)).format("%a, %d %b %Y %H:%M:%S +0000")
                ),
                0o644,
                at(11, 402),
            ),
            file("networking/conntrack.txt", conntrack, 0o644, at(24, 71)),
            file(
                "networking/conntrack6.txt",
                "*** Output of conntrack -L -f ipv6 ***\n",
                0o644,
                at(24, 109),
            ),
            file(
                "networking/iprule.txt",
                "0:\tfrom all lookup local \n512:\tfrom all to 10.0.2.133 lookup main \n512:\tfrom all to 10.0.2.40 lookup main \n512:\tfrom all to 10.0.2.187 lookup main \n512:\tfrom all to 10.0.2.218 lookup main \n1024:\tfrom all fwmark 0x80/0x80 lookup main \n32766:\tfrom all lookup main \n32767:\tfrom all lookup default \n",
                0o644,
                at(24, 150),
            ),
            file(
                "networking/resolv.conf",
                "options timeout:2 attempts:5\n; generated by /usr/sbin/dhclient-script\nsearch eu-west-1.compute.internal\nnameserver 10.0.0.2\n",
                0o644,
                at(45, 870),
            ),
            file(
                "sysctls/sysctl_all.txt",
                cap.sysctl.clone(),
                0o644,
                at(22, 904),
            ),
            file("kubelet/kubelet.log", kubelet, 0o644, at(20, 118)),
            file(
                "kubelet/kubelet-config.json",
                "{\n  \"kind\": \"KubeletConfiguration\",\n  \"apiVersion\": \"kubelet.config.k8s.io/v1beta1\",\n  \"clusterDomain\": \"cluster.local\",\n  \"clusterDNS\": [\"172.20.0.10\"],\n  \"maxPods\": 17,\n  \"containerLogMaxSize\": \"10Mi\",\n  \"containerLogMaxFiles\": 5\n}\n",
                0o644,
                at(20, 160),
            ),
            file(
                "cni/10-aws.conflist",
                "{\n  \"cniVersion\": \"0.4.0\",\n  \"name\": \"aws-cni\",\n  \"disableCheck\": true,\n  \"plugins\": [\n    {\n      \"name\": \"aws-cni\",\n      \"type\": \"aws-cni\",\n      \"vethPrefix\": \"eni\",\n      \"mtu\": \"9001\",\n      \"podSGEnforcingMode\": \"strict\",\n      \"pluginLogFile\": \"/var/log/aws-routed-eni/plugin.log\",\n      \"pluginLogLevel\": \"DEBUG\",\n      \"capabilities\": {\"io.kubernetes.cri.pod-annotations\": true}\n    },\n    {\n      \"name\": \"egress-cni\",\n      \"type\": \"egress-cni\",\n      \"mtu\": \"9001\",\n      \"enabled\": \"false\",\n      \"randomizeSNAT\": \"prng\",\n      \"nodeIP\": \"\",\n      \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"fd00::ac:00/118\"}]], \"routes\": [{\"dst\": \"::/0\"}], \"dataDir\": \"/run/cni/v4pd/egress-v6-ipam\"},\n      \"pluginLogFile\": \"/var/log/aws-routed-eni/egress-v6-plugin.log\",\n      \"pluginLogLevel\": \"DEBUG\"\n    },\n    {\n      \"type\": \"portmap\",\n      \"capabilities\": {\"portMappings\": true},\n      \"snat\": true\n    }\n  ]\n}\n",
                0o644,
                at(46, 311),
            ),
        ];
        let dirs = [
            ("kernel", at(13, 461)),
            ("modinfo", at(13, 512)),
            ("system", at(51, 911)),
            ("docker", at(51, 120)),
            ("containerd", at(16, 804)),
            ("storage", at(14, 2)),
            ("var_log", at(11, 402)),
            ("networking", at(45, 870)),
            ("sandbox-image", at(9, 302)),
            ("ipamd", at(9, 302)),
            ("sysctls", at(22, 904)),
            ("kubelet", at(20, 160)),
            ("nodeadm", at(9, 302)),
            ("cni", at(46, 311)),
            ("gpu", at(9, 302)),
        ];
        gnu_members("./", (0o755, at(51, 911)), files, &dirs)
    }

    fn rancher_members(&self) -> Vec<Member> {
        let cap = &self.captures[C];
        let lc = &self.logs[C];
        let n = &NODES[C];
        let at = |s: u32, ms: i64| nov(26, 9, 11, s, ms * 1_000);
        let at12 = |s: u32, ms: i64| nov(26, 9, 12, s, ms * 1_000);
        let collector = "2024-11-26 09:11:47: Detecting available commands... renice ionoice\n2024-11-26 09:11:47: Detecting OS... amzn 2\n2024-11-26 09:11:47: Detecting k8s distribution... \n2024-11-26 09:11:47: Couldn't detect k8s distro\n2024-11-26 09:11:47: Detecting init type... systemd\n2024-11-26 09:11:47: Collecting system info\n2024-11-26 09:11:55: Collecting network info\n2024-11-26 09:11:57: Collecting system logs from /var/log\n2024-11-26 09:11:58: Collecting system logs from journald\n";
        let unit_log = |unit: &str, until: DateTime<Utc>| journal(C, &lc.evs, until, Some(unit));
        let boot = n.boot();
        let files = vec![
            file("collector-output.log", collector, 0o644, at(58, 10)),
            file(
                "systeminfo/hostname",
                format!("{}\n", n.name),
                0o644,
                at(47, 301),
            ),
            file(
                "systeminfo/hostnamefqdn",
                format!("{}\n", n.name),
                0o644,
                at(47, 305),
            ),
            file(
                "systeminfo/etchosts",
                "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost6 localhost6.localdomain6\n",
                0o644,
                nov(21, 13, 5, 52, 0),
            ),
            file(
                "systeminfo/etcresolvconf",
                "options timeout:2 attempts:5\n; generated by /usr/sbin/dhclient-script\nsearch eu-west-1.compute.internal\nnameserver 10.0.0.2\n",
                0o644,
                boot + Duration::seconds(10),
            ),
            file(
                "systeminfo/date",
                format!("{}\n", rancher_time().format("%a %b %e %H:%M:%S UTC %Y")),
                0o644,
                at(47, 312),
            ),
            file(
                "systeminfo/freem",
                "              total        used        free      shared  buff/cache   available\nMem:           3850        1102         401           1        2346        2489\nSwap:             0           0           0\n",
                0o644,
                at(47, 318),
            ),
            file(
                "systeminfo/uptime",
                uptime(C, rancher_time(), 1, [0.21, 0.18, 0.17]),
                0o644,
                at(47, 322),
            ),
            file(
                "systeminfo/dmesg",
                cap.kernel_logs[0].1.clone(),
                0o644,
                at(47, 622),
            ),
            file(
                "systeminfo/dfh",
                "Filesystem      Size  Used Avail Use% Mounted on\ndevtmpfs        1.9G     0  1.9G   0% /dev\ntmpfs           1.9G     0  1.9G   0% /dev/shm\ntmpfs           1.9G  1.2M  1.9G   1% /run\n/dev/nvme0n1p1   20G  5.8G   15G  29% /\n",
                0o644,
                at(47, 640),
            ),
            file("systeminfo/lsmod", lsmod(), 0o644, at(47, 702)),
            file(
                "systeminfo/file-nr",
                "3136\t0\t9223372036854775807\n",
                0o644,
                at(53, 110),
            ),
            file(
                "systeminfo/file-max",
                "9223372036854775807\n",
                0o644,
                at(53, 112),
            ),
            file("systeminfo/uname", uname(C), 0o644, at(53, 130)),
            file(
                "systeminfo/osrelease",
                "NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\nANSI_COLOR=\"0;33\"\nCPE_NAME=\"cpe:2.3:o:amazon:amazon_linux:2\"\nHOME_URL=\"https://amazonlinux.com/\"\nSUPPORT_END=\"2026-06-30\"\nAmazon Linux release 2 (Karoo)\n",
                0o644,
                at(53, 133),
            ),
            file("systeminfo/sysctla", cap.sysctl.clone(), 0o644, at(54, 402)),
            file(
                "systeminfo/systemd-units",
                "  UNIT                          LOAD   ACTIVE SUB     DESCRIPTION\n  amazon-ssm-agent.service      loaded active running amazon-ssm-agent\n  chronyd.service               loaded active running NTP client/server\n  cloud-init.service            loaded active exited  Initial cloud-init job (metadata service crawler)\n  containerd.service            loaded active running containerd container runtime\n  kubelet.service               loaded active running Kubernetes Kubelet\n  rsyslog.service               loaded active running System Logging Service\n",
                0o644,
                at(54, 470),
            ),
            file(
                "systeminfo/conntrack",
                cap.stats.clone(),
                0o644,
                at(55, 131),
            ),
            file(
                "networking/iptablessave",
                "# Generated by iptables-save v1.8.4 on Tue Nov 26 09:11:55 2024\n*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -i eth0 -m comment --comment \"AWS, primary ENI\" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80\n-A PREROUTING -i eni+ -m comment --comment \"AWS, primary ENI\" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:AWS-SNAT-CHAIN-0 - [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A POSTROUTING -m comment --comment \"AWS SNAT CHAIN\" -j AWS-SNAT-CHAIN-0\n-A AWS-SNAT-CHAIN-0 -d 10.0.0.0/16 -m comment --comment \"AWS SNAT CHAIN\" -j RETURN\n-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment \"AWS, SNAT\" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.3.148 --random-fully\nCOMMIT\n# Completed on Tue Nov 26 09:11:55 2024\n",
                0o644,
                at(55, 402),
            ),
            file("networking/ipaddrshow", ip_o_addr(C), 0o644, at(56, 20)),
            file(
                "networking/iproute",
                "default via 10.0.3.1 dev eth0 \n10.0.3.0/24 dev eth0 proto kernel scope link src 10.0.3.148 \n10.0.3.47 dev eni4d8e0f2a61c scope link \n10.0.3.62 dev eni9b1c7e3d05a scope link \n10.0.3.99 dev eni2f6a8c0e4b7 scope link \n169.254.169.254 dev eth0 \n",
                0o644,
                at(56, 31),
            ),
            file(
                "systemlogs/messages",
                cap.kernel_logs[2].1.clone(),
                0o600,
                at(57, 300),
            ),
            file(
                "systemlogs/messages-20241124.gz",
                cap.kernel_logs[3].1.clone(),
                0o600,
                nov(24, 3, 21, 8, 0),
            ),
            file(
                "systemlogs/dmesg",
                cap.kernel_logs[1].1.clone(),
                0o644,
                boot + Duration::seconds(3),
            ),
            file(
                "systemlogs/cloud-init-output.log",
                format!(
                    "Cloud-init v. 19.3-46.amzn2.0.2 running 'modules:final' at {}. Up 28.12 seconds.\n[+]Bootstrapping EKS node\nCloud-init v. 19.3-46.amzn2.0.2 finished at {}. Datasource DataSourceEc2.  Up 31.77 seconds\n",
                    boot.format("%a, %d %b %Y %H:%M:%S +0000"),
                    (boot + Duration::seconds(31)).format("%a, %d %b %Y %H:%M:%S +0000")
                ),
                0o644,
                boot + Duration::seconds(31),
            ),
            file(
                "journald/containerd",
                unit_log("containerd", at(58, 320)),
                0o644,
                at(58, 320),
            ),
            file(
                "journald/cloud-init",
                "-- No entries --\n",
                0o644,
                at(58, 401),
            ),
            file(
                "journald/kubelet",
                unit_log("kubelet", at(59, 950)),
                0o644,
                at(59, 950),
            ),
        ];
        let dirs = [
            ("systeminfo", at(55, 131)),
            ("networking", at(56, 31)),
            ("systemlogs", at(57, 300)),
            ("journald", at(59, 950)),
        ];
        let inner = gnu_members(
            &format!("./{RANCHER_NAME}/"),
            (0o755, at(59, 950)),
            files,
            &dirs,
        );
        let mut out = vec![dir("./", 0o700, at12(1, 0))];
        out.extend(inner);
        out
    }
}
