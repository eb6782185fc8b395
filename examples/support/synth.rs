//! Synthetic but realistic conntrack listings and node journals, for the
//! samples and the benchmarks (shared by the examples and benches with
//! `#[path]`; not part of the library, so no sample name reaches `src/`). The output looks like what a GKE node running kube-proxy
//! prints with `conntrack -L`: pod CIDR 10.4.0.0/14, services 10.8.0.0/20,
//! nodes 10.128.0.0/20, documentation ranges for the outside world, timeouts
//! consistent with each state (kube-proxy's 86400 s for ESTABLISHED).
//!
//! Deterministic: the same seed gives the same bytes.

use std::collections::HashSet;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use ctsleuth::model::entry::{Layout, render};
use ctsleuth::model::{Entry, Flags, L4, State, Tuple};

/// A small, fast, seedable generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.below(hi_inclusive - lo + 1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// What kind of node to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A node whose pods receive a flood of short connections from one client
    /// through the linkerd proxy (inbound port 4143): the table fills with
    /// TIME_WAIT.
    ChurnVictim,
    /// An ordinary node: long-lived connections, DNS, some egress.
    Healthy,
    /// Many sources and destinations, for benchmarks.
    Busy,
    /// A node serving the cluster: its pods answer clients from every other
    /// node and call out themselves, a few hundred distinct sources (the
    /// usual case, where the shell idiom's table stays small).
    Serving,
}

/// Generates listings.
pub struct Generator {
    rng: Rng,
    profile: Profile,
    node_ip: IpAddr,
    /// The pods of this node (third octet of the node's pod /24).
    pod_net: u8,
    /// Original tuples already given out: the kernel holds each once.
    used: HashSet<(IpAddr, IpAddr, u16, u16)>,
}

/// Pod networks of the sample cluster's nodes (10.4.N.0/24).
const POD_NETS: [u8; 7] = [0, 1, 2, 3, 5, 7, 9];
/// Replicas of the web client behind ClusterIP 10.8.3.114:8080.
const STOREFRONT: [[u8; 4]; 3] = [[10, 4, 5, 23], [10, 4, 7, 31], [10, 4, 9, 12]];

impl Generator {
    pub fn new(seed: u64, profile: Profile, node_index: u8) -> Generator {
        Generator {
            rng: Rng::new(seed),
            profile,
            node_ip: v4(10, 128, 0, 10 + node_index),
            pod_net: node_index,
            used: HashSet::new(),
        }
    }

    /// An ephemeral port not yet used by `src → dst:dport`.
    fn free_port(&mut self, src: IpAddr, dst: IpAddr, dport: u16) -> u16 {
        let mut port = self.ephemeral();
        for _ in 0..64 {
            if self.used.insert((src, dst, port, dport)) {
                break;
            }
            port = self.ephemeral();
        }
        port
    }

    fn ephemeral(&mut self) -> u16 {
        self.rng.range(32768, 60999) as u16
    }

    fn local_pod(&mut self) -> IpAddr {
        v4(10, 4, self.pod_net, self.rng.range(2, 40) as u8)
    }

    fn remote_pod(&mut self) -> IpAddr {
        let net = POD_NETS[self.rng.below(POD_NETS.len() as u64) as usize];
        v4(10, 4, net, self.rng.range(2, 40) as u8)
    }

    fn storefront(&mut self) -> IpAddr {
        IpAddr::from(STOREFRONT[self.rng.below(3) as usize])
    }

    fn busy_pod(&mut self) -> IpAddr {
        let r = self.rng.below(1 << 16);
        v4(
            10,
            4 + (r >> 14) as u8,
            ((r >> 6) & 0xff) as u8,
            (2 + (r & 63)) as u8,
        )
    }

