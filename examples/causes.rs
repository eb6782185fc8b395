//! Regenerates `samples/causes/`: one small bundle per cause of conntrack
//! trouble (insert races, early drops, long hash chains, a full expectation
//! table, stale UDP entries, SNAT port exhaustion, an INVALID spike) and a
//! healthy cluster for contrast. See `examples/support/causes.rs` for what
//! each case holds.
//!
//! cargo run --release --example causes -- [OUT_DIR]

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

#[path = "support/causes.rs"]
mod causes;

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "samples/causes".to_string());
    causes::write_all(std::path::Path::new(&out))?;
    eprintln!("wrote {out}: {}", causes::CASES.join(", "));
    Ok(())
}
