//! `ctsleuth capture-script`: prints the POSIX sh script that collects one
//! node's conntrack captures into the archive `analyze` reads.
//!
//! The script lives in `assets/capture.sh`, runnable as it is; this command
//! writes the options into its `default_*=` lines and prints it.

use std::io::Write;

use crate::cli::CaptureScriptArgs;
use crate::error::{Error, Exit};

/// The script as shipped, with its built-in defaults.
pub const SCRIPT: &str = include_str!("../../assets/capture.sh");

/// Upper bound of `--interval`, seconds (the script enforces the same).
pub const MAX_INTERVAL: u64 = 3600;
/// Upper bound of `--since-hours` (a year).
pub const MAX_SINCE_HOURS: u64 = 8760;
/// Upper bound of `--max-listing-mib` (64 GiB).
pub const MAX_LISTING_MIB: u64 = 65536;
/// Upper bound of `--timeout`, seconds.
pub const MAX_TIMEOUT: u64 = 3600;
/// Longest `--output-dir`, bytes (Linux's PATH_MAX).
const MAX_DIR_LEN: usize = 4096;

/// The script's options, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub interval: u64,
    pub since_hours: u64,
    pub max_listing_mib: u64,
    pub timeout: u64,
    pub output_dir: String,
}

impl Options {
    /// Checks the command line: numbers within the script's ranges, and an
    /// output folder that single quotes can hold.
    pub fn from_args(args: &CaptureScriptArgs) -> Result<Self, Error> {
        Ok(Self {
            interval: in_range("--interval", args.interval, MAX_INTERVAL)?,
            since_hours: in_range("--since-hours", args.since_hours, MAX_SINCE_HOURS)?,
            max_listing_mib: in_range("--max-listing-mib", args.max_listing_mib, MAX_LISTING_MIB)?,
            timeout: in_range("--timeout", args.timeout, MAX_TIMEOUT)?,
            output_dir: output_dir(&args.output_dir)?,
        })
    }
}

fn in_range(flag: &str, value: u64, max: u64) -> Result<u64, Error> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::Usage(format!(
            "{flag} must be from 1 to {max}, not {value}"
        )))
    }
}

/// A folder on the node. It lands in the script between single quotes, so a
/// single quote is refused, as are control characters (a newline would split
/// the line) and a leading `-` (read as an option by the tools).
fn output_dir(dir: &str) -> Result<String, Error> {
    let problem = if dir.is_empty() {
        Some("is empty")
    } else if dir.len() > MAX_DIR_LEN {
        Some("is longer than 4096 bytes")
    } else if dir.contains('\'') {
        Some("holds a single quote")
    } else if dir.chars().any(char::is_control) {
        Some("holds a control character")
    } else if dir.starts_with('-') {
        Some("starts with `-` (write ./-name)")
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::Usage(format!("--output-dir {dir:?} {p}"))),
        None => Ok(dir.to_owned()),
    }
}

/// The script with `opts` as its defaults.
pub fn render(opts: &Options) -> String {
    let mut out = String::with_capacity(SCRIPT.len() + opts.output_dir.len());
    for line in SCRIPT.split_inclusive('\n') {
        let name = line.split_once('=').map_or("", |(name, _)| name);
        let value = match name {
            "default_interval" => Some(opts.interval.to_string()),
            "default_since_hours" => Some(opts.since_hours.to_string()),
            "default_max_listing_mib" => Some(opts.max_listing_mib.to_string()),
            "default_timeout" => Some(opts.timeout.to_string()),
            "default_output_dir" => Some(format!("'{}'", opts.output_dir)),
            _ => None,
        };
        match value {
            Some(value) => {
                out.push_str(name);
                out.push('=');
                out.push_str(&value);
                out.push('\n');
            }
            None => out.push_str(line),
        }
    }
    out
}

