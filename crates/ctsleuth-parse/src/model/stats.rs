//! Counter captures: `conntrack -S`, `/proc/net/stat/nf_conntrack`,
//! `conntrack -C` and `nf_conntrack_count`.

use std::collections::BTreeMap;

/// Which command or file a counter capture came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsSource {
    /// `conntrack -S`: `cpu=N found=.. invalid=..` rows.
    ConntrackS,
    /// `/proc/net/stat/nf_conntrack`: a header and one hex row per CPU.
    ProcStat,
    /// `conntrack -C` or a `nf_conntrack_count` file: the entry count alone.
    Count,
}

/// One capture of the counters of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsCapture {
    pub source: StatsSource,
    /// Number of per-CPU rows read.
    pub cpus: u32,
    /// Entries in the table at capture time, when the capture says.
    pub entries: Option<u64>,
    /// Counters summed over CPUs, under `conntrack -S` names (`found`,
    /// `invalid`, `insert_failed`, `drop`, `early_drop`, `error`,
    /// `search_restart`, `clash_resolve`, `chaintoolong`, ...). The
    /// `/proc/net/stat` names that were renamed are mapped: `icmp_error` →
    /// `error`, `clashres` → `clash_resolve`, `chainlength` → `chaintoolong`.
    pub counters: BTreeMap<String, u64>,
}
