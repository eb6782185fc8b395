//! Framing of log lines, ahead of the message grammar: takes one line in any
//! common Linux log framing (dmesg, syslog, RFC 3339 and RFC 5424, journalctl
//! text and JSON, OpenWrt `logread`, serial consoles, Cloud Logging) and gives
//! its timestamp, host, program and message, borrowed from the line whenever
//! the line needed no cleaning.
//!
//! ```text
//! line        = pri_line | dmesg_line | syslog_line | rfc3339_line | logread_line | kmsg_line
//! pri_line    = rfc5424_line | pri line
//! dmesg_line  = [dmesg_level] (human_bracket | mono_bracket [caller_id] [host_source]) message
//! syslog_line = syslog_stamp tail
//! rfc3339_line= rfc3339 (message | tail)        ; `,` fraction: dmesg --time-format=iso
//! logread_line= ctime [facility "." level] [source_tag] [kernel_stamp] message
//! tail        = [hostname] [source_tag] [kernel_stamp] message
//! ```
//! JSON lines (journal export, Cloud Logging entries) are read in `framing_json.rs`.

use std::borrow::Cow;

use crate::parse::text::trim;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{take, take_till, take_till1, take_while_m_n, take_while1},
    character::complete::{char, digit1, one_of, space0, space1},
    combinator::{eof, opt, recognize},
    error::{Error, ErrorKind},
    multi::many1_count,
    sequence::{delimited, preceded, terminated},
};

#[path = "framing_json.rs"]
mod json;
#[path = "framing_stamp.rs"]
mod stamp;

use stamp::*;

pub use json::cloud_logging_array;

/// A timestamp as the line wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stamp {
    /// Seconds since boot: raw `dmesg` `[  123.456789]`, `journalctl -o short-monotonic`.
    Monotonic(f64),
    /// A complete instant: RFC 3339 / `journalctl -o short-iso`/`short-iso-precise`, RFC 5424,
    /// journal JSON `__REALTIME_TIMESTAMP`, Cloud Logging `timestamp`.
    Wall(DateTime<Utc>),
    /// Date and time with a year but no zone: `dmesg -T` `[Tue Nov 20 22:30:22 2018]`, OpenWrt
    /// `logread` `Fri Dec 16 10:09:21 2022`, an RFC 3339 stamp without offset. Local time of the node.
    Local(NaiveDateTime),
    /// Traditional syslog `Nov 20 22:30:22` (also `short-precise` `Nov 20 22:30:22.123456`):
    /// no year, no zone.
    NoYear {
        month: u32,
        day: u32,
        time: NaiveTime,
    },
}

/// One framed log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Framed<'a> {
    pub stamp: Option<Stamp>,
    /// A seconds-since-boot stamp that follows a wall stamp, e.g. `kernel: [ 9996.929533] msg`
    /// in syslog, `_SOURCE_MONOTONIC_TIMESTAMP` in journal JSON, the `[ 123.4]` after OpenWrt's
    /// `kernel:`. Pairs of wall and monotonic stamps let the caller learn the boot time.
    pub monotonic: Option<f64>,
    pub host: Option<Cow<'a, str>>,
    /// The program: the identifier before the colon without its `[pid]` (`kernel`, `systemd`,
    /// `kube-proxy`), RFC 5424 APP-NAME, or SYSLOG_IDENTIFIER / _COMM in journal JSON.
    pub source: Option<Cow<'a, str>>,
    /// The message text, with ANSI escape sequences and stray `\r` removed.
    pub message: Cow<'a, [u8]>,
    pub framing: Framing,
}

/// Which framing a line was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Dmesg,
    DmesgHuman,
    Syslog,
    Rfc3339,
    Rfc5424,
    JournalMonotonic,
    JournalJson,
    Logread,
    CloudLogging,
    Bare,
}

impl Framed<'_> {
    /// The same line, owning its text.
    pub fn into_owned(self) -> Framed<'static> {
        Framed {
            stamp: self.stamp,
            monotonic: self.monotonic,
            host: self.host.map(|h| Cow::Owned(h.into_owned())),
            source: self.source.map(|s| Cow::Owned(s.into_owned())),
            message: Cow::Owned(self.message.into_owned()),
            framing: self.framing,
        }
    }
}

/// Frames one line. Never fails: a line with no recognised framing comes back as
/// `Framing::Bare` with stamp None and the whole (cleaned) line as message.
pub fn frame_line(line: &[u8]) -> Framed<'_> {
    match clean(line) {
        Cow::Borrowed(text) => frame_clean(text),
        Cow::Owned(text) => frame_clean(&text).into_owned(),
    }
}

