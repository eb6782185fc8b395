//! Another program using the parser crate alone: counts the entries of a
//! `conntrack -L` capture by protocol and state, the `conntrack -L | awk |
//! sort | uniq -c` idiom, without dataframes.
//!
//! cargo run -p ctsleuth-parse --example count_states -- samples/formats/conntrack-L-default.txt

use std::collections::BTreeMap;
use std::process::ExitCode;

use ctsleuth_parse::parse::conntrack::parse_listing;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: count_states FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut counts: BTreeMap<(u8, String), u64> = BTreeMap::new();
    let report = parse_listing(&bytes, 1, |e| {
        let state = e.state.map_or_else(|| "-".to_string(), |s| s.to_string());
        *counts.entry((e.proto, state)).or_default() += 1;
    });
    for ((proto, state), n) in &counts {
        println!("{n:>9}  proto {proto:<3} {state}");
    }
    println!("{:>9}  entries", report.entries);
    for bad in &report.issues.first {
        eprintln!(
            "{path}:{}: expected {}: {:?}",
            bad.line, bad.expected, bad.snippet
        );
    }
    if report.issues.skipped > 0 {
        eprintln!("{path}: {} lines skipped", report.issues.skipped);
    }
    ExitCode::SUCCESS
}
