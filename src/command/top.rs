//! `ctsleuth top`: one snapshot, summarised in the terminal or as JSON.

use std::io::Write;

use crate::analysis::{self, AnalyzeOptions};
use crate::cli::TopArgs;
use crate::config::InputConfig;
use crate::error::{Error, Exit};
use crate::pipeline::IdentityGap;
use crate::report::terminal;

pub fn run(args: &TopArgs) -> Result<Exit, Error> {
    let cfg = InputConfig::from_args(&args.input)?;
    let read = super::read_inputs(std::slice::from_ref(&args.file), &cfg);
    let opts = AnalyzeOptions {
        top: args.rows,
        timeouts: cfg.timeouts.clone(),
        per_address: false,
        ..AnalyzeOptions::default()
    };
    let summary = analysis::analyze(&read.loaded, &opts)?;
    let mut stderr = std::io::stderr().lock();
    // `top` is about one file: notes on node and time are noise here.
    let gaps: Vec<String> = IdentityGap::ALL.iter().map(ToString::to_string).collect();
    let inputs: Vec<_> = summary
        .inputs
        .iter()
        .cloned()
        .map(|mut i| {
            i.warnings.retain(|w| !gaps.contains(w));
            i
        })
        .collect();
    terminal::diagnostics(&mut stderr, &inputs, cfg.quiet)?;
    drop(stderr);
    let Some(mut snap) = summary.snapshots.into_iter().next() else {
        if read.path_problems > 0 {
            return Ok(Exit::Input);
        }
        let kind = summary
            .inputs
            .first()
            .map(|i| i.kind.as_str())
            .unwrap_or("unknown");
        return Err(Error::NoInput(format!(
            "{} holds no conntrack -L entries (read as {kind})",
            args.file
        )));
    };
    if let Some(limit) = args.limit {
        snap.limit = Some(limit);
        snap.utilization = (limit > 0).then(|| snap.stats.entries as f64 / limit as f64);
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let text = serde_json::to_string_pretty(&snap).unwrap_or_default();
        writeln!(out, "{text}")?;
    } else {
        terminal::snapshot(&mut out, &snap)?;
    }
    out.flush()?;
    Ok(super::input_exit(&read, cfg.strict))
}
