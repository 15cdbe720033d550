//! Working inside pack files (issue 20, item 3): hover on the ids a pack
//! names (what they are, where they are defined: this file, another
//! workspace pack, an imported pack, the user's packs, the built-in
//! course), ids in arrays written over several lines, the outline of a
//! pack (`textDocument/documentSymbol`) and the lens on each term.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::*;

const TEAM: &str = "imports = [\"../platform/llmops/*.toml\"]\n\n\
[[term]]\n\
id = \"acme-gateway\"\n\
name = \"Acme gateway\"\n\
definition = \"Our proxy for model calls. It also caches.\"\n\
related = [\"acme-queue\", \"mine-term\", \"shared-gate\", \"ttft\", \"nope\"]\n\
exercise = \"ttft-1\"\n";

/// A workspace with a team pack, a second workspace pack (whose name and
/// definition try to form links), a shared pack the team pack imports,
/// and a user pack under `config/`.
struct Workspace {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
    team: PathBuf,
    shared: PathBuf,
}

fn workspace(team: &str) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    let config = dir.path().join("config");
    let user = config.join("llmops-lsp/packs");
    for folder in [
        root.join(".llmops"),
        root.join("platform/llmops"),
        user.clone(),
    ] {
        fs::create_dir_all(folder).unwrap();
    }
    let team_path = root.join(".llmops/team.toml");
    fs::write(&team_path, team).unwrap();
    let other = root.join(".llmops/[x](https:evil).toml");
    fs::write(
        &other,
        "[[term]]\nid = \"acme-queue\"\nname = \"Acme queue\"\ndefinition = \"Our queue [click](https://evil.example/x) ![i](https://evil.example/i.png). More.\"\n",
    )
    .unwrap();
    let shared = root.join("platform/llmops/shared.toml");
    fs::write(
        &shared,
        "[[term]]\nid = \"shared-gate\"\nname = \"Shared gate\"\ndefinition = \"The platform's gate.\"\nrelated = [\n  \"ttft\",\n]\n",
    )
    .unwrap();
    fs::write(
        user.join("mine.toml"),
        "[[term]]\nid = \"mine-term\"\nname = \"Mine term\"\ndefinition = \"A term of my own.\"\n",
    )
    .unwrap();
    Workspace {
        _dir: dir,
        root,
        config,
        team: team_path,
        shared,
    }
}

fn start(ws: &Workspace, capabilities: Value) -> (Server, Value) {
    let start = Start {
        config_home: Some(ws.config.clone()),
        ..Default::default()
    };
    start_in_folder(start, &ws.root, capabilities, json!({}))
}

fn open(server: &mut Server, path: &Path) -> String {
    let uri = file_uri(path);
    server.open(&uri, "toml", &fs::read_to_string(path).unwrap());
    server.diagnostics(&uri, Some(1));
    uri
}

/// The hover's Markdown at the first byte of `needle` (plus `after`) on
/// `line`, which is ASCII in these packs.
fn hover_at(
    server: &mut Server,
    uri: &str,
    text: &str,
    line: u32,
    needle: &str,
    after: u32,
) -> Value {
    let column = text
        .lines()
        .nth(line as usize)
        .unwrap()
        .find(needle)
        .unwrap() as u32
        + after;
    server.hover(uri, line, column)
}

