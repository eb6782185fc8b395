//! Files that hold several command outputs, split into sections so each is
//! recognised on its own: the EKS log collector's `*** Output of conntrack
//! -S ***` headers, `tail`/`head`'s `==> path <==`, terminal sessions with a
//! prompt line before each command (`$ conntrack -S`, `root@node:~#
//! conntrack -L`), and kube-proxy logs whose multi-line values hold
//! conntrack entries.
//!
//! kube-proxy (up to 1.28, which ran the `conntrack` binary) logs what
//! `conntrack -D` printed at `-v=4`: `"Conntrack entries deleted"
//! output=<`, then the deleted entries (kubernetes
//! `pkg/util/conntrack/conntrack.go`, `execCT.exec`). klog writes a
//! multi-line value as `key=<`, each line of the value after a tab, and a
//! closing line ` >` (k8s.io/klog/v2 `internal/serialize/keyvalues.go`,
//! `writeStringValue`). Such a block becomes a section of its own (a
//! partial listing: the entries deleted, not the table), and the log goes
//! on in the section after it.

use std::io::{self, BufRead, Read};

/// Commands whose output ctsleuth reads: a prompt line must run one of them
/// to open a section.
const COMMANDS: &[&str] = &[
    "conntrack",
    "cat",
    "sysctl",
    "dmesg",
    "journalctl",
    "kubectl",
    "crictl",
    "ss",
    "netstat",
    "sudo",
    "zcat",
    "grep",
    "tail",
    "head",
];

/// The title of a section header line, or `None`.
pub fn header(line: &[u8]) -> Option<String> {
    let t = std::str::from_utf8(line).ok()?.trim();
    if let Some(rest) = t.strip_prefix("*** Output of ") {
        let title = rest.trim_end_matches('*').trim();
        return Some(title.to_string());
    }
    if let Some(rest) = t.strip_prefix("==> ") {
        return rest.strip_suffix(" <==").map(|p| p.trim().to_string());
    }
    prompt(t)
}

/// `$ cmd …`, `# cmd …`, `user@host:~$ cmd …`, `[root@host ~]# cmd …`.
fn prompt(t: &str) -> Option<String> {
    let (at, len) = ["$ ", "# "]
        .iter()
        .filter_map(|p| t.find(p).map(|i| (i, p.len())))
        .min_by_key(|(i, _)| *i)?;
    let (before, after) = (&t[..at], &t[at + len..]);
    // Only a prompt-like prefix: empty, `user@host:dir`, `[user@host dir]`.
    let prompt_like = before.is_empty()
        || (before.contains('@') && !before.contains(' '))
        || (before.starts_with('[') && before.ends_with(']'));
    if !prompt_like {
        return None;
    }
    let cmd = after.trim();
    let first = cmd.split_whitespace().next()?;
    let base = first.rsplit('/').next().unwrap_or(first);
    COMMANDS.contains(&base).then(|| cmd.to_string())
}

/// How the title of a section of entries kube-proxy deleted begins.
pub const DELETED_TITLE: &str = "conntrack -D output";

/// The body of a container runtime (CRI) log line, `2024-11-26T08:40:20.1Z
/// stderr F body`; other lines as they are.
fn cri_body(line: &[u8]) -> &[u8] {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return line;
    }
    let mut words = line.splitn(4, |&b| b == b' ');
    let (Some(stamp), Some(stream), Some(tag), Some(body)) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return line;
    };
    let cri = stamp.len() >= 20
        && stamp.get(10) == Some(&b'T')
        && (stream == b"stdout" || stream == b"stderr")
        && (tag == b"F" || tag == b"P");
    if cri { body } else { line }
}