fn frame_clean(text: &[u8]) -> Framed<'_> {
    if let Some(f) = text
        .starts_with(b"{")
        .then_some(text)
        .and_then(json::json_line)
    {
        return f;
    }
    match text_line(text) {
        Ok((_, f)) => f,
        Err(_) => Tail::bare(text).framed(None, Framing::Bare),
    }
}

// ---------------------------------------------------------------- cleaning

const BOM: &[u8] = b"\xef\xbb\xbf";
const ESC: u8 = 0x1b;

/// Blanks, then a BOM, then blanks again.
fn outer_trim(line: &[u8]) -> &[u8] {
    let line = trim(line);
    trim(line.strip_prefix(BOM).unwrap_or(line))
}

/// The line without surrounding blanks, BOM, `\r` and ANSI escape sequences;
/// borrowed when there was nothing to remove inside it.
fn clean(line: &[u8]) -> Cow<'_, [u8]> {
    let line = outer_trim(line);
    if memchr::memchr2(ESC, b'\r', line).is_none() {
        return Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len());
    let mut bytes = line.iter().copied().peekable();
    while let Some(c) = bytes.next() {
        match c {
            b'\r' => {}
            ESC => match bytes.next() {
                // CSI: parameters and intermediates, then one final byte.
                Some(b'[') => {
                    while bytes.next_if(|b| (0x20..=0x3f).contains(b)).is_some() {}
                    bytes.next_if(|b| (0x40..=0x7e).contains(b));
                }
                // OSC: up to BEL or ESC `\`.
                Some(b']') => {
                    while let Some(b) = bytes.next() {
                        if b == 0x07 || (b == ESC && bytes.next_if_eq(&b'\\').is_some()) {
                            break;
                        }
                    }
                }
                // Character set designation, `ESC ( B`.
                Some(b'(' | b')' | b'*' | b'+') => {
                    bytes.next();
                }
                _ => {}
            },
            _ => out.push(c),
        }
    }
    let kept = trim(&out);
    if kept.len() != out.len() {
        out = kept.to_vec();
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------- grammar: pieces

fn is_program_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_./@()".contains(&c)
}

/// `kernel: `, `kube-proxy[1234]: `, `(udev-worker)[412]: `: the program name
/// (without pid) and whether a pid was given. Must start with a letter, `_`,
/// or `(` when a pid follows, so `1-1:` (usb) and `(sda1):` (ext4) are not
/// programs.
fn source_tag(input: &[u8]) -> Res<'_, (&str, bool)> {
    let pid = opt(delimited(char('['), digit1, char(']')));
    let (rest, (name, pid, _)) = (take_while1(is_program_char), pid, char(':')).parse(input)?;
    let pid = pid.is_some();
    let starts_well = match name.first() {
        Some(c) => c.is_ascii_alphabetic() || *c == b'_' || (*c == b'(' && pid),
        None => false,
    };
    let ends_well = matches!(rest.first(), None | Some(b' ' | b'\t'));
    let (rest, _) = space0(rest)?;
    let name = ascii_str(name).filter(|_| starts_well && ends_well);
    found(input, rest, name.map(|name| (name, pid)))
}

/// A host name or address and the blanks after it.
fn hostname(input: &[u8]) -> Res<'_, &str> {
    let host_char = |c: u8| c.is_ascii_alphanumeric() || b"-._:".contains(&c);
    let (rest, name) = terminated(take_while1(host_char), space1).parse(input)?;
    let shaped = name.first().is_some_and(u8::is_ascii_alphanumeric) && !name.ends_with(b":");
    found(input, rest, ascii_str(name).filter(|_| shaped))
}

/// `host source: ` after a monotonic stamp (journalctl short-monotonic). Raw
/// dmesg messages also start with two words and a colon (`nvme nvme0:`,
/// `Call Trace:`), so the pair is only taken when the program is `kernel` or
/// has a pid, or when the host looks like a node name (a digit, `-` or `.`)
/// and the program is not a device named after the driver (`i2c i2c-0:`).
fn host_source(input: &[u8]) -> Res<'_, (&str, &str)> {
    let (rest, (host, (source, pid))) = (hostname, source_tag).parse(input)?;
    let node_like = host
        .bytes()
        .any(|c| c.is_ascii_digit() || b"-.".contains(&c));
    let taken = source == "kernel" || pid || (node_like && !source.starts_with(host));
    found(input, rest, taken.then_some((host, source)))
}