    /// One entry of this node's table.
    pub fn entry(&mut self) -> Entry<'static> {
        let roll = self.rng.below(1000);
        match self.profile {
            Profile::ChurnVictim => match roll {
                0..=829 => self.churn(),
                830..=929 => self.established(),
                930..=979 => self.dns(),
                980..=994 => self.egress(),
                _ => self.icmp(),
            },
            Profile::Healthy => match roll {
                0..=549 => self.established(),
                550..=699 => self.time_wait_misc(),
                700..=919 => self.dns(),
                920..=979 => self.egress(),
                _ => self.icmp(),
            },
            Profile::Serving => match roll {
                0..=399 => self.inbound(),
                400..=649 => self.established(),
                650..=749 => self.time_wait_misc(),
                750..=929 => self.dns(),
                930..=989 => self.egress(),
                _ => self.icmp(),
            },
            Profile::Busy => match roll {
                0..=449 => self.busy_tcp(State::TIME_WAIT, 120),
                450..=799 => self.busy_tcp(State::ESTABLISHED, 86_400),
                800..=829 => self.busy_tcp(State::SYN_SENT, 120),
                830..=949 => self.dns(),
                950..=989 => self.egress(),
                _ => self.icmp(),
            },
        }
    }

    fn tcp(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        backend: IpAddr,
        dport: u16,
        (state, timeout, flags): (State, u32, Flags),
    ) -> Entry<'static> {
        let sport = self.free_port(src, dst, dport);
        let orig = Tuple {
            src,
            dst,
            l4: L4::Ports { sport, dport },
            zone: None,
        };
        let reply = Tuple {
            src: backend,
            dst: src,
            l4: L4::Ports {
                sport: dport,
                dport: sport,
            },
            zone: None,
        };
        entry(6, timeout, Some(state), orig, reply, flags)
    }

    /// The flood: one client pod (with a couple of siblings) opening short
    /// connections to the linkerd inbound port of this node's pods.
    fn churn(&mut self) -> Entry<'static> {
        // Three replicas of one client workload; one gets half the flood.
        let client = match self.rng.below(4) {
            0 => IpAddr::from(STOREFRONT[1]),
            1 => IpAddr::from(STOREFRONT[2]),
            _ => IpAddr::from(STOREFRONT[0]),
        };
        let target = v4(
            10,
            4,
            self.pod_net,
            [17, 18, 19][self.rng.below(3) as usize],
        );
        let (state, timeout, flags) = match self.rng.below(100) {
            0..=93 => (State::TIME_WAIT, self.rng.below(121) as u32, Flags::ASSURED),
            94..=96 => (
                State::ESTABLISHED,
                self.rng.range(86_000, 86_400) as u32,
                Flags::ASSURED,
            ),
            97 => (
                State::SYN_SENT,
                self.rng.range(100, 120) as u32,
                Flags::UNREPLIED,
            ),
            98 => (State::CLOSE, self.rng.below(11) as u32, Flags::ASSURED),
            _ => (State::FIN_WAIT, self.rng.below(121) as u32, Flags::ASSURED),
        };
        self.tcp(client, target, target, 4143, (state, timeout, flags))
    }

    fn established(&mut self) -> Entry<'static> {
        let src = self.local_pod();
        let (dst, backend, port) = match self.rng.below(4) {
            0 => (v4(10, 8, 3, 114), self.storefront(), 8080),
            1 => (v4(10, 8, 5, 22), v4(10, 4, 0, 14), 9090),
            2 => {
                let p = self.remote_pod();
                (p, p, 4143)
            }
            _ => (v4(10, 8, 0, 1), v4(10, 128, 0, 2), 443),
        };
        let t = self.rng.range(3_600, 86_400) as u32;
        self.tcp(
            src,
            dst,
            backend,
            port,
            (State::ESTABLISHED, t, Flags::ASSURED),
        )
    }

    /// A client pod elsewhere in the cluster calling one of this node's pods
    /// through the linkerd inbound port.
    fn inbound(&mut self) -> Entry<'static> {
        let src = self.remote_pod();
        let dst = self.local_pod();
        let (state, timeout) = if self.rng.chance(35) {
            (State::TIME_WAIT, self.rng.below(121) as u32)
        } else {
            (State::ESTABLISHED, self.rng.range(3_600, 86_400) as u32)
        };
        self.tcp(src, dst, dst, 4143, (state, timeout, Flags::ASSURED))
    }

    fn time_wait_misc(&mut self) -> Entry<'static> {
        let src = self.local_pod();
        let backend = self.storefront();
        let t = self.rng.below(121) as u32;
        self.tcp(
            src,
            v4(10, 8, 3, 114),
            backend,
            8080,
            (State::TIME_WAIT, t, Flags::ASSURED),
        )
    }

    fn busy_tcp(&mut self, state: State, max_timeout: u32) -> Entry<'static> {
        let src = self.busy_pod();
        let dst = self.busy_pod();
        let port = [80, 443, 4143, 8080, 9090, 5432, 6379][self.rng.below(7) as usize];
        let t = self.rng.below(u64::from(max_timeout) + 1) as u32;
        let flags = if state == State::SYN_SENT {
            Flags::UNREPLIED
        } else {
            Flags::ASSURED
        };
        self.tcp(src, dst, dst, port, (state, t, flags))
    }

    fn dns(&mut self) -> Entry<'static> {
        let src = self.local_pod();
        let sport = self.free_port(src, v4(10, 8, 0, 10), 53);
        let coredns = [v4(10, 4, 3, 5), v4(10, 4, 0, 9)][self.rng.below(2) as usize];
        let unreplied = self.rng.chance(8);
        let orig = Tuple {
            src,
            dst: v4(10, 8, 0, 10),
            l4: L4::Ports { sport, dport: 53 },
            zone: None,
        };
        let reply = Tuple {
            src: coredns,
            dst: src,
            l4: L4::Ports {
                sport: 53,
                dport: sport,
            },
            zone: None,
        };
        let flags = if unreplied {
            Flags::UNREPLIED
        } else {
            Flags::default()
        };
        let t = self.rng.below(31) as u32;
        entry(17, t, None, orig, reply, flags)
    }

    fn egress(&mut self) -> Entry<'static> {
        let src = self.local_pod();
        let dst = [v4(203, 0, 113, 50), v4(198, 51, 100, 24), v4(192, 0, 2, 80)]
            [self.rng.below(3) as usize];
        let sport = self.free_port(src, dst, 443);
        let nat_port = self.free_port(self.node_ip, dst, 443);
        let syn = self.rng.chance(10);
        let (state, timeout, flags) = if syn {
            (
                State::SYN_SENT,
                self.rng.range(60, 120) as u32,
                Flags::UNREPLIED,
            )
        } else {
            (
                State::ESTABLISHED,
                self.rng.range(60_000, 86_400) as u32,
                Flags::ASSURED,
            )
        };
        let orig = Tuple {
            src,
            dst,
            l4: L4::Ports { sport, dport: 443 },
            zone: None,
        };
        // SNAT (ip-masq) to the node's address.
        let reply = Tuple {
            src: dst,
            dst: self.node_ip,
            l4: L4::Ports {
                sport: 443,
                dport: nat_port,
            },
            zone: None,
        };
        entry(6, timeout, Some(state), orig, reply, flags)
    }

    fn icmp(&mut self) -> Entry<'static> {
        let src = self.local_pod();
        let dst = self.remote_pod();
        let id = self.rng.below(65536) as u16;
        let orig = Tuple {
            src,
            dst,
            l4: L4::Icmp {
                kind: 8,
                code: 0,
                id,
            },
            zone: None,
        };
        let reply = Tuple {
            src: dst,
            dst: src,
            l4: L4::Icmp {
                kind: 0,
                code: 0,
                id,
            },
            zone: None,
        };
        let t = self.rng.below(31) as u32;
        entry(1, t, None, orig, reply, Flags::default())
    }
}

