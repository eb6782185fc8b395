//! Errors and exit codes.

use std::io;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything read and analysed.
    Ok = 0,
    /// A check failed (used by commands that evaluate rules).
    Findings = 1,
    /// A usage or input error: unreadable path, no recognised input, or a
    /// skipped line under `--strict`.
    Input = 2,
}

/// What can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value that does not parse.
    #[error("{0}")]
    Usage(String),
    /// None of the inputs could be used.
    #[error("no usable input: {0}")]
    NoInput(String),
    /// Writing a report failed.
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    /// Writing to the terminal failed (other than a closed pipe).
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
    /// A query failed inside polars.
    #[error("analysis failed: {0}")]
    Analysis(#[from] polars::prelude::PolarsError),
}

impl Error {
    pub fn exit(&self) -> Exit {
        Exit::Input
    }
}
