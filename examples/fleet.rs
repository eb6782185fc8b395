//! Generates a fleet of node captures for trying the outputs at scale:
//! `NODES` GKE nodes of one moment, three of them with full tables.
//!
//! cargo run --release --example fleet -- NODES OUT_DIR [SNAPSHOTS_PER_NODE]

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

#[path = "support/fleet.rs"]
mod fleet;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let nodes: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let out = args.next().unwrap_or_else(|| "fleet".to_string());
    let mut spec = fleet::Spec::new(nodes);
    spec.times = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    fleet::write_fleet(std::path::Path::new(&out), &spec)?;
    eprintln!(
        "wrote {out}: {nodes} nodes, full: {}",
        spec.full
            .iter()
            .map(|&i| fleet::node_name(&spec, i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
