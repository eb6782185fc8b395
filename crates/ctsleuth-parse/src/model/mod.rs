//! Stage 3 of the pipeline: typed records.
//!
//! Parsers turn bytes into these types; the frame stage turns them into polars
//! columns. Records borrow from the input where they carry text, so parsing a
//! line allocates nothing.

pub mod entry;
pub mod inventory;
pub mod log;
pub mod settings;
pub mod stats;

pub use entry::{Counters, Entry, Family, Flags, L4, State, Tuple};
pub use log::{At, EventKind, LogEvent};
pub use settings::{Origin, Setting, Settings};
pub use stats::{StatsCapture, StatsSource};
