//! Parse stage, grammar: counter captures.
//!
//! Takes the bytes of one of:
//! - `conntrack -S`: one `cpu=N  name=value ...` row per CPU (every
//!   conntrack-tools vintage, with or without `ignore=`, `clash_resolve=`,
//!   `chaintoolong=`), or the very old one-counter-per-line layout
//!   (`entries   \t47`);
//! - `/proc/net/stat/nf_conntrack`: a header of column names, then one row of
//!   hex numbers per CPU;
//! - `conntrack -C` or a `nf_conntrack_count` file: the entry count alone.
//!
//! Gives a [`StatsCapture`] with the counters summed over CPUs under
//! `conntrack -S` names, or `None` when no row parsed. Bad rows are skipped
//! and recorded in the [`Outcome`].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{digit1, hex_digit1, space1};
use nom::combinator::{eof, verify};
use nom::error::{Error, ErrorKind};
use nom::multi::{many1, separated_list1};
use nom::sequence::{preceded, separated_pair, terminated};
use nom::{IResult, Parser};

use crate::model::stats::{StatsCapture, StatsSource};
use crate::parse::Outcome;
use crate::parse::text::{is_noise, lines};

type Res<'a, T> = IResult<&'a [u8], T>;

/// One `cpu=N name=value ...` row of `conntrack -S`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CpuRow<'a> {
    cpu: u64,
    pairs: Vec<(&'a [u8], u64)>,
}

fn fail<T>(i: &[u8], kind: ErrorKind) -> Res<'_, T> {
    Err(nom::Err::Error(Error::new(i, kind)))
}

/// A counter or column name: `[A-Za-z0-9_]+`.
fn name(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|c: u8| c.is_ascii_alphanumeric() || c == b'_').parse(i)
}

/// A decimal `u64`; more digits than fit fail instead of wrapping. Shared
/// with the settings grammar.
pub(crate) fn decimal(i: &[u8]) -> Res<'_, u64> {
    let (rest, digits) = digit1(i)?;
    match crate::parse::conntrack::grammar::dec_u64(digits) {
        Some(n) => Ok((rest, n)),
        None => fail(i, ErrorKind::TooLarge),
    }
}

/// A hex `u64` without `0x` (the kernel prints `%08x`).
fn hex(i: &[u8]) -> Res<'_, u64> {
    let (rest, digits) = hex_digit1(i)?;
    let mut n: u64 = 0;
    for &d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return fail(i, ErrorKind::HexDigit),
        };
        match n.checked_mul(16).and_then(|n| n.checked_add(u64::from(v))) {
            Some(v) => n = v,
            None => return fail(i, ErrorKind::TooLarge),
        }
    }
    Ok((rest, n))
}

/// `name=value`.
fn counter_pair(i: &[u8]) -> Res<'_, (&[u8], u64)> {
    separated_pair(name, tag("="), decimal).parse(i)
}

/// A whole `conntrack -S` row: conntrack-tools prints `cpu=%-4u\t` and then
/// `name=value` pairs; any run of blanks separates them here.
fn cpu_row(i: &[u8]) -> Res<'_, CpuRow<'_>> {
    let (i, cpu) = preceded(tag("cpu="), decimal).parse(i)?;
    let (i, pairs) = terminated(many1(preceded(space1, counter_pair)), eof).parse(i)?;
    Ok((i, CpuRow { cpu, pairs }))
}

/// A whole line of the old one-counter-per-line layout: `entries  \t47`.
fn counter_line(i: &[u8]) -> Res<'_, (&[u8], u64)> {
    terminated(separated_pair(name, space1, decimal), eof).parse(i)
}

/// A whole `/proc/net/stat/nf_conntrack` header: names starting with a
/// letter, at least two of them known column names (so neither a data row nor
/// a stray line of words is taken for a header).
fn header(i: &[u8]) -> Res<'_, Vec<&[u8]>> {
    let word = verify(name, |w: &[u8]| {
        w.first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
    });
    terminated(
        verify(separated_list1(space1, word), |ws: &Vec<&[u8]>| {
            ws.iter().filter(|w| PROC_COLUMNS.contains(w)).count() >= 2
        }),
        eof,
    )
    .parse(i)
}

