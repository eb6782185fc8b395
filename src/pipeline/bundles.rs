//! Reading support bundles: archives streamed member by member, extracted
//! bundle folders file by file, each file looked up in the collector table
//! ([`crate::input::bundle`]) and parsed by the usual parsers;
//! [`super::resolve`] then gives them the bundle's node and time.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{InputReport, Item, LoadOptions, Parsed, new_report, parse_input};
use crate::input::archive::{self, Container, Walker};
use crate::input::bundle::{self, Collector, Found, NameFacts, Role};
use crate::input::hints::{is_container_folder, time_in_name, valid_node_name};
use crate::input::{Counting, Format, InputFile, Kind, Location, sniff};

/// Most bytes read of a small metadata file (hostname, date, manifest).
const META_BYTES: u64 = 4 << 20;
/// Member names listed in a bundle's report, at most, per list.
pub(super) const LISTED: usize = 10;

/// Where an input sits in a bundle, for [`resolve`].
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// The bundle's key: the archive's display path, or the folder's.
    pub bundle: String,
    /// The member's path below the bundle's top.
    pub member: String,
    pub netns: Option<String>,
    pub rank: u8,
    /// The table named the node (log-dump's `<node>/kern.log`).
    pub node_from_spec: bool,
}

/// What a bundle's metadata files say.
#[derive(Debug, Clone)]
pub(crate) enum Ident {
    Hostname {
        name: String,
        rank: u8,
    },
    InstanceId(String),
    Time {
        at: DateTime<Utc>,
        rank: u8,
        from: String,
    },
    /// sos's manifest: each command's start time, by output path.
    PerFile(BTreeMap<String, DateTime<Utc>>),
    /// Seconds the machine had been up when the bundle was taken.
    Uptime(u64),
}

/// Bundle-level facts gathered while reading.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub key: String,
    pub collector: Collector,
    pub facts: NameFacts,
    /// Name of the archive (or folder) the bundle is.
    pub name: String,
    pub members: u64,
    pub ignored: u64,
    /// Members a closed layout does not name, not read.
    pub unnamed: u64,
    /// Members read but holding nothing recognisable.
    pub unrecognised: Vec<String>,
    pub unrecognised_count: u64,
    pub warnings: Vec<String>,
    pub idents: Vec<(Ident, String)>,
}

impl Scan {
    fn new(key: &str, name: &str, collector: Collector, facts: NameFacts) -> Scan {
        Scan {
            key: key.to_string(),
            collector,
            facts,
            name: name.to_string(),
            members: 0,
            ignored: 0,
            unnamed: 0,
            unrecognised: Vec::new(),
            unrecognised_count: 0,
            warnings: Vec::new(),
            idents: Vec::new(),
        }
    }

    /// A bundle named `name` (an archive's file name): recognised by it.
    fn for_archive(key: &str, name: &str) -> Scan {
        let stem = archive::stem(name);
        match bundle::by_name(stem) {
            Some((c, facts)) => Scan::new(key, name, c, facts),
            None => Scan::new(key, name, Collector::Generic, NameFacts::default()),
        }
    }

    /// The member's path below the bundle's top: sos, Rancher and the
    /// capture kit put everything under one folder named like the archive.
    fn relative(&mut self, member: &str) -> String {
        if let Some((first, rest)) = member.split_once('/') {
            if bundle::wrapper(first, archive::stem(&self.name)) {
                if self.collector == Collector::Generic {
                    if let Some((c, facts)) = bundle::by_name(first) {
                        self.collector = c;
                        self.facts = facts;
                    }
                }
                return rest.to_string();
            }
        }
        member.to_string()
    }

    /// An archive with no telling name is recognised by its first members.
    fn recognise(&mut self, rel: &str) {
        if self.collector != Collector::Generic {
            return;
        }
        let first = rel.split('/').next().unwrap_or(rel);
        if let Some(c) = bundle::by_markers(|m| m == first || m == rel) {
            self.collector = c;
        }
    }

    fn unrecognised(&mut self, member: &str) {
        self.unrecognised_count += 1;
        if self.unrecognised.len() < LISTED {
            self.unrecognised.push(member.to_string());
        }
    }
}

/// Where one support bundle's file came from (`inputs[].bundle` of summary.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleRef {
    pub kind: Collector,
    pub archive: String,
    pub member: String,
}

