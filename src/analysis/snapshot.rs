//! What one snapshot says, from the aggregates it was reduced to when it
//! was read: what fills the table, who holds it, and how fast connections
//! are closing.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::attribution::Who;
use crate::facts::{CLOSING_STATES, Timeouts};
use crate::frame::aggregate::{Aggregates, Closing};
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

pub use crate::frame::aggregate::AddrState;

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

/// The statistics of one snapshot from its aggregates, with the close
/// history aged by the node's timeouts.
pub fn summarize(agg: &Aggregates, timeouts: &Timeouts) -> SnapshotStats {
    let mut by_state = BTreeMap::new();
    let mut by_proto = BTreeMap::new();
    let mut by_family = BTreeMap::new();
    for m in &agg.mix {
        let state = match m.state {
            Some(state) => state.name().to_string(),
            None => STATELESS.to_string(),
        };
        *by_state.entry(state).or_default() += m.entries;
        *by_proto.entry(proto_label(m.proto)).or_default() += m.entries;
        *by_family.entry(format!("ipv{}", m.family)).or_default() += m.entries;
    }
    let close_history = close_history(&agg.closing, timeouts);
    let close_rate_per_s = (agg.entries > 0).then(|| {
        let total: f64 = close_history.closes_per_s.iter().sum();
        round2(total / close_history.closes_per_s.len().max(1) as f64)
    });
    SnapshotStats {
        entries: agg.entries,
        syn_sent: by_state.get("SYN_SENT").copied().unwrap_or(0),
        by_state,
        by_proto,
        by_family,
        top_sources: agg
            .top_sources
            .iter()
            .map(|&(ip, entries)| SourceRow {
                ip,
                entries,
                who: Who::default(),
            })
            .collect(),
        top_destinations: agg
            .top_destinations
            .iter()
            .map(|d| DestinationRow {
                ip: d.ip,
                port: d.port,
                proto: proto_label(d.proto),
                entries: d.entries,
                who: Who::default(),
            })
            .collect(),
        top_ports: agg
            .top_ports
            .iter()
            .map(|&(proto, port, entries)| PortRow {
                proto: proto_label(proto),
                port,
                entries,
            })
            .collect(),
        top_pairs: agg
            .top_pairs
            .iter()
            .map(|&(src, dst, entries)| PairRow { src, dst, entries })
            .collect(),
        unreplied: agg.unreplied,
        assured: agg.assured,
        offloaded: agg.offloaded,
        nat: agg.nat,
        close_rate_per_s,
        close_history,
        by_source_state: agg.by_source_state.clone(),
        by_backend_state: agg.by_backend_state.clone(),
    }
}

/// For TCP entries in closing states, `state timeout − remaining` is how long
/// ago the state began; counting those ages in buckets gives the close rate
/// over the last `time_wait` seconds (docs/facts.md, "What a snapshot is").
fn close_history(closing: &[Closing], timeouts: &Timeouts) -> CloseHistory {
    let window = timeouts.close_window().max(1);
    let bucket = CLOSE_BUCKET_S.min(window);
    let timeout_of = |s: State| {
        CLOSING_STATES
            .iter()
            .find(|(state, _)| *state == s)
            .map(|(_, t)| i64::from(timeouts.get(*t)))
    };
    let mut beyond_timeout = BTreeMap::new();
    let buckets = window.div_ceil(bucket) as usize;
    let mut closes = vec![0u64; buckets];
    for c in closing {
        let Some(timeout) = timeout_of(c.state) else {
            continue;
        };
        // How long ago the state began: its timeout less the time left.
        let age = timeout - i64::from(c.remaining);
        if age < 0 {
            *beyond_timeout
                .entry(c.state.name().to_string())
                .or_default() += c.entries;
        } else if let Some(slot) = usize::try_from(age / i64::from(bucket))
            .ok()
            .and_then(|a| closes.get_mut(a))
        {
            *slot += c.entries;
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
    CloseHistory {
        window_s: window,
        bucket_s: bucket,
        closes_per_s,
        beyond_timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Timeout;
    use crate::frame::aggregate::{AggregateOptions, aggregate};
    use crate::frame::{ChunkBuilder, Projection, merge_chunks};
    use crate::parse::conntrack::parse_listing;

    fn frame(lines: &[&str], top: usize) -> Aggregates {
        let text = lines.join("\n");
        let mut b = ChunkBuilder::new(lines.len(), Projection::ALL);
        parse_listing(text.as_bytes(), 1, |e| b.push(e));
        let frame = merge_chunks(vec![b]).unwrap();
        aggregate(
            &frame,
            AggregateOptions {
                top,
                per_address: true,
            },
        )
        .unwrap()
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
        let s = summarize(&frame(&refs, 10), &Timeouts::default());
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
        let s = summarize(&frame(&refs, 10), &t);
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
        let s = summarize(&frame(&refs, 2), &Timeouts::default());
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
        let icmp = summarize(&frame(&refs, 10), &Timeouts::default());
        assert!(
            icmp.top_destinations
                .iter()
                .any(|d| d.proto == "icmp" && d.port.is_none())
        );
    }
}
