//! Charts of the analysis, drawn with plotters: the same drawing code goes
//! to the SVG backend (inlined in report.html) and to the bitmap backend
//! (PNG files). Text uses a font embedded in the binary, so PNGs look the
//! same on a machine without fonts. Values are aggregated before drawing:
//! a chart never holds one element per conntrack entry.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analysis::SnapshotSummary;
use crate::analysis::Summary;
use crate::analysis::drops::{Burst, NodeDrops};

/// The embedded font (DejaVu Sans; license in assets/).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Colour-blind-safe palette (Okabe and Ito).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const VERMILION: RGBColor = RGBColor(213, 94, 0);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const GREY: RGBColor = RGBColor(120, 120, 120);

fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
}

/// A value to show on hover, over a rectangle of the drawing (pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct Tip {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
    pub text: String,
}

/// What one chart shows.
#[derive(Debug, Clone)]
pub enum Plot<'a> {
    /// Logged drops and their upper bound per bucket on one node (log scale),
    /// bursts shaded, DNS failures as a second series.
    Drops {
        node: &'a NodeDrops,
        bursts: Vec<&'a Burst>,
    },
    /// Entries of a node's snapshots over time against its limit.
    Fill {
        node: Option<String>,
        points: Vec<(DateTime<Utc>, u64)>,
        limit: Option<u64>,
    },
    /// The largest source workloads of a snapshot (or, with `answered`, the
    /// workloads that answered its connections), stacked by state.
    Workloads {
        snapshot: &'a SnapshotSummary,
        answered: bool,
    },
    /// Closes per second over the last time_wait seconds of a snapshot.
    CloseRate { snapshot: &'a SnapshotSummary },
    /// Every node's peak fill as one bar, fullest first, nodes that dropped
    /// packets marked: a fleet in one chart.
    Fleet { rows: Vec<FleetRow> },
    /// Fill per node (rows, fullest first) and capture time (columns): when
    /// and where tables filled, for a fleet captured more than once.
    Heatmap {
        nodes: Vec<String>,
        times: Vec<DateTime<Utc>>,
        /// `cells[row][column]`: fill, when that node was captured then.
        cells: Vec<Vec<Option<f64>>>,
    },
    /// How a cost grows with the input: time (ctsleuth and the awk idiom)
    /// and ctsleuth's peak memory against `x`, both axes logarithmic. Drawn
    /// for BENCHMARKS.md, not for an incident.
    Scale {
        x_label: String,
        points: Vec<ScalePoint>,
    },
}

/// One measurement of a scale curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalePoint {
    /// Entries or snapshots.
    pub x: f64,
    pub seconds: f64,
    pub idiom_seconds: f64,
    pub peak_mib: f64,
}

/// Cells of a heatmap that each get a hover text; beyond this, one per row.
const HEATMAP_CELL_TIPS: usize = 600;

/// One node of the fleet chart.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRow {
    pub node: String,
    /// Peak entries over the limit (0–1, above 1 when counts ran past it).
    pub fill: f64,
    pub dropped: bool,
}

/// Beyond this many nodes, one fleet chart replaces the per-node fill
/// charts, and per-node charts are drawn only for the nodes that matter.
pub const FLEET_NODES: usize = 8;

/// Per-node detail charts (fill, drops) kept for a fleet.
pub const DETAIL_NODES: usize = 6;

/// A chart to render, with a stable id (file name of its PNG).
pub struct ChartSpec<'a> {
    pub id: String,
    pub title: String,
    pub plot: Plot<'a>,
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn node_label(n: &Option<String>) -> String {
    n.as_deref().unwrap_or("(node unknown)").to_string()
}

