use std::net::IpAddr;

use proptest::prelude::*;

use super::*;
use crate::model::entry::{Layout, render};
use crate::model::{Family, State};

fn one(line: &str) -> Entry<'_> {
    let mut unknown = BTreeMap::new();
    match parse_entry(line.as_bytes(), &mut unknown) {
        Ok(e) => e,
        Err(Expected(what)) => panic!("{line}: expected {what}"),
    }
}

fn fails(line: &str) -> &'static str {
    let mut unknown = BTreeMap::new();
    match parse_entry(line.as_bytes(), &mut unknown) {
        Ok(e) => panic!("parsed {e:?}"),
        Err(Expected(what)) => what,
    }
}

fn ipa(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn default_tcp_entry() {
    let e = one(
        "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1",
    );
    assert_eq!(e.proto, 6);
    assert_eq!(e.timeout, Some(117));
    assert_eq!(e.state, Some(State::TIME_WAIT));
    assert_eq!(e.orig.src, ipa("10.4.1.23"));
    assert_eq!(
        e.orig.l4,
        L4::Ports {
            sport: 41822,
            dport: 8080
        }
    );
    assert_eq!(e.reply.src, ipa("10.4.2.17"));
    assert!(e.flags.contains(Flags::ASSURED));
    assert!(!e.flags.contains(Flags::UNREPLIED));
    assert_eq!((e.mark, e.use_count, e.id), (Some(0), Some(1), None));
    assert!(e.is_nat());
    assert_eq!(e.family(), Family::V4);
}

#[test]
fn proc_layout_with_family_columns_and_zone() {
    let e = one(
        "ipv4     2 udp      17 28 src=10.4.1.23 dst=10.8.0.10 sport=53012 dport=53 [UNREPLIED] src=10.4.3.5 dst=10.4.1.23 sport=53 dport=53012 mark=0 zone=0 use=2",
    );
    assert_eq!(e.proto, 17);
    assert_eq!(e.state, None);
    assert!(e.flags.contains(Flags::UNREPLIED));
    assert_eq!(e.zone, Some(0));
}

#[test]
fn expanded_ipv6_from_proc() {
    let e = one(
        "ipv6     10 tcp      6 431990 ESTABLISHED src=2001:0db8:0000:0000:0000:0000:0000:0010 dst=2001:0db8:0000:0000:0000:0000:0000:0020 sport=44512 dport=443 src=2001:0db8:0000:0000:0000:0000:0000:0020 dst=2001:0db8:0000:0000:0000:0000:0000:0010 sport=443 dport=44512 [ASSURED] mark=0 zone=0 use=2",
    );
    assert_eq!(e.orig.src, ipa("2001:db8::10"));
    assert_eq!(e.family(), Family::V6);
    assert!(!e.is_nat());
}

#[test]
fn icmp_id_is_not_the_conntrack_id() {
    let e = one(
        "icmp     1 29 src=10.4.1.23 dst=203.0.113.9 type=8 code=0 id=3021 src=203.0.113.9 dst=10.128.0.12 type=0 code=0 id=3021 mark=0 use=1 id=2914830211",
    );
    assert_eq!(
        e.orig.l4,
        L4::Icmp {
            kind: 8,
            code: 0,
            id: 3021
        }
    );
    assert_eq!(
        e.reply.l4,
        L4::Icmp {
            kind: 0,
            code: 0,
            id: 3021
        }
    );
    assert_eq!(e.id, Some(2914830211));
}

#[test]
fn icmpv6_sctp_dccp_udplite_gre_and_unknown() {
    let e = one(
        "icmpv6   58 29 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=77 src=2001:db8::2 dst=2001:db8::1 type=129 code=0 id=77 mark=0 use=1",
    );
    assert_eq!(e.proto, 58);
    let e = one(
        "sctp     132 431999 ESTABLISHED src=10.4.1.5 dst=10.4.2.6 sport=3868 dport=3868 src=10.4.2.6 dst=10.4.1.5 sport=3868 dport=3868 [ASSURED] mark=0 use=1",
    );
    assert_eq!(
        (e.proto, e.state.map(|s| s.name())),
        (132, Some("ESTABLISHED"))
    );
    let e = one(
        "sctp     132 3 COOKIE_WAIT src=10.4.1.5 dst=10.4.2.6 sport=3868 dport=3868 [UNREPLIED] src=10.4.2.6 dst=10.4.1.5 sport=3868 dport=3868 mark=0 use=1",
    );
    assert_eq!(e.state.map(|s| s.name()), Some("COOKIE_WAIT"));
    let e = one(
        "dccp     33 7199 OPEN src=10.4.1.5 dst=10.4.2.6 sport=5004 dport=5004 src=10.4.2.6 dst=10.4.1.5 sport=5004 dport=5004 [ASSURED] mark=0 use=1",
    );
    assert_eq!(e.state.map(|s| s.name()), Some("OPEN"));
    let e = one(
        "udplite  136 29 src=10.4.1.5 dst=10.4.2.6 sport=4000 dport=4001 src=10.4.2.6 dst=10.4.1.5 sport=4001 dport=4000 mark=0 use=1",
    );
    assert_eq!(e.proto, 136);
    let e = one(
        "ipv4     2 gre      47 178 timeout=180, stream_timeout=18000 src=10.128.0.12 dst=198.51.100.20 srckey=0x0 dstkey=0x0 src=198.51.100.20 dst=10.128.0.12 srckey=0x0 dstkey=0x0 [ASSURED] mark=0 zone=0 use=2",
    );
    assert_eq!(e.gre_timeouts, Some((180, 18000)));
    assert_eq!(
        e.orig.l4,
        L4::Gre {
            srckey: 0,
            dstkey: 0
        }
    );
    let e = one(
        "unknown  41 599 src=198.51.100.1 dst=10.128.0.12 src=10.128.0.12 dst=198.51.100.1 mark=0 use=1",
    );
    assert_eq!((e.proto, e.orig.l4), (41, L4::None));
}

#[test]
fn offloaded_flows_have_no_timeout() {
    let e = one(
        "tcp      6 src=192.168.1.100 dst=203.0.113.50 sport=51544 dport=443 src=203.0.113.50 dst=198.51.100.7 sport=443 dport=51544 [OFFLOAD] mark=0 use=2",
    );
    assert_eq!((e.timeout, e.state), (None, None));
    assert!(e.flags.contains(Flags::OFFLOAD));
    let e = one(
        "udp      17 src=192.168.1.100 dst=203.0.113.53 sport=40000 dport=443 src=203.0.113.53 dst=198.51.100.7 sport=443 dport=40000 [HW_OFFLOAD] mark=0 use=2",
    );
    assert!(e.flags.contains(Flags::HW_OFFLOAD));
}

#[test]
fn counters_timestamps_and_optional_fields() {
    let e = one(
        "ipv4     2 tcp      6 86395 ESTABLISHED src=10.4.1.23 dst=10.4.2.17 sport=41822 dport=4143 packets=12 bytes=1874 src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41822 packets=10 bytes=5210 [ASSURED] mark=0 secctx=system_u:object_r:unlabeled_t:s0 zone=0 delta-time=37 [start=Tue Nov 26 08:58:11 2024] helper=ftp use=1 id=3172891523 labels=eth0,web",
    );
    assert_eq!(
        e.orig_counters,
        Some(Counters {
            packets: 12,
            bytes: 1874
        })
    );
    assert_eq!(
        e.reply_counters,
        Some(Counters {
            packets: 10,
            bytes: 5210
        })
    );
    assert_eq!(e.secctx, Some("system_u:object_r:unlabeled_t:s0"));
    assert_eq!(e.delta_time, Some(37));
    assert_eq!(e.start, Some("Tue Nov 26 08:58:11 2024"));
    assert_eq!(e.helper, Some("ftp"));
    assert_eq!(e.id, Some(3172891523));
    assert_eq!(e.labels, Some("eth0,web"));
}

#[test]
fn directional_zones() {
    let e = one(
        "tcp      6 50 SYN_RECV src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 zone-orig=4 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 zone-reply=5 mark=0 use=1",
    );
    assert_eq!((e.orig.zone, e.reply.zone), (Some(4), Some(5)));
}

#[test]
fn unknown_keys_are_counted_not_fatal() {
    let mut unknown = BTreeMap::new();
    let line = b"tcp      6 5 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 newkey=7 [SEEN_TWICE] use=1";
    assert!(parse_entry(line, &mut unknown).is_ok());
    assert_eq!(unknown.get("newkey"), Some(&1));
    assert_eq!(unknown.get("[SEEN_TWICE]"), Some(&1));
}

#[test]
fn bad_lines_say_what_was_expected() {
    assert_eq!(
        fails(
            "tcp      6 117 TIME_WAIT src=10.4.1.999 dst=10.8.0.1 sport=1 dport=2 src=10.8.0.1 dst=10.4.1.9 sport=2 dport=1"
        ),
        "an IPv4 or IPv6 address after src="
    );
    assert_eq!(
        fails("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8."),
        "an IPv4 or IPv6 address after dst="
    );
    assert_eq!(
        fails("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=1 dport=2"),
        "a reply tuple (src= dst= ...); the line may be cut short"
    );
    assert_eq!(
        fails(
            "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=1 dport=http src=10.8.0.1 dst=10.4.1.23 sport=2 dport=1"
        ),
        "a port (0-65535) after dport="
    );
    assert_eq!(
        fails("Nov 26 09:00:01 node systemd[1]: Started Session 3 of user root."),
        "a protocol name and number (`tcp      6`)"
    );
    assert_eq!(
        fails("tcp      6 117 TIME_WAIT"),
        "src= dst= after the protocol, timeout and state"
    );
    assert_eq!(
        fails(
            "tcp      6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1"
        ),
        "dport= after sport="
    );
    assert_eq!(
        fails(
            "tcp      6 1 CLOSE src=10.0.0.1 dst=::1 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1"
        ),
        "src= and dst= of one family"
    );
    assert_eq!(
        fails(
            "tcp      6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 src=10.0.0.2 dst=10.0.0.1 src=10.0.0.3 dst=10.0.0.4"
        ),
        "two tuples, not three"
    );
}

const LISTING: &str = "\u{feff}root@gke-prod-default-pool-7f3a9c21-x2lq:~# conntrack -L\r
conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.\r
tcp      6 86397 ESTABLISHED src=10.4.1.23 dst=10.4.2.17 sport=41822 dport=4143 src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41822 [ASSURED] mark=0 use=1   \r
\r
udp      17 29 src=10.4.1.23 dst=10.8.0.10 sport=53012 dport=53 [UNREPLIED] src=10.4.3.5 dst=10.4.1.23 sport=53 dport=53012 mark=0 use=1\r
    [NEW] tcp      6 120 SYN_SENT src=10.4.1.23 dst=10.4.2.17 sport=41900 dport=4143 [UNREPLIED] src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41900\r
tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.4.2.999 sport=1 dport=2 src=10.4.2.17 dst=10.4.1.23 sport=2 dport=1\r
^C\r
tcp      6 110 TIME_WAIT src=10.4.1.23 dst=10.4.2.17 sport=41700 dport=4143 src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41700 [ASSURED] mark=0 use=1\r
tcp      6 100 TIME_WAIT src=10.4.1.23 dst=10.4.2.17 sport=41600 dport=4143 src=10.4.2.17 dst=10.4.1.23 sport=4143 dport=41600 [ASSURED] mark=0 use=1\r
tcp      6 99 TIME_WAIT src=10.4.1.23 dst=10.4";

#[test]
fn listing_with_noise_trailer_events_and_bad_lines() {
    let mut seen = Vec::new();
    let report = parse_listing(LISTING.as_bytes(), 1, |e| seen.push(e.orig.l4.sport()));
    assert_eq!(report.entries, 4);
    assert_eq!(
        seen,
        vec![Some(41822), Some(53012), Some(41700), Some(41600)]
    );
    assert_eq!(report.trailers, vec![4]);
    assert_eq!(report.events_new, 1);
    assert_eq!(report.issues.skipped, 2);
    let lines: Vec<u64> = report.issues.first.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![7, 11]);
    assert_eq!(
        report.issues.first[0].expected,
        "an IPv4 or IPv6 address after dst="
    );
}

