//! Stage 1 of the pipeline: finding and reading inputs, in the
//! `ctsleuth-input` crate (no dataframe, plotting or CLI dependencies, so
//! its archive reader and section splitter can be fuzzed on their own).
//! Takes the paths of the command line and gives files with their node and
//! capture-time hints, readers that undo compression, support bundles and
//! archives read in place, and files of several outputs split into sections.

pub use ctsleuth_input::*;