/// RFC 5424 structured data: `-` or one or more `[id key="value"]`
/// (values may hold `\"`, `\]`).
fn structured_data(input: &[u8]) -> Res<'_, ()> {
    alt((char('-').map(|_| ()), many1_count(sd_element).map(|_| ()))).parse(input)
}

fn sd_element(input: &[u8]) -> Res<'_, &[u8]> {
    let (body, _) = char('[').parse(input)?;
    let (mut quoted, mut escaped) = (false, false);
    for (i, &c) in body.iter().enumerate() {
        match c {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b']' if !quoted => {
                let (inside, rest) = body.split_at(i);
                return Ok((rest.get(1..).unwrap_or_default(), inside));
            }
            _ => {}
        }
    }
    reject(input)
}

/// A space-free RFC 5424 header field; `-` is none.
fn header_field(input: &[u8]) -> Res<'_, Option<&str>> {
    let (rest, word) = terminated(take_till1(|c| c == b' '), space1).parse(input)?;
    let word = ascii_str(word).map(|w| Some(w).filter(|w| *w != "-"));
    found(input, rest, word)
}

// ---------------------------------------------------------------- grammar: lines

/// What follows the stamp, before it becomes a `Framed`.
#[derive(Debug, PartialEq)]
struct Tail<'a> {
    host: Option<&'a str>,
    source: Option<&'a str>,
    monotonic: Option<f64>,
    message: &'a [u8],
}

impl<'a> Tail<'a> {
    fn new(host: Option<&'a str>, source: Option<&'a str>, message: &'a [u8]) -> Self {
        Tail {
            host,
            source,
            monotonic: None,
            message,
        }
    }

    fn bare(message: &'a [u8]) -> Self {
        Tail::new(None, None, message)
    }

    /// The message after `source:`; the kernel's own stamp is taken out.
    fn tagged(host: Option<&'a str>, source: Option<&'a str>, rest: &'a [u8]) -> Self {
        match kernel_stamp(rest) {
            Ok((message, secs)) if source == Some("kernel") => Tail {
                monotonic: Some(secs),
                ..Tail::new(host, source, message)
            },
            _ => Tail::new(host, source, rest),
        }
    }

    fn framed(self, stamp: Option<Stamp>, framing: Framing) -> Framed<'a> {
        Framed {
            stamp,
            monotonic: self.monotonic,
            host: self.host.map(Cow::Borrowed),
            source: self.source.map(Cow::Borrowed),
            message: Cow::Borrowed(self.message),
            framing,
        }
    }
}

/// `[host] [source:] [kernel stamp] message`, as syslog writes it. A first
/// word ending in `:` is the program of a line without host.
fn tail(input: &[u8]) -> Res<'_, Tail<'_>> {
    if let Ok((rest, (source, _))) = source_tag(input) {
        return Ok((&[], Tail::tagged(None, Some(source), rest)));
    }
    if let Ok((rest, host)) = hostname(input) {
        let (rest, source) = opt(source_tag).parse(rest)?;
        return Ok((&[], Tail::tagged(Some(host), source.map(|s| s.0), rest)));
    }
    Ok((&[], Tail::bare(input)))
}

/// Raw, `-x`/`-T` dmesg and journalctl short-monotonic.
fn dmesg_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let (rest, level) = opt(dmesg_level).parse(input)?;
    if let Ok((message, local)) = terminated(human_bracket, space0).parse(rest) {
        let stamp = Some(Stamp::Local(local));
        return Ok((&[], Tail::bare(message).framed(stamp, Framing::DmesgHuman)));
    }
    let (rest, secs) = kernel_stamp(rest)?;
    let stamp = Some(Stamp::Monotonic(secs));
    if let (None, Ok((message, (host, source)))) = (level, host_source(rest)) {
        let tail = Tail::new(Some(host), Some(source), message);
        return Ok((&[], tail.framed(stamp, Framing::JournalMonotonic)));
    }
    Ok((&[], Tail::bare(rest).framed(stamp, Framing::Dmesg)))
}

/// `Nov 20 22:30:22 host kernel: msg`.
fn syslog_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let (rest, stamp) = terminated(syslog_stamp, space1).parse(input)?;
    let (rest, tail) = tail(rest)?;
    Ok((rest, tail.framed(Some(stamp), Framing::Syslog)))
}

