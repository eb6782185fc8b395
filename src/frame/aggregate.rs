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
use rustc_hash::FxHashMap;

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

/// Arrow arrays of polars' chunks.
type U32Array = <UInt32Type as PolarsDataType>::Array;
type BoolArray = <BooleanType as PolarsDataType>::Array;

/// The columns one pass reads, chunk by chunk (every column of a frame
/// has the same chunks: they were built together).
struct Chunks<'a> {
    family: Vec<&'a U32Array>,
    proto: Vec<&'a U32Array>,
    state: Vec<&'a U32Array>,
    timeout: Vec<&'a U32Array>,
    src: Vec<&'a U32Array>,
    dst: Vec<&'a U32Array>,
    dport: Vec<&'a U32Array>,
    flags: [Vec<&'a BoolArray>; 4],
}

fn u32_chunks<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<&'a U32Array>> {
    Ok(df
        .column(name)?
        .as_materialized_series()
        .u32()?
        .downcast_iter()
        .collect())
}

fn bool_chunks<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<&'a BoolArray>> {
    Ok(df
        .column(name)?
        .as_materialized_series()
        .bool()?
        .downcast_iter()
        .collect())
}

impl<'a> Chunks<'a> {
    fn of(df: &'a DataFrame) -> PolarsResult<Chunks<'a>> {
        let c = Chunks {
            family: u32_chunks(df, col::FAMILY)?,
            proto: u32_chunks(df, col::PROTO)?,
            state: u32_chunks(df, col::STATE)?,
            timeout: u32_chunks(df, col::TIMEOUT)?,
            src: u32_chunks(df, col::SRC)?,
            dst: u32_chunks(df, col::DST)?,
            dport: u32_chunks(df, col::DPORT)?,
            flags: [
                bool_chunks(df, col::UNREPLIED)?,
                bool_chunks(df, col::ASSURED)?,
                bool_chunks(df, col::OFFLOADED)?,
                bool_chunks(df, col::NAT)?,
            ],
        };
        let n = c.src.len();
        let aligned = [&c.family, &c.proto, &c.state, &c.timeout, &c.dst, &c.dport]
            .iter()
            .all(|v| v.len() == n)
            && c.flags.iter().all(|v| v.len() == n);
        if aligned {
            Ok(c)
        } else {
            Err(PolarsError::ComputeError(
                "entries frame columns are not chunked alike".into(),
            ))
        }
    }
}

/// Runs every per-snapshot query on `frame`. The counts that polars would
/// materialise a column for (casts, packed keys, a group-by per list) are
/// taken in one pass over the columns instead: a frame of a million
/// entries is then read once and copied never, which halves the peak
/// memory of a snapshot. The lists of many distinct keys are counted by
/// sorting packed keys (see [`count`]).
pub fn aggregate(frame: &EntriesFrame, opts: AggregateOptions) -> PolarsResult<Aggregates> {
    let n = opts.top;
    let ip = |id: u64| u32::try_from(id).ok().and_then(|i| frame.ip(i));
    let c = Chunks::of(&frame.df)?;
    let height = frame.df.height();

    let mut flags = [0u64; 4];
    let mut mix: FxHashMap<u32, u64> = FxHashMap::default();
    let mut ports: FxHashMap<u64, u64> = FxHashMap::default();
    let mut closing: FxHashMap<u64, u64> = FxHashMap::default();
    let mut by_src = vec![0u64; frame.ips.len()];
    let mut dst_keys: Vec<u64> = Vec::with_capacity(height);
    let mut pair_keys: Vec<u64> = Vec::with_capacity(height);
    let closing_code = |s: u32| {
        CLOSING_STATES
            .iter()
            .any(|(state, _)| u32::from(state.code()) == s)
    };
    let tcp = 6u32;
    for k in 0..c.src.len() {
        let (Some(family), Some(proto), Some(state), Some(timeout)) = (
            c.family.get(k),
            c.proto.get(k),
            c.state.get(k),
            c.timeout.get(k),
        ) else {
            continue;
        };
        let (Some(src), Some(dst), Some(dport)) = (c.src.get(k), c.dst.get(k), c.dport.get(k))
        else {
            continue;
        };
        for (count, col) in flags.iter_mut().zip(&c.flags) {
            if let Some(a) = col.get(k) {
                *count += u64::try_from(a.values().set_bits()).unwrap_or(0);
            }
        }
        let rows = family
            .values_iter()
            .zip(proto.values_iter())
            .zip(state.iter())
            .zip(timeout.iter())
            .zip(src.values_iter())
            .zip(dst.values_iter())
            .zip(dport.iter());
        for ((((((&fam, &pr), st), to), &s), &d), dp) in rows {
            let st = st.copied();
            // State code (255 for none) << 16 | proto << 4 | family.
            let packed = (st.unwrap_or(255) << 16) | ((pr & 0xfff) << 4) | (fam & 0xf);
            *mix.entry(packed).or_default() += 1;
            if let Some(slot) = by_src.get_mut(s as usize) {
                *slot += 1;
            }
            let dp = dp.copied();
            if let Some(p) = dp {
                *ports
                    .entry((u64::from(pr) << 32) | u64::from(p))
                    .or_default() += 1;
            }
            dst_keys.push(
                u64::from(d) * DST_SHIFT
                    + dp.map_or(NO_PORT, u64::from) * 256
                    + u64::from(pr & 0xff),
            );
            pair_keys.push((u64::from(s) << 32) | u64::from(d));
            if let (true, Some(st), Some(&to)) = (pr == tcp, st, to) {
                if closing_code(st) {
                    *closing
                        .entry((u64::from(st) << 32) | u64::from(to))
                        .or_default() += 1;
                }
            }
        }
    }

    let mix = mix
        .into_iter()
        .map(|(k, entries)| Mix {
            state: state_of(u64::from(k >> 16)),
            proto: (k >> 4) & 0xfff,
            family: k & 0xf,
            entries,
        })
        .collect();
    let top_sources = count::top_counted(&by_src, n)
        .into_iter()
        .filter_map(|(id, c)| Some((ip(id)?, c)))
        .collect();
    let top_destinations = count::top_keys(dst_keys, n)
        .into_iter()
        .filter_map(|(k, c)| {
            let port = (k / 256) % (DST_SHIFT / 256);
            Some(Destination {
                ip: ip(k / DST_SHIFT)?,
                port: u16::try_from(port).ok(),
                proto: u32::try_from(k % 256).ok()?,
                entries: c,
            })
        })
        .collect();
    let top_ports = count::top_of_map(ports, n)
        .into_iter()
        .filter_map(|(k, c)| {
            Some((
                u32::try_from(k >> 32).ok()?,
                u16::try_from(k & 0xffff_ffff).ok()?,
                c,
            ))
        })
        .collect();
    let top_pairs = count::top_keys(pair_keys, n)
        .into_iter()
        .filter_map(|(k, c)| Some((ip(k >> 32)?, ip(k & 0xffff_ffff)?, c)))
        .collect();
    let mut closing: Vec<Closing> = closing
        .into_iter()
        .filter_map(|(k, entries)| {
            Some(Closing {
                state: state_of(k >> 32)?,
                remaining: u32::try_from(k & 0xffff_ffff).ok()?,
                entries,
            })
        })
        .collect();
    closing.sort_unstable_by_key(|c| (c.state, c.remaining));

    let [unreplied, assured, offloaded, nat] = flags;
    let mut out = Aggregates {
        entries: height as u64,
        unreplied,
        assured,
        offloaded,
        nat,
        mix,
        top_sources,
        top_destinations,
        top_ports,
        top_pairs,
        closing,
        ..Aggregates::default()
    };
    if opts.per_address {
        let src = u32_values(&frame.df, col::SRC)?;
        let states = u32_col(&frame.df, col::STATE)?;
        out.by_source_state = addr_states(frame, &src, &states);
        drop(src);
        let reply_src = u32_values(&frame.df, col::REPLY_SRC)?;
        out.by_backend_state = addr_states(frame, &reply_src, &states);
        drop((reply_src, states));
        flows(frame, frame.df.clone().lazy(), &mut out)?;
    }
    Ok(out)
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
