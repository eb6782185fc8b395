//! The commands: each reads inputs through the pipeline, analyses, renders.

pub mod analyze;
pub mod capture;
pub mod check;
pub mod timeline;
pub mod top;

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{Cli, Command};
use crate::config::InputConfig;
use crate::error::{Error, Exit};
use crate::input::{self, InputFile};
use crate::pipeline::{self, Loaded};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Exit, Error> {
    crate::style::init(match cli.color {
        crate::cli::ColorChoice::Auto => crate::style::Choice::Auto,
        crate::cli::ColorChoice::Always => crate::style::Choice::Always,
        crate::cli::ColorChoice::Never => crate::style::Choice::Never,
    });
    match cli.command {
        Command::Top(args) => top::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Timeline(args) => timeline::run(&args),
        Command::Check(args) => check::run(&args),
        Command::CaptureScript(args) => capture::run(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "ctsleuth", &mut std::io::stdout().lock());
            Ok(Exit::Ok)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?;
            Ok(Exit::Ok)
        }
    }
}

/// Inputs read, with what went wrong finding them.
pub struct Read {
    pub loaded: Loaded,
    /// Paths that could not be read at all.
    pub path_problems: usize,
}

/// Finds and reads the inputs, with a progress bar on a terminal.
pub fn read_inputs(paths: &[String], cfg: &InputConfig) -> Read {
    let (files, problems) = input::discover(paths);
    let mut stderr = std::io::stderr().lock();
    for p in &problems {
        let _ = writeln!(stderr, "{}: {}", p.display, p.error);
    }
    drop(stderr);
    let bar = progress_bar(&files, cfg.quiet);
    let on_read = |n: u64| bar.inc(n);
    let loaded = pipeline::load(&files, &cfg.load, &on_read);
    bar.finish_and_clear();
    Read {
        loaded,
        path_problems: problems.len(),
    }
}

fn progress_bar(files: &[InputFile], quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = files.iter().filter_map(input::size_hint).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Reads the inputs and analyses them with the command line's time and
/// input options, then prints the inputs' diagnostics. Shared by the
/// commands that take a bundle.
pub fn read_and_analyze(
    paths: &[String],
    input: &crate::cli::InputArgs,
    time: &crate::cli::TimeArgs,
    top: usize,
    thresholds: crate::analysis::thresholds::Thresholds,
) -> Result<(InputConfig, Read, crate::analysis::Summary), Error> {
    let mut cfg = InputConfig::from_args(input)?;
    cfg.load.aggregate.top = top;
    let (clock, drops) = crate::config::time_options(time)?;
    let read = read_inputs(paths, &cfg);
    let summary = crate::analysis::analyze(
        &read.loaded,
        &crate::analysis::AnalyzeOptions {
            top,
            timeouts: cfg.timeouts.clone(),
            clock,
            drops,
            thresholds,
        },
    )?;
    let mut err = std::io::stderr().lock();
    crate::report::terminal::diagnostics(&mut err, &summary.inputs, cfg.quiet)?;
    crate::report::terminal::bundle_diagnostics(&mut err, &summary.bundles, cfg.quiet)?;
    drop(err);
    Ok((cfg, read, summary))
}

/// The exit status for what was read: 2 under `--strict` when lines were
/// skipped, or when a path could not be read.
pub fn input_exit(read: &Read, strict: bool) -> Exit {
    let skipped = read.loaded.skipped_lines();
    if read.path_problems > 0 {
        return Exit::Input;
    }
    if strict && skipped > 0 {
        eprintln!("--strict: {skipped} input lines were skipped");
        return Exit::Input;
    }
    Exit::Ok
}
