//! Counter captures per node over time: summed counters, and rates between
//! consecutive captures of the same node (counters are cumulative since
//! boot, so only deltas say what happened between two captures).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{StatsCapture, StatsSource};

/// One capture as reported in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub path: String,
    pub source: StatsSource,
    pub cpus: u32,
    pub entries: Option<u64>,
    pub counters: BTreeMap<String, u64>,
    /// Per-second change of each counter since the previous capture of the
    /// same node, when both have times and the counters did not go back
    /// (a reboot resets them).
    pub rates: Option<Rates>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    pub since: DateTime<Utc>,
    pub interval_s: f64,
    pub per_s: BTreeMap<String, f64>,
    /// Counter deltas over the interval.
    pub delta: BTreeMap<String, u64>,
    pub entries_delta: Option<i64>,
}

/// A capture with where it came from.
pub struct Captured<'a> {
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub path: String,
    pub capture: &'a StatsCapture,
}

/// Orders captures by node and time and computes rates between neighbours.
/// Returns the rows and warnings (counter resets).
pub fn rows(mut caps: Vec<Captured<'_>>) -> (Vec<StatsRow>, Vec<String>) {
    caps.sort_by(|a, b| (&a.node, a.captured_at, &a.path).cmp(&(&b.node, b.captured_at, &b.path)));
    let mut out: Vec<StatsRow> = Vec::with_capacity(caps.len());
    let mut warnings = Vec::new();
    // Last capture with counters, per node.
    let mut prev: BTreeMap<Option<String>, (DateTime<Utc>, &StatsCapture)> = BTreeMap::new();
    for c in &caps {
        let mut rates = None;
        if let (Some(t), false) = (c.captured_at, c.capture.counters.is_empty()) {
            if let Some((t0, p)) = prev.get(&c.node) {
                let secs = (t - *t0).num_milliseconds() as f64 / 1000.0;
                if secs > 0.0 {
                    let mut delta = BTreeMap::new();
                    let mut reset = false;
                    for (k, v) in &c.capture.counters {
                        if let Some(v0) = p.counters.get(k) {
                            match v.checked_sub(*v0) {
                                Some(d) => {
                                    delta.insert(k.clone(), d);
                                }
                                None => reset = true,
                            }
                        }
                    }
                    if reset {
                        warnings.push(format!(
                            "{}: counters went back between {} and {} (reboot or a different node?): no rates",
                            c.path,
                            t0.to_rfc3339(),
                            t.to_rfc3339()
                        ));
                    } else {
                        let per_s = delta
                            .iter()
                            .map(|(k, d)| (k.clone(), super::snapshot::round2(*d as f64 / secs)))
                            .collect();
                        let entries_delta = match (c.capture.entries, p.entries) {
                            // The table's count can shrink: a signed difference,
                            // without wrapping on absurd values.
                            (Some(a), Some(b)) => i64::try_from(i128::from(a) - i128::from(b)).ok(),
                            _ => None,
                        };
                        rates = Some(Rates {
                            since: *t0,
                            interval_s: secs,
                            per_s,
                            delta,
                            entries_delta,
                        });
                    }
                }
            }
            prev.insert(c.node.clone(), (t, c.capture));
        }
        out.push(StatsRow {
            node: c.node.clone(),
            captured_at: c.captured_at,
            path: c.path.clone(),
            source: c.capture.source,
            cpus: c.capture.cpus,
            entries: c.capture.entries,
            counters: c.capture.counters.clone(),
            rates,
        });
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(drop: u64, early: u64) -> StatsCapture {
        StatsCapture {
            source: StatsSource::ConntrackS,
            cpus: 2,
            entries: None,
            counters: [
                ("drop".to_string(), drop),
                ("early_drop".to_string(), early),
            ]
            .into(),
        }
    }

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn rates_between_captures_of_one_node() {
        let (a, b, other) = (cap(100, 10), cap(700, 70), cap(5, 5));
        let caps = vec![
            Captured {
                node: Some("n1".into()),
                captured_at: at("2024-11-26T09:01:00Z"),
                path: "b".into(),
                capture: &b,
            },
            Captured {
                node: Some("n2".into()),
                captured_at: at("2024-11-26T09:00:30Z"),
                path: "c".into(),
                capture: &other,
            },
            Captured {
                node: Some("n1".into()),
                captured_at: at("2024-11-26T09:00:00Z"),
                path: "a".into(),
                capture: &a,
            },
        ];
        let (rows, warnings) = rows(caps);
        assert!(warnings.is_empty());
        assert_eq!(
            rows.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert_eq!(rows[0].rates, None);
        let r = rows[1].rates.as_ref().unwrap();
        assert_eq!(r.interval_s, 60.0);
        assert_eq!(r.delta["drop"], 600);
        assert_eq!(r.per_s["drop"], 10.0);
        assert_eq!(r.per_s["early_drop"], 1.0);
        assert_eq!(rows[2].rates, None);
    }

    #[test]
    fn a_counter_reset_gives_no_rate_and_a_warning() {
        let (a, b) = (cap(100, 10), cap(5, 1));
        let caps = vec![
            Captured {
                node: None,
                captured_at: at("2024-11-26T09:00:00Z"),
                path: "a".into(),
                capture: &a,
            },
            Captured {
                node: None,
                captured_at: at("2024-11-26T09:10:00Z"),
                path: "b".into(),
                capture: &b,
            },
        ];
        let (rows, warnings) = rows(caps);
        assert_eq!(rows[1].rates, None);
        assert_eq!(warnings.len(), 1);
    }
}
