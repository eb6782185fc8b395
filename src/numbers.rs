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

/// A share as a percentage with one decimal: `0.7953` → `79.5%`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A fill ratio as a percentage, rounded down so a table one entry short of
/// its limit does not read "100.0%".
pub fn fill(u: f64) -> String {
    format!("{:.1}%", (u * 1000.0).floor() / 10.0)
}
