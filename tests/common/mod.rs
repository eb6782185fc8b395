//! What every end-to-end test shares: the binary under test.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use assert_cmd::Command;

/// The `ctsleuth` binary built for these tests.
pub fn ctsleuth() -> Command {
    Command::cargo_bin("ctsleuth").expect("cargo builds the ctsleuth binary for its tests")
}

/// `ctsleuth analyze --quiet --format json` of `paths` (with `args` before
/// them): its summary.json, after asserting the run succeeded.
pub fn analyze_summary(args: &[&str], paths: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let args: Vec<&str> = ["--format", "json"].iter().chain(args).copied().collect();
    analyze_into(dir.path(), &args, paths)
}

/// `ctsleuth analyze --quiet -o DIR` of `paths` with `args` (which must
/// ask for `json` if `--format` is among them): its summary.json, after
/// asserting the run succeeded.
pub fn analyze_into(dir: &std::path::Path, args: &[&str], paths: &[&str]) -> serde_json::Value {
    let out = ctsleuth()
        .args(["analyze", "--quiet", "-o"])
        .arg(dir)
        .args(args)
        .args(paths)
        .output()
        .expect("ctsleuth runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read(dir.join("summary.json")).expect("summary.json is written");
    serde_json::from_slice(&text).expect("summary.json is JSON")
}

/// What a sample file holds: a gzip stream's decompressed bytes (gzip's
/// bytes depend on which deflate backend the build links, its content does
/// not), any other file as it is.
pub fn sample_content(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a gzip sample decompresses");
        out
    } else {
        bytes.to_vec()
    }
}