#[test]
fn chunked_parse_equals_whole_parse() {
    let whole = parse_listing(LISTING.as_bytes(), 1, |_| {});
    let mut merged = ListingReport::default();
    for (first, piece) in text::chunks(LISTING.as_bytes(), 3, 1) {
        merged.merge(parse_listing(piece, first, |_| {}));
    }
    assert_eq!(merged.entries, whole.entries);
    assert_eq!(merged.issues, whole.issues);
    assert_eq!(merged.trailers, whole.trailers);
}

#[test]
fn xml_and_tool_messages_are_reported_apart() {
    let text = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><conntrack><flow></flow></conntrack>\nconntrack v1.4.6 (conntrack-tools): Operation failed: Operation not permitted\n";
    let report = parse_listing(text, 1, |_| {});
    assert_eq!(
        (report.entries, report.xml_lines, report.issues.skipped),
        (0, 1, 0)
    );
    assert_eq!(report.tool_messages.len(), 1);
}

fn arb_ip(v6: bool) -> BoxedStrategy<IpAddr> {
    if v6 {
        any::<[u8; 16]>().prop_map(IpAddr::from).boxed()
    } else {
        any::<[u8; 4]>().prop_map(IpAddr::from).boxed()
    }
}

fn arb_l4(proto: u8) -> BoxedStrategy<L4> {
    match proto {
        1 | 58 => (any::<u8>(), any::<u8>(), any::<u16>())
            .prop_map(|(kind, code, id)| L4::Icmp { kind, code, id })
            .boxed(),
        47 => (any::<u32>(), any::<u32>())
            .prop_map(|(srckey, dstkey)| L4::Gre { srckey, dstkey })
            .boxed(),
        6 | 17 | 33 | 132 | 136 => (any::<u16>(), any::<u16>())
            .prop_map(|(sport, dport)| L4::Ports { sport, dport })
            .boxed(),
        _ => Just(L4::None).boxed(),
    }
}

