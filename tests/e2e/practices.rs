//! Practices end to end: a practice finding is a diagnostic with its own
//! code and data, its hover explains it and links the lesson, Learn opens
//! the practice's exercise, ignore markers and "I know this practice"
//! silence it (a marker naming one rule leaves another on its line), it stays quiet outside LLM projects, and `scan` flags the
//! same spots as the editor on `tests/fixtures/practices`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/practices")
        .canonicalize()
        .unwrap()
}

/// A server whose workspace is the practice fixtures (an LLM project: its
/// requirements.txt names openai).
fn server_in(root: &Path, data: &Path) -> Server {
    let mut server = Server::start(Start::with_data_dir(data));
    let uri = file_uri(root);
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri, "capabilities": {},
               "workspaceFolders": [{"uri": uri, "name": "practices"}],
               "initializationOptions": null}),
    );
    server.notify("initialized", json!({}));
    server
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .filter(|c| c.starts_with("practice:"))
        .map(str::to_string)
        .collect()
}

fn find<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn a_practice_hint_hovers_and_learn_opens_its_exercise() {
    let data = tempfile::tempdir().unwrap();
    let root = fixtures();
    let mut server = server_in(&root, data.path());
    let path = root.join("app.py");
    let uri = file_uri(&path);
    server.open(&uri, "python", &std::fs::read_to_string(&path).unwrap());
    let diagnostics = server.diagnostics(&uri, Some(1));
    let shown = codes(&diagnostics);
    assert_eq!(
        shown,
        [
            "practice:client-default-timeout",
            "practice:dated-model-snapshot",
            "practice:unvalidated-json-completion"
        ],
        "{diagnostics:#?}"
    );
    let hint = find(&diagnostics, "practice:client-default-timeout");
    assert_eq!(hint["range"]["start"], json!({"line": 4, "character": 9}));
    assert_eq!(hint["severity"], 4, "a hint by default");
    assert_eq!(
        hint["data"],
        json!({"kind": "practice", "practiceId": "client-default-timeout",
               "termId": "request-timeout", "exerciseId": "practice-client-timeout-1"})
    );
    assert!(hint["message"].as_str().unwrap().contains("10 minutes"));

    // The hover says what the practice is and names its lesson.
    let hover = server.hover(&uri, 4, 12);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("practice `client-default-timeout`"),
        "{value}"
    );
    assert!(value.contains("Lesson: *Request timeout*"), "{value}");
    assert_eq!(hover["range"]["start"], json!({"line": 4, "character": 9}));

    // Learn opens the practice's exercise, with its snippet.
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 4, "character": 12}, "end": {"line": 4, "character": 12}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Learn: An LLM client built with the SDK's default timeout and retries",
            "I know this practice: An LLM client built with the SDK's default timeout and retries",
            "Ignore this practice here"
        ]
    );
    let learn = &actions[0]["command"];
    assert_eq!(learn["command"], "llmops.openExercise");
    // It carries the spot it was offered at ("from your file"), handed
    // back as the exercise's origin.
    let expected = json!({"uri": uri, "line": 4, "character": 9,
                          "path": "app.py", "text": "client = OpenAI()"});
    assert_eq!(learn["arguments"][0]["from"], expected, "{learn}");
    let opened = server.command_ok("llmops.openExercise", learn["arguments"].clone());
    assert_eq!(opened["origin"], expected, "{opened}");
    assert_eq!(opened["id"], "practice-client-timeout-1");
    assert!(
        opened["snippet"]["code"]
            .as_str()
            .unwrap()
            .contains("OpenAI()"),
        "{opened:#?}"
    );
}

#[test]
fn ignore_markers_and_i_know_this_practice_silence_it() {
    let data = tempfile::tempdir().unwrap();
    let root = fixtures();
    let mut server = server_in(&root, data.path());
    let path = root.join("app.py");
    let uri = file_uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    server.open(&uri, "python", &text);
    let diagnostics = server.diagnostics(&uri, Some(1));
    // The fixture's own markers silence two practices that would show.
    let shown = codes(&diagnostics);
    assert!(!shown.contains(&"practice:chars-per-token-estimate".to_string()));
    assert!(!shown.contains(&"practice:retired-model".to_string()));

    // "Ignore this practice here" inserts a marker with the rule id.
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 5, "character": 50}, "end": {"line": 5, "character": 50}},
               "context": {"diagnostics": []}}),
    );
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Ignore this practice here")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    let edit = &ignore["edit"]["changes"][&uri][0];
    assert_eq!(
        edit["newText"],
        "# llmops: ignore-next-line dated-model-snapshot\n"
    );
    server.change(
        &uri,
        2,
        json!([{"range": edit["range"], "text": edit["newText"]}]),
    );
    let after = server.diagnostics(&uri, Some(2));
    assert_eq!(
        codes(&after),
        [
            "practice:client-default-timeout",
            "practice:unvalidated-json-completion"
        ]
    );

    // "I know this practice" hides it everywhere.
    server.command_ok(
        "llmops.markKnown",
        json!([{"termId": "practice:client-default-timeout"}]),
    );
    let known = server.diagnostics_until(&uri, |d| {
        !codes(d).contains(&"practice:client-default-timeout".to_string())
    });
    assert_eq!(codes(&known), ["practice:unvalidated-json-completion"]);
}