/// The charts a summary calls for, in report order.
pub fn plan(s: &Summary) -> Vec<ChartSpec<'_>> {
    let mut out = Vec::new();
    let fleet = s.nodes.len() > FLEET_NODES;
    // For a fleet, the nodes that matter: those that dropped packets (most
    // first), then the fullest.
    let dropped: Vec<&Option<String>> = {
        let mut d: Vec<&NodeDrops> = s
            .drops
            .per_node
            .iter()
            .filter(|n| !n.buckets.is_empty())
            .collect();
        d.sort_by_key(|n| std::cmp::Reverse(n.buckets.iter().map(|b| b.upper_bound).sum::<u64>()));
        d.into_iter().map(|n| &n.node).collect()
    };
    let mut detail: Vec<&Option<String>> = Vec::new();
    if fleet {
        let mut by_fill: Vec<&crate::analysis::NodeSummary> = s
            .nodes
            .iter()
            .filter(|n| n.peak_utilization.is_some())
            .collect();
        by_fill.sort_by(|a, b| {
            b.peak_utilization
                .unwrap_or(0.0)
                .total_cmp(&a.peak_utilization.unwrap_or(0.0))
        });
        for n in dropped
            .iter()
            .copied()
            .chain(by_fill.iter().map(|n| &n.node))
        {
            if detail.len() < DETAIL_NODES && !detail.contains(&n) {
                detail.push(n);
            }
        }
    }
    let wanted = |node: &Option<String>| !fleet || detail.contains(&node);
    for (i, n) in s.drops.per_node.iter().enumerate() {
        if n.buckets.is_empty() || !wanted(&n.node) {
            continue;
        }
        out.push(ChartSpec {
            id: format!("drops-{}", i + 1),
            title: format!(
                "Drops on {} ({}, {} s buckets)",
                node_label(&n.node),
                if n.clock == crate::analysis::drops::Clock::Utc {
                    "UTC"
                } else {
                    "seconds since boot"
                },
                s.drops.bucket_s
            ),
            plot: Plot::Drops {
                node: n,
                bursts: s
                    .bursts
                    .iter()
                    .filter(|b| b.node == n.node && b.clock == n.clock)
                    .collect(),
            },
        });
    }
    if fleet {
        let mut rows: Vec<FleetRow> = s
            .nodes
            .iter()
            .filter_map(|n| {
                Some(FleetRow {
                    node: node_label(&n.node),
                    fill: n.peak_utilization?,
                    dropped: dropped.contains(&&n.node),
                })
            })
            .collect();
        rows.sort_by(|a, b| b.fill.total_cmp(&a.fill).then_with(|| a.node.cmp(&b.node)));
        if !rows.is_empty() {
            out.push(ChartSpec {
                id: "fleet-fill".into(),
                title: format!("Peak fill of {} nodes, fullest first", rows.len()),
                plot: Plot::Fleet { rows },
            });
        }
    }
    if fleet {
        if let Some(h) = heatmap(s) {
            out.push(h);
        }
    }
    for (i, n) in s.nodes.iter().enumerate() {
        if !wanted(&n.node) {
            continue;
        }
        let mut points: Vec<(DateTime<Utc>, u64)> = s
            .snapshots
            .iter()
            .filter(|x| x.node == n.node)
            .filter_map(|x| Some((x.captured_at?, x.stats.entries)))
            .collect();
        points.sort();
        if points.is_empty() {
            continue;
        }
        out.push(ChartSpec {
            id: format!("fill-{}", i + 1),
            title: format!("Table fill on {}", node_label(&n.node)),
            plot: Plot::Fill {
                node: n.node.clone(),
                points,
                limit: n.limit,
            },
        });
    }
    // The fullest snapshot of the hottest nodes.
    let mut peaks: Vec<&SnapshotSummary> = s.snapshots.iter().collect();
    peaks.sort_by_key(|p| std::cmp::Reverse(p.stats.entries));
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in peaks
        .into_iter()
        .filter(|p| seen.insert(p.node.clone()))
        .take(2)
        .enumerate()
    {
        if !p.top_workloads.is_empty() {
            out.push(ChartSpec {
                id: format!("workloads-{}", i + 1),
                title: format!("Who holds {}'s table (by source)", node_label(&p.node)),
                plot: Plot::Workloads {
                    snapshot: p,
                    answered: false,
                },
            });
        }
        if !p.top_destination_workloads.is_empty() {
            out.push(ChartSpec {
                id: format!("destinations-{}", i + 1),
                title: format!(
                    "Who answers {}'s connections (by destination)",
                    node_label(&p.node)
                ),
                plot: Plot::Workloads {
                    snapshot: p,
                    answered: true,
                },
            });
        }
        if !p.stats.close_history.closes_per_s.is_empty() {
            out.push(ChartSpec {
                id: format!("close-rate-{}", i + 1),
                title: format!("Connections closed per second on {}", node_label(&p.node)),
                plot: Plot::CloseRate { snapshot: p },
            });
        }
    }
    out
}

type Draw<DB> = Result<Vec<Tip>, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// What every chart is drawn with: its title and the scale of the output
/// (1 for SVG, the PNG's size over the SVG's).
struct Pen<'a> {
    title: &'a str,
    scale: f64,
}

