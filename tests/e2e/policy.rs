//! The command line and the editor apply one policy: `scan` and the server
//! flag exactly the same spots (start and end, each as often) on the
//! fixture files of `tests/fixtures/policy` — ignore markers of each kind in
//! several comment syntaxes, a known term, repeated terms in prose and code,
//! an LLM-context term with and without its anchor, a file over a size
//! limit, a language left out and a cap — under each way of setting
//! `firstOccurrenceOnly`, and inlay hints stand only where spots end.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

/// `(file name, line, start column, end column, term id)`, one-based
/// columns in characters; a list, so a spot flagged twice shows twice.
type Spot = (String, u64, u64, u64, String);

/// One way to configure the policy, given to both sides: `scan`'s flags
/// and the editor's settings.
struct Scenario {
    name: &'static str,
    scan_args: &'static [&'static str],
    settings: Value,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "every occurrence (both defaults)",
            scan_args: &[],
            settings: json!({}),
        },
        Scenario {
            name: "first occurrence only",
            scan_args: &["--first-occurrence-only"],
            settings: json!({"firstOccurrenceOnly": true}),
        },
        Scenario {
            name: "first occurrence in code (the Neovim plugin's default)",
            scan_args: &["--first-occurrence-in-code"],
            settings: json!({"firstOccurrenceOnly": "code"}),
        },
        Scenario {
            name: "a cap, a size limit and a language left out",
            scan_args: &[
                "--max-findings",
                "3",
                "--max-file-bytes",
                "8192",
                "--exclude-language",
                "sql",
            ],
            settings: json!({"firstOccurrenceOnly": false, "maxDiagnostics": 3, "maxFileBytes": 8192,
                             "languages": {"deny": ["sql"]}}),
        },
    ]
}
/// A copy of `tests/fixtures/policy` in a folder of its own: in the
/// repository, the server would take the whole checkout (its `.git` root)
/// as the project, whose manifests (the practice fixtures' own
/// `requirements.txt`) make it an LLM project, while `scan` of the folder
/// would not. On its own, both sides see the same project.
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/policy");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
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

