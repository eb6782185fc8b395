//! The fast path: the lines nearly every dump is made of, read by a
//! hand-written scanner that never allocates.
//!
//! It reads a strict subset of the grammar of record ([`super::grammar`] and
//! [`super::parse_entry`]): items separated by spaces, every key and flag
//! conntrack prints today, in the default, `-o extended[,id,timestamp]`
//! and `/proc/net/nf_conntrack` layouts. On anything else — a tab, an
//! address redacted by hand, GRE's `timeout=30, stream_timeout=180`, a
//! bracketed word or a key it does not know, any error — it answers `None`
//! and the caller hands the line to
//! the grammar, which reads it or says what it expected. Whenever it
//! answers, its entry is the one the grammar gives: a differential property
//! test (`tests.rs`, `fast_path_agrees_with_the_grammar`) checks that on
//! generated entries of every protocol and layout and on damaged lines.
//!
//! Numbers and addresses go through the grammar's own value parsers
//! ([`dec`], [`ip`]), so the two paths cannot disagree on a value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::grammar::{hex_or_dec_u32, ip};
use super::{L4Parts, as_str, bare_entry};
use crate::model::{Counters, Entry, Flags, State, Tuple};

const ABSENT: u8 = 0;
const V4: u8 = 4;
const V6: u8 = 6;

/// An address while a line is read, as plain integers: no `IpAddr` is
/// built (and copied) until the line is whole.
#[derive(Debug, Clone, Copy, Default)]
struct Addr {
    /// [`ABSENT`], [`V4`] or [`V6`].
    kind: u8,
    v4: u32,
    v6: u128,
}

impl Addr {
    #[inline(always)]
    fn get(self) -> Option<IpAddr> {
        match self.kind {
            V4 => Some(IpAddr::V4(Ipv4Addr::from(self.v4))),
            V6 => Some(IpAddr::V6(Ipv6Addr::from(self.v6))),
            _ => None,
        }
    }
}

/// One direction's fields while a line is read.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    src: Addr,
    dst: Addr,
    f: L4Parts,
}

impl Side {
    /// The tuple, by the grammar's rules for addresses not redacted;
    /// `None` where the grammar has an error.
    #[inline(always)]
    fn finish(&self) -> Option<(Tuple, Option<Counters>)> {
        let src = self.src.get()?;
        let dst = self.dst.get()?;
        if self.src.kind != self.dst.kind {
            return None;
        }
        self.f.finish(src, dst).ok()
    }
}