/// What one bundle held and lacked (`bundles[]` of summary.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleReport {
    pub path: String,
    pub kind: Collector,
    pub node: Option<String>,
    /// Where the node's name came from.
    pub node_from: Option<String>,
    pub captured_at: Option<DateTime<Utc>>,
    pub time_from: Option<String>,
    /// Evidence found, each with the member that gave it.
    pub found: Vec<String>,
    /// Evidence an analysis wants that the bundle lacks.
    pub missing: Vec<String>,
    /// What to ask for, one line per missing piece.
    pub advice: Vec<String>,
    pub members: u64,
    /// Members read as captures.
    pub read: u64,
    /// Members the collector table names as of no use, and members a
    /// closed layout does not name: not read.
    pub not_read: u64,
    /// Archive problems and files that could not be used.
    pub warnings: Vec<String>,
}

/// What one input path gave: its items, and the bundles it held.
#[derive(Default)]
pub(crate) struct Unit {
    pub items: Vec<Item>,
    pub scans: Vec<Scan>,
}

/// Reads one path of the command line (or one file of a walked folder).
pub(crate) fn load_file(
    file: &InputFile,
    opts: &LoadOptions,
    on_read: &(dyn Fn(u64) + Sync),
) -> Unit {
    if let Some((root, member)) = &file.bundle {
        return folder_member(file, root, member, opts, on_read);
    }
    match open(file, on_read) {
        Ok(Opened::Plain(mut reader)) => plain(file, &mut *reader, opts),
        Ok(Opened::Archive(reader, c)) => walk_archive(file, Source::Stream(reader, c), opts),
        Ok(Opened::Zip(f)) => walk_archive(file, Source::Zip(f), opts),
        Ok(Opened::Encrypted(c)) => {
            let mut report = new_report(&file.display, file.node.clone(), file.captured_at, opts);
            report.warnings.push(c.decrypt_hint(&raw_name(file)));
            report.unusable = true;
            single(report, Parsed::Nothing)
        }
        Err(e) => {
            let mut report = new_report(&file.display, file.node.clone(), file.captured_at, opts);
            report.warnings.push(format!("cannot read: {e}"));
            report.unusable = true;
            single(report, Parsed::Nothing)
        }
    }
}

fn single(report: InputReport, parsed: Parsed) -> Unit {
    Unit {
        items: vec![Item::plain(report, parsed)],
        scans: Vec::new(),
    }
}