/// A whole `/proc/net/stat/nf_conntrack` data row: hex numbers.
fn hex_row(i: &[u8]) -> Res<'_, Vec<u64>> {
    terminated(separated_list1(space1, hex), eof).parse(i)
}

/// The `conntrack -S` name of a counter. `/proc/net/stat/nf_conntrack` (and
/// conntrack-tools versions that printed its header) use older names:
/// docs/facts.md, "Counters".
fn canonical(name: &[u8]) -> Cow<'_, str> {
    match name {
        b"icmp_error" => Cow::Borrowed("error"),
        b"clashres" => Cow::Borrowed("clash_resolve"),
        b"chainlength" => Cow::Borrowed("chaintoolong"),
        _ => String::from_utf8_lossy(name),
    }
}

/// Column names of `/proc/net/stat/nf_conntrack` in any kernel vintage; a
/// header must carry at least two of them, so stray words are not a header.
const PROC_COLUMNS: &[&[u8]] = &[
    b"entries",
    b"searched",
    b"clashres",
    b"found",
    b"new",
    b"invalid",
    b"ignore",
    b"delete",
    b"delete_list",
    b"chainlength",
    b"insert",
    b"insert_failed",
    b"drop",
    b"early_drop",
    b"icmp_error",
    b"expect_new",
    b"expect_create",
    b"expect_delete",
    b"search_restart",
];

/// Counters being summed over the rows of one capture.
#[derive(Debug, Default)]
struct Tally {
    counters: BTreeMap<String, u64>,
    entries: Option<u64>,
    /// Distinct `entries` values seen, when rows disagree.
    entries_seen: BTreeSet<u64>,
    overflowed: BTreeSet<String>,
    rows: u32,
}

impl Tally {
    fn add(&mut self, name: &[u8], value: u64) {
        // `entries` is the global table count printed again on every CPU row
        // (docs/facts.md, "Counters"): take it once, never sum it.
        if name == b"entries" {
            self.entries_seen.insert(value);
            self.entries = Some(self.entries.map_or(value, |e| e.max(value)));
            return;
        }
        let key = canonical(name);
        let sum = match self.counters.get_mut(key.as_ref()) {
            Some(slot) => slot,
            None => self.counters.entry(key.clone().into_owned()).or_insert(0),
        };
        match sum.checked_add(value) {
            Some(v) => *sum = v,
            None => {
                *sum = u64::MAX;
                self.overflowed.insert(key.into_owned());
            }
        }
    }

