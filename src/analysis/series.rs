//! Time series as polars frames: the matching of bursts to snapshots, of
//! snapshots to drop buckets, and the correlation of each workload's entries
//! with the drop rate. Each is a frame query (as-of joins by node, grouped
//! sums), and its results feed summary.json, the reports and the Parquet
//! tables alike.

use polars::prelude::*;

/// The join key of a node: the name, or "" when unknown (unknown nodes
/// match each other, as everywhere else in the analysis).
fn node_key(node: Option<&str>) -> String {
    node.unwrap_or_default().to_owned()
}

/// One time on one node, by index into the caller's list.
pub struct Point<'a> {
    pub node: Option<&'a str>,
    pub at_ms: i64,
}

/// One interval on one node.
pub struct Span<'a> {
    pub node: Option<&'a str>,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// A match: the index of the point, and how far it is from the span in
/// seconds (0 inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub point: usize,
    pub distance_s: i64,
}

fn frame_of_points(points: &[Point<'_>]) -> PolarsResult<DataFrame> {
    let idx: Vec<u32> = (0..points.len())
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    let df = DataFrame::new(
        points.len(),
        vec![
            Column::new("point".into(), idx),
            Column::new(
                "node".into(),
                points.iter().map(|p| node_key(p.node)).collect::<Vec<_>>(),
            ),
            Column::new(
                "at".into(),
                points.iter().map(|p| p.at_ms).collect::<Vec<_>>(),
            ),
        ],
    )?;
    df.sort(["at"], SortMultipleOptions::default())
}

/// For each span, the point of its node nearest to it within `window_s`
/// seconds (inside the span counts as 0; ties go to the earlier point):
/// two as-of joins by node, the last point at or before the span's end and
/// the first at or after its start, then the nearer of the two.
pub fn nearest(
    spans: &[Span<'_>],
    points: &[Point<'_>],
    window_s: i64,
) -> PolarsResult<Vec<Option<Match>>> {
    let mut out = vec![None; spans.len()];
    if spans.is_empty() || points.is_empty() {
        return Ok(out);
    }
    let idx: Vec<u32> = (0..spans.len())
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    let left = DataFrame::new(
        spans.len(),
        vec![
            Column::new("span".into(), idx),
            Column::new(
                "node".into(),
                spans.iter().map(|s| node_key(s.node)).collect::<Vec<_>>(),
            ),
            Column::new(
                "start".into(),
                spans.iter().map(|s| s.start_ms).collect::<Vec<_>>(),
            ),
            Column::new(
                "end".into(),
                spans.iter().map(|s| s.end_ms).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let right = frame_of_points(points)?;
    let join = |on: &str, strategy: AsofStrategy, suffix: &str| -> PolarsResult<DataFrame> {
        let mut r = right.clone();
        r.rename("point", format!("point_{suffix}").into())?;
        r.rename("at", format!("at_{suffix}").into())?;
        left.sort([on], SortMultipleOptions::default())?
            .join_asof_by(
                &r,
                on,
                &format!("at_{suffix}"),
                ["node"],
                ["node"],
                strategy,
                None,
                true,
                true,
            )?
            .sort(["span"], SortMultipleOptions::default())
    };
    let before = join("end", AsofStrategy::Backward, "before")?;
    let after = join("start", AsofStrategy::Forward, "after")?;
    let both = before
        .lazy()
        .select([
            col("span"),
            col("start"),
            col("end"),
            col("point_before"),
            col("at_before"),
        ])
        .join(
            after
                .lazy()
                .select([col("span"), col("point_after"), col("at_after")]),
            [col("span")],
            [col("span")],
            JoinArgs::new(JoinType::Left),
        );
    // Seconds from the span: 0 inside, else the gap (truncated like the
    // rest of the analysis's seconds).
    let gap = |at: &str| {
        when(col(at).gt_eq(col("start")).and(col(at).lt_eq(col("end"))))
            .then(lit(0i64))
            .otherwise(
                when(col(at).lt(col("start")))
                    .then((col("start") - col(at)) / lit(1000i64))
                    .otherwise((col(at) - col("end")) / lit(1000i64)),
            )
    };
    let picked = both
        .with_columns([
            gap("at_before").alias("d_before"),
            gap("at_after").alias("d_after"),
        ])
        .with_column(
            col("d_before")
                .is_not_null()
                .and(
                    col("d_after")
                        .is_null()
                        .or(col("d_before").lt(col("d_after")).or(col("d_before")
                            .eq(col("d_after"))
                            .and(col("at_before").lt_eq(col("at_after"))))),
                )
                .alias("take_before"),
        )
        .select([
            col("span"),
            when(col("take_before"))
                .then(col("point_before"))
                .otherwise(col("point_after"))
                .alias("point"),
            when(col("take_before"))
                .then(col("d_before"))
                .otherwise(col("d_after"))
                .alias("distance"),
        ])
        .filter(col("distance").lt_eq(lit(window_s)))
        .collect()?;
    let span = picked.column("span")?.u32()?.clone();
    let point = picked.column("point")?.u32()?.clone();
    let distance = picked.column("distance")?.i64()?.clone();
    for ((s, p), d) in span.iter().zip(point.iter()).zip(distance.iter()) {
        if let (Some(s), Some(p), Some(d)) = (s, p, d) {
            if let Some(slot) = out.get_mut(s as usize) {
                *slot = Some(Match {
                    point: p as usize,
                    distance_s: d,
                });
            }
        }
    }
    Ok(out)
}

/// For each point, the last bucket of its node that starts at or before it
/// and less than `width_ms` before it (the bucket that holds it): an as-of
/// join by node with a tolerance. Index into `buckets`, or `None`.
pub fn bucket_of(
    points: &[Point<'_>],
    buckets: &[Point<'_>],
    width_ms: i64,
) -> PolarsResult<Vec<Option<usize>>> {
    let mut out = vec![None; points.len()];
    if points.is_empty() || buckets.is_empty() {
        return Ok(out);
    }
    let left = frame_of_points(points)?;
    let mut right = frame_of_points(buckets)?;
    right.rename("point", "bucket".into())?;
    right.rename("at", "bucket_start".into())?;
    let joined = left.join_asof_by(
        &right,
        "at",
        "bucket_start",
        ["node"],
        ["node"],
        AsofStrategy::Backward,
        Some(AnyValue::Int64((width_ms - 1).max(0))),
        true,
        true,
    )?;
    let point = joined.column("point")?.u32()?.clone();
    let bucket = joined.column("bucket")?.u32()?.clone();
    for (p, b) in point.iter().zip(bucket.iter()) {
        if let (Some(p), Some(b)) = (p, b) {
            if let Some(slot) = out.get_mut(p as usize) {
                *slot = Some(b as usize);
            }
        }
    }
    Ok(out)
}

/// Pearson correlation of each series with its reference, computed as
/// grouped sums on one long frame (`series`, `x`, `y`): `None` for a
/// series of fewer than two points or a flat one (either side).
pub fn correlations(series: &[u32], x: &[f64], y: &[f64]) -> PolarsResult<Vec<(u32, Option<f64>)>> {
    if series.is_empty() {
        return Ok(Vec::new());
    }
    let df = DataFrame::new(
        series.len(),
        vec![
            Column::new("series".into(), series),
            Column::new("x".into(), x),
            Column::new("y".into(), y),
        ],
    )?;
    let dx = col("x") - col("x").mean();
    let dy = col("y") - col("y").mean();
    let sums = df
        .lazy()
        .group_by([col("series")])
        .agg([
            len().alias("n"),
            (dx.clone() * dy.clone()).sum().alias("sxy"),
            (dx.clone() * dx).sum().alias("sxx"),
            (dy.clone() * dy).sum().alias("syy"),
        ])
        .sort(["series"], SortMultipleOptions::default())
        .collect()?;
    let id = sums.column("series")?.u32()?.clone();
    let n = sums.column("n")?.cast(&DataType::UInt64)?;
    let n = n.u64()?.clone();
    let sxy = sums.column("sxy")?.f64()?.clone();
    let sxx = sums.column("sxx")?.f64()?.clone();
    let syy = sums.column("syy")?.f64()?.clone();
    let mut out = Vec::with_capacity(id.len());
    for i in 0..id.len() {
        let (Some(s), Some(n)) = (id.get(i), n.get(i)) else {
            continue;
        };
        let r = match (sxy.get(i), sxx.get(i), syy.get(i)) {
            (Some(xy), Some(xx), Some(yy)) if n >= 2 && xx > 0.0 && yy > 0.0 => {
                Some(xy / (xx * yy).sqrt())
            }
            _ => None,
        };
        out.push((s, r));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn the_nearest_snapshot_inside_before_or_after_within_the_window() {
        let spans = [
            // Snapshots inside: the earliest of them.
            Span {
                node: Some("a"),
                start_ms: 10 * MIN,
                end_ms: 20 * MIN,
            },
            // None inside: 3 min before beats 4 min after.
            Span {
                node: Some("a"),
                start_ms: 33 * MIN,
                end_ms: 36 * MIN,
            },
            // Nothing of its node within 15 min.
            Span {
                node: Some("b"),
                start_ms: 10 * MIN,
                end_ms: 11 * MIN,
            },
            // Unknown nodes match unknown nodes.
            Span {
                node: None,
                start_ms: 0,
                end_ms: MIN,
            },
        ];
        let points = [
            Point {
                node: Some("a"),
                at_ms: 18 * MIN,
            },
            Point {
                node: Some("a"),
                at_ms: 12 * MIN,
            },
            Point {
                node: Some("a"),
                at_ms: 30 * MIN,
            },
            Point {
                node: Some("a"),
                at_ms: 40 * MIN,
            },
            Point {
                node: Some("b"),
                at_ms: 60 * MIN,
            },
            Point {
                node: None,
                at_ms: 2 * MIN + 30_000,
            },
        ];
        let got = nearest(&spans, &points, 15 * 60).unwrap();
        assert_eq!(
            got,
            vec![
                Some(Match {
                    point: 1,
                    distance_s: 0
                }),
                Some(Match {
                    point: 2,
                    distance_s: 180
                }),
                None,
                Some(Match {
                    point: 5,
                    distance_s: 90
                }),
            ]
        );
        // Equal gaps: the earlier point.
        let tie = nearest(
            &[Span {
                node: Some("a"),
                start_ms: 33 * MIN,
                end_ms: 37 * MIN,
            }],
            &points,
            900,
        )
        .unwrap();
        assert_eq!(
            tie,
            vec![Some(Match {
                point: 2,
                distance_s: 180
            })]
        );
        assert_eq!(nearest(&spans, &[], 900).unwrap(), vec![None; 4]);
    }

    #[test]
    fn a_time_falls_in_the_bucket_that_holds_it() {
        let buckets = [
            Point {
                node: Some("a"),
                at_ms: 0,
            },
            Point {
                node: Some("a"),
                at_ms: 2 * MIN,
            },
            Point {
                node: Some("b"),
                at_ms: MIN,
            },
        ];
        let points = [
            Point {
                node: Some("a"),
                at_ms: 30_000,
            }, // in a's first
            Point {
                node: Some("a"),
                at_ms: MIN,
            }, // a has no bucket there
            Point {
                node: Some("a"),
                at_ms: 3 * MIN - 1,
            }, // in a's second
            Point {
                node: Some("b"),
                at_ms: MIN,
            }, // b's, at its start
            Point {
                node: Some("c"),
                at_ms: MIN,
            },
        ];
        assert_eq!(
            bucket_of(&points, &buckets, MIN).unwrap(),
            vec![Some(0), None, Some(1), Some(2), None]
        );
    }

    #[test]
    fn correlations_are_pearson_per_series() {
        let series = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3];
        let x = [1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 1.0, 2.0, 3.0, 7.0];
        let y = [2.0, 4.0, 6.0, 1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 1.0];
        let got = correlations(&series, &x, &y).unwrap();
        let round = |r: Option<f64>| r.map(|r| (r * 100.0).round() / 100.0);
        let got: Vec<(u32, Option<f64>)> = got.into_iter().map(|(s, r)| (s, round(r))).collect();
        // Rising together, flat, falling, one point.
        assert_eq!(
            got,
            vec![(0, Some(1.0)), (1, None), (2, Some(-1.0)), (3, None)]
        );
    }
}
