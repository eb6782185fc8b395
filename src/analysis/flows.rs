//! What a snapshot shows behind the causes that are not a full table: DNS
//! entries, unreplied UDP entries by the backend they point at, and the
//! source ports masquerading has used towards one destination.

use std::net::IpAddr;

use serde::Serialize;

use crate::facts;
use crate::frame::aggregate::Aggregates;

/// UDP/53 entries of a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DnsCount {
    pub entries: u64,
    /// Of those, queries that never saw an answer (`[UNREPLIED]`).
    pub unreplied: u64,
}

pub use crate::frame::aggregate::UdpPair;

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

/// The flows of one snapshot, from its aggregates.
pub fn flows(agg: &Aggregates) -> Flows {
    Flows {
        dns: DnsCount {
            entries: agg.dns.0,
            unreplied: agg.dns.1,
        },
        unreplied_udp: agg.unreplied_udp.clone(),
        snat: agg
            .snat
            .iter()
            .map(|r| SnatRow {
                proto: super::snapshot::proto_label(r.proto),
                snat_address: r.snat_address,
                destination: r.destination,
                port: r.port,
                ports_used: r.ports_used,
                lowest_port: r.lowest_port,
                highest_port: r.highest_port,
                share: super::ratio(r.ports_used, facts::SNAT_PORTS).unwrap_or(0.0),
            })
            .collect(),
    }
}