impl<'t> Pen<'t> {
    /// A chart's frame: its title, margins and axis label areas (`y_labels`:
    /// the width of the y axis labels, in pixels at scale 1).
    fn frame<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        y_labels: f64,
    ) -> ChartBuilder<'a, 't, DB> {
        let mut b = ChartBuilder::on(area);
        b.caption(self.title, self.title_font())
            .margin(self.px(14.0))
            .x_label_area_size(self.px(44.0))
            .y_label_area_size(self.px(y_labels));
        b
    }

    /// The series legend, boxed on a pale ground at `at`.
    fn legend<'c, DB: DrawingBackend + 'c, CT: plotters::coord::CoordTranslate>(
        &self,
        chart: &mut ChartContext<'c, DB, CT>,
        at: SeriesLabelPosition,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        chart
            .configure_series_labels()
            .label_font(self.label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .position(at)
            .draw()
    }

    /// A length in pixels at this scale.
    fn px(&self, v: f64) -> u32 {
        crate::numbers::to_u32(crate::numbers::round_u64(v * self.scale))
    }
    fn title_font(&self) -> FontDesc<'static> {
        (FAMILY, f64::from(self.px(22.0))).into_font()
    }
    fn label_font(&self) -> FontDesc<'static> {
        (FAMILY, f64::from(self.px(14.0))).into_font()
    }
}

fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &ChartSpec<'_>,
    scale: f64,
) -> Draw<DB> {
    area.fill(&WHITE)?;
    let pen = Pen {
        title: &spec.title,
        scale,
    };
    let tips = match &spec.plot {
        Plot::Drops { node, bursts } => drops_chart(area, &pen, node, bursts)?,
        Plot::Fill { points, limit, .. } => fill_chart(area, &pen, points, *limit)?,
        Plot::Workloads { snapshot, answered } => workloads_chart(area, &pen, snapshot, *answered)?,
        Plot::CloseRate { snapshot } => close_rate_chart(area, &pen, snapshot)?,
        Plot::Fleet { rows } => fleet_chart(area, &pen, rows)?,
        Plot::Heatmap {
            nodes,
            times,
            cells,
        } => heatmap_chart(area, &pen, nodes, times, cells)?,
        Plot::Scale { x_label, points } => scale_chart(area, &pen, x_label, points)?,
    };
    area.present()?;
    Ok(tips)
}

/// A log range around `values`, a little wider than they are.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return 1.0..10.0;
    }
    lo / 1.5..hi * 1.5
}

/// One measured series of a scale chart: a line through its points, a dot
/// on each, and its legend entry.
fn scale_line<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<LogCoord<f64>, Y>>,
    c: &Pen<'_>,
    points: &[ScalePoint],
    y: impl Fn(&ScalePoint) -> f64,
    colour: RGBColor,
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let pts: Vec<(f64, f64)> = points.iter().map(|p| (p.x, y(p))).collect();
    let dot = i32::try_from(c.px(4.0)).unwrap_or(4);
    chart
        .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(c.px(2.0))))?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2)));
    chart.draw_series(
        pts.into_iter()
            .map(|p| Circle::new(p, dot, colour.filled())),
    )?;
    Ok(())
}

/// Time on the left, peak memory on the right, against the same `x`.
fn scale_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    x_label: &str,
    points: &[ScalePoint],
) -> Draw<DB> {
    let (title, body) = area.split_vertically(c.px(40.0));
    title.titled(c.title, c.title_font())?;
    let halves = body.split_evenly((1, 2));
    let (Some(left), Some(right)) = (halves.first(), halves.get(1)) else {
        return Ok(Vec::new());
    };
    let xs = log_range(points.iter().map(|p| p.x));
    let number = |v: &f64| {
        if *v >= 1.0 || *v == 0.0 {
            crate::numbers::thousands(crate::numbers::round_u64(*v))
        } else {
            format!("{v:.2}")
        }
    };
    let plain = Pen {
        title: "time, seconds",
        scale: c.scale,
    };
    let mut time = plain.frame(left, 64.0).build_cartesian_2d(
        xs.clone().log_scale(),
        log_range(points.iter().flat_map(|p| [p.seconds, p.idiom_seconds])).log_scale(),
    )?;
    time.configure_mesh()
        .x_desc(x_label)
        .x_label_formatter(&number)
        .y_label_formatter(&|y| format!("{y:.2}"))
        .label_style(c.label_font())
        .draw()?;
    let time_of = |p: &ScalePoint| p.seconds;
    let idiom_of = |p: &ScalePoint| p.idiom_seconds;
    scale_line(&mut time, c, points, time_of, BLUE, "ctsleuth analyze")?;
    scale_line(&mut time, c, points, idiom_of, ORANGE, "awk idiom (mawk)")?;
    plain.legend(&mut time, SeriesLabelPosition::UpperLeft)?;

    let plain = Pen {
        title: "peak resident memory, MiB",
        scale: c.scale,
    };
    // Memory on a linear axis from zero: flat is what it should show, and a
    // log axis within one decade would carry no labels.
    let top = points.iter().map(|p| p.peak_mib).fold(1.0, f64::max) * 1.15;
    let mut memory = plain
        .frame(right, 64.0)
        .build_cartesian_2d(xs.log_scale(), 0.0..top)?;
    memory
        .configure_mesh()
        .x_desc(x_label)
        .x_label_formatter(&number)
        .y_label_formatter(&number)
        .label_style(c.label_font())
        .draw()?;
    scale_line(
        &mut memory,
        c,
        points,
        |p| p.peak_mib,
        GREEN,
        "ctsleuth analyze",
    )?;
    plain.legend(&mut memory, SeriesLabelPosition::UpperLeft)?;
    Ok(Vec::new())
}

