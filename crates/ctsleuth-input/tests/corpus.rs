//! Every file of the input crate's fuzz corpora (`fuzz/corpus/archive/`,
//! `fuzz/corpus/sections/`) and crash artifacts goes through the same
//! readers as the fuzz target, on the stable toolchain: a crash found once
//! and fixed stays fixed. Runs in `cargo test`.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use ctsleuth_input::replay::TARGETS;
use ctsleuth_parse::replay::replay_corpora;

#[test]
fn every_corpus_file_replays_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (name, replayed) in replay_corpora(&fuzz, &TARGETS).unwrap() {
        assert!(
            replayed > 0,
            "no corpus for `{name}` under {}",
            fuzz.display()
        );
    }
}

#[test]
fn every_target_survives_hostile_bytes() {
    // A gzip header with nothing after it, a tar header block of zeros but
    // its magic, a zip end record alone, a klog block never closed.
    let mut tar_head = vec![0u8; 512];
    tar_head[257..262].copy_from_slice(b"ustar");
    let hostile: [&[u8]; 7] = [
        b"",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        &tar_head,
        b"PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00",
        b"\xfd7zXZ\x00\x00",
        b"$ conntrack -S\n$ conntrack -L\n==> x <==\n*** Output of",
        b"I1126 08:40:20.000000 1 conntrack.go:66] \"Conntrack entries deleted\" output=<\n\tudp 17 ",
    ];
    for (_, run) in TARGETS {
        for h in hostile {
            run(h);
        }
    }
}
