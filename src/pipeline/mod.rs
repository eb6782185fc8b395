//! Runs stages 1–4 for a set of inputs: read each file, sniff it, parse it
//! with the right grammar and build its records and frames. Files are read in
//! parallel; a large dump is streamed in line-aligned blocks and each block is
//! parsed in chunks on every core.

use chrono::{DateTime, Utc};

use crate::frame::aggregate::{AggregateOptions, Aggregates};
use crate::input::{Format, InputFile, Kind, archive};
use crate::model::inventory::Inventory;
use crate::model::{Settings, StatsCapture};
use crate::parse::BadLine;
use crate::parse::log::LogRecord;

pub mod bundles;
pub mod identity;
mod resolve;
mod stream;

pub(crate) use stream::parse_input;
pub use stream::{listing_frame, parse_log};

pub use bundles::{BundleRef, BundleReport};

/// Bytes read at the head of a file to tell its format.
pub(crate) const SNIFF_BYTES: u64 = 64 * 1024;
/// Largest non-dump input read, so an absurd file cannot exhaust memory.
pub const MAX_SMALL_INPUT: u64 = 256 * 1024 * 1024;
/// Block size for streaming dumps.
pub const DEFAULT_BLOCK: usize = 8 * 1024 * 1024;
/// Roughly how many bytes one entry line takes, to size column buffers.
pub(crate) const BYTES_PER_LINE_GUESS: usize = 150;

/// What the command line says about the inputs.
#[derive(Clone, Default)]
pub struct LoadOptions {
    /// `--node NAME`: overrides every file's node.
    pub node: Option<String>,
    /// `--captured-at TIME`: overrides every file's capture time.
    pub captured_at: Option<DateTime<Utc>>,
    /// `--kind KIND`: skip sniffing between kinds.
    pub kind: Option<Kind>,
    /// `--node PATH=NAME`, `--captured-at PATH=TIME`, `--kind PATH=KIND`:
    /// for the inputs whose path starts with PATH (an archive's members too).
    pub per_path: Vec<PathOverride>,
    /// Block size for streaming dumps (0: the default).
    pub block_size: usize,
    /// Bounds on archives.
    pub limits: archive::Limits,
    /// What each snapshot is reduced to as soon as it is parsed.
    pub aggregate: AggregateOptions,
    /// Instead of reducing listings, hand every block of their entries to
    /// this sink, and skip every other input: the export pass of
    /// `analyze --entries`.
    pub entries: Option<std::sync::Arc<dyn crate::frame::EntrySink>>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("node", &self.node)
            .field("captured_at", &self.captured_at)
            .field("kind", &self.kind)
            .field("per_path", &self.per_path)
            .field("block_size", &self.block_size)
            .field("limits", &self.limits)
            .field("aggregate", &self.aggregate)
            .field("entries", &self.entries.is_some())
            .finish()
    }
}

/// One per-input override of the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum PathOverride {
    Node(String, String),
    CapturedAt(String, DateTime<Utc>),
    Kind(String, Kind),
}

/// Whether an override for `prefix` applies to `path`: the same path, a
/// file below a folder, or a member of an archive.
fn applies(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix
        || path.strip_prefix(prefix).is_some_and(|rest| {
            rest.starts_with('/') || rest.starts_with('!') || rest.starts_with(" [")
        })
}

impl LoadOptions {
    /// The block size streams are read in.
    pub(crate) fn block(&self) -> usize {
        if self.block_size == 0 {
            DEFAULT_BLOCK
        } else {
            self.block_size
        }
    }

    /// The value of the longest PATH among the overrides `pick` takes that
    /// applies to `path`.
    fn per_path_value<T>(
        &self,
        path: &str,
        pick: impl Fn(&PathOverride) -> Option<(&str, T)>,
    ) -> Option<T> {
        self.per_path
            .iter()
            .filter_map(|o| pick(o).filter(|(p, _)| applies(p, path)))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, v)| v)
    }

    /// The node the command line gives `path` (the longest matching PATH wins).
    pub fn node_for(&self, path: &str) -> Option<String> {
        self.per_path_value(path, |o| match o {
            PathOverride::Node(p, n) => Some((p.as_str(), n.clone())),
            _ => None,
        })
        .or_else(|| self.node.clone())
    }

    pub fn captured_at_for(&self, path: &str) -> Option<DateTime<Utc>> {
        self.per_path_value(path, |o| match o {
            PathOverride::CapturedAt(p, t) => Some((p.as_str(), *t)),
            _ => None,
        })
        .or(self.captured_at)
    }

    pub fn kind_for(&self, path: &str) -> Option<Kind> {
        self.per_path_value(path, |o| match o {
            PathOverride::Kind(p, k) => Some((p.as_str(), *k)),
            _ => None,
        })
        .or(self.kind)
    }

    /// Whether the command line names this input's node itself.
    pub fn names_node(&self, path: &str) -> bool {
        self.node_for(path).is_some()
    }

    pub fn names_time(&self, path: &str) -> bool {
        self.captured_at_for(path).is_some()
    }
}

