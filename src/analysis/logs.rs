//! Log records become timeline events: time resolved per node, the same
//! line from several captures counted once, suppressed counts kept where they
//! belong, DNS failures listed.

use std::collections::BTreeMap;

use chrono::DateTime;

use super::clock::{self, ClockOptions};
use super::drops::{self, Symptom};
use super::{Loaded, MAX_SYMPTOMS};
use crate::model::{EventKind, LogEvent};
use crate::parse::log::Message;

/// The same kernel line read from two captures of one node (`dmesg` and
/// `kern.log`, say) is one event. Lines match on node, kind and message, and
/// on time within [`SAME_LINE_S`] (`dmesg -T` keeps whole seconds only). The
/// capture with the most lines of a kind is the base; other captures add
/// only the lines the base does not have. Returns the events and how many
/// lines were duplicates.
fn merge_duplicate_captures(events: Vec<(LogEvent, bool, u64)>) -> (Vec<(LogEvent, bool)>, u64) {
    type Key = (Option<String>, EventKind, bool, u32, u64);
    let time = |e: &LogEvent| -> f64 { e.at.seconds().unwrap_or(f64::NAN) };
    let mut groups: BTreeMap<Key, BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
    for (i, (e, _, hash)) in events.iter().enumerate() {
        let key = (
            e.node.clone(),
            e.kind,
            e.at.utc().is_some(),
            e.at.boot(),
            *hash,
        );
        groups
            .entry(key)
            .or_default()
            .entry(e.input)
            .or_default()
            .push(i);
    }
    let mut keep = vec![true; events.len()];
    for files in groups.values() {
        if files.len() < 2 {
            continue;
        }
        let mut by_size: Vec<(&usize, &Vec<usize>)> = files.iter().collect();
        by_size.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        // The union so far: each further capture is matched against every
        // line already kept, each line matching at most one of its lines.
        let mut base: Vec<f64> = by_size[0].1.iter().map(|&i| time(&events[i].0)).collect();
        base.sort_by(f64::total_cmp);
        for (_, idxs) in &by_size[1..] {
            let mut used = vec![false; base.len()];
            let mut added = Vec::new();
            for &i in idxs.iter() {
                let t = time(&events[i].0);
                let from = base.partition_point(|&b| b < t - SAME_LINE_S);
                let hit = (from..base.len())
                    .take_while(|&k| base[k] <= t + SAME_LINE_S)
                    .find(|&k| !used[k]);
                match hit {
                    Some(k) => {
                        used[k] = true;
                        keep[i] = false;
                    }
                    None => added.push(t),
                }
            }
            base.extend(added);
            base.sort_by(f64::total_cmp);
        }
    }
    let merged = keep.iter().filter(|k| !**k).count() as u64;
    let kept = events
        .into_iter()
        .zip(keep)
        .filter_map(|((e, func, _), k)| k.then_some((e, func)))
        .collect();
    (kept, merged)
}

/// Two captures of one kernel line are this close in time (seconds).
const SAME_LINE_S: f64 = 1.0;

/// Log records → timeline events (time resolved, suppressed counts kept
/// where they belong) and DNS symptoms.
pub(super) type LogEvents = (Vec<LogEvent>, Vec<Symptom>, Vec<String>, Vec<String>);

