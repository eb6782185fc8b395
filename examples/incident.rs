//! Regenerates the `samples/incident-linkerd` support bundle: the incident
//! that motivated ctsleuth, on a GKE cluster, over two mornings.
//!
//! cargo run --release --example incident -- [OUT_DIR] [HOT_ENTRIES]
//!
//! Defaults: `samples/incident-linkerd` and 131,004 entries on the fullest
//! node (its limit is 131,072). Deterministic: the same arguments give the
//! same bytes. What it writes, per node folder: `conntrack -L` snapshots
//! before, during and after the second morning's burst (gzipped),
//! `conntrack -S` captures, a sysctl capture, kube-proxy's log, and kernel
//! logs in the framing each node's collector used (syslog, journal JSON,
//! dmesg -T); the client node adds its application log with DNS failures.
//! Node-level inventories (crictl, in-pod netstat/ss) are copied from
//! `samples/inventory/`; the cluster-wide kubectl captures in `cluster/` are
//! kept as they are.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

#[allow(dead_code)]
#[path = "support/synth.rs"]
mod synth;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctsleuth::model::entry::Layout;
use flate2::{Compression, write::GzEncoder};
use synth::{Generator, Profile, Rng, write_listing};

/// How a node's kernel log was collected.
#[derive(Clone, Copy)]
enum Collector {
    Syslog,
    JournalJson,
    DmesgHuman,
    None,
}

struct NodeSpec {
    name: &'static str,
    index: u8,
    hot: bool,
    boot: (i32, u32, u32, u32, u32, u32),
    collector: Collector,
    /// Entries of the fullest snapshot, relative to the hottest node.
    scale: f64,
}

const NODES: [NodeSpec; 4] = [
    NodeSpec {
        name: "gke-prod-default-pool-7f3a9c21-x2lq",
        index: 1,
        hot: true,
        boot: (2024, 11, 25, 6, 11, 3),
        collector: Collector::Syslog,
        scale: 1.0,
    },
    NodeSpec {
        name: "gke-prod-default-pool-7f3a9c21-k9wd",
        index: 2,
        hot: true,
        boot: (2024, 11, 24, 22, 40, 10),
        collector: Collector::JournalJson,
        scale: 0.9718,
    },
    NodeSpec {
        name: "gke-prod-default-pool-7f3a9c21-b8mn",
        index: 3,
        hot: false,
        boot: (2024, 11, 20, 4, 2, 51),
        collector: Collector::DmesgHuman,
        scale: 0.024,
    },
    NodeSpec {
        name: "gke-prod-default-pool-7f3a9c21-m4tz",
        index: 5,
        hot: false,
        boot: (2024, 11, 21, 13, 45, 12),
        collector: Collector::None,
        scale: 0.021,
    },
];

/// The table fills at 08:57:40 UTC each morning and drains by 09:04:20.
const BURST_START: (u32, u32, u32) = (8, 57, 40);
const BURST_WINDOWS: [(u32, u32); 2] = [(25, 72), (26, 80)];
/// Kernel drops per second on a full node, split over 4 CPUs.
const DROPS_PER_S: [u64; 4] = [101, 97, 108, 99];

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .unwrap_or_default()
}

fn burst(day: u32, windows: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let (h, m, s) = BURST_START;
    let start = at(2024, 11, day, h, m, s);
    (start, start + Duration::seconds(i64::from(windows) * 5))
}

/// Seconds of full table between boot and `t`.
fn full_seconds(boot: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    BURST_WINDOWS
        .iter()
        .map(|&(d, w)| burst(d, w))
        .map(|(a, b)| {
            let (a, b) = (a.max(boot), b.min(t));
            (b - a).num_seconds().max(0)
        })
        .sum()
}

fn create(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path)?))
}

fn write_dump(
    dir: &Path,
    stamp: &str,
    seed: u64,
    profile: Profile,
    index: u8,
    entries: u64,
) -> io::Result<()> {
    let path = dir.join(format!("conntrack-L-{stamp}.txt.gz"));
    let mut gz = GzEncoder::new(create(&path)?, Compression::best());
    let mut g = Generator::new(seed, profile, index);
    write_listing(&mut gz, &mut g, entries, Layout::Default)?;
    gz.finish()?.flush()
}

fn write_stats(dir: &Path, n: &NodeSpec, boot: DateTime<Utc>, t: DateTime<Utc>) -> io::Result<()> {
    let mut out = create(&dir.join(format!(
        "conntrack-S-{}.txt",
        t.format("%Y-%m-%dT%H:%M:%SZ")
    )))?;
    let full = if n.hot {
        full_seconds(boot, t) as u64
    } else {
        0
    };
    let up = (t - boot).num_seconds().max(0) as u64;
    for cpu in 0..4u64 {
        let found = 812_000 + cpu * 9_113 + up / 7;
        let invalid = 5_240 + cpu * 37 + up / 900;
        let insert_failed = 214 + cpu * 11 + full / 60;
        let drop = DROPS_PER_S[cpu as usize] * full;
        let early_drop = if n.hot {
            1_130 + cpu * 17 + full / 20
        } else {
            0
        };
        let clash = 876 + cpu * 13 + up / 3_000;
        writeln!(
            out,
            "cpu={cpu:<4}\tfound={found} invalid={invalid} insert=0 insert_failed={insert_failed} drop={drop} early_drop={early_drop} error={} search_restart={} clash_resolve={clash} chaintoolong=0 ",
            37 + cpu,
            4_410 + cpu * 29
        )?;
    }
    out.flush()
}

