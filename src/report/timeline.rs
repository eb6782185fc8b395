//! The drop timeline in the terminal: one histogram per node and clock,
//! bursts marked, quiet stretches folded.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::thousands;
use crate::analysis::Summary;
use crate::analysis::drops::{Bucket, Burst, Clock, NodeDrops};

const BAR: usize = 32;

/// The part of the summary the timeline is about, as JSON.
pub fn json(s: &Summary) -> String {
    let v = serde_json::json!({
        "schema": "ctsleuth.timeline/v1",
        "drops": s.drops,
        "bursts": s.bursts,
        "recurrences": s.recurrences,
        "symptoms": s.symptoms,
        "counter_checks": s.counter_checks,
        "notes": s.notes,
        "warnings": s.warnings,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn bucket_start(b: &Bucket) -> i64 {
    b.start_s().unwrap_or(0)
}

fn label(b: &Bucket, previous: Option<&Bucket>, bucket_s: u32) -> String {
    match (b.start, b.start_since_boot) {
        (Some(t), _) => {
            let same_day = previous
                .and_then(|p| p.start)
                .is_some_and(|p| p.date_naive() == t.date_naive());
            let clock = if bucket_s % 60 == 0 {
                "%H:%M"
            } else {
                "%H:%M:%S"
            };
            if same_day {
                format!("{:>16}", t.format(clock).to_string())
            } else {
                t.format(&format!("%Y-%m-%d {clock}")).to_string()
            }
        }
        (None, Some(s)) => format!("{:>13} s", thousands(s.max(0) as u64)),
        _ => String::new(),
    }
}

/// `23 h 52 min`, `7 min`, `45 s`.
pub fn human(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn bar(logged: u64, upper: u64, peak: u64) -> String {
    if peak == 0 {
        return " ".repeat(BAR);
    }
    let scale = |v: u64| {
        usize::try_from(crate::numbers::round_u64(
            ((v as f64 / peak as f64) * BAR as f64).ceil(),
        ))
        .unwrap_or(BAR)
    };
    let up = scale(upper).clamp(usize::from(upper > 0), BAR);
    let lo = scale(logged).clamp(usize::from(logged > 0), up);
    // Logged drops in red, what the suppressed counts may add in yellow.
    format!(
        "{}{}{}",
        crate::style::paint(crate::style::Paint::Bad, &"█".repeat(lo)),
        crate::style::paint(crate::style::Paint::Warn, &"░".repeat(up - lo)),
        " ".repeat(BAR - up)
    )
}

fn when(t: Option<DateTime<Utc>>, since_boot: Option<i64>) -> String {
    match (t, since_boot) {
        (Some(t), _) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        (None, Some(s)) => format!("{} s after boot", thousands(s.max(0) as u64)),
        _ => "?".into(),
    }
}

fn burst_line(b: &Burst, n: usize) -> String {
    let mut s = format!(
        "burst {n}: {} for {}, {} logged, ≤ {} with suppressed, peak {}/min",
        when(b.start, b.start_since_boot),
        human(b.duration_s),
        thousands(b.logged),
        thousands(b.upper_bound),
        thousands(b.peak_per_min)
    );
    match (&b.snapshot, b.suspects.is_empty(), &b.note) {
        (Some(snap), false, _) => {
            let list: Vec<String> = b
                .suspects
                .iter()
                .take(3)
                .map(|x| {
                    let tw = x.by_state.get("TIME_WAIT").copied().unwrap_or(0);
                    let mut t = format!("{} {}", x.workload, crate::numbers::fill(x.share));
                    if x.entries > 0 && tw * 2 > x.entries {
                        t.push_str(&format!(" ({}% TIME_WAIT)", tw * 100 / x.entries));
                    }
                    if let Some(c) = x.correlation {
                        t.push_str(&format!(", r={c:.2}"));
                    }
                    t
                })
                .collect();
            s.push_str(&format!(
                "\n      suspects from the snapshot at {}: {}",
                snap.captured_at.format("%H:%M:%S"),
                list.join("; ")
            ));
        }
        (_, _, Some(note)) => s.push_str(&format!("\n      {note}")),
        _ => {}
    }
    if let Some(c) = &b.counters {
        let d = |v: Option<u64>| {
            v.map(|v| format!("+{}", thousands(v)))
                .unwrap_or_else(|| "?".into())
        };
        s.push_str(&format!(
            "\n      counters {}–{}: drop {}, early_drop {}, insert_failed {} (log: {} logged, ≤ {})",
            c.from.format("%H:%M:%S"),
            c.to.format("%H:%M:%S"),
            d(c.drop),
            d(c.early_drop),
            d(c.insert_failed),
            thousands(c.logged),
            thousands(c.upper_bound)
        ));
    }
    s
}

fn node_block(
    out: &mut dyn Write,
    n: &NodeDrops,
    bursts: &[&Burst],
    bucket_s: u32,
) -> io::Result<()> {
    let name = n.node.as_deref().unwrap_or("(node unknown)");
    let clock = match n.clock {
        Clock::Utc => "UTC".to_string(),
        Clock::SinceBoot => format!("seconds since boot {}, no boot time known", n.boot),
    };
    writeln!(
        out,
        "{name} — {clock}, {} buckets",
        human(i64::from(bucket_s))
    )?;
    let dns: u64 = n.buckets.iter().map(|b| b.dns_failures).sum();
    if n.logged == 0 && n.upper_bound == 0 {
        writeln!(
            out,
            "  no conntrack drops logged · {} DNS failures",
            thousands(dns)
        )?;
    } else {
        writeln!(
            out,
            "  {} drops logged (lower bound) · ≤ {} with suppressed (upper bound) · {} {}{}",
            thousands(n.logged),
            thousands(n.upper_bound),
            bursts.len(),
            if bursts.len() == 1 { "burst" } else { "bursts" },
            if n.expectation_full > 0 {
                format!(
                    " · {} expectation-table-full",
                    thousands(n.expectation_full)
                )
            } else {
                String::new()
            }
        )?;
    }
    let peak = n.buckets.iter().map(|b| b.upper_bound).max().unwrap_or(0);
    // The counts' columns as wide as this node's widest, so `≤` lines up.
    let width = |f: fn(&Bucket) -> u64, least: usize| {
        n.buckets
            .iter()
            .map(|b| thousands(f(b)).chars().count())
            .max()
            .unwrap_or(0)
            .max(least)
    };
    let (w_logged, w_upper) = (width(|b| b.logged, 7), width(|b| b.upper_bound, 9));
    let mut previous: Option<&Bucket> = None;
    let mut burst_no = 0;
    for b in &n.buckets {
        if let Some(p) = previous {
            let gap = bucket_start(b) - bucket_start(p) - i64::from(bucket_s);
            if gap > 0 {
                writeln!(out, "  {:>16}  ⋮ {} without drops", "", human(gap))?;
            }
        }
        let starts = bursts
            .iter()
            .position(|x| x.start_s() == Some(bucket_start(b)));
        let mut line = format!(
            "  {:<16}  {} {:>w_logged$} ≤ {:>w_upper$}",
            label(b, previous, bucket_s),
            bar(b.logged, b.upper_bound, peak),
            thousands(b.logged),
            thousands(b.upper_bound)
        );
        if b.dns_failures > 0 {
            line.push_str(&format!("  DNS ✗{}", b.dns_failures));
        }
        if starts.is_some() {
            burst_no += 1;
            let mark = format!("◀ burst {burst_no}");
            line.push_str("  ");
            line.push_str(&crate::style::paint(crate::style::Paint::Bad, &mark));
        }
        writeln!(out, "{}", line.trim_end())?;
        previous = Some(b);
    }
    for (i, b) in bursts.iter().enumerate() {
        writeln!(out, "  {}", burst_line(b, i + 1))?;
    }
    writeln!(out)
}

/// The whole timeline view.
pub fn render(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.drops.per_node.is_empty() && s.drops.time_unknown.is_empty() {
        writeln!(
            out,
            "no conntrack drops, rate-limit summaries or DNS failures in the logs"
        )?;
    }
    for n in &s.drops.per_node {
        let bursts: Vec<&Burst> = s
            .bursts
            .iter()
            .filter(|b| b.node == n.node && b.clock == n.clock)
            .collect();
        node_block(out, n, &bursts, s.drops.bucket_s)?;
    }
    for u in &s.drops.time_unknown {
        writeln!(
            out,
            "{} — time unknown: {} logged, ≤ {} with suppressed, in no bucket or burst (their stamps could not be read)",
            u.node.as_deref().unwrap_or("(node unknown)"),
            if u.logged == 1 {
                "1 drop".to_string()
            } else {
                format!("{} drops", thousands(u.logged))
            },
            thousands(u.logged + u.suppressed)
        )?;
    }
    for r in &s.recurrences {
        let nodes: Vec<&str> = r
            .nodes
            .iter()
            .map(|n| n.as_deref().unwrap_or("?"))
            .collect();
        writeln!(
            out,
            "recurring: {} — nodes {}",
            r.description,
            nodes.join(", ")
        )?;
    }
    if !s.symptoms.is_empty() {
        let first = s.symptoms.iter().find_map(|x| x.ts);
        let last = s.symptoms.iter().filter_map(|x| x.ts).max();
        writeln!(
            out,
            "DNS failures: {} lines{}",
            s.symptoms.len(),
            match (first, last) {
                (Some(a), Some(b)) => format!(
                    ", {} – {}",
                    a.format("%Y-%m-%d %H:%M"),
                    b.format("%Y-%m-%d %H:%M UTC")
                ),
                _ => String::new(),
            }
        )?;
    }
    writeln!(out, "\nnote: {}", crate::analysis::drops::BOUNDS_NOTE)?;
    for n in super::rolled_notes(&s.notes) {
        writeln!(out, "note: {n}")?;
    }
    for w in &s.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_durations() {
        assert_eq!(bar(0, 0, 10).chars().count(), BAR);
        let b = bar(1, 100, 100);
        assert!(b.starts_with('█'));
        assert_eq!(b.chars().filter(|c| *c == '░').count(), BAR - 1);
        assert_eq!(human(45), "45 s");
        assert_eq!(human(420), "7 min");
        assert_eq!(human(86_040), "23 h 54 min");
        assert_eq!(human(3 * 86_400 + 7200), "3 d 2 h");
    }
}
