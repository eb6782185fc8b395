//! The stages import one way: a stage may use earlier stages and the
//! neutral modules, never a later stage. Read from the source, so a new
//! `use crate::report` inside the analysis fails here, not in review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Each top-level module's place along the pipeline; neutral modules
/// (records, grammars, numbers as people read them, facts, colours) are 0.
fn rank(module: &str) -> Option<u8> {
    Some(match module {
        "model" | "parse" | "numbers" | "facts" | "style" => 0,
        "input" => 1,
        "frame" => 2,
        "pipeline" => 3,
        "analysis" => 4,
        "report" => 5,
        "check" => 6,
        "command" | "cli" | "config" | "error" | "main" | "lib" => 7,
        _ => return None,
    })
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `crate::name` references on code lines (comments are not imports).
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((i + 1, name));
            rest = after;
        }
    }
    out
}

#[test]
fn no_stage_imports_a_later_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 20, "the source tree was not found");
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = rank(&module) else {
            wrong.push(format!(
                "{}: module {module} has no place in the order",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (line, target) in crate_refs(&text) {
            match rank(&target) {
                Some(r) if r <= own => {}
                Some(_) => wrong.push(format!(
                    "{}:{line}: {module} uses crate::{target}, a later stage",
                    rel.display()
                )),
                None => wrong.push(format!(
                    "{}:{line}: crate::{target} has no place in the order",
                    rel.display()
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_a_backwards_import() {
    let refs = crate_refs("use crate::report::thousands; // crate::command\nlet x = 1;");
    assert_eq!(refs, [(1, "report".to_string())]);
    assert!(rank("report") > rank("analysis"));
}