/// Where a klog line's multi-line value opens (`… output=<`): the title of
/// the section its lines form, if they turn out to be conntrack entries.
fn block_opener(line: &[u8], no: u64) -> Option<String> {
    let body = cri_body(line);
    let trimmed = body.trim_ascii_end();
    if !trimmed.ends_with(b"=<") {
        return None;
    }
    // klog's header: a severity letter, MMDD, a time and the caller.
    let klog = body.len() > 21
        && matches!(body[0], b'I' | b'W' | b'E' | b'F')
        && body[1..5].iter().all(u8::is_ascii_digit)
        && body[5] == b' '
        && body.contains(&b']');
    if !klog {
        return None;
    }
    let stamp = if body.len() < line.len() {
        // The runtime's stamp carries the year and the zone.
        line.split(|&b| b == b' ').next().unwrap_or_default()
    } else {
        &body[..body.len().min(21)]
    };
    Some(format!(
        "{DELETED_TITLE} logged at {} (line {no})",
        String::from_utf8_lossy(stamp).trim()
    ))
}

/// A value line of a klog block (tab-indented) that holds one conntrack
/// entry, without its indent.
fn block_entry(line: &[u8]) -> Option<&[u8]> {
    let body = cri_body(line).strip_prefix(b"\t")?;
    let mut n = 0u64;
    let report = ctsleuth_parse::parse::conntrack::parse_listing(body, 1, |_| n += 1);
    (n == 1 && report.entries == 1).then_some(body)
}

/// The line that closes a klog block: ` >`.
fn block_close(line: &[u8]) -> bool {
    cri_body(line).trim_ascii() == b">"
}

/// Why a file is read in sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Collector or `tail` headers, or prompt lines: several command outputs.
    Commands,
    /// A log with klog blocks of conntrack entries.
    LogBlocks,
}

/// Whether a file's head says it holds several outputs: one collector or
/// `tail` header, two prompt lines, or a klog block of conntrack entries.
pub fn is_sectioned(head: &[u8]) -> bool {
    split_of(head).is_some()
}

/// How a file's head says it is split, if it is.
pub fn split_of(head: &[u8]) -> Option<Split> {
    let mut prompts = 0;
    let mut opened = false;
    let mut blocks = false;
    for line in head.split(|&b| b == b'\n').take(10_000) {
        let t = line.strip_suffix(b"\r").unwrap_or(line);
        if t.starts_with(b"*** Output of ") || (t.starts_with(b"==> ") && t.ends_with(b" <==")) {
            return Some(Split::Commands);
        }
        if opened && block_entry(t).is_some() {
            blocks = true;
        }
        opened = block_opener(t, 0).is_some();
        if header(t).is_some() {
            prompts += 1;
            if prompts >= 2 {
                return Some(Split::Commands);
            }
        }
    }
    blocks.then_some(Split::LogBlocks)
}

/// Reads a stream one section at a time: [`Sections::next_section`] gives
/// the next title, then [`Sections::section`] reads that section's lines.
pub struct Sections<R> {
    inner: R,
    /// Line number (1-based) of the next line to read.
    line: u64,
    pending: Option<(String, u64)>,
    buf: Vec<u8>,
    pos: usize,
    at_header: bool,
    eof: bool,
    /// The title a klog block will have if its next line is an entry.
    opener: Option<String>,
    /// Inside a klog block: lines are read without their indent up to ` >`.
    in_block: bool,
    /// A line already read that starts the next section.
    carry: Option<Vec<u8>>,
}

impl<R: BufRead> Sections<R> {
    pub fn new(inner: R) -> Sections<R> {
        Sections {
            inner,
            line: 1,
            pending: None,
            buf: Vec::new(),
            pos: 0,
            at_header: false,
            eof: false,
            opener: None,
            in_block: false,
            carry: None,
        }
    }

    /// The next section: its title (empty for lines before the first
    /// header) and the line number its content starts at. `None` at the end.
    pub fn next_section(&mut self) -> io::Result<Option<(String, u64)>> {
        // Skip what the caller left of the current section.
        while !self.at_header && !self.eof {
            self.fill()?;
            self.pos = self.buf.len();
        }
        if let Some(p) = self.pending.take() {
            self.at_header = false;
            return Ok(Some(p));
        }
        Ok(None)
    }

