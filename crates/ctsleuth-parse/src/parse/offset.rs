//! UTC offsets as people and programs write them: the one reader behind log
//! stamps, capture times in file names and `--tz`.

use chrono::FixedOffset;

/// `sign hh:mm` as an offset; `None` past ±23:59 (the most RFC 3339 and
/// chrono allow) or with minutes past 59.
pub fn offset_of(negative: bool, hours: u32, minutes: u32) -> Option<FixedOffset> {
    if hours > 23 || minutes > 59 {
        return None;
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(if negative { -secs } else { secs })
}

/// `Z`, `UTC`, `GMT`, `+02:00`, `-0530`, `+0200`, `+5`.
pub fn utc_offset(text: &str) -> Option<FixedOffset> {
    let t = text.trim();
    if ["z", "utc", "gmt"]
        .iter()
        .any(|z| t.eq_ignore_ascii_case(z))
    {
        return FixedOffset::east_opt(0);
    }
    let negative = match t.as_bytes().first()? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let digits: String = t.get(1..)?.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // `+5` and `+05` are hours; `+530` and `+0530` end with minutes.
    let split = if digits.len() <= 2 {
        digits.len()
    } else {
        digits.len() - 2
    };
    let (h, m) = digits.split_at(split);
    let hours: u32 = h.parse().ok()?;
    let minutes: u32 = if m.is_empty() { 0 } else { m.parse().ok()? };
    offset_of(negative, hours, minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_every_form() {
        let secs = |t: &str| utc_offset(t).map(|o| o.local_minus_utc());
        assert_eq!(secs("Z"), Some(0));
        assert_eq!(secs("UTC"), Some(0));
        assert_eq!(secs("+02:00"), Some(7200));
        assert_eq!(secs("+0200"), Some(7200));
        assert_eq!(secs("-0530"), Some(-19800));
        assert_eq!(secs("+5"), Some(18000));
        assert_eq!(secs("+25:00"), None);
        assert_eq!(secs("+02:75"), None);
        assert_eq!(secs("Europe/Paris"), None);
        assert_eq!(secs("+"), None);
    }
}
