//! Per-snapshot queries: what fills the table, who holds it, and how fast
//! connections are closing.

use std::collections::BTreeMap;
use std::net::IpAddr;

use polars::prelude::*;
use serde::Serialize;

use crate::facts::{CLOSING_STATES, Timeouts};
use crate::frame::{EntriesFrame, col};
use crate::model::State;
use crate::model::entry::proto_name;

/// Width of one bar of the close-rate history, seconds.
pub const CLOSE_BUCKET_S: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    pub ip: IpAddr,
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestinationRow {
    pub ip: IpAddr,
    pub port: Option<u16>,
    pub proto: String,
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortRow {
    pub proto: String,
    pub port: u16,
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRow {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub entries: u64,
}

/// Connections closed over the last `window_s` seconds, rebuilt from the ages
/// of entries in closing states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseHistory {
    pub window_s: u32,
    pub bucket_s: u32,
    /// Closes per second in each bucket, newest first (ages 0–10 s, 10–20 s, ...).
    pub closes_per_s: Vec<f64>,
    /// Entries whose remaining time exceeds their state's timeout, by state:
    /// the node runs longer timeouts than the ones assumed.
    pub beyond_timeout: BTreeMap<String, u64>,
}

/// Everything one snapshot says on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotStats {
    pub entries: u64,
    pub by_state: BTreeMap<String, u64>,
    pub by_proto: BTreeMap<String, u64>,
    pub by_family: BTreeMap<String, u64>,
    pub top_sources: Vec<SourceRow>,
    pub top_destinations: Vec<DestinationRow>,
    pub top_ports: Vec<PortRow>,
    pub top_pairs: Vec<PairRow>,
    pub unreplied: u64,
    pub syn_sent: u64,
    pub assured: u64,
    pub offloaded: u64,
    pub nat: u64,
    pub close_rate_per_s: Option<f64>,
    pub close_history: CloseHistory,
}

/// Key used in `by_state` for protocols that have no state (udp, icmp, ...).
pub const STATELESS: &str = "stateless";

/// Rounds to two decimals so JSON stays short and stable.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn proto_label(num: u32) -> String {
    match u8::try_from(num) {
        Ok(n) if proto_name(n) != "unknown" => proto_name(n).to_string(),
        _ => format!("proto-{num}"),
    }
}

fn u64_at(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.get(i))
}

fn u32_col(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u32>>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(c.u32()?.iter().collect())
}

fn u64_col(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u64>>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().collect())
}

/// Packed group keys: `dst << 25 | dport << 8 | proto`, with 65536 standing
/// for "no port" (ICMP, GRE, generic).
const KEY: &str = "key";
const DST_SHIFT: u64 = 1 << 25;
const NO_PORT: u64 = 65_536;

fn counts(df: &DataFrame) -> PolarsResult<Vec<Option<u64>>> {
    let c = df.column(col::ENTRIES)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().collect())
}

/// `keys` → number of entries, most first, ties by key, at most `n` rows.
fn top_by(lf: LazyFrame, keys: &[&str], n: usize) -> LazyFrame {
    let group: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut order = vec![col(col::ENTRIES)];
    order.extend(keys.iter().map(|k| col(*k)));
    let mut desc = vec![true];
    desc.extend(keys.iter().map(|_| false));
    let lf = lf
        .group_by(group)
        .agg([len().alias(col::ENTRIES)])
        .sort_by_exprs(
            order,
            SortMultipleOptions::default()
                .with_order_descending_multi(desc)
                .with_nulls_last(true),
        );
    if n == usize::MAX {
        lf
    } else {
        lf.limit(n as IdxSize)
    }
}

