//! `conntrack -L` listings in every layout the tools and the kernel print:
//! default, `-o extended[,id,timestamp]`, `/proc/net/nf_conntrack`, legacy
//! `/proc/net/ip_conntrack`, offloaded flows without a timeout, IPv4 and IPv6.
//!
//! Input: a line-aligned buffer (a whole file or one chunk of it). Output: each
//! entry handed to a sink as a borrowed [`Entry`], plus a [`ListingReport`]
//! with what else the text held: the stderr trailer, `conntrack -E` events
//! (counted apart, never entries), pasted noise and bad lines.

pub mod fast;
pub mod grammar;

use std::collections::BTreeMap;

use crate::model::{Counters, Entry, Flags, L4, Tuple};
use crate::parse::LineIssues;
use crate::parse::text::{self, is_noise};
use grammar::{EventTag, Field};

/// What a listing held besides its entries.
#[derive(Debug, Clone, Default)]
pub struct ListingReport {
    /// Lines read (entries, noise and bad lines alike).
    pub lines: u64,
    pub entries: u64,
    /// Counts announced by `... N flow entries have been shown.` trailers.
    pub trailers: Vec<u64>,
    /// Counts announced by `... N flow events have been shown.` (`conntrack -E`).
    pub event_trailers: Vec<u64>,
    pub events_new: u64,
    pub events_update: u64,
    pub events_destroy: u64,
    /// Lines of `-o xml` output.
    pub xml_lines: u64,
    /// Keys conntrack does not print today, with how often they were seen.
    pub unknown_keys: BTreeMap<String, u64>,
    /// Other messages of the conntrack tool itself (`Operation failed`, ...).
    pub tool_messages: Vec<String>,
    pub issues: LineIssues,
    /// Lines quoted in an e-mail or a ticket (`> `), read without the quote.
    pub quoted: u64,
    /// Entries with an address redacted by hand (kept, as [`REDACTED`]).
    pub redacted: u64,
    /// Entries wrapped over two lines (or continued with ` \`), read as one.
    pub rejoined: u64,
}

impl ListingReport {
    pub fn events(&self) -> u64 {
        self.events_new + self.events_update + self.events_destroy
    }

    /// Adds the report of the next chunk of the same file.
    pub fn merge(&mut self, other: ListingReport) {
        self.lines += other.lines;
        self.entries += other.entries;
        self.trailers.extend(other.trailers);
        self.event_trailers.extend(other.event_trailers);
        self.events_new += other.events_new;
        self.events_update += other.events_update;
        self.events_destroy += other.events_destroy;
        self.xml_lines += other.xml_lines;
        self.quoted += other.quoted;
        self.redacted += other.redacted;
        self.rejoined += other.rejoined;
        for (k, v) in other.unknown_keys {
            *self.unknown_keys.entry(k).or_default() += v;
        }
        if self.tool_messages.len() < 5 {
            self.tool_messages
                .extend(other.tool_messages.into_iter().take(5));
        }
        self.issues.merge(other.issues);
    }
}

/// Why a line is not an entry: what the grammar expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected(pub &'static str);

