//! Team packs: loaded from the workspace, merged, reloaded on change,
//! checked as typed, with errors on the exact line; and the `check` CLI.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

const TEAM: &str = r#"# Acme's own vocabulary
[[term]]
id = "acme-gateway"
name = "Acme gateway"
aliases = ["AGW"]
definition = "Our internal proxy in front of every model provider."
related = ["ttft"]

[[exercise]]
id = "acme-gateway-1"
term = "acme-gateway"
title = "Where do requests go?"
scenario = "A new service needs to call a hosted model."
question = "What should it call?"
choices = ["The provider directly", "The Acme gateway", "A cron job", "Nothing"]
answer = 1
explanation = "All model traffic goes through the gateway, which adds auth, quotas and tracing."
"#;

fn workspace(pack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".llmops")).unwrap();
    fs::write(dir.path().join(".llmops/team.toml"), pack).unwrap();
    dir
}

fn start_in(root: &Path, init_options: Value) -> Server {
    start_in_with(root, init_options, Start::default())
}

fn start_in_with(root: &Path, init_options: Value, start: Start) -> Server {
    let mut server = Server::start(start);
    let uri = file_uri(root);
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri,
               "workspaceFolders": [{"uri": uri, "name": "ws"}],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
               "initializationOptions": init_options}),
    );
    server.notify("initialized", json!({}));
    server
}

/// Runs `llmops-lsp check` on a workspace's packs: exit code and stdout.
fn check(root: &Path) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .arg("check")
        .arg(root.join(".llmops"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn watched_change(server: &mut Server, path: &Path) {
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(path), "type": 2}]}),
    );
}

#[test]
fn a_workspace_pack_adds_terms_and_exercises_and_reloads_on_change() {
    let ws = workspace(TEAM);
    let pack = ws.path().join(".llmops/team.toml");
    let mut server = start_in(ws.path(), Value::Null);
    // The server asks to watch pack files.
    let registration = server.wait_for(WAIT, |m| m["method"] == "client/registerCapability");
    assert!(
        registration.to_string().contains("**/.llmops/*.toml"),
        "{registration}"
    );

    let doc = file_uri(&ws.path().join("notes.md"));
    server.open(
        &doc,
        "markdown",
        "Call the Acme gateway (AGW), then the Acme router.",
    );
    let d = server.diagnostics(&doc, Some(1));
    assert_eq!(
        ranges(&d),
        [
            (0, 9, 21, "acme-gateway".to_string()),
            (0, 23, 26, "acme-gateway".to_string())
        ]
    );
    let list = server.command_ok("llmops.listExercises", json!([]));
    let total = builtin_total() + 1;
    assert_eq!(list.as_array().unwrap().len(), total);
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["total"],
        total
    );
    let r = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "acme-gateway-1", "choice": "b"}]),
    );
    assert_eq!(r["correct"], true);

    // Edit the pack on disk: the term is renamed; open documents follow.
    fs::write(&pack, TEAM.replace("Acme gateway", "Acme router")).unwrap();
    watched_change(&mut server, &pack);
    let d = server.diagnostics_until(&doc, |d| {
        d.len() == 2 && d[1]["range"]["start"]["character"] == 38
    });
    assert_eq!(ranges(&d).last().unwrap().3, "acme-gateway");
    let texts: Vec<u64> = ranges(&d).iter().map(|r| r.1).collect();
    assert_eq!(texts, [23, 38], "AGW and the new name 'Acme router'");
}