/// One series of bars: inset from the bucket edges, colour, legend, value.
type BarLayer = (
    f64,
    RGBColor,
    &'static str,
    fn(&crate::analysis::drops::Bucket) -> u64,
);

/// The node × time fill heatmap of a fleet, when its snapshots were taken
/// at two moments or more (times rounded to the minute).
fn heatmap(s: &Summary) -> Option<ChartSpec<'_>> {
    let minute = |t: DateTime<Utc>| t.timestamp().div_euclid(60) * 60;
    let mut times: Vec<i64> = s
        .snapshots
        .iter()
        .filter(|x| !x.partial)
        .filter_map(|x| x.captured_at.map(minute))
        .collect();
    times.sort_unstable();
    times.dedup();
    if times.len() < 2 {
        return None;
    }
    let mut nodes: Vec<&crate::analysis::NodeSummary> =
        s.nodes.iter().filter(|n| n.limit.is_some()).collect();
    nodes.sort_by(|a, b| {
        b.peak_utilization
            .unwrap_or(0.0)
            .total_cmp(&a.peak_utilization.unwrap_or(0.0))
            .then_with(|| a.node.cmp(&b.node))
    });
    let cells: Vec<Vec<Option<f64>>> = nodes
        .iter()
        .map(|n| {
            times
                .iter()
                .map(|&t| {
                    s.snapshots
                        .iter()
                        .filter(|x| x.node == n.node && !x.partial)
                        .filter(|x| x.captured_at.map(minute) == Some(t))
                        .filter_map(|x| x.utilization)
                        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))))
                })
                .collect()
        })
        .collect();
    Some(ChartSpec {
        id: "fleet-heatmap".into(),
        title: format!("Fill of {} nodes over time, fullest first", nodes.len()),
        plot: Plot::Heatmap {
            nodes: nodes.iter().map(|n| node_label(&n.node)).collect(),
            times: times
                .iter()
                .filter_map(|&t| DateTime::from_timestamp(t, 0))
                .collect(),
            cells,
        },
    })
}

/// White at an empty table to vermilion at a full one.
fn heat(u: f64) -> RGBColor {
    let u = u.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| {
        let v = f64::from(a) + (f64::from(b) - f64::from(a)) * u;
        u8::try_from(crate::numbers::round_u64(v.clamp(0.0, 255.0))).unwrap_or(u8::MAX)
    };
    RGBColor(
        mix(255, VERMILION.0),
        mix(255, VERMILION.1),
        mix(255, VERMILION.2),
    )
}

