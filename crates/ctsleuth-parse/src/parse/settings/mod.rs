//! Parse stage, grammar: captures that tell a node's conntrack limits and
//! timeouts.
//!
//! Takes the bytes of one of:
//! - `sysctl` output (`sysctl -a`, `sysctl -a | grep conntrack`, one key):
//!   `key = value` lines with keys in dot or slash form, current and legacy
//!   names;
//! - one `/proc/sys/...` value saved to a file, whose name says which key;
//! - any log (kube-proxy klog, dmesg, journal, syslog), scanned for the lines
//!   where kube-proxy or the kernel state the table size and timeouts.
//!
//! Gives [`Settings`], each value with where it was read. Bad lines are
//! skipped and recorded in the [`Outcome`].

use std::borrow::Cow;
use std::fmt::Display;

use memchr::memmem;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{space0, space1};
use nom::combinator::{eof, opt, verify};
use nom::error::{Error, ErrorKind};
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

use crate::model::settings::{Origin, Setting, Settings};
use crate::parse::stats::decimal;
use crate::parse::text::{is_noise, lines};
use crate::parse::{Outcome, snippet};

mod limits;

#[cfg(test)]
use limits::*;
pub use limits::{log_limit_line, parse_log_limits};

type Res<'a, T> = IResult<&'a [u8], T>;

/// Which setting a sysctl key, file name or log line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Knob<'a> {
    Max,
    Buckets,
    Count,
    ExpectMax,
    Acct,
    Hostname,
    /// A timeout, named as in [`Settings::timeouts`].
    Timeout(&'a [u8]),
    Other,
}

/// The file names [`parse_bare_value`] understands, for its warning.
const KNOWN_FILE_NAMES: &str = "nf_conntrack_max (or ip_conntrack_max), nf_conntrack_buckets or hashsize, \
nf_conntrack_count, nf_conntrack_expect_max, nf_conntrack_<proto>_timeout_<state>";

/// `key` without `prefix`, where a `.` of the prefix also matches a `/`
/// (sysctl prints both forms).
fn strip_key_prefix<'k>(key: &'k [u8], prefix: &[u8]) -> Option<&'k [u8]> {
    if key.len() < prefix.len() {
        return None;
    }
    let (head, tail) = key.split_at(prefix.len());
    let same = head
        .iter()
        .zip(prefix)
        .all(|(&k, &p)| k == p || (p == b'.' && k == b'/'));
    same.then_some(tail)
}

fn is_name_byte(c: &u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_'
}

fn is_timeout_name(name: &[u8]) -> bool {
    memmem::find(name, b"timeout").is_some() && name.iter().all(is_name_byte)
}

/// The knob of what follows `nf_conntrack_` or `ip_conntrack_`.
fn leaf_knob(leaf: &[u8]) -> Knob<'_> {
    match leaf {
        b"max" => Knob::Max,
        b"buckets" => Knob::Buckets,
        b"count" => Knob::Count,
        b"expect_max" => Knob::ExpectMax,
        b"acct" => Knob::Acct,
        _ if is_timeout_name(leaf) => Knob::Timeout(leaf),
        _ => Knob::Other,
    }
}

/// The knob a sysctl key sets: `net.netfilter.nf_conntrack_*`, legacy
/// `net.nf_conntrack_max` and `net.ipv4.netfilter.ip_conntrack_*`, timeouts
/// under `net.netfilter`, and `kernel.hostname`.
fn knob(key: &[u8]) -> Knob<'_> {
    if strip_key_prefix(key, b"kernel.hostname") == Some(b"") {
        return Knob::Hostname;
    }
    if strip_key_prefix(key, b"net.nf_conntrack_max") == Some(b"") {
        return Knob::Max;
    }
    if let Some(rest) = strip_key_prefix(key, b"net.netfilter.") {
        return match rest.strip_prefix(b"nf_conntrack_") {
            Some(leaf) => leaf_knob(leaf),
            None if is_timeout_name(rest) => Knob::Timeout(rest),
            None => Knob::Other,
        };
    }
    match strip_key_prefix(key, b"net.ipv4.netfilter.ip_conntrack_") {
        Some(leaf) => leaf_knob(leaf),
        None => Knob::Other,
    }
}