#[test]
fn a_malformed_pack_is_reported_on_its_line_and_the_last_good_version_stays() {
    let ws = workspace(TEAM);
    let pack = ws.path().join(".llmops/team.toml");
    let pack_uri = file_uri(&pack);
    let mut server = start_in(ws.path(), Value::Null);
    let doc = file_uri(&ws.path().join("notes.md"));
    server.open(&doc, "markdown", "Acme gateway");
    assert_eq!(server.diagnostics(&doc, Some(1)).len(), 1);
    // Settle: what start-up publishes is not what this test looks for.
    server.drain(std::time::Duration::from_millis(300));

    fs::write(&pack, TEAM.replace("answer = 1", "answer = 7")).unwrap();
    watched_change(&mut server, &pack);
    let errors = server.diagnostics_until(&pack_uri, |d| !d.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["severity"], 1);
    let line = TEAM.lines().position(|l| l.starts_with("answer")).unwrap() as u64;
    assert_eq!(e["range"]["start"], json!({"line": line, "character": 9}));
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("`answer` is 7"), "{message}");
    // The last good content is still in use: a broken pack changes no
    // content, so open documents are neither rescanned nor republished.
    // The sync point: the next edit's publication. Anything the broken pack
    // caused for `doc` was published before it.
    server.change(&doc, 2, json!([{"text": "Acme gateway"}]));
    let publications = server.publications_through(&doc, 2);
    assert_eq!(
        publications.len(),
        1,
        "a broken pack republished {doc}: {publications:#?}"
    );
    let d = publications[0]["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ranges(&d), [(0, 0, 12, "acme-gateway".to_string())]);
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["total"],
        builtin_total() + 1
    );

    // Broken TOML and a dangling reference are located too.
    fs::write(&pack, TEAM.replace("name = \"Acme gateway\"", "name = ")).unwrap();
    watched_change(&mut server, &pack);
    let errors = server.diagnostics_until(&pack_uri, |d| {
        d.len() == 1
            && d[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("invalid pack"))
    });
    assert_eq!(errors[0]["range"]["start"]["line"], 3, "{errors:?}");
    fs::write(
        &pack,
        TEAM.replace("related = [\"ttft\"]", "related = [\"nope\"]"),
    )
    .unwrap();
    watched_change(&mut server, &pack);
    let errors = server.diagnostics_until(&pack_uri, |d| {
        d.len() == 1
            && d[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("related"))
    });
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("`related` names term `nope`"),
        "{errors:?}"
    );
    assert_eq!(errors[0]["range"]["start"]["line"], 6);

    // Fixing it clears the errors.
    fs::write(&pack, TEAM).unwrap();
    watched_change(&mut server, &pack);
    assert_eq!(
        server.diagnostics_until(&pack_uri, |d| d.is_empty()),
        Vec::<Value>::new()
    );
}

/// A server with the team pack open and published clean at version 1;
/// also the pack's URI and an edit of the `answer = N` digit.
fn open_team_pack() -> (Server, String, impl Fn(&str) -> Value, tempfile::TempDir) {
    let ws = workspace(TEAM);
    let pack_uri = file_uri(&ws.path().join(".llmops/team.toml"));
    let mut server = start_in(ws.path(), Value::Null);
    server.open(&pack_uri, "toml", TEAM);
    assert_eq!(server.diagnostics(&pack_uri, Some(1)), Vec::<Value>::new());
    let line = TEAM.lines().position(|l| l.starts_with("answer")).unwrap();
    let edit = move |text: &str| json!([{"range": {"start": {"line": line, "character": 9}, "end": {"line": line, "character": 10}}, "text": text}]);
    (server, pack_uri, edit, ws)
}

#[test]
fn an_open_pack_is_checked_as_it_is_typed() {
    let (mut server, pack_uri, edit, _ws) = open_team_pack();
    server.change(&pack_uri, 2, edit("9"));
    let d = server.diagnostics(&pack_uri, Some(2));
    assert_eq!(d.len(), 1);
    assert!(d[0]["message"].as_str().unwrap().contains("answer"));
}

/// A pack's errors come from the pack worker, which checks typed text a
/// little later (it waits 20 ms for the rest of a burst). Something that
/// republishes every document meanwhile (a settings change here; a delayed
/// `initialized` in the flake that found it) must not publish the new
/// version with the old text's errors: the first publication of version 2
/// already has the new error, and fixing it is published clean.
#[test]
fn a_pack_is_never_published_with_errors_of_an_older_text() {
    let (mut server, pack_uri, edit, _ws) = open_team_pack();
    let line = TEAM.lines().find(|l| l.starts_with("answer")).unwrap();
    let original = &line[9..10];
    for (version, text, errors) in [(2, "9", 1), (3, original, 0)] {
        server.change(&pack_uri, version, edit(text));
        server.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"llmops": {"maxDiagnostics": 900 + version}}}),
        );
        let d = server.diagnostics(&pack_uri, Some(version));
        assert_eq!(d.len(), errors, "version {version}: {d:?}");
    }
}

