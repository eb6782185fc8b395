//! `ctsleuth check`: the analysis judged against a policy; exit 1 when a
//! rule fails.

use std::io::Write;

use crate::analysis;
use crate::check::{self, Status, output, policy::Policy};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Error, Exit};

pub fn run(args: &CheckArgs) -> Result<Exit, Error> {
    let policy = match &args.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("--policy {}: {e}", p.display())))?;
            Policy::parse(&text)
                .map_err(|e| Error::Usage(format!("--policy {}: {e}", p.display())))?
        }
        None => Policy::default(),
    };
    let previous = match &args.baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("--baseline {}: {e}", p.display())))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Error::Usage(format!("--baseline {}: not JSON: {e}", p.display())))?;
            if v["schema"] != analysis::SCHEMA {
                return Err(Error::Usage(format!(
                    "--baseline {}: not a {} file",
                    p.display(),
                    analysis::SCHEMA
                )));
            }
            Some(v)
        }
        None => None,
    };
    let (cfg, read, summary) = super::read_and_analyze(&args.paths, &args.input, &args.time, 10)?;
    if read.loaded.usable_inputs() == 0 {
        return Err(Error::NoInput(format!(
            "none of the {} files could be used",
            read.loaded.inputs.len()
        )));
    }
    let mut report = check::evaluate(&summary, &policy);
    if let Some(prev) = &previous {
        report
            .results
            .extend(check::baseline(&summary, prev, &policy));
        report.status = report
            .results
            .iter()
            .map(|r| r.status)
            .filter(|s| *s != Status::Skip)
            .max()
            .unwrap_or(Status::Pass);
    }
    let text = match args.format {
        CheckFormat::Human => output::human(&report),
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
