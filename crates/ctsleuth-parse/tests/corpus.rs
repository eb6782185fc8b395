//! Every file of every fuzz target's corpus (`fuzz/corpus/<target>/`) and of
//! its crash artifacts (`fuzz/artifacts/<target>/`) goes through the same
//! parsers as the target, on the stable toolchain: a crash found once and
//! fixed stays fixed. Runs in `cargo test`.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use ctsleuth_parse::replay::{TARGETS, replay_corpora};

#[test]
fn every_corpus_file_replays_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let replayed: usize = replay_corpora(&fuzz, &TARGETS)
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert!(replayed > 0, "no corpus found under {}", fuzz.display());
}

#[test]
fn every_target_survives_hostile_bytes() {
    let hostile: [&[u8]; 8] = [
        b"",
        b"\xff\xfe\x00",
        b"tcp 6 431999 ESTABLISHED src=",
        b"cpu=0 found=18446744073709551616",
        b"[\n{\"__REALTIME_TIMESTAMP\":\"99999999999999999999\"}",
        b"<?xml version=\"1.0\"?><conntrack><flow>",
        b"Nov 31 25:61:61 host kernel: [-1.5] nf_conntrack: table full, dropping packet",
        &[b'\n'; 4096],
    ];
    for (_, run) in TARGETS {
        for h in hostile {
            run(h);
        }
    }
}
