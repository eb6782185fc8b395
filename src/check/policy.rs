//! The policy of `ctsleuth check`: thresholds per rule, rules on or off,
//! the severity of a breach, and overrides per namespace or workload. Read
//! from TOML; unknown keys are errors (a typo must not turn a rule off).

use serde::Deserialize;

use super::Rule;
use crate::analysis::attribution::Workload;
use crate::analysis::thresholds::Thresholds;

/// What a breach of a rule's `fail` threshold is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnBreach {
    Fail,
    Warn,
}

/// A rule with two thresholds: above `warn` warns, above `fail` breaches.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub warn: Option<f64>,
    pub fail: Option<f64>,
    #[serde(default = "fail")]
    pub severity: OnBreach,
    /// Tables smaller than this are not judged by this rule (a share of a
    /// small table says little).
    #[serde(default)]
    pub min_entries: u64,
}

/// A rule that is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "fail")]
    pub severity: OnBreach,
}

fn yes() -> bool {
    true
}
fn fail() -> OnBreach {
    OnBreach::Fail
}

fn t(warn: f64, fail: f64) -> Threshold {
    Threshold {
        enabled: true,
        warn: Some(warn),
        fail: Some(fail),
        severity: OnBreach::Fail,
        min_entries: 0,
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Entries / nf_conntrack_max, per snapshot.
    pub utilization: Threshold,
    /// Any logged `table full` drop, or drop/early_drop rising between
    /// counter captures.
    pub drops: Switch,
    /// The largest workload's (or source address's) share of a table.
    pub workload_share: Threshold,
    /// Connections closed per second (close-rate reconstruction).
    pub close_rate: Threshold,
    /// Share of UNREPLIED (or SYN_SENT, whichever is larger) entries.
    pub unreplied_share: Threshold,
    /// insert_failed per second between counter captures (clash races).
    pub insert_failed_rate: Threshold,
    /// early_drop per second: the table at its limit, evicting.
    pub early_drop_rate: Threshold,
    /// chaintoolong per second: inserts refused on long hash chains.
    pub chaintoolong_rate: Threshold,
    /// invalid per second: packets conntrack could not place.
    pub invalid_rate: Threshold,
    /// Unreplied UDP entries to backends that are gone.
    pub stale_udp_entries: Threshold,
    /// Source ports masquerading used towards one destination.
    pub snat_port_share: Threshold,
    /// A limit below what kube-proxy's formula would set for the node.
    pub limit_below_kube_proxy: Switch,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            utilization: t(0.60, 0.75),
            drops: Switch {
                enabled: true,
                severity: OnBreach::Fail,
            },
            workload_share: Threshold {
                min_entries: 10_000,
                ..t(0.30, 0.50)
            },
            close_rate: t(200.0, 500.0),
            unreplied_share: t(0.05, 0.10),
            insert_failed_rate: t(1.0, 10.0),
            early_drop_rate: t(1.0, 10.0),
            chaintoolong_rate: t(0.1, 1.0),
            invalid_rate: t(100.0, 1_000.0),
            stale_udp_entries: t(20.0, 200.0),
            snat_port_share: t(0.50, 0.80),
            limit_below_kube_proxy: Switch {
                enabled: true,
                severity: OnBreach::Warn,
            },
        }
    }
}

/// Other thresholds for the workload-share rule in some namespaces or for
/// some workloads (`namespace/name`, or `namespace/Kind/name` to tell a
/// Deployment from a StatefulSet of the same name).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub namespace: Option<String>,
    pub workload: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub warn: Option<f64>,
    pub fail: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineRules {
    /// Fails when a node's peak entries, or a workload's, grew by more than
    /// this fraction over the baseline summary.
    pub max_growth: f64,
    /// Workloads smaller than this in both runs are not compared.
    pub min_entries: u64,
    /// Nodes whose peak stayed under this fill of their limit in both runs
    /// are not compared: 2,021 → 2,942 entries of 131,072 is noise.
    pub min_fill: f64,
    /// Without a known limit, nodes under this many entries in both runs
    /// are not compared.
    pub min_node_entries: u64,
}

