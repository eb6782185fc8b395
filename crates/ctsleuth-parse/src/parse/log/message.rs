//! What a log message says, once its framing is removed: a conntrack drop,
//! a rate-limit summary, a helper-table limit, or an application's DNS
//! failure. Matching is by substring first (cheap), then by grammar where a
//! number has to be read.

use memchr::memmem;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while1},
    character::complete::{digit1, space1},
};

/// What one message means for the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// `nf_conntrack: table full, dropping packet` (any prefix doubling, with
    /// or without the trailing period): one dropped packet.
    TableFull,
    /// `<func>: N callbacks suppressed`; `conntrack` is true when the func is
    /// conntrack's own (`nf_conntrack`), false for the shared `net_ratelimit`
    /// / `__ratelimit` budget. Other funcs (`kauditd_printk_skb`, ...) have
    /// budgets of their own and are [`Message::Other`].
    Suppressed {
        count: u64,
        conntrack: bool,
    },
    /// `nf_conntrack: expectation table full`: a helper limit, not the main table.
    ExpectationFull,
    /// `nf_conntrack: falling back to vmalloc.`: the table was resized large.
    Vmalloc,
    /// An application could not resolve a name.
    DnsFailure,
    Other,
}

/// Substrings that make a line worth framing and reading. Keep in step with
/// [`classify`].
pub const NEEDLES: [&str; 9] = [
    "table full",
    "callbacks suppressed",
    "falling back to vmalloc",
    "name resolution",
    "no such host",
    "i/o timeout",
    "Could not resolve host",
    "EAI_AGAIN",
    // Journal JSON stores non-UTF-8 messages as byte arrays: read those too.
    "\"MESSAGE\":[",
];

fn has(hay: &[u8], needle: &str) -> bool {
    memmem::find(hay, needle.as_bytes()).is_some()
}

/// `net_ratelimit: 2041 callbacks suppressed` → (func, count).
pub fn suppressed(input: &[u8]) -> IResult<&[u8], (&[u8], u64)> {
    let (rest, func) = take_while1(|c: u8| c.is_ascii_alphanumeric() || c == b'_').parse(input)?;
    let (rest, _) = (tag(&b":"[..]), space1).parse(rest)?;
    let (rest, digits) = digit1(rest)?;
    let (rest, _) = (space1, tag(&b"callbacks suppressed"[..])).parse(rest)?;
    match crate::parse::conntrack::grammar::dec_u64(digits) {
        Some(n) => Ok((rest, (func, n))),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Digit,
        ))),
    }
}

