//! The command line and the editor apply one policy: `scan` and the server
//! flag exactly the same spots on the fixture files of
//! `tests/fixtures/policy` (ignore markers of each kind in several comment
//! syntaxes, a known term, repeated terms with and without
//! `firstOccurrenceOnly`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

/// `(file name, line, column in characters, term id)`, one-based.
type Spot = (String, u64, u64, String);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/policy")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn language(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("md") => "markdown",
        Some("py") => "python",
        Some("sql") => "sql",
        Some("rs") => "rust",
        other => panic!("no language for {other:?}"),
    }
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// A data directory where the learner has marked `model-alias` as known.
fn learner_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("progress.json"),
        r#"{"version": 1, "knownTerms": ["model-alias"]}"#,
    )
    .unwrap();
    dir
}

fn scan_spots(data: &Path, first_only: bool) -> BTreeSet<Spot> {
    let mut command = Command::new(BIN);
    command
        .args(["scan", "--format", "json"])
        .arg(fixtures())
        .env("LLMOPS_LSP_DATA_DIR", data);
    if first_only {
        command.arg("--first-occurrence-only");
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    found
        .iter()
        .map(|f| {
            (
                name(Path::new(f["path"].as_str().unwrap())),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["termId"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Characters before a UTF-16 column of a line.
fn char_column(line: &str, utf16: u64) -> u64 {
    let mut units = 0;
    let mut chars = 0;
    for c in line.chars() {
        if units >= utf16 {
            break;
        }
        units += c.len_utf16() as u64;
        chars += 1;
    }
    chars
}

fn server_spots(data: &Path, first_only: bool) -> BTreeSet<Spot> {
    let (mut server, _) = Server::initialized(
        Start::with_data_dir(data),
        json!({}),
        json!({"firstOccurrenceOnly": first_only}),
    );
    let mut spots = BTreeSet::new();
    for path in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let uri = file_uri(&path);
        server.open(&uri, language(&path), &text);
        let lines: Vec<&str> = text.lines().collect();
        for d in server.diagnostics(&uri, Some(1)) {
            let line = d["range"]["start"]["line"].as_u64().unwrap();
            let utf16 = d["range"]["start"]["character"].as_u64().unwrap();
            spots.insert((
                name(&path),
                line + 1,
                char_column(lines[line as usize], utf16) + 1,
                d["code"].as_str().unwrap().to_string(),
            ));
        }
    }
    spots
}

#[test]
fn scan_and_the_editor_flag_the_same_spots() {
    let data = learner_dir();
    for first_only in [false, true] {
        let scanned = scan_spots(data.path(), first_only);
        let shown = server_spots(data.path(), first_only);
        assert_eq!(scanned, shown, "firstOccurrenceOnly = {first_only}");
        // And the policy did its work on both sides.
        let files: BTreeSet<&str> = scanned.iter().map(|s| s.0.as_str()).collect();
        assert!(!files.contains("ignored_file.rs"), "{scanned:?}");
        assert!(scanned.iter().all(|s| s.3 != "model-alias"), "{scanned:?}");
        let sql: Vec<_> = scanned.iter().filter(|s| s.0 == "markers.sql").collect();
        assert_eq!(sql.len(), 1, "{sql:?}");
        let markers_md: Vec<_> = scanned
            .iter()
            .filter(|s| s.0 == "markers.md")
            .map(|s| (s.1, s.3.as_str()))
            .collect();
        assert!(!markers_md.contains(&(3, "ttft")), "{markers_md:?}");
        let ttft_in_repeated = scanned
            .iter()
            .filter(|s| s.0 == "repeated.md" && s.3 == "ttft")
            .count();
        assert_eq!(ttft_in_repeated, if first_only { 1 } else { 3 });
    }
}
