//! A snapshot's frame reduced to its aggregates: every count, top list and
//! histogram the analysis reads of one snapshot, computed on the frame's
//! columns as soon as the snapshot is parsed. The frame is then dropped, so
//! memory holds one frame per snapshot in flight, not one per snapshot read.
//!
//! Nothing here depends on the node's settings: the close history, which
//! needs the node's timeouts, is kept as a histogram of (closing state,
//! seconds left) that the analysis turns into ages once the timeouts are
//! known.

use std::net::IpAddr;

use polars::prelude::*;

use super::{EntriesFrame, col, count};
use crate::facts::CLOSING_STATES;
use crate::model::State;

/// What to keep of each snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregateOptions {
    /// Rows of each top list.
    pub top: usize,
    /// Per-address state counts and the flows behind the causes that are not
    /// a full table (DNS, unreplied UDP, SNAT ports): they need the reply
    /// tuple's columns.
    pub per_address: bool,
}

impl Default for AggregateOptions {
    fn default() -> Self {
        AggregateOptions {
            top: 10,
            per_address: true,
        }
    }
}

impl AggregateOptions {
    /// The columns these aggregates read.
    pub fn projection(self) -> super::Projection {
        super::Projection {
            reply: self.per_address,
            extra: false,
        }
    }
}

/// Entries of one (state, protocol, family) mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// `None`: a protocol without states.
    pub state: Option<State>,
    pub proto: u32,
    /// 4 or 6.
    pub family: u32,
    pub entries: u64,
}

/// Entries towards one destination address, port and protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    pub ip: IpAddr,
    /// `None` for protocols without ports (ICMP, GRE, generic).
    pub port: Option<u16>,
    pub proto: u32,
    pub entries: u64,
}

/// Entries of one address in one state (`None`: stateless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrState {
    pub ip: IpAddr,
    pub state: Option<State>,
    pub entries: u64,
}

/// TCP entries in one closing state with the same seconds left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub state: State,
    pub remaining: u32,
    pub entries: u64,
}

/// Unreplied UDP entries sent to `dst` and answered (in the reply tuple)
/// by `backend`: after DNAT, the pod a service chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPair {
    pub dst: IpAddr,
    pub backend: IpAddr,
    pub port: Option<u16>,
    pub entries: u64,
}

/// Masqueraded entries from one SNAT address to one destination and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snat {
    pub proto: u32,
    pub snat_address: IpAddr,
    pub destination: IpAddr,
    pub port: u16,
    /// Entries, one source port each.
    pub ports_used: u64,
    pub lowest_port: Option<u16>,
    pub highest_port: Option<u16>,
}

/// Everything the analysis reads of one snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregates {
    pub entries: u64,
    pub unreplied: u64,
    pub assured: u64,
    pub offloaded: u64,
    pub nat: u64,
    pub mix: Vec<Mix>,
    pub top_sources: Vec<(IpAddr, u64)>,
    pub top_destinations: Vec<Destination>,
    /// (protocol, port, entries).
    pub top_ports: Vec<(u32, u16, u64)>,
    pub top_pairs: Vec<(IpAddr, IpAddr, u64)>,
    /// Entries per (original source address, state); with `per_address`.
    pub by_source_state: Vec<AddrState>,
    /// Entries per (reply source = the backend that answered, state).
    pub by_backend_state: Vec<AddrState>,
    pub closing: Vec<Closing>,
    /// UDP/53 entries, and of those the unreplied ones; with `per_address`.
    pub dns: (u64, u64),
    pub unreplied_udp: Vec<UdpPair>,
    pub snat: Vec<Snat>,
}

const UDP: u32 = 17;
const DNS_PORT: u32 = 53;
/// Unreplied UDP (destination, backend) pairs kept per snapshot: enough to
/// find every stale backend of a real incident, bounded on absurd inputs.
const MAX_UDP_PAIRS: u32 = 500;
/// SNAT destinations kept per snapshot, most ports used first.
const MAX_SNAT_ROWS: usize = 5;
/// Packed destination keys: `dst << 25 | dport << 8 | proto`, with 65536
/// standing for "no port" (ICMP, GRE, generic).
const DST_SHIFT: u64 = 1 << 25;
const NO_PORT: u64 = 65_536;

fn u64_at(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.get(i))
}

fn u32_col(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u32>>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(c.u32()?.iter().collect())
}

/// A column without nulls as plain values.
fn u32_values(df: &DataFrame, name: &str) -> PolarsResult<Vec<u32>> {
    let c = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(c.u32()?.iter().map(|v| v.unwrap_or(0)).collect())
}

fn counts(df: &DataFrame) -> PolarsResult<Vec<Option<u64>>> {
    let c = df.column(col::ENTRIES)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().collect())
}