/// Writes `entries` lines of `conntrack -L` and the stderr trailer.
pub fn write_listing(
    out: &mut dyn Write,
    generator: &mut Generator,
    entries: u64,
    layout: Layout,
) -> io::Result<()> {
    for _ in 0..entries {
        let e = generator.entry();
        out.write_all(render(&e, layout).as_bytes())?;
        out.write_all(b"\n")?;
    }
    writeln!(
        out,
        "conntrack v1.4.7 (conntrack-tools): {entries} flow entries have been shown."
    )
}

/// Everyday lines of a GKE node's journal, to bury the interesting ones in.
const NOISE: [&str; 8] = [
    "kubelet[1742]: I1126 {T} 1742 kubelet_getters.go:187] \"Pod status updated\" pod=\"default/web-7c9f8b5d4-x8k2q\" status=\"Running\"",
    "containerd[1103]: time=\"2024-11-26T{T}Z\" level=info msg=\"ImageCreate event name:\\\"gke.gcr.io/pause:3.8\\\"\"",
    "systemd[1]: Started Session 4172 of User root.",
    "kernel: [{M}] cbr0: port 7(veth6b3c2a1f) entered forwarding state",
    "kubelet[1742]: I1126 {T} 1742 prober.go:107] \"Probe failed\" probeType=\"Readiness\" pod=\"payments/api-6d8f7b9c5-2lq4w\"",
    "dockerd[1210]: time=\"2024-11-26T{T}Z\" level=warning msg=\"Your kernel does not support swap limit capabilities\"",
    "google_guest_agent[842]: Updating keys for user alice.",
    "node-problem-detector[2012]: I1126 {T} 2012 log_monitor.go:160] New status generated: &{Source:kernel-monitor}",
];

