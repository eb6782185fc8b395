//! Support bundles: the collectors' layouts as one declarative table.
//!
//! Each [`CollectorDef`] says how a collector's bundle is recognised (its
//! archive name, its wrapper folder, marker paths), where each capture lives
//! inside it ([`Spec`]: a path pattern and the [`Role`] of the file), where
//! the node's name and the capture time come from, and what to ask for when
//! a capture is missing. The pipeline looks every member up here
//! ([`lookup`]); parsers never see a collector's layout.
//!
//! Sources, read from the collectors themselves:
//! - sos: sosreport/sos `sos/report/plugins/{conntrack,networking,kernel,logs,host,date,system}.py`,
//!   `sos/archive.py` (file naming, `sos_strings/*.tailed`), `sos/report/__init__.py` (manifest);
//! - EKS: awslabs/amazon-eks-ami `log-collector-script/linux/eks-log-collector.sh`;
//! - Rancher: rancherlabs/support-tools `collection/rancher/v2.x/logs-collector/rancher2_logs_collector.sh`;
//! - log-dump: kubernetes/cloud-provider-gcp `cluster/log-dump/log-dump.sh`;
//! - cluster-info dump: kubernetes/kubernetes `staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go`;
//! - must-gather: openshift/oc `pkg/cli/admin/mustgather/mustgather.go`;
//! - AKS Periscope: Azure/aks-periscope `pkg/exporter/zip.go`;
//! - Talos: siderolabs/talos `cmd/talosctl/cmd/talos/support.go`.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;
use serde::Serialize;

use super::sniff::Kind;

/// The collectors ctsleuth knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collector {
    SosReport,
    /// `sos collect`: an archive of sos reports, one per node.
    SosCollect,
    EksLogCollector,
    RancherLogsCollector,
    KubeLogDump,
    ClusterInfoDump,
    MustGather,
    AksPeriscope,
    TalosSupport,
    /// `ctsleuth capture-script`'s archive.
    CaptureKit,
    /// An archive or folder no collector claims: today's rules apply.
    Generic,
}

impl Collector {
    pub fn title(self) -> &'static str {
        match self {
            Collector::SosReport => "sos report",
            Collector::SosCollect => "sos collect archive",
            Collector::EksLogCollector => "EKS log collector",
            Collector::RancherLogsCollector => "Rancher logs collector",
            Collector::KubeLogDump => "Kubernetes log-dump",
            Collector::ClusterInfoDump => "kubectl cluster-info dump",
            Collector::MustGather => "OpenShift must-gather",
            Collector::AksPeriscope => "AKS Periscope",
            Collector::TalosSupport => "Talos support bundle",
            Collector::CaptureKit => "ctsleuth capture kit",
            Collector::Generic => "archive",
        }
    }
}

impl std::fmt::Display for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.title())
    }
}

/// What one file of a bundle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A capture read by the usual parsers, as this kind.
    Capture(Kind),
    /// A capture whose kind is sniffed (files holding several outputs).
    Sniffed,
    /// The node's host name, one line.
    Hostname,
    /// An EC2 instance id, one line.
    InstanceId,
    /// `date` as printed in the C locale (`Tue Nov 26 09:06:02 UTC 2024`),
    /// ISO 8601, or `timedatectl` output.
    Date,
    /// `date --utc`: the same, known to be UTC.
    DateUtc,
    /// `uptime` or `/proc/uptime`: with the bundle's time, the boot time.
    Uptime,
    /// sos's `sos_reports/manifest.json`: per-command start times.
    SosManifest,
    /// The capture kit's `ctsleuth-capture.txt`.
    KitManifest,
    /// sos keeps the tail of a command output cut at its size limit under
    /// `sos_strings/<plugin>/<name>.tailed`: the file of
    /// `sos_commands/<plugin>/<name>`, partial.
    Tailed,
    /// Known, and of no use to the analysis.
    Ignored,
    /// Known, and not readable by this version (the reason is said).
    Unreadable(&'static str),
}

