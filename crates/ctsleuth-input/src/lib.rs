//! Stage 1 of the pipeline: finding and reading inputs.
//!
//! Takes the paths of the command line (files, directories walked in sorted
//! order, `-` for stdin) and gives [`InputFile`]s with their node and capture
//! time hints, and readers that undo gzip transparently. [`sniff`] tells what
//! a file holds from its first bytes.

pub mod archive;
pub mod bundle;
pub mod replay;
pub mod sections;

pub use ctsleuth_parse::{hints, sniff};

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;

pub use sniff::{Format, Kind};

/// Where a file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Path(PathBuf),
    Stdin,
}

/// One input file and what its location says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub location: Location,
    /// The path as the user will recognise it (relative as given), or `-`.
    pub display: String,
    /// Node name taken from the path convention, if any.
    pub node: Option<String>,
    /// Capture time taken from the file name, if any.
    pub captured_at: Option<DateTime<Utc>>,
    /// An extracted support bundle holds the file: its top folder, and the
    /// file's path below it.
    pub bundle: Option<(Arc<bundle::BundleRoot>, String)>,
}

impl InputFile {
    /// The last path component (without `.gz`), which sometimes says what
    /// the file is (`nf_conntrack_max`, `conntrack-C.txt`).
    pub fn file_name(&self) -> String {
        let name = match &self.location {
            Location::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Location::Stdin => String::new(),
        };
        for ext in [".gz", ".xz", ".zst", ".bz2"] {
            if let Some(stem) = name.strip_suffix(ext) {
                return stem.to_string();
            }
        }
        name
    }
}

/// A path of the command line that could not be used.
#[derive(Debug)]
pub struct PathProblem {
    pub display: String,
    pub error: io::Error,
}

/// Notes kept beside captures: `README*` and Markdown files.
fn is_notes(path: &str) -> bool {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".md") || name.starts_with("readme")
}

/// Names skipped while walking directories: hidden files, editor litter and
/// the notes people keep beside captures (README, *.md).
fn skipped_while_walking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || lower.ends_with(".swp")
        || lower.ends_with(".md")
        || lower.starts_with("readme")
}

/// Expands the command-line paths into files, in a deterministic order:
/// arguments in the order given, directory contents sorted by name. Symbolic
/// links inside a walked directory are not followed, so a bundle cannot lead
/// the walk outside itself.
pub fn discover(paths: &[String]) -> (Vec<InputFile>, Vec<PathProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for arg in paths {
        if arg == "-" {
            files.push(InputFile {
                location: Location::Stdin,
                display: "-".into(),
                node: None,
                captured_at: None,
                bundle: None,
            });
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &path, None, &mut files, &mut problems),
            // Notes named on the command line (`case/*` takes README.md
            // along) are not captures either.
            Ok(_) if is_notes(arg) => {}
            Ok(_) => files.push(file_entry(&path, None)),
            Err(error) => problems.push(PathProblem {
                display: arg.clone(),
                error,
            }),
        }
    }
    (files, problems)
}

/// The names in a folder, for recognising a bundle by its markers.
fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `dir` is the top of an extracted support bundle, and whose.
fn bundle_at(dir: &Path) -> Option<bundle::Collector> {
    let names = names_in(dir);
    let has = |n: &str| names.iter().any(|x| x == n);
    if let Some(c) = bundle::by_markers(has) {
        return Some(c);
    }
    let sub = |name: &str, pred: &dyn Fn(&[String]) -> bool| {
        let p = dir.join(name);
        p.is_dir() && !p.is_symlink() && pred(&names_in(&p))
    };
    // kubectl cluster-info dump: nodes.json beside namespace folders of pods.json.
    if has("nodes.json")
        && names
            .iter()
            .any(|n| sub(n, &|inner| inner.iter().any(|x| x == "pods.json")))
    {
        return Some(bundle::Collector::ClusterInfoDump);
    }
    // log-dump: node folders with kern.log and what only log-dump writes beside it.
    let log_dump = |inner: &[String]| {
        let h = |n: &str| inner.iter().any(|x| x == n);
        h("kern.log") && (h("kubelet.log") || h("serial-1.log") || h("startupscript.log"))
    };
    if names.iter().any(|n| sub(n, &log_dump)) {
        return Some(bundle::Collector::KubeLogDump);
    }
    None
}