/// Writes a syslog-framed journal of `lines` lines, one in `every` of which
/// is a conntrack drop (with its rate-limit summaries); the rest are noise.
pub fn write_kern_log(
    out: &mut dyn Write,
    rng: &mut Rng,
    lines: u64,
    every: u64,
) -> io::Result<()> {
    let host = "gke-prod-default-pool-7f3a9c21-x2lq";
    let mut secs: u64 = 8 * 3600;
    for i in 0..lines {
        if i % 97 == 0 {
            secs += 1;
        }
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let mono = secs as f64 - 21_063.2 + (i % 97) as f64 * 0.0103;
        let stamp = format!("Nov 26 {h:02}:{m:02}:{s:02} {host} ");
        if every > 0 && rng.below(every) == 0 {
            writeln!(
                out,
                "{stamp}kernel: [{mono:12.6}] nf_conntrack: nf_conntrack: table full, dropping packet"
            )?;
        } else if every > 0 && rng.below(every * 10) == 0 {
            writeln!(
                out,
                "{stamp}kernel: [{mono:12.6}] net_ratelimit: {} callbacks suppressed",
                rng.range(100, 2000)
            )?;
        } else {
            let t = format!("{h:02}:{m:02}:{s:02}.{:06}", rng.below(1_000_000));
            let line = NOISE[rng.below(NOISE.len() as u64) as usize]
                .replace("{T}", &t)
                .replace("{M}", &format!("{mono:12.6}"));
            writeln!(out, "{stamp}{line}")?;
        }
    }
    Ok(())
}

/// An entry as `conntrack -L` prints it on a default kernel: mark 0, use 1,
/// no accounting, zones, labels or timestamps.
pub fn entry(
    proto: u8,
    timeout: u32,
    state: Option<State>,
    orig: Tuple,
    reply: Tuple,
    flags: Flags,
) -> Entry<'static> {
    Entry {
        proto,
        timeout: Some(timeout),
        state,
        gre_timeouts: None,
        orig,
        reply,
        orig_counters: None,
        reply_counters: None,
        flags,
        mark: Some(0),
        secmark: None,
        secctx: None,
        zone: None,
        delta_time: None,
        start: None,
        stop: None,
        helper: None,
        use_count: Some(1),
        id: None,
        labels: None,
    }
}

/// `sysctl net.netfilter` of a node as kube-proxy leaves it (established
/// 24 h, close_wait 1 h), after a `kernel.hostname` line.
pub fn sysctl_text(hostname: &str, count: u64, max: u64, buckets: u64, expect_max: u64) -> String {
    let mut out = format!("kernel.hostname = {hostname}\n");
    for (k, v) in [
        ("nf_conntrack_acct", 0),
        ("nf_conntrack_buckets", buckets),
        ("nf_conntrack_checksum", 1),
        ("nf_conntrack_count", count),
        ("nf_conntrack_expect_max", expect_max),
        ("nf_conntrack_generic_timeout", 600),
        ("nf_conntrack_icmp_timeout", 30),
        ("nf_conntrack_log_invalid", 0),
        ("nf_conntrack_max", max),
        ("nf_conntrack_tcp_be_liberal", 0),
        ("nf_conntrack_tcp_loose", 1),
        ("nf_conntrack_tcp_timeout_close", 10),
        ("nf_conntrack_tcp_timeout_close_wait", 3600),
        ("nf_conntrack_tcp_timeout_established", 86400),
        ("nf_conntrack_tcp_timeout_fin_wait", 120),
        ("nf_conntrack_tcp_timeout_last_ack", 30),
        ("nf_conntrack_tcp_timeout_syn_recv", 60),
        ("nf_conntrack_tcp_timeout_syn_sent", 120),
        ("nf_conntrack_tcp_timeout_time_wait", 120),
        ("nf_conntrack_timestamp", 0),
        ("nf_conntrack_udp_timeout", 30),
        ("nf_conntrack_udp_timeout_stream", 120),
    ] {
        out.push_str(&format!("net.netfilter.{k} = {v}\n"));
    }
    out
}
