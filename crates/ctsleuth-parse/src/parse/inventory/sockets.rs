//! In-pod socket tables: `netstat -tan[p]` (net-tools and busybox) and
//! `ss -tan[p]`, `ss -tun` (with a `Netid` column).
//!
//! Rows are split at blanks (no cell but the last holds one; headers do, so
//! they are recognised by their words). States are normalised to netstat's
//! names, which conntrack's TCP states share (`ESTAB` → `ESTABLISHED`,
//! `TIME-WAIT` → `TIME_WAIT`, `FIN-WAIT-1` → `FIN_WAIT1`); IPv4-mapped IPv6
//! addresses become IPv4; wildcard peers (`*:*`, `0.0.0.0:*`, `[::]:*`) are
//! no peer.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use memchr::memmem;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};
use nom::character::complete::{char, digit1, u16 as port_number};
use nom::combinator::{eof, value};
use nom::sequence::{delimited, terminated};
use nom::{IResult, Parser};

use super::{canonical, ip_addr, plural};
use crate::model::inventory::{Inventory, Socket};
use crate::parse::Outcome;
use crate::parse::text::Line;

type Res<'a, T> = IResult<&'a str, T>;

/// Which tool printed the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Netstat,
    /// `netid`: the table has a leading Netid column.
    Ss {
        netid: bool,
    },
}

/// A socket table being read.
#[derive(Debug)]
pub(super) struct SocketTable {
    tool: Tool,
    line: u64,
    /// Rows of sockets that are not TCP, UDP or SCTP over IP (unix, raw, ...).
    other: u64,
}

/// The header of a socket table:
/// `Proto Recv-Q Send-Q Local Address           Foreign Address         State`,
/// `State  Recv-Q  Send-Q  Local Address:Port  Peer Address:Port  Process`,
/// `Netid State ...`.
pub(super) fn header(line: Line<'_>) -> Option<SocketTable> {
    let text = line.text;
    let has = |word: &[u8]| memmem::find(text, word).is_some();
    let tool = if text.starts_with(b"Proto ") && has(b"Foreign Address") {
        Tool::Netstat
    } else if (text.starts_with(b"State ") || text.starts_with(b"Netid ")) && has(b"Local Address")
    {
        Tool::Ss {
            netid: text.starts_with(b"Netid "),
        }
    } else {
        return None;
    };
    Some(SocketTable {
        tool,
        line: line.number,
        other: 0,
    })
}

/// The tool that printed a socket row pasted without its header
/// (`ss -tan | grep TIME-WAIT`, `netstat -tan | grep 8080`), when the row
/// is one: protocol or state, two queue sizes, two `address:port` words.
fn headerless_tool(text: &str) -> Option<Tool> {
    let mut w = text.split_ascii_whitespace();
    let (a, b, c, d, e) = (w.next()?, w.next()?, w.next()?, w.next()?, w.next()?);
    let num = |s: &str| !s.is_empty() && s.bytes().all(|x| x.is_ascii_digit());
    let addr = |s: &str| {
        s.rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && (p == "*" || num(p)))
    };
    let ip_family = |s: &str| family(s).is_some_and(|f| f != Family::Other);
    if ip_family(a) && num(b) && num(c) && addr(d) && addr(e) {
        return Some(Tool::Netstat);
    }
    if state(a, false).is_some() && num(b) && num(c) && addr(d) && addr(e) {
        return Some(Tool::Ss { netid: false });
    }
    let f = w.next()?;
    (ip_family(a) && state(b, true).is_some() && num(c) && num(d) && addr(e) && addr(f))
        .then_some(Tool::Ss { netid: true })
}

/// Whether a line is a socket row without its header.
pub(crate) fn is_headerless_row(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok_and(|t| headerless_tool(t).is_some())
}

/// A socket table for rows pasted without their header.
pub(super) fn headerless(line: Line<'_>) -> Option<SocketTable> {
    let tool = headerless_tool(std::str::from_utf8(line.text).ok()?)?;
    Some(SocketTable {
        tool,
        line: line.number,
        other: 0,
    })
}

/// Blank-separated words, with what is left after each.
struct Words<'a> {
    rest: &'a str,
}

