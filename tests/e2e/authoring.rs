//! Writing team packs from the editor (issue 20, item 3): "Add '<text>' to
//! the team pack" appends a term to the nearest pack or creates
//! `.llmops/team.toml`, and `llmops.createTeamPack` writes the commented
//! template. Every pack written here is applied to real files and must
//! pass `llmops-lsp check`; a new term is then flagged in the document.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;
use crate::team_vocabulary::apply_edits;

/// A client that applies edits creating files (`documentChanges` with the
/// `create` resource operation).
fn creating_client() -> Value {
    json!({"workspace": {"workspaceEdit": {
        "documentChanges": true, "resourceOperations": ["create"]}}})
}

fn start(root: &Path, capabilities: Value, options: Value) -> Server {
    start_in_folder(Start::default(), root, capabilities, options).0
}

/// `llmops-lsp check .llmops` in `root`: exit code and output.
fn check(root: &Path) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .current_dir(root)
        .env("XDG_CONFIG_HOME", root.join("no-config"))
        .env("LLMOPS_LSP_DATA_DIR", root.join("no-data"))
        .args(["check", ".llmops"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

/// Code actions for `range` of `uri`, as a user asking for them.
fn actions(server: &mut Server, uri: &str, range: Value) -> Vec<Value> {
    server
        .result(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range,
                   "context": {"diagnostics": [], "triggerKind": 1}}),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn add_action(actions: &[Value]) -> Option<&Value> {
    actions.iter().find(|a| a["kind"] == "llmops.author")
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start},
           "end": {"line": line, "character": end}})
}

fn path_of(uri: &str) -> std::path::PathBuf {
    let path = uri.strip_prefix("file://").unwrap();
    percent_decode(path).into()
}

/// Enough percent-decoding for temporary paths.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Applies a workspace edit to the files on disk, as an editor would:
/// `createFile` refuses an existing file unless told otherwise, text edits
/// go into the named file. Returns the files it wrote.
fn apply_to_disk(edit: &Value) -> Vec<std::path::PathBuf> {
    let mut written = Vec::new();
    if let Some(changes) = edit["changes"].as_object() {
        for (uri, edits) in changes {
            let path = path_of(uri);
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, apply_edits(&text, edits.as_array().unwrap())).unwrap();
            written.push(path);
        }
    }
    for op in edit["documentChanges"].as_array().into_iter().flatten() {
        if op["kind"] == "create" {
            let path = path_of(op["uri"].as_str().unwrap());
            if path.exists() {
                assert_eq!(op["options"]["ignoreIfExists"], true, "{op}");
                continue;
            }
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "").unwrap();
        } else if let Some(edits) = op["edits"].as_array() {
            let path = path_of(op["textDocument"]["uri"].as_str().unwrap());
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, apply_edits(&text, edits)).unwrap();
            written.push(path);
        }
    }
    written
}

/// What a client's file watcher reports for `paths`.
fn report_created(server: &mut Server, paths: &[std::path::PathBuf]) {
    let changes: Vec<Value> = paths
        .iter()
        .map(|p| json!({"uri": file_uri(p), "type": 1}))
        .collect();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": changes}),
    );
}

fn flagged(diagnostics: &[Value], id: &str) -> bool {
    diagnostics.iter().any(|d| d["code"] == id)
}

#[test]
fn an_unknown_word_becomes_a_term_in_a_new_team_pack() {
    let ws = tempfile::tempdir().unwrap();
    let doc = ws.path().join("docs/notes.md");
    fs::create_dir_all(doc.parent().unwrap()).unwrap();
    let text = "We route calls through the Wombatron gateway.\n";
    fs::write(&doc, text).unwrap();
    let mut server = start(ws.path(), creating_client(), json!({}));
    let uri = file_uri(&doc);
    server.open(&uri, "markdown", text);
    let before = server.diagnostics(&uri, Some(1));
    assert!(!flagged(&before, "wombatron"), "{before:#?}");

    // The cursor in "Wombatron" (no selection).
    let all = actions(&mut server, &uri, range(0, 30, 30));
    let action = add_action(&all).unwrap_or_else(|| panic!("no add action: {all:#?}"));
    assert_eq!(action["title"], "Add 'Wombatron' to the team pack");
    assert_ne!(action["isPreferred"], true);
    assert_ne!(action["kind"], "quickfix");
    let written = apply_to_disk(&action["edit"]);
    let pack = ws.path().join(".llmops/team.toml");
    assert!(written.contains(&pack), "{written:?}");
    let source = fs::read_to_string(&pack).unwrap();
    assert!(source.starts_with("#:schema ./schema.json\n"), "{source}");
    assert!(
        source.contains("id = \"wombatron\"\nname = \"Wombatron\"\n"),
        "{source}"
    );
    assert!(ws.path().join(".llmops/schema.json").is_file());
    let (code, out) = check(ws.path());
    assert_eq!(code, Some(0), "{out}\n{source}");

    // The watcher reports the new files; the server loads the pack and
    // the word is a term in the document.
    report_created(&mut server, &written);
    let after = server.diagnostics_until(&uri, |d| flagged(d, "wombatron"));
    assert!(flagged(&after, "wombatron"));
    // And a term is not offered again.
    let all = actions(&mut server, &uri, range(0, 30, 30));
    assert!(add_action(&all).is_none(), "{all:#?}");
}

