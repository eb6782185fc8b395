//! The sample generator: realistic, parseable and deterministic.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

#[allow(dead_code)]
#[path = "../examples/support/synth.rs"]
mod synth;

use std::collections::HashSet;

use ctsleuth::model::entry::Layout;
use ctsleuth::model::{L4, State};
use synth::*;

use ctsleuth::parse::conntrack::parse_listing;

#[test]
fn generated_listings_parse_completely_and_are_deterministic() {
    for profile in [Profile::ChurnVictim, Profile::Healthy, Profile::Busy] {
        let mut a = Vec::new();
        write_listing(
            &mut a,
            &mut Generator::new(7, profile, 1),
            2000,
            Layout::Default,
        )
        .unwrap();
        let mut b = Vec::new();
        write_listing(
            &mut b,
            &mut Generator::new(7, profile, 1),
            2000,
            Layout::Default,
        )
        .unwrap();
        assert_eq!(a, b);
        let report = parse_listing(&a, 1, |_| {});
        assert_eq!(report.entries, 2000);
        assert_eq!(report.issues.skipped, 0);
        assert_eq!(report.trailers, vec![2000]);
    }
}

#[test]
fn no_connection_is_listed_twice() {
    let mut g = Generator::new(3, Profile::ChurnVictim, 1);
    let mut seen = HashSet::new();
    for _ in 0..60_000 {
        let e = g.entry();
        if let L4::Ports { sport, dport } = e.orig.l4 {
            assert!(
                seen.insert((e.orig.src, e.orig.dst, sport, dport, e.proto)),
                "{e:?}"
            );
        }
    }
}

#[test]
fn churn_victims_are_mostly_time_wait() {
    let mut g = Generator::new(1, Profile::ChurnVictim, 2);
    let tw = (0..10_000)
        .filter(|_| g.entry().state == Some(State::TIME_WAIT))
        .count();
    assert!((7_000..8_500).contains(&tw), "{tw}");
}