fn markdown(hover: &Value) -> String {
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Whether rendered Markdown holds a link or an image (pulldown-cmark,
/// with GFM's extensions, as `render.rs` tests it).
fn forms_links(md: &str) -> bool {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    Parser::new_ext(md, Options::all()).any(|e| {
        matches!(
            e,
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
                | Event::Html(_)
                | Event::InlineHtml(_)
        )
    })
}

#[test]
fn hover_on_an_id_names_the_term_and_where_it_is_defined() {
    let ws = workspace(TEAM);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.team);
    let line = 6;
    let hover = |server: &mut Server, needle: &str| {
        let h = hover_at(server, &uri, TEAM, line, needle, 2);
        markdown(&h)
    };
    // Another workspace pack: its name, the first sentence of its
    // definition, and its file from the workspace folder, all inert.
    let queue = hover(&mut server, "acme-queue");
    assert!(queue.contains("**Acme queue**"), "{queue}");
    assert!(queue.contains("Our queue"), "{queue}");
    assert!(!queue.contains("More."), "only the first sentence: {queue}");
    assert!(queue.contains(".llmops/"), "{queue}");
    // The `id` line of the entry (line 2 of that file).
    assert!(queue.contains("line 2"), "{queue}");
    assert!(!forms_links(&queue), "a link or image formed:\n{queue}");
    // The user's own pack, an imported shared pack, the built-in course.
    let mine = hover(&mut server, "mine-term");
    assert!(mine.contains("your pack mine.toml, line 2"), "{mine}");
    let shared = hover(&mut server, "shared-gate");
    assert!(
        shared.contains("platform/llmops/shared.toml, line 2"),
        "{shared}"
    );
    let ttft = hover(&mut server, "\"ttft\"");
    assert!(ttft.contains("the built-in course"), "{ttft}");
    assert!(
        ttft.contains("module"),
        "built-in terms name their module: {ttft}"
    );
    // An id no pack defines says so.
    let nope = hover(&mut server, "nope");
    assert!(
        nope.contains("No pack this file sees defines the term *nope*"),
        "{nope}"
    );
    // The range is the id's.
    let h = hover_at(&mut server, &uri, TEAM, line, "acme-queue", 2);
    let start = TEAM.lines().nth(6).unwrap().find("acme-queue").unwrap() as u64;
    assert_eq!(h["range"]["start"]["character"], start, "{h:#}");
    assert_eq!(h["range"]["end"]["character"], start + 10, "{h:#}");
    // An exercise id: its title, its term, where it is.
    let exercise = markdown(&hover_at(&mut server, &uri, TEAM, 7, "ttft-1", 1));
    assert!(exercise.contains("Exercise *ttft-1*"), "{exercise}");
    assert!(exercise.contains("An exercise on"), "{exercise}");
    // This file's own term, seen from this file.
    let own = format!(
        "{TEAM}\n[[term]]\nid = \"b\"\nname = \"Bee\"\ndefinition = \"B.\"\nrelated = [\"acme-gateway\"]\n"
    );
    fs::write(&ws.team, &own).unwrap();
    server.change(&uri, 2, json!([{"text": own}]));
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&ws.team), "type": 2}]}),
    );
    let this = hover_at(&mut server, &uri, &own, 13, "acme-gateway", 1);
    assert!(markdown(&this).contains("this file, line 4"), "{this:#}");
}

#[test]
fn ids_in_an_imported_pack_outside_llmops_have_hovers_too() {
    let ws = workspace(TEAM);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.shared);
    let text = fs::read_to_string(&ws.shared).unwrap();
    // `  "ttft",` on its own line of a `related = [` array.
    let hover = markdown(&hover_at(&mut server, &uri, &text, 5, "ttft", 1));
    assert!(hover.contains("the built-in course"), "{hover}");
    let definition = server.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 4}}),
    );
    assert!(
        definition["uri"]
            .as_str()
            .unwrap_or_default()
            .contains("builtin-content"),
        "{definition:#}"
    );
}

/// `related = [` and `vocabulary = [` over several lines: every line of
/// the array completes, hovers and goes to definition like a one-line one.
#[test]
fn ids_in_arrays_over_several_lines_complete_hover_and_go_to_definition() {
    let team = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\nrelated = [\n  \"acme-queue\", # the queue\n  \"acme-\n]\n\n[[exercise]]\nid = \"acme-1\"\nterm = \"acme-gateway\"\ntitle = \"Where do calls go?\"\nscenario = \"s\"\nquestion = \"q\"\nchoices = [\n  \"acme-queue\",\n  \"b\",\n]\nanswer = 0\nexplanation = \"e\"\nvocabulary = [\n  \"ttf\",\n]\n";
    let ws = workspace(team);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.team);
    let complete = |server: &mut Server, line: u32, character: u32| {
        server.result(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    };
    let labels = completion_labels;
    // `  "acme-|` on the array's third line (the pack does not load while
    // the string is open: the ids come from the other packs).
    let list = complete(&mut server, 6, 8);
    assert_eq!(labels(&list), ["acme-queue"], "{list:#}");
    assert_eq!(
        list["items"][0]["textEdit"]["range"]["start"],
        json!({"line": 6, "character": 3})
    );
    // `vocabulary = [` in an exercise: term ids; `choices` names none.
    let list = complete(&mut server, 22, 6);
    assert!(labels(&list).contains(&"ttft".to_string()), "{list:#}");
    assert!(
        complete(&mut server, 16, 5).is_null(),
        "choices are not ids"
    );
    // Definition and hover on `"acme-queue"` on a line of its own.
    let location = server.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 6}}),
    );
    // The other pack (its name percent-encoded in the URI).
    let target = location["uri"].as_str().unwrap_or_default();
    assert!(
        target.ends_with("%5Bx%5D%28https%3Aevil%29.toml"),
        "{location:#}"
    );
    let hover = markdown(&server.hover(&uri, 5, 6));
    assert!(hover.contains("**Acme queue**"), "{hover}");
}

