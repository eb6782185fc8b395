//! One input stream through the parsers: sniffed, split into sections when
//! it holds several command outputs, and parsed by the grammar of its
//! format; dumps and logs are streamed in blocks parsed on every core.

use std::io::Read;

use rayon::prelude::*;

use super::{BYTES_PER_LINE_GUESS, InputReport, LoadOptions, MAX_SMALL_INPUT, Parsed, SNIFF_BYTES};
use crate::frame::aggregate::aggregate;
use crate::frame::{ChunkBuilder, EntriesFrame, Projection, merge_chunks};
use crate::input::{self, Format, Kind, sections, sniff};
use crate::parse::conntrack::{ListingReport, parse_listing};
use crate::parse::inventory;
use crate::parse::log::{self, LogScan};
use crate::parse::text::{self, chunks};
use crate::parse::{LineIssues, Outcome, settings, stats};

/// Reads one stream: sniffs it, splits it into sections when it holds
/// several command outputs, and parses each. `forced` is the kind a
/// collector table or `--kind` gives.
pub(crate) fn parse_input(
    reader: &mut (dyn Read + Send),
    name: &str,
    forced: Option<Kind>,
    opts: &LoadOptions,
    base: &InputReport,
) -> Vec<(InputReport, Parsed)> {
    let mut head = Vec::new();
    if let Err(e) = (&mut *reader).take(SNIFF_BYTES).read_to_end(&mut head) {
        let mut report = base.clone();
        cannot_read(&mut report, &e);
        return vec![(report, Parsed::Nothing)];
    }
    let Some(split) = sections::split_of(&head) else {
        let mut report = base.clone();
        let parsed = match parse_stream(head, reader, name, forced, opts, &mut report) {
            Ok(p) => p,
            Err(e) => {
                cannot_read(&mut report, &e);
                Parsed::Nothing
            }
        };
        return vec![(report, parsed)];
    };
    let mut out = Vec::new();
    let chained = std::io::Cursor::new(head).chain(reader);
    let mut secs = sections::Sections::new(std::io::BufReader::with_capacity(1 << 16, chained));
    let mut next = secs.first();
    loop {
        let (title, line) = match next {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => {
                let mut report = base.clone();
                cannot_read(&mut report, &e);
                out.push((report, Parsed::Nothing));
                break;
            }
        };
        let mut sec_head = Vec::new();
        if let Err(e) = secs.section().take(SNIFF_BYTES).read_to_end(&mut sec_head) {
            let mut report = base.clone();
            cannot_read(&mut report, &e);
            out.push((report, Parsed::Nothing));
            break;
        }
        if sec_head.iter().all(u8::is_ascii_whitespace) && title.is_empty() {
            next = secs.next_section();
            continue;
        }
        let mut report = base.clone();
        report.path = if title.is_empty() {
            match split {
                sections::Split::Commands => format!("{} [before the first command]", base.path),
                sections::Split::LogBlocks => format!("{} [log]", base.path),
            }
        } else {
            format!("{} [{}]", base.path, title)
        };
        let kind = forced
            .filter(|k| *k != Kind::Unknown)
            .or_else(|| kind_of_command(&title));
        let parsed = match parse_stream(sec_head, secs.section(), name, kind, opts, &mut report) {
            Ok(p) => p,
            Err(e) => {
                cannot_read(&mut report, &e);
                Parsed::Nothing
            }
        };
        for b in &mut report.bad_lines {
            b.line += line - 1;
        }
        if report.kind == Kind::ConntrackDump && title.starts_with(sections::DELETED_TITLE) {
            report.partial = true;
            report.warnings.push(
                "the entries kube-proxy deleted (`conntrack -D`), not the table: kept as a partial view"
                    .into(),
            );
        } else if report.kind == Kind::ConntrackDump && filtered_listing(&title) {
            report.partial = true;
            report.warnings.push(format!(
                "`{title}` lists part of the table (a filter or one address family): a partial view, whose count is not the table's size"
            ));
        }
        out.push((report, parsed));
        next = secs.next_section();
    }
    out
}

