//! Writes a large syslog-framed node journal to stdout, for benchmarks.
//!
//! cargo run --release --example genlog -- 7000000 1000 > /tmp/journal-1g.log
//! Arguments: LINES [ONE DROP IN N LINES] [SEED]

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

use synth::{Rng, write_kern_log};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(7_000_000);
    let every: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if let Err(e) =
        write_kern_log(&mut out, &mut Rng::new(seed), lines, every).and_then(|_| out.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("genlog: {e}");
            std::process::exit(1);
        }
    }
}
