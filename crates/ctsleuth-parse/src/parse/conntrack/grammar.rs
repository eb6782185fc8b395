//! Grammar rules of one conntrack listing line, one function per rule.
//!
//! ```text
//! line      = [l3] l4 [timeout] [state] [gre_timeouts] field*
//! l3        = ("ipv4" | "ipv6") blanks number blanks
//! l4        = name blanks number blanks
//! field     = "[" flag "]" | "[start=" ctime "]" | "[stop=" ctime "]" | key "=" value
//! ```
//! Fields are read as a set of `key=value` items, in any order: versions of
//! conntrack-tools and the kernel add, drop and move them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_till, take_till1, take_while1},
    character::complete::{digit1, space0, space1},
    combinator::{map_res, opt, verify},
    sequence::{delimited, preceded, terminated},
};

use crate::model::{Flags, State};

/// Parses a decimal number without allocating; rejects overflow.
pub fn dec_u64(input: &[u8]) -> Option<u64> {
    if input.is_empty() || input.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in input {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

pub fn dec<T: TryFrom<u64>>(input: &[u8]) -> Option<T> {
    dec_u64(input).and_then(|n| T::try_from(n).ok())
}

/// `0x1f` (GRE keys) or plain decimal.
pub fn hex_or_dec_u32(input: &[u8]) -> Option<u32> {
    match input {
        [b'0', b'x' | b'X', digits @ ..] if !digits.is_empty() && digits.len() <= 8 => {
            let s = std::str::from_utf8(digits).ok()?;
            u32::from_str_radix(s, 16).ok()
        }
        _ => dec(input),
    }
}

/// An IPv4 address in dotted-quad form, parsed by hand: this runs four times
/// per line on the hot path.
pub fn ipv4(input: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    let mut cur: u16 = 0;
    let mut digits = 0;
    for &c in input {
        match c {
            b'0'..=b'9' => {
                cur = cur * 10 + u16::from(c - b'0');
                digits += 1;
                if digits > 3 || cur > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || i == 3 {
                    return None;
                }
                *octets.get_mut(i)? = u8::try_from(cur).ok()?;
                i += 1;
                cur = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if i != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(cur).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// An IPv4 or IPv6 address; IPv6 compressed (`fd00::1`) or fully expanded
/// (`fd00:0000:...`, as `/proc/net/nf_conntrack` prints it).
pub fn ip(input: &[u8]) -> Option<IpAddr> {
    if input.contains(&b':') {
        if input.len() > 45 {
            return None;
        }
        let s = std::str::from_utf8(input).ok()?;
        s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        ipv4(input).map(IpAddr::V4)
    }
}

fn number<T: TryFrom<u64>>(input: &[u8]) -> IResult<&[u8], T> {
    map_res(digit1, |d: &[u8]| dec::<T>(d).ok_or(())).parse(input)
}

/// `ipv4     2 ` / `ipv6     10 ` of `-o extended` and `/proc/net/nf_conntrack`.
pub fn l3_columns(input: &[u8]) -> IResult<&[u8], u8> {
    let (rest, _) = alt((tag(&b"ipv4"[..]), tag(&b"ipv6"[..]))).parse(input)?;
    let (rest, num) = delimited(space1, number::<u8>, space1).parse(rest)?;
    Ok((rest, num))
}

/// `tcp      6 ` — the protocol name (ignored: the number is authoritative)
/// and number.
pub fn l4_header(input: &[u8]) -> IResult<&[u8], u8> {
    let (rest, _name) =
        take_while1(|c: u8| c.is_ascii_lowercase() || c.is_ascii_digit()).parse(input)?;
    let (rest, num) = delimited(space1, number::<u8>, space0).parse(rest)?;
    Ok((rest, num))
}

/// The remaining timeout: a bare number followed by a blank.
pub fn timeout(input: &[u8]) -> IResult<&[u8], u32> {
    terminated(number::<u32>, space1).parse(input)
}

/// A protocol state name such as `ESTABLISHED` or `TIME_WAIT`.
pub fn state(input: &[u8]) -> IResult<&[u8], State> {
    let (rest, word) = take_till1(|c: u8| c == b' ').parse(input)?;
    match State::from_name(word) {
        Some(s) => {
            let (rest, _) = space0(rest)?;
            Ok((rest, s))
        }
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// GRE's `timeout=30, stream_timeout=180 ` printed by the kernel's /proc.
pub fn gre_timeouts(input: &[u8]) -> IResult<&[u8], (u32, u32)> {
    let (rest, t) = preceded(tag(&b"timeout="[..]), number::<u32>).parse(input)?;
    let (rest, _) = (tag(&b","[..]), space0).parse(rest)?;
    let (rest, st) = preceded(tag(&b"stream_timeout="[..]), number::<u32>).parse(rest)?;
    let (rest, _) = space0(rest)?;
    Ok((rest, (t, st)))
}

/// One item after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Flag(Flags),
    /// `[start=Tue Nov 26 08:58:11 2024]`
    Start(&'a [u8]),
    Stop(&'a [u8]),
    /// A bracketed word conntrack does not print today; kept, not fatal.
    OtherBracket(&'a [u8]),
    KeyValue(&'a [u8], &'a [u8]),
}

fn bracketed(input: &[u8]) -> IResult<&[u8], Field<'_>> {
    let (rest, inner) =
        delimited(tag(&b"["[..]), take_till(|c| c == b']'), tag(&b"]"[..])).parse(input)?;
    let field = if let Some(v) = inner.strip_prefix(b"start=") {
        Field::Start(v)
    } else if let Some(v) = inner.strip_prefix(b"stop=") {
        Field::Stop(v)
    } else if let Some(f) = Flags::from_name(inner) {
        Field::Flag(f)
    } else {
        Field::OtherBracket(inner)
    };
    Ok((rest, field))
}

fn key_value(input: &[u8]) -> IResult<&[u8], Field<'_>> {
    let (rest, key) = take_till1(|c| c == b'=' || c == b' ').parse(input)?;
    let (rest, _) = tag(&b"="[..]).parse(rest)?;
    let (rest, value) = take_till(|c| c == b' ').parse(rest)?;
    Ok((rest, Field::KeyValue(key, value)))
}

/// One field and the blanks after it.
pub fn field(input: &[u8]) -> IResult<&[u8], Field<'_>> {
    terminated(alt((bracketed, key_value)), space0).parse(input)
}

/// What a trailer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailerOf {
    /// `conntrack -L`: `N flow entries have been shown.`
    Entries,
    /// `conntrack -E`: `N flow events have been shown.`
    Events,
}

/// The stderr trailer `conntrack v1.4.7 (conntrack-tools): 42 flow entries
/// have been shown.` (older versions: `... flow entries has been shown.`;
/// `conntrack -E` on exit: `... 28 flow events have been shown.`).
pub fn trailer(input: &[u8]) -> IResult<&[u8], (u64, TrailerOf)> {
    let (rest, _) = (
        tag(&b"conntrack v"[..]),
        take_till(|c| c == b':'),
        tag(&b":"[..]),
        space1,
    )
        .parse(input)?;
    let (rest, n) = number::<u64>(rest)?;
    let (rest, _) = preceded(
        space1,
        verify(take_till1(|c| c == b' '), |w: &[u8]| w == b"flow"),
    )
    .parse(rest)?;
    let (rest, of) = preceded(
        space1,
        alt((
            tag(&b"entries"[..]).map(|_| TrailerOf::Entries),
            tag(&b"events"[..]).map(|_| TrailerOf::Events),
        )),
    )
    .parse(rest)?;
    Ok((rest, (n, of)))
}

/// Kind of a `conntrack -E` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTag {
    New,
    Update,
    Destroy,
}

/// `[NEW] `, `[UPDATE] `, `[DESTROY] `, optionally after `-o timestamp`'s
/// `[1732525262.123456]` prefix.
pub fn event_tag(input: &[u8]) -> IResult<&[u8], EventTag> {
    let stamp = delimited(
        tag(&b"["[..]),
        take_while1(|c: u8| c.is_ascii_digit() || c == b'.'),
        tag(&b"]"[..]),
    );
    let (rest, _) = opt(terminated(stamp, space0)).parse(input)?;
    let (rest, kind) = alt((
        tag(&b"[NEW]"[..]).map(|_| EventTag::New),
        tag(&b"[UPDATE]"[..]).map(|_| EventTag::Update),
        tag(&b"[DESTROY]"[..]).map(|_| EventTag::Destroy),
    ))
    .parse(rest)?;
    let (rest, _) = space1(rest)?;
    Ok((rest, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(dec_u64(b"0"), Some(0));
        assert_eq!(dec_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(dec_u64(b"18446744073709551616"), None);
        assert_eq!(dec_u64(b""), None);
        assert_eq!(dec_u64(b"12a"), None);
        assert_eq!(dec::<u16>(b"65535"), Some(65535));
        assert_eq!(dec::<u16>(b"65536"), None);
        assert_eq!(hex_or_dec_u32(b"0x1f"), Some(31));
        assert_eq!(hex_or_dec_u32(b"0x"), None);
        assert_eq!(hex_or_dec_u32(b"0x123456789"), None);
        assert_eq!(hex_or_dec_u32(b"7"), Some(7));
    }

    #[test]
    fn ipv4_addresses() {
        assert_eq!(ipv4(b"10.4.1.23"), Some(Ipv4Addr::new(10, 4, 1, 23)));
        assert_eq!(ipv4(b"255.255.255.255"), Some(Ipv4Addr::BROADCAST));
        for bad in [
            &b"10.4.1.999"[..],
            b"10.4.1",
            b"10.4..1",
            b"10.4.1.2.3",
            b"1.2.3.",
            b"",
            b"a.b.c.d",
            b"1.2.3.0004",
        ] {
            assert_eq!(ipv4(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn ipv6_compressed_and_expanded() {
        let a = ip(b"2001:db8::1").unwrap();
        let b = ip(b"2001:0db8:0000:0000:0000:0000:0000:0001").unwrap();
        assert_eq!(a, b);
        assert_eq!(ip(b"2001:db8:::1"), None);
        assert_eq!(ip(b"::ffff:10.4.1.2").map(|i| i.is_ipv6()), Some(true));
    }

    #[test]
    fn headers() {
        assert_eq!(l3_columns(b"ipv4     2 tcp"), Ok((&b"tcp"[..], 2)));
        assert_eq!(l3_columns(b"ipv6     10 udp"), Ok((&b"udp"[..], 10)));
        assert!(l3_columns(b"ipv5     2 tcp").is_err());
        assert_eq!(
            l4_header(b"tcp      6 117 TIME_WAIT"),
            Ok((&b"117 TIME_WAIT"[..], 6))
        );
        assert_eq!(
            l4_header(b"unknown  41 599 src="),
            Ok((&b"599 src="[..], 41))
        );
        assert!(l4_header(b"tcp      256 1").is_err());
        assert!(l4_header(b"src=1.2.3.4").is_err());
        assert!(l4_header(b"Nov 26 09:00:01 node").is_err());
        assert_eq!(timeout(b"117 TIME_WAIT"), Ok((&b"TIME_WAIT"[..], 117)));
        assert!(timeout(b"src=1").is_err());
        assert_eq!(
            state(b"TIME_WAIT src="),
            Ok((&b"src="[..], State::TIME_WAIT))
        );
        assert!(state(b"src=10.0.0.1").is_err());
        assert!(state(b"BOGUS src=").is_err());
        assert_eq!(
            gre_timeouts(b"timeout=30, stream_timeout=180 src="),
            Ok((&b"src="[..], (30, 180)))
        );
        assert!(gre_timeouts(b"timeout=30 src=").is_err());
    }

    #[test]
    fn fields() {
        assert_eq!(
            field(b"src=10.0.0.1 dst="),
            Ok((&b"dst="[..], Field::KeyValue(b"src", b"10.0.0.1")))
        );
        assert_eq!(
            field(b"[ASSURED] mark=0"),
            Ok((&b"mark=0"[..], Field::Flag(Flags::ASSURED)))
        );
        assert_eq!(
            field(b"[start=Tue Nov 26 08:58:11 2024] use=1"),
            Ok((&b"use=1"[..], Field::Start(b"Tue Nov 26 08:58:11 2024")))
        );
        assert_eq!(
            field(b"[SEEN] x=1"),
            Ok((&b"x=1"[..], Field::OtherBracket(b"SEEN")))
        );
        assert_eq!(
            field(b"labels="),
            Ok((&b""[..], Field::KeyValue(b"labels", b"")))
        );
        assert!(field(b"garbage").is_err());
        assert!(field(b"[unterminated").is_err());
        assert!(field(b"=1").is_err());
    }

    #[test]
    fn trailers() {
        assert_eq!(
            trailer(b"conntrack v1.4.7 (conntrack-tools): 42 flow entries have been shown."),
            Ok((&b" have been shown."[..], (42, TrailerOf::Entries)))
        );
        assert_eq!(
            trailer(b"conntrack v0.9.14 (conntrack-tools): 7 flow entries has been shown.")
                .map(|r| r.1),
            Ok((7, TrailerOf::Entries))
        );
        assert_eq!(
            trailer(b"conntrack v1.4.7 (conntrack-tools): 28 flow events have been shown.")
                .map(|r| r.1),
            Ok((28, TrailerOf::Events))
        );
        assert!(
            trailer(b"conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters")
                .is_err()
        );
    }

    #[test]
    fn event_tags() {
        assert_eq!(event_tag(b"[NEW] tcp"), Ok((&b"tcp"[..], EventTag::New)));
        assert_eq!(
            event_tag(b"[DESTROY] udp"),
            Ok((&b"udp"[..], EventTag::Destroy))
        );
        assert_eq!(
            event_tag(b"[1732525262.123456]\t [UPDATE] tcp"),
            Ok((&b"tcp"[..], EventTag::Update))
        );
        assert!(event_tag(b"[ASSURED] x").is_err());
        assert!(event_tag(b"tcp 6").is_err());
    }
}
