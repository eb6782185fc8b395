//! Per-snapshot queries behind the causes that are not a full table: DNS
//! entries, unreplied UDP entries by the backend they point at, and the
//! source ports masquerading has used towards one destination.

use std::net::IpAddr;

use polars::prelude::*;
use serde::Serialize;

use super::snapshot::{counts, u32_col, u32_values, u64_at};
use crate::facts;
use crate::frame::{EntriesFrame, col};

const UDP: u32 = 17;
const DNS_PORT: u32 = 53;
/// Unreplied UDP (destination, backend) pairs kept per snapshot: enough to
/// find every stale backend of a real incident, bounded on absurd inputs.
const MAX_UDP_PAIRS: u32 = 500;
/// SNAT destinations kept per snapshot, most ports used first.
const MAX_SNAT_ROWS: usize = 5;

/// UDP/53 entries of a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DnsCount {
    pub entries: u64,
    /// Of those, queries that never saw an answer (`[UNREPLIED]`).
    pub unreplied: u64,
}

/// Unreplied UDP entries sent to `dst` and answered (in the reply tuple)
/// by `backend`: after DNAT, the pod a service chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPair {
    pub dst: IpAddr,
    pub backend: IpAddr,
    pub port: Option<u16>,
    pub entries: u64,
}

/// Masqueraded entries from one source address to one destination address
/// and port: each holds one source port of the SNAT address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnatRow {
    pub proto: String,
    /// The address connections leave with (the node's, after masquerading).
    pub snat_address: IpAddr,
    pub destination: IpAddr,
    pub port: u16,
    /// Entries, one source port each.
    pub ports_used: u64,
    pub lowest_port: Option<u16>,
    pub highest_port: Option<u16>,
    /// Of the source ports masquerading may pick for this destination.
    pub share: f64,
}

/// What one snapshot shows about DNS, unreplied UDP and SNAT ports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flows {
    pub dns: DnsCount,
    pub unreplied_udp: Vec<UdpPair>,
    pub snat: Vec<SnatRow>,
}

/// Source NAT: the reply goes to another address than the one that sent.
/// One pass over the columns with a hash map of (protocol, SNAT address,
/// destination, port): faster than a four-key group-by on large tables.
fn snat_rows(frame: &EntriesFrame) -> PolarsResult<Vec<SnatRow>> {
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
            Some(SnatRow {
                proto: super::snapshot::proto_label(part(k, 0)?),
                snat_address: frame.ip(part(k, 96)?)?,
                destination: frame.ip(part(k, 64)?)?,
                port: port(part(k, 32)?)?,
                ports_used: used,
                lowest_port: port(lo),
                highest_port: port(hi),
                share: super::ratio(used, facts::SNAT_PORTS).unwrap_or(0.0),
            })
        })
        .collect())
}

pub fn flows(frame: &EntriesFrame) -> PolarsResult<Flows> {
    let lf = frame.df.clone().lazy();
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
    let dns = DnsCount {
        entries: u64_at(&df, col::ENTRIES, 0)?.unwrap_or(0),
        unreplied: u64_at(&df, col::UNREPLIED, 0)?.unwrap_or(0),
    };

    let df = lf
        .clone()
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
    let unreplied_udp = u32_col(&df, col::DST)?
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

    let snat = snat_rows(frame)?;
    Ok(Flows {
        dns,
        unreplied_udp,
        snat,
    })
}
