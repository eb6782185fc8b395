//! The stamps logs put before a message, one grammar rule each: syslog's
//! `Nov 26 09:04:00`, RFC 3339 with its zone, `dmesg`'s `[  812.123456]`
//! and `[Tue Nov 26 09:04:00 2024]`, the priority and level prefixes.

use super::*;

pub(super) type Res<'a, T> = IResult<&'a [u8], T>;

pub(super) fn reject<T>(input: &[u8]) -> Res<'_, T> {
    Err(nom::Err::Error(Error::new(input, ErrorKind::Verify)))
}

/// `value` after `rest`, or a failure at `input` when there is none.
pub(super) fn found<'a, T>(input: &'a [u8], rest: &'a [u8], value: Option<T>) -> Res<'a, T> {
    value.map_or_else(|| reject(input), |v| Ok((rest, v)))
}

pub(super) fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// `min..=max` (at most 9) ASCII digits as a number.
pub(super) fn number(min: usize, max: usize) -> impl Fn(&[u8]) -> Res<'_, u32> + Copy {
    move |input| {
        let (rest, d) = take_while_m_n(min, max.min(9), is_digit).parse(input)?;
        Ok((rest, d.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0'))))
    }
}

pub(super) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// Position of `word` in a space-separated `list`.
pub(super) fn listed(list: &str, word: &[u8]) -> Option<usize> {
    list.split(' ').position(|w| w.as_bytes() == word)
}

pub(super) const MONTHS: &str = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
pub(super) const WEEKDAYS: &str = "Mon Tue Wed Thu Fri Sat Sun";
pub(super) const FACILITIES: &str = "kern user mail daemon auth syslog lpr news uucp cron authpriv ftp \
                          local0 local1 local2 local3 local4 local5 local6 local7";
pub(super) const LEVELS: &str = "emerg alert crit err warn notice info debug";

/// `Nov` -> 11.
pub(super) fn month(input: &[u8]) -> Res<'_, u32> {
    let (rest, name) = take(3usize).parse(input)?;
    found(
        input,
        rest,
        listed(MONTHS, name).and_then(|i| u32::try_from(i + 1).ok()),
    )
}

/// `Tue`; not checked against the date.
pub(super) fn weekday(input: &[u8]) -> Res<'_, ()> {
    let (rest, name) = take(3usize).parse(input)?;
    found(input, rest, listed(WEEKDAYS, name).map(|_| ()))
}

/// Day of month, 1 or 2 digits.
pub(super) fn day(input: &[u8]) -> Res<'_, u32> {
    let (rest, d) = number(1, 2)(input)?;
    found(input, rest, Some(d).filter(|d| (1..=31).contains(d)))
}

/// `22:30:22`, `22:30:22.123456` (also `,` before the fraction, as dmesg's iso).
pub(super) fn clock(input: &[u8]) -> Res<'_, NaiveTime> {
    let two = number(2, 2);
    let (rest, (h, _, m, _, s)) = (two, char(':'), two, char(':'), two).parse(input)?;
    let (rest, frac) = opt(preceded(one_of(".,"), digit1)).parse(rest)?;
    let nano = frac.map_or(0, |f: &[u8]| {
        let f = f.get(..9).unwrap_or(f);
        let n = f.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
        // At most nine digits: the scale is 10^0 to 10^8.
        n * 10u32.pow(9u32.saturating_sub(u32::try_from(f.len()).unwrap_or(9)))
    });
    found(input, rest, NaiveTime::from_hms_nano_opt(h, m, s, nano))
}

/// `Tue Nov 20 22:30:22 2018`, `Fri Nov  1 08:01:02 2024`.
pub(super) fn ctime(input: &[u8]) -> Res<'_, NaiveDateTime> {
    let (rest, (_, _, mon, _, d)) = (weekday, space1, month, space1, day).parse(input)?;
    let (rest, (_, time, _, y)) = (space1, clock, space1, number(4, 4)).parse(rest)?;
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, mon, d));
    found(input, rest, date.map(|date| date.and_time(time)))
}