/// A cell per node and capture time, coloured by fill; a cell without a
/// capture stays grey.
fn heatmap_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    nodes: &[String],
    times: &[DateTime<Utc>],
    cells: &[Vec<Option<f64>>],
) -> Draw<DB> {
    let label_font = c.label_font();
    let (rows, cols) = (nodes.len().max(1), times.len().max(1));
    let mut chart = c
        .frame(area, 64.0)
        .build_cartesian_2d(0f64..cols as f64, 0f64..rows as f64)?;
    let labels: Vec<String> = times
        .iter()
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .collect();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(cols.min(8))
        .y_labels(0)
        .x_label_formatter(&|x| {
            labels
                .get(usize::try_from(crate::numbers::round_u64(x.trunc())).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default()
        })
        .x_desc("capture time, UTC (white: empty, vermilion: full, grey: no capture)")
        .y_desc("nodes, fullest first")
        .label_style(label_font)
        .draw()?;
    let mut tips = Vec::new();
    let per_cell = rows * cols <= HEATMAP_CELL_TIPS;
    for (r, row) in cells.iter().enumerate() {
        // Fullest at the top.
        let y = (rows - 1 - r) as f64;
        for (k, cell) in row.iter().enumerate() {
            let colour = cell.map_or(RGBColor(220, 220, 220), heat);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(k as f64, y), (k as f64 + 1.0, y + 1.0)],
                colour.filled(),
            )))?;
            if per_cell {
                let (x0, y0) = chart.backend_coord(&(k as f64, y + 1.0));
                let (x1, y1) = chart.backend_coord(&(k as f64 + 1.0, y));
                tips.push(Tip {
                    x0,
                    y0,
                    x1,
                    y1,
                    text: format!(
                        "{} at {}: {}",
                        nodes.get(r).map_or("", String::as_str),
                        labels.get(k).map_or("", String::as_str),
                        cell.map_or("no capture".into(), |u| format!(
                            "{} full",
                            crate::numbers::fill(u)
                        ))
                    ),
                });
            }
        }
        if !per_cell {
            let (x0, y0) = chart.backend_coord(&(0.0, y + 1.0));
            let (x1, y1) = chart.backend_coord(&(cols as f64, y));
            let peak = row.iter().flatten().copied().fold(0.0_f64, f64::max);
            tips.push(Tip {
                x0,
                y0,
                x1,
                y1,
                text: format!(
                    "{}: at most {} full",
                    nodes.get(r).map_or("", String::as_str),
                    crate::numbers::fill(peak)
                ),
            });
        }
    }
    Ok(tips)
}

/// Where the drops chart folds quiet time out of its axis: the index of the
/// bucket after each fold, and the seconds folded (more than one bucket).
pub fn folds(node: &NodeDrops) -> Vec<(usize, i64)> {
    let starts: Vec<Option<i64>> = node.buckets.iter().map(|b| b.start_s()).collect();
    let step = starts
        .windows(2)
        .filter_map(|w| Some(w[1]? - w[0]?))
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(0);
    starts
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let gap = w[1]? - w[0]?;
            (step > 0 && gap > step).then_some((i + 1, gap - step))
        })
        .collect()
}

/// Logged drops and their upper bound per bucket, bursts shaded, DNS
/// failures as a second series.
fn drops_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    node: &NodeDrops,
    bursts: &[&Burst],
) -> Draw<DB> {
    let px = |v: f64| c.px(v);
    let label_font = c.label_font();
    let mut tips = Vec::new();
    let n = node.buckets.len();
    let ymax = node
        .buckets
        .iter()
        .map(|b| b.upper_bound.max(b.dns_failures))
        .max()
        .unwrap_or(1)
        .max(10) as f64
        // A decade above the tallest bar on the log scale: the legend's room.
        * 10.0;
    let labels: Vec<String> = node
        .buckets
        .iter()
        .map(|b| match (b.start, b.start_since_boot) {
            (Some(t), _) => t.format("%m-%d %H:%M").to_string(),
            (None, Some(s)) => format!("{s} s"),
            _ => String::new(),
        })
        .collect();
    let mut chart = c
        .frame(area, 70.0)
        .build_cartesian_2d(0f64..n as f64, (1f64..ymax).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|x| {
            labels
                .get(usize::try_from(crate::numbers::round_u64(x.trunc())).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default()
        })
        .y_label_formatter(&|y| crate::numbers::thousands(crate::numbers::round_u64(*y)))
        .y_desc("packets per bucket (log)")
        .x_desc(if node.clock == crate::analysis::drops::Clock::Utc {
            "bucket start, UTC"
        } else {
            "seconds since boot"
        })
        .label_style(label_font.clone())
        .draw()?;
    // Bursts shaded behind the bars.
    for b in bursts {
        let (start, end) = (b.start_s(), b.end_s());
        let i0 = node
            .buckets
            .iter()
            .position(|x| x.start_s() == start)
            .unwrap_or(0);
        let i1 = node
            .buckets
            .iter()
            .rposition(|x| end.is_some_and(|e| x.start_s().unwrap_or(i64::MIN) < e))
            .unwrap_or(i0);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(i0 as f64, 1.0), (i1 as f64 + 1.0, ymax)],
            RGBColor(238, 238, 238).filled(),
        )))?;
    }
    // Quiet time between buckets is folded out of the axis: a dashed line
    // and its length mark each fold.
    for (i, gap) in folds(node) {
        let x = i as f64;
        chart.draw_series(DashedLineSeries::new(
            [(x, 1.0), (x, ymax)],
            px(6.0),
            px(4.0),
            GREY.stroke_width(px(1.5)),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{} folded", crate::report::timeline::human(gap)),
            (x + 0.05, ymax / 3.0),
            label_font.clone().color(&GREY),
        )))?;
    }
    // Upper bounds wide and pale, logged drops narrow and dark in front.
    let layers: [BarLayer; 2] = [
        (0.1, SKY, "logged + suppressed (upper bound)", |b| {
            b.upper_bound
        }),
        (0.25, BLUE, "logged drops (lower bound)", |b| b.logged),
    ];
    for (inset, colour, label, value) in layers {
        chart
            .draw_series(node.buckets.iter().enumerate().map(|(i, b)| {
                Rectangle::new(
                    [
                        (i as f64 + inset, 1.0),
                        (i as f64 + 1.0 - inset, (value(b) as f64).max(1.0)),
                    ],
                    colour.filled(),
                )
            }))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    if node.buckets.iter().any(|b| b.dns_failures > 0) {
        chart
            .draw_series(
                node.buckets
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.dns_failures > 0)
                    .map(|(i, b)| {
                        TriangleMarker::new(
                            (i as f64 + 0.5, b.dns_failures as f64),
                            i32::try_from(px(7.0)).unwrap_or(i32::MAX),
                            VERMILION.filled(),
                        )
                    }),
            )?
            .label("DNS failures in logs")
            .legend(|(x, y)| TriangleMarker::new((x + 6, y), 5, VERMILION.filled()));
    }
    c.legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    for (i, b) in node.buckets.iter().enumerate() {
        let (x0, y0) = chart.backend_coord(&(i as f64, ymax));
        let (x1, y1) = chart.backend_coord(&(i as f64 + 1.0, 1.0));
        tips.push(Tip {
            x0,
            y0,
            x1,
            y1,
            text: format!(
                "{}: {} logged, ≤ {} with suppressed{}",
                labels.get(i).cloned().unwrap_or_default(),
                b.logged,
                b.upper_bound,
                if b.dns_failures > 0 {
                    format!(", {} DNS failures", b.dns_failures)
                } else {
                    String::new()
                }
            ),
        });
    }
    Ok(tips)
}

