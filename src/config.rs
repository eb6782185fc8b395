//! Turns the parsed command line into validated settings.

use std::collections::BTreeMap;

use chrono::FixedOffset;

use crate::analysis::clock::ClockOptions;
use crate::analysis::drops::DropOptions;
use crate::cli::{InputArgs, TimeArgs};
use crate::error::Error;
use crate::facts::Timeout;
use crate::input::Kind;
use crate::input::hints::{parse_time_arg, valid_node_name};
use crate::pipeline::{LoadOptions, PathOverride};

/// Validated input options.
#[derive(Debug, Clone)]
pub struct InputConfig {
    pub load: LoadOptions,
    pub timeouts: BTreeMap<Timeout, u32>,
    pub strict: bool,
    pub quiet: bool,
}

/// `name=secs` pairs of `--timeout`.
pub fn parse_timeouts(items: &[String]) -> Result<BTreeMap<Timeout, u32>, Error> {
    let mut out = BTreeMap::new();
    for item in items {
        let (name, secs) = item.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "--timeout {item:?}: expected NAME=SECS, e.g. tcp_timeout_time_wait=60"
            ))
        })?;
        let Some(timeout) = Timeout::from_sysctl(name) else {
            let known: Vec<&str> = Timeout::ALL.iter().map(|t| t.sysctl()).collect();
            return Err(Error::Usage(format!(
                "--timeout: unknown timeout {:?}; known: {}",
                name.trim(),
                known.join(", ")
            )));
        };
        let secs: u32 = secs.trim().parse().map_err(|_| {
            Error::Usage(format!(
                "--timeout {item:?}: seconds must be a whole number"
            ))
        })?;
        out.insert(timeout, secs);
    }
    Ok(out)
}

/// `90`, `30s`, `1m`, `5m`, `2h` → seconds.
pub fn parse_duration(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u32 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration: use 30s, 1m, 5m, 1h"))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}: use s, m or h")),
    };
    match n.checked_mul(mult) {
        Some(0) => Err(format!("{s:?}: a duration must be above zero")),
        Some(secs) if secs <= 7 * 86_400 => Ok(secs),
        _ => Err(format!("{s:?}: at most a week")),
    }
}

/// `UTC`, `Z`, `+02:00`, `-0500`, `+5` → an offset.
pub fn parse_tz(s: &str) -> Result<FixedOffset, String> {
    crate::parse::offset::utc_offset(s).ok_or_else(|| {
        format!("{s:?}: use UTC or an offset such as +02:00 or -0500 (zone names are not read)")
    })
}

/// Validated time options.
pub fn time_options(args: &TimeArgs) -> Result<(ClockOptions, DropOptions), Error> {
    let usage = |flag: &str, e: String| Error::Usage(format!("{flag}: {e}"));
    let tz = match &args.tz {
        Some(s) => Some(parse_tz(s).map_err(|e| usage("--tz", e))?),
        None => None,
    };
    let boot_time = match &args.boot_time {
        Some(s) => Some(parse_time_arg(s).map_err(|e| usage("--boot-time", e))?),
        None => None,
    };
    if let Some(y) = args.year {
        if !(1970..=2200).contains(&y) {
            return Err(Error::Usage(format!("--year {y}: out of range")));
        }
    }
    let drops = DropOptions {
        bucket_s: parse_duration(&args.bucket).map_err(|e| usage("--bucket", e))?,
        burst_gap_s: parse_duration(&args.burst_gap).map_err(|e| usage("--burst-gap", e))?,
        window_s: parse_duration(&args.window).map_err(|e| usage("--window", e))?,
        ..DropOptions::default()
    };
    Ok((
        ClockOptions {
            year: args.year,
            tz,
            boot_time,
        },
        drops,
    ))
}

/// `512M`, `4G`, `100k`, `1048576` → bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size: use 512M, 4G or a number of bytes"))?;
    let mult: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}: use K, M, G or T")),
    };
    match n.checked_mul(mult) {
        Some(0) | None => Err(format!("{s:?}: a size above zero and below 16 EiB")),
        Some(b) => Ok(b),
    }
}