/// The names of a nested outline, indented by depth.
fn outline(symbols: &Value, depth: usize, out: &mut Vec<String>) {
    for symbol in symbols.as_array().into_iter().flatten() {
        out.push(format!(
            "{}{} ({}) {}",
            "  ".repeat(depth),
            symbol["name"].as_str().unwrap_or("?"),
            symbol["kind"],
            symbol["detail"].as_str().unwrap_or("")
        ));
        outline(&symbol["children"], depth + 1, out);
    }
}

const OUTLINED: &str = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\n\n[[term]]\nid = \"acme-cache\"\nname = \"Acme cache\"\ndefinition = \"Our cache.\"\n\n[[exercise]]\nid = \"acme-1\"\nterm = \"acme-gateway\"\ntitle = \"Where do calls go?\"\nscenario = \"s\"\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\nanswer = 0\nexplanation = \"e\"\n\n[[exercise]]\nid = \"ttft-2x\"\nterm = \"ttft\"\ntitle = \"Built-in term\"\nscenario = \"s\"\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\nanswer = 0\nexplanation = \"e\"\n";

#[test]
fn the_outline_of_a_pack_nests_exercises_under_their_terms() {
    let ws = workspace(OUTLINED);
    let capabilities =
        json!({"textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": true}}});
    let (mut server, init) = start(&ws, capabilities);
    assert_eq!(
        init["capabilities"]["documentSymbolProvider"], true,
        "{init:#}"
    );
    let uri = open(&mut server, &ws.team);
    let symbols = server.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let mut lines = Vec::new();
    outline(&symbols, 0, &mut lines);
    assert_eq!(
        lines,
        [
            "Acme gateway (20) acme-gateway",
            "  Where do calls go? (24) acme-1",
            "Acme cache (20) acme-cache",
            // Its term is in another pack: listed at the top.
            "Built-in term (24) ttft-2x",
        ],
        "{symbols:#}"
    );
    // The term spans its table; its selection is its id.
    let first = &symbols[0];
    assert_eq!(first["range"]["start"], json!({"line": 0, "character": 0}));
    assert_eq!(first["range"]["end"]["line"], 3);
    assert_eq!(
        first["selectionRange"]["start"],
        json!({"line": 1, "character": 6})
    );
    // Half typed (an unclosed string, a key with no value): still an outline.
    let typing = format!("{OUTLINED}\n[[term]]\nid = \"acme-new\nname =\n");
    server.change(&uri, 2, json!([{"text": typing}]));
    let symbols = server.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let mut lines = Vec::new();
    outline(&symbols, 0, &mut lines);
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert!(lines[4].starts_with("acme-new (20)"), "{lines:#?}");
    // A document that is no pack has no outline from us.
    let notes = ws.root.join("notes.md");
    fs::write(&notes, "Acme gateway.\n").unwrap();
    let notes_uri = file_uri(&notes);
    server.open(&notes_uri, "markdown", "Acme gateway.\n");
    let none = server.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": notes_uri}}),
    );
    assert!(none.is_null(), "{none:#}");
}

#[test]
fn a_client_without_nested_symbols_gets_a_flat_outline_with_containers() {
    let ws = workspace(OUTLINED);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.team);
    let symbols = server.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let flat: Vec<(String, Value)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["containerName"].clone(),
            )
        })
        .collect();
    assert_eq!(
        flat,
        [
            ("Acme gateway".to_string(), Value::Null),
            ("Acme cache".to_string(), Value::Null),
            ("Where do calls go?".to_string(), json!("Acme gateway")),
            ("Built-in term".to_string(), Value::Null),
        ],
        "{symbols:#}"
    );
    assert_eq!(symbols[0]["location"]["uri"], uri.as_str());
}