/// Entries of a node's snapshots over time against its limit.
fn fill_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    points: &[(DateTime<Utc>, u64)],
    limit: Option<u64>,
) -> Draw<DB> {
    let px = |v: f64| c.px(v);
    let label_font = c.label_font();
    let mut tips = Vec::new();
    let t0 = points.first().map_or(0, |p| p.0.timestamp());
    let t1 = points.last().map_or(1, |p| p.0.timestamp()).max(t0 + 60);
    let pad = ((t1 - t0) / 10).max(60);
    let ymax = points
        .iter()
        .map(|p| p.1)
        .max()
        .unwrap_or(0)
        .max(limit.unwrap_or(0))
        .max(10) as f64
        * 1.12;
    let mut chart = c
        .frame(area, 80.0)
        .build_cartesian_2d((t0 - pad) as f64..(t1 + pad) as f64, 0f64..ymax)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|x| {
            DateTime::from_timestamp(crate::numbers::round_i64(*x), 0)
                .map_or(String::new(), |t| t.format("%m-%d %H:%M").to_string())
        })
        .y_label_formatter(&|y| crate::numbers::thousands(crate::numbers::round_u64(y.trunc())))
        .y_desc("entries")
        .x_desc("capture time, UTC")
        .label_style(label_font.clone())
        .draw()?;
    if let Some(l) = limit {
        chart
            .draw_series(LineSeries::new(
                [((t0 - pad) as f64, l as f64), ((t1 + pad) as f64, l as f64)],
                VERMILION.stroke_width(px(2.0)),
            ))?
            .label(format!("nf_conntrack_max {}", crate::numbers::thousands(l)))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], VERMILION.stroke_width(2)));
    }
    let series: Vec<(f64, f64)> = points
        .iter()
        .map(|(t, e)| (t.timestamp() as f64, *e as f64))
        .collect();
    chart
        .draw_series(LineSeries::new(series.clone(), BLUE.stroke_width(px(2.0))))?
        .label("entries in the table")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLUE.stroke_width(2)));
    chart.draw_series(series.iter().map(|p| {
        Circle::new(
            *p,
            i32::try_from(px(5.0)).unwrap_or(i32::MAX),
            BLUE.filled(),
        )
    }))?;
    c.legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    for (t, e) in points {
        let (x, y) = chart.backend_coord(&(t.timestamp() as f64, *e as f64));
        tips.push(Tip {
            x0: x - 8,
            y0: y - 8,
            x1: x + 8,
            y1: y + 8,
            text: format!(
                "{}: {} entries{}",
                t.format("%Y-%m-%d %H:%M:%S UTC"),
                crate::numbers::thousands(*e),
                limit.map_or(String::new(), |l| format!(
                    " of {}",
                    crate::numbers::thousands(l)
                ))
            ),
        });
    }
    Ok(tips)
}

