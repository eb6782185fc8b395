//! One connection-tracking entry as `conntrack -L` or `/proc/net/nf_conntrack`
//! prints it, and how to print it back (used by tests and the sample generator).

use std::fmt::{self, Write as _};
use std::net::IpAddr;

/// Layer-3 family of an entry, taken from its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
    /// Name and number as the l3 columns print them (`ipv4 2`, `ipv6 10`).
    pub fn l3(self) -> (&'static str, u8) {
        match self {
            Family::V4 => ("ipv4", 2),
            Family::V6 => ("ipv6", 10),
        }
    }
}

/// Layer-4 part of a tuple: what follows `src= dst=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum L4 {
    /// tcp, udp, udplite, sctp, dccp.
    Ports { sport: u16, dport: u16 },
    /// icmp and icmpv6 (`type= code= id=`).
    Icmp { kind: u8, code: u8, id: u16 },
    /// gre (`srckey=0x.. dstkey=0x..`).
    Gre { srckey: u32, dstkey: u32 },
    /// Generic protocols print no layer-4 fields.
    None,
}

impl L4 {
    pub fn dport(&self) -> Option<u16> {
        match self {
            L4::Ports { dport, .. } => Some(*dport),
            _ => None,
        }
    }
    pub fn sport(&self) -> Option<u16> {
        match self {
            L4::Ports { sport, .. } => Some(*sport),
            _ => None,
        }
    }
}

/// One direction of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tuple {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: L4,
    /// `zone-orig=` / `zone-reply=` (directional zones).
    pub zone: Option<u16>,
}

/// `packets= bytes=` of one direction (only with `nf_conntrack_acct=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

/// Status flags printed in brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    pub const UNREPLIED: Flags = Flags(1);
    pub const ASSURED: Flags = Flags(2);
    pub const OFFLOAD: Flags = Flags(4);
    pub const HW_OFFLOAD: Flags = Flags(8);

    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> Flags {
        Flags(bits & 0x0f)
    }
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }
    /// The flag named inside `[...]`, if it is one.
    pub fn from_name(name: &[u8]) -> Option<Flags> {
        Some(match name {
            b"UNREPLIED" => Flags::UNREPLIED,
            b"ASSURED" => Flags::ASSURED,
            b"OFFLOAD" => Flags::OFFLOAD,
            b"HW_OFFLOAD" => Flags::HW_OFFLOAD,
            _ => return None,
        })
    }
}

/// A protocol state as printed (TCP, SCTP and DCCP names share one table;
/// the protocol column tells them apart). Stored as a small code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct State(u8);

/// Every state name conntrack prints, in code order.
/// TCP names: kernel `tcp_conntrack_names`; SCTP: `sctp_conntrack_names`;
/// DCCP: `dccp_state_names` (the same as libnetfilter_conntrack prints).
const STATE_NAMES: [&str; 28] = [
    "NONE",
    "SYN_SENT",
    "SYN_RECV",
    "ESTABLISHED",
    "FIN_WAIT",
    "CLOSE_WAIT",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSE",
    "SYN_SENT2",
    "LISTEN",
    "MAX",
    "IGNORE",
    "CLOSED",
    "COOKIE_WAIT",
    "COOKIE_ECHOED",
    "SHUTDOWN_SENT",
    "SHUTDOWN_RECD",
    "SHUTDOWN_ACK_SENT",
    "HEARTBEAT_SENT",
    "HEARTBEAT_ACKED",
    "REQUEST",
    "RESPOND",
    "PARTOPEN",
    "OPEN",
    "CLOSEREQ",
    "CLOSING",
    "TIMEWAIT",
];

impl State {
    pub const SYN_SENT: State = State(1);
    pub const ESTABLISHED: State = State(3);
    pub const FIN_WAIT: State = State(4);
    pub const CLOSE_WAIT: State = State(5);
    pub const LAST_ACK: State = State(6);
    pub const TIME_WAIT: State = State(7);
    pub const CLOSE: State = State(8);

