//! Turns the parsed command line into validated settings.

use std::collections::BTreeMap;

use crate::cli::InputArgs;
use crate::error::Error;
use crate::facts::Timeouts;
use crate::input::hints::{parse_time_arg, valid_node_name};
use crate::pipeline::LoadOptions;

/// Validated input options.
#[derive(Debug, Clone)]
pub struct InputConfig {
    pub load: LoadOptions,
    pub timeouts: BTreeMap<String, u32>,
    pub strict: bool,
    pub quiet: bool,
}

/// `name=secs` pairs of `--timeout`.
pub fn parse_timeouts(items: &[String]) -> Result<BTreeMap<String, u32>, Error> {
    let mut out = BTreeMap::new();
    for item in items {
        let (name, secs) = item.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "--timeout {item:?}: expected NAME=SECS, e.g. tcp_timeout_time_wait=60"
            ))
        })?;
        let name = name
            .trim()
            .trim_start_matches("net.netfilter.")
            .trim_start_matches("nf_conntrack_");
        if !Timeouts::names().any(|n| n == name) {
            let known: Vec<&str> = Timeouts::names().collect();
            return Err(Error::Usage(format!(
                "--timeout: unknown timeout {name:?}; known: {}",
                known.join(", ")
            )));
        }
        let secs: u32 = secs.trim().parse().map_err(|_| {
            Error::Usage(format!(
                "--timeout {item:?}: seconds must be a whole number"
            ))
        })?;
        out.insert(name.to_string(), secs);
    }
    Ok(out)
}

impl InputConfig {
    pub fn from_args(args: &InputArgs) -> Result<InputConfig, Error> {
        if let Some(node) = &args.node {
            if !valid_node_name(node) {
                return Err(Error::Usage(format!(
                    "--node {node:?}: a node name has letters, digits, '-', '.' and '_' only"
                )));
            }
        }
        let captured_at = match &args.captured_at {
            Some(s) => {
                Some(parse_time_arg(s).map_err(|e| Error::Usage(format!("--captured-at: {e}")))?)
            }
            None => None,
        };
        Ok(InputConfig {
            load: LoadOptions {
                node: args.node.clone(),
                captured_at,
                kind: args.kind,
                block_size: 0,
            },
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
    fn timeouts_from_the_command_line() {
        let t = parse_timeouts(&[
            "tcp_timeout_time_wait=60".into(),
            "nf_conntrack_tcp_timeout_close=5".into(),
        ])
        .unwrap();
        assert_eq!(t.get("tcp_timeout_time_wait"), Some(&60));
        assert_eq!(t.get("tcp_timeout_close"), Some(&5));
        assert!(parse_timeouts(&["tcp_timeout_time_wait".into()]).is_err());
        assert!(parse_timeouts(&["time_wait=60".into()]).is_err());
        assert!(parse_timeouts(&["tcp_timeout_time_wait=-1".into()]).is_err());
    }
}
