//! When a measurement becomes a cause: every threshold the diagnosis uses,
//! in one place. `ctsleuth check --policy` overrides them with its rules'
//! `warn` values, so a finding and a check rule never disagree on what is
//! background. A measurement counts when it is above its threshold, as in
//! `check`. Rates are per second over the interval between two counter
//! captures of the node.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// A snapshot this full (entries / nf_conntrack_max) shows a full
    /// table; so does a `table full, dropping packet` log line.
    pub full: f64,
    /// A table below this fill is small: what holds it is context, not a
    /// warning.
    pub notable_fill: f64,
    /// `insert_failed` per second: below it, races on insert are the
    /// background every busy node has (a handful a minute).
    pub insert_failed_per_s: f64,
    /// `early_drop` per second: the kernel evicting unassured entries to
    /// admit new ones, a table at its limit.
    pub early_drop_per_s: f64,
    /// `chaintoolong` per second: inserts refused because a hash chain grew
    /// too long.
    pub chaintoolong_per_s: f64,
    /// `invalid` per second: packets conntrack could not place (out of
    /// window, asymmetric routing).
    pub invalid_per_s: f64,
    /// Unreplied UDP entries pointing at a backend that is gone.
    pub stale_udp_entries: u64,
    /// Source ports masquerading used towards one destination, as a share
    /// of those it may pick.
    pub snat_port_share: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            full: 0.90,
            notable_fill: 0.50,
            insert_failed_per_s: 1.0,
            early_drop_per_s: 1.0,
            chaintoolong_per_s: 0.1,
            invalid_per_s: 100.0,
            stale_udp_entries: 20,
            snat_port_share: 0.50,
        }
    }
}
