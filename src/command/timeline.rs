//! `ctsleuth timeline`: drops over time from logs, per node.

use std::io::Write;

use crate::analysis::{self, AnalyzeOptions};
use crate::cli::TimelineArgs;
use crate::config::{InputConfig, time_options};
use crate::error::{Error, Exit};
use crate::report::{terminal, timeline};

pub fn run(args: &TimelineArgs) -> Result<Exit, Error> {
    let cfg = InputConfig::from_args(&args.input)?;
    let (clock, drops) = time_options(&args.time)?;
    let read = super::read_inputs(&args.paths, &cfg);
    let summary = analysis::analyze(
        &read.loaded,
        &AnalyzeOptions {
            timeouts: cfg.timeouts.clone(),
            clock,
            drops,
            ..AnalyzeOptions::default()
        },
    )?;
    terminal::diagnostics(&mut std::io::stderr().lock(), &summary.inputs, cfg.quiet)?;
    if read.loaded.logs.is_empty() {
        return Err(Error::NoInput(
            "no log among the inputs (dmesg, syslog, journal, serial console or Cloud Logging)"
                .into(),
        ));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", timeline::json(&summary))?;
    } else {
        timeline::render(&mut out, &summary)?;
    }
    out.flush()?;
    Ok(super::input_exit(&read, cfg.strict))
}