/// Runs the per-snapshot queries. `n` is the number of rows of each top list.
pub fn summarize(
    frame: &EntriesFrame,
    timeouts: &Timeouts,
    n: usize,
) -> PolarsResult<SnapshotStats> {
    let lf = frame.df.clone().lazy();
    let ip = |id: Option<u32>| id.and_then(|i| frame.ip(i));

    // Scalars in one pass.
    let as_u64 = |c: &str| col(c).cast(DataType::UInt64).sum().alias(c);
    let scalars = lf
        .clone()
        .select([
            len().cast(DataType::UInt64).alias(col::ENTRIES),
            as_u64(col::UNREPLIED),
            as_u64(col::ASSURED),
            as_u64(col::OFFLOADED),
            as_u64(col::NAT),
        ])
        .collect()?;
    let scalar = |c: &str| -> PolarsResult<u64> { Ok(u64_at(&scalars, c, 0)?.unwrap_or(0)) };
    let entries = scalar(col::ENTRIES)?;

    let mut by_state = BTreeMap::new();
    let df = top_by(lf.clone(), &[col::STATE], usize::MAX).collect()?;
    let (states, cnt) = (u32_col(&df, col::STATE)?, counts(&df)?);
    for (s, c) in states.into_iter().zip(cnt) {
        let key = match s
            .and_then(|s| u8::try_from(s).ok())
            .and_then(State::from_code)
        {
            Some(state) => state.name().to_string(),
            None => STATELESS.to_string(),
        };
        *by_state.entry(key).or_default() += c.unwrap_or(0);
    }

    let mut by_proto = BTreeMap::new();
    let df = top_by(lf.clone(), &[col::PROTO], usize::MAX).collect()?;
    for (p, c) in u32_col(&df, col::PROTO)?.into_iter().zip(counts(&df)?) {
        *by_proto.entry(proto_label(p.unwrap_or(0))).or_default() += c.unwrap_or(0);
    }

    let mut by_family = BTreeMap::new();
    let df = top_by(lf.clone(), &[col::FAMILY], usize::MAX).collect()?;
    for (f, c) in u32_col(&df, col::FAMILY)?.into_iter().zip(counts(&df)?) {
        by_family.insert(format!("ipv{}", f.unwrap_or(0)), c.unwrap_or(0));
    }

    let df = top_by(lf.clone(), &[col::SRC], n).collect()?;
    let top_sources = u32_col(&df, col::SRC)?
        .into_iter()
        .zip(counts(&df)?)
        .filter_map(|(s, c)| {
            Some(SourceRow {
                ip: ip(s)?,
                entries: c.unwrap_or(0),
            })
        })
        .collect();

    // Multi-column group-bys are several times slower than one u64 key:
    // pack (dst, dport, proto) into one and unpack the few rows kept.
    let key = col(col::DST).cast(DataType::UInt64) * lit(DST_SHIFT)
        + col(col::DPORT)
            .cast(DataType::UInt64)
            .fill_null(lit(NO_PORT))
            * lit(256u64)
        + col(col::PROTO).cast(DataType::UInt64);
    let df = top_by(lf.clone().select([key.alias(KEY)]), &[KEY], n).collect()?;
    let top_destinations = u64_col(&df, KEY)?
        .into_iter()
        .zip(counts(&df)?)
        .filter_map(|(k, c)| {
            let k = k?;
            let port = (k / 256) % (DST_SHIFT / 256);
            Some(DestinationRow {
                ip: ip(u32::try_from(k / DST_SHIFT).ok())?,
                port: u16::try_from(port).ok(),
                proto: proto_label((k % 256) as u32),
                entries: c.unwrap_or(0),
            })
        })
        .collect();

    let df = top_by(
        lf.clone().filter(col(col::DPORT).is_not_null()),
        &[col::PROTO, col::DPORT],
        n,
    )
    .collect()?;
    let top_ports = u32_col(&df, col::PROTO)?
        .into_iter()
        .zip(u32_col(&df, col::DPORT)?)
        .zip(counts(&df)?)
        .filter_map(|((proto, port), c)| {
            Some(PortRow {
                proto: proto_label(proto?),
                port: u16::try_from(port?).ok()?,
                entries: c.unwrap_or(0),
            })
        })
        .collect();

    let key = col(col::SRC).cast(DataType::UInt64) * lit(1u64 << 32)
        + col(col::DST).cast(DataType::UInt64);
    let df = top_by(lf.clone().select([key.alias(KEY)]), &[KEY], n).collect()?;
    let top_pairs = u64_col(&df, KEY)?
        .into_iter()
        .zip(counts(&df)?)
        .filter_map(|(k, c)| {
            let k = k?;
            Some(PairRow {
                src: ip(u32::try_from(k >> 32).ok())?,
                dst: ip(u32::try_from(k & 0xffff_ffff).ok())?,
                entries: c.unwrap_or(0),
            })
        })
        .collect();

    let close_history = close_history(lf, timeouts)?;
    let close_rate_per_s = (entries > 0).then(|| {
        let total: f64 = close_history.closes_per_s.iter().sum();
        round2(total / close_history.closes_per_s.len().max(1) as f64)
    });

    Ok(SnapshotStats {
        entries,
        syn_sent: by_state.get("SYN_SENT").copied().unwrap_or(0),
        by_state,
        by_proto,
        by_family,
        top_sources,
        top_destinations,
        top_ports,
        top_pairs,
        unreplied: scalar(col::UNREPLIED)?,
        assured: scalar(col::ASSURED)?,
        offloaded: scalar(col::OFFLOADED)?,
        nat: scalar(col::NAT)?,
        close_rate_per_s,
        close_history,
    })
}