fn arb_tuple(v6: bool, proto: u8) -> impl Strategy<Value = Tuple> {
    (
        arb_ip(v6),
        arb_ip(v6),
        arb_l4(proto),
        proptest::option::of(any::<u16>()),
    )
        .prop_map(|(src, dst, l4, zone)| Tuple { src, dst, l4, zone })
}

fn arb_entry() -> impl Strategy<Value = Entry<'static>> {
    (
        any::<bool>(),
        prop::sample::select(vec![1u8, 6, 17, 33, 41, 47, 58, 132, 136]),
    )
        .prop_flat_map(|(v6, proto)| {
            let state = if matches!(proto, 6 | 33 | 132) {
                proptest::option::of(prop::sample::select(State::all().collect::<Vec<_>>())).boxed()
            } else {
                Just(None).boxed()
            };
            let gre = if proto == 47 {
                proptest::option::of((any::<u32>(), any::<u32>())).boxed()
            } else {
                Just(None).boxed()
            };
            (
                (Just(proto), proptest::option::of(any::<u32>()), state, gre),
                (arb_tuple(v6, proto), arb_tuple(v6, proto)),
                (
                    proptest::option::of((any::<u64>(), any::<u64>())),
                    0u8..16,
                    proptest::option::of(any::<u32>()),
                    proptest::option::of(any::<u16>()),
                    proptest::option::of(any::<u32>()),
                    proptest::option::of(any::<u32>()),
                    proptest::option::of(any::<u64>()),
                    any::<bool>(),
                ),
            )
        })
        .prop_map(
            |(
                (proto, timeout, state, gre_timeouts),
                (orig, reply),
                (acct, flags, mark, zone, use_count, id, delta, extras),
            )| {
                let counters = acct.map(|(packets, bytes)| Counters { packets, bytes });
                // Only one of HW_OFFLOAD / OFFLOAD / ASSURED is printed, in that priority.
                let mut f = Flags::from_bits(flags & Flags::UNREPLIED.bits());
                for candidate in [Flags::HW_OFFLOAD, Flags::OFFLOAD, Flags::ASSURED] {
                    if flags & candidate.bits() != 0 {
                        f.insert(candidate);
                        break;
                    }
                }
                Entry {
                    proto,
                    timeout,
                    state,
                    gre_timeouts,
                    orig,
                    reply,
                    orig_counters: counters,
                    reply_counters: counters,
                    flags: f,
                    mark,
                    secmark: extras.then_some(0),
                    secctx: extras.then_some("system_u:object_r:unlabeled_t:s0"),
                    zone,
                    delta_time: delta,
                    start: extras.then_some("Tue Nov 26 08:58:11 2024"),
                    stop: None,
                    helper: extras.then_some("ftp"),
                    use_count,
                    id,
                    labels: extras.then_some("eth0,web"),
                }
            },
        )
}

