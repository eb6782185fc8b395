//! Puts log events on one clock: UTC.
//!
//! Stamps come in four kinds ([`Stamp`]). Complete instants are used as
//! they are. Times without a zone (`dmesg -T`, `logread`, syslog) are read
//! in `--tz` (UTC by default). Syslog has no year: it comes from `--year`,
//! else from other timestamped inputs of the same node, else from the file's
//! modification time — whichever is used is said in a warning. Seconds since
//! boot become UTC with a boot time: `--boot-time`, else one learned from
//! the same node's inputs (a line that carries both a wall and a monotonic
//! stamp, a `/proc/stat` `btime`); without one they stay seconds since boot.
//! A monotonic stamp that goes backwards starts a new boot.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::model::At;
use crate::parse::log::{Framing, LogRecord, Stamp};

/// What the command line says about time.
#[derive(Debug, Clone, Default)]
pub struct ClockOptions {
    pub year: Option<i32>,
    pub tz: Option<FixedOffset>,
    pub boot_time: Option<DateTime<Utc>>,
}

/// A log file's records and what is known about the file.
pub struct LogFile<'a> {
    pub path: &'a str,
    pub node: Option<String>,
    pub records: &'a [LogRecord],
    pub modified: Option<DateTime<Utc>>,
}

/// Time evidence per node from the other inputs.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// Capture times and complete log stamps, per node.
    pub times: BTreeMap<Option<String>, Vec<DateTime<Utc>>>,
    /// Boot times stated by `/proc/stat` captures, per node.
    pub boot_times: BTreeMap<Option<String>, DateTime<Utc>>,
}

fn from_secs_f64(secs: f64) -> Option<chrono::Duration> {
    if !secs.is_finite() || secs.abs() > 1e12 {
        return None;
    }
    Some(chrono::Duration::microseconds(crate::numbers::round_i64(
        secs * 1e6,
    )))
}