/// What a capture is, for the evidence table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    ConntrackListing,
    ConntrackCounters,
    Limits,
    KernelLog,
    BootTime,
    Inventory,
    NodeName,
    CaptureTime,
}

impl Evidence {
    pub fn title(self) -> &'static str {
        match self {
            Evidence::ConntrackListing => "conntrack listing",
            Evidence::ConntrackCounters => "conntrack counters",
            Evidence::Limits => "limits (sysctl)",
            Evidence::KernelLog => "kernel log",
            Evidence::BootTime => "boot time",
            Evidence::Inventory => "Kubernetes inventory",
            Evidence::NodeName => "node name",
            Evidence::CaptureTime => "capture time",
        }
    }

    /// The evidence a file of this kind gives.
    pub fn of_kind(kind: Kind) -> Option<Evidence> {
        match kind {
            Kind::ConntrackDump => Some(Evidence::ConntrackListing),
            Kind::ConntrackStats => Some(Evidence::ConntrackCounters),
            Kind::Sysctl => Some(Evidence::Limits),
            Kind::KernelLog => Some(Evidence::KernelLog),
            Kind::Inventory => Some(Evidence::Inventory),
            Kind::ConntrackEvents | Kind::Unknown => None,
        }
    }
}

/// One file of a layout: a path pattern and what the file is. Patterns are
/// `/`-separated; `*` matches within one segment, `**` any number of
/// segments. The text the first `*` matched names a network namespace
/// (with [`Spec::netns`]) or a node (with [`Spec::node`]).
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub pattern: &'static str,
    pub role: Role,
    /// The first `*` is a network namespace: this file is that namespace's
    /// table, not the host's.
    pub netns: bool,
    /// The first `*` is the node's name.
    pub node: bool,
    /// Another file holds the same data; this one is read only when that one
    /// is missing (lower is preferred).
    pub rank: u8,
}

/// A collector's entry in the table.
#[derive(Debug)]
pub struct CollectorDef {
    pub collector: Collector,
    /// Archive (or folder) names of this collector, as a regex over the name
    /// without extensions. Named groups: `host`, `instance`, `date`
    /// (`YYYY-MM-DD`), `time` (per `time_format`).
    pub name: &'static str,
    /// How `time` of the name reads (chrono format), and whether it is UTC.
    pub time_format: &'static str,
    /// Paths whose presence recognises an extracted bundle (any one).
    pub markers: &'static [&'static str],
    /// Closed layouts read only what the table names (and conntrack
    /// captures anywhere); open ones read every file by today's rules.
    pub closed: bool,
    pub specs: &'static [Spec],
    /// What an analysis wants from this bundle, with what to ask for when
    /// it is missing.
    pub expects: &'static [(Evidence, &'static str)],
}

mod table;

pub use table::table;

pub fn def(c: Collector) -> Option<&'static CollectorDef> {
    table().iter().find(|d| d.collector == c)
}

/// Matches a `/`-separated glob; returns what the first `*` matched (empty
/// when the pattern has none).
pub fn glob(pattern: &str, path: &str) -> Option<String> {
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    let mut first = None;
    glob_segments(&pat, &segs, &mut first).then(|| first.unwrap_or_default())
}

fn glob_segments(pat: &[&str], segs: &[&str], first: &mut Option<String>) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|skip| {
            segs.get(skip..)
                .is_some_and(|tail| glob_segments(rest, tail, first))
        }),
        Some((p, rest)) => match segs.split_first() {
            Some((s, tail)) => match glob_segment(p, s) {
                Some(cap) => {
                    let had = first.is_some();
                    if !had && p.contains('*') {
                        *first = Some(cap);
                    }
                    if glob_segments(rest, tail, first) {
                        true
                    } else {
                        if !had {
                            *first = None;
                        }
                        false
                    }
                }
                None => false,
            },
            None => false,
        },
    }
}

