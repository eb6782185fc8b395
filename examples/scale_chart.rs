//! Draws the scale curves of BENCHMARKS.md from the CSV `benches/scale.sh`
//! writes, with the report's own chart code:
//!
//! cargo run --release --example scale_chart -- scale.csv docs/bench
//!
//! Writes `scale-entries.png` (one listing of 10k to 5M entries) and
//! `scale-snapshots.png` (1 to 64 snapshots of 1M entries) into the folder.

// Tests, benchmarks and sample generators may panic on their own fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ctsleuth::report::charts::{ChartSpec, Plot, ScalePoint, png};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(csv), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: scale_chart RESULTS.csv OUTPUT_FOLDER");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(csv).expect("read the CSV");
    let mut entries = Vec::new();
    let mut snapshots = Vec::new();
    // series,x,bytes,mean_s,stddev_s,peak_rss_kib,idiom_mean_s
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
        let (Some(x), Some(seconds), Some(kib), Some(idiom)) = (num(1), num(3), num(5), num(6))
        else {
            eprintln!("skipped: {line}");
            continue;
        };
        let p = ScalePoint {
            x,
            seconds,
            idiom_seconds: idiom,
            peak_mib: kib / 1024.0,
        };
        match f.first() {
            Some(&"entries") => entries.push(p),
            Some(&"snapshots") => snapshots.push(p),
            _ => eprintln!("skipped: {line}"),
        }
    }
    std::fs::create_dir_all(dir).expect("create the output folder");
    for (name, title, x_label, points) in [
        (
            "scale-entries.png",
            "ctsleuth analyze on one listing",
            "entries in the listing",
            entries,
        ),
        (
            "scale-snapshots.png",
            "ctsleuth analyze on many snapshots of 1M entries",
            "snapshots",
            snapshots,
        ),
    ] {
        let spec = ChartSpec {
            id: name.into(),
            title: title.into(),
            plot: Plot::Scale {
                x_label: x_label.into(),
                points,
            },
        };
        let path = std::path::Path::new(dir).join(name);
        png(&spec, &path, (1600, 700)).expect("draw the chart");
        println!("{}", path.display());
    }
}