    /// Starts reading: the lines before the first header form an untitled
    /// section, given only when they hold something.
    pub fn first(&mut self) -> io::Result<Option<(String, u64)>> {
        self.fill()?;
        if self.at_header || self.eof && self.buf.is_empty() {
            return self.next_section();
        }
        Ok(Some((String::new(), 1)))
    }

    /// A reader over the current section.
    pub fn section(&mut self) -> &mut Self {
        self
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos < self.buf.len() || self.at_header || self.eof {
            return Ok(());
        }
        self.pos = 0;
        if let Some(line) = self.carry.take() {
            self.buf = line;
            return Ok(());
        }
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        let no = self.line;
        self.line += 1;
        let t = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let t = t.strip_suffix(b"\r").unwrap_or(t);
        if self.in_block {
            if block_close(t) {
                self.in_block = false;
                self.pending = Some((format!("log from line {}", no + 1), no + 1));
                self.at_header = true;
                self.buf.clear();
            } else {
                let body = cri_body(t);
                let mut line = body.strip_prefix(b"\t").unwrap_or(body).to_vec();
                line.push(b'\n');
                self.buf = line;
            }
            return Ok(());
        }
        if let Some(title) = header(t) {
            self.opener = None;
            self.pending = Some((title, no + 1));
            self.at_header = true;
            self.buf.clear();
            return Ok(());
        }
        if let Some(title) = self.opener.take() {
            if let Some(entry) = block_entry(t) {
                let mut line = entry.to_vec();
                line.push(b'\n');
                self.carry = Some(line);
                self.in_block = true;
                self.pending = Some((title, no));
                self.at_header = true;
                self.buf.clear();
                return Ok(());
            }
        }
        self.opener = block_opener(t, no);
        Ok(())
    }
}