proptest! {
    #[test]
    fn rendered_entries_parse_back_to_themselves(e in arb_entry(), extended in any::<bool>()) {
        let layout = if extended { Layout::Extended } else { Layout::Default };
        let line = render(&e, layout);
        let mut unknown = BTreeMap::new();
        let parsed = parse_entry(line.as_bytes(), &mut unknown);
        prop_assert_eq!(parsed, Ok(e), "{}", line);
        prop_assert!(unknown.is_empty());
    }
}

#[test]
fn addresses_redacted_by_hand_keep_their_entry() {
    let mut unknown = BTreeMap::new();
    for (line, n) in [
        (
            "tcp      6 117 TIME_WAIT src=x.x.x.x dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=x.x.x.x sport=8080 dport=41822 [ASSURED] mark=0 use=1",
            2,
        ),
        (
            "tcp      6 117 TIME_WAIT src=10.4.1.xxx dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.xxx sport=8080 dport=41822 [ASSURED] mark=0 use=1",
            2,
        ),
        (
            "tcp      6 117 TIME_WAIT src=2001:db8::1 dst=<redacted> sport=41822 dport=8080 src=<redacted> dst=2001:db8::1 sport=8080 dport=41822 [ASSURED] mark=0 use=1",
            2,
        ),
        (
            "udp      17 27 src=a.b.c.d dst=10.8.0.10 sport=48211 dport=53 src=10.4.0.2 dst=a.b.c.d sport=53 dport=48211 mark=0 use=1",
            2,
        ),
    ] {
        let e = parse_entry(line.as_bytes(), &mut unknown).unwrap();
        assert!(has_redacted(&e), "{line}");
        let redacted = [e.orig.src, e.orig.dst, e.reply.src, e.reply.dst]
            .into_iter()
            .filter(|a| is_redacted(*a))
            .count();
        assert_eq!(redacted, n, "{line}");
        // The sentinel takes the entry's family.
        assert_eq!(e.orig.src.is_ipv4(), e.orig.dst.is_ipv4());
    }
    // Typos stay errors: these are not redactions.
    for bad in ["10.4.1.999", "10.4.1", "x.x.x", "hello", "1.2.3.4.5"] {
        let line = format!(
            "tcp      6 117 TIME_WAIT src={bad} dst=10.8.3.114 sport=1 dport=2 src=10.8.3.114 dst=10.4.1.1 sport=2 dport=1 mark=0 use=1"
        );
        assert!(parse_entry(line.as_bytes(), &mut unknown).is_err(), "{bad}");
    }
}

