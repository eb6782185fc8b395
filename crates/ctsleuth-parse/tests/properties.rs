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
