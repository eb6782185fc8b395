//! `ctsleuth check`: the analysis judged against a policy; exit 1 when a
//! rule fails.

use std::io::Write;

use crate::check::{self, Status, baseline::Baseline, output, policy::Policy};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Error, Exit};

pub fn run(args: &CheckArgs) -> Result<Exit, Error> {
    let policy = match &args.policy {
        Some(p) => Policy::read(p).map_err(|source| Error::Policy {
            path: p.display().to_string(),
            source,
        })?,
        None => Policy::default(),
    };
    let previous = match &args.baseline {
        Some(p) => Some(Baseline::read(p).map_err(|source| Error::Baseline {
            path: p.display().to_string(),
            source,
        })?),
        None => None,
    };
    let (cfg, read, summary) = super::read_and_analyze(
        &args.paths,
        &args.input,
        &args.time,
        10,
        policy.thresholds(),
    )?;
    if read.loaded.usable_inputs() == 0 {
        return Err(Error::NoInput(format!(
            "none of the {} files could be used",
            read.loaded.inputs.len()
        )));
    }
    let report = check::evaluate(&summary, &policy, previous.as_ref());
    let text = match args.format {
        CheckFormat::Human => output::human(&report, args.all),
        CheckFormat::Junit => output::junit(&report),
        CheckFormat::Json => output::json(&report),
        CheckFormat::Github => output::github(&report),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let input = super::input_exit(&read, cfg.strict);
    Ok(if input != Exit::Ok {
        input
    } else if report.status == Status::Fail {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
