//! `ctsleuth top`: one snapshot, summarised in the terminal or as JSON.

use std::io::Write;

use crate::analysis::{self, AnalyzeOptions};
use crate::cli::TopArgs;
use crate::config::InputConfig;
use crate::error::{Error, Exit};
use crate::frame::aggregate::AggregateOptions;
use crate::pipeline::IdentityGap;
use crate::report::terminal;

pub fn run(args: &TopArgs) -> Result<Exit, Error> {
    let mut cfg = InputConfig::from_args(&args.input)?;
    // Naming addresses needs the per-address counts and the reply tuple;
    // without an inventory `top` reads neither.
    cfg.load.aggregate = AggregateOptions {
        top: args.rows,
        per_address: !args.inventory.is_empty(),
    };
    let mut paths = vec![args.file.clone()];
    paths.extend(args.inventory.iter().cloned());
    let read = super::read_inputs(&paths, &cfg);
    let opts = AnalyzeOptions {
        top: args.rows,
        timeouts: cfg.timeouts.clone(),
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
    // One snapshot: a folder of several is `analyze`'s work, not a guess.
    let whole: Vec<&analysis::SnapshotSummary> =
        summary.snapshots.iter().filter(|s| !s.partial).collect();
    if whole.len() > 1 {
        let names: Vec<&str> = whole.iter().take(3).map(|s| s.path.as_str()).collect();
        return Err(Error::Usage(format!(
            "{} holds {} conntrack -L snapshots ({}{}): `top` reads one; name one of them, or run `ctsleuth analyze {}` for all",
            args.file,
            whole.len(),
            names.join(", "),
            if whole.len() > 3 { ", …" } else { "" },
            args.file
        )));
    }
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
