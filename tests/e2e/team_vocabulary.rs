//! A team's vocabulary in the editor and in CI (issue 20): avoided phrases
//! and deprecated aliases get a warning whose quick fix writes the team's
//! word, and `scan --fail-on avoid` fails a build on them; usage examples
//! show in the hover.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

pub const TEAM: &str = r#"[[term]]
id = "prompt-registry"
name = "prompt registry"
aliases = ["PR", { name = "prompt db", deprecated = true }]
avoid = ["prompt store"]
definition = "Where the team versions its prompts."
examples = ["Pin the prompt registry version in the release notes."]
"#;

pub fn workspace(pack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".llmops")).unwrap();
    fs::write(dir.path().join(".llmops/team.toml"), pack).unwrap();
    dir
}

pub fn start_in(root: &Path, capabilities: Value) -> Server {
    start_in_folder(Start::default(), root, capabilities, Value::Null).0
}

/// `text` with LSP text edits applied (ASCII text: characters are bytes).
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let character = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}

fn avoid_warnings(diagnostics: &[Value]) -> Vec<&Value> {
    diagnostics
        .iter()
        .filter(|d| d["code"] == "avoid:prompt-registry")
        .collect()
}

#[test]
fn an_avoided_phrase_is_warned_and_its_quick_fix_writes_the_teams_word() {
    let ws = workspace(TEAM);
    let mut server = start_in(ws.path(), json!({}));
    let uri = file_uri(&ws.path().join("notes.md"));
    let text = "We keep prompts in the Prompt Store.\nLoad it with load_prompt_db().\n";
    server.open(&uri, "markdown", text);
    let diagnostics = server.diagnostics_until(&uri, |d| avoid_warnings(d).len() == 2);
    let warnings = avoid_warnings(&diagnostics);
    for warning in &warnings {
        assert_eq!(warning["severity"], 2, "{warning}");
        assert_eq!(
            warning["message"], "Team vocabulary: say 'prompt registry'",
            "{warning}"
        );
        assert_eq!(warning["data"]["kind"], "avoid");
        assert_eq!(warning["data"]["preferred"], "prompt registry");
    }
    assert_eq!(
        ranges(&diagnostics)
            .iter()
            .filter(|r| r.3 == "avoid:prompt-registry")
            .map(|r| (r.0, r.1, r.2))
            .collect::<Vec<_>>(),
        [(0, 23, 35), (1, 18, 27)]
    );

    // The hover of an avoided phrase is the term's, with its example.
    let hover = server.hover(&uri, 0, 25);
    let hover = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("**prompt registry**"), "{hover}");
    assert!(
        hover.contains("Pin the prompt registry version in the release notes."),
        "{hover}"
    );

    // The term page carries the examples and the avoided phrases.
    let page = server.command_ok("llmops.termPage", json!([{"termId": "prompt-registry"}]));
    assert_eq!(
        page["examples"],
        json!(["Pin the prompt registry version in the release notes."])
    );
    assert_eq!(page["avoid"], json!(["prompt store", "prompt db"]));

    // Each warning's quick fix, applied, leaves the team's word in the
    // case style of the spot.
    let mut fixed = text.to_string();
    let mut version = 1;
    let mut diagnostics = diagnostics.clone();
    for line in [0, 1] {
        let warning = avoid_warnings(&diagnostics)
            .into_iter()
            .find(|d| d["range"]["start"]["line"] == line)
            .cloned()
            .unwrap_or_else(|| panic!("no warning on line {line}: {diagnostics:#?}"));
        let actions = server.result(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": warning["range"],
                   "context": {"diagnostics": [warning], "only": ["quickfix"]}}),
        );
        let fix = actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["isPreferred"] == true)
            .unwrap_or_else(|| panic!("no preferred fix: {actions:#}"))
            .clone();
        assert_eq!(fix["kind"], "quickfix");
        assert_eq!(fix["diagnostics"][0]["code"], "avoid:prompt-registry");
        let edits = fix["edit"]["changes"][&uri].as_array().unwrap().clone();
        fixed = apply_edits(&fixed, &edits);
        version += 1;
        server.change(&uri, version, json!([{"text": fixed}]));
        diagnostics = server.diagnostics(&uri, Some(version));
    }
    assert_eq!(
        fixed,
        "We keep prompts in the Prompt registry.\nLoad it with load_prompt_registry().\n"
    );
    assert!(avoid_warnings(&diagnostics).is_empty(), "{diagnostics:#?}");
    // The team's word is an ordinary term hint now.
    assert_eq!(
        diagnostics
            .iter()
            .filter(|d| d["code"] == "prompt-registry")
            .count(),
        2,
        "{diagnostics:#?}"
    );
}

#[test]
fn an_avoided_phrase_shows_even_when_the_term_is_known() {
    let ws = workspace(TEAM);
    let mut server = start_in(ws.path(), json!({}));
    let uri = file_uri(&ws.path().join("notes.md"));
    server.command_ok("llmops.markKnown", json!([{"termId": "prompt-registry"}]));
    server.open(&uri, "markdown", "the prompt registry, the prompt store\n");
    let diagnostics = server.diagnostics(&uri, Some(1));
    // The known term's own phrase is hidden; the avoided one is not.
    assert_eq!(
        ranges(&diagnostics),
        [(0, 25, 37, "avoid:prompt-registry".to_string())]
    );
}

/// `llmops-lsp scan` in `root` on `file`, with `args`: exit code and stdout.
fn scan(root: &Path, file: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .current_dir(root)
        .env("XDG_CONFIG_HOME", root.join("no-config"))
        .env("LLMOPS_LSP_DATA_DIR", root.join("no-data"))
        .arg("scan")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn scan_fail_on_avoid_exits_1_on_an_avoided_phrase_only() {
    let ws = workspace(TEAM);
    fs::write(ws.path().join("bad.md"), "Ask the prompt store.\n").unwrap();
    fs::write(ws.path().join("good.md"), "Ask the prompt registry.\n").unwrap();
    let (code, out) = scan(ws.path(), "bad.md", &["--fail-on", "avoid"]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        out,
        "bad.md:1:9: avoid: say 'prompt registry', not 'prompt store'\n"
    );
    let (code, _) = scan(ws.path(), "bad.md", &[]);
    assert_eq!(code, Some(0));
    let (code, out) = scan(ws.path(), "good.md", &["--fail-on", "avoid"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("good.md:1:9: prompt registry:"), "{out}");
    let (code, out) = scan(
        ws.path(),
        "bad.md",
        &["--fail-on", "avoid", "--format", "json"],
    );
    assert_eq!(code, Some(1), "{out}");
    let findings: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(findings[0]["avoid"], true, "{findings}");
    assert_eq!(findings[0]["termId"], "prompt-registry");
    let (_, out) = scan(ws.path(), "bad.md", &["--format", "github"]);
    assert!(out.starts_with("::warning "), "{out}");
}