#[test]
fn a_workspace_term_overrides_a_builtin_one_and_untrusted_workspaces_load_none() {
    let pack = "[[term]]\nid = \"ttft\"\nname = \"Time to first token\"\naliases = [\"TTFT\"]\n\
                definition = \"ACME-DEFINITION of first-token latency.\"\n";
    let ws = workspace(pack);
    let doc = file_uri(&ws.path().join("a.md"));
    let mut server = start_in(ws.path(), Value::Null);
    server.open(&doc, "markdown", "TTFT");
    server.diagnostics(&doc, Some(1));
    let hover = server.hover(&doc, 0, 1);
    assert!(hover.to_string().contains("ACME-DEFINITION"), "{hover}");
    // The exercise of the built-in term survives.
    assert!(hover.to_string().contains("Exercise:"));

    // The untrusted server also has a user pack (trusted by definition):
    // it loads, and its reload later serves as a sync point.
    let config = tempfile::tempdir().unwrap();
    let user_dir = config.path().join("llmops-lsp/packs");
    fs::create_dir_all(&user_dir).unwrap();
    let user_pack = user_dir.join("mine.toml");
    let user_term = |definition: &str| {
        format!(
            "[[term]]\nid = \"zeta-marker\"\nname = \"Zeta marker\"\ndefinition = \"{definition} of a user term.\"\n"
        )
    };
    fs::write(&user_pack, user_term("USER-ONE")).unwrap();
    let mut untrusted = start_in_with(
        ws.path(),
        json!({"llmops": {"workspacePacks": false}}),
        Start {
            config_home: Some(config.path().to_path_buf()),
            ..Start::default()
        },
    );
    untrusted.open(&doc, "markdown", "TTFT, Zeta marker");
    let d = untrusted.diagnostics(&doc, Some(1));
    let ids: Vec<String> = ranges(&d).into_iter().map(|r| r.3).collect();
    assert_eq!(ids, ["ttft", "zeta-marker"], "{d:?}");
    let builtin_hover = |server: &mut Server| {
        let hover = server.hover(&doc, 0, 1).to_string();
        assert!(hover.contains("first token"), "no built-in hover: {hover}");
        assert!(!hover.contains("ACME"), "{hover}");
    };
    builtin_hover(&mut untrusted);
    // Opening and editing the pack, or changing it on disk, loads nothing either.
    let pack_path = ws.path().join(".llmops/team.toml");
    let pack_uri = file_uri(&pack_path);
    untrusted.open(&pack_uri, "toml", pack);
    untrusted.change(&pack_uri, 2, json!([{"text": format!("{pack}\n")}]));
    untrusted.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": pack_uri, "type": 2}]}),
    );
    // A positive sync point: the user pack's change is queued on the one
    // reload worker after the workspace pack's; once its hover shows it,
    // the workspace pack's events were handled too.
    fs::write(&user_pack, user_term("USER-TWO")).unwrap();
    untrusted.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&user_pack), "type": 2}]}),
    );
    let deadline = std::time::Instant::now() + WAIT;
    while !untrusted.hover(&doc, 0, 8).to_string().contains("USER-TWO") {
        assert!(
            std::time::Instant::now() < deadline,
            "the user pack was not reloaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    builtin_hover(&mut untrusted);
}

/// An editor that trusts the folder later (Neovim's `:LlmopsTrust`) turns
/// `workspacePacks` on with no restart, and off again when a trusted pack
/// changes: the team term comes and goes with it, the built-in one stays.
#[test]
fn switching_workspace_packs_loads_and_drops_them_without_a_restart() {
    let ws = workspace(TEAM);
    let doc = file_uri(&ws.path().join("a.md"));
    let mut server = start_in(ws.path(), json!({"llmops": {"workspacePacks": false}}));
    server.open(&doc, "markdown", "AGW and TTFT");
    let codes = |d: &[Value]| -> Vec<String> { d.iter().map(|d| d["code"].to_string()).collect() };
    let before = server.diagnostics(&doc, Some(1));
    assert_eq!(codes(&before), ["\"ttft\""], "{before:?}");

    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"workspacePacks": true}}}),
    );
    let on = server.diagnostics_until(&doc, |d| d.len() == 2);
    assert!(
        codes(&on).contains(&"\"acme-gateway\"".to_string()),
        "{on:?}"
    );

    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"workspacePacks": false}}}),
    );
    let off = server.diagnostics_until(&doc, |d| d.len() == 1);
    assert_eq!(codes(&off), ["\"ttft\""], "{off:?}");
}

