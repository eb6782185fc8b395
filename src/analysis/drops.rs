//! Drops over time: per-node buckets of logged drops and their upper bound,
//! bursts, daily recurrences, DNS symptoms, and the cross-check of log
//! counts against `conntrack -S` counters.
//!
//! Bounds (docs/facts.md, "When the table is full"): every logged
//! `table full` line is one dropped packet, so logged lines are a lower
//! bound. `N callbacks suppressed` counts messages the rate limit swallowed;
//! its budget is shared by every `net_ratelimit` caller, so logged +
//! suppressed is an upper bound, not a count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use polars::prelude::*;
use serde::Serialize;

use super::stats::StatsRow;
use crate::model::{At, EventKind, LogEvent};

/// How suppressed counts relate to drops: said once in every report.
pub const BOUNDS_NOTE: &str = "logged drops are a lower bound of dropped packets; logged + suppressed is an upper bound, because the rate-limit budget behind `callbacks suppressed` is shared with other kernel network messages";

/// A `net_ratelimit` summary counts as conntrack's when a drop of the same
/// node is logged this close to it.
const SUPPRESSED_NEAR_S: i64 = 10;

#[derive(Debug, Clone)]
pub struct DropOptions {
    pub bucket_s: u32,
    pub burst_gap_s: u32,
    /// Bursts on different days whose start times of day are this close recur.
    pub recurrence_window_min: u32,
    /// A snapshot this close to a burst names its suspects.
    pub window_s: u32,
}

impl Default for DropOptions {
    fn default() -> Self {
        DropOptions {
            bucket_s: 60,
            burst_gap_s: 300,
            recurrence_window_min: 30,
            window_s: 900,
        }
    }
}

/// Which clock a node's timeline is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    Utc,
    /// Seconds since boot: no boot time was known.
    SinceBoot,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Start of the bucket: RFC 3339 on the UTC clock.
    pub start: Option<DateTime<Utc>>,
    /// Start of the bucket in seconds since boot, on the since-boot clock.
    pub start_since_boot: Option<i64>,
    pub logged: u64,
    pub upper_bound: u64,
    pub dns_failures: u64,
}