fn write_sysctl(dir: &Path, n: &NodeSpec, count: u64) -> io::Result<()> {
    fs::write(
        dir.join("sysctl-2024-11-26T09:04:05Z.txt"),
        synth::sysctl_text(n.name, count, 131_072, 32_768, 512),
    )
}

fn write_kube_proxy(dir: &Path, n: &NodeSpec, boot: DateTime<Utc>) -> io::Result<()> {
    let mut out = create(&dir.join("kube-proxy.log"))?;
    let ip = format!("10.128.0.{}", 10 + n.index);
    let lines = [
        "server_others.go:72] \"Using iptables proxy\"".to_string(),
        format!("server.go:1050] \"Successfully retrieved node IP(s)\" IPs=[\"{ip}\"]"),
        "server_others.go:168] \"Using iptables Proxier\"".into(),
        "server.go:865] \"Version info\" version=\"v1.29.10-gke.1054000\"".into(),
        "conntrack.go:59] \"Setting nf_conntrack_max\" nfConntrackMax=131072".into(),
        "conntrack.go:118] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_max\" value=131072".into(),
        "conntrack.go:118] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_tcp_timeout_established\" value=86400".into(),
        "conntrack.go:118] \"Set sysctl\" entry=\"net/netfilter/nf_conntrack_tcp_timeout_close_wait\" value=3600".into(),
        "config.go:188] \"Starting service config controller\"".into(),
        "shared_informer.go:311] Waiting for caches to sync for service config".into(),
        "shared_informer.go:318] Caches are synced for service config".into(),
        "proxier.go:805] \"SyncProxyRules complete\" elapsed=\"41.8ms\"".into(),
    ];
    for (i, l) in lines.iter().enumerate() {
        let t = boot + Duration::seconds(98) + Duration::microseconds(i as i64 * 4_731);
        writeln!(out, "I{}       1 {l}", t.format("%m%d %H:%M:%S%.6f"))?;
    }
    out.flush()
}

