//! `ctsleuth analyze`: a bundle of captures in, `summary.json` out.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::AnalyzeArgs;
use crate::cli::ReportFormat;
use crate::error::{Error, Exit};
use crate::report::{self, charts, html, json, markdown, parquet, terminal};

/// `1600x900` → (1600, 900), within sane bounds.
pub fn parse_size(s: &str) -> Result<(u32, u32), Error> {
    let bad = || {
        Error::Usage(format!(
            "--png-size {s:?}: expected WIDTHxHEIGHT, e.g. 1600x900, each 200 to 8000"
        ))
    };
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if !(200..=8000).contains(&w) || !(200..=8000).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// The time printed in reports: `SOURCE_DATE_EPOCH` when set (reproducible
/// builds' convention), else now.
pub fn generated_at() -> chrono::DateTime<chrono::Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now)
}

/// What names a case: the folder that holds every path (`case/*` names
/// `case`), else the first path.
pub fn case_name(paths: &[String]) -> String {
    let parent = |p: &str| {
        Path::new(p.trim_end_matches('/'))
            .parent()
            .map(|d| d.to_path_buf())
    };
    if paths.len() > 1 {
        if let Some(first) = parent(&paths[0]) {
            if !first.as_os_str().is_empty()
                && paths.iter().all(|p| parent(p).as_ref() == Some(&first))
            {
                return first.display().to_string();
            }
        }
    }
    paths.first().cloned().unwrap_or_default()
}

/// Folder names that say nothing of the case they hold.
const GENERIC_NAMES: &[&str] = &[
    "bundle",
    "bundles",
    "inputs",
    "input",
    "data",
    "captures",
    "capture",
    "logs",
    "tmp",
    "support",
    "support-bundle",
    "case",
    "stdin",
    "files",
    "dump",
    "dumps",
    "out",
];

/// A report's title: the input's name, or, when that name is generic
/// (`bundle`, `data`, …), what the inputs hold: the node, or the nodes'
/// common prefix and how many there are.
pub fn case_title(folder: &str, s: &crate::analysis::Summary) -> String {
    if !GENERIC_NAMES.contains(&folder.to_ascii_lowercase().as_str()) {
        return folder.to_string();
    }
    let names: Vec<&str> = s.nodes.iter().filter_map(|n| n.node.as_deref()).collect();
    match names.as_slice() {
        [] => folder.to_string(),
        [one] => (*one).to_string(),
        [first, rest @ ..] => {
            let mut prefix: &str = first;
            for n in rest {
                let common = prefix
                    .char_indices()
                    .zip(n.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((i, c), _)| i + c.len_utf8());
                prefix = &prefix[..common];
            }
            let prefix = prefix.trim_end_matches(['-', '.', '_']);
            if prefix.len() >= 3 {
                format!("{prefix} ({} nodes)", names.len())
            } else {
                format!("{} nodes ({folder})", names.len())
            }
        }
    }
}

/// `reports/<name of the first path>`, the name reduced to safe characters.
pub fn default_output(first: &str) -> PathBuf {
    let name = if first == "-" {
        "stdin".to_string()
    } else {
        let p = Path::new(first.trim_end_matches('/'));
        let mut name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "input".into());
        for ext in [".gz", ".txt", ".log"] {
            if let Some(stem) = name.strip_suffix(ext) {
                name = stem.to_string();
            }
        }
        name
    };
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    PathBuf::from("reports").join(if safe.is_empty() {
        "input".into()
    } else {
        safe
    })
}