/// For TCP entries in closing states, `state timeout − remaining` is how long
/// ago the state began; counting those ages in buckets gives the close rate
/// over the last `time_wait` seconds (CONNTRACK-FACTS: "one snapshot holds the
/// close-rate history of the last time_wait seconds").
fn close_history(lf: LazyFrame, timeouts: &Timeouts) -> PolarsResult<CloseHistory> {
    let window = timeouts.close_window().max(1);
    let bucket = CLOSE_BUCKET_S.min(window);
    let remaining = col(col::TIMEOUT).cast(DataType::Int64);
    let mut age: Option<Expr> = None;
    let mut chain: Option<ChainedThen> = None;
    let mut first: Option<Then> = None;
    for (state, name) in CLOSING_STATES {
        let t = i64::from(timeouts.get(name).unwrap_or(0));
        let cond = col(col::STATE).eq(lit(u32::from(state.code())));
        let value = lit(t) - remaining.clone();
        match (first.take(), chain.take()) {
            (None, None) => first = Some(when(cond).then(value)),
            (Some(f), None) => chain = Some(f.when(cond).then(value)),
            (_, Some(c)) => chain = Some(c.when(cond).then(value)),
        }
    }
    if let Some(c) = chain {
        age = Some(c.otherwise(lit(NULL).cast(DataType::Int64)));
    } else if let Some(f) = first {
        age = Some(f.otherwise(lit(NULL).cast(DataType::Int64)));
    }
    let Some(age) = age else {
        return Ok(CloseHistory {
            window_s: window,
            bucket_s: bucket,
            closes_per_s: Vec::new(),
            beyond_timeout: BTreeMap::new(),
        });
    };
    let aged = lf
        .filter(
            col(col::PROTO)
                .eq(lit(6u32))
                .and(col(col::TIMEOUT).is_not_null()),
        )
        .select([age.alias(col::AGE), col(col::STATE)])
        .filter(col(col::AGE).is_not_null());
    let beyond = aged
        .clone()
        .filter(col(col::AGE).lt(lit(0i64)))
        .group_by([col(col::STATE)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    let mut beyond_timeout = BTreeMap::new();
    for (state, c) in u32_col(&beyond, col::STATE)?
        .into_iter()
        .zip(counts(&beyond)?)
    {
        let name = state
            .and_then(|s| u8::try_from(s).ok())
            .and_then(State::from_code)
            .map_or("NONE", State::name);
        beyond_timeout.insert(name.to_string(), c.unwrap_or(0));
    }
    let hist = aged
        .filter(
            col(col::AGE)
                .gt_eq(lit(0i64))
                .and(col(col::AGE).lt(lit(i64::from(window)))),
        )
        .select([(col(col::AGE) / lit(i64::from(bucket))).alias(col::AGE)])
        .group_by([col(col::AGE)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    let buckets = window.div_ceil(bucket) as usize;
    let mut closes = vec![0u64; buckets];
    let ages = hist.column(col::AGE)?.cast(&DataType::Int64)?;
    let ages: Vec<Option<i64>> = ages.i64()?.iter().collect();
    for (a, c) in ages.into_iter().zip(counts(&hist)?) {
        if let Some(slot) = a
            .and_then(|a| usize::try_from(a).ok())
            .and_then(|a| closes.get_mut(a))
        {
            *slot += c.unwrap_or(0);
        }
    }
    // The last bucket may be shorter than the others.
    let closes_per_s = closes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let start = i as u32 * bucket;
            let width = bucket.min(window - start).max(1);
            round2(c as f64 / f64::from(width))
        })
        .collect();
    Ok(CloseHistory {
        window_s: window,
        bucket_s: bucket,
        closes_per_s,
        beyond_timeout,
    })
}