/// The lenses of a pack: (line, title, command).
fn lenses_of(server: &mut Server, uri: &str) -> Vec<(u64, String, Value)> {
    let got = server.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    got.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["command"]["title"].as_str().unwrap().to_string(),
                l["command"].clone(),
            )
        })
        .collect()
}

/// The title of the count lens on `line`.
fn count_title(server: &mut Server, uri: &str, line: u64) -> String {
    lenses_of(server, uri)
        .into_iter()
        .find(|(l, t, _)| *l == line && t != "open exercise")
        .map(|(_, t, _)| t)
        .unwrap_or_default()
}

/// Asks for the lens on `line` until its title satisfies `done`, waiting
/// for the server's `workspace/codeLens/refresh` between asks when the
/// client supports it (else a short pause); the last title either way.
fn count_title_until(
    server: &mut Server,
    uri: &str,
    line: u64,
    refresh: bool,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let title = count_title(server, uri, line);
        if done(&title) || std::time::Instant::now() > deadline {
            return title;
        }
        if refresh {
            server.try_wait_for(std::time::Duration::from_secs(5), |m| {
                m["method"] == "workspace/codeLens/refresh"
            });
        } else {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[test]
fn lenses_count_uses_in_the_workspace_and_open_the_exercise() {
    let team = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\nexercise = \"acme-1\"\n\n[[term]]\nid = \"acme-cache\"\nname = \"Acme cache\"\ndefinition = \"Our cache.\"\n\n[[exercise]]\nid = \"acme-1\"\nterm = \"acme-gateway\"\ntitle = \"Where do calls go?\"\nscenario = \"s\"\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\nanswer = 0\nexplanation = \"e\"\n";
    let ws = workspace(team);
    // Two files use the gateway three times, the cache once; one is open.
    for (name, text) in [
        ("a.md", "The Acme gateway and the Acme cache.\n"),
        ("b.md", "Acme gateway here, Acme gateway there.\n"),
    ] {
        fs::write(ws.root.join(name), text).unwrap();
    }
    let (mut server, init) = start(&ws, json!({}));
    assert_eq!(
        init["capabilities"]["codeLensProvider"]["resolveProvider"], false,
        "{init:#}"
    );
    let uri = open(&mut server, &ws.team);
    let doc = file_uri(&ws.root.join("a.md"));
    server.open(&doc, "markdown", "The Acme gateway and the Acme cache.\n");
    server.diagnostics(&doc, Some(1));
    // A client without `refreshSupport` asks again by itself.
    let gateway = count_title_until(&mut server, &uri, 0, false, |t| {
        t.ends_with("in this workspace")
    });
    assert_eq!(gateway, "used 3× in this workspace");
    assert_eq!(
        count_title(&mut server, &uri, 6),
        "used 1× in this workspace"
    );
    let after = lenses_of(&mut server, &uri);
    // "open exercise" runs the existing command, which opens the exercise.
    let command = &after[1].2;
    assert_eq!(after[1].1, "open exercise", "{after:#?}");
    assert_eq!(command["command"], "llmops.openExercise", "{command:#}");
    let view = server.command_ok("llmops.openExercise", command["arguments"].clone());
    assert_eq!(view["id"], "acme-1", "{view:#}");
}

/// An untrusted workspace (`workspacePacks: false`) is not walked: a user
/// pack's lens counts the open files only, and says so.
#[test]
fn an_untrusted_workspace_is_not_walked_and_the_lens_counts_open_files() {
    let ws = workspace("");
    fs::write(ws.root.join("disk.md"), "Mine term on disk.\n").unwrap();
    let start_opts = Start {
        config_home: Some(ws.config.clone()),
        ..Default::default()
    };
    let (mut server, _) = start_in_folder(
        start_opts,
        &ws.root,
        json!({"workspace": {"codeLens": {"refreshSupport": true}}}),
        json!({"llmops": {"workspacePacks": false}}),
    );
    let mine = ws.config.join("llmops-lsp/packs/mine.toml");
    let uri = open(&mut server, &mine);
    let doc = file_uri(&ws.root.join("open.md"));
    server.open(&doc, "markdown", "Mine term, and Mine term again.\n");
    server.diagnostics(&doc, Some(1));
    assert_eq!(count_title(&mut server, &uri, 0), "used 2× in open files");
    // No count runs, so no refresh comes and the title stays.
    let refreshed = server.try_wait_for(std::time::Duration::from_millis(800), |m| {
        m["method"] == "workspace/codeLens/refresh"
    });
    assert!(refreshed.is_none(), "{refreshed:?}");
    assert_eq!(count_title(&mut server, &uri, 0), "used 2× in open files");
}

/// `scan --format json .` in `root`: how many findings of term `id` it
/// prints outside pack files (the lens leaves packs out: a pack names its
/// own terms), practices aside.
fn scan_uses(root: &Path, id: &str) -> usize {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["scan", "--format", "json", "."])
        .current_dir(root)
        .env("LLMOPS_LSP_DATA_DIR", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["termId"] == id
                && f.get("practiceId").is_none()
                && !f["path"].as_str().unwrap_or("").contains(".llmops/")
        })
        .count()
}