impl Bucket {
    /// Start in seconds on the node's clock (Unix time or since boot).
    pub fn start_s(&self) -> Option<i64> {
        self.start.map(|t| t.timestamp()).or(self.start_since_boot)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeDrops {
    pub node: Option<String>,
    pub clock: Clock,
    pub boot: u32,
    pub logged: u64,
    pub suppressed: u64,
    pub upper_bound: u64,
    pub expectation_full: u64,
    /// Buckets with anything in them, in time order.
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drops {
    /// Every logged drop, those whose time could not be read included.
    pub total_logged: u64,
    pub total_suppressed: u64,
    pub lower_bound: u64,
    pub upper_bound: u64,
    pub expectation_full: u64,
    pub bucket_s: u32,
    pub note: &'static str,
    pub per_node: Vec<NodeDrops>,
    /// Per node, the messages whose time could not be read: in the totals
    /// and bounds above, in no bucket or burst.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_unknown: Vec<UnplacedDrops>,
}

/// Log messages of one node whose time could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnplacedDrops {
    pub node: Option<String>,
    pub logged: u64,
    pub suppressed: u64,
    pub expectation_full: u64,
    pub dns_failures: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Burst {
    pub node: Option<String>,
    pub clock: Clock,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub start_since_boot: Option<i64>,
    pub end_since_boot: Option<i64>,
    pub duration_s: i64,
    pub logged: u64,
    pub upper_bound: u64,
    pub peak_per_min: u64,
    /// The counter capture interval that covers the burst, when there is one.
    pub counters: Option<CounterCheck>,
    /// The snapshot of the node nearest to the burst, within the window.
    pub snapshot: Option<BurstSnapshot>,
    /// Workloads holding that snapshot's table, most first.
    pub suspects: Vec<Suspect>,
    /// Why there are no suspects, when there are none.
    pub note: Option<String>,
}

impl Burst {
    /// Start in seconds on the node's clock (Unix time or since boot).
    pub fn start_s(&self) -> Option<i64> {
        self.start.map(|t| t.timestamp()).or(self.start_since_boot)
    }

    /// End in seconds on the node's clock (Unix time or since boot).
    pub fn end_s(&self) -> Option<i64> {
        self.end.map(|t| t.timestamp()).or(self.end_since_boot)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurstSnapshot {
    pub path: String,
    pub captured_at: DateTime<Utc>,
    pub entries: u64,
    pub utilization: Option<f64>,
    /// Seconds between the snapshot and the burst (0 when taken during it).
    pub distance_s: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    pub workload: super::attribution::Workload,
    pub entries: u64,
    pub share: f64,
    pub by_state: BTreeMap<String, u64>,
    /// How the workload's entries moved with the node's drop rate across
    /// its snapshots (Pearson), when there are two or more.
    pub correlation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recurrence {
    /// Median start time of day, `HH:MM` UTC.
    pub time_of_day: String,
    pub description: String,
    pub days: Vec<String>,
    pub nodes: Vec<Option<String>>,
    pub bursts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Symptom {
    pub node: Option<String>,
    pub ts: Option<DateTime<Utc>>,
    pub path: String,
    pub line: u64,
    pub text: String,
}

/// What the counters say about one interval between two captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// `drop` or `early_drop` rose: the table was full.
    Exhaustion,
    /// `insert_failed` rose above its threshold rate while the table had
    /// room: races on insert (the DNS 5-second-timeout problem), not
    /// exhaustion.
    ClashRaces,
    Quiet,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CounterCheck {
    pub node: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval_s: f64,
    pub drop: Option<u64>,
    pub early_drop: Option<u64>,
    pub insert_failed: Option<u64>,
    /// Drops logged in the same interval, and their upper bound.
    pub logged: u64,
    pub upper_bound: u64,
    pub utilization: Option<f64>,
    pub verdict: Verdict,
}

/// Keeps suppressed counts that belong to conntrack: its own func's, or a
/// shared summary within [`SUPPRESSED_NEAR_S`] of a logged drop of the same
/// node. Returns the events kept and how many summaries were set aside.
pub fn attach_suppressed(events: Vec<(LogEvent, bool)>) -> (Vec<LogEvent>, u64) {
    let mut drops: BTreeMap<(Option<String>, u32), Vec<i64>> = BTreeMap::new();
    let key_time = |e: &LogEvent| -> Option<i64> {
        e.at.seconds().map(|s| crate::numbers::round_i64(s.floor()))
    };
    for (e, _) in &events {
        if e.kind == EventKind::Drop {
            if let Some(t) = key_time(e) {
                drops
                    .entry((e.node.clone(), e.at.boot()))
                    .or_default()
                    .push(t);
            }
        }
    }
    for v in drops.values_mut() {
        v.sort_unstable();
    }
    let mut set_aside = 0;
    let kept = events
        .into_iter()
        .filter_map(|(e, conntrack_func)| {
            if e.kind != EventKind::Suppressed || conntrack_func {
                return Some(e);
            }
            let near = key_time(&e).is_some_and(|t| {
                drops.get(&(e.node.clone(), e.at.boot())).is_some_and(|v| {
                    let i = v.partition_point(|&d| d < t - SUPPRESSED_NEAR_S);
                    v.get(i).is_some_and(|&d| d <= t + SUPPRESSED_NEAR_S)
                })
            });
            if near {
                Some(e)
            } else {
                set_aside += 1;
                None
            }
        })
        .collect();
    (kept, set_aside)
}

const NODE: &str = "node";
const T: &str = "t";
const UTC: &str = "utc";
const BOOT: &str = "boot";
const KIND: &str = "kind";
const COUNT: &str = "count";
const BUCKET: &str = "bucket";
const LOGGED: &str = "logged";
const SUPPRESSED: &str = "suppressed";
const EXPECT: &str = "expectation_full";
const DNS: &str = "dns";

/// Sums of the events whose time is unknown, per node.
fn unplaced(events: &[LogEvent]) -> Vec<UnplacedDrops> {
    let mut by: BTreeMap<Option<String>, UnplacedDrops> = BTreeMap::new();
    for e in events.iter().filter(|e| e.at == At::Unknown) {
        let u = by.entry(e.node.clone()).or_insert_with(|| UnplacedDrops {
            node: e.node.clone(),
            ..UnplacedDrops::default()
        });
        match e.kind {
            EventKind::Drop => u.logged += e.count,
            EventKind::Suppressed => u.suppressed += e.count,
            EventKind::ExpectationFull => u.expectation_full += e.count,
            EventKind::DnsFailure => u.dns_failures += e.count,
            EventKind::Vmalloc => {}
        }
    }
    by.into_values().collect()
}

/// Events → one frame (node, t in ms, clock, boot, kind, count).
fn events_frame(events: &[LogEvent]) -> PolarsResult<DataFrame> {
    let placed: Vec<&LogEvent> = events.iter().filter(|e| e.at != At::Unknown).collect();
    let node: Vec<Option<&str>> = placed.iter().map(|e| e.node.as_deref()).collect();
    let t: Vec<i64> = placed
        .iter()
        .map(|e| match e.at {
            At::Utc(ts) => ts.timestamp_millis(),
            At::SinceBoot { secs, .. } => crate::numbers::round_i64((secs * 1000.0).trunc()),
            At::Unknown => 0,
        })
        .collect();
    let utc: Vec<bool> = placed.iter().map(|e| e.at.utc().is_some()).collect();
    let boot: Vec<u32> = placed.iter().map(|e| e.at.boot()).collect();
    let kind: Vec<u32> = placed.iter().map(|e| e.kind.code()).collect();
    let count: Vec<u64> = placed.iter().map(|e| e.count).collect();
    DataFrame::new(
        placed.len(),
        vec![
            Column::new(NODE.into(), node),
            Column::new(T.into(), t),
            Column::new(UTC.into(), utc),
            Column::new(BOOT.into(), boot),
            Column::new(KIND.into(), kind),
            Column::new(COUNT.into(), count),
        ],
    )
}

/// Sums per node, clock, boot and bucket.
fn bucket_query(df: DataFrame, bucket_ms: i64) -> LazyFrame {
    let of = |k: EventKind| col(COUNT).filter(col(KIND).eq(lit(k.code()))).sum();
    df.lazy()
        .with_column(((col(T) / lit(bucket_ms)) * lit(bucket_ms)).alias(BUCKET))
        .group_by([col(NODE), col(UTC), col(BOOT), col(BUCKET)])
        .agg([
            of(EventKind::Drop).alias(LOGGED),
            of(EventKind::Suppressed).alias(SUPPRESSED),
            of(EventKind::ExpectationFull).alias(EXPECT),
            of(EventKind::DnsFailure).alias(DNS),
        ])
        .sort_by_exprs(
            [col(NODE), col(UTC), col(BOOT), col(BUCKET)],
            SortMultipleOptions::default()
                .with_order_descending_multi([false, true, false, false])
                .with_nulls_last(true),
        )
}

#[derive(Debug, Clone)]
struct Row {
    node: Option<String>,
    utc: bool,
    boot: u32,
    bucket_ms: i64,
    logged: u64,
    suppressed: u64,
    expect: u64,
    dns: u64,
}

fn rows(df: &DataFrame) -> PolarsResult<Vec<Row>> {
    let node: Vec<Option<String>> = df
        .column(NODE)?
        .str()?
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    let utc: Vec<Option<bool>> = df.column(UTC)?.bool()?.iter().collect();
    let boot: Vec<Option<u32>> = df.column(BOOT)?.u32()?.iter().collect();
    let bucket: Vec<Option<i64>> = df.column(BUCKET)?.i64()?.iter().collect();
    let u = |name: &str| -> PolarsResult<Vec<u64>> {
        let c = df.column(name)?.cast(&DataType::UInt64)?;
        Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
    };
    let (logged, suppressed, expect, dns) = (u(LOGGED)?, u(SUPPRESSED)?, u(EXPECT)?, u(DNS)?);
    Ok((0..df.height())
        .map(|i| Row {
            node: node[i].clone(),
            utc: utc[i].unwrap_or(false),
            boot: boot[i].unwrap_or(0),
            bucket_ms: bucket[i].unwrap_or(0),
            logged: logged[i],
            suppressed: suppressed[i],
            expect: expect[i],
            dns: dns[i],
        })
        .collect())
}

fn ms_to_utc(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// Buckets per node and the bursts they form.
pub fn timeline(events: &[LogEvent], opts: &DropOptions) -> PolarsResult<(Drops, Vec<Burst>)> {
    let bucket_ms = i64::from(opts.bucket_s.max(1)) * 1000;
    let df = events_frame(events)?;
    let rows = rows(&bucket_query(df, bucket_ms).collect()?)?;

    let mut per_node: Vec<NodeDrops> = Vec::new();
    for r in &rows {
        let clock = if r.utc { Clock::Utc } else { Clock::SinceBoot };
        let same = per_node
            .last()
            .is_some_and(|n| n.node == r.node && n.clock == clock && n.boot == r.boot);
        if !same {
            per_node.push(NodeDrops {
                node: r.node.clone(),
                clock,
                boot: r.boot,
                logged: 0,
                suppressed: 0,
                upper_bound: 0,
                expectation_full: 0,
                buckets: Vec::new(),
            });
        }
        let Some(n) = per_node.last_mut() else {
            continue;
        };
        n.logged += r.logged;
        n.suppressed += r.suppressed;
        n.upper_bound += r.logged + r.suppressed;
        n.expectation_full += r.expect;
        n.buckets.push(Bucket {
            start: if r.utc { ms_to_utc(r.bucket_ms) } else { None },
            start_since_boot: (!r.utc).then_some(r.bucket_ms / 1000),
            logged: r.logged,
            upper_bound: r.logged + r.suppressed,
            dns_failures: r.dns,
        });
    }

    let mut bursts = Vec::new();
    let gap_ms = i64::from(opts.burst_gap_s) * 1000;
    for n in &per_node {
        let mut current: Option<(i64, i64, u64, u64, u64)> = None; // start, end, logged, upper, peak
        let flush = |c: (i64, i64, u64, u64, u64), bursts: &mut Vec<Burst>| {
            let (start, end, logged, upper, peak) = c;
            let utc = n.clock == Clock::Utc;
            bursts.push(Burst {
                node: n.node.clone(),
                clock: n.clock,
                start: if utc { ms_to_utc(start) } else { None },
                end: if utc { ms_to_utc(end) } else { None },
                start_since_boot: (!utc).then_some(start / 1000),
                end_since_boot: (!utc).then_some(end / 1000),
                duration_s: (end - start) / 1000,
                logged,
                upper_bound: upper,
                peak_per_min: peak,
                counters: None,
                snapshot: None,
                suspects: Vec::new(),
                note: None,
            });
        };
        for b in &n.buckets {
            if b.upper_bound == 0 {
                continue;
            }
            let start = match (b.start, b.start_since_boot) {
                (Some(t), _) => t.timestamp_millis(),
                (None, Some(s)) => s * 1000,
                _ => continue,
            };
            let end = start + bucket_ms;
            // Logged drops scaled to one minute.
            let per_min = b.logged * 60_000 / bucket_ms.max(1) as u64;
            current = match current {
                Some(c) if start - c.1 <= gap_ms => Some((
                    c.0,
                    end,
                    c.2 + b.logged,
                    c.3 + b.upper_bound,
                    c.4.max(per_min),
                )),
                Some(c) => {
                    flush(c, &mut bursts);
                    Some((start, end, b.logged, b.upper_bound, per_min))
                }
                None => Some((start, end, b.logged, b.upper_bound, per_min)),
            };
        }
        if let Some(c) = current {
            flush(c, &mut bursts);
        }
    }

    let time_unknown = unplaced(events);
    let (u_logged, u_suppressed, u_expect) = time_unknown.iter().fold((0, 0, 0), |(a, b, c), u| {
        (a + u.logged, b + u.suppressed, c + u.expectation_full)
    });
    let drops = Drops {
        total_logged: per_node.iter().map(|n| n.logged).sum::<u64>() + u_logged,
        total_suppressed: per_node.iter().map(|n| n.suppressed).sum::<u64>() + u_suppressed,
        lower_bound: per_node.iter().map(|n| n.logged).sum::<u64>() + u_logged,
        upper_bound: per_node.iter().map(|n| n.upper_bound).sum::<u64>() + u_logged + u_suppressed,
        expectation_full: per_node.iter().map(|n| n.expectation_full).sum::<u64>() + u_expect,
        bucket_s: opts.bucket_s,
        note: BOUNDS_NOTE,
        per_node,
        time_unknown,
    };
    Ok((drops, bursts))
}

fn minutes_of_day(t: DateTime<Utc>) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

fn circular_gap(a: i64, b: i64) -> i64 {
    let d = (a - b).rem_euclid(1440);
    d.min(1440 - d)
}

/// Bursts on two or more days that start at about the same time of day.
pub fn recurrences(bursts: &[Burst], opts: &DropOptions) -> Vec<Recurrence> {
    let window = i64::from(opts.recurrence_window_min);
    let mut starts: Vec<(i64, &Burst, DateTime<Utc>)> = bursts
        .iter()
        .filter_map(|b| b.start.map(|s| (minutes_of_day(s), b, s)))
        .collect();
    starts.sort_by_key(|(m, _, s)| (*m, *s));
    let mut groups: Vec<Vec<(i64, &Burst, DateTime<Utc>)>> = Vec::new();
    for item in starts {
        match groups
            .iter_mut()
            .find(|g| circular_gap(g[0].0, item.0) <= window)
        {
            Some(g) => g.push(item),
            None => groups.push(vec![item]),
        }
    }
    let mut out = Vec::new();
    for g in groups {
        let days: BTreeSet<String> = g
            .iter()
            .map(|(_, _, s)| s.format("%Y-%m-%d").to_string())
            .collect();
        if days.len() < 2 {
            continue;
        }
        let mut minutes: Vec<i64> = g.iter().map(|(m, _, _)| *m).collect();
        minutes.sort_unstable();
        let median = minutes[minutes.len() / 2];
        let tod = NaiveTime::from_hms_opt(
            crate::numbers::to_u32(median / 60),
            crate::numbers::to_u32(median % 60),
            0,
        )
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default();
        let nodes: BTreeSet<Option<String>> = g.iter().map(|(_, b, _)| b.node.clone()).collect();
        out.push(Recurrence {
            description: format!(
                "daily around {tod} UTC: {} bursts on {} days ({})",
                g.len(),
                days.len(),
                days.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            time_of_day: tod,
            days: days.into_iter().collect(),
            nodes: nodes.into_iter().collect(),
            bursts: g.len(),
        });
    }
    out
}

/// Log counts beside counter deltas, for every interval between two
/// captures of a node. `limit` gives each node's `nf_conntrack_max`.
pub fn counter_checks(
    stats: &[StatsRow],
    events: &[LogEvent],
    limit: &dyn Fn(&Option<String>) -> Option<u64>,
    thresholds: &super::thresholds::Thresholds,
) -> Vec<CounterCheck> {
    let mut out = Vec::new();
    for s in stats {
        let (Some(r), Some(to)) = (&s.rates, s.captured_at) else {
            continue;
        };
        let from = r.since;
        let inside =
            |e: &&LogEvent| e.node == s.node && e.at.utc().is_some_and(|t| t >= from && t <= to);
        let logged: u64 = events
            .iter()
            .filter(inside)
            .filter(|e| e.kind == EventKind::Drop)
            .map(|e| e.count)
            .sum();
        let suppressed: u64 = events
            .iter()
            .filter(inside)
            .filter(|e| e.kind == EventKind::Suppressed)
            .map(|e| e.count)
            .sum();
        let delta = |k: &str| r.delta.get(k).copied();
        let utilization = match (s.entries, limit(&s.node)) {
            (Some(e), Some(l)) if l > 0 => Some(super::snapshot::round2(e as f64 / l as f64)),
            _ => None,
        };
        let rose = |k: &str| delta(k).is_some_and(|d| d > 0);
        let verdict = if rose("drop") || rose("early_drop") {
            Verdict::Exhaustion
        } else if r.per_s.get("insert_failed").copied().unwrap_or(0.0)
            > thresholds.insert_failed_per_s
            && utilization.is_none_or(|u| u < thresholds.full)
        {
            Verdict::ClashRaces
        } else {
            Verdict::Quiet
        };
        out.push(CounterCheck {
            node: s.node.clone(),
            from,
            to,
            interval_s: r.interval_s,
            drop: delta("drop"),
            early_drop: delta("early_drop"),
            insert_failed: delta("insert_failed"),
            logged,
            upper_bound: logged + suppressed,
            utilization,
            verdict,
        });
    }
    out
}

/// Gives each UTC burst the counter interval that overlaps it most.
pub fn attach_checks(bursts: &mut [Burst], checks: &[CounterCheck]) {
    for b in bursts.iter_mut() {
        let (Some(start), Some(end)) = (b.start, b.end) else {
            continue;
        };
        b.counters = checks
            .iter()
            .filter(|c| c.node == b.node)
            .filter_map(|c| {
                let overlap = c.to.min(end) - c.from.max(start);
                (overlap > Duration::zero()).then_some((overlap, c))
            })
            .max_by_key(|(o, _)| *o)
            .map(|(_, c)| c.clone());
    }
}