/// Parses every line of `buf` (numbered from `first_line`), calling `sink`
/// for each entry in file order.
pub fn parse_listing<F>(buf: &[u8], first_line: u64, mut sink: F) -> ListingReport
where
    F: FnMut(&Entry<'_>),
{
    let mut report = ListingReport::default();
    let mut pending: Option<(u64, &[u8], &'static str)> = None;
    for line in text::lines(buf, first_line) {
        report.lines += 1;
        let mut t = line.text;
        if t.first() == Some(&b'>') {
            // Quoted in an e-mail or a ticket.
            report.quoted += 1;
            t = text::unquote(t);
        }
        // The common case first: a whole entry of the common shape. Such a
        // line starts with a letter or digit and holds no `#` or `$` outside
        // free-text values, so it cannot be a shell prompt or other noise;
        // with free-text values it is checked as every other line is.
        let fast_tried = pending.is_none();
        if fast_tried {
            if let Some(entry) = fast::entry(t) {
                let free_text = entry.secctx.is_some()
                    || entry.helper.is_some()
                    || entry.labels.is_some()
                    || entry.start.is_some()
                    || entry.stop.is_some();
                if !(free_text && is_noise(t)) {
                    report.entries += 1;
                    if has_redacted(&entry) {
                        report.redacted += 1;
                    }
                    sink(&entry);
                }
                continue;
            }
        }
        if is_noise(t) {
            continue;
        }
        // A line that did not parse waits for the next: an entry
        // hard-wrapped by a terminal or a mail client, or continued with
        // ` \`, reads as one when its pieces do.
        if let Some((number, first, why)) = pending.take() {
            let head = text::trim(first.strip_suffix(b"\\").unwrap_or(first));
            // Cut mid-word at a fixed width, or at a blank.
            let mut joined = false;
            for sep in [&b""[..], b" "] {
                let line = [head, sep, t].concat();
                if let Ok(entry) = parse_entry(&line, &mut report.unknown_keys) {
                    report.entries += 1;
                    report.rejoined += 1;
                    if has_redacted(&entry) {
                        report.redacted += 1;
                    }
                    sink(&entry);
                    joined = true;
                    break;
                }
            }
            if joined {
                continue;
            }
            report.issues.skip(number, why, first);
        }
        match t.first().copied().unwrap_or(b' ') {
            b'[' => {
                match grammar::event_tag(t) {
                    Ok((rest, kind)) => {
                        // An event still has to be a well-formed entry.
                        match parse_entry(rest, &mut report.unknown_keys) {
                            Ok(_) => match kind {
                                EventTag::New => report.events_new += 1,
                                EventTag::Update => report.events_update += 1,
                                EventTag::Destroy => report.events_destroy += 1,
                            },
                            Err(Expected(what)) => report.issues.skip(line.number, what, t),
                        }
                    }
                    Err(_) => report.issues.skip(
                        line.number,
                        "an entry, or an event tagged [NEW], [UPDATE] or [DESTROY]",
                        t,
                    ),
                }
                continue;
            }
            b'<' => {
                report.xml_lines += 1;
                continue;
            }
            b'c' if t.starts_with(b"conntrack v") => {
                match grammar::trailer(t) {
                    Ok((_, (n, grammar::TrailerOf::Entries))) => report.trailers.push(n),
                    Ok((_, (n, grammar::TrailerOf::Events))) => report.event_trailers.push(n),
                    Err(_) => {
                        if report.tool_messages.len() < 5 {
                            report
                                .tool_messages
                                .push(String::from_utf8_lossy(t).into_owned());
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        // After a line that did not parse, the fast path has not been tried;
        // the grammar reads the rest (and says why a line is not an entry).
        if let Some(entry) = (!fast_tried).then(|| fast::entry(t)).flatten() {
            report.entries += 1;
            if has_redacted(&entry) {
                report.redacted += 1;
            }
            sink(&entry);
            continue;
        }
        match parse_entry(t, &mut report.unknown_keys) {
            Ok(entry) => {
                report.entries += 1;
                if has_redacted(&entry) {
                    report.redacted += 1;
                }
                sink(&entry);
            }
            Err(Expected(what)) => pending = Some((line.number, t, what)),
        }
    }
    if let Some((number, first, why)) = pending {
        report.issues.skip(number, why, first);
    }
    report
}

/// What an address redacted by hand becomes, in the family of the entry:
/// `240.0.0.0` (reserved, RFC 1112 §4) or `100::` (discard-only, RFC 6666),
/// addresses no tracked flow uses, so the entry is kept with its address
/// unknown and can be told apart.
pub const REDACTED: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(240, 0, 0, 0));
pub const REDACTED_V6: std::net::IpAddr =
    std::net::IpAddr::V6(std::net::Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0));

/// Whether an address is one redacted by hand.
#[inline]
pub fn is_redacted(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(a) => u32::from(a) == 0xf000_0000,
        std::net::IpAddr::V6(a) => u128::from(a) == 0x0100 << 112,
    }
}

/// A redacted address takes the family of the address beside it.
fn aligned(a: std::net::IpAddr, b: std::net::IpAddr) -> std::net::IpAddr {
    match (is_redacted(a), b.is_ipv4()) {
        (true, true) => REDACTED,
        (true, false) => REDACTED_V6,
        _ => a,
    }
}

/// An address redacted by hand before a paste: `x.x.x.x`, `1.2.3.xxx`,
/// `10.4.*.*`, `a.b.c.d`, `<redacted>`, `[REDACTED]`, `<ip>`.
fn redacted(v: &[u8]) -> Option<std::net::IpAddr> {
    let lower = v.to_ascii_lowercase();
    if memchr::memmem::find(&lower, b"redact").is_some()
        || lower == b"<ip>"
        || lower == b"<ip-address>"
    {
        return Some(REDACTED);
    }
    let parts: Vec<&[u8]> = v.split(|&c| c == b'.').collect();
    let masked = |p: &&[u8]| p.iter().all(|c| matches!(c, b'x' | b'X' | b'*' | b'#'));
    let letter = |p: &&[u8]| p.len() == 1 && p.iter().all(u8::is_ascii_lowercase);
    let ok = parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && (p.iter().all(u8::is_ascii_digit) || masked(p) || letter(p))
        })
        && parts.iter().any(|p| masked(p) || letter(p));
    ok.then_some(REDACTED)
}

/// Whether an entry has an address redacted by hand.
#[inline]
pub fn has_redacted(e: &Entry<'_>) -> bool {
    [e.orig.src, e.orig.dst, e.reply.src, e.reply.dst]
        .into_iter()
        .any(is_redacted)
}

/// The layer-4 fields, zone and counters of one direction while a line is
/// read: shared by the grammar and the fast path, so both finish a tuple by
/// the same rules.
#[derive(Debug, Default, Clone, Copy)]
struct L4Parts {
    sport: Option<u16>,
    dport: Option<u16>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    icmp_id: Option<u16>,
    srckey: Option<u32>,
    dstkey: Option<u32>,
    zone: Option<u16>,
    packets: Option<u64>,
    bytes: Option<u64>,
}

impl L4Parts {
    /// The tuple of `src` and `dst` (already checked to be of one family).
    #[inline(always)]
    fn finish(
        &self,
        src: std::net::IpAddr,
        dst: std::net::IpAddr,
    ) -> Result<(Tuple, Option<Counters>), Expected> {
        let l4 = match (
            self.sport,
            self.dport,
            self.icmp_type,
            self.icmp_code,
            self.srckey,
            self.dstkey,
        ) {
            (Some(sport), Some(dport), None, None, None, None) => L4::Ports { sport, dport },
            (None, None, Some(kind), Some(code), None, None) => L4::Icmp {
                kind,
                code,
                id: self.icmp_id.unwrap_or(0),
            },
            (None, None, None, None, Some(srckey), Some(dstkey)) => L4::Gre { srckey, dstkey },
            (None, None, None, None, None, None) => L4::None,
            (Some(_), None, ..) => return Err(Expected("dport= after sport=")),
            (None, Some(_), ..) => return Err(Expected("sport= before dport=")),
            _ => return Err(Expected("one set of layer-4 fields per direction")),
        };
        let counters = match (self.packets, self.bytes) {
            (Some(packets), Some(bytes)) => Some(Counters { packets, bytes }),
            (None, None) => None,
            _ => return Err(Expected("packets= and bytes= together")),
        };
        Ok((
            Tuple {
                src,
                dst,
                l4,
                zone: self.zone,
            },
            counters,
        ))
    }
}

/// One direction's fields while a line is read.
#[derive(Default)]
struct TupleParts {
    /// An address of this direction was redacted by hand (rare: only then
    /// are families aligned).
    redacted: bool,
    src: Option<std::net::IpAddr>,
    dst: Option<std::net::IpAddr>,
    f: L4Parts,
}

impl TupleParts {
    #[inline]
    fn finish(&self) -> Result<(Tuple, Option<Counters>), Expected> {
        let src = self.src.ok_or(Expected("src= in each direction"))?;
        let dst = self.dst.ok_or(Expected("dst= after src="))?;
        let (src, dst) = if self.redacted {
            (aligned(src, dst), aligned(dst, src))
        } else {
            (src, dst)
        };
        if src.is_ipv4() != dst.is_ipv4() {
            return Err(Expected("src= and dst= of one family"));
        }
        self.f.finish(src, dst)
    }
}

fn as_str(v: &[u8]) -> Result<&str, Expected> {
    std::str::from_utf8(v).map_err(|_| Expected("UTF-8 text in a field value"))
}

/// An entry with its header read and nothing else yet.
fn bare_entry<'a>(
    proto: u8,
    timeout: Option<u32>,
    state: Option<crate::model::State>,
    gre_timeouts: Option<(u32, u32)>,
) -> Entry<'a> {
    let none = Tuple {
        src: std::net::Ipv4Addr::UNSPECIFIED.into(),
        dst: std::net::Ipv4Addr::UNSPECIFIED.into(),
        l4: L4::None,
        zone: None,
    };
    Entry {
        proto,
        timeout,
        state,
        gre_timeouts,
        orig: none,
        reply: none,
        orig_counters: None,
        reply_counters: None,
        flags: Flags::default(),
        mark: None,
        secmark: None,
        secctx: None,
        zone: None,
        delta_time: None,
        start: None,
        stop: None,
        helper: None,
        use_count: None,
        id: None,
        labels: None,
    }
}