/// `2019-02-25T03:45:03.778502+00:00 host kernel: msg`; with a `,` before the
/// fraction it is `dmesg --time-format=iso` and the rest is all message.
fn rfc3339_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let (rest, stamp) = terminated(rfc3339, space1).parse(input)?;
    let written = input.get(..input.len() - rest.len()).unwrap_or(input);
    let tail = if written.contains(&b',') {
        Tail::bare(rest)
    } else {
        tail(rest)?.1
    };
    Ok((&[], tail.framed(Some(stamp), Framing::Rfc3339)))
}

/// `Fri Dec 16 10:09:21 2022 kern.warn kernel: [ 123.456789] msg` (OpenWrt).
fn logread_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let (rest, local) = terminated(ctime, space1).parse(input)?;
    let (rest, _) = opt(terminated(facility_level, space1)).parse(rest)?;
    let (rest, source) = opt(source_tag).parse(rest)?;
    let (tail, stamp) = (
        Tail::tagged(None, source.map(|s| s.0), rest),
        Stamp::Local(local),
    );
    Ok((&[], tail.framed(Some(stamp), Framing::Logread)))
}

/// `<13>1 2019-02-25T03:45:03Z host app 1234 ID47 [sd@1 a="b"] msg`.
fn rfc5424_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let (rest, _) = (pri, char('1'), space1).parse(input)?;
    let (rest, stamp) =
        terminated(alt((rfc3339.map(Some), char('-').map(|_| None))), space1).parse(rest)?;
    let (rest, (host, app, _procid, _msgid)) =
        (header_field, header_field, header_field, header_field).parse(rest)?;
    let (rest, _) = terminated(structured_data, alt((space1, eof))).parse(rest)?;
    let rest = rest.strip_prefix(BOM).unwrap_or(rest);
    let tail = Tail::tagged(host, app, rest);
    Ok((&[], tail.framed(stamp, Framing::Rfc5424)))
}

/// `<4>` before another framing (`dmesg -r`, syslog on the wire), or RFC 5424.
fn pri_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    alt((rfc5424_line, preceded(pri, unprefixed_line))).parse(input)
}

/// `6,1234,5678901,-;msg` as read from /dev/kmsg (microseconds since boot).
fn kmsg_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    let digits = |n| take_while_m_n(1, n, is_digit);
    let (rest, (_, _, _, _, micros)) =
        (number(1, 4), char(','), digits(20), char(','), digits(15)).parse(input)?;
    let flags = take_till(|c| c == b';' || c == b' ');
    let (rest, _) = (char(','), flags, char(';')).parse(rest)?;
    let micros = micros
        .iter()
        .fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
    let stamp = Some(Stamp::Monotonic(micros as f64 / 1e6));
    Ok((&[], Tail::bare(rest).framed(stamp, Framing::Dmesg)))
}

fn unprefixed_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    alt((
        dmesg_line,
        syslog_line,
        rfc3339_line,
        logread_line,
        kmsg_line,
    ))
    .parse(input)
}