/// Every node's peak fill as a bar, fullest first; bars of nodes that
/// dropped packets in vermilion, the limit as a line at 100 %.
fn fleet_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    rows: &[FleetRow],
) -> Draw<DB> {
    let px = |v: f64| c.px(v);
    let label_font = c.label_font();
    let n = rows.len().max(1);
    let top = rows
        .iter()
        .map(|r| r.fill * 100.0)
        .fold(100.0_f64, f64::max)
        * 1.1;
    let mut chart = c
        .frame(area, 64.0)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .y_desc("peak entries / nf_conntrack_max")
        .x_desc("nodes, fullest first (hover a bar for its name)")
        .label_style(label_font.clone())
        .draw()?;
    let mut tips = Vec::new();
    // Gaps between bars only while bars are wide enough to show them.
    let gap = if n <= 60 { 0.15 } else { 0.0 };
    for (i, r) in rows.iter().enumerate() {
        let x = i as f64;
        let colour = if r.dropped { VERMILION } else { BLUE };
        let bar = [(x + gap, 0.0), (x + 1.0 - gap, r.fill * 100.0)];
        chart.draw_series(std::iter::once(Rectangle::new(bar, colour.filled())))?;
        let (x0, y0) = chart.backend_coord(&(x, r.fill * 100.0));
        let (x1, y1) = chart.backend_coord(&(x + 1.0, 0.0));
        tips.push(Tip {
            x0,
            y0: y0.min(y1 - 4),
            x1: x1.max(x0 + 1),
            y1,
            text: format!(
                "{}: {} full{}",
                r.node,
                crate::numbers::fill(r.fill),
                if r.dropped { ", dropped packets" } else { "" }
            ),
        });
    }
    chart
        .draw_series(LineSeries::new(
            [(0.0, 100.0), (n as f64, 100.0)],
            GREY.stroke_width(px(2.0)),
        ))?
        .label("nf_conntrack_max")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], GREY.stroke_width(2)));
    if rows.iter().any(|r| r.dropped) {
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("dropped packets (logs)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], VERMILION.filled()));
    }
    chart
        .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
        .label("peak fill")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.filled()));
    c.legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(tips)
}

/// A snapshot's largest workloads (sources, or those that answered),
/// stacked by state.
fn workloads_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    snapshot: &SnapshotSummary,
    answered: bool,
) -> Draw<DB> {
    let label_font = c.label_font();
    let mut tips = Vec::new();
    let list = if answered {
        &snapshot.top_destination_workloads
    } else {
        &snapshot.top_workloads
    };
    let rows: Vec<_> = list.iter().take(6).collect();
    let n = rows.len().max(1);
    let ymax = rows.iter().map(|w| w.entries).max().unwrap_or(1).max(1) as f64 * 1.1;
    let names: Vec<String> = rows
        .iter()
        .map(|w| short(&w.workload.to_string(), 22))
        .collect();
    let mut chart = c
        .frame(area, 80.0)
        .build_cartesian_2d(0f64..n as f64, 0f64..ymax)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|y| crate::numbers::thousands(crate::numbers::round_u64(y.trunc())))
        .y_desc(if answered {
            "entries (reply source)"
        } else {
            "entries (original source)"
        })
        .x_desc(if answered {
            "answering workload (names over the bars)"
        } else {
            "source workload (names over the bars)"
        })
        .label_style(label_font.clone())
        .draw()?;
    // Names over the bars: tick labels cannot be centred on categories.
    chart.draw_series(rows.iter().enumerate().map(|(i, w)| {
        Text::new(
            names[i].clone(),
            (i as f64 + 0.5, w.entries as f64),
            TextStyle::from(label_font.clone()).pos(Pos::new(HPos::Center, VPos::Bottom)),
        )
    }))?;
    const LAYERS: [(&str, RGBColor); 3] = [
        ("TIME_WAIT", ORANGE),
        ("ESTABLISHED", BLUE),
        ("other", GREY),
    ];
    for (li, &(state, colour)) in LAYERS.iter().enumerate() {
        let part = |w: &crate::analysis::WorkloadRow| -> (u64, u64) {
            let tw = w.by_state.get("TIME_WAIT").copied().unwrap_or(0);
            let est = w.by_state.get("ESTABLISHED").copied().unwrap_or(0);
            let other = w.entries.saturating_sub(tw + est);
            match li {
                0 => (0, tw),
                1 => (tw, tw + est),
                _ => (tw + est, tw + est + other),
            }
        };
        chart
            .draw_series(rows.iter().enumerate().map(|(i, w)| {
                let (lo, hi) = part(w);
                Rectangle::new(
                    [(i as f64 + 0.15, lo as f64), (i as f64 + 0.85, hi as f64)],
                    colour.filled(),
                )
            }))?
            .label(state)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    c.legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    for (i, w) in rows.iter().enumerate() {
        let (x0, y0) = chart.backend_coord(&(i as f64 + 0.15, w.entries as f64));
        let (x1, y1) = chart.backend_coord(&(i as f64 + 0.85, 0.0));
        let states: Vec<String> = w.by_state.iter().map(|(k, v)| format!("{k} {v}")).collect();
        tips.push(Tip {
            x0,
            y0,
            x1,
            y1,
            text: format!(
                "{}: {} entries ({} of the node's): {}",
                w.workload,
                crate::numbers::thousands(w.entries),
                crate::numbers::fill(w.share),
                states.join(", ")
            ),
        });
    }
    Ok(tips)
}