impl<'a> Words<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start();
        let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
        let (word, rest) = s.split_at(end);
        self.rest = rest;
        (!word.is_empty()).then_some(word)
    }

    /// The rest of the line, trimmed.
    fn rest(&self) -> &'a str {
        self.rest.trim()
    }
}

/// A state as netstat and ss print it, in netstat's spelling; `UNCONN` is
/// kept for UDP and is TCP's `CLOSE`.
fn state(word: &str, udp: bool) -> Option<&'static str> {
    Some(match word {
        "ESTAB" | "ESTABLISHED" => "ESTABLISHED",
        "SYN-SENT" | "SYN_SENT" => "SYN_SENT",
        "SYN-RECV" | "SYN_RECV" | "NEW-SYN-RECV" => "SYN_RECV",
        "FIN-WAIT-1" | "FIN_WAIT1" => "FIN_WAIT1",
        "FIN-WAIT-2" | "FIN_WAIT2" => "FIN_WAIT2",
        "TIME-WAIT" | "TIME_WAIT" => "TIME_WAIT",
        "CLOSE-WAIT" | "CLOSE_WAIT" => "CLOSE_WAIT",
        "LAST-ACK" | "LAST_ACK" => "LAST_ACK",
        "LISTEN" => "LISTEN",
        "CLOSING" => "CLOSING",
        "CLOSE" | "CLOSED" => "CLOSE",
        "UNCONN" if udp => "UNCONN",
        "UNCONN" => "CLOSE",
        "UNKNOWN" => "UNKNOWN",
        _ => return None,
    })
}

/// What kind of socket a protocol name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Tcp,
    Udp,
    /// Raw, unix, netlink, packet...: no ports to read.
    Other,
}

fn family(proto: &str) -> Option<Family> {
    let base = proto.trim_end_matches('6');
    Some(match base {
        "tcp" | "sctp" | "mptcp" => Family::Tcp,
        "udp" | "udpl" => Family::Udp,
        "raw" | "u_str" | "u_dgr" | "u_seq" | "nl" | "p_raw" | "p_dgr" | "v_str" | "v_dgr"
        | "unix" | "icmp" => Family::Other,
        _ => return None,
    })
}

/// `*` or a port number; `None` for `*`.
fn port(i: &str) -> Res<'_, Option<u16>> {
    alt((value(None, char('*')), port_number.map(Some))).parse(i)
}

/// `[::ffff:10.4.1.23]`: a bracketed IPv6 host, scope and all.
fn bracketed(i: &str) -> Res<'_, &str> {
    delimited(char('['), take_till1(|c| c == ']'), char(']')).parse(i)
}

/// A host: `*` (any, `None`) or an address, with its `%iface` scope dropped.
fn host(text: &str) -> Option<Option<IpAddr>> {
    if text == "*" {
        return Some(None);
    }
    let address = text.split_once('%').map_or(text, |(a, _)| a);
    ip_addr(address).map(Some)
}

/// `10.4.1.23:41822`, `[::ffff:10.4.1.23]:8080`, `*:8080`, `:::8080`,
/// `::ffff:10.4.1.23:8080`, `0.0.0.0:*`, `127.0.0.53%lo:53`: the host
/// (`None` for `*`) and port (`None` for `*`).
pub(super) fn host_port(text: &str) -> Option<(Option<IpAddr>, Option<u16>)> {
    if text.starts_with('[') {
        let (_, (h, _, p)) = terminated((bracketed, char(':'), port), eof)
            .parse(text)
            .ok()?;
        return Some((host(h)?, p));
    }
    let (h, p) = text.rsplit_once(':')?;
    let (_, p) = terminated(port, eof).parse(p).ok()?;
    Some((host(h)?, p))
}

/// The local address: a wildcard host is `::` (the dual-stack socket netstat
/// prints as `:::8080`), a wildcard port 0.
fn local_address(text: &str) -> Option<SocketAddr> {
    let (ip, port) = host_port(text)?;
    let ip = ip.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    Some(SocketAddr::new(canonical(ip), port.unwrap_or(0)))
}