fn walk(
    root: &Path,
    dir: &Path,
    inside: Option<&(Arc<bundle::BundleRoot>, PathBuf)>,
    files: &mut Vec<InputFile>,
    problems: &mut Vec<PathProblem>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            problems.push(PathProblem {
                display: dir.display().to_string(),
                error,
            });
            return;
        }
    };
    let found;
    let inside = match inside {
        Some(b) => Some(b),
        None => match bundle_at(dir) {
            Some(collector) => {
                let display = dir.display().to_string();
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let facts = bundle::by_name(&name).map(|(_, f)| f).unwrap_or_default();
                found = (
                    Arc::new(bundle::BundleRoot {
                        display,
                        collector,
                        facts,
                    }),
                    dir.to_path_buf(),
                );
                Some(&found)
            }
            None => None,
        },
    };
    let mut children: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !skipped_while_walking(name))
        .collect();
    children.sort();
    for (_, path) in children {
        // symlink_metadata: links are neither followed nor read.
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => walk(root, &path, inside, files, problems),
            Ok(m) if m.is_file() => {
                let mut entry = file_entry(&path, Some(root));
                if let Some((b, top)) = inside {
                    let member = path
                        .strip_prefix(top)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    entry.bundle = Some((Arc::clone(b), member));
                }
                files.push(entry)
            }
            Ok(_) => {}
            Err(error) => problems.push(PathProblem {
                display: path.display().to_string(),
                error,
            }),
        }
    }
}

fn file_entry(path: &Path, root: Option<&Path>) -> InputFile {
    let display = path.display().to_string();
    let hint = hints::from_path(path, root);
    InputFile {
        location: Location::Path(path.to_path_buf()),
        display,
        node: hint.node,
        captured_at: hint.captured_at,
        bundle: None,
    }
}

/// Counts bytes as they are read, for progress.
pub struct Counting<R, F: Fn(u64)> {
    pub inner: R,
    pub on_read: F,
}

impl<R: Read, F: Fn(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_read)(n as u64);
        Ok(n)
    }
}

/// Modification time of the file, when known.
pub fn modified(file: &InputFile) -> Option<DateTime<Utc>> {
    match &file.location {
        Location::Path(p) => std::fs::metadata(p)
            .ok()?
            .modified()
            .ok()
            .map(DateTime::<Utc>::from),
        Location::Stdin => None,
    }
}

/// Size of the file on disk, when known (for progress).
pub fn size_hint(file: &InputFile) -> Option<u64> {
    match &file.location {
        Location::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
        Location::Stdin => None,
    }
}

/// Opens a file, undoing gzip when its first bytes say so. `on_read` is told
/// how many raw (compressed) bytes were read.
pub fn open<'a>(
    file: &InputFile,
    on_read: impl Fn(u64) + Send + 'a,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    let raw: Box<dyn Read + Send> = match &file.location {
        Location::Path(p) => Box::new(File::open(p)?),
        Location::Stdin => Box::new(io::stdin()),
    };
    let mut reader = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            on_read,
        },
    );
    let head = io::BufRead::fill_buf(&mut reader)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(MultiGzDecoder::new(reader)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads up to `limit` bytes; says whether the input was longer.
pub fn read_capped(reader: &mut dyn Read, limit: u64) -> io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    reader.take(limit).read_to_end(&mut buf)?;
    let mut probe = [0u8; 1];
    let more = reader.read(&mut probe)? > 0;
    Ok((buf, more))
}

