//! An earlier `summary.json`, read back to compare a run with: node peaks
//! and workload peaks. Only what the comparison needs is read; the other
//! fields of the file are ignored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::analysis::{SCHEMA, Summary};

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{0}")]
    Read(#[from] std::io::Error),
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a {SCHEMA} file (its schema is {found:?})")]
    Schema { found: String },
}

/// The parts of a summary a baseline comparison reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Baseline {
    pub schema: String,
    #[serde(default)]
    pub nodes: Vec<BaselineNode>,
    #[serde(default)]
    pub snapshots: Vec<BaselineSnapshot>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BaselineNode {
    pub node: Option<String>,
    pub peak_entries: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BaselineSnapshot {
    pub node: Option<String>,
    #[serde(default)]
    pub top_workloads: Vec<BaselineWorkload>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BaselineWorkload {
    /// The workload's label (`namespace/name`, `Node/…`).
    pub workload: String,
    pub entries: u64,
}

/// The largest entries of each (node, workload label).
pub type WorkloadPeaks = BTreeMap<(Option<String>, String), u64>;

impl Baseline {
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        // The schema first, so a summary of another version is named as
        // such rather than as a missing field.
        #[derive(Deserialize)]
        struct Head {
            #[serde(default)]
            schema: String,
        }
        let head: Head = serde_json::from_str(text)?;
        if head.schema != SCHEMA {
            return Err(BaselineError::Schema { found: head.schema });
        }
        Ok(serde_json::from_str(text)?)
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        Baseline::parse(&std::fs::read_to_string(path)?)
    }

    pub fn node_peaks(&self) -> BTreeMap<Option<String>, u64> {
        self.nodes
            .iter()
            .map(|n| (n.node.clone(), n.peak_entries.unwrap_or(0)))
            .collect()
    }

    pub fn workload_peaks(&self) -> WorkloadPeaks {
        peaks(self.snapshots.iter().flat_map(|s| {
            s.top_workloads
                .iter()
                .map(|w| (s.node.clone(), w.workload.clone(), w.entries))
        }))
    }
}

/// The same peaks, of the run being checked.
pub fn workload_peaks_of(summary: &Summary) -> WorkloadPeaks {
    peaks(summary.snapshots.iter().flat_map(|s| {
        s.top_workloads
            .iter()
            .map(|w| (s.node.clone(), w.workload.to_string(), w.entries))
    }))
}

fn peaks(rows: impl Iterator<Item = (Option<String>, String, u64)>) -> WorkloadPeaks {
    let mut m = WorkloadPeaks::new();
    for (n, w, e) in rows {
        let slot = m.entry((n, w)).or_default();
        *slot = (*slot).max(e);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_compares_and_names_other_files() {
        let b = Baseline::parse(&format!(
            r#"{{"schema":"{SCHEMA}","nodes":[{{"node":"a","peak_entries":5000,"limit":131072}}],
               "snapshots":[{{"node":"a","top_workloads":[{{"workload":"web/api","entries":40}},
               {{"workload":"web/api","entries":70}}]}}]}}"#
        ))
        .unwrap();
        assert_eq!(b.node_peaks()[&Some("a".into())], 5000);
        assert_eq!(
            b.workload_peaks()[&(Some("a".into()), "web/api".into())],
            70
        );
        let other = Baseline::parse(r#"{"schema":"ctsleuth.check/v1"}"#).unwrap_err();
        assert!(other.to_string().contains("ctsleuth.check/v1"), "{other}");
        assert!(matches!(
            Baseline::parse("{nope").unwrap_err(),
            BaselineError::Json(_)
        ));
    }
}