pub fn run(args: &AnalyzeArgs) -> Result<Exit, Error> {
    if args.entries && !args.format.contains(&ReportFormat::Parquet) {
        return Err(Error::Usage(
            "--entries writes Parquet: add `--format parquet` (with the other formats wanted, e.g. `--format html,json,parquet`)".into(),
        ));
    }
    if args.entries && args.paths.iter().any(|p| p == "-") {
        return Err(Error::Usage(
            "--entries reads the inputs twice, and standard input cannot be: save it to a file first".into(),
        ));
    }
    let (cfg, read, summary) = super::read_and_analyze(
        &args.paths,
        &args.input,
        &args.time,
        args.rows,
        Default::default(),
    )?;
    if read.loaded.usable_inputs() == 0 {
        return Err(Error::NoInput(format!(
            "none of the {} files could be used (see above)",
            read.loaded.inputs.len()
        )));
    }
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&case_name(&args.paths)));
    let png_size = parse_size(&args.png_size)?;
    let mut written = Vec::new();
    // Named after the first input, like the default output folder, unless
    // that name says nothing of the case.
    let folder = default_output(&case_name(&args.paths))
        .file_name()
        .map_or_else(
            || "inputs".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
    let title = case_title(&folder, &summary);
    let at = generated_at();
    let specs = charts::plan(&summary);
    if args.format.contains(&ReportFormat::Html) {
        let body = html::render(&summary, &title, at, &specs);
        written.push(report::write_file(&dir, "report.html", &body)?);
    }
    if args.format.contains(&ReportFormat::Png) {
        std::fs::create_dir_all(&dir).map_err(|e| report::WriteError::new(&dir, e))?;
        for spec in &specs {
            let path = dir.join(format!("{}.png", spec.id));
            charts::png(spec, &path, png_size)
                .map_err(|e| report::WriteError::new(&path, std::io::Error::other(e)))?;
            written.push(path);
        }
    }
    if args.format.contains(&ReportFormat::Md) {
        let charts = if args.format.contains(&ReportFormat::Png) {
            &specs[..]
        } else {
            &[]
        };
        let body = markdown::render(&summary, &title, at, charts);
        written.push(report::write_file(&dir, "summary.md", &body)?);
    }
    if args.format.contains(&ReportFormat::Json) {
        written.push(json::write(&summary, &dir)?);
    }
    if args.format.contains(&ReportFormat::Parquet) {
        let case = args.case.clone().unwrap_or_else(|| folder.clone());
        written.extend(parquet::write(&summary, &case, &dir)?);
        if args.entries {
            written.push(export_entries(args, &cfg, &read, &summary, &case, &dir)?);
        }
    }
    let mut out = std::io::stdout().lock();
    terminal::digest(
        &mut out,
        &summary,
        (!args.all).then_some(terminal::DIGEST_NODES),
    )?;
    writeln!(out)?;
    for w in &written {
        writeln!(out, "wrote {}", w.display())?;
    }
    out.flush()?;
    Ok(super::input_exit(&read, cfg.strict))
}

/// The second pass of `--entries`: every listing read again, block by
/// block, into the entries dataset. Says how many entries were written and
/// warns when that is not what the analysis counted.
fn export_entries(
    args: &AnalyzeArgs,
    cfg: &super::InputConfig,
    read: &super::Read,
    summary: &crate::analysis::Summary,
    case: &str,
    dir: &Path,
) -> Result<PathBuf, Error> {
    let directory = crate::analysis::attribution::Directory::build(
        read.loaded.inventories.iter().map(|i| &i.inventory),
    );
    let writer = std::sync::Arc::new(parquet::EntriesWriter::new(dir, case, summary, directory));
    let mut load = cfg.load.clone();
    load.entries = Some(writer.clone());
    let (files, _) = crate::input::discover(&args.paths);
    let second = crate::pipeline::load(&files, &load, &|_| {});
    let root = writer.root().to_path_buf();
    drop(second);
    if let Some(e) = writer.failures().into_iter().next() {
        return Err(Error::Write(report::WriteError::new(
            &root,
            std::io::Error::other(e),
        )));
    }
    let rows = writer.rows();
    let mut err = std::io::stderr().lock();
    for s in &summary.snapshots {
        let got = rows.get(&s.path).copied().unwrap_or(0);
        if got != s.stats.entries {
            writeln!(
                err,
                "warning: --entries wrote {got} entries of {}, which the analysis counted {}",
                s.path, s.stats.entries
            )?;
        }
    }
    if !cfg.quiet {
        writeln!(
            err,
            "entries: {} in {} files",
            rows.values().sum::<u64>(),
            writer.files()
        )?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_folder_is_named_after_the_first_path() {
        assert_eq!(
            default_output("samples/incident-linkerd/"),
            PathBuf::from("reports/incident-linkerd")
        );
        assert_eq!(default_output("dump.txt.gz"), PathBuf::from("reports/dump"));
        assert_eq!(default_output("-"), PathBuf::from("reports/stdin"));
        assert_eq!(
            default_output("../x/<script>"),
            PathBuf::from("reports/_script_")
        );
        assert_eq!(default_output(".."), PathBuf::from("reports/input"));
        let case: Vec<String> = [
            "samples/support-case/README.md",
            "samples/support-case/x.tar.xz",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(case_name(&case), "samples/support-case");
        let mixed: Vec<String> = ["a/x.tar.gz", "b/y.tar.gz"].map(String::from).to_vec();
        assert_eq!(case_name(&mixed), "a/x.tar.gz");
        assert_eq!(
            case_name(&["x.tar.gz".to_string(), "y".to_string()]),
            "x.tar.gz"
        );
    }
}