#[test]
fn wrapped_and_continued_entries_are_rejoined() {
    let text = "tcp      6 117 TIME_WAIT src=10.4.5.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.7.12\n dst=10.4.5.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n\
tcp      6 86399 ESTABLISHED src=10.4.5.23 dst=10.8.3.114 sport=52114 dport=8080 \\\n    src=10.4.7.12 dst=10.4.5.23 sport=8080 dport=52114 [ASSURED] mark=0 use=1\n\
tcp      6 58 TIME_WAIT src=10.4.5.23 dst=10.8.3.114 sport=41852 dport=8080 src=10.4.7.14 dst=10.4.5.23 sport=8080 dpo\nrt=41852 [ASSURED] mark=0 use=1\n\
tcp      6 58 TIME_WAIT src=10.4.5.23 dst=10.8.3.114 sport=41852\n\
Nov 26 09:00:01 node systemd[1]: Started Session 4172 of User root.\n";
    let mut ports = Vec::new();
    let report = parse_listing(text.as_bytes(), 1, |e| {
        if let L4::Ports { sport, .. } = e.orig.l4 {
            ports.push(sport);
        }
    });
    assert_eq!(ports, [41822, 52114, 41852]);
    assert_eq!(report.rejoined, 3);
    // A cut entry followed by an unrelated line: both skipped, each with its
    // own reason and line.
    assert_eq!(report.issues.skipped, 2);
    let lines: Vec<u64> = report.issues.first.iter().map(|b| b.line).collect();
    assert_eq!(lines, [7, 8]);
}

