//! ctsleuth explains why a Linux node ran out of connection-tracking space.
//!
//! The pipeline, one folder per stage:
//!
//! ```text
//! input (read, decompress, sniff) -> parse (framing, grammar) -> model (typed records)
//!   -> frame (polars DataFrames) -> analysis (lazy queries, findings) -> report (json, terminal)
//! ```

pub mod analysis;
pub mod check;
pub mod cli;
pub mod command;
pub mod config;
pub mod error;
pub mod facts;
pub mod frame;
pub mod input;
pub mod numbers;
pub mod pipeline;
pub mod report;
pub mod style;

pub use ctsleuth_parse::{model, parse};