fn local(tz: FixedOffset, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The year that puts `month`/`day` closest to `anchor`.
fn nearest_year(anchor: DateTime<Utc>, month: u32, day: u32) -> Option<i32> {
    let y = anchor.year();
    [y - 1, y, y + 1]
        .into_iter()
        .filter_map(|yy| {
            let d = NaiveDate::from_ymd_opt(yy, month, day)?;
            let dist = (d - anchor.date_naive()).num_days().abs();
            Some((dist, yy))
        })
        .min()
        .map(|(_, yy)| yy)
}

/// Resolves every record of every file. Returns, per file, one [`At`] per
/// record (same order): UTC when the record's time could be placed, else
/// seconds since its boot, else unknown; notes that say which evidence was used; and
/// warnings about events that could not be placed.
pub fn resolve(
    files: &[LogFile<'_>],
    anchors: &Anchors,
    opts: &ClockOptions,
) -> (Vec<Vec<At>>, Vec<String>, Vec<String>) {
    let tz = opts
        .tz
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let node_of = |f: &LogFile<'_>, r: &LogRecord| f.node.clone().or_else(|| r.host.clone());

    // Year anchors: other inputs' times, plus complete stamps in the logs.
    let mut times = anchors.times.clone();
    for f in files {
        for r in f.records {
            if let Some(Stamp::Wall(t)) = r.stamp {
                times.entry(node_of(f, r)).or_default().push(t);
            }
        }
    }
    let anchor_of =
        |node: &Option<String>, f: &LogFile<'_>| -> Option<(DateTime<Utc>, &'static str)> {
            if let Some(y) = opts.year {
                let t = Utc.with_ymd_and_hms(y, 7, 1, 0, 0, 0).single()?;
                return Some((t, "--year"));
            }
            if let Some(t) = times.get(node).and_then(|v| v.iter().max().copied()) {
                return Some((t, "other inputs of the node"));
            }
            f.modified.map(|t| (t, "the file's modification time"))
        };

    // Pass 1: wall-clock stamps, and boot times learned from wall+monotonic pairs.
    let mut walls: Vec<Vec<Option<DateTime<Utc>>>> = Vec::with_capacity(files.len());
    let mut node_boots: BTreeMap<Option<String>, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut file_boots: Vec<BTreeMap<u32, Vec<DateTime<Utc>>>> = Vec::with_capacity(files.len());
    let mut boots_of: Vec<Vec<u32>> = Vec::with_capacity(files.len());
    // The same kernel line seen with a `dmesg -T` time and with seconds since
    // boot: per node, message hash → times.
    type Seen = BTreeMap<Option<String>, BTreeMap<u64, Vec<f64>>>;
    let (mut human_seen, mut mono_seen): (Seen, Seen) = (BTreeMap::new(), BTreeMap::new());
    for f in files {
        let mut year_note: Option<&'static str> = None;
        let mut unzoned = false;
        let mut out = Vec::with_capacity(f.records.len());
        let mut fb: BTreeMap<u32, Vec<DateTime<Utc>>> = BTreeMap::new();
        let mut boots = Vec::with_capacity(f.records.len());
        let (mut boot, mut last_mono) = (0u32, f64::NEG_INFINITY);
        for r in f.records {
            let node = node_of(f, r);
            let wall = match r.stamp {
                Some(Stamp::Wall(t)) => Some(t),
                Some(Stamp::Local(n)) => {
                    unzoned = true;
                    let w = local(tz, n);
                    if let (Some(w), Framing::DmesgHuman) = (w, r.framing) {
                        human_seen
                            .entry(node.clone())
                            .or_default()
                            .entry(r.text_hash)
                            .or_default()
                            .push(w.timestamp_millis() as f64 / 1000.0);
                    }
                    w
                }
                Some(Stamp::NoYear { month, day, time }) => {
                    unzoned = true;
                    match anchor_of(&node, f) {
                        Some((anchor, how)) => {
                            year_note.get_or_insert(how);
                            nearest_year(anchor, month, day)
                                .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
                                .and_then(|d| local(tz, d.and_time(time)))
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            let mono = match r.stamp {
                Some(Stamp::Monotonic(m)) => {
                    mono_seen
                        .entry(node.clone())
                        .or_default()
                        .entry(r.text_hash)
                        .or_default()
                        .push(m);
                    Some(m)
                }
                _ => r.monotonic,
            };
            if let Some(m) = mono {
                if m + 1.0 < last_mono {
                    boot += 1;
                }
                last_mono = m;
                if let (Some(w), Some(d)) = (wall, from_secs_f64(m)) {
                    fb.entry(boot).or_default().push(w - d);
                    node_boots.entry(node.clone()).or_default().push(w - d);
                }
            }
            boots.push(boot);
            out.push(wall);
        }
        if let Some(how) = year_note {
            notes.push(format!(
                "{}: syslog times have no year: taken from {how}",
                f.path
            ));
        }
        if unzoned && opts.tz.is_none() {
            notes.push(format!(
                "{}: times without a zone read as UTC (pass --tz for local-time logs)",
                f.path
            ));
        }
        walls.push(out);
        file_boots.push(fb);
        boots_of.push(boots);
    }

    // Boot times from lines that appear once in a `dmesg -T` capture and
    // once in a raw capture of the same node (`dmesg -T` prints boot time +
    // seconds since boot, rounded to the second).
    let mut human_boots: BTreeMap<Option<String>, DateTime<Utc>> = BTreeMap::new();
    for (node, human) in &human_seen {
        let Some(mono) = mono_seen.get(node) else {
            continue;
        };
        let mut offsets: Vec<f64> = human
            .iter()
            .filter_map(
                |(h, wall)| match (wall.as_slice(), mono.get(h).map(Vec::as_slice)) {
                    ([w], Some([m])) => Some(w - m),
                    _ => None,
                },
            )
            .collect();
        offsets.sort_by(f64::total_cmp);
        if let Some(mid) = offsets.get(offsets.len() / 2) {
            if let Some(b) =
                DateTime::from_timestamp_millis(crate::numbers::round_i64(mid * 1000.0))
            {
                human_boots.insert(node.clone(), b);
            }
        }
    }

    let median = |v: &[DateTime<Utc>]| -> Option<DateTime<Utc>> {
        let mut v = v.to_vec();
        v.sort();
        v.get(v.len() / 2).copied()
    };

    // Pass 2: seconds since boot.
    let mut all = Vec::with_capacity(files.len());
    for (fi, f) in files.iter().enumerate() {
        let last_boot = boots_of[fi].iter().copied().max().unwrap_or(0);
        let mut unresolved = 0u64;
        let mut source: Option<String> = None;
        let mut out = Vec::with_capacity(f.records.len());
        for (ri, r) in f.records.iter().enumerate() {
            let boot = boots_of[fi][ri];
            if let Some(w) = walls[fi][ri] {
                out.push(At::Utc(w));
                continue;
            }
            let Some(Stamp::Monotonic(m)) = r.stamp else {
                out.push(At::Unknown);
                continue;
            };
            let node = node_of(f, r);
            let learned = file_boots[fi].get(&boot).and_then(|v| median(v)).map(|b| {
                (
                    b,
                    "lines of the same file that carry both clocks".to_string(),
                )
            });
            // Outside evidence describes the node's current boot: the last
            // boot of the file.
            let outside = (boot == last_boot)
                .then(|| {
                    opts.boot_time
                        .map(|b| (b, "--boot-time".to_string()))
                        .or_else(|| {
                            anchors
                                .boot_times
                                .get(&node)
                                .map(|b| (*b, "/proc/stat btime".to_string()))
                        })
                        .or_else(|| {
                            node_boots
                                .get(&node)
                                .and_then(|v| v.iter().max().copied())
                                .map(|b| (b, "the node's other logs".to_string()))
                        })
                        .or_else(|| {
                            human_boots
                                .get(&node)
                                .map(|b| (*b, "a dmesg -T capture of the node".to_string()))
                        })
                })
                .flatten();
            match learned
                .or(outside)
                .and_then(|(b, how)| Some((b + from_secs_f64(m)?, how)))
            {
                Some((ts, how)) => {
                    source.get_or_insert(how);
                    out.push(At::Utc(ts));
                }
                None => {
                    unresolved += 1;
                    out.push(At::SinceBoot { boot, secs: m });
                }
            }
        }
        if let Some(how) = source {
            notes.push(format!(
                "{}: seconds since boot turned into UTC with the boot time from {how}",
                f.path
            ));
        }
        if unresolved > 0 {
            warnings.push(format!(
                "{}: {unresolved} events only have seconds since boot (no boot time known: pass --boot-time, or add a journal JSON, dmesg -T or /proc/stat capture of the node)",
                f.path
            ));
        }
        all.push(out);
    }
    (all, notes, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::log::Message;
    use chrono::NaiveTime;

    fn rec(stamp: Stamp, mono: Option<f64>) -> LogRecord {
        LogRecord {
            message: Message::TableFull,
            stamp: Some(stamp),
            monotonic: mono,
            host: Some("node-a".into()),
            framing: Framing::Syslog,
            line: 1,
            text: None,
            text_hash: 0,
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn no_year(m: u32, d: u32, hms: (u32, u32, u32)) -> Stamp {
        Stamp::NoYear {
            month: m,
            day: d,
            time: NaiveTime::from_hms_opt(hms.0, hms.1, hms.2).unwrap(),
        }
    }

    #[test]
    fn syslog_year_comes_from_the_node_and_rolls_over_new_year() {
        let recs = [
            rec(no_year(12, 31, (23, 59, 58)), None),
            rec(no_year(1, 1, (0, 0, 3)), None),
        ];
        let files = [LogFile {
            path: "kern.log",
            node: Some("node-a".into()),
            records: &recs,
            modified: None,
        }];
        let mut anchors = Anchors::default();
        anchors
            .times
            .insert(Some("node-a".into()), vec![t("2025-01-01T00:10:00Z")]);
        let (res, notes, warnings) = resolve(&files, &anchors, &ClockOptions::default());
        assert_eq!(res[0][0].utc(), Some(t("2024-12-31T23:59:58Z")));
        assert_eq!(res[0][1].utc(), Some(t("2025-01-01T00:00:03Z")));
        assert!(
            notes.iter().any(|w| w.contains("other inputs of the node")),
            "{notes:?}"
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn year_flag_and_tz_apply() {
        let recs = [rec(no_year(11, 26, (10, 0, 0)), None)];
        let files = [LogFile {
            path: "m",
            node: None,
            records: &recs,
            modified: None,
        }];
        let opts = ClockOptions {
            year: Some(2023),
            tz: FixedOffset::east_opt(3600),
            boot_time: None,
        };
        let (res, _, _) = resolve(&files, &Anchors::default(), &opts);
        assert_eq!(res[0][0].utc(), Some(t("2023-11-26T09:00:00Z")));
        // No anchor at all: the time stays unknown.
        let (res, _, _) = resolve(&files, &Anchors::default(), &ClockOptions::default());
        assert_eq!(res[0][0].utc(), None);
    }

    #[test]
    fn boot_time_learned_from_pairs_places_raw_dmesg() {
        let kern = [rec(Stamp::Wall(t("2024-11-26T08:57:40Z")), Some(9997.0))];
        let dmesg = [
            rec(Stamp::Monotonic(10_000.5), None),
            rec(Stamp::Monotonic(10_001.0), None),
        ];
        let files = [
            LogFile {
                path: "kern.log",
                node: Some("node-a".into()),
                records: &kern,
                modified: None,
            },
            LogFile {
                path: "dmesg",
                node: Some("node-a".into()),
                records: &dmesg,
                modified: None,
            },
        ];
        let (res, notes, warnings) = resolve(&files, &Anchors::default(), &ClockOptions::default());
        assert_eq!(res[1][0].utc(), Some(t("2024-11-26T08:57:43.5Z")));
        assert!(notes.iter().any(|w| w.contains("the node's other logs")));
        assert!(warnings.is_empty());
    }

    #[test]
    fn without_a_boot_time_events_stay_since_boot_and_reboots_are_counted() {
        let dmesg = [
            rec(Stamp::Monotonic(500.0), None),
            rec(Stamp::Monotonic(900.0), None),
            rec(Stamp::Monotonic(12.0), None),
        ];
        let files = [LogFile {
            path: "console",
            node: None,
            records: &dmesg,
            modified: None,
        }];
        let (res, notes, warnings) = resolve(&files, &Anchors::default(), &ClockOptions::default());
        assert_eq!(
            res[0].iter().map(|r| r.boot()).collect::<Vec<_>>(),
            vec![0, 0, 1]
        );
        assert!(res[0].iter().all(|r| r.utc().is_none()));
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("3 events only have seconds since boot"))
        );
        assert!(notes.is_empty());
        // --boot-time places the current (last) boot only.
        let opts = ClockOptions {
            boot_time: Some(t("2024-11-26T06:00:00Z")),
            ..Default::default()
        };
        let (res, _, _) = resolve(&files, &Anchors::default(), &opts);
        assert_eq!(res[0][2].utc(), Some(t("2024-11-26T06:00:12Z")));
        assert_eq!(res[0][0].utc(), None);
    }
}
