//! Writes a large realistic `conntrack -L` dump to stdout, for benchmarks.
//!
//! cargo run --release --example gendump -- 1000000 > /tmp/dump-1m.txt
//! Arguments: ENTRIES [PROFILE: busy|serving|churn|healthy] [SEED] [NODE INDEX] [--extended]
//!
//! Profiles: `busy` (the default) has ~65,000 distinct sources, the worst
//! case for a table keyed by address; `serving` a few hundred, as a node
//! serving the cluster has; `churn` and `healthy` a few dozen.
//!
//! The node index picks the node's pod /24 (10.4.N.0/24) and address
//! (10.128.0.(10+N)). The incident sample has its own generator
//! (`--example incident`).

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

#[allow(dead_code)]
#[path = "support/synth.rs"]
mod synth;

use std::io::{BufWriter, Write};

use ctsleuth::model::entry::Layout;
use synth::{Generator, Profile, write_listing};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let entries: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let profile = match args.get(1).map(String::as_str) {
        Some("churn") => Profile::ChurnVictim,
        Some("healthy") => Profile::Healthy,
        Some("serving") => Profile::Serving,
        _ => Profile::Busy,
    };
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let node_index = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let layout = if args.iter().any(|a| a == "--extended") {
        Layout::Extended
    } else {
        Layout::Default
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut g = Generator::new(seed, profile, node_index);
    if let Err(e) = write_listing(&mut out, &mut g, entries, layout).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("gendump: {e}");
            std::process::exit(1);
        }
    }
}
