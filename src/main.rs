//! The ctsleuth binary: parse the command line, run, map the outcome to an
//! exit status. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use ctsleuth::{cli::Cli, command, error::Error};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match command::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        // `ctsleuth top dump | head`: a closed pipe is not an error.
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit() as u8)
        }
    }
}