/// A folder added to a multi-root workspace brings its team packs with it,
/// and removing it drops them, with no restart: a document in the new
/// folder gets the folder's own term, and the first folder's packs stay.
#[test]
fn workspace_folders_added_and_removed_load_and_drop_their_packs() {
    let first = workspace(TEAM);
    let second = workspace(
        "[[term]]\nid = \"zeta-widget\"\nname = \"Zeta widget\"\n\
         definition = \"The second team's dashboard of model spend.\"\n",
    );
    let doc = file_uri(&second.path().join("notes.md"));
    let mut server = Server::start(Start::default());
    let uri = file_uri(first.path());
    let result = server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri,
               "workspaceFolders": [{"uri": uri, "name": "first"}],
               "capabilities": {"workspace": {"workspaceFolders": true}}}),
    );
    let folders = &result["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(folders["changeNotifications"], true, "{folders}");
    server.notify("initialized", json!({}));
    server.open(&doc, "markdown", "The Zeta widget and TTFT.");
    let own = file_uri(&first.path().join("a.md"));
    server.open(&own, "markdown", "AGW and TTFT");
    let codes = |d: &[Value]| -> Vec<String> {
        let mut c: Vec<String> = d.iter().map(|d| d["code"].to_string()).collect();
        c.sort();
        c
    };
    // A folder's packs apply inside it; the second folder's are not loaded.
    let before = server.diagnostics(&doc, Some(1));
    assert_eq!(codes(&before), ["\"ttft\""], "{before:?}");
    let mine = server.diagnostics(&own, Some(1));
    assert_eq!(codes(&mine), ["\"acme-gateway\"", "\"ttft\""], "{mine:?}");

    let folder = json!([{"uri": file_uri(second.path()), "name": "second"}]);
    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": folder, "removed": []}}),
    );
    let added = server.diagnostics_until(&doc, |d| d.len() == 2);
    assert_eq!(codes(&added), ["\"ttft\"", "\"zeta-widget\""], "{added:?}");

    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": folder}}),
    );
    let removed = server.diagnostics_until(&doc, |d| d.len() == 1);
    assert_eq!(codes(&removed), ["\"ttft\""], "{removed:?}");
    // The first folder keeps its own: after the removal is published,
    // a change to its document still shows the team term.
    server.change(
        &own,
        2,
        json!([{"range": {"start": {"line": 0, "character": 12}, "end": {"line": 0, "character": 12}}, "text": "."}]),
    );
    let mine = server.diagnostics(&own, Some(2));
    assert_eq!(codes(&mine), ["\"acme-gateway\"", "\"ttft\""], "{mine:?}");
}

#[test]
fn definition_jumps_to_the_pack_entry() {
    let ws = workspace(TEAM);
    let mut server = start_in(ws.path(), Value::Null);
    let doc = file_uri(&ws.path().join("a.md"));
    server.open(&doc, "markdown", "AGW and TTFT");
    server.diagnostics(&doc, Some(1));
    let at = |s: &mut Server, ch: u32| {
        s.result(
            "textDocument/definition",
            json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": ch}}),
        )
    };
    let team = at(&mut server, 1);
    assert_eq!(team["uri"], file_uri(&ws.path().join(".llmops/team.toml")));
    assert_eq!(team["range"]["start"]["line"], 2);
    let builtin = at(&mut server, 9);
    let path = builtin["uri"]
        .as_str()
        .unwrap()
        .trim_start_matches("file://")
        .to_string();
    let text = fs::read_to_string(&path).unwrap();
    let line = builtin["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert_eq!(text.lines().nth(line).unwrap().trim(), "id = \"ttft\"");
    assert_eq!(at(&mut server, 5), Value::Null);
}

