//! Per-snapshot queries behind the causes that are not a full table: DNS
//! entries, unreplied UDP entries by the backend they point at, and the
//! source ports masquerading has used towards one destination.

use std::net::IpAddr;

use polars::prelude::*;
use serde::Serialize;

use super::snapshot::{counts, u32_col, u64_at};
use crate::facts;
use crate::frame::{EntriesFrame, col};

const UDP: u32 = 17;
const DNS_PORT: u32 = 53;
/// Unreplied UDP (destination, backend) pairs kept per snapshot: enough to
/// find every stale backend of a real incident, bounded on absurd inputs.
const MAX_UDP_PAIRS: u32 = 500;
/// SNAT destinations kept per snapshot, most ports used first.
const MAX_SNAT_ROWS: u32 = 5;

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

    // Source NAT: the reply goes to another address than the one that sent.
    let df = lf
        .filter(
            col(col::SRC)
                .neq(col(col::REPLY_DST))
                .and(col(col::REPLY_SPORT).is_not_null())
                .and(col(col::REPLY_DPORT).is_not_null()),
        )
        .group_by([
            col(col::PROTO),
            col(col::REPLY_DST),
            col(col::REPLY_SRC),
            col(col::REPLY_SPORT),
        ])
        .agg([
            len().alias(col::ENTRIES),
            col(col::REPLY_DPORT).min().alias("lowest"),
            col(col::REPLY_DPORT).max().alias("highest"),
        ])
        .sort_by_exprs(
            [
                col(col::ENTRIES),
                col(col::REPLY_DST),
                col(col::REPLY_SRC),
                col(col::REPLY_SPORT),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false, false, false])
                .with_nulls_last(true),
        )
        .limit(MAX_SNAT_ROWS)
        .collect()?;
    let port = |p: Option<u32>| p.and_then(|p| u16::try_from(p).ok());
    let snat = u32_col(&df, col::PROTO)?
        .into_iter()
        .zip(u32_col(&df, col::REPLY_DST)?)
        .zip(u32_col(&df, col::REPLY_SRC)?)
        .zip(u32_col(&df, col::REPLY_SPORT)?)
        .zip(u32_col(&df, "lowest")?)
        .zip(u32_col(&df, "highest")?)
        .zip(counts(&df)?)
        .filter_map(|((((((proto, snat), dst), dport), lo), hi), c)| {
            let used = c.unwrap_or(0);
            Some(SnatRow {
                proto: super::snapshot::proto_label(proto?),
                snat_address: ip(snat)?,
                destination: ip(dst)?,
                port: port(dport)?,
                ports_used: used,
                lowest_port: port(lo),
                highest_port: port(hi),
                share: super::ratio(used, facts::SNAT_PORTS).unwrap_or(0.0),
            })
        })
        .collect();
    Ok(Flows {
        dns,
        unreplied_udp,
        snat,
    })
}
