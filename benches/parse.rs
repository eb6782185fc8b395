//! Criterion benchmarks of the hot paths, one group each, so a regression
//! in any of them shows:
//!
//! - `conntrack_listing`: the listing parser (fast path with the grammar
//!   behind it) and the grammar of record alone, MB/s per core;
//! - `frame`: parsing a chunk and counting its tally, alone (what `top`
//!   builds), with the frame columns `analyze` reads, and with every column;
//! - `aggregate`: a snapshot's counts and frame turned into its aggregates,
//!   entries/s;
//! - `kernel_log`: the drop scan over a journal, GB/s;
//! - `reports`: summary.json, report.html with its SVG charts, summary.md.
//!
//! cargo bench --bench parse [-- GROUP]

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

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ctsleuth::frame::aggregate::{AggregateOptions, aggregate};
use ctsleuth::frame::{ChunkBuilder, Projection, merge_chunks};
use ctsleuth::model::entry::Layout;
use ctsleuth::parse::conntrack::{parse_entry, parse_listing};
use ctsleuth::parse::log::scan_block;
use ctsleuth::parse::text;
use synth::{Generator, Profile, Rng, write_kern_log, write_listing};

fn listing(entries: u64, profile: Profile, layout: Layout) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut g = Generator::new(42, profile, 1);
    // Writing to a Vec cannot fail.
    let _ = write_listing(&mut buf, &mut g, entries, layout);
    buf
}

const CASES: [(&str, Profile, Layout); 5] = [
    ("default_busy", Profile::Busy, Layout::Default),
    ("default_serving", Profile::Serving, Layout::Default),
    ("default_churn", Profile::ChurnVictim, Layout::Default),
    ("proc_busy", Profile::Busy, Layout::Extended),
    ("proc_serving", Profile::Serving, Layout::Extended),
];

fn conntrack_listing(c: &mut Criterion) {
    let mut group = c.benchmark_group("conntrack_listing");
    for (name, profile, layout) in CASES {
        let buf = listing(100_000, profile, layout);
        group.throughput(Throughput::Bytes(buf.len() as u64));
        group.bench_function(format!("fast_path/{name}"), |b| {
            b.iter(|| {
                let mut n = 0u64;
                let r = parse_listing(black_box(&buf), 1, |e| n += u64::from(e.proto));
                black_box((r.entries, n))
            })
        });
        group.bench_function(format!("grammar_of_record/{name}"), |b| {
            b.iter(|| {
                let mut unknown = BTreeMap::new();
                let mut n = 0u64;
                for line in text::lines(black_box(&buf), 1) {
                    if let Ok(e) = parse_entry(line.text, &mut unknown) {
                        n += u64::from(e.proto);
                    }
                }
                black_box(n)
            })
        });
    }
    group.finish();
}

fn frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame");
    let buf = listing(100_000, Profile::Busy, Layout::Default);
    group.throughput(Throughput::Bytes(buf.len() as u64));
    for (name, projection) in [
        (
            "top",
            AggregateOptions {
                top: 10,
                per_address: false,
            }
            .projection(),
        ),
        ("analyze", AggregateOptions::default().projection()),
        ("all_columns", Projection::ALL),
    ] {
        group.bench_function(format!("parse+build/{name}/default_busy"), |b| {
            b.iter(|| {
                let mut builder = ChunkBuilder::new(buf.len() / 150, projection);
                let r = parse_listing(black_box(&buf), 1, |e| builder.push(e));
                builder.seal();
                let frame = merge_chunks(vec![builder]);
                black_box((r.entries, frame.map(|f| f.height()).ok()))
            })
        });
    }
    group.finish();
}

fn aggregates(c: &mut Criterion) {
    let mut group = c.benchmark_group("aggregate");
    for (name, profile) in [("busy", Profile::Busy), ("serving", Profile::Serving)] {
        let buf = listing(100_000, profile, Layout::Default);
        let mut builder = ChunkBuilder::new(buf.len() / 150, Projection::ALL);
        parse_listing(&buf, 1, |e| builder.push(e));
        builder.seal();
        let frame = merge_chunks(vec![builder]).unwrap();
        group.throughput(Throughput::Elements(frame.height() as u64));
        for (opts_name, per_address) in [("top", false), ("analyze", true)] {
            let opts = AggregateOptions {
                top: 10,
                per_address,
            };
            group.bench_function(format!("{opts_name}/{name}"), |b| {
                b.iter(|| black_box(aggregate(black_box(&frame), opts).map(|a| a.entries)))
            });
        }
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

fn reports(c: &mut Criterion) {
    use ctsleuth::analysis::{AnalyzeOptions, analyze};
    use ctsleuth::report::{charts, html, json, markdown};
    let root = env!("CARGO_MANIFEST_DIR");
    let (files, _) = ctsleuth::input::discover(&[format!("{root}/samples/incident-linkerd")]);
    let loaded = ctsleuth::pipeline::load(&files, &Default::default(), &|_| {});
    let summary = analyze(&loaded, &AnalyzeOptions::default()).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 11, 26, 12, 0, 0).unwrap();
    let mut group = c.benchmark_group("reports");
    group.bench_function("summary_json/incident", |b| {
        b.iter(|| black_box(json::to_string(black_box(&summary)).len()))
    });
    group.bench_function("report_html_with_svg/incident", |b| {
        b.iter(|| {
            let specs = charts::plan(&summary);
            black_box(html::render(&summary, "incident", at, &specs).len())
        })
    });
    group.bench_function("summary_md/incident", |b| {
        b.iter(|| {
            let specs = charts::plan(&summary);
            black_box(markdown::render(&summary, "incident", at, &specs).len())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = conntrack_listing, frame, aggregates, kernel_log, reports
}
criterion_main!(benches);
