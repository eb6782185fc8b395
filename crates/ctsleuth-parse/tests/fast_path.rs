//! The listing fast path against the grammar on every line of the bundled
//! samples and of the listing fuzz corpus: where the fast path reads a line,
//! the grammar reads the same entry from it.

// Tests may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ctsleuth_parse::parse::conntrack::{fast, parse_entry};
use ctsleuth_parse::parse::text;
use ctsleuth_parse::replay;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn fast_path_reads_what_the_grammar_reads_in_samples_and_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut samples = Vec::new();
    files(&root.join("samples"), &mut samples);
    let (lines, fast_read, grammar_read) = compare(&samples);
    assert!(lines > 10_000, "only {lines} lines found");
    // What the fast path leaves to the grammar in the samples: GRE, addresses
    // redacted by hand, a conntrackd cache.
    assert!(
        fast_read + 15 >= grammar_read,
        "the fast path read {fast_read} of the {grammar_read} entries of the samples"
    );
    // The listing corpus is mostly damaged lines: agreement is what counts.
    let mut corpus = Vec::new();
    files(&root.join("fuzz/corpus/listing"), &mut corpus);
    let (lines, fast_read, _) = compare(&corpus);
    assert!(
        lines > 100 && fast_read > 10,
        "{lines} lines, {fast_read} read"
    );
}

/// Lines, lines the fast path read, lines the grammar read. Agreement on
/// every line is the `listing` fuzz target's own check, which panics on a
/// line the two paths read differently.
fn compare(paths: &[PathBuf]) -> (u64, u64, u64) {
    let (mut lines, mut fast_read, mut grammar_read) = (0u64, 0u64, 0u64);
    for path in paths {
        let bytes = std::fs::read(path).unwrap();
        replay::listing(&bytes);
        for line in text::lines(&bytes, 1) {
            lines += 1;
            let mut unknown = BTreeMap::new();
            grammar_read += u64::from(parse_entry(line.text, &mut unknown).is_ok());
            fast_read += u64::from(fast::entry(line.text).is_some());
        }
    }
    (lines, fast_read, grammar_read)
}