/// Splits a stream into blocks that end on line boundaries, so a large dump
/// is parsed without holding all of it in memory. A line longer than a whole
/// block is cut (and will show up as a bad line).
pub struct Blocks<R> {
    inner: R,
    block_size: usize,
    carry: Vec<u8>,
    next_line: u64,
    done: bool,
    /// The previous block was cut inside an overlong line: drop the rest of it.
    skip_rest_of_line: bool,
    /// Buffers handed back by the consumer, reused so that every block does
    /// not cost fresh pages.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    pub fn new(inner: R, block_size: usize) -> Blocks<R> {
        Blocks {
            inner,
            block_size: block_size.max(1024),
            carry: Vec::new(),
            next_line: 1,
            done: false,
            skip_rest_of_line: false,
            spare: Vec::new(),
        }
    }

    /// Gives a block's buffer back for reuse.
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < 2 {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// The next block and the number of its first line.
    pub fn next_block(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            buf.reserve(self.block_size.saturating_sub(buf.len()));
            while !self.done && buf.len() < self.block_size {
                let want = self.block_size - buf.len();
                let got = (&mut self.inner).take(want as u64).read_to_end(&mut buf)?;
                if got == 0 {
                    self.done = true;
                }
            }
            if !self.skip_rest_of_line {
                break;
            }
            match memchr::memchr(b'\n', &buf) {
                Some(nl) => {
                    buf.drain(..=nl);
                    self.skip_rest_of_line = false;
                    break;
                }
                None if self.done => return Ok(None),
                None => buf.clear(),
            }
        }
        if !self.done {
            match memchr::memrchr(b'\n', &buf) {
                Some(last_nl) => {
                    self.carry.extend_from_slice(&buf[last_nl + 1..]);
                    buf.truncate(last_nl + 1);
                }
                // One line longer than a block: hand over its start (it will
                // be a bad line) and drop the rest of it.
                None => self.skip_rest_of_line = true,
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        let first = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &buf).count() as u64;
        if !buf.ends_with(b"\n") {
            self.next_line += 1;
        }
        Ok(Some((first, buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_blocks(data: &[u8], size: usize) -> Vec<(u64, Vec<u8>)> {
        let mut b = Blocks::new(data, size);
        let mut out = Vec::new();
        while let Some(x) = b.next_block().unwrap() {
            out.push(x);
        }
        out
    }

    #[test]
    fn blocks_end_on_lines_and_count_them() {
        let line = "x".repeat(99) + "\n";
        let data = line.repeat(50);
        let blocks = all_blocks(data.as_bytes(), 1024);
        let joined: Vec<u8> = blocks.iter().flat_map(|(_, b)| b.clone()).collect();
        assert_eq!(joined, data.as_bytes());
        assert!(blocks.iter().all(|(_, b)| b.ends_with(b"\n")));
        assert_eq!(blocks[0].0, 1);
        assert_eq!(blocks[1].0, 1 + (blocks[0].1.len() / 100) as u64);
    }

    #[test]
    fn an_overlong_line_is_cut_not_buffered_forever() {
        let mut data = vec![b'a'; 5000];
        data.extend_from_slice(b"\nnext\n");
        let blocks = all_blocks(&data, 1024);
        assert!(blocks.iter().all(|(_, b)| b.len() <= 1024));
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1], (2, b"next\n".to_vec()));
    }

    #[test]
    fn gzip_is_undone_transparently() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.txt.gz");
        let mut enc = GzEncoder::new(File::create(&path).unwrap(), Compression::fast());
        enc.write_all(b"hello\n").unwrap();
        enc.finish().unwrap();
        let file = file_entry(&path, None);
        assert_eq!(file.file_name(), "dump.txt");
        let mut text = String::new();
        open(&file, |_| {})
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello\n");
    }

    #[test]
    fn walking_is_sorted_skips_dotfiles_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("node-b");
        std::fs::create_dir(&node).unwrap();
        std::fs::write(node.join("z.txt"), "1").unwrap();
        std::fs::write(node.join("a.txt"), "1").unwrap();
        std::fs::write(dir.path().join(".hidden"), "1").unwrap();
        std::fs::write(dir.path().join("README.md"), "notes").unwrap();
        std::fs::create_dir(dir.path().join("node-a")).unwrap();
        std::fs::write(dir.path().join("node-a/x.txt"), "1").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", node.join("escape.txt")).unwrap();
        let root = dir.path().to_string_lossy().into_owned();
        let (files, problems) = discover(&[root]);
        assert!(problems.is_empty());
        let names: Vec<String> = files.iter().map(|f| f.file_name()).collect();
        assert_eq!(names, vec!["x.txt", "a.txt", "z.txt"]);
        assert_eq!(files[0].node.as_deref(), Some("node-a"));
        assert_eq!(files[2].node.as_deref(), Some("node-b"));
    }

    #[test]
    fn missing_paths_are_problems() {
        let (files, problems) = discover(&["/nonexistent/ctsleuth-test".to_string()]);
        assert!(files.is_empty());
        assert_eq!(problems.len(), 1);
    }
}
