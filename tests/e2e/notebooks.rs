//! `scan` on Jupyter notebooks: each cell scanned in its own language,
//! findings placed by cell and line (what a user sees) and by the line of
//! the `.ipynb` file (what CI and a raw editor see), in text, JSON and
//! SARIF; the fixture `tests/fixtures/notebooks/serving.ipynb` is written as
//! nbformat writes notebooks (sorted keys, one-space indent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::*;

/// Runs `scan` with its own data and config folders (nothing known).
fn scan(args: &[&str], path: &Path) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(BIN)
        .arg("scan")
        .args(args)
        .arg(path)
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .output()
        .unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/notebooks/serving.ipynb")
        .canonicalize()
        .unwrap()
}

/// The fixture's line `line` (one-based) at `column` (characters).
fn file_text_at(line: u64, column: u64) -> String {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let line = text.lines().nth(line as usize - 1).unwrap();
    line.chars().skip(column as usize - 1).collect()
}

#[test]
fn scan_places_notebook_findings_by_cell_and_by_file_line() {
    let out = scan(&["--format", "json"], &fixture());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    let places: Vec<(String, u64, u64, u64, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["termId"].as_str().unwrap().to_string(),
                f["cell"].as_u64().unwrap(),
                f["cellLine"].as_u64().unwrap(),
                f["cellColumn"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |term: &str| {
        places
            .iter()
            .find(|p| p.0 == term)
            .unwrap_or_else(|| panic!("no {term} in {places:?}"))
            .clone()
    };
    // The markdown cell: "TTFT" on its third line, "KV cache" after
    // accented letters on its fourth.
    assert_eq!(at("ttft"), ("ttft".into(), 1, 3, 10, 10, 15));
    assert_eq!(at("kv-cache"), ("kv-cache".into(), 1, 4, 17, 11, 22));
    // The last cell (the raw cell before it is not scanned): the term after
    // two escape characters, which the file spells as `\u001b`.
    assert_eq!(
        at("speculative-decoding"),
        ("speculative-decoding".into(), 4, 1, 26, 50, 41)
    );
    // Every file position points at the finding's own text in the file.
    for f in findings {
        let text = f["text"].as_str().unwrap();
        let there = file_text_at(f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap());
        assert!(there.starts_with(text), "{f}: the file has {there:?}");
    }
    // Nothing from the raw cell (cell 3) or the code cell's output.
    assert!(places.iter().all(|p| p.1 != 3), "{places:?}");
    assert!(places.iter().all(|p| p.4 != 24), "{places:?}");

    // Text: the file's line and column first (a terminal can follow it),
    // then the cell and the line inside it.
    let out = scan(&[], &fixture());
    let text = String::from_utf8(out.stdout).unwrap();
    let path = fixture().display().to_string();
    assert!(
        text.lines().any(|l| l.starts_with(&format!(
            "{path}:10:15: cell 1, line 3, col 10: Time to first token"
        ))),
        "{text}"
    );

    // SARIF: the file region, the cell in the message.
    let out = scan(&["--format", "sarif"], &fixture());
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let ttft = results.iter().find(|r| r["ruleId"] == "ttft").unwrap();
    assert_eq!(
        ttft["locations"][0]["physicalLocation"]["region"]["startLine"],
        10
    );
    assert!(
        ttft["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("cell 1, line 3: "),
        "{ttft}"
    );
}

#[test]
fn a_broken_notebook_is_an_error_that_names_it_and_a_hostile_name_stays_inert() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.ipynb");
    std::fs::write(&broken, "{\"cells\": [").unwrap();
    let out = scan(&[], &broken);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.ipynb") && stderr.contains("not a notebook"),
        "{stderr}"
    );

    let hostile = dir.path().join("x\u{1b}[2J.ipynb");
    std::fs::copy(fixture(), &hostile).unwrap();
    let out = scan(&[], &hostile);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(
        text.contains("x\\u{1B}[2J.ipynb:10:15: cell 1, line 3"),
        "{text}"
    );
}

/// A VS Code notebook cell is a document in the language the client gives
/// it, and belongs to its notebook's project: a practice (LLM projects
/// only) shows in a cell of a notebook inside the practice fixtures, and
/// not in the same text with no file behind it.
#[test]
fn a_notebook_cell_is_a_document_of_its_notebooks_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/practices")
        .canonicalize()
        .unwrap();
    let root_uri = file_uri(&root);
    let mut server = Server::start(Start::default());
    server.result(
        "initialize",
        serde_json::json!({"processId": null, "rootUri": root_uri, "capabilities": {},
               "workspaceFolders": [{"uri": root_uri, "name": "practices"}],
               "initializationOptions": null}),
    );
    server.notify("initialized", serde_json::json!({}));
    let text = "from openai import OpenAI\n\nclient = OpenAI()\n";
    let cell = format!(
        "vscode-notebook-cell:{}#W0sZmlsZQ%3D%3D",
        root.join("explore.ipynb").display()
    );
    server.open(&cell, "python", text);
    let shown = server.diagnostics(&cell, Some(1));
    let codes: Vec<&str> = shown.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(
        codes.contains(&"practice:client-default-timeout"),
        "{shown:#?}"
    );
    let hint = shown
        .iter()
        .find(|d| d["code"] == "practice:client-default-timeout")
        .unwrap();
    assert_eq!(
        hint["range"]["start"],
        serde_json::json!({"line": 2, "character": 9})
    );

    let untitled = "untitled:Untitled-1";
    server.open(untitled, "python", text);
    let shown = server.diagnostics(untitled, Some(1));
    assert!(
        shown
            .iter()
            .all(|d| d["code"] != "practice:client-default-timeout"),
        "{shown:#?}"
    );
}