/// Where each diagnostic starts (1-based line and character column, as
/// `scan` prints them) and its code.
fn spots(diagnostics: &[Value]) -> BTreeSet<(u64, u64, String)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["range"]["start"]["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn ignoring_one_practice_keeps_another_on_its_line_in_the_editor_and_scan() {
    let data = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("requirements.txt"), "openai\n").unwrap();
    let path = root.path().join("app.py");
    let line =
        r#"reply = OpenAI().chat.completions.create(model="gpt-4o-2024-08-06", messages=messages)"#;
    let text = format!("from openai import OpenAI\n\n{line}\n");
    let mut server = server_in(root.path(), data.path());
    let uri = file_uri(&path);
    server.open(&uri, "python", &text);
    let before = server.diagnostics(&uri, Some(1));
    assert_eq!(
        codes(&before),
        [
            "practice:client-default-timeout",
            "practice:dated-model-snapshot"
        ]
    );
    let dated = find(&before, "practice:dated-model-snapshot");
    assert_eq!(dated["range"]["start"]["line"], 2);

    // "Ignore this practice here" on the dated snapshot names its rule.
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": dated["range"]["start"], "end": dated["range"]["start"]},
               "context": {"diagnostics": []}}),
    );
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Ignore this practice here")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    let edit = &ignore["edit"]["changes"][&uri][0];
    let marker = "# llmops: ignore-next-line dated-model-snapshot\n";
    assert_eq!(edit["newText"], marker);
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 0}));
    server.change(
        &uri,
        2,
        json!([{"range": edit["range"], "text": edit["newText"]}]),
    );
    // The other practice on the line still shows, moved down a line.
    let after = server.diagnostics(&uri, Some(2));
    assert_eq!(codes(&after), ["practice:client-default-timeout"]);
    assert_eq!(
        find(&after, "practice:client-default-timeout")["range"]["start"],
        json!({"line": 3, "character": 8})
    );

    // `scan` reads the same marker the same way.
    let edited = format!("from openai import OpenAI\n\n{marker}{line}\n");
    std::fs::write(&path, &edited).unwrap();
    let out = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .arg(root.path())
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let scanned: BTreeSet<(u64, u64, String)> = found
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("app.py"))
        .map(|f| {
            let code = match f["practiceId"].as_str() {
                Some(id) => format!("practice:{id}"),
                None => f["termId"].as_str().unwrap().to_string(),
            };
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                code,
            )
        })
        .collect();
    assert!(
        scanned.contains(&(4, 9, "practice:client-default-timeout".to_string())),
        "{scanned:?}"
    );
    assert_eq!(scanned, spots(&after));
}

#[test]
fn practices_stay_quiet_outside_llm_projects() {
    let data = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("requirements.txt"), "requests\n").unwrap();
    let path = root.path().join("app.py");
    let text = std::fs::read_to_string(fixtures().join("app.py")).unwrap();
    std::fs::write(&path, &text).unwrap();
    let mut server = server_in(root.path(), data.path());
    let uri = file_uri(&path);
    server.open(&uri, "python", &text);
    // The publication for version 1 is the sync point.
    assert_eq!(
        codes(&server.diagnostics(&uri, Some(1))),
        Vec::<String>::new()
    );
}