#[test]
fn the_check_command_prints_located_errors_and_sets_its_exit_code() {
    let ws = workspace(&TEAM.replace("answer = 1", "answer = 4"));
    let (code, stdout) = check(ws.path());
    assert_eq!(code, Some(1));
    let line = TEAM.lines().position(|l| l.starts_with("answer")).unwrap() + 1;
    assert!(
        stdout.contains(&format!(
            "team.toml:{line}:10: exercise `acme-gateway-1`: field `answer` is 4"
        )),
        "{stdout}"
    );
    fs::write(ws.path().join(".llmops/team.toml"), TEAM).unwrap();
    let (code, stdout) = check(ws.path());
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn the_readme_team_pack_example_is_valid() {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .find(|b| b.contains("[[exercise]]"))
        .expect("a team pack example in the README");
    let ws = workspace(block);
    let (code, stdout) = check(ws.path());
    assert_eq!(code, Some(0), "{stdout}");
    let mut server = start_in(ws.path(), Value::Null);
    let doc = file_uri(&ws.path().join("a.md"));
    server.open(&doc, "markdown", "Route it through the AGW.");
    assert_eq!(
        ranges(&server.diagnostics(&doc, Some(1))),
        [(0, 21, 24, "acme-gateway".to_string())]
    );
}

#[test]
fn a_manifest_that_gains_an_llm_library_turns_on_the_projects_hints() {
    let ws = tempfile::tempdir().unwrap();
    fs::write(
        ws.path().join("pyproject.toml"),
        "[project]\nname = \"jobs\"\n",
    )
    .unwrap();
    let mut server = start_in(ws.path(), Value::Null);
    let registration = server.wait_for(WAIT, |m| m["method"] == "client/registerCapability");
    assert!(
        registration.to_string().contains("pyproject.toml"),
        "manifests are watched: {registration}"
    );
    // "rate limit" means the LLMOps term only in an LLM setting.
    let doc = file_uri(&ws.path().join("notes.md"));
    server.open(
        &doc,
        "markdown",
        "The nightly job hit the rate limit again.",
    );
    assert_eq!(server.diagnostics(&doc, Some(1)), Vec::<Value>::new());

    let manifest = ws.path().join("pyproject.toml");
    fs::write(
        &manifest,
        "[project]\nname = \"jobs\"\ndependencies = [\"openai>=1.50\"]\n",
    )
    .unwrap();
    watched_change(&mut server, &manifest);
    let d = server.diagnostics_until(&doc, |d| !d.is_empty());
    assert_eq!(ranges(&d), [(0, 24, 34, "token-rate-limit".to_string())]);

    // And off again when the library goes.
    fs::write(&manifest, "[project]\nname = \"jobs\"\n").unwrap();
    watched_change(&mut server, &manifest);
    assert_eq!(
        server.diagnostics_until(&doc, |d| d.is_empty()),
        Vec::<Value>::new()
    );
}

#[test]
fn closing_an_unsaved_pack_puts_the_file_on_disk_back_in_use() {
    let ws = workspace(TEAM);
    let pack = ws.path().join(".llmops/team.toml");
    let pack_uri = file_uri(&pack);
    let mut server = start_in(ws.path(), Value::Null);
    let doc = file_uri(&ws.path().join("notes.md"));
    server.open(&doc, "markdown", "Call the Acme router.");
    assert_eq!(server.diagnostics(&doc, Some(1)), Vec::<Value>::new());
    // Typed, never saved: the renamed term is in use while the pack is open.
    let edited = TEAM.replace("Acme gateway", "Acme router");
    server.open(&pack_uri, "toml", TEAM);
    server.change(&pack_uri, 2, json!([{"text": edited}]));
    let d = server.diagnostics_until(&doc, |d| !d.is_empty());
    assert_eq!(ranges(&d), [(0, 9, 20, "acme-gateway".to_string())]);
    // Closed without saving: the file on disk (the old name) counts again.
    server.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": pack_uri}}),
    );
    assert_eq!(
        server.diagnostics_until(&doc, |d| d.is_empty()),
        Vec::<Value>::new()
    );
}

/// The column of a term's id counts UTF-16 units, like every position, or
/// UTF-8 bytes when the client negotiated them: here an emoji (two UTF-16
/// units, four bytes, one code point) and accented letters stand before it
/// on its line, so each way of counting gives a different column.
#[test]
fn definition_columns_count_utf16_units_or_negotiated_utf8_bytes() {
    let line = "term = [{ name = \"Jauge ölçü 😀\", aliases = [\"JGX\"], id = \"jauge\", definition = \"A gauge.\" }]";
    let ws = workspace(&format!("{line}\n"));
    let quote = line.find("\"jauge\"").unwrap();
    let utf16 = line[..quote].encode_utf16().count() as u64;
    let utf8 = quote as u64;
    let chars = line[..quote].chars().count() as u64;
    assert!(utf16 != utf8 && utf16 != chars && utf8 != chars);
    for (encodings, expected) in [
        (json!(["utf-16"]), utf16),
        (json!(["utf-8", "utf-16"]), utf8),
    ] {
        let mut server = Server::start(Start::default());
        let uri = file_uri(ws.path());
        server.result(
            "initialize",
            json!({"processId": null, "rootUri": uri,
                   "workspaceFolders": [{"uri": uri, "name": "ws"}],
                   "capabilities": {"general": {"positionEncodings": encodings}}}),
        );
        server.notify("initialized", json!({}));
        let doc = file_uri(&ws.path().join("a.md"));
        // "é" and an emoji before the term: its column differs by encoding
        // too (UTF-8 bytes 2 + 4 + 1, UTF-16 units 1 + 2 + 1).
        server.open(&doc, "markdown", "é😀 JGX");
        let d = server.diagnostics(&doc, Some(1));
        let start = d[0]["range"]["start"]["character"].as_u64();
        assert_eq!(start, Some(if expected == utf8 { 7 } else { 4 }), "{d:?}");
        let at = server.result(
            "textDocument/definition",
            json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": start}}),
        );
        // The id's span starts at its opening quote.
        assert_eq!(
            at["range"]["start"],
            json!({"line": 0, "character": expected}),
            "{at} ({encodings}: UTF-16 {utf16}, UTF-8 {utf8}, code points {chars})"
        );
    }
}