/// The knob a file holds, from its lower-cased name: `nf_conntrack_max.txt`,
/// `hashsize`, `node1-nf_conntrack_tcp_timeout_time_wait`, ...
fn file_knob(name: &[u8]) -> Option<Knob<'_>> {
    let has = |part: &[u8]| memmem::find(name, part).is_some();
    if has(b"timeout") {
        let mut words = name.split(|c| !is_name_byte(c));
        let word = words.find(|w| memmem::find(w, b"timeout").is_some())?;
        let leaf = memmem::rfind(word, b"conntrack_")
            .and_then(|p| word.get(p + "conntrack_".len()..))
            .unwrap_or(word);
        return is_timeout_name(leaf).then_some(Knob::Timeout(leaf));
    }
    let parts: [(&[u8], Knob<'_>); 5] = [
        (b"expect_max", Knob::ExpectMax),
        (b"conntrack_max", Knob::Max),
        (b"buckets", Knob::Buckets),
        (b"hashsize", Knob::Buckets),
        (b"count", Knob::Count),
    ];
    parts
        .into_iter()
        .find(|(part, _)| has(part))
        .map(|(_, knob)| knob)
}

/// How a knob is named in messages.
fn label(knob: Knob<'_>) -> Cow<'_, str> {
    Cow::Borrowed(match knob {
        Knob::Max => "nf_conntrack_max",
        Knob::Buckets => "nf_conntrack_buckets",
        Knob::Count => "nf_conntrack_count",
        Knob::ExpectMax => "nf_conntrack_expect_max",
        Knob::Acct => "nf_conntrack_acct",
        Knob::Timeout(name) => return String::from_utf8_lossy(name),
        Knob::Hostname => "kernel.hostname",
        Knob::Other => "an unknown key",
    })
}

/// Stores a number for `knob`. With `warn_changes`, a different earlier value
/// is reported. `Err` says what range the knob takes.
fn set_number(
    out: &mut Outcome<Settings>,
    knob: Knob<'_>,
    value: u64,
    origin: Origin,
    line: u64,
    warn_changes: bool,
) -> Result<(), &'static str> {
    let s = &mut out.value;
    let (old, new) = match knob {
        Knob::Timeout(name) => {
            let secs = u32::try_from(value).map_err(|_| "a timeout in seconds below 2^32")?;
            let old = s
                .timeouts
                .insert(String::from_utf8_lossy(name).into_owned(), secs);
            (old.map(u64::from), value)
        }
        Knob::Acct if value > 1 => return Err("0 or 1 for nf_conntrack_acct"),
        Knob::Acct => (s.acct.replace(value == 1).map(u64::from), value),
        Knob::Max | Knob::Buckets | Knob::Count | Knob::ExpectMax => {
            let slot = match knob {
                Knob::Max => &mut s.max,
                Knob::Buckets => &mut s.buckets,
                Knob::Count => &mut s.count,
                _ => &mut s.expect_max,
            };
            let old = slot.replace(Setting {
                value,
                origin,
                line,
            });
            (old.map(|o| o.value), value)
        }
        Knob::Hostname | Knob::Other => return Ok(()),
    };
    if warn_changes {
        note_change(&mut out.warnings, &label(knob), old, new, line);
    }
    Ok(())
}

/// Warns when a later line gives a setting a different value.
fn note_change<T: PartialEq + Display>(
    w: &mut Vec<String>,
    what: &str,
    old: Option<T>,
    new: T,
    line: u64,
) {
    if let Some(old) = old.filter(|o| *o != new) {
        w.push(format!(
            "{what} changes from {old} to {new} at line {line}; the last value is used"
        ));
    }
}

/// A plausible host name: 1 to 253 bytes of UTF-8, no blanks, no control
/// characters.
fn hostname(value: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(value).ok()?;
    let bad = |c: char| c.is_whitespace() || c.is_control();
    (!s.is_empty() && s.len() <= 253 && !s.contains(bad)).then(|| s.to_owned())
}

/// Stores `kernel.hostname` when plausible, warns otherwise.
fn set_hostname(out: &mut Outcome<Settings>, value: &[u8], line: u64) {
    let Some(new) = hostname(value) else {
        let shown = snippet(value);
        let msg = format!("line {line}: kernel.hostname {shown:?} is not a plausible host name");
        out.warnings.push(msg);
        return;
    };
    let old = out.value.hostname.replace(new.clone());
    note_change(&mut out.warnings, "kernel.hostname", old, new, line);
}