/// Reads `line` when it has the common shape; `None`: ask the grammar.
#[inline]
pub fn entry(line: &[u8]) -> Option<Entry<'_>> {
    let mut s = Scan { b: line, p: 0 };
    if line.starts_with(b"ipv4 ") || line.starts_with(b"ipv6 ") {
        s.p = 4;
        s.blanks1()?;
        s.number::<u8>()?;
        s.blanks1()?;
    }
    s.name()?;
    s.blanks1()?;
    let proto = s.number::<u8>()?;
    s.blanks0();
    let timeout = if s.peek().is_ascii_digit() {
        let t = s.number::<u32>()?;
        s.blanks1()?;
        Some(t)
    } else {
        None
    };
    let state = if s.peek().is_ascii_uppercase() {
        let st = State::from_name(s.word())?;
        s.blanks0();
        Some(st)
    } else {
        None
    };

    let mut e = bare_entry(proto, timeout, state, None);
    let (mut orig, mut reply) = (Side::default(), Side::default());
    // Whether the reply tuple has begun.
    let mut in_reply = false;
    while let Some(&first) = s.b.get(s.p) {
        // Keys are told apart by their first byte, then matched whole with
        // their `=`, so `srcx=` is no `src=`.
        match first {
            b'[' => {
                let inner = s.bracket()?;
                if let Some(v) = inner.strip_prefix(b"start=") {
                    e.start = Some(as_str(v).ok()?);
                } else if let Some(v) = inner.strip_prefix(b"stop=") {
                    e.stop = Some(as_str(v).ok()?);
                } else {
                    e.flags.insert(Flags::from_name(inner)?);
                }
            }
            b's' if s.key(b"src=") => {
                // A second `src=` opens the reply tuple (as in the grammar).
                if pick(in_reply, &mut orig, &mut reply).src.kind != ABSENT {
                    if in_reply {
                        return None;
                    }
                    in_reply = true;
                }
                let d = pick(in_reply, &mut orig, &mut reply);
                s.address(&mut d.src)?;
                // The usual run, ` dst=A sport=N dport=N`, read in order
                // (anything else is left to the loop, which reads it the same).
                if s.key(b" dst=") {
                    s.address(&mut d.dst)?;
                    if s.key(b" sport=") {
                        d.f.sport = Some(s.value()?);
                        if s.key(b" dport=") {
                            d.f.dport = Some(s.value()?);
                        }
                    }
                }
            }
            b'd' if s.key(b"dst=") => s.address(&mut pick(in_reply, &mut orig, &mut reply).dst)?,
            b's' if s.key(b"sport=") => {
                pick(in_reply, &mut orig, &mut reply).f.sport = Some(s.value()?)
            }
            b'd' if s.key(b"dport=") => {
                pick(in_reply, &mut orig, &mut reply).f.dport = Some(s.value()?)
            }
            b'p' if s.key(b"packets=") => {
                let d = pick(in_reply, &mut orig, &mut reply);
                d.f.packets = Some(s.value()?);
                if s.key(b" bytes=") {
                    d.f.bytes = Some(s.value()?);
                }
            }
            b'b' if s.key(b"bytes=") => {
                pick(in_reply, &mut orig, &mut reply).f.bytes = Some(s.value()?)
            }
            b'm' if s.key(b"mark=") => e.mark = Some(s.value()?),
            b'u' if s.key(b"use=") => e.use_count = Some(s.value()?),
            b'z' if s.key(b"zone=") => e.zone = Some(s.value()?),
            b'z' if s.key(b"zone-orig=") => orig.f.zone = Some(s.value()?),
            b'z' if s.key(b"zone-reply=") => reply.f.zone = Some(s.value()?),
            b't' if s.key(b"type=") => {
                pick(in_reply, &mut orig, &mut reply).f.icmp_type = Some(s.value()?)
            }
            b'c' if s.key(b"code=") => {
                pick(in_reply, &mut orig, &mut reply).f.icmp_code = Some(s.value()?)
            }
            b'i' if s.key(b"id=") => {
                // ICMP's id right after `type= code=`; elsewhere the
                // conntrack id of `-o id` (the grammar's rule).
                let d = pick(in_reply, &mut orig, &mut reply);
                if d.f.icmp_code.is_some() && d.f.icmp_id.is_none() && e.id.is_none() {
                    d.f.icmp_id = Some(s.value()?);
                } else {
                    e.id = Some(s.value()?);
                }
            }
            b's' if s.key(b"secmark=") => e.secmark = Some(s.value()?),
            b's' if s.key(b"secctx=") => e.secctx = Some(as_str(s.word()).ok()?),
            b's' if s.key(b"srckey=") => {
                pick(in_reply, &mut orig, &mut reply).f.srckey = Some(hex_or_dec_u32(s.word())?)
            }
            b'd' if s.key(b"dstkey=") => {
                pick(in_reply, &mut orig, &mut reply).f.dstkey = Some(hex_or_dec_u32(s.word())?)
            }
            b'd' if s.key(b"delta-time=") => e.delta_time = Some(s.value()?),
            b'h' if s.key(b"helper=") => e.helper = Some(as_str(s.word()).ok()?),
            b'l' if s.key(b"labels=") => e.labels = Some(as_str(s.word()).ok()?),
            _ => return None,
        }
        s.blanks0();
    }
    if !in_reply {
        return None;
    }
    let (orig, orig_counters) = orig.finish()?;
    let (reply, reply_counters) = reply.finish()?;
    if orig.src.is_ipv4() != reply.src.is_ipv4() {
        return None;
    }
    e.orig = orig;
    e.reply = reply;
    e.orig_counters = orig_counters;
    e.reply_counters = reply_counters;
    Some(e)
}

/// The side the fields being read belong to.
#[inline(always)]
fn pick<'s>(in_reply: bool, orig: &'s mut Side, reply: &'s mut Side) -> &'s mut Side {
    if in_reply { reply } else { orig }
}

