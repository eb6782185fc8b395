//! Builds the entries DataFrame of one snapshot, chunk by chunk, so that a
//! large dump is parsed on every core and never held twice in memory.

use std::net::IpAddr;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::aggregate::Tally;
use super::col;
use crate::model::{Entry, Family, Flags};

/// Addresses seen in one chunk or one snapshot, each given a dense id.
/// IPv4 addresses, the common case, are keyed by their `u32`: hashing that is
/// several times cheaper than hashing an `IpAddr`.
#[derive(Debug, Default, Clone)]
pub struct IpTable {
    v4: FxHashMap<u32, u32>,
    v6: FxHashMap<u128, u32>,
    addrs: Vec<IpAddr>,
}

impl IpTable {
    pub fn with_capacity(n: usize) -> IpTable {
        IpTable {
            v4: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            v6: FxHashMap::default(),
            addrs: Vec::with_capacity(n),
        }
    }

    #[inline]
    pub fn intern(&mut self, ip: IpAddr) -> u32 {
        let next = crate::numbers::to_u32(self.addrs.len());
        let id = match ip {
            IpAddr::V4(a) => *self.v4.entry(u32::from(a)).or_insert(next),
            IpAddr::V6(a) => *self.v6.entry(u128::from(a)).or_insert(next),
        };
        if id == next {
            self.addrs.push(ip);
        }
        id
    }
    pub fn addrs(&self) -> &[IpAddr] {
        &self.addrs
    }
    pub fn into_addrs(self) -> Vec<IpAddr> {
        self.addrs
    }
}

type U32B = PrimitiveChunkedBuilder<UInt32Type>;
type U64B = PrimitiveChunkedBuilder<UInt64Type>;

/// Whether a frame is built, and with which of the optional columns: the
/// queries of a command read only some, and a column not built costs
/// neither time nor memory. A frame has at least family, proto, state,
/// timeout, src, dst, dport and the four flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    /// Build the entries frame at all. Without it a chunk keeps only the
    /// counts of its [`Tally`], which is all the aggregates of `top` read.
    pub frame: bool,
    /// `reply_src`, `reply_dst`, `reply_sport`, `reply_dport`: attribution
    /// to the backend that answered, DNS and SNAT flows.
    pub reply: bool,
    /// `sport`, `mark`, `zone` and the accounting counters: read by no
    /// query today, kept for those who read the frame itself.
    pub extra: bool,
}

impl Projection {
    pub const ALL: Projection = Projection {
        frame: true,
        reply: true,
        extra: true,
    };
}

/// The reply tuple's columns.
struct ReplyCols {
    src: Vec<u32>,
    dst: Vec<u32>,
    sport: U32B,
    dport: U32B,
}

/// The columns no query reads today.
struct ExtraCols {
    sport: U32B,
    mark: U32B,
    zone: U32B,
    /// Created at the first entry that has accounting counters.
    counters: Option<[U64B; 4]>,
}

/// Accumulates the entries of one chunk of a dump: their counts always,
/// their columns when a frame is wanted.
pub struct ChunkBuilder {
    len: usize,
    capacity: usize,
    ips: IpTable,
    tally: Tally,
    cols: Option<Cols>,
}

/// The columns of one chunk.
struct Cols {
    src: Vec<u32>,
    dst: Vec<u32>,
    family: Vec<u32>,
    proto: Vec<u32>,
    state: U32B,
    timeout: U32B,
    dport: U32B,
    unreplied: BooleanChunkedBuilder,
    assured: BooleanChunkedBuilder,
    offloaded: BooleanChunkedBuilder,
    nat: BooleanChunkedBuilder,
    reply: Option<ReplyCols>,
    extra: Option<ExtraCols>,
}

fn u32b(name: &str, cap: usize) -> U32B {
    PrimitiveChunkedBuilder::new(name.into(), cap)
}
fn boolb(name: &str, cap: usize) -> BooleanChunkedBuilder {
    BooleanChunkedBuilder::new(name.into(), cap)
}

const COUNTER_NAMES: [&str; 4] = [
    col::ORIG_PACKETS,
    col::ORIG_BYTES,
    col::REPLY_PACKETS,
    col::REPLY_BYTES,
];