/// Reads a message (framing already removed).
pub fn classify(msg: &[u8]) -> Message {
    if has(msg, "table full") {
        if has(msg, "expectation table full") {
            return Message::ExpectationFull;
        }
        if has(msg, "conntrack") {
            return Message::TableFull;
        }
        return Message::Other;
    }
    if has(msg, "callbacks suppressed") {
        // The func may follow other prefixes (`nf_conntrack: nf_conntrack: 12 callbacks suppressed`).
        let mut start = 0;
        while start < msg.len() {
            let from = msg.get(start..).unwrap_or_default();
            if let Ok((_, (func, count))) = suppressed(from) {
                let conntrack = func.ends_with(b"conntrack");
                if conntrack || func == b"net_ratelimit" || func == b"__ratelimit" {
                    return Message::Suppressed { count, conntrack };
                }
                return Message::Other;
            }
            start += memchr::memchr(b' ', from).map_or(msg.len(), |i| i + 1);
        }
        return Message::Other;
    }
    if has(msg, "falling back to vmalloc") && has(msg, "conntrack") {
        return Message::Vmalloc;
    }
    if has(msg, "Temporary failure in name resolution")
        || has(msg, "Could not resolve host")
        || has(msg, "EAI_AGAIN")
        || (has(msg, "lookup ")
            && (has(msg, "no such host") || has(msg, "i/o timeout"))
            && has(msg, ":53"))
    {
        return Message::DnsFailure;
    }
    Message::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_full_in_every_vintage() {
        for m in [
            &b"nf_conntrack: table full, dropping packet"[..],
            b"nf_conntrack: table full, dropping packet.",
            b"nf_conntrack: nf_conntrack: table full, dropping packet",
            b"ip_conntrack: table full, dropping packet.",
            b"nf_conntrack: table full in netns 4026532713, dropping packet",
            // Wrapped by a terminal: the head still says it.
            b"nf_conntrack: nf_conntrack: table full, dropp",
        ] {
            assert_eq!(
                classify(m),
                Message::TableFull,
                "{}",
                String::from_utf8_lossy(m)
            );
        }
        assert_eq!(
            classify(b"nf_conntrack: expectation table full"),
            Message::ExpectationFull
        );
        assert_eq!(
            classify(b"neighbour: arp_cache: neighbor table overflow!"),
            Message::Other
        );
        assert_eq!(classify(b"dm-0: table full"), Message::Other);
    }

    #[test]
    fn suppressed_counts_and_their_func() {
        assert_eq!(
            classify(b"net_ratelimit: 2041 callbacks suppressed"),
            Message::Suppressed {
                count: 2041,
                conntrack: false
            }
        );
        assert_eq!(
            classify(b"__ratelimit: 23 callbacks suppressed"),
            Message::Suppressed {
                count: 23,
                conntrack: false
            }
        );
        assert_eq!(
            classify(b"nf_conntrack: 12 callbacks suppressed"),
            Message::Suppressed {
                count: 12,
                conntrack: true
            }
        );
        assert_eq!(
            classify(b"nf_conntrack: nf_conntrack: 7 callbacks suppressed"),
            Message::Suppressed {
                count: 7,
                conntrack: true
            }
        );
        assert_eq!(
            classify(b"net_ratelimit: lots callbacks suppressed"),
            Message::Other
        );
        assert_eq!(
            classify(b"kauditd_printk_skb: 7 callbacks suppressed"),
            Message::Other
        );
        assert_eq!(
            classify(b"net_ratelimit: 99999999999999999999999 callbacks suppressed"),
            Message::Other
        );
        assert!(suppressed(b"x: 5 callbacks").is_err());
    }

    #[test]
    fn dns_symptoms() {
        for m in [
            &b"socket.gaierror: [Errno -3] Temporary failure in name resolution"[..],
            b"curl: (6) Could not resolve host: api.example.com",
            b"Error: getaddrinfo EAI_AGAIN api.example.com",
            b"dial tcp: lookup api.example.com on 10.8.0.10:53: read udp 10.4.5.23:41235->10.8.0.10:53: i/o timeout",
            b"lookup payments.default.svc.cluster.local on 10.8.0.10:53: no such host",
        ] {
            assert_eq!(classify(m), Message::DnsFailure, "{}", String::from_utf8_lossy(m));
        }
        assert_eq!(
            classify(b"read tcp 10.4.1.2:80: i/o timeout"),
            Message::Other
        );
        assert_eq!(
            classify(b"nf_conntrack: falling back to vmalloc."),
            Message::Vmalloc
        );
    }

    #[test]
    fn every_recognised_message_contains_a_needle() {
        for m in [
            &b"nf_conntrack: table full, dropping packet"[..],
            b"net_ratelimit: 3 callbacks suppressed",
            b"nf_conntrack: falling back to vmalloc.",
            b"Temporary failure in name resolution",
            b"lookup x on 10.8.0.10:53: no such host",
            b"lookup x on 10.8.0.10:53: i/o timeout",
            b"Could not resolve host: x",
            b"getaddrinfo EAI_AGAIN x",
        ] {
            assert_ne!(classify(m), Message::Other);
            assert!(
                NEEDLES.iter().any(|n| has(m, n)),
                "{}",
                String::from_utf8_lossy(m)
            );
        }
    }
}