fn raw_name(file: &InputFile) -> String {
    match &file.location {
        Location::Path(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Location::Stdin => "-".into(),
    }
}

enum Opened<'a> {
    /// A plain or singly compressed file, decompressed.
    Plain(Box<dyn Read + Send + 'a>),
    /// A tar stream (decompressed) or a compressed tar.
    Archive(Box<dyn Read + Send + 'a>, Container),
    /// A zip file on disk (zip needs to seek).
    Zip(File),
    Encrypted(Container),
}

/// Opens an input and tells by its first bytes what it is.
fn open<'a>(file: &InputFile, on_read: &'a (dyn Fn(u64) + Sync)) -> io::Result<Opened<'a>> {
    let raw: Box<dyn Read + Send> = match &file.location {
        Location::Path(p) => Box::new(File::open(p)?),
        Location::Stdin => Box::new(io::stdin()),
    };
    let counted = Counting {
        inner: raw,
        on_read: move |n| on_read(n),
    };
    let mut reader = BufReader::with_capacity(1 << 16, counted);
    let head = reader.fill_buf()?.to_vec();
    let name = raw_name(file);
    let container = Container::sniff(&head).or_else(|| Container::by_name(&name));
    match container {
        None => Ok(Opened::Plain(Box::new(reader))),
        Some(Container::Tar) => Ok(Opened::Archive(Box::new(reader), Container::Tar)),
        Some(Container::Zip) => match &file.location {
            Location::Path(p) => {
                on_read(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
                Ok(Opened::Zip(File::open(p)?))
            }
            Location::Stdin => Ok(Opened::Archive(Box::new(reader), Container::Zip)),
        },
        Some(c) if c.is_encryption() => Ok(Opened::Encrypted(c)),
        Some(c) => {
            let mut dec = archive::decoder(c, Box::new(reader))?;
            let mut inner = Vec::with_capacity(512);
            (&mut dec).take(512).read_to_end(&mut inner)?;
            let tar = Container::sniff(&inner) == Some(Container::Tar);
            let chained: Box<dyn Read + Send + 'a> = Box::new(io::Cursor::new(inner).chain(dec));
            Ok(if tar {
                Opened::Archive(chained, Container::Tar)
            } else {
                Opened::Plain(chained)
            })
        }
    }
}

/// A file outside any bundle: today's rules.
fn plain(file: &InputFile, reader: &mut (dyn Read + Send), opts: &LoadOptions) -> Unit {
    let mut base = new_report(&file.display, file.node.clone(), file.captured_at, opts);
    base.modified = crate::input::modified(file);
    let items = parse_input(reader, &file.file_name(), None, opts, &base)
        .into_iter()
        .map(|(r, p)| Item::plain(r, p))
        .collect();
    Unit {
        items,
        scans: Vec::new(),
    }
}

/// One file of an extracted bundle folder.
fn folder_member(
    file: &InputFile,
    root: &Arc<bundle::BundleRoot>,
    member: &str,
    opts: &LoadOptions,
    on_read: &(dyn Fn(u64) + Sync),
) -> Unit {
    let mut scan = Scan::new(
        &root.display,
        &root.display,
        root.collector,
        root.facts.clone(),
    );
    scan.members = 1;
    let mut unit = Unit::default();
    let reader = match &file.location {
        Location::Path(p) => File::open(p),
        Location::Stdin => Err(io::Error::other("stdin is not a bundle")),
    };
    match reader {
        Ok(f) => {
            let mut counted = Counting {
                inner: f,
                on_read: |n| on_read(n),
            };
            let mut dec = match decompressed(&mut counted) {
                Ok(d) => d,
                Err(e) => {
                    scan.warnings.push(format!("{member}: cannot read: {e}"));
                    unit.scans.push(scan);
                    return unit;
                }
            };
            let rel = stem_compressed(member);
            read_member(
                &mut scan,
                &rel,
                &file.display,
                Member::Send(&mut *dec),
                opts,
                &mut unit,
            );
        }
        Err(e) => scan.warnings.push(format!("{member}: cannot read: {e}")),
    }
    unit.scans.push(scan);
    unit
}

/// A rotated log inside a bundle (`messages-20241124.gz`) is read through.
fn decompressed<'a>(r: &'a mut (dyn Read + Send)) -> io::Result<Box<dyn Read + Send + 'a>> {
    let mut head = Vec::with_capacity(16);
    (&mut *r).take(16).read_to_end(&mut head)?;
    let c = Container::sniff(&head);
    let chained = io::Cursor::new(head).chain(r);
    match c {
        Some(c) if c.is_compression() => Ok(Box::new(archive::decoder(c, chained)?)),
        _ => Ok(Box::new(chained)),
    }
}

/// A member's bytes: a file of a folder can cross threads; an archive's
/// member borrows its archive and cannot.
enum Member<'a> {
    Send(&'a mut (dyn Read + Send)),
    Local(&'a mut dyn Read),
}

impl Read for Member<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Member::Send(r) => r.read(buf),
            Member::Local(r) => r.read(buf),
        }
    }
}

fn stem_compressed(member: &str) -> String {
    for ext in [".gz", ".xz", ".zst", ".bz2"] {
        if let Some(s) = member.strip_suffix(ext) {
            return s.to_string();
        }
    }
    member.to_string()
}

/// An archive to walk: a stream (tar, possibly compressed) or a zip file.
enum Source<'a> {
    Stream(Box<dyn Read + Send + 'a>, Container),
    Zip(File),
}

fn walk_archive(file: &InputFile, source: Source<'_>, opts: &LoadOptions) -> Unit {
    let mut unit = Unit::default();
    let mut scans: Vec<Scan> = Vec::new();
    let name = raw_name(file);
    let (issues, members) = {
        let mut visit = |f: &archive::File<'_>, r: &mut dyn Read| -> io::Result<()> {
            visit_member(f, r, opts, &mut scans, &mut unit);
            Ok(())
        };
        let mut walker = Walker::new(opts.limits, &mut visit);
        let outcome = match source {
            Source::Stream(reader, c) => walker.walk(reader, c, &file.display, &name),
            Source::Zip(f) => walker.walk_zip(f, &file.display, &name),
        };
        let mut issues: Vec<String> = walker.issues.iter().map(ToString::to_string).collect();
        if let Err(e) = outcome {
            issues.push(format!("cannot read: {e}"));
        }
        (issues, walker.members)
    };
    finish_archive(file, &name, scans, issues, members, unit)
}