fn scan_spots(data: &Path, dir: &Path, args: &[&str]) -> Vec<Spot> {
    let out = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .args(args)
        .arg(dir)
        .env("LLMOPS_LSP_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut spots: Vec<Spot> = found
        .iter()
        .map(|f| {
            let column = f["column"].as_u64().unwrap();
            let width = f["text"].as_str().unwrap().chars().count() as u64;
            (
                name(Path::new(f["path"].as_str().unwrap())),
                f["line"].as_u64().unwrap(),
                column,
                column + width,
                f["termId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spots.sort();
    spots
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

/// The editor's spots, and where its inlay hints stand as `(file, line,
/// column)` one-based in characters.
fn server_spots(data: &Path, dir: &Path, settings: &Value) -> (Vec<Spot>, Vec<(String, u64, u64)>) {
    let mut settings = settings.clone();
    settings["inlayHints"] = json!(true);
    let (mut server, _) = Server::initialized(Start::with_data_dir(data), json!({}), settings);
    let mut spots = Vec::new();
    let mut inlays = Vec::new();
    for path in fixture_files(dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        let uri = file_uri(&path);
        server.open(&uri, language(&path), &text);
        let lines: Vec<&str> = text.lines().collect();
        let at = |p: &Value| {
            let line = p["line"].as_u64().unwrap();
            let column = char_column(lines[line as usize], p["character"].as_u64().unwrap());
            (line + 1, column + 1)
        };
        for d in server.diagnostics(&uri, Some(1)) {
            let (line, start) = at(&d["range"]["start"]);
            let (end_line, end) = at(&d["range"]["end"]);
            assert_eq!(line, end_line, "{d}");
            spots.push((
                name(&path),
                line,
                start,
                end,
                d["code"].as_str().unwrap().to_string(),
            ));
        }
        let hints = server.result(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": lines.len(), "character": 0}}}),
        );
        for hint in hints.as_array().into_iter().flatten() {
            let (line, column) = at(&hint["position"]);
            inlays.push((name(&path), line, column));
        }
    }
    spots.sort();
    (spots, inlays)
}

#[test]
fn scan_and_the_editor_flag_the_same_spots() {
    let data = learner_dir();
    let dir = fixtures();
    for scenario in scenarios() {
        let name = scenario.name;
        let scanned = scan_spots(data.path(), dir.path(), scenario.scan_args);
        let (shown, inlays) = server_spots(data.path(), dir.path(), &scenario.settings);
        assert_eq!(scanned, shown, "{name}");
        // Inlay hints stand at the end of a flagged spot, and only there.
        assert!(!inlays.is_empty(), "{name}: no inlay hints");
        for inlay in &inlays {
            assert!(
                scanned
                    .iter()
                    .any(|s| (&s.0, s.1, s.3) == (&inlay.0, inlay.1, inlay.2)),
                "{name}: an inlay hint at {inlay:?} where no spot ends"
            );
        }
        // And the policy did its work on both sides.
        let in_file =
            |file: &str| -> Vec<&Spot> { scanned.iter().filter(|s| s.0 == file).collect() };
        assert!(in_file("ignored_file.rs").is_empty(), "{name}: {scanned:?}");
        assert!(
            scanned.iter().all(|s| s.4 != "model-alias"),
            "{name}: a known term: {scanned:?}"
        );
        let markers_md: Vec<_> = in_file("markers.md")
            .iter()
            .map(|s| (s.1, s.4.as_str()))
            .collect();
        assert!(!markers_md.contains(&(3, "ttft")), "{name}: {markers_md:?}");
        // An LLM-context term: quiet beside a backup job, flagged beside
        // the OpenAI API that wakes it.
        let limits: Vec<u64> = in_file("llm_context.md")
            .iter()
            .filter(|s| s.4 == "token-rate-limit")
            .map(|s| s.1)
            .collect();
        assert!(
            limits.contains(&67) && !limits.contains(&3),
            "{name}: {limits:?}"
        );
        let ttft = |file: &str| in_file(file).iter().filter(|s| s.4 == "ttft").count();
        match scenario.name {
            "every occurrence (both defaults)" => {
                assert_eq!(ttft("repeated.md"), 3, "{name}");
                assert_eq!(ttft("repeated.py"), 4, "{name}");
                assert_eq!(in_file("markers.sql").len(), 1, "{name}");
                assert!(
                    ttft("big.md") == 1 && in_file("many.md").len() > 3,
                    "{name}"
                );
            }
            "first occurrence only" => {
                assert_eq!(ttft("repeated.md"), 1, "{name}");
                assert_eq!(ttft("repeated.py"), 1, "{name}");
            }
            "first occurrence in code (the Neovim plugin's default)" => {
                assert_eq!(ttft("repeated.md"), 3, "{name}: prose keeps every one");
                assert_eq!(ttft("repeated.py"), 1, "{name}: code keeps the first");
            }
            _ => {
                assert!(in_file("markers.sql").is_empty(), "{name}: sql left out");
                assert!(in_file("big.md").is_empty(), "{name}: over the size limit");
                assert_eq!(in_file("many.md").len(), 3, "{name}: the cap");
            }
        }
    }
}

/// A keystroke past the last diagnostic a capped document shows sends the
/// last publication again (`publish::Published`); these are the changes
/// that must not be fooled by it: a term added past the cap (nothing new
/// shows), an `ignore-file` marker at the end (everything goes), a setting
/// (the cap raised), an edit before the last spot, and a text grown past
/// the size limit at its end.
#[test]
fn a_publication_sent_again_past_the_cap_follows_every_change() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"maxDiagnostics": 3, "maxFileBytes": 6000, "firstOccurrenceOnly": false}),
    );
    let uri = "file:///tmp/reuse/notes.md";
    // Three spots in the first lines; 4 KB of plain text; more spots.
    let filler = "plain words about nothing in particular\n".repeat(110);
    let text = format!("TTFT\nmodel alias\nTTFT\n{filler}TTFT here\nthe end\n");
    server.open(uri, "markdown", &text);
    let first = ranges(&server.diagnostics(uri, Some(1)));
    assert_eq!(first.iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1, 2]);
    let last_line = 3 + 110;
    let at_end = |line: u64, text: &str| {
        json!([{"range": {"start": {"line": line, "character": 0},
                          "end": {"line": line, "character": 0}}, "text": text}])
    };
    // A term past the cap: the same three.
    server.change(uri, 2, at_end(last_line, "model alias "));
    assert_eq!(ranges(&server.diagnostics(uri, Some(2))), first);
    // The whole file silenced from its last line.
    server.change(
        uri,
        3,
        at_end(last_line + 1, "<!-- llmops: ignore-file -->\n"),
    );
    assert_eq!(server.diagnostics(uri, Some(3)), Vec::<Value>::new());
    server.change(
        uri,
        4,
        json!([{"range": {"start": {"line": last_line + 1, "character": 0},
                          "end": {"line": last_line + 2, "character": 0}}, "text": ""}]),
    );
    assert_eq!(ranges(&server.diagnostics(uri, Some(4))), first);
    // Before the last spot: the second line's term goes, the next one in.
    server.change(
        uri,
        5,
        json!([{"range": {"start": {"line": 1, "character": 0},
                          "end": {"line": 1, "character": 11}}, "text": "plain"}]),
    );
    let shifted = ranges(&server.diagnostics(uri, Some(5)));
    assert_eq!(
        shifted.iter().map(|r| r.0).collect::<Vec<_>>(),
        [0, 2, last_line]
    );
    // A setting: every spot shows again with the cap raised.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"maxDiagnostics": 10, "maxFileBytes": 6000,
                                       "firstOccurrenceOnly": false}}}),
    );
    let all = server.diagnostics_until(uri, |d| d.len() == 4);
    assert_eq!(all.len(), 4);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"maxDiagnostics": 3, "maxFileBytes": 6000,
                                       "firstOccurrenceOnly": false}}}),
    );
    server.diagnostics_until(uri, |d| d.len() == 3);
    // Grown past the size limit at its end: nothing shows.
    server.change(uri, 6, at_end(last_line + 1, &"x".repeat(2000)));
    assert_eq!(server.diagnostics(uri, Some(6)), Vec::<Value>::new());
    server.stop();
}
