//! Regenerates `samples/support-case/`: what support received for one
//! incident on an Amazon EKS cluster (a sos report, an EKS log collector
//! archive, a Rancher logs collector archive and a `kubectl cluster-info
//! dump`), or the same evidence in the documented layout.
//!
//! cargo run --release --example support_case -- [OUT_DIR]
//! cargo run --release --example support_case -- --layout DIR
//!
//! The default OUT_DIR is `samples/support-case`; its README.md is kept by
//! hand and not rewritten. Deterministic: the same build gives the same
//! bytes, and `tests/support_case.rs` checks the committed sample against a
//! fresh run.

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

#[path = "support/bundles.rs"]
mod bundles;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (layout, dir) = match args.as_slice() {
        [] => (false, "samples/support-case".to_string()),
        [flag, dir] if flag == "--layout" => (true, dir.clone()),
        [dir] if !dir.starts_with('-') => (false, dir.clone()),
        _ => {
            eprintln!("usage: support_case [OUT_DIR] | support_case --layout DIR");
            return ExitCode::from(2);
        }
    };
    let result = if layout {
        bundles::write_layout(Path::new(&dir))
    } else {
        bundles::write_sample(Path::new(&dir))
    };
    match result {
        Ok(()) => {
            eprintln!("wrote {dir}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{dir}: {e}");
            ExitCode::FAILURE
        }
    }
}
