//! `summary.json`: the analysis as JSON, schema `ctsleuth.summary/v1`.
//! Keys are ordered, times are RFC 3339 UTC, unknown values are `null`, so
//! the same inputs give the same bytes.

use std::io::Write;
use std::path::Path;

use crate::analysis::Summary;
use crate::error::Error;

pub fn to_string(summary: &Summary) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut s =
        serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Writes `summary.json` into `dir` (created when missing) and returns its path.
pub fn write(summary: &Summary, dir: &Path) -> Result<std::path::PathBuf, Error> {
    let path = dir.join("summary.json");
    let werr = |source| Error::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(werr)?;
    let tmp = dir.join(".summary.json.tmp");
    let mut f = std::fs::File::create(&tmp).map_err(werr)?;
    f.write_all(to_string(summary).as_bytes()).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(werr)?;
    Ok(path)
}