pub(super) fn log_events(loaded: &Loaded, clock_opts: &ClockOptions) -> LogEvents {
    let path = |i: usize| loaded.inputs.get(i).map(|x| x.path.as_str()).unwrap_or("");
    let mut anchors = clock::Anchors::default();
    for i in &loaded.inputs {
        if let Some(t) = i.captured_at {
            anchors.times.entry(i.node.clone()).or_default().push(t);
        }
    }
    for s in &loaded.settings {
        if let Some(b) = s
            .settings
            .boot_time
            .and_then(|b| DateTime::from_timestamp(b, 0))
        {
            anchors.boot_times.insert(s.node.clone(), b);
        }
    }
    let files: Vec<clock::LogFile<'_>> = loaded
        .logs
        .iter()
        .map(|l| clock::LogFile {
            path: path(l.input),
            node: l.node.clone(),
            records: &l.records,
            modified: loaded.inputs.get(l.input).and_then(|i| i.modified),
        })
        .collect();
    let (resolved, notes, mut warnings) = clock::resolve(&files, &anchors, clock_opts);
    let mut events = Vec::new();
    let mut symptoms = Vec::new();
    for (l, times) in loaded.logs.iter().zip(&resolved) {
        // A line that lost its prefix (a damaged paste) belongs to the one
        // host the rest of its file names, when there is exactly one.
        let hosts: std::collections::BTreeSet<&String> =
            l.records.iter().filter_map(|r| r.host.as_ref()).collect();
        let only_host = (hosts.len() == 1)
            .then(|| hosts.into_iter().next().cloned())
            .flatten();
        for (r, t) in l.records.iter().zip(times) {
            let node = l
                .node
                .clone()
                .or_else(|| r.host.clone())
                .or_else(|| only_host.clone());
            let (kind, count, conntrack_func) = match r.message {
                Message::TableFull => (EventKind::Drop, 1, true),
                Message::Suppressed { count, conntrack } => {
                    (EventKind::Suppressed, count, conntrack)
                }
                Message::ExpectationFull => (EventKind::ExpectationFull, 1, true),
                Message::Vmalloc => (EventKind::Vmalloc, 1, true),
                Message::DnsFailure => (EventKind::DnsFailure, 1, true),
                Message::Other => continue,
            };
            if kind == EventKind::DnsFailure {
                symptoms.push(Symptom {
                    node: node.clone(),
                    ts: t.utc(),
                    path: path(l.input).to_string(),
                    line: r.line,
                    text: r.text.clone().unwrap_or_default(),
                });
            }
            events.push((
                LogEvent {
                    node,
                    at: *t,
                    kind,
                    count,
                    input: l.input,
                    line: r.line,
                },
                conntrack_func,
                r.text_hash,
            ));
        }
    }
    let (events, merged) = merge_duplicate_captures(events);
    if merged > 0 {
        warnings.push(format!(
            "{merged} log lines appear in more than one capture of the same node (dmesg, kern.log, journal...): counted once"
        ));
    }
    let (events, set_aside) = drops::attach_suppressed(events);
    if set_aside > 0 {
        warnings.push(format!(
            "{set_aside} `callbacks suppressed` lines had no conntrack drop near them and were not counted"
        ));
    }
    symptoms.sort_by(|a, b| (a.ts, &a.path, a.line).cmp(&(b.ts, &b.path, b.line)));
    if symptoms.len() > MAX_SYMPTOMS {
        warnings.push(format!(
            "{} DNS failure lines: the first {MAX_SYMPTOMS} are listed",
            symptoms.len()
        ));
        symptoms.truncate(MAX_SYMPTOMS);
    }
    (events, symptoms, notes, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::At;

    fn event(input: usize, secs: i64) -> (LogEvent, bool, u64) {
        (
            LogEvent {
                node: Some("n1".into()),
                at: DateTime::from_timestamp(1_732_611_600 + secs, 0).map_or(At::Unknown, At::Utc),
                kind: EventKind::Drop,
                count: 1,
                input,
                line: secs as u64,
            },
            true,
            7,
        )
    }

    #[test]
    fn five_captures_of_the_same_lines_count_once() {
        // dmesg, dmesg -T, two journals and messages, each with the same
        // three lines; one capture also has a fourth, seen in two captures.
        let mut events = Vec::new();
        for input in 0..5 {
            for secs in [0, 10, 20] {
                events.push(event(input, secs));
            }
        }
        events.push(event(3, 30));
        events.push(event(4, 30));
        let (kept, merged) = merge_duplicate_captures(events);
        let mut times: Vec<i64> = kept
            .iter()
            .filter_map(|(e, _)| e.at.utc().map(|t| t.timestamp() - 1_732_611_600))
            .collect();
        times.sort_unstable();
        assert_eq!(times, vec![0, 10, 20, 30]);
        assert_eq!(merged, 13);
    }

    #[test]
    fn repeated_lines_within_one_capture_all_count() {
        // The same message twice in one second is two drops, in every capture.
        let events = vec![event(0, 5), event(0, 5), event(1, 5), event(1, 5)];
        let (kept, merged) = merge_duplicate_captures(events);
        assert_eq!((kept.len(), merged), (2, 2));
    }
}