fn finish_archive(
    file: &InputFile,
    name: &str,
    mut scans: Vec<Scan>,
    issues: Vec<String>,
    members: u64,
    mut unit: Unit,
) -> Unit {
    // The archive itself is always reported, even when nested bundles hold
    // everything (sos collect) or nothing could be read.
    let top = match scans.iter().position(|s| s.key == file.display) {
        Some(i) => i,
        None => {
            scans.insert(0, Scan::for_archive(&file.display, name));
            0
        }
    };
    if let Some(s) = scans.get_mut(top) {
        s.warnings.extend(issues);
        s.members = s.members.max(members);
    }
    unit.scans = scans;
    unit
}

fn visit_member(
    f: &archive::File<'_>,
    r: &mut dyn Read,
    opts: &LoadOptions,
    scans: &mut Vec<Scan>,
    unit: &mut Unit,
) {
    let key = &f.path.archive;
    let i = match scans.iter().position(|s| &s.key == key) {
        Some(i) => i,
        None => {
            scans.push(Scan::for_archive(key, &f.path.archive_name));
            scans.len() - 1
        }
    };
    let Some(scan) = scans.get_mut(i) else {
        return;
    };
    scan.members += 1;
    let rel = scan.relative(&f.path.member);
    scan.recognise(&rel);
    read_member(scan, &rel, &f.path.display(), Member::Local(r), opts, unit);
}

/// Reads one member of a bundle, as the collector table says.
fn read_member(
    scan: &mut Scan,
    rel: &str,
    display: &str,
    mut reader: Member<'_>,
    opts: &LoadOptions,
    unit: &mut Unit,
) {
    let found = bundle::lookup(scan.collector, rel);
    let closed = bundle::def(scan.collector).is_some_and(|d| d.closed);
    let role = found.as_ref().map(|f| f.role);
    match role {
        Some(Role::Ignored) => {
            scan.ignored += 1;
            return;
        }
        Some(Role::Unreadable(why)) => {
            scan.warnings.push(format!("{rel}: {why}"));
            return;
        }
        Some(
            r @ (Role::Hostname
            | Role::InstanceId
            | Role::Date
            | Role::DateUtc
            | Role::SosManifest
            | Role::KitManifest
            | Role::Uptime),
        ) => {
            let rank = found.as_ref().map_or(0, |f| f.rank);
            metadata(scan, r, rank, rel, &mut reader);
            return;
        }
        _ => {}
    }
    let file_name = rel.rsplit('/').next().unwrap_or(rel).to_string();
    let forced = match role {
        Some(Role::Capture(k)) => Some(k),
        _ => None,
    };
    // A closed layout reads what it names, and conntrack captures anywhere.
    let mut head = Vec::new();
    if (&mut reader)
        .take(super::SNIFF_BYTES)
        .read_to_end(&mut head)
        .is_err()
    {
        scan.warnings.push(format!("{rel}: cannot read"));
        return;
    }
    if found.is_none() && closed {
        let kind = sniff::sniff(&head, &file_name, None).kind();
        if !matches!(
            kind,
            Kind::ConntrackDump | Kind::ConntrackStats | Kind::ConntrackEvents
        ) {
            scan.unnamed += 1;
            return;
        }
    }
    let generic = scan.collector == Collector::Generic || !closed;
    let (node, spec_node) = match &found {
        Some(Found { node: Some(n), .. }) if valid_node_name(n) => (Some(n.clone()), true),
        _ if generic => (node_from_member(rel), false),
        _ => (None, false),
    };
    let mut base = new_report(display, node, time_in_name(&file_name), opts);
    base.bundle = Some(BundleRef {
        kind: scan.collector,
        archive: scan.key.clone(),
        member: rel.to_string(),
    });
    base.partial = found.as_ref().is_some_and(|f| f.partial);
    if base.partial {
        base.warnings.push(
            "sos kept only the tail of this output (it was over sos's size limit): a partial view, whose line count is not the table's size"
                .into(),
        );
    }
    let parsed = match reader {
        Member::Send(r) => {
            let mut chained = io::Cursor::new(head).chain(r);
            Ok(parse_input(&mut chained, &file_name, forced, opts, &base))
        }
        Member::Local(r) => {
            let mut chained = io::Cursor::new(head).chain(r);
            archive::pumped(&mut chained, |r| {
                parse_input(r, &file_name, forced, opts, &base)
            })
        }
    };
    let results = match parsed {
        Ok(r) => r,
        Err(e) => {
            scan.warnings.push(format!("{rel}: {e}"));
            return;
        }
    };
    let place = Place {
        bundle: scan.key.clone(),
        member: rel.to_string(),
        netns: found.as_ref().and_then(|f| f.netns.clone()),
        rank: found.as_ref().map_or(0, |f| f.rank),
        node_from_spec: spec_node,
    };
    for (report, parsed) in results {
        // In a generic archive, what holds nothing is counted, not listed
        // as an input: a zip of 50,000 files must not give 50,000 rows.
        if report.unusable
            && found.is_none()
            && matches!(
                report.format,
                Format::Unknown | Format::Binary | Format::Empty
            )
        {
            scan.unrecognised(rel);
            continue;
        }
        unit.items.push(Item {
            report,
            parsed,
            place: Some(place.clone()),
        });
    }
}