/// Whether a listing command shows only part of the table: any option of
/// `conntrack -L` but the output format narrows it (protocol, addresses,
/// ports, state, mark, zone, NAT, family), and so does a pipe.
fn filtered_listing(title: &str) -> bool {
    if title.contains('|') {
        return true;
    }
    let mut words = title
        .split_whitespace()
        .skip_while(|w| !w.contains("conntrack"));
    words.next();
    let mut skip_arg = false;
    for w in words {
        if skip_arg {
            skip_arg = false;
            continue;
        }
        match w {
            "-L" | "--dump" => {}
            "-o" | "--output" => skip_arg = true,
            w if w.starts_with('-') => return true,
            _ => {}
        }
    }
    false
}

/// The kind of input a section's command prints.
fn kind_of_command(title: &str) -> Option<Kind> {
    let t = title.trim_start_matches("sudo ");
    let has = |s: &str| t.contains(s);
    if has("conntrack -S") || has("stat/nf_conntrack") || has("conntrack -C") {
        Some(Kind::ConntrackStats)
    } else if has("conntrack -E") {
        Some(Kind::ConntrackEvents)
    } else if has("conntrack -L")
        || t.starts_with(sections::DELETED_TITLE)
        || has("nf_conntrack")
        || has("ip_conntrack")
    {
        Some(Kind::ConntrackDump)
    } else if t.starts_with("sysctl") {
        Some(Kind::Sysctl)
    } else if has("dmesg") || has("journalctl") {
        Some(Kind::KernelLog)
    } else if t.starts_with("kubectl") || t.starts_with("crictl") {
        Some(Kind::Inventory)
    } else {
        None
    }
}

fn cannot_read(report: &mut InputReport, e: &std::io::Error) {
    report.warnings.push(format!("cannot read: {e}"));
    report.unusable = true;
}