/// A sysctl key: no blanks, no `=`, at least one `.` or `/`.
fn sysctl_key(i: &[u8]) -> Res<'_, &[u8]> {
    verify(
        take_while1(|c: u8| !c.is_ascii_whitespace() && c != b'='),
        |k: &[u8]| k.contains(&b'.') || k.contains(&b'/'),
    )
    .parse(i)
}

/// A whole `key = value` (or `key=value`) line; the value is the rest of the
/// line and may be empty.
fn sysctl_line(i: &[u8]) -> Res<'_, (&[u8], &[u8])> {
    let (value, key) = terminated(sysctl_key, (space0, tag("="), space0)).parse(i)?;
    Ok((value.get(value.len()..).unwrap_or_default(), (key, value)))
}

/// A whole value that is one decimal number.
fn number_value(i: &[u8]) -> Res<'_, u64> {
    terminated(decimal, eof).parse(i)
}

/// Parses sysctl output: `sysctl -a`, `sysctl KEY`, `sysctl -p`, a grep of them.
pub fn parse_sysctl(buf: &[u8]) -> Outcome<Settings> {
    let mut out = Outcome::<Settings>::default();
    for line in lines(buf, 1) {
        let text = line.text;
        if is_noise(text) || text.starts_with(b";") || text.starts_with(b"* Applying ") {
            continue;
        }
        // sysctl's own messages: `sysctl: permission denied on key '...'`,
        // `sysctl: reading key "..."`, `sysctl: cannot stat /proc/sys/...`.
        if text.starts_with(b"sysctl: ") {
            if memmem::find(text, b"conntrack").is_some() {
                out.warnings
                    .push(format!("line {}: {}", line.number, snippet(text)));
            }
            continue;
        }
        let Ok((_, (key, value))) = sysctl_line(text) else {
            out.issues.skip(line.number, "a `key = value` line", text);
            continue;
        };
        let knob = knob(key);
        match knob {
            Knob::Other => {}
            Knob::Hostname => set_hostname(&mut out, value, line.number),
            _ => {
                let origin = Origin::Sysctl(String::from_utf8_lossy(key).into_owned());
                let stored = match number_value(value) {
                    Ok((_, n)) => set_number(&mut out, knob, n, origin, line.number, true),
                    Err(_) => Err("a decimal number after `=`"),
                };
                if let Err(expected) = stored {
                    out.issues.skip(line.number, expected, text);
                    continue;
                }
            }
        }
        out.records += 1;
    }
    out
}

/// Parses the content of one `/proc/sys/...` (or `/sys/module/...`) value
/// saved to a file; the last component of `file_name` says which setting.
pub fn parse_bare_value(buf: &[u8], file_name: &str) -> Outcome<Settings> {
    let mut out = Outcome::<Settings>::default();
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let lower = base.to_ascii_lowercase();
    let Some(knob) = file_knob(lower.as_bytes()) else {
        out.warnings.push(format!(
            "the file name {base:?} does not say which setting it holds; names understood: {KNOWN_FILE_NAMES}"
        ));
        return out;
    };
    for line in lines(buf, 1) {
        if is_noise(line.text) {
            continue;
        }
        let stored = match number_value(line.text) {
            Ok((_, n)) => set_number(
                &mut out,
                knob,
                n,
                Origin::File(base.to_string()),
                line.number,
                true,
            ),
            Err(_) => Err("one decimal number"),
        };
        match stored {
            Ok(()) => out.records += 1,
            Err(expected) => out.issues.skip(line.number, expected, line.text),
        }
    }
    out
}

/// `/proc/stat`: the `btime N` line gives the boot time (epoch seconds);
/// every other line of the file is ignored.
pub fn parse_proc_stat_btime(buf: &[u8]) -> Outcome<Settings> {
    let mut out = Outcome::<Settings>::default();
    for line in lines(buf, 1) {
        let Some(rest) = line.text.strip_prefix(b"btime") else {
            continue;
        };
        let digits = crate::parse::text::trim(rest);
        match crate::parse::conntrack::grammar::dec::<i64>(digits) {
            Some(secs) if secs > 0 => {
                out.value.boot_time = Some(secs);
                out.records += 1;
            }
            _ => out
                .issues
                .skip(line.number, "epoch seconds after btime", line.text),
        }
    }
    if out.value.boot_time.is_none() && out.issues.skipped == 0 {
        out.warnings.push("no btime line".into());
    }
    out
}