/// The node a member's folders name in a generic archive: the same rule as
/// for a walked folder.
fn node_from_member(rel: &str) -> Option<String> {
    let (dirs, _) = rel.rsplit_once('/')?;
    let name = dirs.split('/').rev().find(|f| !is_container_folder(f))?;
    valid_node_name(name).then(|| name.to_string())
}

/// Reads a metadata file of a bundle.
fn metadata(scan: &mut Scan, role: Role, rank: u8, rel: &str, reader: &mut dyn Read) {
    let mut buf = Vec::new();
    if reader.take(META_BYTES).read_to_end(&mut buf).is_err() {
        scan.warnings.push(format!("{rel}: cannot read"));
        return;
    }
    let text = String::from_utf8_lossy(&buf);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    let ident = match role {
        Role::Hostname => first
            .filter(|h| valid_node_name(h))
            .map(|h| Ident::Hostname {
                name: h.to_string(),
                rank,
            }),
        Role::InstanceId => first
            .filter(|i| i.starts_with("i-") && i[2..].chars().all(|c| c.is_ascii_hexdigit()))
            .map(|i| Ident::InstanceId(i.to_string())),
        Role::Date | Role::DateUtc => {
            bundle::parse_date(&text, role == Role::DateUtc).map(|at| Ident::Time {
                at,
                rank: if role == Role::DateUtc { 0 } else { 1 },
                from: rel.to_string(),
            })
        }
        Role::SosManifest => sos_manifest(&buf),
        Role::Uptime => crate::parse::settings::parse_uptime(&text).map(Ident::Uptime),
        Role::KitManifest => {
            for line in text.lines() {
                if let Some(n) = line.strip_prefix("node:") {
                    let n = n.trim();
                    if valid_node_name(n) {
                        scan.idents.push((
                            Ident::Hostname {
                                name: n.to_string(),
                                rank: 0,
                            },
                            rel.to_string(),
                        ));
                    }
                }
            }
            text.lines()
                .find_map(|l| l.strip_prefix("started:"))
                .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
                .map(|t| Ident::Time {
                    at: t.with_timezone(&Utc),
                    rank: 1,
                    from: rel.to_string(),
                })
        }
        _ => None,
    };
    match ident {
        Some(i) => scan.idents.push((i, rel.to_string())),
        None => scan.warnings.push(format!(
            "{rel}: not the {} it should hold",
            role_title(role)
        )),
    }
}

fn role_title(role: Role) -> &'static str {
    match role {
        Role::Hostname => "host name",
        Role::InstanceId => "EC2 instance id",
        Role::Date | Role::DateUtc => "UTC date",
        Role::SosManifest => "sos manifest",
        Role::KitManifest => "capture kit manifest",
        Role::Uptime => "uptime",
        _ => "metadata",
    }
}

/// sos's manifest.json: every object with a `filepath` and an epoch
/// `start_time` is one command's output and when it started.
fn sos_manifest(buf: &[u8]) -> Option<Ident> {
    let v: serde_json::Value = serde_json::from_slice(buf).ok()?;
    let mut out = BTreeMap::new();
    let mut stack = vec![&v];
    let mut budget = 1_000_000usize;
    while let Some(x) = stack.pop() {
        budget = budget.checked_sub(1)?;
        match x {
            serde_json::Value::Object(m) => {
                if let (Some(path), Some(start)) = (
                    m.get("filepath").and_then(|p| p.as_str()),
                    m.get("start_time").and_then(serde_json::Value::as_f64),
                ) {
                    if let Some(t) =
                        DateTime::from_timestamp(crate::numbers::round_i64(start.trunc()), 0)
                    {
                        out.insert(path.trim_start_matches('/').to_string(), t);
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    (!out.is_empty()).then_some(Ident::PerFile(out))
}