/// How one input file went (the `inputs[]` element of summary.json).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputReport {
    pub path: String,
    pub kind: Kind,
    #[serde(skip)]
    pub format: Format,
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub records: u64,
    pub skipped: u64,
    /// Skipped lines by what was expected of them.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped_by_reason: std::collections::BTreeMap<String, u64>,
    pub bad_lines: Vec<BadLine>,
    pub warnings: Vec<String>,
    /// The file could not be used at all (unreadable, binary, unrecognised).
    #[serde(skip)]
    pub unusable: bool,
    /// Modification time of the file, the last resort for a syslog year.
    #[serde(skip)]
    pub modified: Option<DateTime<Utc>>,
    /// Where the file sits in a support bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleRef>,
    /// The capture is a cut view (sos kept only the tail of an output over
    /// its size limit, or a cap was reached): its line count is not the
    /// table's size.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

/// A parsed `conntrack -L` snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotInput {
    pub input: usize,
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    /// A cut view of the table: its entry count is a lower bound.
    pub partial: bool,
    /// The snapshot's entries, reduced to what the analysis reads.
    pub aggregates: Aggregates,
}

#[derive(Debug, Clone)]
pub struct StatsInput {
    pub input: usize,
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub capture: StatsCapture,
}

#[derive(Debug, Clone)]
pub struct SettingsInput {
    pub input: usize,
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub settings: Settings,
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub inputs: Vec<InputReport>,
    pub snapshots: Vec<SnapshotInput>,
    pub stats: Vec<StatsInput>,
    pub settings: Vec<SettingsInput>,
    pub logs: Vec<LogInput>,
    pub inventories: Vec<InventoryInput>,
    /// Support bundles read: what each held and lacked.
    pub bundles: Vec<BundleReport>,
    /// Node names changed to one name per machine, and misread layouts.
    pub identity_notes: Vec<String>,
    /// Node names that could not be resolved (an EC2 instance id alone).
    pub identity_warnings: Vec<String>,
    /// Marks of a misread layout.
    pub layout_warnings: Vec<String>,
}

/// A Kubernetes inventory capture.
#[derive(Debug, Clone)]
pub struct InventoryInput {
    pub input: usize,
    pub node: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub inventory: Inventory,
}

/// The messages that matter in one log file.
#[derive(Debug, Clone)]
pub struct LogInput {
    pub input: usize,
    /// The file's node (flag or path); records may name their own host.
    pub node: Option<String>,
    pub records: Vec<LogRecord>,
}

impl Loaded {
    pub fn skipped_lines(&self) -> u64 {
        self.inputs.iter().map(|i| i.skipped).sum()
    }
    /// Inputs that gave something to analyse.
    pub fn usable_inputs(&self) -> usize {
        self.inputs.iter().filter(|i| !i.unusable).count()
    }
}

pub(crate) enum Parsed {
    Snapshot(Box<Aggregates>),
    Stats(Option<StatsCapture>),
    Settings(Settings),
    Log(Vec<LogRecord>, Settings),
    Inventory(Inventory),
    Nothing,
}

/// One input after reading: what it gave, and where it sits in a bundle.
pub(crate) struct Item {
    pub report: InputReport,
    pub parsed: Parsed,
    pub place: Option<bundles::Place>,
}

impl Item {
    fn plain(report: InputReport, parsed: Parsed) -> Item {
        Item {
            report,
            parsed,
            place: None,
        }
    }
}

/// Files read at once, whatever the number of cores: each holds at most
/// one snapshot's frame (tens of megabytes for a million entries) until it is
/// reduced, so the memory held grows with the readers, not with the files.
const MAX_READERS: usize = 8;