/// Any text framing.
fn text_line(input: &[u8]) -> Res<'_, Framed<'_>> {
    alt((pri_line, unprefixed_line)).parse(input)
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use chrono::SecondsFormat;

    use super::*;

    /// `value|rest` of a rule that matched, `!` of one that failed.
    fn show<T: Debug>(r: Res<'_, T>) -> String {
        match r {
            Ok((rest, v)) => format!("{v:?}|{}", String::from_utf8_lossy(rest)),
            Err(_) => "!".to_owned(),
        }
    }

    /// One grammar rule, by name.
    fn rule(name: &str, i: &[u8]) -> String {
        match name {
            "month" => show(month(i)),
            "weekday" => show(weekday(i)),
            "day" => show(day(i)),
            "clock" => show(clock(i)),
            "ctime" => show(ctime(i)),
            "syslog_stamp" => show(syslog_stamp(i)),
            "date" => show(date(i)),
            "zone" => show(zone(i)),
            "rfc3339" => show(rfc3339(i)),
            "mono_bracket" => show(mono_bracket(i)),
            "caller_id" => show(caller_id(i)),
            "human_bracket" => show(human_bracket(i)),
            "kernel_stamp" => show(kernel_stamp(i)),
            "pri" => show(pri(i)),
            "dmesg_level" => show(dmesg_level(i)),
            "facility_level" => show(facility_level(i)),
            "source_tag" => show(source_tag(i)),
            "hostname" => show(hostname(i)),
            "host_source" => show(host_source(i)),
            "tail" => show(tail(i).map(|(r, t)| (r, (t.host, t.source, t.monotonic)))),
            "structured_data" => show(structured_data(i)),
            "header_field" => show(header_field(i)),
            "dmesg_line" => show(dmesg_line(i).map(|(r, f)| (r, f.framing))),
            "syslog_line" => show(syslog_line(i).map(|(r, f)| (r, f.framing))),
            "rfc3339_line" => show(rfc3339_line(i).map(|(r, f)| (r, f.framing))),
            "logread_line" => show(logread_line(i).map(|(r, f)| (r, f.framing))),
            "rfc5424_line" => show(rfc5424_line(i).map(|(r, f)| (r, f.framing))),
            "pri_line" => show(pri_line(i).map(|(r, f)| (r, f.framing))),
            "kmsg_line" => show(kmsg_line(i).map(|(r, f)| (r, f.framing))),
            _ => panic!("no rule {name}"),
        }
    }

    /// Lines `rule input => value|rest` (or `=> !` when the rule must fail).
    fn rules(table: &str) {
        for case in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (call, want) = case.rsplit_once(" => ").unwrap();
            let (name, input) = call.split_once(' ').unwrap();
            assert_eq!(rule(name, input.as_bytes()), want, "{case}");
        }
    }

    /// `framing stamp monotonic host source: message`, `-` for what is absent.
    pub(super) fn summary(f: &Framed<'_>) -> String {
        let stamp = match f.stamp {
            None => "-".to_owned(),
            Some(Stamp::Monotonic(s)) => s.to_string(),
            Some(Stamp::Wall(t)) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Some(Stamp::Local(t)) => t.to_string(),
            Some(Stamp::NoYear { month, day, time }) => format!("{month:02}-{day:02} {time}"),
        };
        let mono = f.monotonic.map_or("-".to_owned(), |m| m.to_string());
        let (h, s) = (f.host.as_deref(), f.source.as_deref());
        let (h, s) = (h.unwrap_or("-"), s.unwrap_or("-"));
        let text = String::from_utf8_lossy(&f.message);
        format!("{:?} {stamp} {mono} {h} {s}: {text}", f.framing)
    }

    /// Pairs of lines: a log line (blanks before it are framing noise too),
    /// then `=> ` and its summary.
    pub(super) fn check(table: &str) {
        let mut lines = table.lines().filter(|l| !l.trim().is_empty());
        while let Some(line) = lines.next() {
            let want = lines.next().and_then(|w| w.trim().strip_prefix("=> "));
            let got = summary(&frame_line(line.as_bytes()));
            assert_eq!(Some(got.as_str()), want, "{line:?}");
        }
    }

    #[test]
    fn clean_removes_escapes_cr_bom_and_borrows_when_it_can() {
        let borrowed = clean(b"\xef\xbb\xbf plain \r");
        assert!(matches!(borrowed, Cow::Borrowed(b"plain")));
        let got = clean(b"\r\x1b[0m\x1b[32m  OK  \x1b[0m\x1b[K done\r\r");
        assert_eq!(got.as_ref(), b"OK   done");
        assert_eq!(clean(b"a\x1b]0;title\x07b\x1b(Bc\x1b").as_ref(), b"abc");
        assert_eq!(clean(b"x\x1b]unterminated").as_ref(), b"x");
        assert_eq!(clean(b"\x1b[").as_ref(), b"");
    }

    #[test]
    fn date_and_time_rules() {
        rules(
            "month Nov 20 => 11| 20
            month nov => !
            weekday Tue x => ()| x
            weekday Xyz => !
            day 1 x => 1| x
            day 0 => !
            day 32 => !
            clock 22:30:22 x => 22:30:22| x
            clock 00:00:01,123456 => 00:00:01.123456|
            clock 01:02:03.1234567891234 => 01:02:03.123456789|
            clock 99:99:99 => !
            clock 2:30:22 => !
            clock 22:30 => !
            ctime Fri Nov  1 08:01:02 2024] => 2024-11-01T08:01:02|]
            ctime Tue Feb 30 22:30:22 2018 => !
            ctime Tue Nov 20 22:30:22 18 => !
            syslog_stamp Feb 29 00:00:00 => NoYear { month: 2, day: 29, time: 00:00:00 }|
            syslog_stamp Feb 30 00:00:00 => !
            date 2019-13-01 => !
            zone +05:30 => +05:30|
            zone -0800 h => -08:00| h
            zone +24:00 => !
            zone +1 => !
            rfc3339 2019-02-25T09:15:03.5+05:30 h => Wall(2019-02-25T03:45:03.500Z)| h
            rfc3339 2019-02-25T03:45:03 => Local(2019-02-25T03:45:03)|
            rfc3339 2019-02-25 03:45:03Z => !
            rfc3339 0000-01-01T00:00:00+23:59 => Wall(-0001-12-31T00:01:00Z)|
            rfc3339 9999-12-31T23:59:59-23:59 => Wall(+10000-01-01T23:58:59Z)|",
        );
    }

    #[test]
    fn bracket_priority_and_level_rules() {
        rules(
            "mono_bracket [   10.810168] x => 10.810168| x
            mono_bracket [  OK  ] => !
            mono_bracket [99999999999999999999999.1] => !
            mono_bracket [1732525262.123456] => !
            mono_bracket [123] => !
            mono_bracket [ 12.5 => !
            caller_id [    T1] x => ()| x
            caller_id [ X1] => !
            human_bracket [Tue Nov 20 22:30:22 2018] => 2018-11-20T22:30:22|
            human_bracket [Xyz Nov 99 99:99:99 2018] => !
            kernel_stamp [ 5.25][ C1]  msg => 5.25|msg
            pri <191>x => 191|x
            pri <192> => !
            pri <1234> => !
            pri <> => !
            dmesg_level kern  :warn  : [1.0] => ()|[1.0]
            dmesg_level kernel:warn  : x => !
            dmesg_level kern  :loud  : x => !
            facility_level kern.warn x => ()| x
            facility_level kernel: x => !",
        );
    }

    #[test]
    fn program_and_host_rules() {
        rules(
            r#"source_tag kernel: msg => ("kernel", false)|msg
            source_tag kube-proxy[1234]: m => ("kube-proxy", true)|m
            source_tag (udev-worker)[412]: m => ("(udev-worker)", true)|m
            source_tag 1-1: new high-speed USB device => !
            source_tag (sda1): mounted => !
            source_tag http://example.com => !
            source_tag 0:0:0:0: [sda] => !
            source_tag kube-proxy[12a]: x => !
            hostname gke-prod-default-pool-7f3a9c21-x2lq kernel: => "gke-prod-default-pool-7f3a9c21-x2lq"|kernel:
            hostname fe80::1 x => "fe80::1"|x
            hostname kernel: x => !
            hostname -host x => !
            hostname host => !
            host_source node kernel: m => ("node", "kernel")|m
            host_source node containerd[77]: m => ("node", "containerd")|m
            host_source node-1 kubelet: m => ("node-1", "kubelet")|m
            host_source nvme nvme0: pci function 0000:00:04.0 => !
            host_source Call Trace: => !
            host_source Hardware name: Google Compute Engine => !
            host_source EXT4-fs (sda1): mounted filesystem => !
            host_source i2c i2c-0: new device => !
            host_source nf_conntrack: table full, dropping packet => !
            tail h kernel: [ 99.5] m => (Some("h"), Some("kernel"), Some(99.5))|
            tail kernel: m => (None, Some("kernel"), None)|
            tail h -- MARK -- => (Some("h"), None, None)|
            tail h app: [1.5] m => (Some("h"), Some("app"), None)|
            structured_data - m => ()| m
            structured_data [sd@1 a="b"][x y="q\"]\]"] m => ()| m
            structured_data [unterminated a="] => !
            structured_data x => !
            header_field - x => None|x
            header_field app x => Some("app")|x
            header_field app => !"#,
        );
        let t = tail(b"h app: [1.5] m").map(|(_, t)| t.message);
        assert_eq!(
            t,
            Ok(&b"[1.5] m"[..]),
            "only the kernel's stamp is taken out"
        );
    }

    #[test]
    fn line_rules_take_their_own_framing_only() {
        rules(
            "dmesg_line [ 1.5] x => Dmesg|
            dmesg_line Nov 20 22:30:22 h kernel: x => !
            syslog_line [ 1.5] x => !
            syslog_line Nov 20 22:30:22 h kernel: x => Syslog|
            rfc3339_line Nov 20 22:30:22 h kernel: x => !
            rfc3339_line 2019-02-25T03:45:03Z h k: x => Rfc3339|
            logread_line [ 1.5] x => !
            logread_line Fri Dec 16 10:09:21 2022 x => Logread|
            rfc5424_line <4>[ 1.5] x => !
            rfc5424_line <4>1 - h k - - - x => Rfc5424|
            pri_line <4>[ 1.5] x => Dmesg|
            pri_line [ 1.5] x => !
            kmsg_line [ 1.5] x => !
            kmsg_line 6,1,2,-;x => Dmesg|",
        );
    }

    #[test]
    fn dmesg_framings() {
        check(
            "[12345.678901] nf_conntrack: nf_conntrack: table full, dropping packet
            => Dmesg 12345.678901 - - -: nf_conntrack: nf_conntrack: table full, dropping packet
            [   10.810168] net_ratelimit: 2041 callbacks suppressed
            => Dmesg 10.810168 - - -: net_ratelimit: 2041 callbacks suppressed
            [    5.123456][    T1] Run /init as init process
            => Dmesg 5.123456 - - -: Run /init as init process
            [    1.204312] nvme nvme0: 2/0/0 default/read/poll queues
            => Dmesg 1.204312 - - -: nvme nvme0: 2/0/0 default/read/poll queues
            <4>[  123.456] nf_conntrack: table full, dropping packet
            => Dmesg 123.456 - - -: nf_conntrack: table full, dropping packet
            kern  :warn  : [  123.456] nf_conntrack: table full, dropping packet
            => Dmesg 123.456 - - -: nf_conntrack: table full, dropping packet
            kern  :warn  : [Tue Nov 20 22:30:22 2018] net_ratelimit: 5 callbacks suppressed
            => DmesgHuman 2018-11-20 22:30:22 - - -: net_ratelimit: 5 callbacks suppressed
            [Tue Nov 20 22:30:22 2018] nf_conntrack: nf_conntrack: table full, dropping packet
            => DmesgHuman 2018-11-20 22:30:22 - - -: nf_conntrack: nf_conntrack: table full, dropping packet
            [Fri Nov  1 08:01:02 2024] net_ratelimit: 2041 callbacks suppressed
            => DmesgHuman 2024-11-01 08:01:02 - - -: net_ratelimit: 2041 callbacks suppressed
            4,1234,9996929533,-;nf_conntrack: table full, dropping packet
            => Dmesg 9996.929533 - - -: nf_conntrack: table full, dropping packet
            \u{feff}  [ 12.5] nf_conntrack: table full, dropping packet \t
            => Dmesg 12.5 - - -: nf_conntrack: table full, dropping packet",
        );
    }

    #[test]
    fn journal_short_monotonic_needs_host_and_program() {
        check(
            "[ 9996.929533] gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: table full, dropping packet
            => JournalMonotonic 9996.929533 - gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: table full, dropping packet
            [   88.000001] node1 kube-proxy[1234]: Syncing iptables rules
            => JournalMonotonic 88.000001 - node1 kube-proxy: Syncing iptables rules
            [ 12.3] nf_conntrack: table full, dropping packet
            => Dmesg 12.3 - - -: nf_conntrack: table full, dropping packet",
        );
    }

    #[test]
    fn syslog_framings() {
        check(
            "Nov 20 22:30:22 gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: nf_conntrack: table full, dropping packet
            => Syslog 11-20 22:30:22 - gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: nf_conntrack: table full, dropping packet
            Nov  1 02:03:04 node-a kernel: net_ratelimit: 2041 callbacks suppressed
            => Syslog 11-01 02:03:04 - node-a kernel: net_ratelimit: 2041 callbacks suppressed
            Nov 20 22:30:22 kernel: nf_conntrack: table full, dropping packet
            => Syslog 11-20 22:30:22 - - kernel: nf_conntrack: table full, dropping packet
            Nov 20 22:30:22 node-a kernel: [ 9996.929533] nf_conntrack: table full, dropping packet
            => Syslog 11-20 22:30:22 9996.929533 node-a kernel: nf_conntrack: table full, dropping packet
            Nov 20 22:30:22.123456 node-a kernel: msg
            => Syslog 11-20 22:30:22.123456 - node-a kernel: msg
            Nov 20 22:30:22 node-a kube-proxy[1234]: Syncing iptables rules
            => Syslog 11-20 22:30:22 - node-a kube-proxy: Syncing iptables rules
            <4>Nov 20 22:30:22 node-a kernel: x
            => Syslog 11-20 22:30:22 - node-a kernel: x",
        );
    }

    #[test]
    fn rfc3339_and_rfc5424_framings() {
        check(
            r#"2019-02-25T03:45:03.778502+00:00 gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: table full, dropping packet
            => Rfc3339 2019-02-25T03:45:03.778502Z - gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: table full, dropping packet
            2019-02-25T03:45:03+0000 node-a kernel: [  120.5] x
            => Rfc3339 2019-02-25T03:45:03Z 120.5 node-a kernel: x
            2019-02-25T03:45:03Z node-a containerd[812]: msg
            => Rfc3339 2019-02-25T03:45:03Z - node-a containerd: msg
            2024-11-20T22:30:22,123456+00:00 nf_conntrack: nf_conntrack: table full, dropping packet
            => Rfc3339 2024-11-20T22:30:22.123456Z - - -: nf_conntrack: nf_conntrack: table full, dropping packet
            <4>1 2019-02-25T03:45:03.778502Z gke-prod-default-pool-7f3a9c21-x2lq kernel - - - nf_conntrack: table full, dropping packet
            => Rfc5424 2019-02-25T03:45:03.778502Z - gke-prod-default-pool-7f3a9c21-x2lq kernel: nf_conntrack: table full, dropping packet
            <13>1 2019-02-25T03:45:03Z node-a app 1234 ID47 [sd@1 a="b"][x@2 y="]"] hello
            => Rfc5424 2019-02-25T03:45:03Z - node-a app: hello
            <13>1 - - - - - - x
            => Rfc5424 - - - -: x"#,
        );
        check(
            "<13>1 2019-02-25T03:45:03Z node-a app - - - \u{feff}msg
            => Rfc5424 2019-02-25T03:45:03Z - node-a app: msg",
        );
    }

    #[test]
    fn serial_console_and_logread() {
        check(
            "\x1b[0m[  123.456789] nf_conntrack: table full, dropping packet\r
            => Dmesg 123.456789 - - -: nf_conntrack: table full, dropping packet
            \r\x1b[K[   10.1] net_ratelimit: 2041 callbacks suppressed\r\r
            => Dmesg 10.1 - - -: net_ratelimit: 2041 callbacks suppressed
            [\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mkubelet.service\x1b[0m.\r
            => Bare - - - -: [  OK  ] Started kubelet.service.
            [  OK  ] Started Journal Service.
            => Bare - - - -: [  OK  ] Started Journal Service.
            Fri Dec 16 10:09:21 2022 kern.warn kernel: [  123.456789] nf_conntrack: table full, dropping packet
            => Logread 2022-12-16 10:09:21 123.456789 - kernel: nf_conntrack: table full, dropping packet
            Fri Dec 16 10:09:22 2022 daemon.info dnsmasq[1234]: query[A] example.com
            => Logread 2022-12-16 10:09:22 - - dnsmasq: query[A] example.com",
        );
        assert!(matches!(
            frame_line(b"\x1b[0m[ 1.5] x").message,
            Cow::Owned(_)
        ));
        assert!(matches!(
            frame_line(b" [ 1.5] x").message,
            Cow::Borrowed(b"x")
        ));
    }

    #[test]
    fn garbage_is_bare() {
        for line in [
            &b"\xff\xfe\x00\x01garbage \x80\x81"[..],
            b"",
            b"[99999999999999999999999.1] nf_conntrack: table full",
            b"[Xyz Nov 99 99:99:99 2018] nf_conntrack: table full",
            b"[Tue Nov 20 22:30:22 2018",
            b"Nov 99 22:30:22 host kernel: x",
            b"2019-02-30T03:45:03Z host kernel: x",
            b"<999>1 2019-02-25T03:45:03Z h a - - - x",
            b"<4>plain kernel text",
            b"<13>1 2019-02-25T03:45:03Z host app 1 2 [unterminated",
            b"4,1234,x,-;msg",
            b"tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.0.10",
        ] {
            let f = frame_line(line);
            assert_eq!((f.framing, f.stamp), (Framing::Bare, None), "{line:?}");
            assert_eq!(&f.message[..], clean(line).as_ref());
        }
    }

    #[test]
    fn no_prefix_of_any_sample_panics() {
        let samples: [&[u8]; 9] = [
            b"<4>1 2019-02-25T03:45:03.778502Z host kernel - - [a x=\"\\]\"] msg",
            b"Fri Dec 16 10:09:21 2022 kern.warn kernel: [  123.456789][ T1] msg",
            b"kern  :warn  : [Tue Nov 20 22:30:22 2018] msg",
            b"Nov  1 22:30:22.123456 node-1 kube-proxy[1234]: [ 1.5] msg",
            b"2024-11-20T22:30:22,123456+05:30 nf_conntrack: table full",
            b"[ 9996.929533] gke-x kernel: msg \x1b[0m\r\xff",
            b"4,1234,9996929533,-,caller=T1;msg",
            br#"{"MESSAGE":[110,102],"__REALTIME_TIMESTAMP":"99999999999999999999"}"#,
            br#"{"textPayload":"[ 1.0] x","timestamp":"2024-11-20T22:30:22Z"}"#,
        ];
        for sample in samples {
            for end in 0..=sample.len() {
                assert!(frame_line(&sample[..end]).message.len() <= end);
            }
        }
    }
}