/// How long a machine had been up, in seconds: `/proc/uptime`
/// (`312154.27 598812.10`), `uptime` (` 09:06:02 up 3 days,  2:14,  1 user,
/// load average: …`, `up 47 min`, `up 1 day, 13 min`) or `uptime -p` (`up 3
/// days, 2 hours, 14 minutes`). `uptime` counts whole minutes.
pub fn parse_uptime(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Some(first) = t.split_whitespace().next() {
        if let Ok(secs) = first.parse::<f64>() {
            if (0.0..1e10).contains(&secs) && t.split_whitespace().count() <= 2 {
                // In range: the cast keeps the whole seconds.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return Some(secs.trunc() as u64);
            }
        }
    }
    let rest = &t[t.find("up ")? + 3..];
    let mut total = 0u64;
    let mut any = false;
    for part in rest.split(',') {
        let p = part.trim();
        if p.contains("user") || p.starts_with("load") {
            break;
        }
        let mut words = p.split_whitespace();
        let (Some(n), unit) = (words.next(), words.next()) else {
            continue;
        };
        // Checked: a number too large for seconds is no uptime.
        let secs = if let Some((h, m)) = n.split_once(':') {
            h.parse::<u64>()
                .ok()?
                .checked_mul(3600)?
                .checked_add(m.parse::<u64>().ok()?.checked_mul(60)?)?
        } else {
            let n: u64 = n.parse().ok()?;
            let unit_s: u64 = match unit.unwrap_or("").trim_end_matches('s') {
                "week" => 7 * 86_400,
                "day" => 86_400,
                "hour" => 3600,
                "min" | "minute" => 60,
                "sec" | "second" => 1,
                _ => return None,
            };
            n.checked_mul(unit_s)?
        };
        total = total.checked_add(secs)?;
        any = true;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uptime_too_large_for_seconds_is_none() {
        // Found by the sysctl fuzz target: it overflowed.
        assert_eq!(
            parse_uptime(" 09:04:05 up 99999999999999999 weeks, 1 user"),
            None
        );
        assert_eq!(
            parse_uptime(" 09:04:05 up 18446744073709551615:59, 1 user"),
            None
        );
        assert_eq!(
            parse_uptime(" 09:04:05 up 3 days,  2:17,  1 user"),
            Some(3 * 86_400 + 2 * 3600 + 17 * 60)
        );
    }

    /// Every field that is set, one per line, for exact comparison.
    fn summary(s: &Settings) -> String {
        let slots = [
            ("max", &s.max),
            ("buckets", &s.buckets),
            ("count", &s.count),
        ];
        let mut out = String::new();
        for (name, slot) in slots.into_iter().chain([("expect_max", &s.expect_max)]) {
            if let Some(v) = slot {
                out += &format!("{name} {} line {} {}\n", v.value, v.line, v.origin);
            }
        }
        if let Some(acct) = s.acct {
            out += &format!("acct {acct}\n");
        }
        if let Some(h) = &s.hostname {
            out += &format!("hostname {h}\n");
        }
        for (k, v) in &s.timeouts {
            out += &format!("{k} {v}\n");
        }
        out
    }

    fn expected(out: &Outcome<Settings>) -> Vec<&str> {
        out.issues
            .first
            .iter()
            .map(|b| b.expected.as_str())
            .collect()
    }

    #[test]
    fn proc_stat_btime() {
        let out = parse_proc_stat_btime(
            b"cpu  2255 34 2290 22625563 6290 127 456 0 0 0\nbtime 1732515063\nprocesses 26442\n",
        );
        assert_eq!(out.value.boot_time, Some(1_732_515_063));
        assert_eq!(out.records, 1);
        let bad = parse_proc_stat_btime(b"btime soon\n");
        assert_eq!(bad.value.boot_time, None);
        assert_eq!(bad.issues.skipped, 1);
    }

    #[test]
    fn uptime_in_every_form() {
        assert_eq!(parse_uptime("312154.27 598812.10\n"), Some(312_154));
        assert_eq!(
            parse_uptime(" 09:06:02 up 3 days,  2:14,  1 user,  load average: 0.52, 0.58, 0.59\n"),
            Some(3 * 86_400 + 2 * 3600 + 14 * 60)
        );
        assert_eq!(
            parse_uptime(" 09:06:02 up 47 min,  0 users,  load average: 0.00, 0.01, 0.05"),
            Some(47 * 60)
        );
        assert_eq!(parse_uptime("up 1 day, 13 min"), Some(86_400 + 13 * 60));
        assert_eq!(
            parse_uptime("up 3 days, 2 hours, 14 minutes"),
            Some(3 * 86_400 + 2 * 3600 + 14 * 60)
        );
        assert_eq!(parse_uptime("garbage"), None);
        assert_eq!(parse_uptime("up forever"), None);
    }

    #[test]
    fn knob_reads_keys_and_rejects_near_misses() {
        let timeout = knob(b"net/netfilter/nf_conntrack_sctp_timeout_closed");
        assert_eq!(timeout, Knob::Timeout(b"sctp_timeout_closed"));
        let flowtable = knob(b"net.netfilter.nf_flowtable_tcp_timeout");
        assert_eq!(flowtable, Knob::Timeout(b"nf_flowtable_tcp_timeout"));
        assert_eq!(knob(b"net/nf_conntrack_max"), Knob::Max);
        assert_eq!(knob(b"kernel/hostname"), Knob::Hostname);
        for other in [
            "net.netfilter.nf_conntrack_maxx",
            "net.nf_conntrack_max2",
            "net.ipv4.tcp_fin_timeout",
            "net.netfilter.nf_conntrack_tcp_loose",
            "kernel.hostnames",
            "net",
        ] {
            assert_eq!(knob(other.as_bytes()), Knob::Other, "{other}");
        }
    }

    #[test]
    fn file_knob_reads_timeout_names() {
        let name = b"n1-nf_conntrack_tcp_timeout_close.txt";
        assert_eq!(file_knob(name), Some(Knob::Timeout(b"tcp_timeout_close")));
        let name = b"ip_conntrack_udp_timeout";
        assert_eq!(file_knob(name), Some(Knob::Timeout(b"udp_timeout")));
        assert_eq!(file_knob(b"expect_max"), Some(Knob::ExpectMax));
        assert_eq!(file_knob(b"notes.txt"), None);
        assert_eq!(file_knob(b"max"), None);
    }

    #[test]
    fn sysctl_line_splits_key_and_value() {
        let kv = |line: &'static str| sysctl_line(line.as_bytes()).map(|(_, kv)| kv).ok();
        let max = &b"net.netfilter.nf_conntrack_max"[..];
        let line = "net.netfilter.nf_conntrack_max = 131072";
        assert_eq!(kv(line), Some((max, &b"131072"[..])));
        assert_eq!(kv("net/x=5"), Some((&b"net/x"[..], &b"5"[..])));
        assert_eq!(kv("a.b =").map(|kv| kv.1), Some(&b""[..]));
        assert_eq!(kv("a.b = 1\t2").map(|kv| kv.1), Some(&b"1\t2"[..]));
        assert_eq!(kv("cpu=0 found=1"), None);
        assert_eq!(kv("= 5"), None);
        assert_eq!(kv("net.netfilter.nf_conntrack_max 131072"), None);
    }

    #[test]
    fn hostname_and_number_value_validate() {
        assert_eq!(
            hostname(b"gke-1.internal").as_deref(),
            Some("gke-1.internal")
        );
        for bad in ["", "a b", "a\tb", "\x07", "a\u{85}b"] {
            assert_eq!(hostname(bad.as_bytes()), None, "{bad:?}");
        }
        assert!(hostname(b"\xff\xfe").is_none() && hostname(&[b'a'; 254]).is_none());
        assert_eq!(number_value(b"262144"), Ok((&b""[..], 262144)));
        for bad in [&b"-1"[..], b"1 2", b"0x10", b"99999999999999999999999", b""] {
            assert!(number_value(bad).is_err());
        }
    }

    #[test]
    fn sysctl_dot_form_with_noise_and_sysctl_messages() {
        let buf = b"[root@node1 ~]# sysctl -a | grep -e conntrack -e hostname\n\
sysctl: permission denied on key 'fs.protected_hardlinks'\n\
sysctl: reading key \"net.ipv6.conf.all.stable_secret\"\n\
kernel.hostname = node1.example.com\n\
net.netfilter.nf_conntrack_acct = 1\n\
net.netfilter.nf_conntrack_buckets = 65536\n\
net.netfilter.nf_conntrack_count = 48213\n\
net.netfilter.nf_conntrack_expect_max = 1024\n\
net.netfilter.nf_conntrack_generic_timeout = 600\n\
net.netfilter.nf_conntrack_icmp_timeout = 30\n\
net.netfilter.nf_conntrack_max = 262144\n\
net.netfilter.nf_conntrack_tcp_loose = 1\n\
net.netfilter.nf_conntrack_tcp_timeout_established = 86400\n\
net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120\n\
net.netfilter.nf_conntrack_udp_timeout_stream = 120\n\
net.nf_conntrack_max = 262144\n";
        let out = parse_sysctl(buf);
        let want = "max 262144 line 16 sysctl net.nf_conntrack_max\n\
buckets 65536 line 6 sysctl net.netfilter.nf_conntrack_buckets\n\
count 48213 line 7 sysctl net.netfilter.nf_conntrack_count\n\
expect_max 1024 line 8 sysctl net.netfilter.nf_conntrack_expect_max\n\
acct true\nhostname node1.example.com\ngeneric_timeout 600\nicmp_timeout 30\n\
tcp_timeout_established 86400\ntcp_timeout_time_wait 120\nudp_timeout_stream 120\n";
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (13, 0));
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }

    #[test]
    fn sysctl_slash_and_legacy_forms() {
        let buf = b"net/netfilter/nf_conntrack_max=131072\n\
net.ipv4.netfilter.ip_conntrack_max = 65536\n\
net.ipv4.netfilter.ip_conntrack_buckets = 8192\n\
net.ipv4.netfilter.ip_conntrack_count = 12\n\
net.ipv4.netfilter.ip_conntrack_tcp_timeout_time_wait = 120\n\
net/netfilter/nf_conntrack_udp_timeout = 30\n\
kernel.hostname = a\nkernel.hostname = b\n";
        let out = parse_sysctl(buf);
        let want = "max 65536 line 2 sysctl net.ipv4.netfilter.ip_conntrack_max\n\
buckets 8192 line 3 sysctl net.ipv4.netfilter.ip_conntrack_buckets\n\
count 12 line 4 sysctl net.ipv4.netfilter.ip_conntrack_count\n\
hostname b\ntcp_timeout_time_wait 120\nudp_timeout 30\n";
        assert_eq!(summary(&out.value), want);
        let msg = "nf_conntrack_max changes from 131072 to 65536 at line 2; the last value is used";
        assert_eq!(out.warnings[0], msg);
        assert!(out.warnings[1].starts_with("kernel.hostname changes from a to b at line 8"));
    }

    #[test]
    fn sysctl_bad_values_are_skipped() {
        let buf = b"net.netfilter.nf_conntrack_max = lots\n\
net.netfilter.nf_conntrack_buckets = 99999999999999999999999\n\
net.netfilter.nf_conntrack_acct = 2\n\
net.netfilter.nf_conntrack_tcp_timeout_established = 4294967296\n\
kernel.hostname = bad host\n\
some random text\n\
\xff\xfe\x00\x01\n\
net.core.default_qdisc = fq_codel\n\
sysctl: cannot stat /proc/sys/net/netfilter/nf_conntrack_max: No such file or directory\n";
        let out = parse_sysctl(buf);
        assert_eq!(out.value, Settings::default());
        assert_eq!((out.records, out.issues.skipped), (2, 6));
        let (number, acct) = ("a decimal number after `=`", "0 or 1 for nf_conntrack_acct");
        assert_eq!(expected(&out)[..3], [number, number, acct]);
        let (timeout, line) = ("a timeout in seconds below 2^32", "a `key = value` line");
        assert_eq!(expected(&out)[3..], [timeout, line]);
        assert_eq!(out.warnings.len(), 2);
        assert!(out.warnings[0].contains("not a plausible host name"));
        assert!(out.warnings[1].starts_with("line 9: sysctl: cannot stat"));
    }

    #[test]
    fn bare_value_for_each_file_name() {
        for (path, slot) in [
            ("nf_conntrack_max", "max"),
            ("captures/node1/ip_conntrack_max.txt", "max"),
            ("nf_conntrack_buckets", "buckets"),
            ("/sys/module/nf_conntrack/parameters/hashsize", "buckets"),
            ("nf_conntrack_count.txt", "count"),
            ("nf_conntrack_expect_max", "expect_max"),
        ] {
            let out = parse_bare_value(b"$ cat /proc/sys/net/netfilter/x\n65536\n", path);
            let base = path.rsplit('/').next().unwrap_or_default();
            let want = format!("{slot} 65536 line 2 file {base}\n");
            assert_eq!(summary(&out.value), want);
            assert_eq!((out.records, out.issues.skipped), (1, 0), "{path}");
        }
        let out = parse_bare_value(b"120\n", "nf_conntrack_tcp_timeout_time_wait");
        assert_eq!(summary(&out.value), "tcp_timeout_time_wait 120\n");
        let out = parse_bare_value(b"60\n30\n", "ip_conntrack_udp_timeout.txt");
        assert_eq!(summary(&out.value), "udp_timeout 30\n");
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn bare_value_rejects_unknown_names_and_bad_content() {
        let out = parse_bare_value(b"65536\n", "notes.txt");
        assert_eq!((out.value, out.records), (Settings::default(), 0));
        assert!(out.warnings[0].contains("\"notes.txt\"") && out.warnings[0].contains("hashsize"));
        let bad = b"65536 x\n\xff\n99999999999999999999999\n";
        let out = parse_bare_value(bad, "nf_conntrack_max");
        assert_eq!((out.value.max, out.issues.skipped), (None, 3));
        let out = parse_bare_value(b"5000000000\n", "nf_conntrack_udp_timeout");
        assert!(out.value.timeouts.is_empty());
        assert_eq!(expected(&out), ["a timeout in seconds below 2^32"]);
    }

    #[test]
    fn log_grammar_rules() {
        assert_eq!(to_number(b" to 131072\\n\""), Ok((&b"\\n\""[..], 131072)));
        assert!(to_number(b" to 13x").is_err() && to_number(b" to lots").is_err());
        assert_eq!(field_number(b"=131072 x"), Ok((&b" x"[..], 131072)));
        assert_eq!(field_number(b"\":131072}"), Ok((&b"}"[..], 131072)));
        assert_eq!(field_number(b"\\\":\\\"3600\\\""), Ok((&b"\\\""[..], 3600)));
        assert!(field_number(b"=abc").is_err());
        let (rest, key) = field_key(b"=\"net/x\" value=1").unwrap();
        assert_eq!((rest, key), (&b"\" value=1"[..], &b"net/x"[..]));
        let (rest, key) = quoted_key(b" 'net/x' to 5").unwrap();
        assert_eq!((rest, key), (&b" to 5"[..], &b"net/x"[..]));
        assert!(quoted_key(b" 'unterminated").is_err());
        let new = table_size(b" 0.5.0 (16384 buckets, 65536 max)");
        assert_eq!(new, Ok((&b""[..], (16384, 65536))));
        let old = table_size(b" 2.4 (8192 buckets, 65536 max) - 228 bytes per conntrack");
        assert_eq!(old.map(|(_, v)| v), Ok((8192, 65536)));
        assert!(table_size(b" 0.5.0 (lots buckets, 65536 max)").is_err());
        assert!(table_size(b" 0.5.0").is_err());
    }

    #[test]
    fn kube_proxy_old_style_log() {
        let buf = b"I0315 08:12:44.220913       1 server.go:444] Version: v1.15.3\n\
I0315 08:12:44.220913       1 conntrack.go:52] Setting nf_conntrack_max to 131072\n\
I0315 08:12:44.221004       1 conntrack.go:83] Setting conntrack hashsize to 32768\n\
I0315 08:12:44.221100       1 conntrack.go:98] Set sysctl 'net/netfilter/nf_conntrack_tcp_timeout_established' to 86400\n\
I0315 08:12:44.221200       1 conntrack.go:98] Set sysctl 'net/netfilter/nf_conntrack_tcp_timeout_close_wait' to 3600\n\
I0315 08:12:44.221300       1 conntrack.go:98] Set sysctl 'net/ipv4/vs/conntrack' to 1\n";
        let out = parse_log_limits(buf);
        let want = "max 131072 line 2 kube-proxy \"Setting nf_conntrack_max to 131072\"\n\
buckets 32768 line 3 kube-proxy \"Setting conntrack hashsize to 32768\"\n\
tcp_timeout_close_wait 3600\ntcp_timeout_established 86400\n";
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (4, 0));
    }

    #[test]
    fn kube_proxy_structured_log_json_and_docker_framing() {
        let buf = br#"I1126 09:00:01.123456       1 conntrack.go:100] "Setting nf_conntrack_max" nfConntrackMax=131072
I1126 09:00:01.123500       1 conntrack.go:100] "Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_close_wait" value=3600
I1228 15:55:44.844397       1 conntrack.go:52] "Setting nf_conntrack_max" nf_conntrack_max=196608
I1228 15:55:44.844659       1 conntrack.go:83] "Setting conntrack hashsize" conntrack hashsize=49152
{"ts":1700000000.1,"msg":"Setting conntrack hashsize","v":0,"conntrackHashsize":65536}
{"msg":"Set sysctl","entry":"net/netfilter/nf_conntrack_tcp_timeout_close_wait","value":60}
{"log":"I1126 09:00:01.2 1 conntrack.go:100] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_tcp_timeout_established\" value=86400\n","stream":"stderr"}
I1126 09:00:01.3 1 conntrack.go:100] "Set sysctl" entry="net/netfilter/nf_conntrack_max" value=262144
"#;
        let out = parse_log_limits(buf);
        let want = r#"max 262144 line 8 kube-proxy "Set sysctl net/netfilter/nf_conntrack_max"
