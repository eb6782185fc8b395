//! A fleet of nodes for the outputs at scale: one folder per node of a GKE
//! cluster with its `conntrack -L` and `sysctl` captures of one moment, a
//! few nodes whose tables ran full (a client flooding them, table-full
//! lines in their kernel logs), the rest healthy at a few percent.
//!
//! Deterministic: the same spec gives the same bytes.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use ctsleuth::model::entry::Layout;

use crate::synth::{Generator, Profile, Rng, sysctl_text, write_listing};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub nodes: usize,
    /// Indexes of the nodes whose tables ran full.
    pub full: Vec<usize>,
    /// `nf_conntrack_max` on every node.
    pub limit: u64,
    /// Entries of a healthy node: uniform in this range.
    pub healthy: (u64, u64),
    /// Node names this many characters longer than GKE's (0 for GKE's).
    pub longer_names: usize,
    /// Names like `n7` instead of GKE's.
    pub short_names: bool,
    /// Snapshots per node, ten minutes apart, the last at [`CAPTURED`]; a
    /// full node's table fills over them.
    pub times: usize,
    pub seed: u64,
}

impl Spec {
    /// `nodes` nodes, three of them full (near the start, the middle and
    /// the end of the name order).
    pub fn new(nodes: usize) -> Spec {
        let full = if nodes >= 3 {
            vec![nodes / 7, nodes / 2, nodes - 2]
        } else {
            vec![0]
        };
        Spec {
            nodes,
            full,
            limit: 131_072,
            healthy: (400, 3_000),
            longer_names: 0,
            short_names: false,
            times: 1,
            seed: 20_250_211,
        }
    }
}

/// The capture time of every node's snapshot.
pub const CAPTURED: &str = "2025-02-11T14:20:00Z";

/// The name of node `i`: `gke-<cluster>-<pool>-<8 hex>-<4 letters>`, three
/// node pools.
pub fn node_name(spec: &Spec, i: usize) -> String {
    if spec.short_names {
        return format!("n{i}");
    }
    let mut rng = Rng::new(spec.seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
    let pools = [
        ("default-pool", "3f9a1c27"),
        ("batch-pool", "8d20e4b1"),
        ("highmem-pool", "c5e1f08a"),
    ];
    let (pool, hash) = pools[i * pools.len() / spec.nodes.max(1)];
    let suffix: String = (0..4)
        .map(|_| (b'a' + rng.below(26) as u8) as char)
        .collect();
    let pad = "x".repeat(spec.longer_names);
    format!("gke-shop-prod{pad}-{pool}-{hash}-{suffix}")
}

/// [`CAPTURED`] less `steps` ten-minute steps, as file names write it.
fn capture_time(steps: usize) -> String {
    // 14:20 less up to 14 h of steps: the same day, hours and minutes only.
    let minutes = (14 * 60 + 20) - (steps as u64 * 10).min(14 * 60);
    format!("2025-02-11T{:02}:{:02}:00Z", minutes / 60, minutes % 60)
}

/// Writes the fleet under `root`, one folder per node.
pub fn write_fleet(root: &Path, spec: &Spec) -> io::Result<()> {
    let mut rng = Rng::new(spec.seed);
    for i in 0..spec.nodes {
        let node = node_name(spec, i);
        let dir = root.join(&node);
        fs::create_dir_all(&dir)?;
        let full = spec.full.contains(&i);
        let entries = if full {
            spec.limit
        } else {
            rng.range(spec.healthy.0, spec.healthy.1)
        };
        let profile = if full {
            Profile::ChurnVictim
        } else {
            Profile::Healthy
        };
        // Node index as the generator's /24 and address (both fit a byte
        // up to 245 nodes).
        let index = u8::try_from(i % 240).unwrap_or(0);
        let times = spec.times.max(1);
        for k in 0..times {
            // A full node's table climbs to its limit at the last capture.
            let here = if full {
                entries * (k as u64 + 1) / times as u64
            } else {
                entries
            };
            let at = capture_time(times - 1 - k);
            let mut generator = Generator::new(spec.seed + i as u64 + k as u64, profile, index);
            let mut out =
                BufWriter::new(fs::File::create(dir.join(format!("conntrack-L-{at}.txt")))?);
            write_listing(&mut out, &mut generator, here, Layout::Default)?;
            out.flush()?;
        }
        let buckets = spec.limit / 4;
        fs::write(
            dir.join(format!("sysctl-{CAPTURED}.txt")),
            sysctl_text(&node, entries, spec.limit, buckets, 2_048),
        )?;
        if full {
            write_drops(&dir.join("kern.log"), &node, &mut rng)?;
        }
    }
    Ok(())
}

/// The kernel's table-full lines of a node in the two minutes before the
/// capture, ten per five-second window with the rate limiter's summaries.
fn write_drops(path: &Path, node: &str, rng: &mut Rng) -> io::Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    // Booted 2025-02-02 06:00:00 UTC: 9 days, 8 h 18 min before 14:18:00.
    let boot_offset = 9 * 86_400 + 8 * 3_600 + 18 * 60;
    for window in 0..24u64 {
        let secs = 14 * 3_600 + 18 * 60 + window * 5;
        let (h, m, s) = (secs / 3_600, (secs / 60) % 60, secs % 60);
        let mono = boot_offset + window * 5;
        if window > 0 {
            writeln!(
                out,
                "Feb 11 {h:02}:{m:02}:{s:02} {node} kernel: [{mono:>6}.{:06}] net_ratelimit: {} callbacks suppressed",
                rng.below(1_000_000),
                rng.range(300, 2_400)
            )?;
        }
        for k in 0..10u64 {
            writeln!(
                out,
                "Feb 11 {h:02}:{m:02}:{s:02} {node} kernel: [{mono:>6}.{:06}] nf_conntrack: nf_conntrack: table full, dropping packet",
                k * 90_000 + rng.below(90_000)
            )?;
        }
    }
    out.flush()
}
