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
use crate::model::{Entry, Family, Flags, State};
use rayon::prelude::*;

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
            frame: self.per_address,
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

/// The counts of one chunk of a snapshot, taken on the thread that parses
/// the chunk as each entry is read, with the chunk's own address ids:
/// [`Tally::merge`] joins the chunks' counts under the snapshot's ids. The
/// aggregates of a snapshot are then finished without a pass over a frame,
/// and `top` builds no frame at all.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    entries: u64,
    /// Unreplied, assured, offloaded, NAT.
    flags: [u64; 4],
    /// State code (255 for none) << 16 | proto << 4 | family.
    mix: FxHashMap<u32, u64>,
    /// proto << 32 | port.
    ports: FxHashMap<u64, u64>,
    /// state << 32 | seconds left, TCP closing states only.
    closing: FxHashMap<u64, u64>,
    /// Entries by source address id.
    by_src: Vec<u64>,
    /// Packed destination keys (see [`DST_SHIFT`]) and `src << 32 | dst`
    /// pair keys.
    dsts: count::Keys,
    pairs: count::Keys,
}

fn is_closing(state: State) -> bool {
    CLOSING_STATES.iter().any(|(s, _)| *s == state)
}

impl Tally {
    pub fn with_capacity(entries: usize) -> Tally {
        Tally {
            dsts: count::Keys::with_capacity(entries),
            pairs: count::Keys::with_capacity(entries),
            ..Tally::default()
        }
    }

    /// Entries counted.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Counts one entry whose source and destination addresses have the
    /// chunk's ids `src` and `dst`.
    #[inline]
    pub fn add(&mut self, e: &Entry<'_>, src: u32, dst: u32) {
        const TCP: u8 = 6;
        self.entries += 1;
        let flags = [
            e.flags.contains(Flags::UNREPLIED),
            e.flags.contains(Flags::ASSURED),
            e.flags.contains(Flags::OFFLOAD) || e.flags.contains(Flags::HW_OFFLOAD),
            e.is_nat(),
        ];
        for (count, set) in self.flags.iter_mut().zip(flags) {
            *count += u64::from(set);
        }
        let proto = u32::from(e.proto);
        let family = match e.family() {
            Family::V4 => 4,
            Family::V6 => 6,
        };
        let state = e.state.map_or(255, |s| u32::from(s.code()));
        *self
            .mix
            .entry((state << 16) | (proto << 4) | family)
            .or_default() += 1;
        let s = src as usize;
        if s >= self.by_src.len() {
            self.by_src.resize(s + 1, 0);
        }
        if let Some(slot) = self.by_src.get_mut(s) {
            *slot += 1;
        }
        let dport = e.orig.l4.dport();
        if let Some(p) = dport {
            *self
                .ports
                .entry((u64::from(proto) << 32) | u64::from(p))
                .or_default() += 1;
        }
        self.dsts.push(
            u64::from(dst) * DST_SHIFT + dport.map_or(NO_PORT, u64::from) * 256 + u64::from(proto),
        );
        self.pairs.push((u64::from(src) << 32) | u64::from(dst));
        if let (TCP, Some(st), Some(to)) = (e.proto, e.state, e.timeout) {
            if is_closing(st) {
                *self
                    .closing
                    .entry((u64::from(st.code()) << 32) | u64::from(to))
                    .or_default() += 1;
            }
        }
    }

    /// Counts the chunk's destination and pair keys: done on the thread
    /// that parsed the chunk, so the snapshot's merge adds counts up
    /// instead of counting a million keys on one thread.
    pub fn seal(&mut self) {
        self.dsts.seal();
        self.pairs.seal();
    }

