//! `summary.json`: the analysis as JSON, schema `ctsleuth.summary/v1`.
//! Keys are ordered, times are RFC 3339 UTC, unknown values are `null`, so
//! the same inputs give the same bytes.

use std::path::Path;

use crate::analysis::Summary;

pub fn to_string(summary: &Summary) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut s =
        serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Writes `summary.json` into `dir` (created when missing) and returns its path.
pub fn write(summary: &Summary, dir: &Path) -> Result<std::path::PathBuf, super::WriteError> {
    super::write_file(dir, "summary.json", &to_string(summary))
}