/// One segment: `*` matches any run of characters. Returns what the first
/// `*` matched.
fn glob_segment(p: &str, s: &str) -> Option<String> {
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return (p == s).then(String::new);
    }
    let (head, tail) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(head) || s.len() < head.len() + tail.len() || !s.ends_with(tail) {
        return None;
    }
    let mut rest = &s[head.len()..s.len() - tail.len()];
    let mut cap = None;
    for mid in &parts[1..parts.len() - 1] {
        let at = rest.find(mid)?;
        cap.get_or_insert_with(|| rest[..at].to_string());
        rest = &rest[at + mid.len()..];
    }
    Some(cap.unwrap_or_else(|| rest.to_string()))
}

/// What the table says of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub collector: Collector,
    pub role: Role,
    pub netns: Option<String>,
    pub node: Option<String>,
    pub rank: u8,
    /// The path the spec matched (for `.tailed` files, the original one).
    pub path: String,
    pub partial: bool,
}

/// Looks a member path (relative to its bundle's top) up in `collector`'s
/// specs.
pub fn lookup(collector: Collector, path: &str) -> Option<Found> {
    let d = def(collector)?;
    for s in d.specs {
        if let Some(cap) = glob(s.pattern, path) {
            if s.role == Role::Tailed {
                // sos_strings/<plugin>/<name>.tailed → sos_commands/<plugin>/<name>
                let orig = path
                    .strip_prefix("sos_strings/")
                    .and_then(|p| p.strip_suffix(".tailed"))
                    .map(|p| format!("sos_commands/{p}"))?;
                let mut f = lookup(collector, &orig)?;
                f.partial = true;
                return Some(f);
            }
            let cap = (!cap.is_empty()).then_some(cap);
            return Some(Found {
                collector,
                role: s.role,
                netns: if s.netns { cap.clone() } else { None },
                node: if s.node { cap } else { None },
                rank: s.rank,
                path: path.to_string(),
                partial: false,
            });
        }
    }
    None
}

/// The top of an extracted bundle found while walking a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRoot {
    pub display: String,
    pub collector: Collector,
    pub facts: NameFacts,
}

/// Node and time told by an archive's or folder's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameFacts {
    pub host: Option<String>,
    pub instance: Option<String>,
    pub time: Option<DateTime<Utc>>,
    /// A date without a time (sos's friendly names): a year anchor only.
    pub date: Option<NaiveDate>,
}

fn compiled() -> &'static Vec<(Collector, Regex)> {
    static R: OnceLock<Vec<(Collector, Regex)>> = OnceLock::new();
    R.get_or_init(|| {
        table()
            .iter()
            .filter(|d| d.name != "^$")
            .filter_map(|d| Regex::new(d.name).ok().map(|r| (d.collector, r)))
            .collect()
    })
}

/// Recognises a collector by the name of its archive or top folder
/// (extensions already removed).
pub fn by_name(stem: &str) -> Option<(Collector, NameFacts)> {
    for (c, re) in compiled() {
        let Some(m) = re.captures(stem) else {
            continue;
        };
        let d = def(*c)?;
        let get = |n: &str| m.name(n).map(|x| x.as_str().to_string());
        let time = get("time").and_then(|t| {
            NaiveDateTime::parse_from_str(&t, d.time_format)
                .ok()
                .map(|n| Utc.from_utc_datetime(&n))
        });
        let date = get("date").and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok());
        return Some((
            *c,
            NameFacts {
                host: get("host"),
                instance: get("instance"),
                time,
                date,
            },
        ));
    }
    None
}

