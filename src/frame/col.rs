//! Column names of the frames, in one place.

/// Node name (one value per snapshot, stored once as a scalar column).
pub const NODE: &str = "node";
/// Capture time, epoch milliseconds UTC (scalar column; null when unknown).
pub const CAPTURED_AT: &str = "captured_at";
/// Address family: 4 or 6.
pub const FAMILY: &str = "family";
/// IP protocol number.
pub const PROTO: &str = "proto";
/// State code (see `model::State`); null for stateless protocols.
pub const STATE: &str = "state";
/// Seconds left before the entry expires; null for offloaded flows.
pub const TIMEOUT: &str = "timeout";
/// Original-direction source address id.
pub const SRC: &str = "src";
pub const DST: &str = "dst";
pub const SPORT: &str = "sport";
pub const DPORT: &str = "dport";
/// Reply-direction addresses and ports.
pub const REPLY_SRC: &str = "reply_src";
pub const REPLY_DST: &str = "reply_dst";
pub const REPLY_SPORT: &str = "reply_sport";
pub const REPLY_DPORT: &str = "reply_dport";
pub const UNREPLIED: &str = "unreplied";
pub const ASSURED: &str = "assured";
/// `[OFFLOAD]` or `[HW_OFFLOAD]`.
pub const OFFLOADED: &str = "offloaded";
/// Reply tuple is not the mirror of the original one (DNAT or SNAT).
pub const NAT: &str = "nat";
pub const MARK: &str = "mark";
pub const ZONE: &str = "zone";
/// Accounting counters (present only when the dump has them).
pub const ORIG_PACKETS: &str = "orig_packets";
pub const ORIG_BYTES: &str = "orig_bytes";
pub const REPLY_PACKETS: &str = "reply_packets";
pub const REPLY_BYTES: &str = "reply_bytes";

/// Names of aggregate columns produced by queries.
pub const ENTRIES: &str = "entries";
pub const AGE: &str = "age";
