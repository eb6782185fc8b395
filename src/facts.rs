//! Kernel, conntrack-tools and kube-proxy facts the analysis relies on, in one
//! place. Each constant names its source; `docs/facts.md` states them all
//! with their primary sources (kernel `Documentation/networking/nf_conntrack-sysctl.rst`,
//! kube-proxy's conntrack setup, the conntrack-tools man page).

use std::collections::BTreeMap;

use crate::model::State;

/// A conntrack timeout the analysis uses, named in sysctls, flags and
/// `summary.json` by its sysctl name without the `nf_conntrack_` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timeout {
    TcpEstablished,
    TcpSynSent,
    TcpSynRecv,
    TcpFinWait,
    TcpCloseWait,
    TcpLastAck,
    TcpTimeWait,
    TcpClose,
    TcpMaxRetrans,
    TcpUnacknowledged,
    Udp,
    UdpStream,
    Icmp,
    Icmpv6,
    Generic,
    Gre,
}

impl Timeout {
    pub const ALL: [Timeout; 16] = [
        Timeout::TcpEstablished,
        Timeout::TcpSynSent,
        Timeout::TcpSynRecv,
        Timeout::TcpFinWait,
        Timeout::TcpCloseWait,
        Timeout::TcpLastAck,
        Timeout::TcpTimeWait,
        Timeout::TcpClose,
        Timeout::TcpMaxRetrans,
        Timeout::TcpUnacknowledged,
        Timeout::Udp,
        Timeout::UdpStream,
        Timeout::Icmp,
        Timeout::Icmpv6,
        Timeout::Generic,
        Timeout::Gre,
    ];

    /// The sysctl's name without `net.netfilter.nf_conntrack_`.
    pub fn sysctl(self) -> &'static str {
        match self {
            Timeout::TcpEstablished => "tcp_timeout_established",
            Timeout::TcpSynSent => "tcp_timeout_syn_sent",
            Timeout::TcpSynRecv => "tcp_timeout_syn_recv",
            Timeout::TcpFinWait => "tcp_timeout_fin_wait",
            Timeout::TcpCloseWait => "tcp_timeout_close_wait",
            Timeout::TcpLastAck => "tcp_timeout_last_ack",
            Timeout::TcpTimeWait => "tcp_timeout_time_wait",
            Timeout::TcpClose => "tcp_timeout_close",
            Timeout::TcpMaxRetrans => "tcp_timeout_max_retrans",
            Timeout::TcpUnacknowledged => "tcp_timeout_unacknowledged",
            Timeout::Udp => "udp_timeout",
            Timeout::UdpStream => "udp_timeout_stream",
            Timeout::Icmp => "icmp_timeout",
            Timeout::Icmpv6 => "icmpv6_timeout",
            Timeout::Generic => "generic_timeout",
            Timeout::Gre => "gre_timeout",
        }
    }

    /// The kernel's default in seconds (nf_conntrack-sysctl.rst; GRE from
    /// nf_conntrack_proto_gre.c).
    pub fn kernel_default(self) -> u32 {
        match self {
            Timeout::TcpEstablished => 432_000,
            Timeout::TcpSynSent
            | Timeout::TcpFinWait
            | Timeout::TcpTimeWait
            | Timeout::UdpStream => 120,
            Timeout::TcpSynRecv | Timeout::TcpCloseWait => 60,
            Timeout::TcpLastAck | Timeout::Udp | Timeout::Icmp | Timeout::Icmpv6 | Timeout::Gre => {
                30
            }
            Timeout::TcpClose => 10,
            Timeout::TcpMaxRetrans | Timeout::TcpUnacknowledged => 300,
            Timeout::Generic => 600,
        }
    }

    /// `tcp_timeout_time_wait`, with or without `net.netfilter.` and
    /// `nf_conntrack_` in front.
    pub fn from_sysctl(name: &str) -> Option<Timeout> {
        let name = name
            .trim()
            .trim_start_matches("net.netfilter.")
            .trim_start_matches("nf_conntrack_");
        Timeout::ALL.into_iter().find(|t| t.sysctl() == name)
    }
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sysctl())
    }
}

/// Written as its sysctl name (also as a map key).
impl serde::Serialize for Timeout {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.sysctl())
    }
}

/// kube-proxy's overrides: `--conntrack-tcp-timeout-established` 24 h and
/// `--conntrack-tcp-timeout-close-wait` 1 h by default.
pub const KUBE_PROXY_TIMEOUTS: [(Timeout, u32); 2] = [
    (Timeout::TcpEstablished, 86_400),
    (Timeout::TcpCloseWait, 3_600),
];

/// kube-proxy: `nf_conntrack_max = max(conntrack-max-per-core × cores, conntrack-min)`.
pub const KUBE_PROXY_MAX_PER_CORE: u64 = 32_768;
pub const KUBE_PROXY_MIN: u64 = 131_072;

/// Source ports masquerading (SNAT without `--to-ports`) may give flows from
/// one address to one destination address and port: 1024–65535 for a
/// source port of 1024 or more (net/netfilter/nf_nat_proto.c,
/// `nf_nat_l4proto_unique_tuple`). Every entry to that destination holds
/// one; when all are taken, new connections fail to insert
/// (`insert_failed`) although the table has room.
pub const SNAT_PORTS: u64 = 65_535 - 1024 + 1;