/// Kernel lines of both mornings: `(time, seconds since boot, message)`.
fn kernel_lines(
    n: &NodeSpec,
    boot: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<(DateTime<Utc>, f64, String)> {
    let mut v = vec![(
        boot + Duration::milliseconds(1_902),
        1.902114,
        "nf_conntrack: nf_conntrack version 0.5.0 (65536 buckets, 262144 max)".to_string(),
    )];
    if !n.hot {
        return v;
    }
    for &(day, windows) in &BURST_WINDOWS {
        let (start, _) = burst(day, windows);
        for i in 0..windows {
            let t = start + Duration::milliseconds(i64::from(i) * 5_000 + rng.below(400) as i64);
            let mono = (t - boot).num_microseconds().unwrap_or(0) as f64 / 1e6;
            if i > 0 {
                v.push((
                    t,
                    mono,
                    format!(
                        "net_ratelimit: {} callbacks suppressed",
                        rng.range(1_900, 2_100)
                    ),
                ));
            }
            for k in 0..10 {
                let dt = Duration::microseconds(k * 131);
                v.push((
                    t + dt,
                    mono + k as f64 * 0.000131,
                    "nf_conntrack: nf_conntrack: table full, dropping packet".into(),
                ));
            }
        }
    }
    v
}

fn write_kernel_log(
    dir: &Path,
    n: &NodeSpec,
    boot: DateTime<Utc>,
    rng: &mut Rng,
) -> io::Result<()> {
    let lines = kernel_lines(n, boot, rng);
    match n.collector {
        Collector::Syslog => {
            let mut out = create(&dir.join("kern.log"))?;
            for (t, mono, msg) in &lines {
                writeln!(
                    out,
                    "{} {} kernel: [{mono:12.6}] {msg}",
                    t.format("%b %e %H:%M:%S"),
                    n.name
                )?;
            }
            out.flush()
        }
        Collector::JournalJson => {
            let mut out = create(&dir.join("journal-k.json"))?;
            for (i, (t, mono, msg)) in lines.iter().enumerate() {
                let real = t.timestamp_micros() + 211;
                let mono_us = (mono * 1e6) as i64;
                let entry = serde_json::json!({
                    "__CURSOR": format!("s=5b2e91c0d7a44f0e8c3b6a1d2f9e7c40;i={:x};b=9c7e51d84b0a9e6c2d17f4b8a0533f2a;m={:x};t={:x}", 0x1f3a00 + i, mono_us + 211, real),
                    "__REALTIME_TIMESTAMP": real.to_string(),
                    "__MONOTONIC_TIMESTAMP": (mono_us + 211).to_string(),
                    "_BOOT_ID": "9c7e51d84b0a9e6c2d17f4b8a0533f2a",
                    "_TRANSPORT": "kernel",
                    "SYSLOG_FACILITY": "0",
                    "SYSLOG_IDENTIFIER": "kernel",
                    "PRIORITY": if msg.contains("table full") { "4" } else { "6" },
                    "_MACHINE_ID": "2d6e0f1b8a3c4d5e9f70a1b2c3d4e5f6",
                    "_HOSTNAME": n.name,
                    "_SOURCE_MONOTONIC_TIMESTAMP": mono_us.to_string(),
                    "MESSAGE": msg,
                });
                writeln!(out, "{entry}")?;
            }
            out.flush()
        }
        Collector::DmesgHuman => {
            let mut out = create(&dir.join("dmesg-T.txt"))?;
            for (t, _, msg) in &lines {
                writeln!(out, "[{}] {msg}", t.format("%a %b %e %H:%M:%S %Y"))?;
            }
            writeln!(
                out,
                "[{}] cbr0: port 7(veth6b3c2a1f) entered forwarding state",
                (boot + Duration::seconds(41)).format("%a %b %e %H:%M:%S %Y")
            )?;
            out.flush()
        }
        Collector::None => Ok(()),
    }
}

/// The flooded client's own log: DNS lookups time out while the tables are full.
fn write_app_log(dir: &Path, rng: &mut Rng) -> io::Result<()> {
    let mut out = create(&dir.join("storefront-bff.log"))?;
    for &(day, windows) in &BURST_WINDOWS {
        let (start, end) = burst(day, windows);
        let mut t = start - Duration::minutes(6);
        while t < end + Duration::minutes(4) {
            let stamp = t.format("%Y-%m-%dT%H:%M:%S%.9fZ");
            if t >= start + Duration::seconds(8) && t <= end {
                writeln!(
                    out,
                    "{stamp} level=error msg=\"rates refresh failed\" err=\"Get \\\"https://api.example.com/v1/rates\\\": dial tcp: lookup api.example.com on 10.8.0.10:53: read udp 10.4.5.23:{}->10.8.0.10:53: i/o timeout\"",
                    rng.range(32_768, 60_999)
                )?;
            } else {
                writeln!(
                    out,
                    "{stamp} level=info msg=\"rates cache refreshed\" entries=1834 took={}ms",
                    rng.range(150, 420)
                )?;
            }
            t += Duration::milliseconds(20_000 + rng.below(25_000) as i64);
        }
    }
    out.flush()
}

fn copy_inventory(samples: &Path, dir: &Path, files: &[&str]) -> io::Result<()> {
    for f in files {
        fs::copy(samples.join("inventory").join(f), dir.join(f))?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .map_or("samples/incident-linkerd", String::as_str),
    );
    let hot: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(131_004);
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut rng = Rng::new(20_241_126);
    for (i, n) in NODES.iter().enumerate() {
        let dir = out.join(n.name);
        fs::create_dir_all(&dir)?;
        let (y, mo, d, h, mi, s) = n.boot;
        let boot = at(y, mo, d, h, mi, s);
        let seed = 11 + i as u64;
        let offset = i as u32 * 10;
        // Before, during and after the second morning's burst.
        let peak = ((hot as f64) * n.scale).round() as u64;
        let quiet = 2_900 + u64::from(n.index) * 137;
        for (slot, (stamp, profile, entries)) in [
            (
                format!("2024-11-26T08:40:{offset:02}Z"),
                Profile::Healthy,
                quiet,
            ),
            (
                format!("2024-11-26T09:04:{offset:02}Z"),
                if n.hot {
                    Profile::ChurnVictim
                } else {
                    Profile::Healthy
                },
                peak.max(quiet),
            ),
            (
                format!("2024-11-26T09:30:{offset:02}Z"),
                Profile::Healthy,
                quiet + 450,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            write_dump(
                &dir,
                &stamp,
                seed * 10 + slot as u64,
                profile,
                n.index,
                entries,
            )?;
        }
        for (hh, mm) in [(8, 40), (9, 0), (9, 4), (9, 30)] {
            write_stats(&dir, n, boot, at(2024, 11, 26, hh, mm, 0))?;
        }
        write_sysctl(&dir, n, peak.max(quiet))?;
        write_kube_proxy(&dir, n, boot)?;
        write_kernel_log(&dir, n, boot, &mut rng)?;
        match n.index {
            1 => copy_inventory(
                &samples,
                &dir,
                &[
                    "crictl-pods.txt",
                    "crictl-ps.txt",
                    "netstat-linkerd-router.txt",
                ],
            )?,
            5 => {
                copy_inventory(&samples, &dir, &["ss-storefront-bff.txt"])?;
                write_app_log(&dir, &mut rng)?;
            }
            _ => {}
        }
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