    fn finish(self, source: StatsSource, warnings: &mut Vec<String>) -> StatsCapture {
        if self.entries_seen.len() > 1 {
            let seen: Vec<String> = self.entries_seen.iter().map(u64::to_string).collect();
            warnings.push(format!(
                "the entries column differs between CPU rows ({}); the largest is used",
                seen.join(", ")
            ));
        }
        if !self.overflowed.is_empty() {
            let names: Vec<&str> = self.overflowed.iter().map(String::as_str).collect();
            warnings.push(format!(
                "the sum of {} does not fit in 64 bits; shown as the largest value",
                names.join(", ")
            ));
        }
        StatsCapture {
            source,
            cpus: self.rows,
            entries: self.entries,
            counters: self.counters,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    CpuRows,
    OnePerLine,
}

/// Parses `conntrack -S` output of any conntrack-tools vintage.
pub fn parse_conntrack_s(buf: &[u8]) -> Outcome<Option<StatsCapture>> {
    let mut out = Outcome::default();
    let mut tally = Tally::default();
    let mut layout = None;
    let mut cpus_seen = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    let mut repeated = None;
    for line in lines(buf, 1) {
        if is_noise(line.text) {
            continue;
        }
        if let Ok((_, row)) = cpu_row(line.text) {
            if layout == Some(Layout::OnePerLine) {
                out.issues.skip(
                    line.number,
                    "a `name value` line like the ones before",
                    line.text,
                );
                continue;
            }
            layout = Some(Layout::CpuRows);
            if !cpus_seen.insert(row.cpu) {
                repeated.get_or_insert(line.number);
                continue;
            }
            for (k, v) in row.pairs {
                tally.add(k, v);
            }
            tally.rows = tally.rows.saturating_add(1);
            out.records += 1;
        } else if let Ok((_, (k, v))) = counter_line(line.text) {
            if layout == Some(Layout::CpuRows) {
                out.issues
                    .skip(line.number, "a `cpu=N name=value ...` row", line.text);
                continue;
            }
            layout = Some(Layout::OnePerLine);
            if !names_seen.insert(k) {
                repeated.get_or_insert(line.number);
                continue;
            }
            tally.add(k, v);
            out.records += 1;
        } else {
            let expected = match layout {
                Some(Layout::OnePerLine) => "a `name value` line with a decimal value",
                _ if line.text.starts_with(b"cpu=") => {
                    "blank-separated `name=decimal` pairs after `cpu=N`"
                }
                _ => "a `cpu=N name=value ...` row",
            };
            out.issues.skip(line.number, expected, line.text);
        }
    }
    if let Some(at) = repeated {
        out.warnings.push(format!(
            "the capture repeats itself from line {at}; only the first copy is counted"
        ));
    }
    if layout == Some(Layout::OnePerLine) {
        // That conntrack-tools read the header and the first data row of
        // /proc/net/stat/nf_conntrack only.
        tally.rows = 1;
        out.warnings.push(
            "the one-counter-per-line layout of old conntrack-tools shows the first CPU's counters only"
                .to_owned(),
        );
    }
    if out.records > 0 {
        out.value = Some(tally.finish(StatsSource::ConntrackS, &mut out.warnings));
    }
    out
}

/// The header being used and where it was read.
struct Block<'a> {
    columns: Vec<&'a [u8]>,
    line: u64,
}

/// Parses `/proc/net/stat/nf_conntrack`: columns are mapped by header name.
pub fn parse_proc_stat(buf: &[u8]) -> Outcome<Option<StatsCapture>> {
    let mut out = Outcome::default();
    let mut tally = Tally::default();
    let mut block: Option<Block> = None;
    let mut later_block = None;
    for line in lines(buf, 1) {
        if is_noise(line.text) || later_block.is_some() {
            continue;
        }
        if let Ok((_, names)) = header(line.text) {
            if block.is_some() {
                later_block = Some(line.number);
            } else {
                block = Some(Block {
                    columns: names,
                    line: line.number,
                });
            }
            continue;
        }
        let Some(b) = &block else {
            out.issues.skip(
                line.number,
                "the header line `entries searched found ...` first",
                line.text,
            );
            continue;
        };
        match hex_row(line.text) {
            Ok((_, values)) if values.len() == b.columns.len() => {
                for (name, v) in b.columns.iter().zip(values) {
                    tally.add(name, v);
                }
                tally.rows = tally.rows.saturating_add(1);
                out.records += 1;
            }
            Ok(_) => {
                let expected = format!(
                    "{} hex fields, as in the header of line {}",
                    b.columns.len(),
                    b.line
                );
                out.issues.skip(line.number, expected, line.text);
            }
            Err(_) => {
                out.issues.skip(
                    line.number,
                    "blank-separated hex numbers under the header",
                    line.text,
                );
            }
        }
    }
    if let Some(at) = later_block {
        out.warnings.push(format!(
            "another header starts at line {at}; only the first header and its rows are summed"
        ));
    }
    if out.records > 0 {
        out.value = Some(tally.finish(StatsSource::ProcStat, &mut out.warnings));
    } else if let Some(b) = &block {
        let msg = format!("the header at line {} has no rows under it", b.line);
        out.warnings.push(msg);
    }
    out
}

/// A whole count line: one decimal number.
fn count_line(i: &[u8]) -> Res<'_, u64> {
    terminated(decimal, eof).parse(i)
}