/// The workspace count behind the lens: the same files and policy as
/// `scan` (ignored folders, a link out, an ignore marker, code and prose,
/// a notebook), a file changed or created on disk recounted, an open
/// document's unsaved text counted over its file, and the budget named
/// when a walk stops at it.
#[test]
fn the_workspace_count_agrees_with_scan_follows_the_disk_and_open_edits() {
    let team = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy for model calls.\"\n";
    let ws = workspace(team);
    let root = &ws.root;
    for folder in ["docs", "src", "build", "notes"] {
        fs::create_dir_all(root.join(folder)).unwrap();
    }
    let files = [
        (".ignore", "build/\n"),
        (
            "docs/a.md",
            "The Acme gateway fronts the model.\nEvery call goes through the Acme gateway.\n",
        ),
        (
            "docs/quiet.md",
            "Acme gateway <!-- llmops: ignore -->\nAnd the Acme gateway here.\n",
        ),
        (
            "src/app.py",
            "# route calls through the Acme gateway\nacme_gateway_url = \"http://gw\"\n",
        ),
        ("build/out.md", "Acme gateway Acme gateway Acme gateway\n"),
        ("notes/c.txt", "One Acme gateway.\n"),
    ];
    for (name, text) in files {
        fs::write(root.join(name), text).unwrap();
    }
    let outside = root.parent().unwrap().join("outside.md");
    fs::write(&outside, "Acme gateway Acme gateway\n").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("docs/link.md")).unwrap();

    let expected = scan_uses(root, "acme-gateway");
    // Not vacuous: the ignored folder, the link and the silenced line are
    // left out, and what is left is counted.
    assert!(expected >= 4, "scan found {expected}");

    let capabilities = json!({"workspace": {
        "codeLens": {"refreshSupport": true},
        "didChangeWatchedFiles": {"dynamicRegistration": true},
    }});
    let (mut server, _) = start(&ws, capabilities);
    let uri = open(&mut server, &ws.team);
    let first = count_title(&mut server, &uri, 0);
    let title = count_title_until(&mut server, &uri, 0, true, |t| {
        t.ends_with("in this workspace")
    });
    assert_eq!(title, format!("used {expected}× in this workspace"));
    // Until the first count is in, the lens says what it shows meanwhile.
    assert!(
        first == "not used in open files (counting the workspace…)" || first == title,
        "{first}"
    );
    // Counting asked to hear of every file's changes.
    let registered = server.wait_for(std::time::Duration::from_secs(5), |m| {
        m["method"] == "client/registerCapability"
            && m["params"]["registrations"][0]["id"] == "llmops-uses"
    });
    assert_eq!(
        registered["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/*"
    );

    // A file changed on disk and a new one: recounted alone.
    fs::write(
        root.join("notes/c.txt"),
        "One Acme gateway.\nTwo: Acme gateway, Acme gateway.\n",
    )
    .unwrap();
    fs::write(root.join("docs/new.md"), "A new Acme gateway page.\n").unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": file_uri(&root.join("notes/c.txt")), "type": 2},
            {"uri": file_uri(&root.join("docs/new.md")), "type": 1},
        ]}),
    );
    let expected = scan_uses(root, "acme-gateway");
    let title = count_title_until(&mut server, &uri, 0, true, |t| {
        t == format!("used {expected}× in this workspace")
    });
    assert_eq!(title, format!("used {expected}× in this workspace"));

    // An open document's unsaved text counts instead of its file.
    let c = file_uri(&root.join("notes/c.txt"));
    let on_disk = fs::read_to_string(root.join("notes/c.txt")).unwrap();
    server.open(&c, "plaintext", &on_disk);
    server.diagnostics(&c, Some(1));
    server.change(
        &c,
        2,
        json!([{"text": "No gateway here any more.\nAcme gateway, Acme gateway, Acme gateway, Acme gateway.\n"}]),
    );
    server.diagnostics(&c, Some(2));
    // scan counts three uses in the file on disk; the editor's text has four.
    assert_eq!(
        count_title(&mut server, &uri, 0),
        format!("used {}× in this workspace", expected + 1)
    );
    // Closed unsaved: the file on disk counts again.
    server.notify("textDocument/didClose", json!({"textDocument": {"uri": c}}));
    assert_eq!(
        count_title(&mut server, &uri, 0),
        format!("used {expected}× in this workspace")
    );

    // A walk that stops at its budget says how far it got.
    server.command_ok("llmops.debug.usesBudget", json!([2]));
    fs::write(root.join(".ignore"), "build/\n# changed\n").unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join(".ignore")), "type": 2}]}),
    );
    let title = count_title_until(&mut server, &uri, 0, true, |t| {
        t.contains("(first 2 files)")
    });
    assert!(
        title.starts_with("used ≥") && title.ends_with("(first 2 files)")
            || title == "not used in the first 2 files",
        "{title}"
    );
}

