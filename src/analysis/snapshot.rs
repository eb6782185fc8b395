//! Per-snapshot queries: what fills the table, who holds it, and how fast
//! connections are closing.

use std::collections::BTreeMap;
use std::net::IpAddr;

use polars::prelude::*;
use serde::Serialize;

use super::attribution::Who;
use super::count;
use crate::facts::{CLOSING_STATES, Timeout, Timeouts};
use crate::frame::{EntriesFrame, col};
use crate::model::State;
use crate::model::entry::proto_name;

/// Width of one bar of the close-rate history, seconds.
pub const CLOSE_BUCKET_S: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    pub ip: IpAddr,
    pub entries: u64,
    /// Who the address is (filled in by attribution).
    #[serde(flatten)]
    pub who: Who,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestinationRow {
    pub ip: IpAddr,
    pub port: Option<u16>,
    pub proto: String,
    pub entries: u64,
    #[serde(flatten)]
    pub who: Who,
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
    /// Entries per (original source address, state): the input of workload
    /// attribution. Not serialised.
    #[serde(skip)]
    pub by_source_state: Vec<AddrState>,
    /// Entries per (reply source = the backend that answered, state).
    #[serde(skip)]
    pub by_backend_state: Vec<AddrState>,
}

/// Entries of one address in one state (`None`: stateless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrState {
    pub ip: IpAddr,
    pub state: Option<State>,
    pub entries: u64,
}

/// Counts (address id, state) pairs.
fn addr_states(frame: &EntriesFrame, ids: &[u32], states: &[Option<u32>]) -> Vec<AddrState> {
    let keys: Vec<u64> = ids
        .iter()
        .zip(states)
        .map(|(id, st)| (u64::from(*id) << 8) | u64::from(st.unwrap_or(255).min(255)))
        .collect();
    count::top_keys(keys, usize::MAX)
        .into_iter()
        .filter_map(|(k, n)| {
            Some(AddrState {
                ip: frame.ip(u32::try_from(k >> 8).ok()?)?,
                state: u8::try_from(k & 0xff).ok().and_then(State::from_code),
                entries: n,
            })
        })
        .collect()
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

pub(super) fn u64_at(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.get(i))
}

pub(super) fn u32_col(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u32>>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(c.u32()?.iter().collect())
}

/// A column without nulls as plain values.
pub(super) fn u32_values(df: &DataFrame, name: &str) -> PolarsResult<Vec<u32>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(c.u32()?.iter().map(|v| v.unwrap_or(0)).collect())
}

/// Packed destination keys: `dst << 25 | dport << 8 | proto`, with 65536
/// standing for "no port" (ICMP, GRE, generic).
const DST_SHIFT: u64 = 1 << 25;
const NO_PORT: u64 = 65_536;

pub(super) fn counts(df: &DataFrame) -> PolarsResult<Vec<Option<u64>>> {
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
        lf.limit(IdxSize::try_from(n).unwrap_or(IdxSize::MAX))
    }
}