fn state_of(code: u64) -> Option<State> {
    u8::try_from(code).ok().and_then(State::from_code)
}

/// `keys` → number of entries, most first, ties by key, at most `n` rows.
fn top_by(lf: LazyFrame, keys: &[&str], n: usize) -> LazyFrame {
    let group: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut order = vec![col(col::ENTRIES)];
    order.extend(keys.iter().map(|k| col(*k)));
    let mut desc = vec![true];
    desc.extend(keys.iter().map(|_| false));
    lf.group_by(group)
        .agg([len().alias(col::ENTRIES)])
        .sort_by_exprs(
            order,
            SortMultipleOptions::default()
                .with_order_descending_multi(desc)
                .with_nulls_last(true),
        )
        .limit(IdxSize::try_from(n).unwrap_or(IdxSize::MAX))
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
                state: state_of(k & 0xff),
                entries: n,
            })
        })
        .collect()
}

/// Runs every per-snapshot query on `frame`.
pub fn aggregate(frame: &EntriesFrame, opts: AggregateOptions) -> PolarsResult<Aggregates> {
    let n = opts.top;
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

    // States, protocols and families in one group-by on a packed key:
    // state code (255 for none) << 16 | proto << 4 | family.
    let packed = col(col::STATE).fill_null(lit(255u32)) * lit(1u32 << 16)
        + col(col::PROTO) * lit(16u32)
        + col(col::FAMILY);
    let df = lf
        .clone()
        .select([packed.alias(col::STATE)])
        .group_by([col(col::STATE)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    let mix = u32_col(&df, col::STATE)?
        .into_iter()
        .zip(counts(&df)?)
        .filter_map(|(k, c)| {
            let (k, c) = (k?, c?);
            Some(Mix {
                state: state_of(u64::from(k >> 16)),
                proto: (k >> 4) & 0xfff,
                family: k & 0xf,
                entries: c,
            })
        })
        .collect();

    // High-cardinality top lists are counted on packed keys (see `count`).
    let src = u32_values(&frame.df, col::SRC)?;
    let dst = u32_values(&frame.df, col::DST)?;
    let top_sources = count::top_dense(&src, frame.ips.len(), n)
        .into_iter()
        .filter_map(|(id, c)| Some((ip(u32::try_from(id).ok())?, c)))
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
            Some(Destination {
                ip: ip(u32::try_from(k / DST_SHIFT).ok())?,
                port: u16::try_from(port).ok(),
                proto: u32::try_from(k % 256).ok()?,
                entries: c,
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
        .filter_map(|((proto, port), c)| Some((proto?, u16::try_from(port?).ok()?, c.unwrap_or(0))))
        .collect();

    let keys: Vec<u64> = src
        .iter()
        .zip(&dst)
        .map(|(s, d)| (u64::from(*s) << 32) | u64::from(*d))
        .collect();
    let top_pairs = count::top_keys(keys, n)
        .into_iter()
        .filter_map(|(k, c)| {
            Some((
                ip(u32::try_from(k >> 32).ok())?,
                ip(u32::try_from(k & 0xffff_ffff).ok())?,
                c,
            ))
        })
        .collect();

    let closing = closing(lf.clone())?;

    let mut out = Aggregates {
        entries: scalar(col::ENTRIES)?,
        unreplied: scalar(col::UNREPLIED)?,
        assured: scalar(col::ASSURED)?,
        offloaded: scalar(col::OFFLOADED)?,
        nat: scalar(col::NAT)?,
        mix,
        top_sources,
        top_destinations,
        top_ports,
        top_pairs,
        closing,
        ..Aggregates::default()
    };
    if opts.per_address {
        let states = u32_col(&frame.df, col::STATE)?;
        let reply_src = u32_values(&frame.df, col::REPLY_SRC)?;
        out.by_source_state = addr_states(frame, &src, &states);
        out.by_backend_state = addr_states(frame, &reply_src, &states);
        flows(frame, lf, &mut out)?;
    }
    Ok(out)
}

/// TCP entries in closing states, by (state, seconds left).
fn closing(lf: LazyFrame) -> PolarsResult<Vec<Closing>> {
    let state_is = |s: State| col(col::STATE).eq(lit(u32::from(s.code())));
    let [(s0, _), rest @ ..] = CLOSING_STATES;
    let mut any = state_is(s0);
    for (state, _) in rest {
        any = any.or(state_is(state));
    }
    let df = lf
        .filter(
            col(col::PROTO)
                .eq(lit(6u32))
                .and(any)
                .and(col(col::TIMEOUT).is_not_null()),
        )
        .group_by([col(col::STATE), col(col::TIMEOUT)])
        .agg([len().alias(col::ENTRIES)])
        .collect()?;
    Ok(u32_col(&df, col::STATE)?
        .into_iter()
        .zip(u32_col(&df, col::TIMEOUT)?)
        .zip(counts(&df)?)
        .filter_map(|((s, t), c)| {
            Some(Closing {
                state: state_of(u64::from(s?))?,
                remaining: t?,
                entries: c?,
            })
        })
        .collect())
}

/// DNS entries, unreplied UDP by backend, SNAT ports: the flows behind the
/// causes that are not a full table.
fn flows(frame: &EntriesFrame, lf: LazyFrame, out: &mut Aggregates) -> PolarsResult<()> {
    let ip = |id: Option<u32>| id.and_then(|i| frame.ip(i));
    let udp = col(col::PROTO).eq(lit(UDP));
    let df = lf
        .clone()
        .filter(udp.clone().and(col(col::DPORT).eq(lit(DNS_PORT))))
        .select([
            len().cast(DataType::UInt64).alias(col::ENTRIES),
            col(col::UNREPLIED)
                .cast(DataType::UInt64)
                .sum()
                .alias(col::UNREPLIED),
        ])
        .collect()?;
    out.dns = (
        u64_at(&df, col::ENTRIES, 0)?.unwrap_or(0),
        u64_at(&df, col::UNREPLIED, 0)?.unwrap_or(0),
    );

    let df = lf
        .filter(udp.and(col(col::UNREPLIED)))
        .group_by([col(col::DST), col(col::REPLY_SRC), col(col::DPORT)])
        .agg([len().alias(col::ENTRIES)])
        .sort_by_exprs(
            [
                col(col::ENTRIES),
                col(col::DST),
                col(col::REPLY_SRC),
                col(col::DPORT),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false, false, false])
                .with_nulls_last(true),
        )
        .limit(MAX_UDP_PAIRS)
        .collect()?;
    out.unreplied_udp = u32_col(&df, col::DST)?
        .into_iter()
        .zip(u32_col(&df, col::REPLY_SRC)?)
        .zip(u32_col(&df, col::DPORT)?)
        .zip(counts(&df)?)
        .filter_map(|(((d, b), p), c)| {
            Some(UdpPair {
                dst: ip(d)?,
                backend: ip(b)?,
                port: p.and_then(|p| u16::try_from(p).ok()),
                entries: c.unwrap_or(0),
            })
        })
        .collect();
    out.snat = snat(frame)?;
    Ok(())
}

/// Source NAT: the reply goes to another address than the one that sent.
/// One pass over the columns with a hash map of (protocol, SNAT address,
/// destination, port): faster than a four-key group-by on large tables.
fn snat(frame: &EntriesFrame) -> PolarsResult<Vec<Snat>> {
    let df = &frame.df;
    let src = u32_values(df, col::SRC)?;
    let reply_dst = u32_values(df, col::REPLY_DST)?;
    let reply_src = u32_values(df, col::REPLY_SRC)?;
    let proto = u32_values(df, col::PROTO)?;
    let sport = u32_col(df, col::REPLY_SPORT)?;
    let dport = u32_col(df, col::REPLY_DPORT)?;
    // (entries, lowest port, highest port) per packed key.
    let mut by: rustc_hash::FxHashMap<u128, (u64, u32, u32)> = rustc_hash::FxHashMap::default();
    for i in 0..src.len() {
        let (Some(&s), Some(&rd), Some(&rs), Some(&p)) =
            (src.get(i), reply_dst.get(i), reply_src.get(i), proto.get(i))
        else {
            continue;
        };
        let (Some(Some(sp)), Some(Some(dp))) = (sport.get(i), dport.get(i)) else {
            continue;
        };
        if s == rd {
            continue;
        }
        // Ties sort by SNAT address, destination, port: the key's order.
        let key = (u128::from(rd) << 96)
            | (u128::from(rs) << 64)
            | (u128::from(*sp) << 32)
            | u128::from(p);
        let slot = by.entry(key).or_insert((0, u32::MAX, 0));
        slot.0 += 1;
        slot.1 = slot.1.min(*dp);
        slot.2 = slot.2.max(*dp);
    }
    let mut rows: Vec<(u128, (u64, u32, u32))> = by.into_iter().collect();
    rows.sort_unstable_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let port = |p: u32| u16::try_from(p).ok();
    let part = |k: u128, shift: u32| u32::try_from((k >> shift) & 0xffff_ffff).ok();
    Ok(rows
        .into_iter()
        .take(MAX_SNAT_ROWS)
        .filter_map(|(k, (used, lo, hi))| {
            Some(Snat {
                proto: part(k, 0)?,
                snat_address: frame.ip(part(k, 96)?)?,
                destination: frame.ip(part(k, 64)?)?,
                port: port(part(k, 32)?)?,
                ports_used: used,
                lowest_port: port(lo),
                highest_port: port(hi),
            })
        })
        .collect())
}
