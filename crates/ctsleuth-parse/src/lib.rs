//! The first stages of ctsleuth, usable on their own: the typed records
//! ([`model`]), the grammars that read every capture ctsleuth understands
//! ([`parse`]), format recognition ([`sniff`]) and node/time hints in file
//! names ([`hints`]). No dataframe, plotting or command-line dependency.
//!
//! The entry points, each taking bytes and giving an [`parse::Outcome`]
//! (the value, the records read, the skipped lines with the first few shown
//! as `line: expected …: "snippet"`, and warnings):
//!
//! - [`parse::conntrack::parse_listing`]: `conntrack -L` in every layout,
//!   `/proc/net/nf_conntrack`, calling back with each [`model::Entry`];
//! - [`parse::stats::parse_conntrack_s`], [`parse::stats::parse_proc_stat`]:
//!   per-CPU counters;
//! - [`parse::settings::parse_sysctl`] and friends: limits and timeouts;
//! - [`parse::log::scan_block`]: the kernel, serial and kube-proxy messages
//!   that matter, from any log framing;
//! - [`parse::inventory::parse_inventory`]: kubectl, crictl, netstat and ss;
//! - [`sniff::sniff`]: which of these a file holds.
//!
//! Nothing here panics on input: a line that does not parse is counted and
//! skipped. `examples/count_states.rs` shows another program using it.

// Input flows through every function here: no indexing that can panic
// (tests may index their own fixtures).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]
// Tests may cast their own fixtures (the workspace denies it elsewhere).
#![cfg_attr(
    test,
    allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)
)]

pub mod hints;
pub mod model;
pub mod parse;
pub mod replay;
pub mod sniff;