/// Runs the per-snapshot queries. `n` is the number of rows of each top
/// list; `per_address` adds the per-address state counts that workload
/// attribution needs.
pub fn summarize(
    frame: &EntriesFrame,
    timeouts: &Timeouts,
    n: usize,
    per_address: bool,
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

    // States, protocols and families in one group-by on a packed key:
    // state code (255 for none) << 16 | proto << 4 | family.
    let mix = col(col::STATE).fill_null(lit(255u32)) * lit(1u32 << 16)
        + col(col::PROTO) * lit(16u32)
        + col(col::FAMILY);
    let df = lf
        .clone()
        .select([mix.alias(col::STATE)])
        .group_by([col(col::STATE)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    let mut by_state = BTreeMap::new();
    let mut by_proto = BTreeMap::new();
    let mut by_family = BTreeMap::new();
    for (k, c) in u32_col(&df, col::STATE)?.into_iter().zip(counts(&df)?) {
        let (Some(k), Some(c)) = (k, c) else { continue };
        let state = match u8::try_from(k >> 16).ok().and_then(State::from_code) {
            Some(state) => state.name().to_string(),
            None => STATELESS.to_string(),
        };
        *by_state.entry(state).or_default() += c;
        *by_proto.entry(proto_label((k >> 4) & 0xfff)).or_default() += c;
        *by_family.entry(format!("ipv{}", k & 0xf)).or_default() += c;
    }

    // High-cardinality top lists are counted on packed keys (see `count`).
    let src = u32_values(&frame.df, col::SRC)?;
    let dst = u32_values(&frame.df, col::DST)?;
    let top_sources = count::top_dense(&src, frame.ips.len(), n)
        .into_iter()
        .filter_map(|(id, c)| {
            Some(SourceRow {
                ip: ip(u32::try_from(id).ok())?,
                entries: c,
                who: Who::default(),
            })
        })
        .collect();

    let dport = u32_col(&frame.df, col::DPORT)?;
    let proto = u32_values(&frame.df, col::PROTO)?;
    let keys: Vec<u64> = dst
        .iter()
        .zip(&dport)
        .zip(&proto)
        .map(|((d, p), pr)| {
            u64::from(*d) * DST_SHIFT + p.map_or(NO_PORT, u64::from) * 256 + u64::from(*pr & 0xff)
        })
        .collect();
    let top_destinations = count::top_keys(keys, n)
        .into_iter()
        .filter_map(|(k, c)| {
            let port = (k / 256) % (DST_SHIFT / 256);
            Some(DestinationRow {
                ip: ip(u32::try_from(k / DST_SHIFT).ok())?,
                port: u16::try_from(port).ok(),
                proto: proto_label((k % 256) as u32),
                entries: c,
                who: Who::default(),
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

    let keys: Vec<u64> = src
        .iter()
        .zip(&dst)
        .map(|(s, d)| (u64::from(*s) << 32) | u64::from(*d))
        .collect();
    let top_pairs = count::top_keys(keys, n)
        .into_iter()
        .filter_map(|(k, c)| {
            Some(PairRow {
                src: ip(u32::try_from(k >> 32).ok())?,
                dst: ip(u32::try_from(k & 0xffff_ffff).ok())?,
                entries: c,
            })
        })
        .collect();

    // Per-address state counts feed workload attribution; `top` skips them.
    let (by_source_state, by_backend_state) = if per_address {
        let states = u32_col(&frame.df, col::STATE)?;
        let reply_src = u32_values(&frame.df, col::REPLY_SRC)?;
        (
            addr_states(frame, &src, &states),
            addr_states(frame, &reply_src, &states),
        )
    } else {
        (Vec::new(), Vec::new())
    };

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
        by_source_state,
        by_backend_state,
    })
}

/// For TCP entries in closing states, `state timeout − remaining` is how long
/// ago the state began; counting those ages in buckets gives the close rate
/// over the last `time_wait` seconds (docs/facts.md, "What a snapshot is").
fn close_history(lf: LazyFrame, timeouts: &Timeouts) -> PolarsResult<CloseHistory> {
    let window = timeouts.close_window().max(1);
    let bucket = CLOSE_BUCKET_S.min(window);
    let remaining = col(col::TIMEOUT).cast(DataType::Int64);
    let state_is = |s: State| col(col::STATE).eq(lit(u32::from(s.code())));
    let age_in = |t: Timeout| lit(i64::from(timeouts.get(t))) - remaining.clone();
    // Keep closing TCP entries only, then give each its age.
    let [(s0, n0), (s1, n1), rest @ ..] = CLOSING_STATES;
    let mut closing = state_is(s0).or(state_is(s1));
    let mut chain = when(state_is(s0))
        .then(age_in(n0))
        .when(state_is(s1))
        .then(age_in(n1));
    for (state, name) in rest {
        closing = closing.or(state_is(state));
        chain = chain.when(state_is(state)).then(age_in(name));
    }
    let age = chain.otherwise(lit(NULL).cast(DataType::Int64));
    // One small result: (state, age bucket) → entries; bucket −1 means the
    // entry has more time left than its state's timeout.
    let bucket_of = when(col(col::AGE).lt(lit(0i64)))
        .then(lit(-1i64))
        .otherwise(col(col::AGE) / lit(i64::from(bucket)));
    let hist = lf
        .filter(
            col(col::PROTO)
                .eq(lit(6u32))
                .and(closing)
                .and(col(col::TIMEOUT).is_not_null()),
        )
        .select([age.alias(col::AGE), col(col::STATE)])
        .select([bucket_of.alias(col::AGE), col(col::STATE)])
        .group_by([col(col::STATE), col(col::AGE)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    let states = u32_col(&hist, col::STATE)?;
    let ages: Vec<Option<i64>> = hist
        .column(col::AGE)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let mut beyond_timeout = BTreeMap::new();
    let buckets = window.div_ceil(bucket) as usize;
    let mut closes = vec![0u64; buckets];
    for ((state, a), c) in states.into_iter().zip(ages).zip(counts(&hist)?) {
        let c = c.unwrap_or(0);
        match a {
            Some(-1) => {
                let name = state
                    .and_then(|s| u8::try_from(s).ok())
                    .and_then(State::from_code)
                    .map_or("NONE", State::name);
                *beyond_timeout.entry(name.to_string()).or_default() += c;
            }
            Some(a) => {
                if let Some(slot) = usize::try_from(a).ok().and_then(|a| closes.get_mut(a)) {
                    *slot += c;
                }
            }
            None => {}
        }
    }
    // The last bucket may be shorter than the others.
    let closes_per_s = closes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let start = crate::numbers::to_u32(i).saturating_mul(bucket);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{ChunkBuilder, merge_chunks};
    use crate::parse::conntrack::parse_listing;

    fn frame(lines: &[&str]) -> EntriesFrame {
        let text = lines.join("\n");
        let mut b = ChunkBuilder::new(lines.len());
        parse_listing(text.as_bytes(), 1, |e| b.push(e));
        merge_chunks(vec![b]).unwrap()
    }

    fn tcp(timeout: u32, state: &str, src: &str, dport: u16) -> String {
        format!(
            "tcp      6 {timeout} {state} src={src} dst=10.4.2.17 sport=40000 dport={dport} src=10.4.2.17 dst={src} sport={dport} dport=40000 [ASSURED] mark=0 use=1"
        )
    }

    #[test]
    fn close_history_uses_state_timeouts() {
        let lines = [
            tcp(115, "TIME_WAIT", "10.4.1.1", 4143), // closed 5 s ago
            tcp(114, "TIME_WAIT", "10.4.1.1", 4143), // 6 s
            tcp(60, "TIME_WAIT", "10.4.1.2", 4143),  // 60 s
            tcp(8, "CLOSE", "10.4.1.3", 80),         // 2 s
            tcp(3000, "CLOSE_WAIT", "10.4.1.4", 80), // longer than the 60 s default
            tcp(86000, "ESTABLISHED", "10.4.1.5", 443),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let s = summarize(&frame(&refs), &Timeouts::default(), 10, true).unwrap();
        let h = &s.close_history;
        assert_eq!(
            (h.window_s, h.bucket_s, h.closes_per_s.len()),
            (120, 10, 12)
        );
        assert_eq!(h.closes_per_s[0], 0.3); // 3 closes in the newest 10 s
        assert_eq!(h.closes_per_s[6], 0.1); // 1 close 60–70 s ago
        assert_eq!(h.beyond_timeout.get("CLOSE_WAIT"), Some(&1));
        assert_eq!(s.close_rate_per_s, Some(round2(4.0 / 120.0)));

        // With kube-proxy's close_wait of 3600 s the entry is no longer beyond.
        let mut t = Timeouts::default();
        t.set(Timeout::TcpCloseWait, 3600);
        let s = summarize(&frame(&refs), &t, 10, true).unwrap();
        assert!(s.close_history.beyond_timeout.is_empty());
    }

    #[test]
    fn counts_and_top_lists() {
        let lines = [
            tcp(100, "TIME_WAIT", "10.4.1.1", 4143),
            tcp(100, "TIME_WAIT", "10.4.1.1", 4143),
            tcp(100, "TIME_WAIT", "10.4.1.2", 80),
            "udp      17 20 src=10.4.1.2 dst=10.8.0.10 sport=5000 dport=53 [UNREPLIED] src=10.4.3.5 dst=10.4.1.2 sport=53 dport=5000 mark=0 use=1".to_string(),
            "icmp     1 29 src=10.4.1.2 dst=10.4.2.17 type=8 code=0 id=7 src=10.4.2.17 dst=10.4.1.2 type=0 code=0 id=7 mark=0 use=1".to_string(),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let s = summarize(&frame(&refs), &Timeouts::default(), 2, true).unwrap();
        assert_eq!(s.entries, 5);
        assert_eq!(s.by_state.get("TIME_WAIT"), Some(&3));
        assert_eq!(s.by_state.get(STATELESS), Some(&2));
        assert_eq!(s.by_proto.get("udp"), Some(&1));
        assert_eq!(s.by_family.get("ipv4"), Some(&5));
        assert_eq!(s.top_sources.len(), 2);
        assert_eq!(s.top_sources[0].ip.to_string(), "10.4.1.2");
        assert_eq!(s.top_sources[0].entries, 3);
        assert_eq!(s.top_destinations[0].port, Some(4143));
        assert_eq!(s.top_destinations[0].entries, 2);
        assert_eq!(s.top_ports[0].port, 4143);
        assert_eq!(s.top_pairs[0].entries, 2);
        assert_eq!((s.unreplied, s.nat, s.assured), (1, 1, 3));
        let icmp = summarize(&frame(&refs), &Timeouts::default(), 10, true).unwrap();
        assert!(
            icmp.top_destinations
                .iter()
                .any(|d| d.proto == "icmp" && d.port.is_none())
        );
    }
}