#[test]
fn a_selection_is_appended_to_the_nearest_pack_as_valid_toml() {
    let ws = tempfile::tempdir().unwrap();
    fs::create_dir(ws.path().join(".llmops")).unwrap();
    // No final newline: the appended term must still start on its own line.
    fs::write(
        ws.path().join(".llmops/team.toml"),
        "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"",
    )
    .unwrap();
    let doc = ws.path().join("notes.md");
    let name = r#"the "qüick" \ path"#;
    let text = format!("Beware {name} here.\n");
    fs::write(&doc, &text).unwrap();
    let mut server = start(ws.path(), json!({}), json!({}));
    let uri = file_uri(&doc);
    server.open(&uri, "markdown", &text);
    server.diagnostics(&uri, Some(1));
    // UTF-16 columns: every character of the name is one unit.
    let end = 7 + name.chars().count() as u32;
    let all = actions(&mut server, &uri, range(0, 7, end));
    let action = add_action(&all).unwrap_or_else(|| panic!("no add action: {all:#?}"));
    assert_eq!(action["title"], format!("Add '{name}' to the team pack"));
    let written = apply_to_disk(&action["edit"]);
    let pack = ws.path().join(".llmops/team.toml");
    assert_eq!(written, std::slice::from_ref(&pack));
    let source = fs::read_to_string(&pack).unwrap();
    assert!(
        source.starts_with(
            "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\n\n[[term]]\nid = \"the-q-ick-path\"\n"
        ),
        "{source}"
    );
    assert!(
        source.contains(r#"name = "the \"qüick\" \\ path""#),
        "{source}"
    );
    let (code, out) = check(ws.path());
    assert_eq!(code, Some(0), "{out}\n{source}");
    // Reloaded, the term has its name back exactly (a phrase of quotes and
    // a backslash is not one the matcher spots in prose, so the term page
    // shows it instead of a hint).
    report_created(&mut server, &written);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let page = server.command("llmops.termPage", json!([{"termId": "the-q-ick-path"}]));
        if page["result"]["name"] == name {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not reloaded: {page}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn an_untrusted_workspace_gets_no_add_action() {
    let ws = tempfile::tempdir().unwrap();
    let doc = ws.path().join("notes.md");
    let text = "We route calls through the Wombatron gateway.\n";
    fs::write(&doc, text).unwrap();
    let mut server = start(
        ws.path(),
        creating_client(),
        json!({"workspacePacks": false}),
    );
    let uri = file_uri(&doc);
    server.open(&uri, "markdown", text);
    server.diagnostics(&uri, Some(1));
    let all = actions(&mut server, &uri, range(0, 30, 30));
    assert!(add_action(&all).is_none(), "{all:#?}");
    // Trusted again: it is offered.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"workspacePacks": true}}}),
    );
    let all = actions(&mut server, &uri, range(0, 30, 30));
    assert!(add_action(&all).is_some(), "{all:#?}");
}

#[test]
fn create_team_pack_writes_a_checked_template_and_never_overwrites() {
    let ws = tempfile::tempdir().unwrap();
    let mut server = start(ws.path(), json!({}), json!({}));
    let created = server.command_ok("llmops.createTeamPack", json!([]));
    let pack = ws.path().join(".llmops/team.toml");
    assert_eq!(created["path"], pack.display().to_string());
    assert_eq!(created["uri"], file_uri(&pack));
    let source = fs::read_to_string(&pack).unwrap();
    assert!(source.starts_with("#:schema ./schema.json\n"), "{source}");
    // Every field of a term and an exercise is documented.
    for field in [
        "id",
        "name",
        "definition",
        "aliases",
        "avoid",
        "examples",
        "related",
        "module",
        "context",
        "not_in",
        "not_near",
        "exercise",
        "term",
        "title",
        "scenario",
        "question",
        "choices",
        "answer",
        "why",
        "explanation",
        "vocabulary",
        "snippet",
        "language",
        "code",
        "caption",
    ] {
        assert!(
            source.contains(&format!("#   {field} = "))
                || source.contains(&format!("[exercise.{field}]")),
            "{field} is not documented:\n{source}"
        );
    }
    let (code, out) = check(ws.path());
    assert_eq!(code, Some(0), "{out}\n{source}");
    // The schema the first line names is there, and is the pack schema.
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(ws.path().join(".llmops/schema.json")).unwrap())
            .unwrap();
    assert!(schema["definitions"]["term"].is_object());

    // A second time: refused, the file untouched.
    fs::write(&pack, "# ours\n").unwrap();
    let response = server.command("llmops.createTeamPack", json!([]));
    assert_eq!(response["error"]["code"], -32803, "{response}");
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{response}"
    );
    assert_eq!(fs::read_to_string(&pack).unwrap(), "# ours\n");
}