/// The peer address, `None` for a wildcard (`*:*`, `0.0.0.0:*`, `:::*`).
fn peer_address(text: &str) -> Option<Option<SocketAddr>> {
    let (ip, port) = host_port(text)?;
    Some(match (ip, port) {
        (Some(ip), Some(port)) if !ip.is_unspecified() && port != 0 => {
            Some(SocketAddr::new(canonical(ip), port))
        }
        _ => None,
    })
}

/// A queue size: a decimal number.
fn queue(word: &str) -> bool {
    terminated(digit1::<_, nom::error::Error<&str>>, eof)
        .parse(word)
        .is_ok()
}

/// `users:(("linkerd2-proxy",pid=1,fd=23),...)` → `linkerd2-proxy`.
fn ss_process(i: &str) -> Res<'_, &str> {
    delimited(tag("users:((\""), take_till1(|c| c == '"'), char('"')).parse(i)
}

/// The process of an ss row, from its `users:` field anywhere after the
/// peer (`-e` and `-o` add other fields).
fn ss_users(rest: &str) -> Option<String> {
    let at = rest.find("users:((")?;
    let (_, name) = ss_process(rest.get(at..)?).ok()?;
    Some(name.to_owned())
}

/// `1234/envoy` → `envoy`; `-` is none.
fn netstat_process(rest: &str) -> Option<String> {
    let (pid, name) = rest.split_once('/')?;
    let name = name.trim();
    (queue(pid) && !name.is_empty()).then(|| name.to_owned())
}

/// What a row gave: a socket, or a socket of another family.
enum Row {
    Socket(Socket),
    Other,
}

/// `tcp 0 0 10.4.1.23:41822 10.8.0.10:53 TIME_WAIT [1234/envoy]`; UDP rows
/// may have no state.
fn netstat_row(text: &str) -> Result<Row, &'static str> {
    let mut words = Words { rest: text };
    let proto = words.next().ok_or("a protocol")?;
    let fam = family(proto).ok_or("a protocol like tcp, tcp6, udp")?;
    if fam == Family::Other {
        return Ok(Row::Other);
    }
    let (local, peer) = queues_and_addresses(&mut words, "a foreign address like 10.8.0.10:53")?;
    let after = words.rest();
    let mut more = Words { rest: after };
    let word = more.next().unwrap_or_default();
    let udp = fam == Family::Udp;
    let (state, process) = match state(word, udp) {
        Some(s) => (s, netstat_process(more.rest())),
        None if udp => ("UNCONN", netstat_process(after)),
        None => return Err("a TCP state like ESTABLISHED or TIME_WAIT"),
    };
    Ok(Row::Socket(Socket {
        proto: proto.to_owned(),
        state: state.to_owned(),
        local,
        peer,
        process,
    }))
}

/// `Recv-Q Send-Q local peer`, the middle both tools share.
fn queues_and_addresses(
    words: &mut Words<'_>,
    peer_expected: &'static str,
) -> Result<(SocketAddr, Option<SocketAddr>), &'static str> {
    let (recv, send) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    if !queue(recv) || !queue(send) {
        return Err("Recv-Q and Send-Q numbers");
    }
    let local = words
        .next()
        .and_then(local_address)
        .ok_or("a local address like 10.4.1.23:8080")?;
    let peer = words.next().and_then(peer_address).ok_or(peer_expected)?;
    Ok((local, peer))
}

/// `[tcp] ESTAB 0 0 10.4.1.23:41822 10.8.0.10:53 users:((...))`. Without a
/// Netid column the table is TCP, but an `UNCONN` row is UDP (`ss -uan`).
fn ss_row(text: &str, netid: bool) -> Result<Row, &'static str> {
    let mut words = Words { rest: text };
    let proto = if netid {
        let proto = words.next().ok_or("a Netid like tcp or udp")?;
        match family(proto) {
            None => return Err("a Netid like tcp or udp"),
            Some(Family::Other) => return Ok(Row::Other),
            Some(_) => Some(proto),
        }
    } else {
        None
    };
    let word = words.next().ok_or("a state like ESTAB")?;
    let proto = proto.unwrap_or(if word == "UNCONN" { "udp" } else { "tcp" });
    let udp = family(proto) == Some(Family::Udp);
    let state = state(word, udp).ok_or("a state like ESTAB, TIME-WAIT or LISTEN")?;
    let (local, peer) = queues_and_addresses(&mut words, "a peer address like 10.8.0.10:53")?;
    Ok(Row::Socket(Socket {
        proto: proto.to_owned(),
        state: state.to_owned(),
        local,
        peer,
        process: ss_users(words.rest()),
    }))
}