/// `VALUE` or `PATH=VALUE`. A value never holds `=` (names, times, kinds).
fn split_override(item: &str) -> (Option<&str>, &str) {
    match item.rsplit_once('=') {
        Some((path, value)) if !path.is_empty() => (Some(path), value),
        _ => (None, item),
    }
}

fn kind_arg(s: &str) -> Result<Kind, Error> {
    Kind::from_name(s).filter(|k| *k != Kind::Unknown).ok_or_else(|| {
        Error::Usage(format!(
            "--kind {s:?}: one of conntrack_dump, conntrack_events, conntrack_stats, sysctl, kernel_log, inventory"
        ))
    })
}

impl InputConfig {
    pub fn from_args(args: &InputArgs) -> Result<InputConfig, Error> {
        let mut load = LoadOptions::default();
        for item in &args.node {
            let (path, node) = split_override(item);
            if !valid_node_name(node) {
                return Err(Error::Usage(format!(
                    "--node {item:?}: a node name has letters, digits, '-', '.' and '_' only (PATH=NAME names one input's node)"
                )));
            }
            match path {
                Some(p) => load
                    .per_path
                    .push(PathOverride::Node(p.to_string(), node.to_string())),
                None => load.node = Some(node.to_string()),
            }
        }
        for item in &args.captured_at {
            // RFC 3339 times hold no `=`, so the split is unambiguous.
            let (path, time) = split_override(item);
            let t =
                parse_time_arg(time).map_err(|e| Error::Usage(format!("--captured-at: {e}")))?;
            match path {
                Some(p) => load
                    .per_path
                    .push(PathOverride::CapturedAt(p.to_string(), t)),
                None => load.captured_at = Some(t),
            }
        }
        for item in &args.kind {
            let (path, kind) = split_override(item);
            let k = kind_arg(kind)?;
            match path {
                Some(p) => load.per_path.push(PathOverride::Kind(p.to_string(), k)),
                None => load.kind = Some(k),
            }
        }
        let usage = |flag: &str, e: String| Error::Usage(format!("{flag}: {e}"));
        load.limits = crate::input::archive::Limits {
            max_member: parse_size(&args.max_member_size)
                .map_err(|e| usage("--max-member-size", e))?,
            max_total: parse_size(&args.max_archive_size)
                .map_err(|e| usage("--max-archive-size", e))?,
            max_members: args.max_members.max(1),
            max_depth: args.max_depth.clamp(1, 16),
        };
        Ok(InputConfig {
            load,
            timeouts: parse_timeouts(&args.timeouts)?,
            strict: args.strict,
            quiet: args.quiet,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_zones() {
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999h").is_err());
        assert_eq!(parse_tz("UTC").unwrap().local_minus_utc(), 0);
        assert_eq!(parse_tz("+02:00").unwrap().local_minus_utc(), 7200);
        assert_eq!(parse_tz("-0530").unwrap().local_minus_utc(), -19800);
        assert_eq!(parse_tz("+5").unwrap().local_minus_utc(), 18000);
        assert!(parse_tz("Europe/Paris").is_err());
        assert!(parse_tz("+25:00").is_err());
    }

    #[test]
    fn sizes_and_overrides() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("4X").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(split_override("node-1"), (None, "node-1"));
        assert_eq!(
            split_override("case/a.tar.gz=node-1"),
            (Some("case/a.tar.gz"), "node-1")
        );
        assert_eq!(split_override("=x"), (None, "=x"));
    }

    #[test]
    fn timeouts_from_the_command_line() {
        let t = parse_timeouts(&[
            "tcp_timeout_time_wait=60".into(),
            "nf_conntrack_tcp_timeout_close=5".into(),
        ])
        .unwrap();
        assert_eq!(t.get(&Timeout::TcpTimeWait), Some(&60));
        assert_eq!(t.get(&Timeout::TcpClose), Some(&5));
        assert!(parse_timeouts(&["tcp_timeout_time_wait".into()]).is_err());
        assert!(parse_timeouts(&["time_wait=60".into()]).is_err());
        assert!(parse_timeouts(&["tcp_timeout_time_wait=-1".into()]).is_err());
    }
}