#[test]
fn every_field_error_names_what_was_expected() {
    const T: &str = "tcp      6 117 TIME_WAIT";
    const O: &str = "src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080";
    const R: &str = "src=10.8.0.1 dst=10.4.1.23 sport=8080 dport=41822";
    let cases: Vec<(String, &str)> = vec![
        (format!("{T} {O} {R} mark=x use=1"), "a number after mark="),
        (format!("{T} {O} {R} mark=0 use=x"), "a number after use="),
        (format!("{T} {O} {R} secmark=x mark=0 use=1"), "a number after secmark="),
        (format!("{T} {O} {R} mark=0 id=abc use=1"), "a conntrack id after id="),
        (format!("{T} {O} packets=x bytes=1 {R} mark=0 use=1"), "a number after packets="),
        (format!("{T} {O} packets=1 bytes=x {R} mark=0 use=1"), "a number after bytes="),
        (format!("{T} {O} packets=1 {R} mark=0 use=1"), "packets= and bytes= together"),
        (format!("{T} {O} {R} mark=0 delta-time=x use=1"), "seconds after delta-time="),
        (
            format!("{T} src=10.4.1.23 dst=10.8.0.1 dport=8080 {R} mark=0 use=1"),
            "sport= before dport=",
        ),
        (
            format!("{T} src=10.4.1.23 sport=41822 dport=8080 {R} mark=0 use=1"),
            "dst= after src=",
        ),
        (
            format!("{T} {O} src=2001:db8::1 dst=2001:db8::2 sport=8080 dport=41822 mark=0 use=1"),
            "both tuples of one family",
        ),
        (
            "icmp     1 29 src=10.4.1.23 dst=10.8.0.1 type=256 code=0 id=7 src=10.8.0.1 dst=10.4.1.23 type=0 code=0 id=7 mark=0 use=1".into(),
            "an ICMP type (0-255)",
        ),
        (
            "icmp     1 29 src=10.4.1.23 dst=10.8.0.1 type=8 code=300 id=7 src=10.8.0.1 dst=10.4.1.23 type=0 code=0 id=7 mark=0 use=1".into(),
            "an ICMP code (0-255)",
        ),
        (
            "icmp     1 29 src=10.4.1.23 dst=10.8.0.1 type=8 code=0 id=70000 src=10.8.0.1 dst=10.4.1.23 type=0 code=0 id=7 mark=0 use=1".into(),
            "an ICMP id (0-65535)",
        ),
        (
            format!("{T} src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 type=8 {R} mark=0 use=1"),
            "one set of layer-4 fields per direction",
        ),
    ];
    for (line, want) in &cases {
        assert_eq!(fails(line), *want, "{line}");
    }
    let mut unknown = BTreeMap::new();
    let bad_utf8 = [
        format!("{T} {O} {R} helper=").as_bytes(),
        &[0xff, 0xfe][..],
        b" mark=0 use=1",
    ]
    .concat();
    assert!(matches!(
        parse_entry(&bad_utf8, &mut unknown),
        Err(Expected("UTF-8 text in a field value"))
    ));
}

/// The fast path's answer for `line` must be the grammar's: either it
/// declines (`None`), or it gives the entry the grammar gives, and then the
/// grammar met no key it does not know.
fn agrees(line: &[u8]) -> Result<Option<Entry<'_>>, TestCaseError> {
    let fast = fast::entry(line);
    if let Some(f) = &fast {
        let mut unknown = BTreeMap::new();
        let slow = parse_entry(line, &mut unknown);
        prop_assert_eq!(
            slow.as_ref(),
            Ok(f),
            "fast path and grammar disagree on {}",
            String::from_utf8_lossy(line)
        );
        prop_assert!(unknown.is_empty(), "{:?}", unknown);
    }
    Ok(fast)
}

/// Damage done to a line: a byte replaced by one that matters to the
/// grammar, a byte removed or doubled, an item doubled, the line cut.
#[derive(Debug, Clone)]
enum Damage {
    Replace(usize, u8),
    Remove(usize),
    Double(usize),
    DoubleItem(usize),
    Cut(usize),
}

