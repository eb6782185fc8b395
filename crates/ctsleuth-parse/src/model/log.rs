//! Events read from logs, with their time resolved to UTC (or, when no boot
//! time is known, to seconds since boot).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a log event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// `table full, dropping packet`: one dropped packet, logged.
    Drop,
    /// `N callbacks suppressed` next to conntrack drops: up to N more.
    Suppressed,
    /// `expectation table full`: a helper's limit, not the main table.
    ExpectationFull,
    /// The table was resized large (`falling back to vmalloc`).
    Vmalloc,
    /// An application failed to resolve a name.
    DnsFailure,
}

impl EventKind {
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct DropEvent {
    pub node: Option<String>,
    /// When it happened, if the time could be resolved.
    pub ts: Option<DateTime<Utc>>,
    /// Seconds since boot, for events that have no absolute time.
    pub since_boot: Option<f64>,
    /// Boot number within its file (0 for the first), when `since_boot` is used.
    pub boot: u32,
    pub kind: EventKind,
    /// Lines this event stands for (1), or the suppressed count.
    pub count: u64,
    pub input: usize,
    pub line: u64,
}