/// Parses one stream whose first bytes, `head`, were already read.
fn parse_stream(
    head: Vec<u8>,
    reader: &mut (dyn Read + Send),
    file_name: &str,
    forced: Option<Kind>,
    opts: &LoadOptions,
    report: &mut InputReport,
) -> std::io::Result<Parsed> {
    let forced = forced.or(opts.kind_for(&report.path));
    let format = sniff::sniff(&head, file_name, forced);
    report.format = format;
    report.kind = format.kind();
    let head_copy: Vec<u8> = head[..head.len().min(64)].to_vec();
    let mut rest = std::io::Cursor::new(head).chain(reader);
    if let Some(sink) = &opts.entries {
        // The export pass: listings only, each block to the sink.
        if format != Format::ConntrackListing {
            return Ok(Parsed::Nothing);
        }
        let block = opts.block();
        let path = report.path.clone();
        let listing = export_listing(&mut rest, block, sink.as_ref(), &path)?;
        apply_listing(report, &listing, format);
        return Ok(Parsed::Nothing);
    }
    match format {
        Format::ConntrackListing | Format::ConntrackEvents => {
            let block = opts.block();
            // The frame lives only until it is reduced to its aggregates;
            // how many are built at once is bounded by the readers (`load`).
            let (frame, listing) = listing_frame(&mut rest, block, opts.aggregate.projection())?;
            apply_listing(report, &listing, format);
            // A file of events forced to be a listing is still not a snapshot.
            if format != Format::ConntrackListing || (listing.entries == 0 && listing.events() > 0)
            {
                return Ok(Parsed::Nothing);
            }
            match aggregate(&frame, opts.aggregate) {
                Ok(a) => Ok(Parsed::Snapshot(Box::new(a))),
                Err(e) => {
                    report.warnings.push(format!("internal: {e}"));
                    report.unusable = true;
                    Ok(Parsed::Nothing)
                }
            }
        }
        Format::ConntrackXml => {
            let (buf, _) = input::read_capped(&mut rest, MAX_SMALL_INPUT)?;
            report.skipped = buf.iter().filter(|&&b| b == b'\n').count().max(1) as u64;
            report.warnings.push(
                "`conntrack -o xml` output is not read: capture with `conntrack -L` or `conntrack -L -o extended` instead"
                    .into(),
            );
            report.unusable = true;
            Ok(Parsed::Nothing)
        }
        Format::ConntrackS | Format::ProcStat | Format::Count => {
            let buf = read_small(&mut rest, report)?;
            let out = match format {
                Format::ConntrackS => stats::parse_conntrack_s(&buf),
                Format::ProcStat => stats::parse_proc_stat(&buf),
                _ => stats::parse_count(&buf),
            };
            Ok(Parsed::Stats(apply_outcome(report, out)))
        }
        Format::Log => {
            let block = opts.block();
            let scan = if log::is_json_array(&head_copy) {
                let buf = read_small(&mut rest, report)?;
                match log::scan_json_array(&buf) {
                    Ok(scan) => scan,
                    Err(e) => {
                        report
                            .warnings
                            .push(format!("not a Cloud Logging export: {e}"));
                        report.unusable = true;
                        return Ok(Parsed::Nothing);
                    }
                }
            } else {
                parse_log(&mut rest, block)?
            };
            apply_issues(report, scan.issues);
            if scan.unstamped > 0 {
                let lines: Vec<String> = scan.unstamped_lines.iter().map(u64::to_string).collect();
                report.warnings.push(format!(
                    "{} no readable time (line{} {}{}): counted in the totals and bounds, left out of the timeline and its bursts",
                    if scan.unstamped == 1 {
                        "1 message that matters had".to_string()
                    } else {
                        format!("{} messages that matter had", scan.unstamped)
                    },
                    if lines.len() == 1 { "" } else { "s" },
                    lines.join(", "),
                    if scan.unstamped > lines.len() as u64 { ", …" } else { "" }
                ));
            }
            let settings = apply_outcome(report, scan.limits);
            report.records += scan.records.len() as u64;
            Ok(Parsed::Log(scan.records, settings))
        }
        Format::Sysctl | Format::BareValue | Format::BootTime => {
            let buf = read_small(&mut rest, report)?;
            let out = match format {
                Format::Sysctl => settings::parse_sysctl(&buf),
                Format::BootTime => settings::parse_proc_stat_btime(&buf),
                _ => settings::parse_bare_value(&buf, file_name),
            };
            let settings = apply_outcome(report, out);
            if report.node.is_none() && report.bundle.is_none() {
                report.node = settings.hostname.clone();
            }
            Ok(Parsed::Settings(settings))
        }
        Format::Inventory => {
            let buf = read_small(&mut rest, report)?;
            let inventory = apply_outcome(report, inventory::parse_inventory(&buf));
            Ok(Parsed::Inventory(inventory))
        }
        Format::Empty => {
            report.warnings.push("empty: no data lines".into());
            report.unusable = true;
            Ok(Parsed::Nothing)
        }
        Format::Binary => {
            report.warnings.push("binary file: skipped".into());
            report.unusable = true;
            Ok(Parsed::Nothing)
        }
        Format::ConntrackdCache | Format::ConntrackdStats | Format::WindowsNetstat => {
            report.warnings.push(format!(
                "{}: skipped",
                format.refusal().unwrap_or("not read")
            ));
            report.unusable = true;
            Ok(Parsed::Nothing)
        }
        Format::Unknown => {
            report
                .warnings
                .push("unrecognised content: skipped (use --kind to say what it is)".into());
            report.unusable = true;
            Ok(Parsed::Nothing)
        }
    }
}

fn read_small(reader: &mut dyn Read, report: &mut InputReport) -> std::io::Result<Vec<u8>> {
    let (buf, more) = input::read_capped(reader, MAX_SMALL_INPUT)?;
    if more {
        report.warnings.push(format!(
            "only the first {} MiB were read",
            MAX_SMALL_INPUT / (1024 * 1024)
        ));
    }
    Ok(buf)
}

fn apply_outcome<T>(report: &mut InputReport, out: Outcome<T>) -> T {
    report.records = out.records;
    apply_issues(report, out.issues);
    report.warnings.extend(out.warnings);
    out.value
}

fn apply_issues(report: &mut InputReport, issues: LineIssues) {
    report.skipped += issues.skipped;
    report.bad_lines.extend(issues.first);
    for (reason, n) in issues.by_reason {
        *report.skipped_by_reason.entry(reason).or_default() += n;
    }
}

/// Streams a dump through the listing grammar, block by block, each block
/// split across the cores; a reader thread fetches (and decompresses) the
/// next block while the current one is parsed.
pub fn listing_frame(
    reader: &mut (dyn Read + Send),
    block_size: usize,
    projection: Projection,
) -> std::io::Result<(EntriesFrame, ListingReport)> {
    let mut builders: Vec<ChunkBuilder> = Vec::new();
    let mut listing = ListingReport::default();
    pipelined(reader, block_size, |first_line, block| {
        builders.extend(parse_block(block, first_line, projection, &mut listing));
    })?;
    let frame = merge_chunks(builders).map_err(std::io::Error::other)?;
    Ok((frame, listing))
}

