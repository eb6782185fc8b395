//! Kernel, serial, journal, kube-proxy and application logs.
//!
//! Input: a line-aligned block of a log (or a whole Cloud Logging JSON
//! array). Lines are found with one multi-pattern search over the block
//! ([`message::NEEDLES`], plus `onntrack` for limit statements); only those
//! are framed ([`framing`]) and read ([`message`]). Output: one
//! [`LogRecord`] per message that matters, with its stamp as written (time
//! is resolved later, per node), and the limit evidence the log states.

pub mod framing;
pub mod message;

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use crate::model::Settings;
use crate::parse::text::{is_noise, trim, unquote};
use crate::parse::{LineIssues, Outcome, settings};
pub use framing::{Framed, Framing, Stamp};
pub use message::Message;

/// Longest symptom text kept for reports, in characters.
const SYMPTOM_CHARS: usize = 160;

/// One message that matters, as the log wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub message: Message,
    pub stamp: Option<Stamp>,
    /// Seconds since boot written next to a wall stamp, when there is one.
    pub monotonic: Option<f64>,
    pub host: Option<String>,
    pub framing: Framing,
    pub line: u64,
    /// For DNS symptoms: the message, cut for display.
    pub text: Option<String>,
    /// Hash of the message text: the same kernel line in a raw `dmesg` and a
    /// `dmesg -T` capture ties their clocks together.
    pub text_hash: u64,
}

/// What one block (or file) of a log held.
#[derive(Debug, Clone, Default)]
pub struct LogScan {
    pub records: Vec<LogRecord>,
    /// Limits and timeouts stated by kube-proxy or the kernel.
    pub limits: Outcome<Settings>,
    pub issues: LineIssues,
    /// Candidate lines read (after the prefilter).
    pub candidates: u64,
    /// Messages that matter whose time could not be read: kept (with no
    /// stamp) so every drop counts, and their first line numbers.
    pub unstamped: u64,
    pub unstamped_lines: Vec<u64>,
}

/// Line numbers of unstamped messages kept for the report.
const UNSTAMPED_SHOWN: usize = 5;

impl LogScan {
    /// Adds the scan of the next block of the same file.
    pub fn merge(&mut self, other: LogScan) {
        self.records.extend(other.records);
        self.candidates += other.candidates;
        self.unstamped += other.unstamped;
        for l in other.unstamped_lines {
            if self.unstamped_lines.len() < UNSTAMPED_SHOWN {
                self.unstamped_lines.push(l);
            }
        }
        self.issues.merge(other.issues);
        merge_settings(&mut self.limits, other.limits);
    }
}

/// Later statements win, as in the log itself.
fn merge_settings(into: &mut Outcome<Settings>, from: Outcome<Settings>) {
    let (a, b) = (&mut into.value, from.value);
    if b.max.is_some() {
        a.max = b.max;
    }
    if b.buckets.is_some() {
        a.buckets = b.buckets;
    }
    if b.count.is_some() {
        a.count = b.count;
    }
    if b.expect_max.is_some() {
        a.expect_max = b.expect_max;
    }
    a.timeouts.extend(b.timeouts);
    into.records += from.records;
    into.issues.merge(from.issues);
    into.warnings.extend(from.warnings);
}

fn finder() -> &'static AhoCorasick {
    static F: OnceLock<AhoCorasick> = OnceLock::new();
    F.get_or_init(|| {
        let mut needles: Vec<&str> = message::NEEDLES.to_vec();
        needles.push("onntrack");
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(needles)
            .unwrap_or_else(|e| unreachable!("static patterns: {e}"))
    })
}

/// Reads the candidate lines of `buf`, numbered from `first_line`.
pub fn scan_block(buf: &[u8], first_line: u64) -> LogScan {
    let mut scan = LogScan::default();
    let ac = finder();
    let mut from = 0usize;
    let mut line_no = first_line;
    let mut counted_to = 0usize;
    while from < buf.len() {
        let Some(m) = ac.find(Input::new(buf).span(from..buf.len())) else {
            break;
        };
        let (before, after) = buf.split_at(m.start());
        let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', after).map_or(buf.len(), |i| m.start() + i);
        let skipped = buf.get(counted_to..start).unwrap_or_default();
        line_no += memchr::memchr_iter(b'\n', skipped).count() as u64;
        counted_to = start;
        let mut text = trim(buf.get(start..end).unwrap_or_default());
        if line_no == 1 {
            text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
        }
        let text = unquote(text);
        if !is_noise(text) {
            scan.candidates += 1;
            read_line(&mut scan, line_no, text);
        }
        from = end + 1;
    }
    scan
}

