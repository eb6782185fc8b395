//! Limits and timeouts of a node: sysctl captures, bare `/proc/sys` values,
//! kube-proxy's and the kernel's own log lines about the table size.

use std::collections::BTreeMap;

/// Who stated a setting. The kinds rank how far the value is to be
/// believed as the one in force: what the kernel reported at capture time,
/// then what kube-proxy set, then the kernel's boot-time default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A `sysctl` capture, by key (`net.netfilter.nf_conntrack_max`).
    Sysctl(String),
    /// A bare `/proc/sys` value, by file name (`nf_conntrack_max`).
    File(String),
    /// kube-proxy's log, by message (`Setting nf_conntrack_max to 131072`).
    KubeProxy(String),
    /// The kernel's log when the module loaded (`nf_conntrack version`).
    Kernel(String),
}

impl Origin {
    /// 0 for what was in force at capture time, 1 for what kube-proxy set,
    /// 2 for the kernel's load-time default.
    pub fn rank(&self) -> u8 {
        match self {
            Origin::Sysctl(_) | Origin::File(_) => 0,
            Origin::KubeProxy(_) => 1,
            Origin::Kernel(_) => 2,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Sysctl(key) => write!(f, "sysctl {key}"),
            Origin::File(name) => write!(f, "file {name}"),
            Origin::KubeProxy(msg) => write!(f, "kube-proxy \"{msg}\""),
            Origin::Kernel(msg) => write!(f, "kernel \"{msg}\""),
        }
    }
}

/// Where a setting was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: u64,
    /// Who stated it; prints as `sysctl net.netfilter.nf_conntrack_max`,
    /// `kube-proxy "Setting nf_conntrack_max"`, `file nf_conntrack_max`.
    pub origin: Origin,
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