    /// Joins the chunks' tallies, in file order: `remap` of a chunk gives
    /// the snapshot's id of each of the chunk's address ids, `universe` is
    /// the number of the snapshot's addresses.
    pub fn merge(mut chunks: Vec<(Tally, Vec<u32>)>, universe: usize) -> Tally {
        chunks.par_iter_mut().for_each(|(t, remap)| {
            t.seal();
            let id = |id: u64| {
                usize::try_from(id)
                    .ok()
                    .and_then(|i| remap.get(i))
                    .map_or(id, |&g| u64::from(g))
            };
            t.dsts
                .map(|k| id(k / DST_SHIFT) * DST_SHIFT + k % DST_SHIFT);
            t.pairs.map(|k| (id(k >> 32) << 32) | id(k & 0xffff_ffff));
        });
        let mut out = Tally {
            by_src: vec![0; universe],
            ..Tally::default()
        };
        let (mut dsts, mut pairs) = (Vec::new(), Vec::new());
        for (t, remap) in chunks {
            out.entries += t.entries;
            for (a, b) in out.flags.iter_mut().zip(t.flags) {
                *a += b;
            }
            for (k, c) in t.mix {
                *out.mix.entry(k).or_default() += c;
            }
            for (k, c) in t.ports {
                *out.ports.entry(k).or_default() += c;
            }
            for (k, c) in t.closing {
                *out.closing.entry(k).or_default() += c;
            }
            for (local, c) in t.by_src.into_iter().enumerate() {
                let global = remap.get(local).map_or(local, |&g| g as usize);
                if let Some(slot) = out.by_src.get_mut(global) {
                    *slot += c;
                }
            }
            dsts.push(t.dsts);
            pairs.push(t.pairs);
        }
        out.dsts = count::Keys::concat(dsts);
        out.pairs = count::Keys::concat(pairs);
        out
    }
}