/// Frames and reads one candidate line.
fn read_line(scan: &mut LogScan, number: u64, text: &[u8]) {
    let framed = framing::frame_line(text);
    take(scan, number, framed);
}

fn take(scan: &mut LogScan, number: u64, framed: Framed<'_>) {
    let msg: &[u8] = &framed.message;
    if memchr::memmem::find(msg, b"onntrack").is_some() {
        settings::log_limit_line(&mut scan.limits, number, msg);
    }
    let message = message::classify(msg);
    if message == Message::Other {
        return;
    }
    if framed.stamp.is_none() {
        // The message counts even when its time cannot be read: a drop
        // without a time is still a drop (kept out of the timeline).
        scan.unstamped += 1;
        if scan.unstamped_lines.len() < UNSTAMPED_SHOWN {
            scan.unstamped_lines.push(number);
        }
    }
    let text = (message == Message::DnsFailure).then(|| excerpt(&String::from_utf8_lossy(msg)));
    let host = trusted_host(&framed);
    let text_hash = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = rustc_hash::FxBuildHasher.build_hasher();
        h.write(msg);
        h.finish()
    };
    scan.records.push(LogRecord {
        message,
        stamp: framed.stamp,
        monotonic: framed.monotonic,
        host,
        framing: framed.framing,
        line: number,
        text,
        text_hash,
    });
}

/// A long message cut for display, keeping its head and its tail: resolver
/// errors put the reason (`i/o timeout`, `no such host`) last.
fn excerpt(s: &str) -> String {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_control()).collect();
    if chars.len() <= SYMPTOM_CHARS {
        return chars.into_iter().collect();
    }
    let head: String = chars.iter().take(SYMPTOM_CHARS / 3).collect();
    let tail: String = chars
        .iter()
        .skip(chars.len() - SYMPTOM_CHARS * 2 / 3)
        .collect();
    format!("{head} … {tail}")
}

/// The host a line names, when its framing makes that reliable. Syslog-like
/// framings put the host in a fixed place; a line that merely starts with an
/// ISO time (`kubectl logs --timestamps`) is followed by application text,
/// so there a host is believed only before a program tag (`host kernel:`).
fn trusted_host(f: &Framed<'_>) -> Option<String> {
    let host = f.host.as_deref()?;
    let plausible = crate::hints::valid_node_name(host)
        && !host.chars().all(|c| c.is_ascii_digit() || c == '-');
    let reliable = match f.framing {
        Framing::Syslog
        | Framing::Rfc5424
        | Framing::JournalMonotonic
        | Framing::JournalJson
        | Framing::CloudLogging => true,
        Framing::Rfc3339 => f.source.is_some(),
        _ => false,
    };
    (plausible && reliable).then(|| host.to_string())
}

/// True when a document is one JSON array of objects (a Cloud Logging export).
pub fn is_json_array(head: &[u8]) -> bool {
    let t = trim(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head));
    t.first() == Some(&b'[') && trim(t.get(1..).unwrap_or_default()).first() == Some(&b'{')
}

/// Reads a Cloud Logging export that is one JSON array.
pub fn scan_json_array(doc: &[u8]) -> Result<LogScan, String> {
    let (entries, skipped) = framing::cloud_logging_array(doc)?;
    let mut scan = LogScan::default();
    for (i, framed) in entries.into_iter().enumerate() {
        // Array elements have no line of their own: number them.
        let number = i as u64 + 1;
        let msg = framed.message.clone();
        if finder().find(&msg[..]).is_some() {
            scan.candidates += 1;
            take(&mut scan, number, framed);
        }
    }
    if skipped > 0 {
        scan.limits.warnings.push(format!(
            "{skipped} array elements without a message were skipped"
        ));
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_stripped_and_unstamped_drops_are_kept() {
        assert_eq!(unquote(b"> > Nov 26 x"), b"Nov 26 x");
        assert_eq!(unquote(b">>   dmesg"), b"dmesg");
        assert_eq!(unquote(b"no quote"), b"no quote");
        let block = b"> Nov 26 09:04:01 n1 kernel: nf_conntrack: table full, dropping packet\n\
            garbage: nf_conntrack: table full, dropping packet\n\
            Nov 26 09:04:02 n1 kernel: eth0: link up\n";
        let scan = scan_block(block, 1);
        assert_eq!(scan.records.len(), 2);
        assert!(scan.records.iter().all(|r| r.message == Message::TableFull));
        assert!(scan.records[0].stamp.is_some());
        assert!(scan.records[1].stamp.is_none());
        assert_eq!((scan.unstamped, scan.unstamped_lines.clone()), (1, vec![2]));
        assert_eq!(scan.issues.skipped, 0);
    }
}