/// `imports` entries: the folder typed so far completes (over several
/// lines too), and go to definition opens the files an entry names.
#[test]
fn imports_complete_paths_and_go_to_the_files_they_name() {
    let team = "imports = [\n  \"../platform/llmops/*.toml\",\n  \"../pl\",\n]\n";
    let ws = workspace(team);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.team);
    let list = server.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 8}}),
    );
    let labels: Vec<&str> = list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, ["../platform/"], "{list:#}");
    let location = server.result(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 10}}),
    );
    let uris: Vec<&str> = location
        .as_array()
        .map(|l| l.iter().filter_map(|l| l["uri"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(uris.len(), 1, "{location:#}");
    assert!(
        uris[0].ends_with("platform/llmops/shared.toml"),
        "{location:#}"
    );
}

/// A hover on an `imports` entry says which files it brings in (the ones
/// go to definition opens) and what each adds; an entry that names nothing
/// says why. (Typed into the open pack: the pack is then in error, and the
/// last good content, with the first import's term, stays in use.)
#[test]
fn a_hover_on_an_import_lists_its_files_and_what_they_add() {
    let team = "imports = [\n  \"../platform/llmops/*.toml\",\n]\n";
    let ws = workspace(team);
    let (mut server, _) = start(&ws, json!({}));
    let uri = open(&mut server, &ws.team);
    let found = markdown(&hover_at(&mut server, &uri, team, 1, "platform", 0));
    assert!(
        found.contains("brings in 1 pack file")
            && found.contains("platform/llmops/shared.toml*: 1 term, 0 exercises in use"),
        "{found}"
    );
    let typed = "imports = [\n  \"../platform/llmops/*.toml\",\n  \"../nowhere/x.toml\",\n  \"../platform/llmops/none-*.toml\",\n]\n";
    server.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}, "text": typed}]),
    );
    let missing = markdown(&hover_at(&mut server, &uri, typed, 2, "nowhere", 0));
    assert!(
        missing.contains("names no pack") && missing.contains("cannot be opened"),
        "{missing}"
    );
    let none = markdown(&hover_at(&mut server, &uri, typed, 3, "none", 0));
    assert!(none.contains("matches no file"), "{none}");
    let still = markdown(&hover_at(&mut server, &uri, typed, 1, "platform", 0));
    assert!(still.contains("1 term, 0 exercises in use"), "{still}");
}