#[test]
fn typing_a_practice_flags_it_and_deleting_it_clears_it() {
    let data = tempfile::tempdir().unwrap();
    let root = fixtures();
    let mut server = server_in(&root, data.path());
    let uri = file_uri(&root.join("scratch.py"));
    server.open(&uri, "python", "x = 1\n");
    assert_eq!(
        codes(&server.diagnostics(&uri, Some(1))),
        Vec::<String>::new()
    );
    let typed = "client = OpenAI()";
    for (i, c) in typed.chars().enumerate() {
        let at = json!({"line": 0, "character": i});
        server.change(
            &uri,
            2 + i as i64,
            json!([{"range": {"start": at, "end": at}, "text": c.to_string()}]),
        );
    }
    let version = 1 + typed.len() as i64;
    let found = server.diagnostics(&uri, Some(version));
    assert_eq!(codes(&found), ["practice:client-default-timeout"]);
    assert_eq!(
        found[0]["range"]["start"],
        json!({"line": 0, "character": 9})
    );
    let end = json!({"line": 0, "character": typed.len()});
    server.change(
        &uri,
        version + 1,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": end}, "text": ""}]),
    );
    assert_eq!(
        codes(&server.diagnostics(&uri, Some(version + 1))),
        Vec::<String>::new()
    );
}

/// `(file, line, column in characters, code)`: a term id or `practice:<id>`.
type Spot = (String, u64, u64, String);

fn language(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()? {
        "py" => Some("python"),
        "ts" => Some("typescript"),
        _ => None,
    }
}

#[test]
fn scan_and_the_editor_flag_the_same_practices() {
    let data = tempfile::tempdir().unwrap();
    let root = fixtures();
    let out = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .arg(&root)
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let name = |p: &str| {
        Path::new(p)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let scanned: BTreeSet<Spot> = found
        .iter()
        .filter(|f| language(Path::new(f["path"].as_str().unwrap())).is_some())
        .map(|f| {
            let code = match f["practiceId"].as_str() {
                Some(id) => format!("practice:{id}"),
                None => f["termId"].as_str().unwrap().to_string(),
            };
            (
                name(f["path"].as_str().unwrap()),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                code,
            )
        })
        .collect();

    let mut server = server_in(&root, data.path());
    let mut shown = BTreeSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| language(p).is_some())
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let uri = file_uri(&path);
        server.open(&uri, language(&path).unwrap(), &text);
        for d in server.diagnostics(&uri, Some(1)) {
            // The fixtures are ASCII: UTF-16 columns are character columns.
            shown.insert((
                name(&path.to_string_lossy()),
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["range"]["start"]["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(scanned, shown);
    let practices: BTreeSet<&str> = scanned
        .iter()
        .filter(|s| s.3.starts_with("practice:"))
        .map(|s| s.3.as_str())
        .collect();
    assert_eq!(
        practices,
        BTreeSet::from([
            "practice:browser-api-key",
            "practice:chars-per-token-estimate",
            "practice:client-default-timeout",
            "practice:dated-model-snapshot",
            "practice:unvalidated-json-completion",
        ])
    );
}

/// The editor's `practices` setting matches `scan --practices`: `"off"`
/// drops practice hints (and their matching), `"only"` drops term hints,
/// `"on"` brings both back, each switched live.
#[test]
fn the_practices_setting_turns_practices_or_terms_off_live() {
    let data = tempfile::tempdir().unwrap();
    let root = fixtures();
    let mut server = server_in(&root, data.path());
    // The practice fixture with a term in it (the file need not exist).
    let text = std::fs::read_to_string(root.join("app.py")).unwrap()
        + "\n# TTFT is tracked per request\nttft_ms = 0.0\n";
    let uri = file_uri(&root.join("app_with_terms.py"));
    server.open(&uri, "python", &text);
    let terms = |d: &[Value]| {
        d.iter()
            .filter(|d| {
                d["code"]
                    .as_str()
                    .is_some_and(|c| !c.starts_with("practice:"))
            })
            .count()
    };
    let first = server.diagnostics(&uri, Some(1));
    assert!(!codes(&first).is_empty(), "practices: {first:#?}");
    assert!(terms(&first) > 0, "terms: {first:#?}");
    let set = |server: &mut Server, mode: &str| {
        server.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"llmops": {"practices": mode}}}),
        )
    };
    set(&mut server, "off");
    let off = server.diagnostics_until(&uri, |d| codes(d).is_empty());
    assert_eq!(terms(&off), terms(&first), "terms stay: {off:#?}");
    set(&mut server, "only");
    let only = server.diagnostics_until(&uri, |d| !codes(d).is_empty());
    assert_eq!(terms(&only), 0, "no term hints: {only:#?}");
    assert_eq!(codes(&only), codes(&first));
    set(&mut server, "on");
    let on = server.diagnostics_until(&uri, |d| terms(d) > 0);
    assert_eq!(on, first);
}
