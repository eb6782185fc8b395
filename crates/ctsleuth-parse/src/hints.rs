//! Node and capture-time hints from where a file sits.
//!
//! The convention, documented in the README:
//!
//! ```text
//! <bundle>/<node>/<what>[-<time>].<ext>[.gz]
//! ```
//!
//! When a directory is given, the first folder below it names the node. A
//! time in the file name (`2024-11-26T09:04:00Z`, `2024-11-26T09-04-00Z`,
//! `20241126T090400Z`, `20241126-090400` or epoch seconds) is the capture
//! time; a time without a zone is read as UTC.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint {
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
}

/// Folder names that hold captures rather than name a machine: collector
/// folders, log folders, and the names people give a case's subfolders. A
/// node named like one of these is a misread layout.
pub const CONTAINER_FOLDERS: &[&str] = &[
    "bundle",
    "bundles",
    "capture",
    "captures",
    "cluster",
    "cluster-info",
    "conntrack",
    "data",
    "default",
    "dump",
    "dumps",
    "etc",
    "files",
    "inputs",
    "inventory",
    "journald",
    "kernel",
    "kube-system",
    "log",
    "logs",
    "namespaces",
    "net",
    "networking",
    "nodes",
    "out",
    "output",
    "pods",
    "proc",
    "raw",
    "reports",
    "snapshots",
    "sos_commands",
    "sos_reports",
    "sos_strings",
    "stats",
    "support",
    "sys",
    "sysctls",
    "system",
    "systeminfo",
    "systemlogs",
    "tmp",
    "var",
    "var_log",
];

/// Whether a folder name only holds captures (see [`CONTAINER_FOLDERS`]).
pub fn is_container_folder(name: &str) -> bool {
    CONTAINER_FOLDERS.contains(&name.to_ascii_lowercase().as_str())
}

/// Hints for `path`, found while walking `root` (None for a file named on the
/// command line, whose folder says nothing reliable). The node is the folder
/// that holds the file, or the nearest folder above it whose name is not a
/// mere container (`<node>/logs/kern.log` belongs to `<node>`,
/// `captures/<node>/x` too); a file directly in the root has none.
pub fn from_path(path: &Path, root: Option<&Path>) -> Hint {
    let node = root.and_then(|root| {
        let rel = path.strip_prefix(root).ok()?;
        let folders: Vec<String> = rel
            .parent()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name = folders.iter().rev().find(|f| !is_container_folder(f))?;
        valid_node_name(name).then(|| name.clone())
    });
    let captured_at = path
        .file_name()
        .and_then(|n| time_in_name(&n.to_string_lossy()));
    Hint { node, captured_at }
}

/// A node name must look like a host name: no blanks or control characters.
pub fn valid_node_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

fn patterns() -> &'static [Regex; 3] {
    static P: OnceLock<[Regex; 3]> = OnceLock::new();
    P.get_or_init(|| {
        let build = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("static pattern: {e}"));
        [
            build(
                r"(\d{4})-(\d{2})-(\d{2})[T_ ](\d{2})[:\-]?(\d{2})[:\-]?(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
            ),
            build(r"(\d{4})(\d{2})(\d{2})[T\-_](\d{2})(\d{2})(\d{2})Z?"),
            build(r"(?:^|[^0-9])(1\d{9})(?:[^0-9]|$)"),
        ]
    })
}

fn civil(parts: &[&str], zone: Option<&str>) -> Option<DateTime<Utc>> {
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [y, mo, d, h, mi, s] = n.as_slice() else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(*y).ok()?, *mo, *d)?;
    let naive: NaiveDateTime = date.and_hms_opt(*h, *mi, *s)?;
    match zone {
        None | Some("Z") => Some(Utc.from_utc_datetime(&naive)),
        Some(z) => {
            let offset = crate::parse::offset::utc_offset(z)?;
            Some(
                offset
                    .from_local_datetime(&naive)
                    .single()?
                    .with_timezone(&Utc),
            )
        }
    }
}

/// A capture time written in a file name.
pub fn time_in_name(name: &str) -> Option<DateTime<Utc>> {
    let [iso, compact, epoch] = patterns();
    if let Some(c) = iso.captures(name) {
        let parts: Vec<&str> = (1..=6)
            .map(|i| c.get(i).map_or("", |m| m.as_str()))
            .collect();
        return civil(&parts, c.get(7).map(|m| m.as_str()));
    }
    if let Some(c) = compact.captures(name) {
        let parts: Vec<&str> = (1..=6)
            .map(|i| c.get(i).map_or("", |m| m.as_str()))
            .collect();
        return civil(&parts, None);
    }
    let c = epoch.captures(name)?;
    let secs: i64 = c.get(1)?.as_str().parse().ok()?;
    DateTime::from_timestamp(secs, 0)
}

/// Parses `--captured-at`: RFC 3339, the file-name forms above, or epoch
/// seconds.
pub fn parse_time_arg(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("{s} is out of range"));
    }
    time_in_name(s).ok_or_else(|| {
        format!("{s:?} is not a time: use RFC 3339 (2024-11-26T09:04:00Z) or epoch seconds")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_in_file_names() {
        assert_eq!(
            time_in_name("conntrack-L-2024-11-26T09:04:00Z.txt"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(
            time_in_name("dump-2024-11-26T09-04-00Z.txt.gz"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(
            time_in_name("dump-2024-11-26T10:04:00+01:00.txt"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(
            time_in_name("stats-20241126T090400Z.txt"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(
            time_in_name("stats-20241126-090400.txt"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(
            time_in_name("conntrack-1732611840.txt"),
            Some(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(time_in_name("conntrack-L.txt"), None);
        assert_eq!(time_in_name("dump-2024-13-45T09:04:00Z.txt"), None);
        assert_eq!(time_in_name("id-12345678901234.txt"), None);
    }

    #[test]
    fn node_is_the_first_folder_below_the_root() {
        let root = PathBuf::from("bundle");
        let h = from_path(
            &root.join("gke-node-1/conntrack-2024-11-26T09:04:00Z.txt"),
            Some(&root),
        );
        assert_eq!(h.node.as_deref(), Some("gke-node-1"));
        assert_eq!(h.captured_at, Some(t("2024-11-26T09:04:00Z")));
        let h = from_path(&root.join("gke-node-1/logs/kern.log"), Some(&root));
        assert_eq!(h.node.as_deref(), Some("gke-node-1"));
        assert_eq!(from_path(&root.join("pods.json"), Some(&root)).node, None);
        let h = from_path(&root.join("captures/node-7/conntrack-L.txt"), Some(&root));
        assert_eq!(h.node.as_deref(), Some("node-7"));
        assert_eq!(
            from_path(&root.join("cluster/pods.json"), Some(&root)).node,
            None
        );
        assert_eq!(from_path(Path::new("/tmp/dump.txt"), None).node, None);
        assert_eq!(
            from_path(&root.join("bad name/x.txt"), Some(&root)).node,
            None
        );
    }

    #[test]
    fn captured_at_argument() {
        assert_eq!(
            parse_time_arg("2024-11-26T09:04:00Z"),
            Ok(t("2024-11-26T09:04:00Z"))
        );
        assert_eq!(parse_time_arg("1732611840"), Ok(t("2024-11-26T09:04:00Z")));
        assert!(parse_time_arg("yesterday").is_err());
    }
}