fn arb_damage() -> impl Strategy<Value = Damage> {
    let byte = prop::sample::select(b" \t=[]:.,-_x0123456789AZaz\\>#$".to_vec());
    prop_oneof![
        (any::<usize>(), byte).prop_map(|(i, b)| Damage::Replace(i, b)),
        any::<usize>().prop_map(Damage::Remove),
        any::<usize>().prop_map(Damage::Double),
        any::<usize>().prop_map(Damage::DoubleItem),
        any::<usize>().prop_map(Damage::Cut),
    ]
}

fn damage(line: &str, how: &[Damage]) -> Vec<u8> {
    let mut b = line.as_bytes().to_vec();
    for d in how {
        if b.is_empty() {
            break;
        }
        match *d {
            Damage::Replace(i, c) => {
                let n = b.len();
                b[i % n] = c;
            }
            Damage::Remove(i) => {
                b.remove(i % b.len());
            }
            Damage::Double(i) => {
                let i = i % b.len();
                b.insert(i, b[i]);
            }
            Damage::DoubleItem(i) => {
                let items: Vec<&[u8]> = b.split(|&c| c == b' ').filter(|w| !w.is_empty()).collect();
                let item = items[i % items.len()].to_vec();
                b.push(b' ');
                b.extend(item);
            }
            Damage::Cut(i) => b.truncate(i % b.len()),
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Every generated entry, in both layouts: the fast path agrees with the
    /// grammar, and reads every line itself but those with GRE's timeouts.
    #[test]
    fn fast_path_agrees_with_the_grammar(e in arb_entry(), extended in any::<bool>()) {
        let layout = if extended { Layout::Extended } else { Layout::Default };
        let line = render(&e, layout);
        let fast = agrees(line.as_bytes())?;
        // GRE's timeouts of /proc are the one printed shape it leaves to the grammar.
        if e.gre_timeouts.is_none() {
            prop_assert_eq!(fast, Some(e), "the fast path declined {}", line);
        }
    }

    /// Damaged lines: whatever the fast path reads, the grammar reads the same.
    #[test]
    fn fast_path_agrees_on_damaged_lines(
        e in arb_entry(),
        extended in any::<bool>(),
        how in prop::collection::vec(arb_damage(), 1..4),
    ) {
        let layout = if extended { Layout::Extended } else { Layout::Default };
        let line = damage(&render(&e, layout), &how);
        agrees(&line)?;
    }
}

/// Hand-written shapes at the fast path's edges: each read the same by both
/// paths, or declined by the fast one.
#[test]
fn fast_path_edges() {
    const R: &str = "src=10.8.0.1 dst=10.4.1.23 sport=8080 dport=41822";
    let lines = [
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} [ASSURED] mark=0 use=1"),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} [ASSURED]mark=0 use=1"),
        format!("tcp\t6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} mark=0 use=1"),
        format!("tcp      6 117 TIME_WAIT  src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} mark=0\tuse=1"),
        format!("tcp      6 117=5 src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        format!("tcp      6 99999999999 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        format!("tcp      6 117 BOGUS src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        format!("tcp      6 117 TIME_WAIT src=x.x.x.x dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} {R}"),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} [SEEN] use=1"),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} [ASSURED use=1"),
        format!("ipv4     2 tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} mark=0 zone=0 use=2"),
        format!("ipv4     300 tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        format!("ipv4 2 tcp 6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R}"),
        "icmp     1 29 src=10.4.1.23 dst=10.8.0.1 type=8 code=0 id=7 src=10.8.0.1 dst=10.4.1.23 type=0 code=0 id=7 mark=0 use=1 id=3012".into(),
        "unknown  2 599 src=10.4.1.1 dst=224.0.0.1 src=224.0.0.1 dst=10.4.1.1 mark=0 use=1".into(),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 dport=8080 {R} zone-orig=1 zone-reply=2 mark=0 use=1"),
        format!("tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.1 sport=41822 sport=1 dport=8080 {R} mark=0 use=1"),
    ];
    let mut read = 0;
    for line in &lines {
        match agrees(line.as_bytes()) {
            Ok(Some(_)) => read += 1,
            Ok(None) => {}
            Err(e) => panic!("{e}"),
        }
    }
    // The plain shapes are the fast path's own (1st, 12th, 14th to 18th lines).
    assert_eq!(read, 7);
}