/// Reads the files on a few reader threads that take the next file when
/// done. Each parses its blocks on the shared pool but never takes up
/// another file meanwhile (pool workers waiting on a join would), so the
/// frames in flight are at most the readers.
fn read_files(
    files: &[InputFile],
    opts: &LoadOptions,
    on_read: &(dyn Fn(u64) + Sync),
) -> Vec<bundles::Unit> {
    let readers = rayon::current_num_threads()
        .clamp(1, MAX_READERS)
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<(usize, bundles::Unit)>> =
        std::sync::Mutex::new(Vec::with_capacity(files.len()));
    std::thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let unit = bundles::load_file(file, opts, on_read);
                    done.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((i, unit));
                }
            });
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, u)| u).collect()
}

/// Reads every input. `on_read` is told of raw bytes read, for progress.
pub fn load(files: &[InputFile], opts: &LoadOptions, on_read: &(dyn Fn(u64) + Sync)) -> Loaded {
    let units = read_files(files, opts, on_read);
    let (mut items, mut bundle_reports) = resolve::resolve(units, opts);
    identity::pod_log_nodes(&mut items);
    let (renames, notes, warnings) = identity::canonical_nodes(&mut items);
    for b in &mut bundle_reports {
        identity::rename(&mut b.node, &renames);
    }
    for item in &mut items {
        identity_warnings(&mut item.report);
    }
    let mut loaded = Loaded {
        bundles: bundle_reports,
        identity_notes: notes,
        identity_warnings: warnings,
        ..Loaded::default()
    };
    for (i, item) in items.into_iter().enumerate() {
        let Item { report, parsed, .. } = item;
        let (node, captured_at) = (report.node.clone(), report.captured_at);
        match parsed {
            Parsed::Snapshot(aggregates) => loaded.snapshots.push(SnapshotInput {
                input: i,
                node,
                captured_at,
                partial: report.partial,
                aggregates: *aggregates,
            }),
            Parsed::Stats(Some(capture)) => loaded.stats.push(StatsInput {
                input: i,
                node,
                captured_at,
                capture,
            }),
            Parsed::Log(records, settings) => {
                if settings != Settings::default() {
                    loaded.settings.push(SettingsInput {
                        input: i,
                        node: node.clone(),
                        captured_at,
                        settings,
                    });
                }
                loaded.logs.push(LogInput {
                    input: i,
                    node,
                    records,
                });
            }
            Parsed::Inventory(inventory) => loaded.inventories.push(InventoryInput {
                input: i,
                node,
                captured_at,
                inventory,
            }),
            Parsed::Settings(settings) if settings != Settings::default() => {
                loaded.settings.push(SettingsInput {
                    input: i,
                    node,
                    captured_at,
                    settings,
                })
            }
            _ => {}
        }
        loaded.inputs.push(report);
    }
    identity::check_layout(&mut loaded);
    loaded
}

/// A report for `display` before anything is read: the command line's
/// overrides applied.
pub(crate) fn new_report(
    display: &str,
    node: Option<String>,
    captured_at: Option<DateTime<Utc>>,
    opts: &LoadOptions,
) -> InputReport {
    InputReport {
        path: display.to_string(),
        kind: Kind::Unknown,
        format: Format::Unknown,
        node: opts.node_for(display).or(node),
        captured_at: opts.captured_at_for(display).or(captured_at),
        records: 0,
        skipped: 0,
        skipped_by_reason: Default::default(),
        bad_lines: Vec::new(),
        warnings: Vec::new(),
        unusable: false,
        modified: None,
        bundle: None,
        partial: false,
    }
}

/// What an input that needs a node and a time lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityGap {
    Node,
    Time,
}

impl IdentityGap {
    pub const ALL: [IdentityGap; 2] = [IdentityGap::Node, IdentityGap::Time];
}

impl std::fmt::Display for IdentityGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdentityGap::Node => {
                "node unknown: pass --node PATH=NAME, or lay the files out as <bundle>/<node>/<file>"
            }
            IdentityGap::Time => {
                "capture time unknown: pass --captured-at PATH=TIME, or put it in the file name (conntrack-2024-11-26T09:04:00Z.txt)"
            }
        })
    }
}

/// Says what is unknown of an input that needs a node and a time.
fn identity_warnings(report: &mut InputReport) {
    let needs_identity = matches!(
        report.kind,
        Kind::ConntrackDump | Kind::ConntrackStats | Kind::Sysctl
    ) && !report.unusable
        && report.format != Format::BootTime;
    if needs_identity && report.node.is_none() {
        report.warnings.push(IdentityGap::Node.to_string());
    }
    if needs_identity && report.captured_at.is_none() && report.kind != Kind::Sysctl {
        report.warnings.push(IdentityGap::Time.to_string());
    }
}