pub fn run(args: &CaptureScriptArgs) -> Result<Exit, Error> {
    let opts = Options::from_args(args)?;
    let mut out = std::io::stdout().lock();
    out.write_all(render(&opts).as_bytes())?;
    out.flush()?;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(extra: &[&str]) -> CaptureScriptArgs {
        let argv = ["ctsleuth", "capture-script"].iter().chain(extra);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::CaptureScript(a) => a,
            other => panic!("parsed as {other:?}"),
        }
    }

    fn usage_error(extra: &[&str]) -> String {
        match Options::from_args(&parse(extra)) {
            Err(Error::Usage(msg)) => msg,
            other => panic!("{extra:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn the_defaults_are_the_scripts_own() {
        let opts = Options::from_args(&parse(&[])).unwrap();
        assert_eq!(
            opts,
            Options {
                interval: 60,
                since_hours: 72,
                max_listing_mib: 2048,
                timeout: 120,
                output_dir: ".".into(),
            }
        );
        assert_eq!(render(&opts), SCRIPT);
    }

    #[test]
    fn every_default_line_is_in_the_script_once() {
        for name in [
            "default_interval=",
            "default_since_hours=",
            "default_max_listing_mib=",
            "default_timeout=",
            "default_output_dir=",
        ] {
            let n = SCRIPT.lines().filter(|l| l.starts_with(name)).count();
            assert_eq!(n, 1, "{name}");
        }
    }

    #[test]
    fn options_become_the_defaults() {
        let opts = Options::from_args(&parse(&[
            "--interval",
            "5",
            "--since-hours",
            "24",
            "--max-listing-mib",
            "512",
            "--timeout",
            "300",
            "-o",
            "/var/tmp/conntrack captures",
        ]))
        .unwrap();
        let script = render(&opts);
        for line in [
            "default_interval=5\n",
            "default_since_hours=24\n",
            "default_max_listing_mib=512\n",
            "default_timeout=300\n",
            "default_output_dir='/var/tmp/conntrack captures'\n",
        ] {
            assert_eq!(script.matches(line).count(), 1, "{line:?}");
        }
        assert!(!script.contains("default_interval=60\n"));
        assert_eq!(script.lines().count(), SCRIPT.lines().count());
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        assert_eq!(
            usage_error(&["--interval", "0"]),
            "--interval must be from 1 to 3600, not 0"
        );
        assert_eq!(
            usage_error(&["--interval", "3601"]),
            "--interval must be from 1 to 3600, not 3601"
        );
        assert!(usage_error(&["--since-hours", "8761"]).starts_with("--since-hours "));
        assert!(usage_error(&["--max-listing-mib", "0"]).starts_with("--max-listing-mib "));
        assert!(usage_error(&["--max-listing-mib", "65537"]).starts_with("--max-listing-mib "));
        assert!(usage_error(&["--timeout", "0"]).starts_with("--timeout "));
        assert!(usage_error(&["--timeout", "3601"]).starts_with("--timeout "));
        // The bounds themselves are fine.
        let top = Options::from_args(&parse(&[
            "--interval",
            "3600",
            "--since-hours",
            "8760",
            "--max-listing-mib",
            "65536",
            "--timeout",
            "3600",
        ]))
        .unwrap();
        assert_eq!(top.max_listing_mib, 65536);
        assert!(Cli::try_parse_from(["ctsleuth", "capture-script", "--interval", "-1"]).is_err());
        assert!(Cli::try_parse_from(["ctsleuth", "capture-script", "--interval", "1m"]).is_err());
    }

    #[test]
    fn output_dirs_that_break_quoting_are_refused() {
        assert!(usage_error(&["-o", ""]).contains("is empty"));
        assert!(usage_error(&["-o", "/tmp/it's"]).contains("single quote"));
        assert!(usage_error(&["-o", "/tmp/a\nb"]).contains("control character"));
        assert!(usage_error(&["-o", "/tmp/a\tb"]).contains("control character"));
        assert!(usage_error(&["--output-dir=-rf"]).contains("starts with `-`"));
        assert!(usage_error(&["-o", &"a".repeat(4097)]).contains("longer than"));
        // What single quotes hold as they are.
        for dir in ["/var/tmp", "./out", "my dir/$HOME/`x`/\"q\"/\\", "données"] {
            let opts = Options::from_args(&parse(&["-o", dir])).unwrap();
            assert!(render(&opts).contains(&format!("\ndefault_output_dir='{dir}'\n")));
        }
    }
}