impl ChunkBuilder {
    /// `capacity` is a guess of the number of entries (bytes / ~150).
    pub fn new(capacity: usize, projection: Projection) -> ChunkBuilder {
        ChunkBuilder {
            len: 0,
            capacity,
            ips: IpTable::with_capacity((capacity / 8).min(1 << 16)),
            tally: Tally::with_capacity(capacity),
            cols: projection.frame.then(|| Cols::new(capacity, projection)),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Counts the chunk's keys (see [`Tally::seal`]); call it on the thread
    /// that parsed the chunk.
    pub fn seal(&mut self) {
        self.tally.seal();
    }

    pub fn push(&mut self, e: &Entry<'_>) {
        let src = self.ips.intern(e.orig.src);
        let dst = self.ips.intern(e.orig.dst);
        self.tally.add(e, src, dst);
        if let Some(c) = &mut self.cols {
            c.push(e, src, dst, &mut self.ips, self.len, self.capacity);
        }
        self.len += 1;
    }
}

impl Cols {
    fn new(capacity: usize, projection: Projection) -> Cols {
        Cols {
            src: Vec::with_capacity(capacity),
            dst: Vec::with_capacity(capacity),
            family: Vec::with_capacity(capacity),
            proto: Vec::with_capacity(capacity),
            state: u32b(col::STATE, capacity),
            timeout: u32b(col::TIMEOUT, capacity),
            dport: u32b(col::DPORT, capacity),
            unreplied: boolb(col::UNREPLIED, capacity),
            assured: boolb(col::ASSURED, capacity),
            offloaded: boolb(col::OFFLOADED, capacity),
            nat: boolb(col::NAT, capacity),
            reply: projection.reply.then(|| ReplyCols {
                src: Vec::with_capacity(capacity),
                dst: Vec::with_capacity(capacity),
                sport: u32b(col::REPLY_SPORT, capacity),
                dport: u32b(col::REPLY_DPORT, capacity),
            }),
            extra: projection.extra.then(|| ExtraCols {
                sport: u32b(col::SPORT, capacity),
                mark: u32b(col::MARK, capacity),
                zone: u32b(col::ZONE, capacity),
                counters: None,
            }),
        }
    }

    /// Appends one entry whose addresses have the chunk's ids `src`, `dst`;
    /// `len` entries came before it.
    fn push(
        &mut self,
        e: &Entry<'_>,
        src: u32,
        dst: u32,
        ips: &mut IpTable,
        len: usize,
        capacity: usize,
    ) {
        if let Some(r) = &mut self.reply {
            // Without NAT the reply tuple mirrors the original: skip the lookups.
            let reply_src = if e.reply.src == e.orig.dst {
                dst
            } else {
                ips.intern(e.reply.src)
            };
            let reply_dst = if e.reply.dst == e.orig.src {
                src
            } else {
                ips.intern(e.reply.dst)
            };
            r.src.push(reply_src);
            r.dst.push(reply_dst);
            r.sport.append_option(e.reply.l4.sport().map(u32::from));
            r.dport.append_option(e.reply.l4.dport().map(u32::from));
        }
        self.src.push(src);
        self.dst.push(dst);
        self.family.push(match e.family() {
            Family::V4 => 4,
            Family::V6 => 6,
        });
        self.proto.push(u32::from(e.proto));
        self.state
            .append_option(e.state.map(|s| u32::from(s.code())));
        self.timeout.append_option(e.timeout);
        self.dport.append_option(e.orig.l4.dport().map(u32::from));
        self.unreplied
            .append_value(e.flags.contains(Flags::UNREPLIED));
        self.assured.append_value(e.flags.contains(Flags::ASSURED));
        self.offloaded
            .append_value(e.flags.contains(Flags::OFFLOAD) || e.flags.contains(Flags::HW_OFFLOAD));
        self.nat.append_value(e.is_nat());
        if let Some(x) = &mut self.extra {
            x.sport.append_option(e.orig.l4.sport().map(u32::from));
            x.mark.append_option(e.mark);
            x.zone.append_option(e.zone.map(u32::from));
            if e.orig_counters.is_some() || e.reply_counters.is_some() {
                let cap = capacity;
                let builders = x.counters.get_or_insert_with(|| {
                    COUNTER_NAMES.map(|name| {
                        let mut b: U64B = PrimitiveChunkedBuilder::new(name.into(), cap);
                        for _ in 0..len {
                            b.append_null();
                        }
                        b
                    })
                });
                let values = [
                    e.orig_counters.map(|c| c.packets),
                    e.orig_counters.map(|c| c.bytes),
                    e.reply_counters.map(|c| c.packets),
                    e.reply_counters.map(|c| c.bytes),
                ];
                for (b, v) in builders.iter_mut().zip(values) {
                    b.append_option(v);
                }
            } else if let Some(builders) = &mut x.counters {
                for b in builders.iter_mut() {
                    b.append_null();
                }
            }
        }
    }
}

/// The entries of one snapshot: their counts, and their frame when one
/// was built (a frame of no columns otherwise).
#[derive(Debug, Clone)]
pub struct EntriesFrame {
    pub df: DataFrame,
    /// Address table: the `src`, `dst`, `reply_src`, `reply_dst` columns
    /// and the tally's keys hold indexes into it.
    pub ips: Vec<IpAddr>,
    pub tally: Tally,
}

impl EntriesFrame {
    /// Entries read, whether or not a frame was built.
    pub fn height(&self) -> usize {
        usize::try_from(self.tally.entries()).unwrap_or(usize::MAX)
    }
    pub fn ip(&self, id: u32) -> Option<IpAddr> {
        self.ips.get(id as usize).copied()
    }
    pub fn has_counters(&self) -> bool {
        self.df.column(col::ORIG_PACKETS).is_ok()
    }

    /// Adds the snapshot's node and capture time as scalar columns: every
    /// row carries them, stored once.
    pub fn set_identity(
        &mut self,
        node: Option<&str>,
        captured_at_ms: Option<i64>,
    ) -> PolarsResult<()> {
        let height = self.df.height();
        let node = match node {
            Some(n) => Scalar::new(DataType::String, AnyValue::StringOwned(n.into())),
            None => Scalar::null(DataType::String),
        };
        let at = match captured_at_ms {
            Some(ms) => Scalar::new(DataType::Int64, AnyValue::Int64(ms)),
            None => Scalar::null(DataType::Int64),
        };
        self.df
            .with_column(Column::new_scalar(col::NODE.into(), node, height))?;
        self.df
            .with_column(Column::new_scalar(col::CAPTURED_AT.into(), at, height))?;
        Ok(())
    }
}

fn finish_chunk(
    mut b: Cols,
    height: usize,
    remap: &[u32],
    with_counters: bool,
) -> PolarsResult<DataFrame> {
    let remap_all = |v: &mut Vec<u32>| {
        for id in v.iter_mut() {
            *id = remap.get(*id as usize).copied().unwrap_or(*id);
        }
    };
    remap_all(&mut b.src);
    remap_all(&mut b.dst);
    if let Some(r) = &mut b.reply {
        remap_all(&mut r.src);
        remap_all(&mut r.dst);
    }
    let mut columns: Vec<Column> = vec![
        UInt32Chunked::from_vec(col::FAMILY.into(), b.family).into_column(),
        UInt32Chunked::from_vec(col::PROTO.into(), b.proto).into_column(),
        b.state.finish().into_column(),
        b.timeout.finish().into_column(),
        UInt32Chunked::from_vec(col::SRC.into(), b.src).into_column(),
        UInt32Chunked::from_vec(col::DST.into(), b.dst).into_column(),
        b.dport.finish().into_column(),
        b.unreplied.finish().into_column(),
        b.assured.finish().into_column(),
        b.offloaded.finish().into_column(),
        b.nat.finish().into_column(),
    ];
    if let Some(r) = b.reply {
        columns.extend([
            UInt32Chunked::from_vec(col::REPLY_SRC.into(), r.src).into_column(),
            UInt32Chunked::from_vec(col::REPLY_DST.into(), r.dst).into_column(),
            r.sport.finish().into_column(),
            r.dport.finish().into_column(),
        ]);
    }
    if let Some(x) = b.extra {
        columns.extend([
            x.sport.finish().into_column(),
            x.mark.finish().into_column(),
            x.zone.finish().into_column(),
        ]);
        if with_counters {
            match x.counters {
                Some(builders) => columns.extend(builders.map(|x| x.finish().into_column())),
                None => columns.extend(
                    COUNTER_NAMES
                        .map(|name| Column::full_null(name.into(), height, &DataType::UInt64)),
                ),
            }
        }
    }
    DataFrame::new(height, columns)
}

/// Joins the chunks of one snapshot, in file order, into one frame (when
/// they built columns) and one tally under one address table.
pub fn merge_chunks(chunks: Vec<ChunkBuilder>) -> PolarsResult<EntriesFrame> {
    let with_counters = chunks.iter().any(|c| {
        c.cols
            .as_ref()
            .and_then(|c| c.extra.as_ref())
            .is_some_and(|x| x.counters.is_some())
    });
    let any_frame = chunks.is_empty() || chunks.iter().any(|c| c.cols.is_some());
    // Most of a snapshot's addresses are in each of its chunks.
    let widest = chunks.iter().map(|c| c.ips.addrs().len()).max();
    let mut table = IpTable::with_capacity(widest.unwrap_or(0).saturating_mul(2));
    let mut frames = Vec::with_capacity(chunks.len());
    let mut tallies = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let remap: Vec<u32> = chunk
            .ips
            .into_addrs()
            .into_iter()
            .map(|ip| table.intern(ip))
            .collect();
        if let Some(cols) = chunk.cols {
            frames.push(finish_chunk(cols, chunk.len, &remap, with_counters)?);
        }
        tallies.push((chunk.tally, remap));
    }
    let mut frames = frames.into_iter();
    let mut df = match frames.next() {
        Some(first) => first,
        None if any_frame => finish_chunk(Cols::new(0, Projection::ALL), 0, &[], false)?,
        None => DataFrame::empty(),
    };
    for f in frames {
        df.vstack_mut_owned(f)?;
    }
    let tally = Tally::merge(tallies, table.addrs().len());
    Ok(EntriesFrame {
        df,
        ips: table.into_addrs(),
        tally,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::conntrack::parse_listing;

    const A: &str = "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n";
    const B: &str = "udp      17 29 src=10.4.1.40 dst=10.8.0.10 sport=53012 dport=53 packets=1 bytes=74 [UNREPLIED] src=10.8.0.10 dst=10.4.1.40 sport=53 dport=53012 packets=0 bytes=0 mark=0 use=1\n";

    fn chunk(text: &str) -> ChunkBuilder {
        let mut b = ChunkBuilder::new(4, Projection::ALL);
        parse_listing(text.as_bytes(), 1, |e| b.push(e));
        b
    }

    #[test]
    fn chunks_merge_into_one_address_table() {
        let frame = merge_chunks(vec![chunk(A), chunk(&format!("{B}{A}"))]).unwrap();
        assert_eq!(frame.height(), 3);
        let src = frame.df.column(col::SRC).unwrap().u32().unwrap().clone();
        let ips: Vec<String> = src
            .iter()
            .map(|id| frame.ip(id.unwrap()).unwrap().to_string())
            .collect();
        assert_eq!(ips, vec!["10.4.1.23", "10.4.1.40", "10.4.1.23"]);
        // The same address has the same id across chunks.
        assert_eq!(src.get(0), src.get(2));
        let nat = frame.df.column(col::NAT).unwrap().bool().unwrap().clone();
        assert_eq!(
            nat.iter().collect::<Vec<_>>(),
            vec![Some(true), Some(false), Some(true)]
        );
    }

    #[test]
    fn counters_are_null_where_a_chunk_had_none() {
        let frame = merge_chunks(vec![chunk(A), chunk(B)]).unwrap();
        assert!(frame.has_counters());
        let bytes = frame
            .df
            .column(col::ORIG_BYTES)
            .unwrap()
            .u64()
            .unwrap()
            .clone();
        assert_eq!(bytes.iter().collect::<Vec<_>>(), vec![None, Some(74)]);
        let without = merge_chunks(vec![chunk(A)]).unwrap();
        assert!(!without.has_counters());
    }

    #[test]
    fn stateless_and_portless_rows_are_null_not_zero() {
        let frame = merge_chunks(vec![chunk(B)]).unwrap();
        let state = frame.df.column(col::STATE).unwrap().u32().unwrap().clone();
        assert_eq!(state.get(0), None);
        let dport = frame.df.column(col::DPORT).unwrap().u32().unwrap().clone();
        assert_eq!(dport.get(0), Some(53));
    }

    #[test]
    fn identity_columns_are_scalars() {
        let mut frame = merge_chunks(vec![chunk(A), chunk(B)]).unwrap();
        frame
            .set_identity(Some("node-a"), Some(1_732_611_840_000))
            .unwrap();
        let node = frame.df.column(col::NODE).unwrap();
        assert_eq!(node.len(), 2);
        assert_eq!(node.str().unwrap().get(1), Some("node-a"));
        let at = frame
            .df
            .column(col::CAPTURED_AT)
            .unwrap()
            .i64()
            .unwrap()
            .clone();
        assert_eq!(at.get(0), Some(1_732_611_840_000));
        let empty = merge_chunks(Vec::new()).unwrap();
        assert_eq!(empty.height(), 0);
    }
}
