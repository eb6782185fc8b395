//! Properties of every parser: arbitrary bytes never panic, and what a
//! capture says survives rendering it and reading it back.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ctsleuth_parse::parse::{settings, stats};
use ctsleuth_parse::replay::TARGETS;
use proptest::prelude::*;

/// Counter names of `conntrack -S` on a 5.15 kernel, in its order.
const COUNTERS: [&str; 9] = [
    "found",
    "invalid",
    "insert_failed",
    "drop",
    "early_drop",
    "error",
    "search_restart",
    "clash_resolve",
    "chaintoolong",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (_, run) in TARGETS {
            run(&data);
        }
    }

    #[test]
    fn arbitrary_lines_of_known_words_never_panic(
        words in proptest::collection::vec(
            prop_oneof![
                Just("tcp"), Just("6"), Just("src=10.0.0.1"), Just("dport="), Just("[ASSURED]"),
                Just("cpu=0"), Just("found=1"), Just("net.netfilter.nf_conntrack_max"), Just("="),
                Just("Nov 26 09:04:01"), Just("kernel:"), Just("nf_conntrack: table full, dropping packet"),
                Just("[1.5]"), Just("{\"kind\":"), Just("NAME"), Just("READY"), Just("\n"), Just("\t"),
            ],
            0..64,
        )
    ) {
        let text = words.join(" ");
        for (_, run) in TARGETS {
            run(text.as_bytes());
        }
    }

    #[test]
    fn conntrack_s_round_trips(rows in proptest::collection::vec(
        proptest::collection::vec(0u64..u64::MAX / 1024, COUNTERS.len()), 1..16)
    ) {
        let mut text = String::new();
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        for (cpu, values) in rows.iter().enumerate() {
            text.push_str(&format!("cpu={cpu:<4}\t"));
            for (name, v) in COUNTERS.iter().zip(values) {
                text.push_str(&format!("{name}={v} "));
                *want.entry((*name).to_string()).or_default() += v;
            }
            text.push('\n');
        }
        let out = stats::parse_conntrack_s(text.as_bytes());
        let got = out.value.expect("a capture");
        prop_assert_eq!(got.cpus as usize, rows.len());
        prop_assert_eq!(got.counters, want);
        prop_assert_eq!(out.issues.skipped, 0);
    }

    #[test]
    fn sysctl_round_trips(max in 1u64..u64::from(u32::MAX), buckets in 1u64..(1 << 24),
                          time_wait in 1u32..100_000, count in 0u64..(1 << 30)) {
        let text = format!(
            "net.netfilter.nf_conntrack_buckets = {buckets}\nnet.netfilter.nf_conntrack_count = {count}\n\
             net.netfilter.nf_conntrack_max = {max}\nnet.netfilter.nf_conntrack_tcp_timeout_time_wait = {time_wait}\n"
        );
        let s = settings::parse_sysctl(text.as_bytes()).value;
        prop_assert_eq!(s.max.map(|x| x.value), Some(max));
        prop_assert_eq!(s.buckets.map(|x| x.value), Some(buckets));
        prop_assert_eq!(s.count.map(|x| x.value), Some(count));
        prop_assert_eq!(s.timeouts.get("tcp_timeout_time_wait").copied(), Some(time_wait));
    }
}

mod stamps {
    use chrono::{DateTime, Datelike, NaiveTime, Timelike};
    use ctsleuth_parse::parse::log::{Stamp, scan_block};
    use proptest::prelude::*;

