//! Errors and exit codes.

use std::io;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything read and analysed.
    Ok = 0,
    /// A check failed (used by commands that evaluate rules).
    Findings = 1,
    /// A usage or input error: unreadable path, no recognised input, a
    /// skipped line under `--strict`, or an output that cannot be written.
    Input = 2,
    /// A fault of ctsleuth itself (a query failed inside the analysis): a
    /// bug to report, not something the inputs or the flags can fix.
    Internal = 3,
}

/// What can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value that does not parse.
    #[error("{0}")]
    Usage(String),
    /// A `--policy` file that cannot be read or does not parse.
    #[error("--policy {path}: {source}")]
    Policy {
        path: String,
        source: crate::check::policy::PolicyError,
    },
    /// A `--baseline` file that cannot be read or is not a summary.
    #[error("--baseline {path}: {source}")]
    Baseline {
        path: String,
        source: crate::check::baseline::BaselineError,
    },
    /// None of the inputs could be used.
    #[error("no usable input: {0}")]
    NoInput(String),
    /// Writing a report failed.
    #[error(transparent)]
    Write(#[from] crate::report::WriteError),
    /// Writing to the terminal failed (other than a closed pipe).
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
    /// A query failed inside polars.
    #[error("analysis failed: {0}")]
    Analysis(#[from] polars::prelude::PolarsError),
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage(_)
            | Error::Policy { .. }
            | Error::Baseline { .. }
            | Error::NoInput(_)
            | Error::Write(_)
            | Error::Output(_) => Exit::Input,
            Error::Analysis(_) => Exit::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_failures_are_not_input_errors() {
        let e = Error::Analysis(polars::prelude::PolarsError::ComputeError("x".into()));
        assert_eq!(e.exit(), Exit::Internal);
        assert_eq!(Error::Usage("bad flag".into()).exit(), Exit::Input);
        assert_eq!(Error::NoInput("nothing".into()).exit(), Exit::Input);
    }
}
