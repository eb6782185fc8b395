//! Numbers as people read them, shared by the analysis (finding texts), the
//! reports and the terminal views; no stage owns them.

/// `131072` → `131,072`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as a percentage, by the one rule of [`fill`]:
/// `7953` of `10000` → `79.5%`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    fill(part as f64 / whole as f64)
}

/// A share or fill as a percentage with one decimal, rounded down, so a
/// table one entry short of its limit does not read "100.0%" and a part
/// never reads more than its whole. Every percentage of every output goes
/// through here: the same value reads the same everywhere.
pub fn fill(u: f64) -> String {
    // The small nudge keeps 0.2 (stored as 0.19999…) at 20.0%.
    format!("{:.1}%", ((u * 1000.0) + 1e-6).floor() / 10.0)
}

/// A rate per second: whole numbers from 10 up (`37`, `1,204`), one
/// decimal below (`0.4`, `9.2`). Every rate of every output goes through
/// here.
pub fn rate(per_s: f64) -> String {
    if per_s >= 10.0 {
        thousands(round_u64(per_s))
    } else {
        format!("{per_s:.1}")
    }
}

/// `v` rounded to a whole number, held within `u64`: NaN and negatives are
/// 0, values beyond the range its end. The one float-to-integer conversion
/// of the reports.
pub fn round_u64(v: f64) -> u64 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= u64::MAX as f64 {
        u64::MAX
    } else {
        // Within range after the checks above.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = v.round() as u64;
        n
    }
}

/// `v` rounded to a whole number, held within `i64` (NaN is 0).
pub fn round_i64(v: f64) -> i64 {
    if v.is_nan() {
        0
    } else if v <= i64::MIN as f64 {
        i64::MIN
    } else if v >= i64::MAX as f64 {
        i64::MAX
    } else {
        // Within range after the checks above.
        #[allow(clippy::cast_possible_truncation)]
        let n = v.round() as i64;
        n
    }
}

/// A count as `u32`, saturating.
pub fn to_u32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// A count as `i64`, saturating.
pub fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_saturate() {
        assert_eq!(round_u64(2.5), 3);
        assert_eq!(round_u64(-4.0), 0);
        assert_eq!(round_u64(f64::NAN), 0);
        assert_eq!(round_u64(1e30), u64::MAX);
        assert_eq!(round_i64(-2.4), -2);
        assert_eq!(round_i64(-1e30), i64::MIN);
        assert_eq!(to_u32(5_000_000_000u64), u32::MAX);
        assert_eq!(to_u32(7usize), 7);
        assert_eq!(to_i64(u64::MAX), i64::MAX);
    }
}
