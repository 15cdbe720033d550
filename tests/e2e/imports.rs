//! Pack `imports` (issue 20): a team pack brings in shared pack files by a
//! relative path with wildcards; an imported file changing on disk reloads
//! the pack; a cycle is a located error and the last good content stays;
//! `scan` and `check` read imports as the editor does.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

const TEAM: &str = "imports = [\"../platform/llmops/*.toml\"]\n\n\
[[term]]\nid = \"team-own\"\nname = \"Team lantern\"\ndefinition = \"The team's own term.\"\n";

fn shared(extra: &str) -> String {
    format!(
        "{extra}[[term]]\nid = \"shared-gate\"\nname = \"Shared gate\"\ndefinition = \"The platform's shared gate.\"\n"
    )
}

const NOTES: &str = "The Shared gate sits by the Team lantern and the Extra widget.\n";

fn start(root: &Path) -> Server {
    let watching = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    start_in_folder(Start::default(), root, watching, json!({})).0
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    codes.sort();
    codes
}

fn changed_on_disk(server: &mut Server, path: &Path) {
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(path), "type": 2}]}),
    );
}

#[test]
fn imports_load_reload_and_a_cycle_keeps_the_last_good_content() {
    let top = tempfile::tempdir().unwrap();
    let ws = top.path().join("ws");
    let team = ws.join(".llmops/team.toml");
    let shared_path = ws.join("platform/llmops/shared.toml");
    fs::create_dir_all(team.parent().unwrap()).unwrap();
    fs::create_dir_all(shared_path.parent().unwrap()).unwrap();
    fs::write(&team, TEAM).unwrap();
    fs::write(&shared_path, shared("")).unwrap();
    let notes_path = ws.join("docs/notes.md");
    fs::create_dir_all(notes_path.parent().unwrap()).unwrap();
    fs::write(&notes_path, NOTES).unwrap();

    let mut server = start(&ws);
    let notes = file_uri(&notes_path);
    server.open(&notes, "markdown", NOTES);
    let found = server.diagnostics(&notes, Some(1));
    assert_eq!(codes(&found), ["shared-gate", "team-own"], "{found:?}");
    let gate = found.iter().find(|d| d["code"] == "shared-gate").unwrap();
    assert_eq!(gate["range"]["start"], json!({"line": 0, "character": 4}));
    assert_eq!(gate["range"]["end"], json!({"line": 0, "character": 15}));

    // `scan` reads the imports as the editor does: same spots.
    let config_home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .arg(&notes_path)
        .current_dir(&ws)
        .env("XDG_CONFIG_HOME", config_home.path())
        .env("LLMOPS_LSP_DATA_DIR", config_home.path().join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let scanned: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut spots: Vec<(String, u64)> = scanned
        .iter()
        .map(|f| {
            (
                f["termId"].as_str().unwrap().to_string(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    spots.sort();
    assert_eq!(
        spots,
        [("shared-gate".to_string(), 5), ("team-own".to_string(), 29)]
    );

    // The imported file changes on disk: the pack is read again.
    let extra = "[[term]]\nid = \"shared-extra\"\nname = \"Extra widget\"\ndefinition = \"Added later.\"\n\n";
    fs::write(&shared_path, shared(extra)).unwrap();
    changed_on_disk(&mut server, &shared_path);
    let found = server.diagnostics_until(&notes, |d| d.iter().any(|d| d["code"] == "shared-extra"));
    assert_eq!(codes(&found), ["shared-extra", "shared-gate", "team-own"]);

    // Now the shared file imports the team pack back: a cycle. The team
    // pack shows a located error on its `imports` line, and the last good
    // content (with the extra term, without the new one) stays in use.
    let cyclic = "imports = [\"../../.llmops/team.toml\"]\n\n[[term]]\nid = \"cycle-term\"\nname = \"Lantern gate\"\ndefinition = \"Never loaded.\"\n";
    fs::write(&shared_path, cyclic).unwrap();
    changed_on_disk(&mut server, &shared_path);
    let team_uri = file_uri(&team);
    let errors = server.diagnostics_until(&team_uri, |d| !d.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("cycle") && message.contains("team.toml -> shared.toml -> team.toml"),
        "{message}"
    );
    assert_eq!(
        errors[0]["range"]["start"],
        json!({"line": 0, "character": 11})
    );
    server.change(
        &notes,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": " "}]),
    );
    let found = server.diagnostics(&notes, Some(2));
    assert_eq!(codes(&found), ["shared-extra", "shared-gate", "team-own"]);

    // `check` reports the cycle at the same place, in both files.
    let out = Command::new(BIN)
        .arg("check")
        .arg(&team)
        .arg(&shared_path)
        .current_dir(&ws)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for file in ["team.toml:1:12:", "shared.toml:1:12:"] {
        assert!(
            text.lines()
                .any(|l| l.contains(file) && l.contains("cycle")),
            "{file}: {text}"
        );
    }
}

#[test]
fn an_import_out_of_the_workspace_is_refused_with_a_located_error() {
    let top = tempfile::tempdir().unwrap();
    let ws = top.path().join("ws");
    fs::create_dir_all(ws.join(".llmops")).unwrap();
    fs::write(top.path().join("outside.toml"), shared("")).unwrap();
    let team = ws.join(".llmops/team.toml");
    fs::write(&team, "\nimports = [\"../../outside.toml\"]\n").unwrap();
    let mut server = start(&ws);
    let errors = server.diagnostics_until(&file_uri(&team), |d| !d.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("outside the workspace"), "{message}");
    assert_eq!(errors[0]["range"]["start"]["line"], 1, "{errors:?}");
}

/// `pack files` lists what an editor trusting packs by hash must hash:
/// nested `.llmops/` folders and imported files too (a file left out would
/// load without being trusted), as JSON whatever the names hold.
#[test]
fn pack_files_lists_nested_folders_and_imported_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let term =
        |id: &str| format!("[[term]]\nid = \"{id}\"\nname = \"{id}\"\ndefinition = \"d.\"\n");
    fs::create_dir_all(root.join(".llmops")).unwrap();
    fs::create_dir_all(root.join("shared/deeper")).unwrap();
    fs::create_dir_all(root.join("svc/.llmops")).unwrap();
    let top = format!("imports = [\"../shared/*.toml\"]\n\n{}", term("acme-top"));
    fs::write(root.join(".llmops/team.toml"), top).unwrap();
    let shared = format!("imports = [\"deeper/*.toml\"]\n\n{}", term("acme-shared"));
    fs::write(root.join("shared/platform.toml"), shared).unwrap();
    fs::write(
        root.join("shared/deeper/x\u{1b}]52;c;e\u{7}.toml"),
        term("acme-deep"),
    )
    .unwrap();
    fs::write(root.join("svc/.llmops/svc.toml"), term("acme-svc")).unwrap();
    let out = Command::new(BIN)
        .args(["pack", "files"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.contains(&0x1b), "a raw ESC in the output");
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let real = |p: &str| {
        fs::canonicalize(root.join(p))
            .unwrap()
            .display()
            .to_string()
    };
    assert_eq!(
        listed["files"],
        json!([
            real(".llmops/team.toml"),
            real("shared/deeper/x\u{1b}]52;c;e\u{7}.toml"),
            real("shared/platform.toml"),
            real("svc/.llmops/svc.toml"),
        ])
    );
}