    const MSG: &str = "nf_conntrack: nf_conntrack: table full, dropping packet";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A drop line stamped the way each framing writes it reads back to
        /// the same stamp.
        #[test]
        fn log_stamps_round_trip(secs in 946_684_800i64..4_102_444_800, micros in 0u32..1_000_000,
                                 mono in 0u64..100_000_000_000) {
            let t = DateTime::from_timestamp(secs, micros * 1000).unwrap();
            // journalctl -o short-iso-precise
            let iso = format!("{} node-a kernel: {MSG}\n", t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00"));
            let r = &scan_block(iso.as_bytes(), 1).records;
            prop_assert_eq!(r.len(), 1);
            prop_assert_eq!(r[0].stamp, Some(Stamp::Wall(t)));
            // syslog / journalctl short-precise: no year, no zone
            let syslog = format!("{} node-a kernel: {MSG}\n", t.format("%b %e %H:%M:%S%.6f"));
            let r = &scan_block(syslog.as_bytes(), 1).records;
            prop_assert_eq!(r.len(), 1);
            let want = Stamp::NoYear {
                month: t.month(),
                day: t.day(),
                time: NaiveTime::from_hms_micro_opt(t.hour(), t.minute(), t.second(), micros).unwrap(),
            };
            prop_assert_eq!(r[0].stamp, Some(want));
            // raw dmesg: seconds since boot
            let m = mono as f64 / 1e6;
            let dmesg = format!("[{m:>12.6}] {MSG}\n");
            let r = &scan_block(dmesg.as_bytes(), 1).records;
            prop_assert_eq!(r.len(), 1);
            match r[0].stamp {
                Some(Stamp::Monotonic(x)) => prop_assert!((x - m).abs() < 1e-6, "{x} != {m}"),
                ref other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}

mod tables {
    use ctsleuth_parse::parse::inventory::parse_inventory;
    use proptest::prelude::*;

    /// A `kubectl get pods -A -o wide` table as kubectl aligns it: each
    /// column as wide as its widest cell, three blanks between columns.
    fn render(rows: &[(String, String, [u8; 4], String)]) -> String {
        let header = [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES",
        ];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|(ns, name, ip, node)| {
                vec![
                    ns.clone(),
                    name.clone(),
                    "1/1".into(),
                    "Running".into(),
                    "0".into(),
                    "4d22h".into(),
                    format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]),
                    node.clone(),
                    "<none>".into(),
                    "<none>".into(),
                ]
            })
            .collect();
        let width = |c: usize| {
            cells
                .iter()
                .map(|r| r[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap()
        };
        let line = |values: Vec<&str>| {
            let mut s = String::new();
            for (c, v) in values.iter().enumerate() {
                if c + 1 == values.len() {
                    s.push_str(v);
                } else {
                    s.push_str(&format!("{v:<w$}   ", w = width(c)));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(header.to_vec());
        for r in &cells {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn pod_tables_round_trip(rows in proptest::collection::vec(
            ("[a-z][a-z0-9-]{0,14}[a-z0-9]", "[a-z][a-z0-9-]{0,30}[a-z0-9]",
             any::<[u8; 4]>().prop_map(|mut a| { a[0] = 10; a }),
             "gke-[a-z]{3,8}-pool-[0-9a-f]{8}-[a-z0-9]{4}"),
            1..20,
        )) {
            let text = render(&rows);
            let out = parse_inventory(text.as_bytes());
            prop_assert_eq!(out.issues.skipped, 0, "{}", text);
            let got: Vec<(String, String, String, Option<String>)> = out
                .value
                .pods
                .iter()
                .map(|p| (
                    p.namespace.clone(),
                    p.name.clone(),
                    p.ips.first().map(ToString::to_string).unwrap_or_default(),
                    p.node.clone(),
                ))
                .collect();
            let want: Vec<(String, String, String, Option<String>)> = rows
                .iter()
                .map(|(ns, name, ip, node)| (
                    ns.clone(),
                    name.clone(),
                    format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]),
                    Some(node.clone()),
                ))
                .collect();
            // Repeated (namespace, name) rows merge into one pod.
            let mut want_unique = want.clone();
            want_unique.sort();
            want_unique.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            let mut got_sorted = got.clone();
            got_sorted.sort();
            prop_assert_eq!(got_sorted.len(), want_unique.len(), "{}", text);
            for g in &got_sorted {
                prop_assert!(want.contains(g), "{:?} not in {:?}", g, want);
            }
        }
    }
}

mod reasons {
    use ctsleuth_parse::parse::inventory::parse_inventory;
    use ctsleuth_parse::parse::settings::parse_proc_stat_btime;

    fn reasons(out_first: &[ctsleuth_parse::parse::BadLine]) -> Vec<(u64, String)> {
        out_first
            .iter()
            .map(|b| (b.line, b.expected.clone()))
            .collect()
    }

    #[test]
    fn rows_that_are_not_text_say_so() {
        let ss = [
            &b"State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n"[..],
            b"ESTAB  0      0      10.4.5.23:41822    10.8.3.114:8080\n",
            b"ESTAB  0      0      10.4.5.\xff:41830  10.8.3.114:8080\n",
        ]
        .concat();
        let out = parse_inventory(&ss);
        assert_eq!(out.value.sockets.len(), 1);
        assert_eq!(
            reasons(&out.issues.first),
            [(3, "a socket row in UTF-8".to_string())]
        );
        let pods = [
            &b"NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   IP          NODE\n"[..],
            b"web         api-1   1/1     Running   0          4d    10.4.1.2    node-a\n",
            b"web         api-\xff  1/1     Running   0          4d    10.4.1.3    node-a\n",
        ]
        .concat();
        let out = parse_inventory(&pods);
        assert_eq!(out.value.pods.len(), 1);
        assert_eq!(
            reasons(&out.issues.first),
            [(3, "a table row in UTF-8".to_string())]
        );
    }

    #[test]
    fn a_btime_without_seconds_says_so() {
        let out = parse_proc_stat_btime(b"cpu  1 2 3\nbtime soon\nprocesses 12\n");
        assert_eq!(out.value.boot_time, None);
        assert_eq!(
            reasons(&out.issues.first),
            [(2, "epoch seconds after btime".to_string())]
        );
    }
}