/// Kernel memory per entry, roughly (slab object plus extensions): 300–400 B.
pub const BYTES_PER_ENTRY: u64 = 320;

/// TCP states after a close has begun. For these, `state timeout − remaining`
/// is the time since the state began, so one snapshot shows when connections
/// closed over the last `time_wait` seconds.
pub const CLOSING_STATES: [(State, Timeout); 5] = [
    (State::TIME_WAIT, Timeout::TcpTimeWait),
    (State::CLOSE, Timeout::TcpClose),
    (State::LAST_ACK, Timeout::TcpLastAck),
    (State::FIN_WAIT, Timeout::TcpFinWait),
    (State::CLOSE_WAIT, Timeout::TcpCloseWait),
];

/// The timeouts in force on a node: kernel defaults, overridden by what the
/// node's captures or the command line say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts(BTreeMap<Timeout, u32>);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts(
            Timeout::ALL
                .into_iter()
                .map(|t| (t, t.kernel_default()))
                .collect(),
        )
    }
}

impl Timeouts {
    pub fn get(&self, t: Timeout) -> u32 {
        self.0.get(&t).copied().unwrap_or(t.kernel_default())
    }
    pub fn set(&mut self, t: Timeout, secs: u32) {
        self.0.insert(t, secs);
    }
    /// Applies overrides (later ones win).
    pub fn with(mut self, overrides: &BTreeMap<Timeout, u32>) -> Timeouts {
        for (k, v) in overrides {
            self.set(*k, *v);
        }
        self
    }
    /// Those that differ from the kernel's defaults.
    pub fn differing(&self) -> BTreeMap<Timeout, u32> {
        self.0
            .iter()
            .filter(|(t, v)| t.kernel_default() != **v)
            .map(|(t, v)| (*t, *v))
            .collect()
    }
    /// The window over which a snapshot records closes: the TIME_WAIT timeout.
    pub fn close_window(&self) -> u32 {
        self.get(Timeout::TcpTimeWait)
    }
}

/// The timeouts a node's captures name, keyed by the enum; sysctls the
/// analysis does not use (SCTP, DCCP, flowtable) are left out.
pub fn known_timeouts(captured: &BTreeMap<String, u32>) -> BTreeMap<Timeout, u32> {
    captured
        .iter()
        .filter_map(|(k, v)| Some((Timeout::from_sysctl(k)?, *v)))
        .collect()
}

/// The kernel's own `nf_conntrack_max` for a machine with `mem` bytes of RAM
/// (net/netfilter/nf_conntrack_core.c, `nf_conntrack_init_start`): the hash
/// gets RAM / 16384 / sizeof(pointer) buckets, forced to 16,384 above 1 GiB
/// and 65,536 above 4 GiB, and the limit is 4 × buckets. Kernels 5.15 and
/// later make the limit equal to the buckets and force 65,536 and 262,144
/// instead, which gives the same limits above 1 GiB.
pub fn kernel_default_max(mem: u64) -> u64 {
    const GIB: u64 = 1 << 30;
    if mem > 4 * GIB {
        262_144
    } else if mem > GIB {
        65_536
    } else {
        (mem / 16_384 / 8).max(32) * 4
    }
}

/// What kube-proxy would set for a node with `cores` CPUs.
pub fn kube_proxy_max(cores: u64) -> u64 {
    (KUBE_PROXY_MAX_PER_CORE * cores).max(KUBE_PROXY_MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_proxy_formula() {
        assert_eq!(kube_proxy_max(2), 131_072);
        assert_eq!(kube_proxy_max(4), 131_072);
        assert_eq!(kube_proxy_max(8), 262_144);
    }

    #[test]
    fn kernel_default_by_memory() {
        // t3.medium: 3943316Ki of capacity.
        assert_eq!(kernel_default_max(3_943_316 * 1024), 65_536);
        assert_eq!(kernel_default_max(16 << 30), 262_144);
        assert_eq!(kernel_default_max(512 << 20), 16_384);
    }

    #[test]
    fn overrides_win() {
        let mut o = BTreeMap::new();
        o.insert(Timeout::TcpTimeWait, 60);
        let t = Timeouts::default().with(&o);
        assert_eq!(t.close_window(), 60);
        assert_eq!(t.get(Timeout::TcpClose), 10);
        assert_eq!(
            t.differing().into_iter().collect::<Vec<_>>(),
            [(Timeout::TcpTimeWait, 60)]
        );
    }

    #[test]
    fn timeouts_are_named_as_sysctls() {
        for t in Timeout::ALL {
            assert_eq!(Timeout::from_sysctl(t.sysctl()), Some(t));
        }
        assert_eq!(
            Timeout::from_sysctl("net.netfilter.nf_conntrack_udp_timeout_stream"),
            Some(Timeout::UdpStream)
        );
        assert_eq!(Timeout::from_sysctl("sctp_timeout_closed"), None);
        let captured = BTreeMap::from([
            ("tcp_timeout_close_wait".to_string(), 3600),
            ("sctp_timeout_closed".to_string(), 10),
        ]);
        assert_eq!(
            known_timeouts(&captured),
            BTreeMap::from([(Timeout::TcpCloseWait, 3600)])
        );
    }
}