/// A cursor over one line.
struct Scan<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Scan<'a> {
    /// The next byte, or NUL at the end (no item starts with NUL).
    #[inline(always)]
    fn peek(&self) -> u8 {
        self.b.get(self.p).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn blanks0(&mut self) {
        while self.b.get(self.p) == Some(&b' ') {
            self.p += 1;
        }
    }

    #[inline(always)]
    fn blanks1(&mut self) -> Option<()> {
        (self.peek() == b' ').then_some(())?;
        self.blanks0();
        Some(())
    }

    /// The protocol name: lower-case letters and digits.
    #[inline(always)]
    fn name(&mut self) -> Option<()> {
        let start = self.p;
        while self
            .b
            .get(self.p)
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            self.p += 1;
        }
        (self.p > start).then_some(())
    }

    /// A run of fewer than eight digits that ends within the next eight
    /// bytes: its length and value, read eight bytes at a time (SWAR).
    /// `None` when eight bytes are not left or all eight are digits: the
    /// caller reads those byte by byte.
    #[inline(always)]
    fn short_run(&self) -> Option<(usize, u64)> {
        let bytes: [u8; 8] = self.b.get(self.p..self.p + 8)?.try_into().ok()?;
        let chunk = u64::from_le_bytes(bytes);
        // Each byte minus '0': a digit gives 0..=9. Borrows only run upwards
        // from a byte below '0', that is past the first non-digit.
        let y = chunk.wrapping_sub(0x3030_3030_3030_3030);
        // High bit set where the byte is not a digit (below '0', or above
        // '9' once 0x76 is added).
        let non_digit = (y | y.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
        if non_digit == 0 {
            return None;
        }
        let len = (non_digit.trailing_zeros() / 8) as usize;
        if len == 0 {
            return Some((0, 0));
        }
        // The digits to the top bytes, zeros (leading zeros) below them,
        // then pairs, quads and the octet combined by multiplication.
        let v = (y << (64 - 8 * len)) & 0x0f0f_0f0f_0f0f_0f0f;
        let v = (v.wrapping_mul(10 * 256 + 1) >> 8) & 0x00ff_00ff_00ff_00ff;
        let v = (v.wrapping_mul(100 * 65_536 + 1) >> 16) & 0x0000_ffff_0000_ffff;
        let v = v.wrapping_mul(10_000 * (1 << 32) + 1) >> 32;
        Some((len, v))
    }

    /// A run of digits as a number of type `T`, by the rules of [`super::grammar::dec`].
    #[inline(always)]
    fn number<T: TryFrom<u64>>(&mut self) -> Option<T> {
        if let Some((len, n)) = self.short_run() {
            self.p += len;
            return if len > 0 { T::try_from(n).ok() } else { None };
        }
        let start = self.p;
        let mut n: u64 = 0;
        while let Some(&c) = self.b.get(self.p) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            n = if self.p - start < 19 {
                // Nineteen digits cannot overflow a u64.
                n * 10 + u64::from(d)
            } else {
                n.checked_mul(10)?.checked_add(u64::from(d))?
            };
            self.p += 1;
        }
        let len = self.p - start;
        if len == 0 || len > 20 {
            return None;
        }
        T::try_from(n).ok()
    }

    /// Everything up to the next space or the end (a short word: a plain
    /// loop beats a call to a vectorised search).
    #[inline(always)]
    fn word(&mut self) -> &'a [u8] {
        let start = self.p;
        while self.b.get(self.p).is_some_and(|&c| c != b' ') {
            self.p += 1;
        }
        self.b.get(start..self.p).unwrap_or_default()
    }

    /// `[WORD]` followed by a space or the end: the word.
    #[inline(always)]
    fn bracket(&mut self) -> Option<&'a [u8]> {
        let rest = self.b.get(self.p + 1..)?;
        let close = memchr::memchr(b']', rest)?;
        let inner = rest.get(..close)?;
        self.p += close + 2;
        matches!(self.b.get(self.p), None | Some(b' ')).then_some(inner)
    }

    /// Steps over `key` (with its `=`) when the line has it here.
    #[inline(always)]
    fn key(&mut self, key: &[u8]) -> bool {
        let here = self.b.get(self.p..).unwrap_or_default().starts_with(key);
        if here {
            self.p += key.len();
        }
        here
    }

    /// A decimal value up to the next space or the end, read as [`super::grammar::dec`]
    /// reads it (at most 20 digits, no overflow, nothing but digits).
    #[inline(always)]
    fn value<T: TryFrom<u64>>(&mut self) -> Option<T> {
        let v = self.number()?;
        matches!(self.b.get(self.p), None | Some(b' ')).then_some(v)
    }

    /// An address up to the next space or the end: a plain IPv4 address
    /// read in the same pass, anything else (IPv6, a bad address) by [`ip`].
    #[inline(always)]
    fn address(&mut self, to: &mut Addr) -> Option<()> {
        let start = self.p;
        if let Some(a) = self.ipv4() {
            to.kind = V4;
            to.v4 = a;
            return Some(());
        }
        self.p = start;
        match ip(self.word())? {
            IpAddr::V4(a) => {
                to.kind = V4;
                to.v4 = u32::from(a);
            }
            IpAddr::V6(a) => {
                to.kind = V6;
                to.v6 = u128::from(a);
            }
        }
        Some(())
    }

    /// Dotted quad of one- to three-digit octets up to a space or the end.
    #[inline(always)]
    fn ipv4(&mut self) -> Option<u32> {
        // Octets are shifted into one register: no byte array to reload.
        let mut addr: u32 = 0;
        let mut dots = 0;
        let mut cur: u32 = 0;
        let mut digits = 0;
        while let Some(&c) = self.b.get(self.p) {
            match c {
                b'0'..=b'9' => {
                    cur = cur * 10 + u32::from(c - b'0');
                    digits += 1;
                    if digits > 3 {
                        return None;
                    }
                }
                b'.' if digits > 0 && dots < 3 && cur <= 255 => {
                    addr = (addr << 8) | cur;
                    dots += 1;
                    cur = 0;
                    digits = 0;
                }
                b' ' => break,
                _ => return None,
            }
            self.p += 1;
        }
        if dots != 3 || digits == 0 || cur > 255 {
            return None;
        }
        Some((addr << 8) | cur)
    }
}
