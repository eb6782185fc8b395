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
