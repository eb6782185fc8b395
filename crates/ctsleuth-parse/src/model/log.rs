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

/// When an event happened, on the clock its node's logs allow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    /// An instant.
    Utc(DateTime<Utc>),
    /// Seconds since the node booted, for logs whose boot time is unknown;
    /// `boot` numbers the boots seen in the file (0 for the first).
    SinceBoot { boot: u32, secs: f64 },
    /// The stamp could not be read.
    Unknown,
}

impl At {
    /// The instant, when there is one.
    pub fn utc(self) -> Option<DateTime<Utc>> {
        match self {
            At::Utc(t) => Some(t),
            _ => None,
        }
    }

    /// The boot an event belongs to (0 for instants, which need none).
    pub fn boot(self) -> u32 {
        match self {
            At::SinceBoot { boot, .. } => boot,
            _ => 0,
        }
    }

    /// Seconds on the event's own clock: Unix time, or since boot.
    pub fn seconds(self) -> Option<f64> {
        match self {
            At::Utc(t) => Some(t.timestamp_millis() as f64 / 1000.0),
            At::SinceBoot { secs, .. } => Some(secs),
            At::Unknown => None,
        }
    }
}

/// One event of the logs on the timeline: a drop, a suppressed-count line,
/// an expectation-table or vmalloc message, or an application's DNS failure.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    pub node: Option<String>,
    pub at: At,
    pub kind: EventKind,
    /// Lines this event stands for (1), or the suppressed count.
    pub count: u64,
    pub input: usize,
    pub line: u64,
}