/// `Nov 20 22:30:22`, `Nov  1 22:30:22.123456`.
pub(super) fn syslog_stamp(input: &[u8]) -> Res<'_, Stamp> {
    let (rest, (month, _, day, _, time)) = (month, space1, day, char(' '), clock).parse(input)?;
    // 2000 was a leap year: Feb 29 is a valid day without a year.
    let valid = NaiveDate::from_ymd_opt(2000, month, day);
    found(
        input,
        rest,
        valid.map(|_| Stamp::NoYear { month, day, time }),
    )
}

/// `2019-02-25`.
pub(super) fn date(input: &[u8]) -> Res<'_, NaiveDate> {
    let two = number(2, 2);
    let (rest, (y, _, m, _, d)) = (number(4, 4), char('-'), two, char('-'), two).parse(input)?;
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d));
    found(input, rest, date)
}

/// `Z`, `+00:00`, `-0530`.
pub(super) fn zone(input: &[u8]) -> Res<'_, FixedOffset> {
    let (rest, sign) = one_of("Zz+-").parse(input)?;
    if sign == 'Z' || sign == 'z' {
        return found(input, rest, FixedOffset::east_opt(0));
    }
    let (rest, (h, _, m)) = (number(2, 2), opt(char(':')), number(2, 2)).parse(rest)?;
    found(
        input,
        rest,
        crate::parse::offset::offset_of(sign == '-', h, m),
    )
}

/// `2019-02-25T03:45:03.778502+00:00`: Wall with an offset, Local without.
pub(super) fn rfc3339(input: &[u8]) -> Res<'_, Stamp> {
    let (rest, (d, _, time, z)) = (date, one_of("Tt"), clock, opt(zone)).parse(input)?;
    let local = d.and_time(time);
    let Some(z) = z else {
        return Ok((rest, Stamp::Local(local)));
    };
    let utc = local.checked_sub_signed(TimeDelta::seconds(i64::from(z.local_minus_utc())));
    found(input, rest, utc.map(|utc| Stamp::Wall(utc.and_utc())))
}

/// `[  123.456789]`: seconds since boot. At most 9 digits each side, so an
/// epoch stamp (10 digits) or a huge number is not taken for one.
pub(super) fn mono_bracket(input: &[u8]) -> Res<'_, f64> {
    let digits = || take_while_m_n(1, 9, is_digit);
    let secs = recognize((digits(), char('.'), digits()));
    let (rest, text) = delimited((char('['), space0), secs, char(']')).parse(input)?;
    found(input, rest, ascii_str(text).and_then(|t| t.parse().ok()))
}

/// `[    T1]` or `[  C3]` after the stamp (CONFIG_PRINTK_CALLER).
pub(super) fn caller_id(input: &[u8]) -> Res<'_, ()> {
    let id = (one_of("TC"), digit1);
    let (rest, _) = delimited((char('['), space0), id, char(']')).parse(input)?;
    Ok((rest, ()))
}

/// `[Tue Nov 20 22:30:22 2018]` of `dmesg -T`.
pub(super) fn human_bracket(input: &[u8]) -> Res<'_, NaiveDateTime> {
    delimited(char('['), ctime, char(']')).parse(input)
}

/// A monotonic stamp with its caller id and blanks, as after `kernel:`.
pub(super) fn kernel_stamp(input: &[u8]) -> Res<'_, f64> {
    terminated(mono_bracket, (opt(caller_id), space0)).parse(input)
}

/// `<4>`: syslog priority, at most 191.
pub(super) fn pri(input: &[u8]) -> Res<'_, u32> {
    let (rest, n) = delimited(char('<'), number(1, 3), char('>')).parse(input)?;
    found(input, rest, Some(n).filter(|n| *n <= 191))
}

/// `kern  :warn  : ` of `dmesg -x`.
pub(super) fn dmesg_level(input: &[u8]) -> Res<'_, ()> {
    let word = || take_while1(|c: u8| c.is_ascii_alphanumeric());
    let (rest, (fac, _, _, lvl, _, _, _)) =
        (word(), space0, char(':'), word(), space0, char(':'), space0).parse(input)?;
    let known = listed(FACILITIES, fac).and(listed(LEVELS, lvl));
    found(input, rest, known.map(|_| ()))
}

/// `kern.warn` of `logread`.
pub(super) fn facility_level(input: &[u8]) -> Res<'_, ()> {
    let word = || take_while1(|c: u8| c.is_ascii_alphanumeric());
    let (rest, _) = (word(), char('.'), word()).parse(input)?;
    Ok((rest, ()))
}
