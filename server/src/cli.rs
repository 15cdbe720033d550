//! The command-line side: `scan`, `check` and `report` run the same core as
//! the server, so what a team sees in CI is what its editors show.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use llmops_core::content::{Content, Pack, Scope, builtin_packs};
use llmops_core::learning::{TermState, term_state};
use llmops_core::progress::{ProgressStore, default_data_dir};
use llmops_core::scan::{self, FileHit};
use llmops_core::{clock, course};
use serde_json::json;

use llmops_core::packs::PackSet;

/// Content as the server would have it when started in the current folder.
fn content_here() -> Content {
    let mut packs = PackSet::with_builtin();
    let roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    for notice in packs.load_roots(&roots, true) {
        eprintln!("{notice}");
    }
    packs.merged().0
}

fn hits_in(content: &Content, paths: &[PathBuf]) -> (Vec<FileHit>, bool) {
    let mut all = Vec::new();
    let mut failed = false;
    for file in scan::files(paths) {
        match file {
            Ok(path) => match scan::read_text(&path) {
                Ok(Some(text)) => all.extend(scan::scan_text(content, &path, &text)),
                Ok(None) => {}
                Err(e) => {
                    eprintln!("llmops-lsp: {}: {e}", path.display());
                    failed = true;
                }
            },
            Err(e) => {
                eprintln!("llmops-lsp: {e}");
                failed = true;
            }
        }
    }
    (all, failed)
}

fn paths_or_usage(args: &[String], command: &str) -> Option<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        eprintln!("llmops-lsp {command}: give at least one file or folder");
        return None;
    }
    Some(paths)
}

/// `llmops-lsp scan PATH...`
pub fn scan(args: &[String]) -> i32 {
    let Some(paths) = paths_or_usage(args, "scan") else {
        return 2;
    };
    let content = content_here();
    let (hits, failed) = hits_in(&content, &paths);
    let mut out = std::io::stdout().lock();
    for hit in &hits {
        let term = &content.terms[hit.term];
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            hit.path.display(),
            hit.line,
            hit.column,
            term.name,
            term.summary()
        );
    }
    if failed { 2 } else { 0 }
}

/// `llmops-lsp check PATH...`: validates pack files (or every `.toml` under
/// a folder) together with the built-in pack.
pub fn check(args: &[String]) -> i32 {
    let Some(paths) = paths_or_usage(args, "check") else {
        return 2;
    };
    let mut files = Vec::new();
    for path in &paths {
        if path.is_dir() {
            files.extend(
                scan::files(std::slice::from_ref(path))
                    .into_iter()
                    .flatten()
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        } else {
            files.push(path.clone());
        }
    }
    let mut errors = Vec::new();
    let mut packs: Vec<Pack> = builtin_packs().unwrap_or_default();
    for file in &files {
        let source = match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                println!("{}:1:1: cannot read: {e}", file.display());
                errors.push(());
                continue;
            }
        };
        let scope = PackSet::scope_of(file, &[]).unwrap_or(Scope::Workspace);
        match Pack::parse(&file.to_string_lossy(), scope, &source) {
            Ok(pack) => packs.push(pack),
            Err(found) => {
                for e in found {
                    println!("{e}");
                    errors.push(());
                }
            }
        }
    }
    let (_, merge_errors) = Content::merge(&packs);
    for e in merge_errors {
        println!("{e}");
        errors.push(());
    }
    if errors.is_empty() {
        eprintln!("llmops-lsp check: {} pack(s) OK", files.len());
        0
    } else {
        eprintln!("llmops-lsp check: {} error(s)", errors.len());
        1
    }
}

/// `llmops-lsp report [--json] PATH...`
pub fn report(args: &[String]) -> i32 {
    let Some(paths) = paths_or_usage(args, "report") else {
        return 2;
    };
    let as_json = args.iter().any(|a| a == "--json");
    let content = content_here();
    let (hits, failed) = hits_in(&content, &paths);
    let (progress, _) = ProgressStore::open(default_data_dir().as_deref());
    let data = progress.data();
    let now = clock::now();
    let mastery = llmops_core::learning::DEFAULT_MASTERY;

    struct Row {
        count: usize,
        files: BTreeMap<PathBuf, usize>,
    }
    let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
    for hit in &hits {
        let row = rows.entry(hit.term).or_insert(Row {
            count: 0,
            files: BTreeMap::new(),
        });
        row.count += 1;
        row.files.entry(hit.path.clone()).or_insert(hit.line);
    }
    let learned = |term: usize| {
        let t = &content.terms[term];
        let state = term_state(data, &t.id, mastery, now);
        let exercise_done = t
            .exercise
            .as_ref()
            .is_some_and(|e| data.exercises.get(e).is_some_and(|r| r.completed));
        state == TermState::Known || exercise_done
    };
    let mut ordered: Vec<(&usize, &Row)> = rows.iter().collect();
    ordered.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let learned_count = ordered.iter().filter(|(t, _)| learned(**t)).count();
    let standing = course::standing(&content, data);

    if as_json {
        let terms: Vec<_> = ordered
            .iter()
            .map(|(t, row)| {
                let term = &content.terms[**t];
                json!({
                    "id": term.id,
                    "name": term.name,
                    "occurrences": row.count,
                    "files": row.files.iter().map(|(p, line)| json!({"path": p, "firstLine": line})).collect::<Vec<_>>(),
                    "learned": learned(**t),
                })
            })
            .collect();
        let out = json!({
            "terms": terms,
            "termsFound": ordered.len(),
            "termsLearned": learned_count,
            "exercises": standing,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("# LLMOps vocabulary report\n");
        println!(
            "{} term(s) found, {} learned; exercises {}/{} completed.\n",
            ordered.len(),
            learned_count,
            standing.completed,
            standing.total
        );
        println!("| Term | Occurrences | Where (first line) | Learned |");
        println!("|---|---:|---|:---:|");
        for (t, row) in &ordered {
            let term = &content.terms[**t];
            let mut wheres: Vec<String> = row
                .files
                .iter()
                .take(3)
                .map(|(p, line)| format!("{}:{line}", display(p)))
                .collect();
            if row.files.len() > 3 {
                wheres.push(format!("+{} more", row.files.len() - 3));
            }
            println!(
                "| {} | {} | {} | {} |",
                term.name.replace('|', "\\|"),
                row.count,
                wheres.join(", ").replace('|', "\\|"),
                if learned(**t) { "yes" } else { "no" }
            );
        }
    }
    if failed { 2 } else { 0 }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
