//! Stage 2 and 3 of the pipeline: framing and grammar.
//!
//! Each module parses one family of input formats into records from
//! [`crate::model`]. Framing (splitting lines, removing pasted noise) lives in
//! [`text`]; the grammar of each format lives in its own module. A bad line
//! never stops a parser: it is skipped and recorded in [`LineIssues`].

pub mod conntrack;
pub mod inventory;
pub mod log;
pub mod offset;
pub mod settings;
pub mod stats;
pub mod text;

/// How many bad lines per file are kept for display.
pub const SHOWN_BAD_LINES: usize = 5;
/// How many characters of a bad line are shown.
pub const SNIPPET_CHARS: usize = 80;

/// A line that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// What the grammar expected at that point, e.g. `an IPv4 or IPv6 address after src=`.
    pub expected: String,
    /// The line, cut at [`SNIPPET_CHARS`] characters.
    pub snippet: String,
}

/// Lines skipped in one file: how many, how many for each reason, and the
/// first few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIssues {
    pub skipped: u64,
    pub first: Vec<BadLine>,
    /// Skipped lines by what was expected of them.
    pub by_reason: std::collections::BTreeMap<String, u64>,
}

impl LineIssues {
    /// Records a skipped line.
    pub fn skip(&mut self, line: u64, expected: impl Into<String>, text: &[u8]) {
        self.skipped += 1;
        let expected = expected.into();
        if self.first.len() < SHOWN_BAD_LINES {
            self.first.push(BadLine {
                line,
                expected: expected.clone(),
                snippet: snippet(text),
            });
        }
        *self.by_reason.entry(expected).or_default() += 1;
    }

    /// Adds another chunk's issues (chunks must be merged in file order).
    pub fn merge(&mut self, other: LineIssues) {
        self.skipped += other.skipped;
        for (reason, n) in other.by_reason {
            *self.by_reason.entry(reason).or_default() += n;
        }
        for b in other.first {
            if self.first.len() < SHOWN_BAD_LINES {
                self.first.push(b);
            }
        }
    }
}

/// The line as text, lossy, cut at [`SNIPPET_CHARS`] characters, control
/// characters replaced so the snippet prints safely on a terminal.
pub fn snippet(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut out: String = s
        .chars()
        .take(SNIPPET_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if s.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// What a parser gives back for one file.
#[derive(Debug, Clone, Default)]
pub struct Outcome<T> {
    pub value: T,
    /// Records parsed (lines that carried data).
    pub records: u64,
    pub issues: LineIssues,
    /// Things the user should know that are not bad lines.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_and_neutralises_control_characters() {
        let long = "x".repeat(100);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"a\x1b[31mb"), "a\u{fffd}[31mb");
        assert_eq!(snippet(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn only_the_first_bad_lines_are_kept() {
        let mut issues = LineIssues::default();
        for i in 0..9 {
            issues.skip(i + 1, "a number", b"oops");
        }
        assert_eq!(issues.skipped, 9);
        assert_eq!(issues.first.len(), SHOWN_BAD_LINES);
        assert_eq!(issues.first[0].line, 1);
    }
}
