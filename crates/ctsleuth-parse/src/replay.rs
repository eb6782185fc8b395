//! What each fuzz target feeds to the parsers, in one place: the targets in
//! `fuzz/fuzz_targets/` call these, and the corpus replay test runs every
//! file of `fuzz/corpus/<target>/` through the same function on the stable
//! toolchain, so a crash once found and fixed never returns.
//!
//! Each function takes arbitrary bytes and must return without panicking;
//! what it returns is thrown away.

use crate::parse;
use crate::sniff;

/// A fuzz target: its name (the folder of its corpus) and what it runs.
pub type Target = (&'static str, fn(&[u8]));

/// Runs every file of `<fuzz>/corpus/<target>/` and `<fuzz>/artifacts/<target>/`
/// (where libFuzzer writes crashes), in name order, through its target; how
/// many files each target replayed. Shared by the corpus tests of the
/// crates that have targets.
pub fn replay_corpora(
    fuzz: &std::path::Path,
    targets: &[Target],
) -> std::io::Result<Vec<(&'static str, usize)>> {
    let mut out = Vec::new();
    for &(name, run) in targets {
        let mut replayed = 0usize;
        for dir in ["corpus", "artifacts"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(name)) else {
                continue;
            };
            let mut files = entries
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<Vec<_>>>()?;
            files.sort();
            for f in files.iter().filter(|f| f.is_file()) {
                run(&std::fs::read(f)?);
                replayed += 1;
            }
        }
        out.push((name, replayed));
    }
    Ok(out)
}

/// Every target, by name.
pub const TARGETS: [Target; 11] = [
    ("listing", listing),
    ("events", events),
    ("conntrack_s", conntrack_s),
    ("proc_stat", proc_stat),
    ("sysctl", sysctl),
    ("log_framing", log_framing),
    ("log_message", log_message),
    ("kubectl_json", inventory),
    ("inventory_tables", inventory),
    ("sockets", inventory),
    ("sniff", sniff_target),
];

/// `conntrack -L` in every layout, `/proc/net/nf_conntrack`, `-o xml`.
///
/// Also differential: on every line the fast path reads, the grammar of
/// record must read the same entry (a disagreement panics, so the fuzzer
/// reports it as a crash and the corpus test fails on it).
pub fn listing(data: &[u8]) {
    let mut n = 0u64;
    let _ = parse::conntrack::parse_listing(data, 1, |e| n += u64::from(e.proto));
    for line in parse::text::lines(data, 1) {
        if let Some(fast) = parse::conntrack::fast::entry(line.text) {
            let mut unknown = std::collections::BTreeMap::new();
            let grammar = parse::conntrack::parse_entry(line.text, &mut unknown).ok();
            assert!(
                grammar.as_ref() == Some(&fast) && unknown.is_empty(),
                "line {}: the fast path read {fast:?}, the grammar {grammar:?}",
                line.number
            );
        }
    }
}

/// `conntrack -E` streams: the same grammar behind `[NEW]`/`[DESTROY]` tags,
/// with and without `-o timestamp`'s stamp.
pub fn events(data: &[u8]) {
    let _ = parse::conntrack::parse_listing(data, 1, |_| {});
}

pub fn conntrack_s(data: &[u8]) {
    let _ = parse::stats::parse_conntrack_s(data);
    let _ = parse::stats::parse_count(data);
}

pub fn proc_stat(data: &[u8]) {
    let _ = parse::stats::parse_proc_stat(data);
}

/// `sysctl -a`, single `/proc/sys` values, `/proc/stat`'s btime, `uptime`.
pub fn sysctl(data: &[u8]) {
    let _ = parse::settings::parse_sysctl(data);
    let _ = parse::settings::parse_bare_value(data, "nf_conntrack_max");
    let _ = parse::settings::parse_proc_stat_btime(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse::settings::parse_uptime(text);
    }
}

/// Every log framing (syslog, journal short/iso/precise/monotonic and
/// JSON, dmesg raw and `-T`, serial consoles, klog, cloud logging).
pub fn log_framing(data: &[u8]) {
    let _ = parse::log::scan_block(data, 1);
    if parse::log::is_json_array(data) {
        let _ = parse::log::scan_json_array(data);
    }
}

/// The message reader, on one message without its framing.
pub fn log_message(data: &[u8]) {
    let _ = parse::log::message::classify(data);
    let _ = parse::log::message::suppressed(data);
}

/// kubectl JSON and tables, crictl, netstat and ss.
pub fn inventory(data: &[u8]) {
    let _ = parse::inventory::parse_inventory(data);
}

/// Format recognition, with and without a name or a forced kind.
pub fn sniff_target(data: &[u8]) {
    let _ = sniff::sniff(data, "capture.txt", None);
    let _ = sniff::sniff(data, "conntrack-S-2024-11-26T09:00:00Z.txt", None);
    let _ = sniff::sniff(data, "x", Some(sniff::Kind::KernelLog));
    if let Ok(name) = std::str::from_utf8(data) {
        let _ = crate::hints::from_path(std::path::Path::new(name), None);
    }
}