/// Recognises an extracted bundle from the names in its top folder.
pub fn by_markers(has: impl Fn(&str) -> bool) -> Option<Collector> {
    if has("sos_commands") {
        return Some(Collector::SosReport);
    }
    if has("ctsleuth-capture.txt") {
        return Some(Collector::CaptureKit);
    }
    if has("networking") && (has("system") || has("sysctls")) && has("kernel") {
        return Some(Collector::EksLogCollector);
    }
    if has("systeminfo") && (has("systemlogs") || has("journald")) {
        return Some(Collector::RancherLogsCollector);
    }
    if has("cluster-scoped-resources") || (has("timestamp") && has("namespaces")) {
        return Some(Collector::MustGather);
    }
    if has("kubernetesResources") {
        return Some(Collector::TalosSupport);
    }
    if has("nodelogs") || (has("systemlogs") && has("iptables")) {
        return Some(Collector::AksPeriscope);
    }
    None
}

/// Which wrapper folder to strip from member paths: sos and the Rancher
/// collector put everything under one folder named like the archive.
pub fn wrapper(first_segment: &str, archive_stem: &str) -> bool {
    first_segment == archive_stem
        || first_segment.starts_with("sosreport-")
        || first_segment.starts_with("must-gather.local.")
        || by_name(first_segment).is_some_and(|(c, _)| {
            matches!(
                c,
                Collector::SosReport | Collector::RancherLogsCollector | Collector::CaptureKit
            )
        })
}

