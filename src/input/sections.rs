//! Files that hold several command outputs, split into sections so each is
//! recognised on its own: the EKS log collector's `*** Output of conntrack
//! -S ***` headers, `tail`/`head`'s `==> path <==`, and terminal sessions
//! with a prompt line before each command (`$ conntrack -S`,
//! `root@node:~# conntrack -L`).

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

/// Whether a file's head says it holds several outputs: one collector or
/// `tail` header, or two prompt lines.
pub fn is_sectioned(head: &[u8]) -> bool {
    let mut prompts = 0;
    for line in head.split(|&b| b == b'\n').take(10_000) {
        let t = line.strip_suffix(b"\r").unwrap_or(line);
        if t.starts_with(b"*** Output of ") || (t.starts_with(b"==> ") && t.ends_with(b" <==")) {
            return true;
        }
        if header(t).is_some() {
            prompts += 1;
            if prompts >= 2 {
                return true;
            }
        }
    }
    false
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
        self.buf.clear();
        self.pos = 0;
        let n = self.inner.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            self.eof = true;
            return Ok(());
        }
        let no = self.line;
        self.line += 1;
        let t = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let t = t.strip_suffix(b"\r").unwrap_or(t);
        if let Some(title) = header(t) {
            self.pending = Some((title, no + 1));
            self.at_header = true;
            self.buf.clear();
        }
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
        let mut s = Sections::new(text.as_bytes());
        let mut got = Vec::new();
        let mut next = s.first().unwrap();
        while let Some((title, line)) = next {
            let mut body = String::new();
            s.section().read_to_string(&mut body).unwrap();
            got.push((title, line, body));
            next = s.next_section().unwrap();
        }
        assert_eq!(
            got,
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
}