/// Turns a snapshot's merged counts into its aggregates and, with
/// `per_address`, runs the per-address queries on its frame.
pub fn aggregate(frame: &EntriesFrame, opts: AggregateOptions) -> PolarsResult<Aggregates> {
    let n = opts.top;
    let ip = |id: u64| u32::try_from(id).ok().and_then(|i| frame.ip(i));
    let t = &frame.tally;
    let [unreplied, assured, offloaded, nat] = t.flags;
    let mix = t
        .mix
        .iter()
        .map(|(&k, &entries)| Mix {
            state: state_of(u64::from(k >> 16)),
            proto: (k >> 4) & 0xfff,
            family: k & 0xf,
            entries,
        })
        .collect();
    let top_sources = count::top_counted(&t.by_src, n)
        .into_iter()
        .filter_map(|(id, c)| Some((ip(id)?, c)))
        .collect();
    let top_destinations = t
        .dsts
        .top(n)
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
    let top_ports = count::top_of_map(&t.ports, n)
        .into_iter()
        .filter_map(|(k, c)| {
            Some((
                u32::try_from(k >> 32).ok()?,
                u16::try_from(k & 0xffff_ffff).ok()?,
                c,
            ))
        })
        .collect();
    let top_pairs = t
        .pairs
        .top(n)
        .into_iter()
        .filter_map(|(k, c)| Some((ip(k >> 32)?, ip(k & 0xffff_ffff)?, c)))
        .collect();
    let mut closing: Vec<Closing> = t
        .closing
        .iter()
        .filter_map(|(&k, &entries)| {
            Some(Closing {
                state: state_of(k >> 32)?,
                remaining: u32::try_from(k & 0xffff_ffff).ok()?,
                entries,
            })
        })
        .collect();
    closing.sort_unstable_by_key(|c| (c.state, c.remaining));

    let mut out = Aggregates {
        entries: t.entries,
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
        if frame.df.width() == 0 && t.entries > 0 {
            return Err(PolarsError::ComputeError(
                "per-address aggregates need the entries frame, built without it".into(),
            ));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{ChunkBuilder, Projection, merge_chunks};
    use crate::parse::conntrack::parse_listing;

    /// A listing with a few sources talking to a few services (counted per
    /// chunk) and a scan of distinct pairs (kept raw), in every layout the
    /// samples hold.
    fn listing() -> String {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/formats/");
        let mut text = String::new();
        for f in [
            "conntrack-L-default.txt",
            "conntrack-L-extended-acct.txt",
            "conntrack-L-ipv6.txt",
            "conntrack-L-offload.txt",
        ] {
            text.push_str(&std::fs::read_to_string(format!("{dir}{f}")).unwrap());
        }
        for i in 0..30_000u32 {
            let (state, t) = if i % 3 == 0 {
                ("TIME_WAIT", 1 + i % 120)
            } else {
                ("ESTABLISHED", 431_999)
            };
            let src = if i < 12_000 {
                format!("10.4.{}.{}", i % 3, 10 + i % 7)
            } else {
                format!("10.{}.{}.{}", 64 + i / 65_536, (i / 256) % 256, i % 256)
            };
            let dport = [443, 8080, 9090][(i % 3) as usize];
            text.push_str(&format!(
                "tcp      6 {t} {state} src={src} dst=10.8.{}.{} sport={} dport={dport} src=10.8.{}.{} dst={src} sport={dport} dport={} [ASSURED] mark=0 use=1\n",
                i % 2, 20 + i % 5, 32_768 + i % 28_000, i % 2, 20 + i % 5, 32_768 + i % 28_000
            ));
        }
        text
    }

    fn aggregates(text: &str, lines_per_chunk: usize, projection: Projection) -> Aggregates {
        let lines: Vec<&str> = text.lines().collect();
        let chunks = lines
            .chunks(lines_per_chunk)
            .map(|part| {
                let mut b = ChunkBuilder::new(part.len(), projection);
                parse_listing(part.join("\n").as_bytes(), 1, |e| b.push(e));
                b.seal();
                b
            })
            .collect();
        let frame = merge_chunks(chunks).unwrap();
        let opts = AggregateOptions {
            top: 25,
            per_address: false,
        };
        let mut a = aggregate(&frame, opts).unwrap();
        a.mix.sort_by_key(|m| (m.state, m.proto, m.family));
        a
    }

    #[test]
    fn chunks_and_frames_do_not_change_the_counts() {
        let text = listing();
        let whole = aggregates(&text, usize::MAX, Projection::ALL);
        assert!(whole.entries > 30_000, "{}", whole.entries);
        assert_eq!(whole.top_sources.len(), 25);
        // The few sources lead; the scan's pairs are each counted once.
        assert!(whole.top_sources[0].1 > 500, "{:?}", whole.top_sources[0]);
        for (lines, frame) in [(7, false), (4_000, true), (9_999, false), (30_000, false)] {
            let projection = Projection {
                frame,
                ..Projection::ALL
            };
            assert_eq!(
                aggregates(&text, lines, projection),
                whole,
                "{lines} lines per chunk, frame {frame}"
            );
        }
    }

    #[test]
    fn per_address_aggregates_need_a_frame() {
        let mut b = ChunkBuilder::new(4, AggregateOptions::default().projection());
        let line = "udp      17 29 src=10.4.1.40 dst=10.8.0.10 sport=53012 dport=53 [UNREPLIED] src=10.8.0.10 dst=10.4.1.40 sport=53 dport=53012 mark=0 use=1\n";
        parse_listing(line.as_bytes(), 1, |e| b.push(e));
        let frame = merge_chunks(vec![b]).unwrap();
        let a = aggregate(&frame, AggregateOptions::default()).unwrap();
        assert_eq!((a.entries, a.dns), (1, (1, 1)));
        let mut b = ChunkBuilder::new(
            4,
            AggregateOptions {
                top: 10,
                per_address: false,
            }
            .projection(),
        );
        parse_listing(line.as_bytes(), 1, |e| b.push(e));
        let frame = merge_chunks(vec![b]).unwrap();
        assert_eq!(frame.height(), 1);
        assert!(aggregate(&frame, AggregateOptions::default()).is_err());
    }
}