/// One block of a listing parsed on every core, a chunk per piece (each
/// sealed on the thread that parsed it); the pieces' reports are merged
/// into `listing` with their line numbers shifted to the file's (pieces
/// number their lines from 1 as they read them: no pass over the block
/// counts its lines beforehand). Empty chunks are left out.
fn parse_block(
    block: &[u8],
    first_line: u64,
    projection: Projection,
    listing: &mut ListingReport,
) -> Vec<ChunkBuilder> {
    let parts = rayon::current_num_threads().max(1) * 2;
    let results: Vec<(ChunkBuilder, ListingReport)> = text::pieces(block, parts)
        .into_par_iter()
        .map(|piece| {
            let mut b = ChunkBuilder::new(piece.len() / BYTES_PER_LINE_GUESS + 16, projection);
            let r = parse_listing(piece, 1, |e| b.push(e));
            b.seal();
            (b, r)
        })
        .collect();
    let mut line = first_line;
    let mut builders = Vec::with_capacity(results.len());
    for (b, mut r) in results {
        for bad in &mut r.issues.first {
            bad.line += line - 1;
        }
        line += r.lines;
        listing.merge(r);
        if !b.is_empty() {
            builders.push(b);
        }
    }
    builders
}

/// Streams a listing block by block into `sink`, every column built: one
/// frame per block, so memory holds a block, not the snapshot.
fn export_listing(
    reader: &mut (dyn Read + Send),
    block_size: usize,
    sink: &dyn crate::frame::EntrySink,
    path: &str,
) -> std::io::Result<ListingReport> {
    let mut listing = ListingReport::default();
    let mut failed: Option<String> = None;
    pipelined(reader, block_size, |first_line, block| {
        if failed.is_some() {
            return;
        }
        let builders = parse_block(block, first_line, Projection::ALL, &mut listing);
        if builders.is_empty() {
            return;
        }
        let result = merge_chunks(builders)
            .map_err(|e| e.to_string())
            .and_then(|frame| sink.block(path, frame));
        if let Err(e) = result {
            failed = Some(e);
        }
    })?;
    match failed {
        Some(e) => Err(std::io::Error::other(e)),
        None => Ok(listing),
    }
}

/// Streams a log block by block; each block is searched on every core.
pub fn parse_log(reader: &mut (dyn Read + Send), block_size: usize) -> std::io::Result<LogScan> {
    let mut scan = LogScan::default();
    let parts = rayon::current_num_threads().max(1) * 2;
    pipelined(reader, block_size, |first_line, block| {
        let results: Vec<LogScan> = chunks(block, parts, first_line)
            .into_par_iter()
            .map(|(first, piece)| log::scan_block(piece, first))
            .collect();
        for r in results {
            scan.merge(r);
        }
    })?;
    Ok(scan)
}

/// Reads `reader` block by block on a thread of its own — where a
/// compressed input is decompressed too — and hands each block, with the
/// number of its first line, to `each` on this thread: reading and
/// decompressing the next block overlap with parsing this one. One block
/// waits in the channel, one is being read, one parsed; parsed blocks'
/// buffers go back to the reader.
fn pipelined(
    reader: &mut (dyn Read + Send),
    block_size: usize,
    mut each: impl FnMut(u64, &[u8]),
) -> std::io::Result<()> {
    std::thread::scope(|scope| -> std::io::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<(u64, Vec<u8>)>>(1);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        scope.spawn(move || {
            let mut blocks = input::Blocks::new(reader, block_size);
            loop {
                while let Ok(buf) = back_rx.try_recv() {
                    blocks.recycle(buf);
                }
                let next = blocks.next_block().transpose();
                let stop = !matches!(next, Some(Ok(_)));
                if let Some(msg) = next {
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
                if stop {
                    break;
                }
            }
        });
        for msg in rx {
            let (first_line, block) = msg?;
            each(first_line, &block);
            // The reader may have finished; then the buffer is simply freed.
            let _ = back_tx.send(block);
        }
        Ok(())
    })
}

