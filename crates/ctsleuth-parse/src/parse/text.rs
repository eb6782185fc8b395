//! Framing shared by every text format: splitting a buffer into numbered
//! lines, cleaning what terminals and editors add (BOM, CR, trailing blanks),
//! recognising pasted noise (shell prompts, `^C`, markdown fences, comments),
//! and cutting large buffers into line-aligned chunks for parallel parsing.

use memchr::memchr;

/// UTF-8 byte order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// One line of input, cleaned, with its 1-based number in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    pub number: u64,
    pub text: &'a [u8],
}

/// Iterator over the cleaned lines of a buffer.
pub struct Lines<'a> {
    rest: &'a [u8],
    next_number: u64,
}

/// Lines of `buf`, numbered from `first_line`. A BOM at the start of the
/// buffer is dropped when `first_line` is 1; `\r` and blanks around each line
/// are trimmed.
pub fn lines(buf: &[u8], first_line: u64) -> Lines<'_> {
    let rest = if first_line == 1 {
        buf.strip_prefix(BOM).unwrap_or(buf)
    } else {
        buf
    };
    Lines {
        rest,
        next_number: first_line,
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let (raw, rest) = match memchr(b'\n', self.rest) {
            Some(i) => {
                let (line, rest) = self.rest.split_at(i);
                (line, rest.get(1..).unwrap_or_default())
            }
            None => (self.rest, &b""[..]),
        };
        self.rest = rest;
        let number = self.next_number;
        self.next_number += 1;
        Some(Line {
            number,
            text: trim(raw),
        })
    }
}

/// Trims ASCII blanks, `\r` and NUL padding at both ends.
/// A line quoted in an e-mail or a ticket (`> `, `>> `, `> > `), without
/// its quoting.
pub fn unquote(mut text: &[u8]) -> &[u8] {
    while let Some(rest) = text.strip_prefix(b">") {
        text = trim(rest);
    }
    text
}

pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() || *first == 0 {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() || *last == 0 {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Lines that carry no data in any format: blank lines, `^C`, markdown code
/// fences, `#` comments and shell prompts pasted with a capture
/// (`$ conntrack -L`, `root@node:~# conntrack -L`, `[root@host ~]# sysctl -a`).
pub fn is_noise(line: &[u8]) -> bool {
    match line {
        [] => true,
        [b'#' | b'$', ..] => true,
        _ if line.starts_with(b"^C") || line.starts_with(b"```") => true,
        _ => is_prompt(line),
    }
}

/// `user@host:~# cmd`, `[root@host dir]$ cmd`, `bash-5.1# cmd`.
fn is_prompt(line: &[u8]) -> bool {
    let head = line.get(..160).unwrap_or(line);
    // Most lines have neither character: one SIMD scan says so.
    if memchr::memchr2(b'#', b'$', head).is_none() {
        return false;
    }
    let Some(end) = head
        .windows(2)
        .position(|w| matches!(w, [b'#' | b'$', b' ']))
    else {
        // A prompt with nothing typed after it.
        return matches!(line.last(), Some(b'#' | b'$'))
            && is_prompt_prefix(line.split_last().map_or(line, |(_, rest)| rest));
    };
    is_prompt_prefix(head.get(..end).unwrap_or(head))
}

fn is_prompt_prefix(prefix: &[u8]) -> bool {
    if prefix.is_empty() {
        return false;
    }
    if prefix.first() == Some(&b'[') && prefix.last() == Some(&b']') {
        return prefix.contains(&b'@') || prefix.contains(&b' ');
    }
    let plain = prefix
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b"._-@:~/()+".contains(c));
    plain
        && (prefix.contains(&b'@')
            || prefix.contains(&b'~')
            || prefix.ends_with(b":")
            || prefix.starts_with(b"bash")
            || prefix.starts_with(b"sh-")
            || prefix.starts_with(b"zsh"))
}

/// Splits `buf` into about `parts` pieces that end on line boundaries, each
/// with the 1-based number of its first line (counted relative to
/// `first_line`). Used to parse a large capture on several cores.
/// Lines a piece boundary moves over to start at an entry.
const MAX_CONTINUATION_LINES: usize = 8;

/// Whether a line starts an entry of a listing or an event stream: its first
/// word is a protocol or layer-3 name, or an event tag.
fn starts_entry(line: &[u8]) -> bool {
    let word = line
        .split(|c| c.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    matches!(
        word,
        b"tcp"
            | b"udp"
            | b"udplite"
            | b"icmp"
            | b"icmpv6"
            | b"sctp"
            | b"dccp"
            | b"gre"
            | b"unknown"
            | b"ipv4"
            | b"ipv6"
    ) || line.first() == Some(&b'[')
}

pub fn chunks(buf: &[u8], parts: usize, first_line: u64) -> Vec<(u64, &[u8])> {
    let mut line = first_line;
    pieces(buf, parts)
        .into_iter()
        .map(|piece| {
            let first = line;
            line += memchr::memchr_iter(b'\n', piece).count() as u64;
            (first, piece)
        })
        .collect()
}

/// [`chunks`] without their line numbers, for callers that number lines
/// as they read them (counting newlines is a pass over the whole buffer).
pub fn pieces(buf: &[u8], parts: usize) -> Vec<&[u8]> {
    let parts = parts.max(1);
    let target = buf.len().div_ceil(parts).max(1);
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    while start < buf.len() {
        let mut end = (start + target).min(buf.len());
        if end < buf.len() {
            end = match memchr(b'\n', buf.get(end..).unwrap_or_default()) {
                Some(i) => end + i + 1,
                None => buf.len(),
            };
            // A piece starts with an entry, not with the second half of
            // one wrapped over two lines (looked for over a few lines).
            for _ in 0..MAX_CONTINUATION_LINES {
                let next = buf.get(end..).unwrap_or_default();
                if next.is_empty() || starts_entry(next) {
                    break;
                }
                end = match memchr(b'\n', next) {
                    Some(i) => end + i + 1,
                    None => buf.len(),
                };
            }
        }
        out.push(buf.get(start..end).unwrap_or_default());
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(buf: &[u8]) -> Vec<(u64, &[u8])> {
        lines(buf, 1).map(|l| (l.number, l.text)).collect()
    }

    #[test]
    fn lines_strip_bom_cr_and_blanks() {
        let buf = b"\xef\xbb\xbfone\r\n two  \r\n\nlast";
        assert_eq!(
            texts(buf),
            vec![(1, &b"one"[..]), (2, b"two"), (3, b""), (4, b"last")]
        );
    }

    #[test]
    fn bom_is_kept_away_from_the_first_line_only() {
        let got: Vec<_> = lines(b"\xef\xbb\xbfx", 7).map(|l| l.text).collect();
        assert_eq!(got, vec![&b"\xef\xbb\xbfx"[..]]);
    }

    #[test]
    fn trailing_newline_gives_no_extra_line() {
        assert_eq!(texts(b"a\nb\n").len(), 2);
        assert!(texts(b"").is_empty());
    }

    #[test]
    fn prompts_and_pasted_noise_are_noise() {
        for noise in [
            &b""[..],
            b"$ conntrack -L",
            b"# conntrack -S",
            b"root@gke-prod-default-pool-7f3a9c21-x2lq:~# conntrack -L | head",
            b"[root@node1 ~]# sysctl -a",
            b"bash-5.1# cat /proc/net/nf_conntrack",
            b"user@host:/tmp$",
            b"^C",
            b"```",
            b"```text",
        ] {
            assert!(is_noise(noise), "{:?}", String::from_utf8_lossy(noise));
        }
    }

    #[test]
    fn data_lines_are_not_noise() {
        for data in [
            &b"tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.10 sport=40000 dport=53"[..],
            b"net.netfilter.nf_conntrack_max = 131072",
            b"cpu=0   \tfound=0 invalid=0",
            b"[12345.678901] nf_conntrack: table full, dropping packet",
            b"    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1",
            b"entries  searched found new invalid",
        ] {
            assert!(!is_noise(trim(data)), "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn chunks_end_on_line_boundaries_and_number_lines() {
        let buf = b"a1\nb2\nc3\nd4\ne5";
        let parts = chunks(buf, 3, 1);
        let joined: Vec<u8> = parts.iter().flat_map(|(_, p)| p.iter().copied()).collect();
        assert_eq!(joined, buf.to_vec());
        for (first, piece) in &parts {
            let first_text = lines(piece, *first).next().unwrap();
            let expected = (b'a' + (*first as u8 - 1)) as char;
            assert_eq!(first_text.text[0] as char, expected);
        }
        assert!(
            parts
                .iter()
                .all(|(_, p)| p.ends_with(b"\n") || p.ends_with(b"e5"))
        );
        assert_eq!(chunks(b"", 4, 1).len(), 0);
        assert_eq!(chunks(b"one line, no newline", 4, 1).len(), 1);
    }
}
