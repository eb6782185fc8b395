//! What the input crate's fuzz targets feed to its readers, in one place:
//! `fuzz/fuzz_targets/archive.rs` and `sections.rs` call these, and the
//! corpus replay test runs every file of `fuzz/corpus/<target>/` through the
//! same function on the stable toolchain.
//!
//! Each function takes arbitrary bytes and must return without panicking;
//! what it returns is thrown away.

use std::io::{self, Cursor, Read};

use crate::archive::{self, Container, Limits, Walker};
use crate::{bundle, sections, sniff};

pub use ctsleuth_parse::replay::Target;

/// Every target of this crate, by name.
pub const TARGETS: [Target; 2] = [("archive", archive), ("sections", sections)];

/// Limits small enough that one input costs milliseconds: the walk must
/// stop at each of them, not only at the defaults.
const FUZZ_LIMITS: Limits = Limits {
    max_member: 64 << 10,
    max_total: 1 << 20,
    max_members: 256,
    max_depth: 3,
};

/// An archive as the bundle reader meets it: recognised from its first
/// bytes, walked member by member (nested archives, links, bad names and
/// caps included), each member's path matched against every collector's
/// table and its head sniffed as the pipeline does, the collector guessed
/// from the archive's name and its top-level names, and `date` captures
/// read.
pub fn archive(data: &[u8]) {
    let name = "fuzz.tar.gz";
    let mut paths: Vec<String> = Vec::new();
    let visit = |file: &archive::File<'_>, body: &mut dyn Read| -> io::Result<()> {
        let mut head = Vec::new();
        body.take(4096).read_to_end(&mut head)?;
        let member = &file.path.member;
        let _ = sniff::sniff(&head, member, None);
        if let Ok(text) = std::str::from_utf8(&head) {
            let _ = bundle::parse_date(text, false);
        }
        for def in bundle::table() {
            let _ = bundle::lookup(def.collector, member);
        }
        paths.push(member.clone());
        Ok(())
    };
    let mut walker = Walker::new(FUZZ_LIMITS, visit);
    // A damaged archive ends the walk with an error: what was read stays.
    let _ = match Container::sniff(data).or_else(|| Container::by_name(name)) {
        Some(Container::Zip) => walker.walk_zip(Cursor::new(data), name, name),
        Some(c) => walker.walk(Box::new(data), c, name, name),
        None => Ok(()),
    };
    drop(walker);
    let stem = archive::stem(name);
    let _ = bundle::by_name(stem);
    for p in &paths {
        let first = p.split('/').next().unwrap_or("");
        if bundle::wrapper(first, stem) {
            let _ = bundle::by_name(first);
        }
        let _ = bundle::by_markers(|m| m == first || m == p.as_str());
    }
}

/// A file of several command outputs: told apart from one output, split at
/// every header, each section read to its end.
pub fn sections(data: &[u8]) {
    let _ = sections::is_sectioned(data);
    let mut secs = sections::Sections::new(io::BufReader::new(data));
    let mut next = secs.first();
    let mut sink = Vec::new();
    // Every call reads at least one line or ends: bounded by the input.
    while let Ok(Some(_)) = next {
        sink.clear();
        if secs.section().read_to_end(&mut sink).is_err() {
            return;
        }
        next = secs.next_section();
    }
}