/// Parses one entry line (after any event tag).
pub fn parse_entry<'a>(
    line: &'a [u8],
    unknown_keys: &mut BTreeMap<String, u64>,
) -> Result<Entry<'a>, Expected> {
    use grammar::{dec, hex_or_dec_u32, ip};

    let rest = match grammar::l3_columns(line) {
        Ok((rest, _)) => rest,
        Err(_) => line,
    };
    let (rest, proto) = grammar::l4_header(rest)
        .map_err(|_| Expected("a protocol name and number (`tcp      6`)"))?;
    let (rest, timeout) = match grammar::timeout(rest) {
        Ok((r, t)) => (r, Some(t)),
        Err(_) => (rest, None),
    };
    let (rest, state) = match grammar::state(rest) {
        Ok((r, s)) => (r, Some(s)),
        Err(_) => (rest, None),
    };
    let (mut rest, gre_timeouts) = match grammar::gre_timeouts(rest) {
        Ok((r, t)) => (r, Some(t)),
        Err(_) => (rest, None),
    };

    let mut dirs: [TupleParts; 2] = Default::default();
    let mut dir = 0usize;
    let mut e = bare_entry(proto, timeout, state, gre_timeouts);

    while !rest.is_empty() {
        let (r, f) = grammar::field(rest).map_err(|_| Expected("`key=value` or `[FLAG]`"))?;
        rest = r;
        match f {
            Field::Flag(flag) => e.flags.insert(flag),
            Field::Start(v) => e.start = Some(as_str(v)?),
            Field::Stop(v) => e.stop = Some(as_str(v)?),
            Field::OtherBracket(v) => {
                *unknown_keys
                    .entry(format!("[{}]", String::from_utf8_lossy(v)))
                    .or_default() += 1;
            }
            Field::KeyValue(key, v) => {
                // A second `src=` opens the reply tuple.
                if key == b"src" && dirs.get(dir).is_some_and(|d| d.src.is_some()) {
                    if dir == 1 {
                        return Err(Expected("two tuples, not three"));
                    }
                    dir = 1;
                }
                let [orig, reply] = &mut dirs;
                let d = if dir == 0 { orig } else { reply };
                match key {
                    b"src" => {
                        d.src = Some(match ip(v) {
                            Some(a) => a,
                            None => {
                                d.redacted = true;
                                redacted(v).ok_or(Expected("an IPv4 or IPv6 address after src="))?
                            }
                        });
                    }
                    b"dst" => {
                        d.dst = Some(match ip(v) {
                            Some(a) => a,
                            None => {
                                d.redacted = true;
                                redacted(v).ok_or(Expected("an IPv4 or IPv6 address after dst="))?
                            }
                        })
                    }
                    b"sport" => {
                        d.f.sport = Some(dec(v).ok_or(Expected("a port (0-65535) after sport="))?)
                    }
                    b"dport" => {
                        d.f.dport = Some(dec(v).ok_or(Expected("a port (0-65535) after dport="))?)
                    }
                    b"type" => {
                        d.f.icmp_type = Some(dec(v).ok_or(Expected("an ICMP type (0-255)"))?)
                    }
                    b"code" => {
                        d.f.icmp_code = Some(dec(v).ok_or(Expected("an ICMP code (0-255)"))?)
                    }
                    // `id=` right after `type= code=` is ICMP's; elsewhere it is
                    // the conntrack id of `-o id`.
                    b"id" if d.f.icmp_code.is_some() && d.f.icmp_id.is_none() && e.id.is_none() => {
                        d.f.icmp_id = Some(dec(v).ok_or(Expected("an ICMP id (0-65535)"))?);
                    }
                    b"id" => e.id = Some(dec(v).ok_or(Expected("a conntrack id after id="))?),
                    b"srckey" => {
                        d.f.srckey = Some(hex_or_dec_u32(v).ok_or(Expected("a GRE key (0x...)"))?)
                    }
                    b"dstkey" => {
                        d.f.dstkey = Some(hex_or_dec_u32(v).ok_or(Expected("a GRE key (0x...)"))?)
                    }
                    b"packets" => {
                        d.f.packets = Some(dec(v).ok_or(Expected("a number after packets="))?)
                    }
                    b"bytes" => d.f.bytes = Some(dec(v).ok_or(Expected("a number after bytes="))?),
                    b"zone-orig" => {
                        dirs[0].f.zone = Some(dec(v).ok_or(Expected("a zone (0-65535)"))?)
                    }
                    b"zone-reply" => {
                        dirs[1].f.zone = Some(dec(v).ok_or(Expected("a zone (0-65535)"))?)
                    }
                    b"mark" => e.mark = Some(dec(v).ok_or(Expected("a number after mark="))?),
                    b"secmark" => {
                        e.secmark = Some(dec(v).ok_or(Expected("a number after secmark="))?)
                    }
                    b"secctx" => e.secctx = Some(as_str(v)?),
                    b"zone" => e.zone = Some(dec(v).ok_or(Expected("a zone (0-65535)"))?),
                    b"use" => e.use_count = Some(dec(v).ok_or(Expected("a number after use="))?),
                    b"delta-time" => {
                        e.delta_time = Some(dec(v).ok_or(Expected("seconds after delta-time="))?)
                    }
                    b"helper" => e.helper = Some(as_str(v)?),
                    b"labels" => e.labels = Some(as_str(v)?),
                    other => {
                        *unknown_keys
                            .entry(String::from_utf8_lossy(other).into_owned())
                            .or_default() += 1;
                    }
                }
            }
        }
    }
    if dir == 0 {
        return Err(if dirs[0].src.is_none() {
            Expected("src= dst= after the protocol, timeout and state")
        } else {
            Expected("a reply tuple (src= dst= ...); the line may be cut short")
        });
    }
    let [orig, reply] = dirs;
    let any_redacted = orig.redacted || reply.redacted;
    let (mut orig, oc) = orig.finish()?;
    let (mut reply, rc) = reply.finish()?;
    // A tuple redacted whole takes the family of the other one.
    if any_redacted && is_redacted(orig.src) && is_redacted(orig.dst) {
        orig.src = aligned(orig.src, reply.src);
        orig.dst = aligned(orig.dst, reply.src);
    }
    if any_redacted && is_redacted(reply.src) && is_redacted(reply.dst) {
        reply.src = aligned(reply.src, orig.src);
        reply.dst = aligned(reply.dst, orig.src);
    }
    if orig.src.is_ipv4() != reply.src.is_ipv4() {
        return Err(Expected("both tuples of one family"));
    }
    e.orig = orig;
    e.reply = reply;
    e.orig_counters = oc;
    e.reply_counters = rc;
    Ok(e)
}

#[cfg(test)]
mod tests;