impl SocketTable {
    /// Reads one row into `out`, or records why it cannot be read.
    pub(super) fn tool_name(&self) -> &'static str {
        match self.tool {
            Tool::Netstat => "netstat",
            Tool::Ss { .. } => "ss",
        }
    }

    pub(super) fn row(&mut self, line: Line<'_>, out: &mut Outcome<Inventory>) {
        let Ok(text) = std::str::from_utf8(line.text) else {
            out.issues
                .skip(line.number, "a socket row in UTF-8", line.text);
            return;
        };
        let row = match self.tool {
            Tool::Netstat => netstat_row(text),
            Tool::Ss { netid } => ss_row(text, netid),
        };
        match row {
            Ok(Row::Socket(s)) => {
                out.value.sockets.push(s);
                out.records += 1;
            }
            Ok(Row::Other) => self.other += 1,
            Err(expected) => out.issues.skip(line.number, expected, line.text),
        }
    }

    /// Says how many rows were not IP sockets.
    pub(super) fn finish(self, out: &mut Outcome<Inventory>) {
        if self.other > 0 {
            out.warnings.push(format!(
                "line {}: {} of sockets other than TCP and UDP ignored",
                self.line,
                plural(self.other, "row")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::inventory::parse_inventory;

    #[test]
    fn rows_pasted_without_their_header_are_read() {
        let ss = b"TIME-WAIT 0      0      10.4.5.23:41822     10.8.3.114:8080\nESTAB     0      0      10.4.5.23:41830     10.8.3.114:8080\n";
        let out = parse_inventory(ss);
        assert_eq!(out.value.sockets.len(), 2);
        assert_eq!(out.value.sockets[0].state, "TIME_WAIT");
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("without their header"))
        );
        let netstat =
            b"tcp        0      0 10.4.5.23:52114         10.8.3.114:8080         ESTABLISHED\n";
        assert_eq!(parse_inventory(netstat).value.sockets.len(), 1);
        let netid = "tcp   ESTAB 0 0 10.4.5.23:52114 10.8.3.114:8080";
        assert_eq!(headerless_tool(netid), Some(Tool::Ss { netid: true }));
        // Not rows: a conntrack entry, a log line, prose.
        assert!(!is_headerless_row(
            b"tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080"
        ));
        assert!(!is_headerless_row(
            b"Nov 26 09:04:01 n1 kernel: TIME-WAIT 0 0"
        ));
        assert!(!is_headerless_row(b"the TIME-WAIT sockets were 0 0 many"));
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn v4(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    const NETSTAT: &str = "\
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 0.0.0.0:8080            0.0.0.0:*               LISTEN
tcp        0      0 10.4.1.23:41822         10.8.0.10:53            TIME_WAIT
tcp        0      0 10.4.1.23:8080          10.4.2.7:51234          ESTABLISHED
tcp        0      1 10.4.1.23:44120         10.8.3.17:5432          SYN_SENT
tcp        0      0 10.4.1.23:8080          10.4.0.12:40112         SYN_RECV
tcp        0      0 10.4.1.23:45002         10.8.0.1:443            FIN_WAIT1
tcp        0      0 10.4.1.23:45004         10.8.0.1:443            FIN_WAIT2
tcp        1      0 10.4.1.23:45006         10.4.1.40:5432          CLOSE_WAIT
tcp        1      0 10.4.1.23:45008         10.4.1.40:5432          LAST_ACK
tcp        0      0 10.4.1.23:45010         10.4.1.40:5432          CLOSING
tcp        0      0 10.4.1.23:45012         10.4.1.40:5432          CLOSE
tcp6       0      0 :::8080                 :::*                    LISTEN
tcp6       0      0 ::ffff:10.4.1.23:8080   ::ffff:10.4.2.7:51240   ESTABLISHED
udp        0      0 0.0.0.0:68              0.0.0.0:*
udp        0      0 10.4.1.23:53422         10.8.0.10:53            ESTABLISHED
Active UNIX domain sockets (servers and established)
Proto RefCnt Flags       Type       State         I-Node   Path
unix  2      [ ACC ]     STREAM     LISTENING     40812    /var/run/linkerd.sock
";

    const NETSTAT_P: &str = "\
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:4191            0.0.0.0:*               LISTEN      1/linkerd2-proxy
tcp        0      0 10.4.1.23:41822         10.8.0.10:53            TIME_WAIT   -
udp        0      0 0.0.0.0:68              0.0.0.0:*                           312/dhclient
";

    const SS: &str = "\
State      Recv-Q Send-Q Local Address:Port      Peer Address:Port Process
LISTEN     0      4096   *:8080                  *:*               users:((\"envoy\",pid=1,fd=12))
ESTAB      0      0      10.4.1.23:41822         10.8.0.10:53      users:((\"linkerd2-proxy\",pid=1,fd=23))
TIME-WAIT  0      0      10.4.1.23:41824         10.8.0.10:53
SYN-SENT   0      1      10.4.1.23:44120         10.8.3.17:5432    users:((\"app\",pid=7,fd=9),(\"app\",pid=8,fd=9))
SYN-RECV   0      0      10.4.1.23:8080          10.4.0.12:40112
FIN-WAIT-1 0      1      10.4.1.23:45002         10.8.0.1:443
FIN-WAIT-2 0      0      10.4.1.23:45004         10.8.0.1:443
CLOSE-WAIT 1      0      10.4.1.23:45006         10.4.1.40:5432
LAST-ACK   1      1      10.4.1.23:45008         10.4.1.40:5432
CLOSING    0      1      10.4.1.23:45010         10.4.1.40:5432
LISTEN     0      128    [::]:4143               [::]:*
ESTAB      0      0      [::ffff:10.4.1.23]:8080 [::ffff:10.4.2.7]:51240 timer:(keepalive,9min,0) users:((\"envoy\",pid=1,fd=40))
LISTEN     0      128    0.0.0.0:4191            0.0.0.0:*
ESTAB      0      0      127.0.0.1%lo:4140       127.0.0.1:52110
";

    const SS_TUN: &str = "\
Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
udp   ESTAB  0      0      10.4.1.23:53422     10.8.0.10:53
tcp   ESTAB  0      0      10.4.1.23:41822     10.8.0.10:53
udp   UNCONN 0      0      0.0.0.0:68          0.0.0.0:*
u_str ESTAB  0      0      * 40812             * 40813
";

    #[test]
    fn states_take_netstat_spelling() {
        let pairs = [
            ("ESTAB", "ESTABLISHED"),
            ("TIME-WAIT", "TIME_WAIT"),
            ("SYN-SENT", "SYN_SENT"),
            ("SYN-RECV", "SYN_RECV"),
            ("FIN-WAIT-1", "FIN_WAIT1"),
            ("FIN-WAIT-2", "FIN_WAIT2"),
            ("CLOSE-WAIT", "CLOSE_WAIT"),
            ("LAST-ACK", "LAST_ACK"),
            ("LISTEN", "LISTEN"),
            ("CLOSING", "CLOSING"),
            ("FIN_WAIT1", "FIN_WAIT1"),
            ("TIME_WAIT", "TIME_WAIT"),
            ("UNCONN", "CLOSE"),
        ];
        for (word, want) in pairs {
            assert_eq!(state(word, false), Some(want), "{word}");
        }
        assert_eq!(state("UNCONN", true), Some("UNCONN"));
        assert_eq!(state("estab", false), None);
        assert_eq!(state("", false), None);
    }

    #[test]
    fn host_port_forms() {
        assert_eq!(
            host_port("10.4.1.23:41822"),
            Some((v4("10.4.1.23"), Some(41822)))
        );
        assert_eq!(
            host_port("[::ffff:10.4.1.23]:8080"),
            Some((v4("10.4.1.23"), Some(8080)))
        );
        assert_eq!(
            host_port("::ffff:10.4.1.23:8080"),
            Some((v4("10.4.1.23"), Some(8080)))
        );
        assert_eq!(host_port("*:8080"), Some((None, Some(8080))));
        assert_eq!(host_port("[::]:4143"), Some((v4("::"), Some(4143))));
        assert_eq!(host_port(":::8080"), Some((v4("::"), Some(8080))));
        assert_eq!(host_port("0.0.0.0:*"), Some((v4("0.0.0.0"), None)));
        assert_eq!(host_port("*:*"), Some((None, None)));
        assert_eq!(
            host_port("127.0.0.53%lo:53"),
            Some((v4("127.0.0.53"), Some(53)))
        );
        assert_eq!(
            host_port("[fe80::1%eth0]:546"),
            Some((v4("fe80::1"), Some(546)))
        );
        for bad in [
            "",
            "10.4.1.23",
            "10.4.1.23:",
            "10.4.1.23:70000",
            "[::1:80",
            "host:80",
            "[::1]80",
        ] {
            assert_eq!(host_port(bad), None, "{bad}");
        }
    }

    #[test]
    fn wildcard_peers_are_no_peer() {
        for wild in ["*:*", "0.0.0.0:*", ":::*", "[::]:*", "0.0.0.0:0"] {
            assert_eq!(peer_address(wild), Some(None), "{wild}");
        }
        assert_eq!(
            peer_address("10.8.0.10:53"),
            Some(Some(addr("10.8.0.10:53")))
        );
        assert_eq!(local_address("*:8080"), Some(addr("[::]:8080")));
        assert_eq!(local_address("0.0.0.0:*"), Some(addr("0.0.0.0:0")));
    }

    #[test]
    fn process_names() {
        assert_eq!(
            ss_users("users:((\"linkerd2-proxy\",pid=1,fd=23))").as_deref(),
            Some("linkerd2-proxy")
        );
        assert_eq!(
            ss_users("timer:(on,1s,0) users:((\"a\",pid=1,fd=2))").as_deref(),
            Some("a")
        );
        assert_eq!(ss_users("users:((").as_deref(), None);
        assert_eq!(ss_users("").as_deref(), None);
        assert_eq!(
            netstat_process("1/linkerd2-proxy").as_deref(),
            Some("linkerd2-proxy")
        );
        assert_eq!(
            netstat_process("12/nginx: master").as_deref(),
            Some("nginx: master")
        );
        assert_eq!(netstat_process("-"), None);
        assert_eq!(netstat_process("x/y"), None);
    }

    #[test]
    fn netstat_every_state_and_address_form() {
        let out = parse_inventory(NETSTAT.as_bytes());
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let s = &out.value.sockets;
        assert_eq!(s.len(), 15);
        let states: Vec<&str> = s.iter().map(|s| s.state.as_str()).collect();
        assert_eq!(
            states,
            [
                "LISTEN",
                "TIME_WAIT",
                "ESTABLISHED",
                "SYN_SENT",
                "SYN_RECV",
                "FIN_WAIT1",
                "FIN_WAIT2",
                "CLOSE_WAIT",
                "LAST_ACK",
                "CLOSING",
                "CLOSE",
                "LISTEN",
                "ESTABLISHED",
                "UNCONN",
                "ESTABLISHED"
            ]
        );
        assert_eq!((s[0].local, s[0].peer), (addr("0.0.0.0:8080"), None));
        assert_eq!(s[1].peer, Some(addr("10.8.0.10:53")));
        assert_eq!(
            (s[11].proto.as_str(), s[11].local, s[11].peer),
            ("tcp6", addr("[::]:8080"), None)
        );
        assert_eq!(s[12].local, addr("10.4.1.23:8080"));
        assert_eq!(s[12].peer, Some(addr("10.4.2.7:51240")));
        assert_eq!((s[13].proto.as_str(), s[13].peer), ("udp", None));
        assert!(s.iter().all(|s| s.process.is_none()));
    }

    #[test]
    fn netstat_with_programs() {
        let out = parse_inventory(NETSTAT_P.as_bytes());
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let p: Vec<Option<&str>> = out
            .value
            .sockets
            .iter()
            .map(|s| s.process.as_deref())
            .collect();
        assert_eq!(p, [Some("linkerd2-proxy"), None, Some("dhclient")]);
        assert_eq!(out.value.sockets[2].state, "UNCONN");
    }

    #[test]
    fn ss_every_state_and_address_form() {
        let out = parse_inventory(SS.as_bytes());
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let s = &out.value.sockets;
        assert_eq!(s.len(), 14);
        let states: Vec<&str> = s.iter().map(|s| s.state.as_str()).collect();
        assert_eq!(
            states,
            [
                "LISTEN",
                "ESTABLISHED",
                "TIME_WAIT",
                "SYN_SENT",
                "SYN_RECV",
                "FIN_WAIT1",
                "FIN_WAIT2",
                "CLOSE_WAIT",
                "LAST_ACK",
                "CLOSING",
                "LISTEN",
                "ESTABLISHED",
                "LISTEN",
                "ESTABLISHED"
            ]
        );
        assert!(s.iter().all(|s| s.proto == "tcp"));
        assert_eq!(
            (s[0].local, s[0].peer, s[0].process.as_deref()),
            (addr("[::]:8080"), None, Some("envoy"))
        );
        assert_eq!(s[1].process.as_deref(), Some("linkerd2-proxy"));
        assert_eq!(s[3].process.as_deref(), Some("app"));
        assert_eq!((s[10].local, s[10].peer), (addr("[::]:4143"), None));
        assert_eq!(s[11].local, addr("10.4.1.23:8080"));
        assert_eq!(s[11].peer, Some(addr("10.4.2.7:51240")));
        assert_eq!(s[11].process.as_deref(), Some("envoy"));
        assert_eq!(s[13].local, addr("127.0.0.1:4140"));
    }

    #[test]
    fn ss_with_netid_column() {
        let out = parse_inventory(SS_TUN.as_bytes());
        assert_eq!(out.issues.skipped, 0, "{:?}", out.issues);
        let s: Vec<(&str, &str)> = out
            .value
            .sockets
            .iter()
            .map(|s| (s.proto.as_str(), s.state.as_str()))
            .collect();
        assert_eq!(
            s,
            [
                ("udp", "ESTABLISHED"),
                ("tcp", "ESTABLISHED"),
                ("udp", "UNCONN")
            ]
        );
        assert_eq!(
            out.warnings,
            ["line 1: 1 row of sockets other than TCP and UDP ignored"]
        );
    }

    #[test]
    fn ss_without_netid_reads_unconn_as_udp() {
        let text = "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nUNCONN 0      0      10.4.1.23%eth0:68  0.0.0.0:*\n";
        let out = parse_inventory(text.as_bytes());
        assert_eq!(out.value.sockets[0].proto, "udp");
        assert_eq!(out.value.sockets[0].state, "UNCONN");
    }

    #[test]
    fn bad_socket_rows_are_skipped_with_the_reason() {
        let text = "\
State      Recv-Q Send-Q Local Address:Port      Peer Address:Port
ESTAB      0      0      10.4.1.23:41822         10.8.0.10:53
WEIRD      0      0      10.4.1.23:41822         10.8.0.10:53
ESTAB      x      0      10.4.1.23:41822         10.8.0.10:53
ESTAB      0      0      10.4.1.300:41822        10.8.0.10:53
ESTAB      0      0      10.4.1.23:41822
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 10.4.1.23:41822         10.8.0.10:53
xyz        0      0 10.4.1.23:41822         10.8.0.10:53            ESTABLISHED
";
        let out = parse_inventory(text.as_bytes());
        assert_eq!(out.value.sockets.len(), 1);
        let why: Vec<(u64, &str)> = out
            .issues
            .first
            .iter()
            .map(|b| (b.line, b.expected.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                (3, "a state like ESTAB, TIME-WAIT or LISTEN"),
                (4, "Recv-Q and Send-Q numbers"),
                (5, "a local address like 10.4.1.23:8080"),
                (6, "a peer address like 10.8.0.10:53"),
                (8, "a TCP state like ESTABLISHED or TIME_WAIT"),
            ]
        );
        assert_eq!(out.issues.skipped, 6);
    }
}
