//! `ctsleuth timeline`: drops over time from logs, per node.

use std::io::Write;

use crate::cli::TimelineArgs;
use crate::error::{Error, Exit};
use crate::report::timeline;

pub fn run(args: &TimelineArgs) -> Result<Exit, Error> {
    let (cfg, read, summary) =
        super::read_and_analyze(&args.paths, &args.input, &args.time, 10, Default::default())?;
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
