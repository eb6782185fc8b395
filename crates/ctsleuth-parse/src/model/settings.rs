//! Limits and timeouts of a node: sysctl captures, bare `/proc/sys` values,
//! kube-proxy's and the kernel's own log lines about the table size.

use std::collections::BTreeMap;

/// Where a setting was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: u64,
    /// Human description of the origin, e.g. `sysctl net.netfilter.nf_conntrack_max`,
    /// `kube-proxy "Setting nf_conntrack_max"`, `file nf_conntrack_max`.
    pub origin: String,
    /// 1-based line of the file it came from.
    pub line: u64,
}

/// What one file says about a node's conntrack configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `nf_conntrack_max` (also legacy `net.nf_conntrack_max`,
    /// `net.ipv4.netfilter.ip_conntrack_max`, kube-proxy's value, the kernel's
    /// `nf_conntrack version ... (N buckets, M max)` line).
    pub max: Option<Setting>,
    /// `nf_conntrack_buckets` / hashsize.
    pub buckets: Option<Setting>,
    /// `nf_conntrack_count`.
    pub count: Option<Setting>,
    /// `nf_conntrack_expect_max`.
    pub expect_max: Option<Setting>,
    /// `nf_conntrack_acct`.
    pub acct: Option<bool>,
    /// `kernel.hostname`, when the capture has it.
    pub hostname: Option<String>,
    /// Boot time, epoch seconds: the `btime` line of `/proc/stat`.
    pub boot_time: Option<i64>,
    /// Timeouts in seconds keyed by sysctl name without the `nf_conntrack_`
    /// prefix, e.g. `tcp_timeout_time_wait`, `udp_timeout_stream`.
    pub timeouts: BTreeMap<String, u32>,
}