/// Closes per second over the last time_wait seconds of a snapshot.
fn close_rate_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Pen<'_>,
    snapshot: &SnapshotSummary,
) -> Draw<DB> {
    let label_font = c.label_font();
    let mut tips = Vec::new();
    let h = &snapshot.stats.close_history;
    let n = h.closes_per_s.len().max(1);
    let ymax = h.closes_per_s.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
    let bucket = h.bucket_s;
    let mut chart = c
        .frame(area, 70.0)
        .build_cartesian_2d(0f64..n as f64, 0f64..ymax)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|x| {
            // Oldest on the left: bar i is (n-1-i) buckets ago.
            let ago = crate::numbers::to_u32(n)
                .saturating_sub(crate::numbers::to_u32(crate::numbers::round_u64(x.trunc())))
                .saturating_mul(bucket);
            format!("-{ago} s")
        })
        .y_desc("closes per second")
        .x_desc("before the capture")
        .label_style(label_font)
        .draw()?;
    chart.draw_series(h.closes_per_s.iter().rev().enumerate().map(|(i, v)| {
        Rectangle::new(
            [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, *v)],
            GREEN.filled(),
        )
    }))?;
    for (i, v) in h.closes_per_s.iter().rev().enumerate() {
        let (x0, y0) = chart.backend_coord(&(i as f64 + 0.1, ymax));
        let (x1, y1) = chart.backend_coord(&(i as f64 + 0.9, 0.0));
        let from = crate::numbers::to_u32(n - i).saturating_mul(bucket);
        tips.push(Tip {
            x0,
            y0,
            x1,
            y1,
            text: format!(
                "{}–{} s ago: {v:.1} closes/s",
                from,
                from.saturating_sub(bucket)
            ),
        });
    }
    Ok(tips)
}

/// The chart as an SVG document, with a transparent hover target carrying a
/// `<title>` over every value.
pub fn svg(spec: &ChartSpec<'_>, size: (u32, u32)) -> Result<String, String> {
    if !font_ready() {
        return Err("the embedded font did not load".into());
    }
    let mut buf = String::new();
    let tips = {
        let backend = SVGBackend::with_string(&mut buf, size);
        let area = backend.into_drawing_area();
        draw(&area, spec, 1.0).map_err(|e| format!("{e:?}"))?
    };
    let mut overlay = String::new();
    for t in tips {
        let (x, y) = (t.x0.min(t.x1), t.y0.min(t.y1));
        let (w, h) = ((t.x1 - t.x0).abs().max(1), (t.y1 - t.y0).abs().max(1));
        overlay.push_str(&format!(
            "<rect class=\"tip\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#000\" fill-opacity=\"0\"><title>{}</title></rect>\n",
            super::xml_escape(&t.text)
        ));
    }
    // plotters writes text from inputs into <text> elements: it escapes them.
    match buf.rfind("</svg>") {
        Some(i) => buf.insert_str(i, &overlay),
        None => return Err("plotters produced no SVG".into()),
    }
    Ok(buf)
}

/// The chart as a PNG file.
pub fn png(spec: &ChartSpec<'_>, path: &std::path::Path, size: (u32, u32)) -> Result<(), String> {
    if !font_ready() {
        return Err("the embedded font did not load".into());
    }
    let scale = f64::from(size.0) / 1000.0;
    let backend = BitMapBackend::new(path, size);
    let area = backend.into_drawing_area();
    draw(&area, spec, scale.max(0.5))
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}
