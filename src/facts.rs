//! Kernel, conntrack-tools and kube-proxy facts the analysis relies on, in one
//! place. Each constant names its source; `docs/facts.md` states them all
//! with their primary sources (kernel `Documentation/networking/nf_conntrack-sysctl.rst`,
//! kube-proxy's conntrack setup, the conntrack-tools man page).

use std::collections::BTreeMap;

use crate::model::State;

/// Default TCP timeouts in seconds, keyed by sysctl name without the
/// `nf_conntrack_` prefix (nf_conntrack-sysctl.rst).
pub const TCP_TIMEOUTS: [(&str, u32); 10] = [
    ("tcp_timeout_established", 432_000),
    ("tcp_timeout_syn_sent", 120),
    ("tcp_timeout_syn_recv", 60),
    ("tcp_timeout_fin_wait", 120),
    ("tcp_timeout_close_wait", 60),
    ("tcp_timeout_last_ack", 30),
    ("tcp_timeout_time_wait", 120),
    ("tcp_timeout_close", 10),
    ("tcp_timeout_max_retrans", 300),
    ("tcp_timeout_unacknowledged", 300),
];

/// Other protocols' default timeouts (nf_conntrack-sysctl.rst).
pub const OTHER_TIMEOUTS: [(&str, u32); 6] = [
    ("udp_timeout", 30),
    ("udp_timeout_stream", 120),
    ("icmp_timeout", 30),
    ("icmpv6_timeout", 30),
    ("generic_timeout", 600),
    ("gre_timeout", 30),
];

/// kube-proxy's overrides: `--conntrack-tcp-timeout-established` 24 h and
/// `--conntrack-tcp-timeout-close-wait` 1 h by default.
pub const KUBE_PROXY_TIMEOUTS: [(&str, u32); 2] = [
    ("tcp_timeout_established", 86_400),
    ("tcp_timeout_close_wait", 3_600),
];

/// kube-proxy: `nf_conntrack_max = max(conntrack-max-per-core × cores, conntrack-min)`.
pub const KUBE_PROXY_MAX_PER_CORE: u64 = 32_768;
pub const KUBE_PROXY_MIN: u64 = 131_072;

/// Kernel memory per entry, roughly (slab object plus extensions): 300–400 B.
pub const BYTES_PER_ENTRY: u64 = 320;

/// TCP states after a close has begun. For these, `state timeout − remaining`
/// is the time since the state began, so one snapshot shows when connections
/// closed over the last `time_wait` seconds.
pub const CLOSING_STATES: [(State, &str); 5] = [
    (State::TIME_WAIT, "tcp_timeout_time_wait"),
    (State::CLOSE, "tcp_timeout_close"),
    (State::LAST_ACK, "tcp_timeout_last_ack"),
    (State::FIN_WAIT, "tcp_timeout_fin_wait"),
    (State::CLOSE_WAIT, "tcp_timeout_close_wait"),
];

/// The timeouts in force on a node: kernel defaults, overridden by what the
/// node's captures or the command line say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts(BTreeMap<String, u32>);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts(
            TCP_TIMEOUTS
                .iter()
                .chain(OTHER_TIMEOUTS.iter())
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
        )
    }
}

impl Timeouts {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
    pub fn set(&mut self, name: &str, secs: u32) {
        self.0.insert(name.to_string(), secs);
    }
    /// Applies overrides (later ones win).
    pub fn with(mut self, overrides: &BTreeMap<String, u32>) -> Timeouts {
        for (k, v) in overrides {
            self.set(k, *v);
        }
        self
    }
    /// Every known name, for `--help` and error messages.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TCP_TIMEOUTS
            .iter()
            .chain(OTHER_TIMEOUTS.iter())
            .map(|(k, _)| *k)
    }
    /// The window over which a snapshot records closes: the TIME_WAIT timeout.
    pub fn close_window(&self) -> u32 {
        self.get("tcp_timeout_time_wait").unwrap_or(120)
    }
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
        o.insert("tcp_timeout_time_wait".to_string(), 60);
        let t = Timeouts::default().with(&o);
        assert_eq!(t.close_window(), 60);
        assert_eq!(t.get("tcp_timeout_close"), Some(10));
    }
}