/// A client that cannot create files through an edit gets the command,
/// which writes the pack with the term in it.
#[test]
fn without_file_creation_the_action_runs_the_command() {
    let ws = tempfile::tempdir().unwrap();
    let doc = ws.path().join("notes.md");
    let text = "We route calls through the Wombatron gateway.\n";
    fs::write(&doc, text).unwrap();
    let mut server = start(ws.path(), json!({}), json!({}));
    let uri = file_uri(&doc);
    server.open(&uri, "markdown", text);
    server.diagnostics(&uri, Some(1));
    let all = actions(&mut server, &uri, range(0, 30, 30));
    let action = add_action(&all).unwrap_or_else(|| panic!("no add action: {all:#?}"));
    assert!(action.get("edit").is_none(), "{action:#}");
    let command = &action["command"];
    assert_eq!(command["command"], "llmops.createTeamPack");
    let created = server.command_ok("llmops.createTeamPack", command["arguments"].clone());
    assert_eq!(created["termId"], "wombatron");
    let (code, out) = check(ws.path());
    assert_eq!(code, Some(0), "{out}");
    // Loaded without a watcher event: the command queues the reload.
    let after = server.diagnostics_until(&uri, |d| flagged(d, "wombatron"));
    assert!(flagged(&after, "wombatron"));
}

/// Inside a pack: ids complete where a pack names one, and go to
/// definition jumps to the entry that defines an id, in another pack of
/// the folder or in the built-in files.
#[test]
fn ids_complete_and_go_to_their_definition_inside_a_pack() {
    let ws = tempfile::tempdir().unwrap();
    fs::create_dir(ws.path().join(".llmops")).unwrap();
    let team = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\nrelated = [\"acme-queue\"]\nexercise = \"ttft-1\"\n";
    let other =
        "[[term]]\nid = \"acme-queue\"\nname = \"Acme queue\"\ndefinition = \"Our queue.\"\n";
    let team_path = ws.path().join(".llmops/team.toml");
    let other_path = ws.path().join(".llmops/other.toml");
    fs::write(&team_path, team).unwrap();
    fs::write(&other_path, other).unwrap();
    let mut server = start(ws.path(), json!({}), json!({}));
    let uri = file_uri(&team_path);
    server.open(&uri, "toml", team);
    server.diagnostics(&uri, Some(1));
    let complete = |server: &mut Server, line: u32, character: u32| {
        server.result(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    };
    // `related = ["acme-|`: the term ids starting with what is typed.
    let list = complete(&mut server, 4, 17);
    let labels: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels.len(), 2, "{list:#}");
    assert!(
        labels.contains(&"acme-gateway") && labels.contains(&"acme-queue"),
        "{labels:?}"
    );
    let edit = &list["items"][0]["textEdit"]["range"];
    assert_eq!(
        edit["start"],
        json!({"line": 4, "character": 12}),
        "{list:#}"
    );
    assert_eq!(edit["end"], json!({"line": 4, "character": 17}), "{list:#}");
    // `exercise = "ttft|`: exercise ids.
    let list = complete(&mut server, 5, 16);
    let labels: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"ttft-1"), "{list:#}");
    assert!(labels.iter().all(|l| l.starts_with("ttft")), "{labels:?}");
    // Outside an id slot (the name): nothing.
    assert!(complete(&mut server, 2, 10).is_null());

    // Go to definition: `acme-queue` is defined in other.toml, line 2.
    let location = server.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 15}}),
    );
    assert_eq!(location["uri"], file_uri(&other_path), "{location:#}");
    assert_eq!(location["range"]["start"]["line"], 1, "{location:#}");
    // `ttft-1` is a built-in exercise: its read-only copy.
    let location = server.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 14}}),
    );
    assert!(
        location["uri"]
            .as_str()
            .unwrap_or_default()
            .contains("builtin-content"),
        "{location:#}"
    );
}