    /// Looks a printed state name up; `None` for anything else.
    #[inline]
    pub fn from_name(name: &[u8]) -> Option<State> {
        // The states that fill tables, matched first; then the table.
        match name {
            b"TIME_WAIT" => return Some(State::TIME_WAIT),
            b"ESTABLISHED" => return Some(State::ESTABLISHED),
            b"SYN_SENT" => return Some(State::SYN_SENT),
            _ => {}
        }
        // Every name starts with an upper-case letter; reject the rest cheaply.
        if !name.first().is_some_and(u8::is_ascii_uppercase) {
            return None;
        }
        STATE_NAMES
            .iter()
            .position(|n| n.as_bytes() == name)
            .and_then(|i| u8::try_from(i).ok())
            .map(State)
    }
    pub fn name(self) -> &'static str {
        STATE_NAMES.get(self.0 as usize).copied().unwrap_or("NONE")
    }
    pub fn code(self) -> u8 {
        self.0
    }
    pub fn from_code(code: u8) -> Option<State> {
        ((code as usize) < STATE_NAMES.len()).then_some(State(code))
    }
    /// Every state, for tests and generators.
    pub fn all() -> impl Iterator<Item = State> {
        (0..=u8::MAX).take(STATE_NAMES.len()).map(State)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Protocol name for a protocol number as conntrack prints it.
pub fn proto_name(num: u8) -> &'static str {
    match num {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        33 => "dccp",
        47 => "gre",
        58 => "icmpv6",
        132 => "sctp",
        136 => "udplite",
        _ => "unknown",
    }
}

/// One tracked connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// IP protocol number (6 tcp, 17 udp, ...).
    pub proto: u8,
    /// Seconds left before the entry expires; absent for offloaded flows.
    pub timeout: Option<u32>,
    pub state: Option<State>,
    /// GRE's `timeout=N, stream_timeout=M` (kernel /proc only).
    pub gre_timeouts: Option<(u32, u32)>,
    pub orig: Tuple,
    pub reply: Tuple,
    pub orig_counters: Option<Counters>,
    pub reply_counters: Option<Counters>,
    pub flags: Flags,
    pub mark: Option<u32>,
    pub secmark: Option<u32>,
    pub secctx: Option<&'a str>,
    pub zone: Option<u16>,
    pub delta_time: Option<u64>,
    /// `[start=...]` of `-o timestamp` (ctime text, local time of the node).
    pub start: Option<&'a str>,
    pub stop: Option<&'a str>,
    pub helper: Option<&'a str>,
    pub use_count: Option<u32>,
    /// Conntrack id (`-o id`), distinct from ICMP's `id=`.
    pub id: Option<u32>,
    pub labels: Option<&'a str>,
}

impl Entry<'_> {
    pub fn family(&self) -> Family {
        Family::of(&self.orig.src)
    }
    /// Destination NAT: the reply comes from someone other than the original
    /// destination (a ClusterIP rewritten to a pod), or source NAT: the reply
    /// goes to someone other than the original source.
    pub fn is_nat(&self) -> bool {
        self.reply.src != self.orig.dst || self.reply.dst != self.orig.src
    }
}

/// Which of conntrack's text layouts to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `conntrack -L`.
    Default,
    /// `conntrack -L -o extended` and `/proc/net/nf_conntrack`: l3 columns first.
    Extended,
}