/// Parses what `date` printed: the C locale's `Tue Nov 26 09:06:02 UTC 2024`,
/// ISO 8601 / RFC 3339, `timedatectl`'s `Universal time: Tue 2024-11-26
/// 09:06:02 UTC`. A zone abbreviation other than UTC/GMT cannot be turned
/// into an offset without a zone database: `None`, unless `utc` says the
/// clock was UTC anyway.
pub fn parse_date(text: &str, utc: bool) -> Option<DateTime<Utc>> {
    // timedatectl: its `Universal time:` line, wherever it stands.
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("Universal time:") {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            if let [_, d, tm, ..] = parts.as_slice() {
                if let Ok(n) =
                    NaiveDateTime::parse_from_str(&format!("{d} {tm}"), "%Y-%m-%d %H:%M:%S")
                {
                    return Some(Utc.from_utc_datetime(&n));
                }
            }
        }
    }
    for line in text.lines() {
        let t = line.trim();
        if let Ok(d) = DateTime::parse_from_rfc3339(t) {
            return Some(d.with_timezone(&Utc));
        }
        // Tue Nov 26 09:06:02 UTC 2024
        let parts: Vec<&str> = t.split_whitespace().collect();
        let [_, mon, day, time, zone, year] = parts.as_slice() else {
            continue;
        };
        let Ok(n) = NaiveDateTime::parse_from_str(
            &format!("{mon} {day} {year} {time}"),
            "%b %d %Y %H:%M:%S",
        ) else {
            continue;
        };
        let zone_utc = matches!(*zone, "UTC" | "GMT" | "Z" | "+0000");
        return (zone_utc || utc).then(|| Utc.from_utc_datetime(&n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert_eq!(glob("a/b", "a/b"), Some(String::new()));
        assert_eq!(glob("a/*", "a/b"), Some("b".into()));
        assert_eq!(glob("a/*", "a/b/c"), None);
        assert_eq!(
            glob(
                "sos_commands/conntrack/ip_netns_exec_*_conntrack_-S",
                "sos_commands/conntrack/ip_netns_exec_cni-1f2e_conntrack_-S"
            ),
            Some("cni-1f2e".into())
        );
        assert_eq!(
            glob("var/log/messages*", "var/log/messages-20241124"),
            Some("-20241124".into())
        );
        assert_eq!(glob("**/x/*.yaml", "a/b/x/n.yaml"), Some("n".into()));
        assert_eq!(glob("**/x/*.yaml", "x/n.yaml"), Some("n".into()));
        assert_eq!(glob("*/kern.log", "node-1/kern.log"), Some("node-1".into()));
    }

    #[test]
    fn sos_members_and_tailed_files() {
        let f = lookup(
            Collector::SosReport,
            "sos_commands/conntrack/conntrack_-L_-o_extended",
        )
        .unwrap();
        assert_eq!(f.role, Role::Capture(Kind::ConntrackDump));
        assert_eq!(f.netns, None);
        let f = lookup(
            Collector::SosReport,
            "sos_commands/conntrack/ip_netns_exec_cni-9a1b_conntrack_-L_-o_extended",
        )
        .unwrap();
        assert_eq!(f.netns.as_deref(), Some("cni-9a1b"));
        let f = lookup(
            Collector::SosReport,
            "sos_strings/conntrack/conntrack_-L_-o_extended.tailed",
        )
        .unwrap();
        assert!(f.partial);
        assert_eq!(f.role, Role::Capture(Kind::ConntrackDump));
        assert_eq!(lookup(Collector::SosReport, "etc/sysctl.conf"), None);
        assert_eq!(
            lookup(Collector::SosReport, "proc/net/nf_conntrack")
                .unwrap()
                .rank,
            1
        );
    }

    #[test]
    fn collectors_by_name() {
        let (c, f) = by_name("sosreport-ip-10-0-1-23-04012345-2024-11-26-xkqpwmd").unwrap();
        assert_eq!(c, Collector::SosReport);
        assert_eq!(f.host.as_deref(), Some("ip-10-0-1-23-04012345"));
        assert_eq!(f.date, NaiveDate::from_ymd_opt(2024, 11, 26));
        let (c, f) = by_name("sosreport-node7-20241126090602").unwrap();
        assert_eq!(c, Collector::SosReport);
        assert_eq!(f.time.unwrap().to_rfc3339(), "2024-11-26T09:06:02+00:00");
        let (c, f) = by_name("eks_i-0a1b2c3d4e5f60718_2024-11-26_0906-UTC_0.7.8").unwrap();
        assert_eq!(c, Collector::EksLogCollector);
        assert_eq!(f.instance.as_deref(), Some("i-0a1b2c3d4e5f60718"));
        assert_eq!(f.time.unwrap().to_rfc3339(), "2024-11-26T09:06:00+00:00");
        let (c, f) = by_name("ip-10-0-3-41-2024-11-26_09_07_12").unwrap();
        assert_eq!(c, Collector::RancherLogsCollector);
        assert_eq!(f.host.as_deref(), Some("ip-10-0-3-41"));
        let (c, f) = by_name("ip-10-0-1-23.eu-west-1.compute.internal-20241126T090602Z").unwrap();
        assert_eq!(c, Collector::CaptureKit);
        assert_eq!(
            f.host.as_deref(),
            Some("ip-10-0-1-23.eu-west-1.compute.internal")
        );
        assert_eq!(by_name("incident-linkerd"), None);
        assert!(wrapper("sosreport-x-2024-11-26-abcdefg", "whatever"));
        assert!(!wrapper("networking", "eks_i-0a_2024-11-26_0906-UTC_0.7.8"));
    }

    #[test]
    fn dates_as_date_prints_them() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_date("Tue Nov 26 09:06:02 UTC 2024\n", false),
            Some(t("2024-11-26T09:06:02Z"))
        );
        assert_eq!(
            parse_date("Tue Nov  5 09:06:02 UTC 2024\n", false),
            Some(t("2024-11-05T09:06:02Z"))
        );
        assert_eq!(parse_date("Tue Nov 26 10:06:02 CET 2024\n", false), None);
        assert_eq!(
            parse_date("2024-11-26T09:06:02Z\n", false),
            Some(t("2024-11-26T09:06:02Z"))
        );
        assert_eq!(
            parse_date(
                "               Local time: Tue 2024-11-26 10:06:02 CET\n           Universal time: Tue 2024-11-26 09:06:02 UTC\n",
                false
            ),
            Some(t("2024-11-26T09:06:02Z"))
        );
        assert_eq!(parse_date("garbage", true), None);
    }
}
