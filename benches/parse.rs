//! Parser throughput on generated realistic input (MB/s via Throughput::Bytes).
//!
//! cargo bench --bench parse

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

#[allow(dead_code)]
#[path = "../examples/support/synth.rs"]
mod synth;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ctsleuth::frame::{ChunkBuilder, merge_chunks};
use ctsleuth::model::entry::Layout;
use ctsleuth::parse::conntrack::parse_listing;
use ctsleuth::parse::log::scan_block;
use synth::{Generator, Profile, Rng, write_kern_log, write_listing};

fn listing(entries: u64, profile: Profile, layout: Layout) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut g = Generator::new(42, profile, 1);
    // Writing to a Vec cannot fail.
    let _ = write_listing(&mut buf, &mut g, entries, layout);
    buf
}

fn conntrack_listing(c: &mut Criterion) {
    let mut group = c.benchmark_group("conntrack_listing");
    for (name, profile, layout) in [
        ("default_busy", Profile::Busy, Layout::Default),
        ("default_churn", Profile::ChurnVictim, Layout::Default),
        ("proc_busy", Profile::Busy, Layout::Extended),
    ] {
        let buf = listing(100_000, profile, layout);
        group.throughput(Throughput::Bytes(buf.len() as u64));
        group.bench_function(format!("grammar/{name}"), |b| {
            b.iter(|| {
                let mut n = 0u64;
                let r = parse_listing(black_box(&buf), 1, |e| n += u64::from(e.proto));
                black_box((r.entries, n))
            })
        });
        group.bench_function(format!("grammar+frame/{name}"), |b| {
            b.iter(|| {
                let mut builder = ChunkBuilder::new(buf.len() / 150);
                let r = parse_listing(black_box(&buf), 1, |e| builder.push(e));
                let frame = merge_chunks(vec![builder]);
                black_box((r.entries, frame.map(|f| f.height()).ok()))
            })
        });
    }
    group.finish();
}

fn kernel_log(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel_log");
    let mut buf = Vec::new();
    // About 20 MB, one line in 1,000 a conntrack drop.
    let _ = write_kern_log(&mut buf, &mut Rng::new(7), 150_000, 1000);
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("scan/syslog_0.1pct", |b| {
        b.iter(|| {
            let scan = scan_block(black_box(&buf), 1);
            black_box(scan.records.len())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = conntrack_listing, kernel_log
}
criterion_main!(benches);