fn write_tuple(out: &mut String, t: &Tuple, counters: Option<&Counters>, zone_tag: &str) {
    let _ = write!(out, "src={} dst={} ", t.src, t.dst);
    match t.l4 {
        L4::Ports { sport, dport } => {
            let _ = write!(out, "sport={sport} dport={dport} ");
        }
        L4::Icmp { kind, code, id } => {
            let _ = write!(out, "type={kind} code={code} id={id} ");
        }
        L4::Gre { srckey, dstkey } => {
            let _ = write!(out, "srckey={srckey:#x} dstkey={dstkey:#x} ");
        }
        L4::None => {}
    }
    if let Some(z) = t.zone {
        let _ = write!(out, "zone-{zone_tag}={z} ");
    }
    if let Some(c) = counters {
        let _ = write!(out, "packets={} bytes={} ", c.packets, c.bytes);
    }
}

/// Prints an entry in the field order libnetfilter_conntrack uses
/// (`__snprintf_conntrack_default`), with no trailing newline.
pub fn render(e: &Entry<'_>, layout: Layout) -> String {
    let mut out = String::with_capacity(200);
    if layout == Layout::Extended {
        let (name, num) = e.family().l3();
        let _ = write!(out, "{name:<8} {num} ");
    }
    let _ = write!(out, "{:<8} {} ", proto_name(e.proto), e.proto);
    if let Some(t) = e.timeout {
        let _ = write!(out, "{t} ");
    }
    if let Some(s) = e.state {
        let _ = write!(out, "{s} ");
    }
    if let Some((t, st)) = e.gre_timeouts {
        let _ = write!(out, "timeout={t}, stream_timeout={st} ");
    }
    write_tuple(&mut out, &e.orig, e.orig_counters.as_ref(), "orig");
    if e.flags.contains(Flags::UNREPLIED) {
        out.push_str("[UNREPLIED] ");
    }
    write_tuple(&mut out, &e.reply, e.reply_counters.as_ref(), "reply");
    if e.flags.contains(Flags::HW_OFFLOAD) {
        out.push_str("[HW_OFFLOAD] ");
    } else if e.flags.contains(Flags::OFFLOAD) {
        out.push_str("[OFFLOAD] ");
    } else if e.flags.contains(Flags::ASSURED) {
        out.push_str("[ASSURED] ");
    }
    let opt_u = |out: &mut String, key: &str, v: Option<u64>| {
        if let Some(v) = v {
            let _ = write!(out, "{key}={v} ");
        }
    };
    opt_u(&mut out, "mark", e.mark.map(u64::from));
    opt_u(&mut out, "secmark", e.secmark.map(u64::from));
    if let Some(s) = e.secctx {
        let _ = write!(out, "secctx={s} ");
    }
    opt_u(&mut out, "zone", e.zone.map(u64::from));
    opt_u(&mut out, "delta-time", e.delta_time);
    if let Some(s) = e.start {
        let _ = write!(out, "[start={s}] ");
    }
    if let Some(s) = e.stop {
        let _ = write!(out, "[stop={s}] ");
    }
    if let Some(h) = e.helper {
        let _ = write!(out, "helper={h} ");
    }
    opt_u(&mut out, "use", e.use_count.map(u64::from));
    opt_u(&mut out, "id", e.id.map(u64::from));
    if let Some(l) = e.labels {
        let _ = write!(out, "labels={l} ");
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for s in State::all() {
            assert_eq!(State::from_name(s.name().as_bytes()), Some(s));
        }
        assert_eq!(State::from_name(b"established"), None);
        assert_eq!(State::from_name(b"src=1"), None);
        assert_eq!(State::TIME_WAIT.name(), "TIME_WAIT");
        assert_eq!(State::ESTABLISHED.name(), "ESTABLISHED");
        assert_eq!(State::CLOSE.name(), "CLOSE");
        assert_eq!(State::SYN_SENT.name(), "SYN_SENT");
    }

    #[test]
    fn flags_by_name() {
        let mut f = Flags::default();
        f.insert(Flags::from_name(b"UNREPLIED").unwrap());
        assert!(f.contains(Flags::UNREPLIED));
        assert!(!f.contains(Flags::ASSURED));
        assert_eq!(Flags::from_name(b"SEEN_REPLY"), None);
    }
}
