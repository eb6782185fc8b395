//! Stage 4 of the pipeline: typed records become polars DataFrames.
//!
//! Column names live in [`col`]; nothing else spells them. Entries are stored
//! with compact types: addresses as `u32` ids into a per-snapshot address
//! table ([`EntriesFrame::ips`]), states and protocols as small codes, flags
//! as booleans. No column holds one string per row.

pub mod aggregate;
pub mod col;
pub mod count;
pub mod entries;

pub use entries::{ChunkBuilder, EntriesFrame, Projection, merge_chunks};

/// Receives a snapshot's entries block by block as they are parsed, every
/// column built, so that they can be written out without ever holding a
/// whole snapshot (`analyze --entries`).
pub trait EntrySink: Send + Sync {
    /// One block of the snapshot read from `path` (the input as reports
    /// name it). An error stops the export; it is reported with the path.
    fn block(&self, path: &str, frame: EntriesFrame) -> Result<(), String>;
}