impl Default for BaselineRules {
    fn default() -> Self {
        BaselineRules {
            max_growth: 0.20,
            min_entries: 1_000,
            min_fill: 0.10,
            min_node_entries: 10_000,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub rules: Rules,
    pub overrides: Vec<Override>,
    pub baseline: BaselineRules,
}

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}")]
    Read(#[from] std::io::Error),
    /// The TOML error names the line and column.
    #[error("{}", .0.to_string().trim_end())]
    Toml(#[from] toml::de::Error),
    #[error("rules.{rule}: warn ({warn}) is above fail ({fail})")]
    WarnAboveFail { rule: Rule, warn: f64, fail: f64 },
}

impl Policy {
    pub fn read(path: &std::path::Path) -> Result<Policy, PolicyError> {
        Policy::parse(&std::fs::read_to_string(path)?)
    }

    /// Reads a policy from its text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text)?;
        for (name, r) in [
            (Rule::Utilization, &p.rules.utilization),
            (Rule::WorkloadShare, &p.rules.workload_share),
            (Rule::CloseRate, &p.rules.close_rate),
            (Rule::UnrepliedShare, &p.rules.unreplied_share),
            (Rule::InsertFailedRate, &p.rules.insert_failed_rate),
            (Rule::EarlyDropRate, &p.rules.early_drop_rate),
            (Rule::ChaintoolongRate, &p.rules.chaintoolong_rate),
            (Rule::InvalidRate, &p.rules.invalid_rate),
            (Rule::StaleUdpEntries, &p.rules.stale_udp_entries),
            (Rule::SnatPortShare, &p.rules.snat_port_share),
        ] {
            if let (Some(warn), Some(fail)) = (r.warn, r.fail) {
                if warn > fail {
                    return Err(PolicyError::WarnAboveFail {
                        rule: name,
                        warn,
                        fail,
                    });
                }
            }
        }
        Ok(p)
    }

    /// The analysis's thresholds with this policy's `warn` values, so that
    /// findings and rules agree on what is background.
    pub fn thresholds(&self) -> Thresholds {
        let d = Thresholds::default();
        let r = &self.rules;
        let warn = |t: &Threshold, default: f64| t.warn.unwrap_or(default);
        Thresholds {
            insert_failed_per_s: warn(&r.insert_failed_rate, d.insert_failed_per_s),
            early_drop_per_s: warn(&r.early_drop_rate, d.early_drop_per_s),
            chaintoolong_per_s: warn(&r.chaintoolong_rate, d.chaintoolong_per_s),
            invalid_per_s: warn(&r.invalid_rate, d.invalid_per_s),
            stale_udp_entries: crate::numbers::round_u64(warn(
                &r.stale_udp_entries,
                d.stale_udp_entries as f64,
            )),
            snat_port_share: warn(&r.snat_port_share, d.snat_port_share),
            ..d
        }
    }

    /// The workload-share thresholds for `workload`.
    pub fn share_for(&self, workload: &Workload) -> (bool, Option<f64>, Option<f64>) {
        let namespace = workload.namespace.as_deref();
        let base = &self.rules.workload_share;
        let mut out = (base.enabled, base.warn, base.fail);
        // Namespace overrides first, then workload ones (more specific wins).
        for o in self.overrides.iter().filter(|o| o.workload.is_none()) {
            if o.namespace
                .as_deref()
                .is_some_and(|ns| Some(ns) == namespace)
            {
                out = (o.enabled, o.warn.or(out.1), o.fail.or(out.2));
            }
        }
        for o in self
            .overrides
            .iter()
            .filter(|o| o.workload.as_deref().is_some_and(|p| workload.is_named(p)))
        {
            out = (o.enabled, o.warn.or(out.1), o.fail.or(out.2));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let p = Policy::parse("").unwrap();
        assert_eq!(p.rules.utilization.fail, Some(0.75));
        let p = Policy::parse(
            "[rules.utilization]\nfail = 0.9\n[[overrides]]\nnamespace = \"mesh\"\nfail = 0.95\n[[overrides]]\nworkload = \"mesh/router\"\nenabled = false\n",
        )
        .unwrap();
        assert_eq!(p.rules.utilization.fail, Some(0.9));
        assert_eq!(p.rules.utilization.warn, None);
        let w = |ns, kind, name| Workload::controller(ns, kind, name);
        assert_eq!(
            p.share_for(&w("mesh", "Deployment", "other")),
            (true, Some(0.30), Some(0.95))
        );
        assert!(!p.share_for(&w("mesh", "Deployment", "router")).0);
        assert_eq!(
            p.share_for(&w("web", "Deployment", "x")),
            (true, Some(0.30), Some(0.50))
        );
        // A kind in the override tells two workloads of one name apart.
        let p = Policy::parse(
            "[[overrides]]\nworkload = \"mesh/StatefulSet/router\"\nenabled = false\n",
        )
        .unwrap();
        assert!(!p.share_for(&w("mesh", "StatefulSet", "router")).0);
        assert!(p.share_for(&w("mesh", "Deployment", "router")).0);
    }

    #[test]
    fn typos_are_errors_with_a_place() {
        let e = Policy::parse("[rules.utilisation]\nfail = 0.9\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
        let e = Policy::parse("[rules.utilization]\nfial = 0.9\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(matches!(
            Policy::parse("[rules.close_rate]\nwarn = 9\nfail = 1\n"),
            Err(PolicyError::WarnAboveFail {
                rule: Rule::CloseRate,
                ..
            })
        ));
        assert!(Policy::parse("[rules.drops]\nseverity = \"maybe\"\n").is_err());
    }
}