/// `wc -l` of a listing or of `/proc/net/nf_conntrack`: the count, blanks,
/// and the file it counted (`131004 /proc/net/nf_conntrack`).
pub fn wc_count(t: &[u8]) -> Option<u64> {
    let digits = t.iter().take_while(|c| c.is_ascii_digit()).count();
    let (n, rest) = t.split_at(digits);
    let file = crate::parse::text::trim(rest);
    let counted = memchr::memmem::find(file, b"conntrack").is_some();
    let one_word = !file.iter().any(u8::is_ascii_whitespace);
    if digits == 0 || rest.first().is_none_or(|c| !c.is_ascii_whitespace()) || !counted || !one_word
    {
        return None;
    }
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// Parses `conntrack -C` output, a `nf_conntrack_count` file, or `wc -l` of
/// a listing.
pub fn parse_count(buf: &[u8]) -> Outcome<Option<StatsCapture>> {
    let mut out = Outcome::default();
    let mut counts: Vec<u64> = Vec::new();
    for line in lines(buf, 1) {
        if is_noise(line.text) {
            continue;
        }
        match count_line(line.text)
            .ok()
            .map(|(_, n)| n)
            .or_else(|| wc_count(line.text))
        {
            Some(n) => {
                counts.push(n);
                out.records += 1;
            }
            None => out.issues.skip(
                line.number,
                "one decimal number (the entry count), or `wc -l`'s count and file",
                line.text,
            ),
        }
    }
    let last = counts.last().copied();
    if counts.iter().any(|&n| Some(n) != last) {
        let n = counts.len();
        let msg = format!("{n} counts in one file disagree; the last one is used");
        out.warnings.push(msg);
    }
    out.value = last.map(|n| StatsCapture {
        source: StatsSource::Count,
        cpus: 0,
        entries: Some(n),
        counters: BTreeMap::new(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wc_counts_are_the_tables_size() {
        assert_eq!(wc_count(b"131004 /proc/net/nf_conntrack"), Some(131_004));
        assert_eq!(wc_count(b"  2817 conntrack-L.txt"), None); // leading blanks: not wc's layout
        assert_eq!(wc_count(b"2817 conntrack-L.txt"), Some(2_817));
        assert_eq!(wc_count(b"2817 lines of conntrack"), None);
        assert_eq!(wc_count(b"2817 /etc/passwd"), None);
        let out = parse_count(b"131004 /proc/net/nf_conntrack\n");
        assert_eq!(out.value.and_then(|c| c.entries), Some(131_004));
        assert_eq!(out.issues.skipped, 0);
    }

    /// The capture on one line: source, cpus, entries, then every counter.
    fn summary(c: &Option<StatsCapture>) -> String {
        let Some(c) = c else {
            return "none".to_owned();
        };
        let head = format!("{:?} cpus={} entries={:?}", c.source, c.cpus, c.entries);
        c.counters
            .iter()
            .fold(head, |s, (k, v)| format!("{s} {k}={v}"))
    }

    #[test]
    fn decimal_and_hex_refuse_overflow() {
        assert_eq!(decimal(b"311 x"), Ok((&b" x"[..], 311)));
        assert_eq!(decimal(b"18446744073709551615"), Ok((&b""[..], u64::MAX)));
        assert!(decimal(b"18446744073709551616").is_err());
        assert!(decimal(b"99999999999999999999999").is_err());
        assert!(decimal(b"-1").is_err());
        assert_eq!(hex(b"0000002f"), Ok((&b""[..], 47)));
        assert_eq!(hex(b"FFffFFff"), Ok((&b""[..], 0xffff_ffff)));
        assert!(hex(b"10000000000000000").is_err());
        assert!(hex(b"xyz").is_err());
    }

    #[test]
    fn counter_pair_takes_name_and_decimal() {
        assert_eq!(
            counter_pair(b"insert_failed=12 drop=0"),
            Ok((&b" drop=0"[..], (&b"insert_failed"[..], 12)))
        );
        assert!(counter_pair(b"drop=").is_err());
        assert!(counter_pair(b"=5").is_err());
        assert!(counter_pair(b"drop=0x10").is_ok_and(|(rest, _)| rest == b"x10"));
    }

    #[test]
    fn cpu_row_reads_tab_or_space_separated_pairs() {
        let (_, row) = cpu_row(b"cpu=0   \tfound=0 invalid=311 ignore=0").unwrap();
        let pairs = vec![(&b"found"[..], 0), (b"invalid", 311), (b"ignore", 0)];
        assert_eq!(row, CpuRow { cpu: 0, pairs });
        let (_, row) = cpu_row(b"cpu=13     found=2  clash_resolve=7").unwrap();
        assert_eq!((row.cpu, row.pairs.len()), (13, 2));
    }

    #[test]
    fn cpu_row_rejects_partial_rows() {
        assert!(cpu_row(b"cpu=0").is_err());
        assert!(cpu_row(b"cpu=x found=1").is_err());
        assert!(cpu_row(b"cpu=0 found=1 drop=").is_err());
        assert!(cpu_row(b"cpu=0 found=1 trailing").is_err());
        assert!(cpu_row(b"cpu=0found=1").is_err());
    }

    #[test]
    fn counter_line_is_name_blanks_decimal() {
        assert_eq!(
            counter_line(b"entries                 \t47"),
            Ok((&b""[..], (&b"entries"[..], 47)))
        );
        assert!(counter_line(b"entries").is_err());
        assert!(counter_line(b"entries 0000002f").is_err());
        assert!(counter_line(b"conntrack v1.4.6 (conntrack-tools): 3 flow entries").is_err());
    }

    #[test]
    fn header_and_hex_row_are_told_apart() {
        let (_, h) = header(b"entries  searched found new").unwrap();
        assert_eq!(h, vec![&b"entries"[..], b"searched", b"found", b"new"]);
        assert!(header(b"0000002f  00000000").is_err());
        assert!(header(b"deadbeef cafe").is_err());
        assert!(header(b"entries 12").is_err());
        assert!(header(b"hello world").is_err());
        assert!(header(b"found drop").is_ok());
        assert_eq!(
            hex_row(b"0000002f  0000000a\t00000000"),
            Ok((&b""[..], vec![47, 10, 0]))
        );
        assert!(hex_row(b"0000002f  zz").is_err());
        assert!(hex_row(b"").is_err());
    }

    #[test]
    fn canonical_maps_renamed_columns_only() {
        assert_eq!(canonical(b"icmp_error"), "error");
        assert_eq!(canonical(b"clashres"), "clash_resolve");
        assert_eq!(canonical(b"chainlength"), "chaintoolong");
        assert_eq!(canonical(b"searched"), "searched");
    }

    const S_WITH_IGNORE: &[u8] = b"$ conntrack -S\n\
cpu=0   \tfound=3 invalid=311 ignore=20 insert=0 insert_failed=1 drop=0 early_drop=0 error=2 search_restart=0 \n\
cpu=1   \tfound=4 invalid=9 ignore=5 insert=0 insert_failed=2 drop=1 early_drop=3 error=0 search_restart=4 \n";

    #[test]
    fn conntrack_s_with_ignore_sums_cpu_rows() {
        let out = parse_conntrack_s(S_WITH_IGNORE);
        let want = "ConntrackS cpus=2 entries=None drop=1 early_drop=3 error=2 found=7 ignore=25 \
insert=0 insert_failed=3 invalid=320 search_restart=4";
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (2, 0));
    }

    #[test]
    fn conntrack_s_newer_kernels_space_separated_with_unknown_key() {
        let buf = b"cpu=0 found=0 invalid=5 insert=0 insert_failed=8 drop=2 early_drop=0 error=0 search_restart=1 clash_resolve=6 chaintoolong=1\r\n\
cpu=1 found=0 invalid=1 insert=0 insert_failed=2 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=2 chaintoolong=0 future_thing=9\r\n\
cpu=2 found=0 invalid=oops\r\n";
        let out = parse_conntrack_s(buf);
        let want = "ConntrackS cpus=2 entries=None chaintoolong=1 clash_resolve=8 drop=2 early_drop=0 \
error=0 found=0 future_thing=9 insert=0 insert_failed=10 invalid=6 search_restart=1";
        assert_eq!(summary(&out.value), want);
        let bad = &out.issues.first[0];
        let expected = "blank-separated `name=decimal` pairs after `cpu=N`";
        assert_eq!(
            (out.issues.skipped, bad.line, bad.expected.as_str()),
            (1, 3, expected)
        );
    }

    #[test]
    fn conntrack_s_with_proc_names_takes_entries_once() {
        let buf = b"cpu=0   \tentries=40 searched=5 icmp_error=1\ncpu=1   \tentries=47 searched=6 icmp_error=2\n";
        let out = parse_conntrack_s(buf);
        let want = "ConntrackS cpus=2 entries=Some(47) error=3 searched=11";
        assert_eq!(summary(&out.value), want);
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    }

    #[test]
    fn conntrack_s_twice_in_one_file_counts_once() {
        let mut buf = S_WITH_IGNORE.to_vec();
        buf.extend_from_slice(S_WITH_IGNORE);
        let out = parse_conntrack_s(&buf);
        assert_eq!(out.value.unwrap().counters["invalid"], 320);
        assert_eq!(out.records, 2);
        assert!(out.warnings[0].contains("line 5"), "{:?}", out.warnings);
    }

    #[test]
    fn conntrack_s_old_one_per_line_layout() {
        let buf = b"entries                 \t47\nsearched                \t1061\nfound                   \t10478\n\
icmp_error              \t3\ninsert_failed           \t0\nsearch_restart          \t2\n";
        let out = parse_conntrack_s(buf);
        let want = "ConntrackS cpus=1 entries=Some(47) error=3 found=10478 insert_failed=0 \
search_restart=2 searched=1061";
        assert_eq!(summary(&out.value), want);
        assert_eq!(out.records, 6);
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn conntrack_s_garbage_gives_none_and_bad_lines() {
        let out = parse_conntrack_s(b"\xff\xfe\x00garbage\nhello world\n");
        assert!(out.value.is_none());
        assert_eq!(out.issues.skipped, 2);
        let out = parse_conntrack_s(b"cpu=0 found=99999999999999999999999\n");
        assert!(out.value.is_none());
        assert_eq!(out.issues.skipped, 1);
        assert!(parse_conntrack_s(b"").value.is_none());
    }

    #[test]
    fn conntrack_s_sum_saturates_instead_of_panicking() {
        let buf = b"cpu=0 drop=18446744073709551615\ncpu=1 drop=5\n";
        let out = parse_conntrack_s(buf);
        assert_eq!(out.value.unwrap().counters["drop"], u64::MAX);
        assert!(out.warnings[0].contains("drop"));
    }

    const PROC_OLD: &[u8] = b"entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n\
0000002f  00000010 00000100 00000005 00000001 00000000 00000003 00000003 00000005 00000000 00000000 00000000 00000001  00000000 00000000 00000000 00000000\n\
0000002f  00000020 00000200 00000006 00000002 00000000 00000004 00000004 00000006 00000001 00000000 00000000 00000000  00000000 00000000 00000000 00000001\n\
0000002f  00000030 00000300 00000007 00000003 00000000 00000005 00000005 00000007 00000000 00000002 00000000 00000000  00000000 00000000 00000000 00000000\n\
0000002f  00000040 00000400 00000008 00000004 00000000 00000006 00000006 00000008 00000000 00000000 00000003 00000002  00000000 00000000 00000000 00000000\n";

    #[test]
    fn proc_stat_old_header_four_cpus() {
        let out = parse_proc_stat(PROC_OLD);
        // Entries is 0x2f = 47 on every row and must not be summed.
        let want = "ProcStat cpus=4 entries=Some(47) delete=18 delete_list=18 drop=2 early_drop=3 \
error=3 expect_create=0 expect_delete=0 expect_new=0 found=2560 ignore=0 insert=26 \
insert_failed=1 invalid=10 new=26 search_restart=1 searched=160";
        assert_eq!(summary(&out.value), want);
        assert_eq!((out.records, out.issues.skipped), (4, 0));
        assert!(out.warnings.is_empty());
    }

    const PROC_NEW: &[u8] = b"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n\
00000120  00000002 00000000 00000000 00000011 00000000 00000000 00000000 00000000 00000003 00000001 00000000 00000000  00000000 00000000 00000000 00000000\n\
00000120  00000003 00000000 00000000 00000012 00000000 00000000 00000001 00000000 00000004 00000000 00000000 00000000  00000000 00000000 00000000 00000000\n\
00000124  00000000 00000000 00000000 00000013 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000\n\
00000120  00000001 00000000 00000000 00000014 00000000 00000000 00000002 00000000 00000001 00000000 00000000 00000005  00000000 00000000 00000000 00000000\n";

    #[test]
    fn proc_stat_new_header_maps_renamed_columns_and_never_sums_entries() {
        let out = parse_proc_stat(PROC_NEW);
        // One row says 0x124 where the others say 0x120: the largest is kept.
        let want = "ProcStat cpus=4 entries=Some(292) chaintoolong=3 clash_resolve=6 delete=0 drop=1 \
early_drop=0 error=5 expect_create=0 expect_delete=0 expect_new=0 found=0 ignore=0 insert=0 \
insert_failed=8 invalid=74 new=0 search_restart=0";
        assert_eq!(summary(&out.value), want);
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("entries"));
    }

    #[test]
    fn proc_stat_maps_by_name_not_position() {
        let out = parse_proc_stat(
            b"drop entries found\n00000001 00000010 00000002\n00000001 00000010 00000003\n",
        );
        let want = "ProcStat cpus=2 entries=Some(16) drop=2 found=5";
        assert_eq!(summary(&out.value), want);
    }

    #[test]
    fn proc_stat_skips_bad_rows_and_ignores_later_blocks() {
        let mut buf = b"00000001 00000002\n".to_vec();
        buf.extend_from_slice(PROC_OLD);
        buf.extend_from_slice(b"0000002f 00000001\n0000002f zzzz 00000000\n");
        buf.extend_from_slice(PROC_NEW);
        let out = parse_proc_stat(&buf);
        assert_eq!(
            summary(&out.value),
            summary(&parse_proc_stat(PROC_OLD).value)
        );
        assert_eq!(out.issues.skipped, 3);
        let lines: Vec<u64> = out.issues.first.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![1, 7, 8]);
        assert!(out.issues.first[1].expected.starts_with("17 hex fields"));
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("line 9"));
    }

    #[test]
    fn proc_stat_garbage_or_header_only_gives_none() {
        assert!(parse_proc_stat(b"\x00\x01\x02\xff\n").value.is_none());
        let out = parse_proc_stat(b"entries searched\n");
        assert!(out.value.is_none());
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn count_reads_one_number_among_noise() {
        let out = parse_count(b"root@node:~# conntrack -C\n48213\n");
        assert_eq!(summary(&out.value), "Count cpus=0 entries=Some(48213)");
        assert_eq!((out.records, out.issues.skipped), (1, 0));
    }

    #[test]
    fn count_rejects_other_lines() {
        assert_eq!(count_line(b"12"), Ok((&b""[..], 12)));
        assert!(count_line(b"12 entries").is_err());
        let out = parse_count(b"conntrack: command not found\n99999999999999999999999\n-3\n");
        assert!(out.value.is_none());
        assert_eq!(out.issues.skipped, 3);
        let out = parse_count(b"10\n12\n");
        assert_eq!(out.value.unwrap().entries, Some(12));
        assert_eq!(out.warnings.len(), 1);
    }
}