impl<R: BufRead> Read for Sections<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.fill()?;
        if self.at_header || self.pos >= self.buf.len() {
            return Ok(0);
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            header(b"*** Output of conntrack -S *** ").as_deref(),
            Some("conntrack -S")
        );
        assert_eq!(
            header(b"==> /proc/net/stat/nf_conntrack <==").as_deref(),
            Some("/proc/net/stat/nf_conntrack")
        );
        assert_eq!(header(b"$ conntrack -L").as_deref(), Some("conntrack -L"));
        assert_eq!(
            header(b"root@gke-node:~# conntrack -S").as_deref(),
            Some("conntrack -S")
        );
        assert_eq!(
            header(b"[root@ip-10-0-1-23 ~]# sysctl -a").as_deref(),
            Some("sysctl -a")
        );
        assert_eq!(header(b"# This is a comment"), None);
        assert_eq!(header(b"tcp 6 117 TIME_WAIT src=10.0.0.1"), None);
        assert_eq!(header(b"price $ 5"), None);
    }

    #[test]
    fn sections_split_and_number_lines() {
        let text = "*** Output of conntrack -S *** \ncpu=0 found=1\ncpu=1 found=2\n*** Output of conntrack -L ***\ntcp 6 1\ntcp 6 2\n";
        assert!(is_sectioned(text.as_bytes()));
        assert_eq!(
            all(text),
            vec![
                (
                    "conntrack -S".into(),
                    2,
                    "cpu=0 found=1\ncpu=1 found=2\n".into()
                ),
                ("conntrack -L".into(), 5, "tcp 6 1\ntcp 6 2\n".into()),
            ]
        );
    }

    #[test]
    fn text_before_the_first_header_is_a_section() {
        let text = "preamble\n$ conntrack -S\ncpu=0\n$ conntrack -L\n";
        let mut s = Sections::new(text.as_bytes());
        assert_eq!(s.first().unwrap(), Some((String::new(), 1)));
        let mut body = String::new();
        s.section().read_to_string(&mut body).unwrap();
        assert_eq!(body, "preamble\n");
        assert_eq!(s.next_section().unwrap(), Some(("conntrack -S".into(), 3)));
        assert_eq!(s.next_section().unwrap(), Some(("conntrack -L".into(), 5)));
        body.clear();
        s.section().read_to_string(&mut body).unwrap();
        assert_eq!(body, "");
        assert_eq!(s.next_section().unwrap(), None);
        // One prompt alone is a pasted command, not several outputs.
        assert!(!is_sectioned(b"$ conntrack -L\ntcp 6 1\n"));
    }

    fn all(text: &str) -> Vec<(String, u64, String)> {
        let mut s = Sections::new(text.as_bytes());
        let mut got = Vec::new();
        let mut next = s.first().unwrap();
        while let Some((title, line)) = next {
            let mut body = String::new();
            s.section().read_to_string(&mut body).unwrap();
            got.push((title, line, body));
            next = s.next_section().unwrap();
        }
        got
    }

    const DELETED: &str = "udp      17 27 src=10.8.2.14 dst=10.96.0.10 sport=38211 dport=53 src=10.8.1.9 dst=10.8.2.14 sport=53 dport=38211 mark=0 use=1";

    #[test]
    fn a_klog_block_of_entries_is_a_section_and_the_log_goes_on() {
        let text = format!(
            "I1126 08:40:19.901223       1 proxier.go:826] \"Syncing iptables rules\"\n\
             I1126 08:40:20.118734       1 conntrack.go:66] \"Conntrack entries deleted\" output=<\n\
             \t{DELETED}\n\
             \tconntrack v1.4.6 (conntrack-tools): 1 flow entries have been deleted.\n \
             >\n\
             I1126 08:40:20.120011       1 proxier.go:1520] \"Reloading service iptables data\"\n"
        );
        assert!(is_sectioned(text.as_bytes()));
        let got = all(&text);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(got[0].0, "");
        assert!(got[0].2.ends_with("output=<\n"), "{:?}", got[0].2);
        assert_eq!(
            got[1].0,
            "conntrack -D output logged at I1126 08:40:20.118734 (line 2)"
        );
        assert_eq!(got[1].1, 3);
        assert_eq!(
            got[1].2,
            format!(
                "{DELETED}\nconntrack v1.4.6 (conntrack-tools): 1 flow entries have been deleted.\n"
            )
        );
        assert_eq!(got[2].0, "log from line 6");
        assert_eq!(got[2].1, 6);
        assert!(got[2].2.starts_with("I1126 08:40:20.120011"));
    }

    #[test]
    fn a_klog_block_in_a_container_log_keeps_the_runtime_stamp() {
        let text = format!(
            "2024-11-26T08:40:20.118801234Z stderr F I1126 08:40:20.118734       1 conntrack.go:66] \"Conntrack entries deleted\" output=<\n\
             2024-11-26T08:40:20.118801234Z stderr F \t{DELETED}\n\
             2024-11-26T08:40:20.118801234Z stderr F  >\n"
        );
        assert!(is_sectioned(text.as_bytes()));
        let got = all(&text);
        assert_eq!(
            got[1].0,
            "conntrack -D output logged at 2024-11-26T08:40:20.118801234Z (line 1)"
        );
        assert_eq!(got[1].2, format!("{DELETED}\n"));
        // Nothing after the closing line: the log section after it is empty.
        assert_eq!(got[2].2, "");
    }

    #[test]
    fn a_klog_block_of_anything_else_stays_in_the_log() {
        let text = "E1126 08:40:20.3       1 proxier.go:1537] \"Failed to execute iptables-restore\" err=<\n\
                    \texit status 1: iptables-restore: line 5 failed\n \
                    >\n";
        assert!(!is_sectioned(text.as_bytes()));
        let got = all(text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].2, text);
        // An opener whose block never closes ends with the file.
        let open =
            format!("I1126 08:40:20.118734       1 conntrack.go:66] \"x\" output=<\n\t{DELETED}\n");
        let got = all(&open);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].2, format!("{DELETED}\n"));
    }
}