fn apply_listing(report: &mut InputReport, listing: &ListingReport, format: Format) {
    apply_issues(report, listing.issues.clone());
    let events = listing.events();
    if format == Format::ConntrackEvents {
        report.records = events;
        report.warnings.push(format!(
            "conntrack -E events ({} NEW, {} UPDATE, {} DESTROY) are counted apart: they are not a snapshot of the table",
            listing.events_new, listing.events_update, listing.events_destroy
        ));
        if let Some(n) = listing.event_trailers.last() {
            if *n != events {
                report.warnings.push(format!(
                    "the trailer says {n} flow events were shown, but {events} were read"
                ));
            }
        }
        if listing.entries > 0 {
            report.warnings.push(format!(
                "{} plain entry lines in an event stream were ignored",
                listing.entries
            ));
        }
        return;
    }
    report.records = listing.entries;
    if events > 0 {
        report.warnings.push(format!(
            "{events} conntrack -E event lines counted apart, not as entries"
        ));
    }
    if listing.xml_lines > 0 {
        report.skipped += listing.xml_lines;
        report.warnings.push(format!(
            "{} lines of `-o xml` output skipped",
            listing.xml_lines
        ));
    }
    match listing.trailers.as_slice() {
        [] => {}
        [n] if *n == listing.entries => {}
        [n] => report.warnings.push(format!(
            "the trailer says {n} flow entries were shown, but {} were read ({} lines skipped): the capture may be cut short or filtered",
            listing.entries, listing.issues.skipped
        )),
        many => {
            let total: u64 = many.iter().sum();
            report.warnings.push(format!(
                "{} trailers in one file (several captures concatenated?): they announce {total} entries, {} were read",
                many.len(),
                listing.entries
            ));
        }
    }
    if !listing.unknown_keys.is_empty() {
        let list: Vec<String> = listing
            .unknown_keys
            .iter()
            .take(8)
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect();
        report.warnings.push(format!(
            "fields this version does not know, kept aside: {}",
            list.join(", ")
        ));
    }
    for m in &listing.tool_messages {
        report.warnings.push(format!("conntrack said: {m}"));
    }
    if listing.redacted > 0 {
        report.warnings.push(format!(
            "{} entries have an address redacted by hand (x.x.x.x, <redacted>): kept, with that address unknown",
            listing.redacted
        ));
    }
    if listing.rejoined > 0 {
        report.warnings.push(format!(
            "{} entries were wrapped over two lines (or continued with ` \\`): read as one",
            listing.rejoined
        ));
    }
    if listing.quoted > 0 {
        report.warnings.push(format!(
            "{} lines were quoted (`> `, as in an e-mail): read without the quoting",
            listing.quoted
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{filtered_listing, listing_frame};
    use crate::frame::Projection;

    /// Bad lines keep their line numbers in the file when blocks and the
    /// pieces of a block are numbered as they are read.
    #[test]
    fn bad_lines_are_numbered_across_blocks_and_pieces() {
        let good = "tcp      6 117 TIME_WAIT src=10.4.1.23 dst=10.8.3.114 sport=41822 dport=8080 src=10.4.2.17 dst=10.4.1.23 sport=8080 dport=41822 [ASSURED] mark=0 use=1\n";
        let mut text = String::new();
        let mut bad = Vec::new();
        for line in 1..=400u64 {
            if line % 37 == 0 {
                text.push_str("garbage that is no entry\n");
                bad.push(line);
            } else {
                text.push_str(good);
            }
        }
        for block in [512, 4096, 1 << 20] {
            let mut reader = text.as_bytes();
            let (frame, listing) = listing_frame(&mut reader, block, Projection::ALL).unwrap();
            assert_eq!(frame.height() as u64 + bad.len() as u64, 400);
            assert_eq!(listing.lines, 400);
            let got: Vec<u64> = listing.issues.first.iter().map(|b| b.line).collect();
            assert_eq!(got, bad[..got.len()], "block size {block}");
            assert!(!got.is_empty());
        }
    }

    #[test]
    fn filtered_listings_are_partial_views() {
        assert!(!filtered_listing("conntrack -L"));
        assert!(!filtered_listing("sudo conntrack -L -o extended"));
        assert!(!filtered_listing("conntrack -L -o extended,id"));
        assert!(filtered_listing("conntrack -L -p tcp --state SYN_SENT"));
        assert!(filtered_listing("conntrack -L -d 10.8.0.10"));
        assert!(filtered_listing("conntrack -L -f ipv6"));
        assert!(filtered_listing("conntrack -L | grep 10.4.1.23"));
    }
}
