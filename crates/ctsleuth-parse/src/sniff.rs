//! Tells what a file holds from its first lines (and, for bare numbers, its
//! name). `--kind` narrows the choice to one kind.

use std::collections::BTreeMap;

use crate::parse::conntrack::{grammar, parse_entry};
use crate::parse::text::{self, is_noise};

/// The kinds of input reported in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `conntrack -L` in any layout, `/proc/net/nf_conntrack`.
    ConntrackDump,
    /// `conntrack -E` event streams.
    ConntrackEvents,
    /// `conntrack -S`, `/proc/net/stat/nf_conntrack`, `conntrack -C`.
    ConntrackStats,
    /// `sysctl` output and single `/proc/sys` values.
    Sysctl,
    /// Kernel, serial and kube-proxy logs.
    KernelLog,
    /// Kubernetes inventories: kubectl, crictl, netstat/ss.
    Inventory,
    Unknown,
}

impl Kind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: [Kind; 7] = [
        Kind::ConntrackDump,
        Kind::ConntrackEvents,
        Kind::ConntrackStats,
        Kind::Sysctl,
        Kind::KernelLog,
        Kind::Inventory,
        Kind::Unknown,
    ];

    /// The kind named `name` (`conntrack_dump`, …; `-` may stand for `_`).
    pub fn from_name(name: &str) -> Option<Kind> {
        let name = name.trim().replace('-', "_");
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(&name))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ConntrackDump => "conntrack_dump",
            Kind::ConntrackEvents => "conntrack_events",
            Kind::ConntrackStats => "conntrack_stats",
            Kind::Sysctl => "sysctl",
            Kind::KernelLog => "kernel_log",
            Kind::Inventory => "inventory",
            Kind::Unknown => "unknown",
        }
    }
}

/// The precise format, which picks the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    ConntrackListing,
    ConntrackEvents,
    ConntrackXml,
    ConntrackS,
    ProcStat,
    Count,
    Sysctl,
    BareValue,
    /// `/proc/stat`, for its `btime` line.
    BootTime,
    Log,
    Inventory,
    /// `conntrackd -i`/`-e`/`-c`: the daemon's cache, not the kernel's table.
    ConntrackdCache,
    /// `conntrackd -s`: the daemon's statistics, not the kernel's counters.
    ConntrackdStats,
    /// Windows `netstat`: not a Linux node's capture.
    WindowsNetstat,
    Empty,
    Binary,
    Unknown,
}

impl Format {
    pub fn kind(self) -> Kind {
        match self {
            Format::ConntrackListing | Format::ConntrackXml => Kind::ConntrackDump,
            Format::ConntrackEvents => Kind::ConntrackEvents,
            Format::ConntrackS | Format::ProcStat | Format::Count => Kind::ConntrackStats,
            Format::Sysctl | Format::BareValue | Format::BootTime => Kind::Sysctl,
            Format::Log => Kind::KernelLog,
            Format::Inventory => Kind::Inventory,
            Format::ConntrackdCache
            | Format::ConntrackdStats
            | Format::WindowsNetstat
            | Format::Empty
            | Format::Binary
            | Format::Unknown => Kind::Unknown,
        }
    }

    /// Why a look-alike is not read, and what to capture instead.
    pub fn refusal(self) -> Option<&'static str> {
        Some(match self {
            Format::ConntrackdCache => {
                "a conntrackd cache dump (conntrackd -i/-e/-c): the daemon's copy of the table, not the kernel's; capture `conntrack -L` on the node"
            }
            Format::ConntrackdStats => {
                "conntrackd statistics (conntrackd -s): the daemon's cache and sync counters, not the kernel's; capture `conntrack -S`"
            }
            Format::WindowsNetstat => {
                "Windows netstat: not a capture of a Linux node (ctsleuth reads `netstat -tan` or `ss -tan` from Linux)"
            }
            _ => return None,
        })
    }
}

/// How many lines of the head are looked at.
const SNIFF_LINES: usize = 200;

fn looks_binary(head: &[u8]) -> bool {
    let sample = head.get(..8192).unwrap_or(head);
    if sample.contains(&0) {
        return true;
    }
    let odd = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x1b | 0x0c))
        .count();
    odd * 20 > sample.len()
}