buckets 65536 line 5 kube-proxy "Setting conntrack hashsize"
tcp_timeout_close_wait 60
tcp_timeout_established 86400
"#;
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (8, 0));
        assert!(out.warnings.is_empty());
        let six_lines = buf
            .split_inclusive(|&c| c == b'\n')
            .take(6)
            .flatten()
            .copied();
        let out = parse_log_limits(&six_lines.collect::<Vec<u8>>());
        let max = r#"max 196608 line 3 kube-proxy "Setting nf_conntrack_max""#;
        assert!(summary(&out.value).starts_with(max));
    }

    #[test]
    fn kernel_version_line_in_any_framing() {
        let buf = b"[    2.123456] nf_conntrack version 0.5.0 (65536 buckets, 262144 max)\n\
Mar 15 08:00:01 node1 kernel: [    1.5] ip_conntrack version 2.4 (8192 buckets, 65536 max) - 228 bytes per conntrack\n\
Mar 15 08:00:02 node1 kernel: nf_conntrack: nf_conntrack: table full, dropping packet\n";
        let out = parse_log_limits(buf);
        let want = "max 65536 line 2 kernel \"ip_conntrack version\"\n\
buckets 8192 line 2 kernel \"ip_conntrack version\"\n";
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (2, 0));
        let out = parse_log_limits(buf.split(|&c| c == b'\n').next().unwrap_or_default());
        let want = "max 262144 line 1 kernel \"nf_conntrack version\"\n\
buckets 65536 line 1 kernel \"nf_conntrack version\"\n";
        assert_eq!(summary(&out.value), want);
    }

    #[test]
    fn log_malformed_markers_and_garbage() {
        let buf = b"I0315 1 conntrack.go:52] Setting nf_conntrack_max to lots\n\
I0315 1 conntrack.go:83] Setting conntrack hashsize to 99999999999999999999999\n\
I0315 1 conntrack.go:98] Set sysctl 'net/netfilter/nf_conntrack_tcp_timeout_established' to 5000000000\n\
[    2.1] nf_conntrack version 0.5.0 (many buckets)\n\
\xff\xfe conntrack \x00\x01\n\
random conntrack chatter without markers\n";
        let out = parse_log_limits(buf);
        assert_eq!(out.value, Settings::default());
        assert_eq!((out.records, out.issues.skipped), (0, 4));
        assert_eq!(expected(&out)[2], "a timeout in seconds below 2^32");
        assert_eq!(parse_log_limits(b"").records, 0);
    }
}