fn is_sysctl_line(t: &[u8]) -> bool {
    let Some(eq) = memchr::memchr(b'=', t) else {
        return false;
    };
    let key = text::trim(t.get(..eq).unwrap_or_default());
    !key.is_empty()
        && (key.contains(&b'.') || key.contains(&b'/'))
        && key
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._/-".contains(c))
        && key.first().is_some_and(u8::is_ascii_lowercase)
}

fn is_number_line(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(u8::is_ascii_digit)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn is_log_line(t: &[u8]) -> bool {
    contains(t, b"kernel:")
        || contains(t, b"nf_conntrack")
        || contains(t, b"callbacks suppressed")
        || contains(t, b"kube-proxy")
        || contains(t, b"conntrack.go:")
        || contains(t, b"\"__REALTIME_TIMESTAMP\"")
        || contains(t, b"\"textPayload\"")
        // klog: I1126 09:00:01.123456
        || (t.len() > 6
            && matches!(t.first(), Some(b'I' | b'W' | b'E' | b'F'))
            && t.get(1..5).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && t.get(5) == Some(&b' '))
        // dmesg: [   12.345678] message
        || (t.first() == Some(&b'[') && t.iter().take(20).any(|&c| c == b'.') && contains(t.get(..20).unwrap_or(t), b"] "))
}

fn is_inventory_line(t: &[u8]) -> bool {
    let starts = |p: &[u8]| t.starts_with(p);
    contains(t, b"\"apiVersion\"")
        || (contains(t, b"\"kind\"") && (contains(t, b"\"metadata\"") || contains(t, b"\"items\"")))
        || contains(t, b"\"kind\": \"Pod\"")
        || contains(t, b"\"kind\": \"List\"")
        || (starts(b"NAME ")
            && (contains(t, b" READY") || contains(t, b" STATUS") || contains(t, b" CLUSTER-IP")))
        || (starts(b"NAMESPACE ") && contains(t, b" NAME"))
        || starts(b"CONTAINER ")
        || starts(b"POD ID ")
        || starts(b"Proto Recv-Q")
        || starts(b"Active Internet connections")
        || starts(b"Netid ")
        || (starts(b"State ") && contains(t, b"Recv-Q"))
        || crate::parse::inventory::sockets::is_headerless_row(t)
}

/// Decides the format of a file from its first bytes and its name.
/// `forced` restricts the answer to one kind (`--kind`).
pub fn sniff(head: &[u8], file_name: &str, forced: Option<Kind>) -> Format {
    if looks_binary(head) {
        return Format::Binary;
    }
    // A Cloud Logging export: one JSON array of log entries.
    if crate::parse::log::is_json_array(head)
        && contains(head, b"\"timestamp\"")
        && (contains(head, b"Payload\"") || contains(head, b"\"logName\""))
        && forced.is_none_or(|k| k == Kind::KernelLog)
    {
        return Format::Log;
    }
    let mut votes: BTreeMap<Format, usize> = BTreeMap::new();
    let mut data_lines = 0usize;
    let mut first_data: Option<&[u8]> = None;
    let mut unknown = BTreeMap::new();
    for line in text::lines(head, 1).take(SNIFF_LINES * 4) {
        let t = text::unquote(line.text);
        if is_noise(t) {
            continue;
        }
        data_lines += 1;
        if data_lines > SNIFF_LINES {
            break;
        }
        first_data.get_or_insert(t);
        let vote = if contains(t, b"[active since ") {
            Some(Format::ConntrackdCache)
        } else if t.starts_with(b"cache internal:")
            || t.starts_with(b"cache external:")
            || t.starts_with(b"current active connections:")
            || t.starts_with(b"traffic processed:")
        {
            Some(Format::ConntrackdStats)
        } else if t == b"Active Connections"
            || ((t.starts_with(b"TCP ") || t.starts_with(b"UDP "))
                && (contains(t, b"LISTENING")
                    || contains(t, b"ESTABLISHED")
                    || contains(t, b"*:*")))
        {
            Some(Format::WindowsNetstat)
        } else if t.starts_with(b"<?xml") || t.starts_with(b"<conntrack") || t.starts_with(b"<flow")
        {
            Some(Format::ConntrackXml)
        } else if grammar::event_tag(t).is_ok() {
            Some(Format::ConntrackEvents)
        } else if t.starts_with(b"conntrack v") {
            None
        } else if parse_entry(t, &mut unknown).is_ok() {
            Some(Format::ConntrackListing)
        } else if crate::parse::stats::wc_count(t).is_some() {
            Some(Format::Count)
        } else if t.starts_with(b"cpu=") {
            Some(Format::ConntrackS)
        } else if t.starts_with(b"entries") && contains(t, b"insert_failed") {
            Some(Format::ProcStat)
        } else if t.starts_with(b"btime ") {
            // `/proc/stat`: its other lines (`cpu ...`, `intr ...`) say nothing.
            Some(Format::BootTime)
        } else if is_sysctl_line(t) {
            Some(Format::Sysctl)
        } else if is_inventory_line(t) {
            Some(Format::Inventory)
        } else if is_log_line(t)
            || crate::parse::log::framing::frame_line(t).framing != crate::parse::log::Framing::Bare
        {
            Some(Format::Log)
        } else {
            None
        };
        if let Some(v) = vote {
            *votes.entry(v).or_default() += 1;
        }
    }
    if data_lines == 0 {
        return Format::Empty;
    }
    // The old `conntrack -S` printed `entries <n>`, `searched <n>`, ... lines.
    if first_data.is_some_and(|t| t.starts_with(b"entries") && !contains(t, b"insert_failed"))
        && contains(head, b"insert_failed")
    {
        *votes.entry(Format::ConntrackS).or_default() += data_lines;
    }
    if votes.contains_key(&Format::BootTime) && forced.is_none_or(|k| k == Kind::Sysctl) {
        return Format::BootTime;
    }
    // A table header names the whole table: its rows (pod names such as
    // `kube-proxy-...`) must not outvote it.
    let conntrack = [
        Format::ConntrackListing,
        Format::ConntrackEvents,
        Format::ConntrackS,
        Format::ProcStat,
    ];
    if votes.contains_key(&Format::Inventory)
        && !conntrack.iter().any(|f| votes.contains_key(f))
        && forced.is_none_or(|k| k == Kind::Inventory)
    {
        return Format::Inventory;
    }
    if data_lines <= 2 && first_data.is_some_and(is_number_line) {
        let name = file_name.to_ascii_lowercase();
        let count =
            name.contains("count") || name.contains("conntrack-c") || name.contains("conntrack_c");
        let f = if count {
            Format::Count
        } else {
            Format::BareValue
        };
        return match forced {
            Some(Kind::ConntrackStats) => Format::Count,
            Some(Kind::Sysctl) => Format::BareValue,
            Some(k) if k != f.kind() => Format::Unknown,
            _ => f,
        };
    }
    let best = votes
        .iter()
        .filter(|(f, _)| forced.is_none_or(|k| f.kind() == k))
        .max_by_key(|(f, n)| (**n, std::cmp::Reverse(**f)))
        .map(|(f, _)| *f);
    match (best, forced) {
        (Some(f), _) => f,
        // Forced to a kind with no evidence: trust the user where one parser
        // serves the kind.
        (None, Some(Kind::ConntrackDump)) => Format::ConntrackListing,
        (None, Some(Kind::ConntrackEvents)) => Format::ConntrackEvents,
        (None, Some(Kind::Sysctl)) => Format::Sysctl,
        (None, Some(Kind::KernelLog)) => Format::Log,
        (None, Some(Kind::Inventory)) => Format::Inventory,
        _ => Format::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n";

    #[test]
    fn look_alikes_are_named_not_half_read() {
        let cache = "tcp      6 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 [active since 5s]\n";
        assert_eq!(sniff(cache.as_bytes(), "x", None), Format::ConntrackdCache);
        let stats = "cache internal:\ncurrent active connections:\t    4\n";
        assert_eq!(sniff(stats.as_bytes(), "x", None), Format::ConntrackdStats);
        let win = "Active Connections\n\n  Proto  Local Address  Foreign Address  State\n  TCP    0.0.0.0:135  0.0.0.0:0  LISTENING\n";
        assert_eq!(sniff(win.as_bytes(), "x", None), Format::WindowsNetstat);
        assert!(Format::WindowsNetstat.refusal().is_some());
        assert!(Format::ConntrackListing.refusal().is_none());
    }

    #[test]
    fn listings_and_events() {
        assert_eq!(sniff(ENTRY.as_bytes(), "x", None), Format::ConntrackListing);
        let proc = format!("ipv4     2 {ENTRY}");
        assert_eq!(sniff(proc.as_bytes(), "x", None), Format::ConntrackListing);
        let ev = format!("    [NEW] {ENTRY}[DESTROY] {ENTRY}");
        assert_eq!(sniff(ev.as_bytes(), "x", None), Format::ConntrackEvents);
        let pasted = format!(
            "$ conntrack -L\n{ENTRY}conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n"
        );
        assert_eq!(
            sniff(pasted.as_bytes(), "x", None),
            Format::ConntrackListing
        );
        assert_eq!(
            sniff(
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><conntrack><flow>",
                "x",
                None
            ),
            Format::ConntrackXml
        );
    }

    #[test]
    fn stats_sysctl_and_bare_numbers() {
        assert_eq!(
            sniff(
                b"cpu=0   \tfound=1 invalid=2 insert=0 insert_failed=0 drop=0\n",
                "s",
                None
            ),
            Format::ConntrackS
        );
        assert_eq!(
            sniff(b"entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n0001fc3a 00000000 0000001a\n", "s", None),
            Format::ProcStat
        );
        assert_eq!(
            sniff(
                b"entries                 \t47\nsearched  \t1061\ninsert_failed\t0\n",
                "s",
                None
            ),
            Format::ConntrackS
        );
        assert_eq!(
            sniff(b"net.netfilter.nf_conntrack_max = 131072\n", "s", None),
            Format::Sysctl
        );
        assert_eq!(
            sniff(b"262144\n", "nf_conntrack_max", None),
            Format::BareValue
        );
        assert_eq!(
            sniff(b"130211\n", "nf_conntrack_count", None),
            Format::Count
        );
        assert_eq!(sniff(b"130211\n", "conntrack-C.txt", None), Format::Count);
        assert_eq!(
            sniff(b"130211\n", "whatever", Some(Kind::ConntrackStats)),
            Format::Count
        );
    }

    #[test]
    fn logs_inventories_binary_and_empty() {
        assert_eq!(
            sniff(b"Nov 26 09:00:01 gke-node kernel: nf_conntrack: nf_conntrack: table full, dropping packet\n", "k", None),
            Format::Log
        );
        assert_eq!(
            sniff(
                b"[  812.123456] nf_conntrack: table full, dropping packet\n",
                "k",
                None
            ),
            Format::Log
        );
        assert_eq!(
            sniff(b"I0315 08:12:44.220913       1 conntrack.go:52] Setting nf_conntrack_max to 131072\n", "k", None),
            Format::Log
        );
        assert_eq!(
            sniff(
                b"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n",
                "pods.json",
                None
            ),
            Format::Inventory
        );
        assert_eq!(
            sniff(
                b"NAMESPACE   NAME                        READY   STATUS    RESTARTS   AGE\n",
                "pods.txt",
                None
            ),
            Format::Inventory
        );
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\0\0\0", "a.out", None),
            Format::Binary
        );
        assert_eq!(sniff(b"", "empty", None), Format::Empty);
        assert_eq!(sniff(b"\n$ conntrack -L\n\n", "empty", None), Format::Empty);
        assert_eq!(
            sniff(b"hello world\nthis is prose\n", "notes.txt", None),
            Format::Unknown
        );
    }

    #[test]
    fn forced_kind_narrows_the_choice() {
        assert_eq!(
            sniff(b"hello\n", "x", Some(Kind::ConntrackDump)),
            Format::ConntrackListing
        );
        assert_eq!(
            sniff(ENTRY.as_bytes(), "x", Some(Kind::Sysctl)),
            Format::Sysctl
        );
    }
}
