//! Hostile input: what a cloned repository (or a misconfigured editor) can
//! throw at the server, each with the time or memory bound it must stay
//! within. Bounds are generous enough for a loaded 2-core CI machine and
//! tight enough to catch the quadratic and unbounded cases these attacks
//! used to hit (minutes, gigabytes, a server that never answered again).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

const GOOD: &str = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\n\
                    definition = \"Our internal proxy in front of every model provider.\"\n";

fn workspace(pack: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".llmops")).unwrap();
    fs::write(dir.path().join(".llmops/team.toml"), pack).unwrap();
    dir
}

fn start_in(root: &Path) -> Server {
    start_in_with(root, Start::default())
}

fn start_in_with(root: &Path, start: Start) -> Server {
    let mut server = Server::start(start);
    let uri = file_uri(root);
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri,
               "workspaceFolders": [{"uri": uri, "name": "ws"}],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    server.notify("initialized", json!({}));
    server
}

fn changed(server: &mut Server, paths: &[&Path]) {
    let changes: Vec<Value> = paths
        .iter()
        .map(|p| json!({"uri": file_uri(p), "type": 2}))
        .collect();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": changes }),
    );
}

/// Time for a hover to be answered.
fn hover_time(server: &mut Server, uri: &str) -> Duration {
    let started = Instant::now();
    server.hover(uri, 0, 1);
    started.elapsed()
}

#[test]
fn fifo_and_device_packs_never_block_the_server() {
    let ws = workspace(GOOD);
    let doc = file_uri(&ws.path().join("a.md"));
    let fifo = ws.path().join(".llmops/fifo.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let zero = ws.path().join(".llmops/zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    // Present at start, and announced by watched-file events later.
    let mut server = start_in(ws.path());
    server.open(&doc, "markdown", "Acme gateway");
    changed(&mut server, &[&fifo, &zero]);
    // A blocked reader would hold hovers forever; 10 s is room for a
    // loaded machine, not for a hang.
    assert!(hover_time(&mut server, &doc) < Duration::from_secs(10));
    let errors = server.diagnostics_until(&file_uri(&fifo), |d| !d.is_empty());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{errors:?}"
    );
    let errors = server.diagnostics_until(&file_uri(&zero), |d| !d.is_empty());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("outside the workspace")
    );
    let started = Instant::now();
    assert!(server.stop().success());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_pack_symlinked_out_of_the_workspace_is_not_served() {
    let top = tempfile::tempdir().unwrap();
    let secret = top.path().join("secret.toml");
    fs::write(
        &secret,
        "[[term]]\nid = \"wombat\"\nname = \"Wombat\"\ndefinition = \"SECRET-DEFINITION.\"\n",
    )
    .unwrap();
    let ws = top.path().join("ws");
    fs::create_dir_all(ws.join(".llmops")).unwrap();
    let link = ws.join(".llmops/x.toml");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let doc = file_uri(&ws.join("a.md"));
    let mut server = start_in(&ws);
    server.open(&doc, "markdown", "Wombat TTFT");
    let d = server.diagnostics(&doc, Some(1));
    assert_eq!(d.len(), 1, "only the built-in TTFT: {d:?}");
    assert!(!server.hover(&doc, 0, 1).to_string().contains("SECRET"));
    let errors = server.diagnostics_until(&file_uri(&link), |d| !d.is_empty());
    let text = serde_json::to_string(&errors).unwrap();
    assert!(text.contains("outside the workspace"), "{text}");
    assert!(
        !text.contains("wombat"),
        "nothing of the file leaks: {text}"
    );
}

#[test]
fn storms_of_watched_file_events_coalesce() {
    let ws = workspace(GOOD);
    let pack = ws.path().join(".llmops/team.toml");
    let mut server = start_in(ws.path());
    let docs: Vec<String> = (0..50)
        .map(|i| file_uri(&ws.path().join(format!("d{i}.md"))))
        .collect();
    for doc in &docs {
        server.open(doc, "markdown", &"Acme gateway and TTFT. ".repeat(200));
    }
    server.diagnostics(&docs[49], Some(1));
    server.drain(Duration::from_millis(300));
    let started = Instant::now();
    for _ in 0..200 {
        changed(&mut server, &[&pack, &pack, &pack]);
    }
    let hover = hover_time(&mut server, &docs[0]);
    assert!(
        hover < Duration::from_secs(5),
        "hover during the storm: {hover:?}"
    );
    // A positive sync point: the last change renames the term, and the
    // storm has settled once every document shows the new name. Everything
    // the storm caused arrived before that.
    fs::write(&pack, GOOD.replace("Acme gateway", "Acme settled gateway")).unwrap();
    changed(&mut server, &[&pack]);
    for doc in &docs {
        let text = "Acme settled gateway. ".repeat(200);
        server.change(doc, 2, json!([{ "text": text }]));
    }
    let mut published = 0;
    let mut settled = std::collections::HashSet::new();
    while settled.len() < docs.len() {
        let m = server.wait_for(Duration::from_secs(30), |m| {
            m["method"] == "textDocument/publishDiagnostics"
        });
        published += 1;
        let shows_new = m["params"]["diagnostics"].as_array().is_some_and(|d| {
            d.iter().any(|d| {
                d["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Acme settled gateway")
            })
        });
        if shows_new {
            settled.insert(m["params"]["uri"].as_str().unwrap_or("").to_string());
        }
    }
    let took = started.elapsed();
    // Generous for a loaded 2-core machine; without coalescing the 600
    // reloads re-spot 50 documents of 200 hits each and take minutes.
    assert!(took < Duration::from_secs(30), "{took:?}");
    // 600 events, 50 documents: each reload re-spots them all, so without
    // coalescing this would be 30,000 publications.
    assert!(published <= 50 * 20, "{published} publications");
    assert!(published >= 50, "{published} publications");
}

#[test]
fn a_long_definition_gives_short_hints() {
    let definition = "word ".repeat(790); // 3,950 characters, no sentence break
    let ws = workspace(&format!(
        "[[term]]\nid = \"wombat\"\nname = \"Wombat\"\ndefinition = \"{definition}\"\n"
    ));
    let doc = file_uri(&ws.path().join("a.md"));
    let mut server = start_in(ws.path());
    let started = Instant::now();
    server.open(&doc, "markdown", &"Wombat ".repeat(1000));
    let d = server.diagnostics_until(&doc, |d| d.len() == 1000);
    assert!(started.elapsed() < Duration::from_secs(20));
    for diagnostic in &d {
        let message = diagnostic["message"].as_str().unwrap();
        assert!(message.chars().count() <= 300, "{}", message.len());
    }
    // A definition over the cap is an error on the pack, not a megabyte per hint.
    let pack = ws.path().join(".llmops/team.toml");
    fs::write(
        &pack,
        format!(
            "[[term]]\nid = \"wombat\"\nname = \"Wombat\"\ndefinition = \"{}\"\n",
            "x".repeat(1 << 20)
        ),
    )
    .unwrap();
    changed(&mut server, &[&pack]);
    let errors = server.diagnostics_until(&file_uri(&pack), |d| !d.is_empty());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("field `definition` is 1048576 characters long"),
        "{errors:?}"
    );
    assert_eq!(errors[0]["range"]["start"]["line"], 3);
}

#[test]
fn a_twenty_thousand_word_alias_is_refused_and_matching_stays_linear() {
    let alias = "spam ".repeat(20_000);
    let twelve = "spam ".repeat(12);
    let ws = workspace(&format!(
        "[[term]]\nid = \"spam\"\nname = \"Spam\"\naliases = [\"{alias}\"]\ndefinition = \"d\"\n\
         [[term]]\nid = \"spam12\"\nname = \"{twelve}\"\ndefinition = \"d\"\n"
    ));
    let pack = file_uri(&ws.path().join(".llmops/team.toml"));
    let doc = file_uri(&ws.path().join("a.md"));
    let mut server = start_in(ws.path());
    let errors = server.diagnostics_until(&pack, |d| !d.is_empty());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("field `aliases`")
    );
    // The longest phrase a pack may have, against 120 KB of its first word.
    let ws2 = workspace(&format!(
        "[[term]]\nid = \"spam12\"\nname = \"{} eggs\"\ndefinition = \"d\"\n",
        "spam ".repeat(11)
    ));
    let mut server2 = start_in(ws2.path());
    // Four times the text, about four times the time (best of three each):
    // a walk that restarted at every word would be sixteen.
    server2.open(&doc, "markdown", "");
    server2.diagnostics(&doc, Some(1));
    let mut version = 1;
    let mut time = |words: usize| {
        (0..3)
            .map(|_| {
                version += 1;
                let text = "spam ".repeat(words);
                let started = Instant::now();
                server2.change(&doc, version, json!([{ "text": text }]));
                server2.diagnostics(&doc, Some(version));
                started.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let small = time(6_000);
    let big = time(24_000);
    assert!(
        big < small * 8 + Duration::from_millis(300),
        "6,000 words {small:?}, 24,000 words {big:?}"
    );
    drop(server);
}

/// A process: a time bound on loading a 100,000-term pack, measured in a
/// process of its own. In the test process, where other tests' servers share
/// the allocator and threads, it ran 6 s to 12 s on the loaded 2-core
/// machine and once passed the harness's 10 s wait for `initialize`.
#[test]
fn a_hundred_thousand_term_pack_does_not_freeze_the_server() {
    let pack: String = (0..100_000)
        .map(|i| {
            format!("[[term]]\nid = \"t{i}\"\nname = \"w{i}x term\"\ndefinition = \"Term {i}.\"\n")
        })
        .collect();
    let ws = workspace(&pack);
    let started = Instant::now();
    let mut server = start_in_with(ws.path(), Start::process());
    let initialize = started.elapsed();
    // About 0.6 s of CPU (parse, merge, matcher) with the release binary:
    // 0.7 to 1.7 s of wall time on this 2-core machine at a load of 6 to 10,
    // up to 2.7 s with a build running beside it; the bound leaves room for
    // that. It took 10 s (20 s at worst) before the load path was reworked.
    // A bound for a loaded machine that still catches the 10-20 s of the
    // quadratic load; the figure itself is `core/benches/pack_load.rs`'s.
    assert!(
        initialize < Duration::from_secs(20),
        "initialize took {initialize:?}"
    );
    let doc = file_uri(&ws.path().join("a.md"));
    server.open(&doc, "markdown", "see w99999x term");
    assert_eq!(server.diagnostics(&doc, Some(1)).len(), 1);
}

#[test]
fn typing_in_a_big_open_pack_does_not_stall_other_requests() {
    let pack: String = (0..10_000)
        .map(|i| {
            format!("[[term]]\nid = \"t{i}\"\nname = \"w{i}x term\"\ndefinition = \"Term {i}.\"\n")
        })
        .collect();
    let ws = workspace(&pack);
    let pack_uri = file_uri(&ws.path().join(".llmops/team.toml"));
    let doc = file_uri(&ws.path().join("a.md"));
    let mut server = start_in(ws.path());
    server.open(&doc, "markdown", "TTFT");
    server.diagnostics(&doc, Some(1));
    server.open(&pack_uri, "toml", &pack);
    let (mut slowest, mut total) = (Duration::ZERO, Duration::ZERO);
    for version in 2..22 {
        // Type a character at the end of the pack, then ask for a hover.
        server.change(
            &pack_uri,
            version,
            json!([{"range": {"start": {"line": 40_000, "character": 0}, "end": {"line": 40_000, "character": 0}}, "text": "#"}]),
        );
        let took = hover_time(&mut server, &doc);
        slowest = slowest.max(took);
        total += took;
    }
    // Checked in line, each keystroke held every request for seconds.
    assert!(
        slowest < Duration::from_secs(5),
        "slowest hover {slowest:?}"
    );
    assert!(total < Duration::from_secs(20), "20 hovers took {total:?}");
    // The latest version is the one checked in the end.
    server.change(
        &pack_uri,
        22,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "[[term]\n"}]),
    );
    let errors = server.diagnostics_until(&pack_uri, |d| !d.is_empty());
    assert_eq!(errors[0]["range"]["start"]["line"], 0);
}

#[test]
fn out_of_range_settings_are_reported_and_ignored() {
    let mut server = Server::start(Start::default());
    server.initialize(
        json!({}),
        json!({"mastery": 4294967296u64, "exclude": ["[bad", "**/*.lock"]}),
    );
    server.notify("initialized", json!({}));
    let warnings: Vec<String> = (0..2)
        .map(|_| {
            server.wait_for(WAIT, |m| m["method"] == "window/showMessage")["params"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("mastery") && w.contains("1 to 20")),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.contains("[bad")), "{warnings:?}");
    server.open("file:///tmp/x/Cargo.lock", "toml", "TTFT");
    assert!(
        server
            .diagnostics("file:///tmp/x/Cargo.lock", Some(1))
            .is_empty(),
        "the good glob applies"
    );
}

/// Memory per open document is returned when it closes: three rounds of
/// opening and closing 10,000 documents end at about the same resident size.
/// A process: resident memory is measured per process, and a test process
/// holds every other test's memory too.
#[test]
fn ten_thousand_documents_opened_and_closed_three_times_leave_no_growth() {
    let mut server = Server::start(Start::process());
    server.initialize(json!({}), Value::Null);
    server.notify("initialized", json!({}));
    let pid = server.pid();
    let text = "TTFT and a prompt registry with a model alias. ".repeat(40);
    let (mut open, mut after) = (Vec::new(), Vec::new());
    for round in 0..3 {
        for i in 0..10_000 {
            server.open(
                &format!("file:///tmp/soak/{round}/{i}.md"),
                "markdown",
                &text,
            );
        }
        server.hover("file:///tmp/none.md", 0, 0);
        server.drain(Duration::from_millis(500));
        open.push(rss_kib(pid));
        for i in 0..10_000 {
            server.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": format!("file:///tmp/soak/{round}/{i}.md")}}),
            );
        }
        // A request answered means every notification before it is applied.
        server.hover("file:///tmp/none.md", 0, 0);
        server.drain(Duration::from_millis(500));
        after.push(rss_kib(pid));
    }
    eprintln!("resident KiB with 10,000 open: {open:?}; after closing: {after:?}");
    assert!(
        after[2] <= after[0] + after[0] / 5 + 8 * 1024,
        "resident KiB after each round: {after:?}"
    );
    assert!(
        after[2] < 200 * 1024,
        "resident KiB after each round: {after:?}"
    );
}

/// Every invisible control the server marks (see `is_invisible_control`).
/// Characters that change how text looks without being seen, listed here
/// from the Unicode charts rather than taken from the server's own
/// predicate (which could miss one and so never fail this test): C0 but tab
/// and line breaks, DEL and C1, the Arabic letter mark, the Mongolian vowel
/// separator, zero-width characters and direction marks, line and paragraph
/// separators, embeddings and overrides, invisible operators, isolates, the
/// BOM, interlinear annotations and tag characters.
fn has_invisible_control(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F
            | 0x061C | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E
            | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF | 0xFFF9..=0xFFFB
            | 0xE0000..=0xE007F)
    })
}

/// A team pack whose text hides direction overrides and zero-width
/// characters in every kind of field.
const HOSTILE: &str = r#"
[[module]]
id = "evil-mod"
name = "Evil\u202Emodule"
order = 1
summary = "Sum\u200Bmary."

[[term]]
id = "evil-term"
name = "Evil\u202Eterm"
aliases = ["EVT"]
definition = "Defined\u2066 here."
module = "evil-mod"

[[term]]
id = "zero-term"
name = "Zero\u200Bwidth term"
aliases = ["ZWT"]
definition = "No exercise\u001B]0;PWNED\u0007: its question is generated from the glossary."

[[exercise]]
id = "evil-ex"
term = "evil-term"
title = "Ti\u202Etle"
scenario = "Sce\u200Bnario."
question = "Ques\u202Etion?"
choices = ["One\u202E", "Two", "Three", "Four"]
answer = 0
explanation = "Expla\u200Bnation."
"#;

/// A team pack whose text hides direction overrides and zero-width
/// characters: every road on which pack text leaves the server shows them
/// as `⟨U+…⟩` markers, never raw. Roads: hint diagnostics (Problems panel),
/// code action titles, inlay hints, hovers, every command result that
/// carries names (exercise view, list, progress, term page, generated
/// question), pack error diagnostics and command error messages.
#[test]
fn invisible_characters_in_pack_text_are_marked_on_every_road_out() {
    let ws = workspace(HOSTILE);
    // A broken pack whose error messages quote a hostile id.
    let bad = ws.path().join(".llmops/bad.toml");
    fs::write(
        &bad,
        "[[term]]\nid = \"bad\\u202Eid\"\nname = \"Bad one\"\ndefinition = \"\"\n",
    )
    .unwrap();
    // A pack file whose name hides an override and a line separator.
    let named = ws.path().join(".llmops/ev\u{202E}il\u{2028}.toml");
    fs::write(&named, "[[term]]\nid = \"x\"\n").unwrap();
    let mut server = Server::start(Start::default());
    let uri = file_uri(ws.path());
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri,
               "workspaceFolders": [{"uri": uri, "name": "ws"}],
               "capabilities": {},
               "initializationOptions": {"llmops": {"inlayHints": true}}}),
    );
    server.notify("initialized", json!({}));
    let doc = file_uri(&ws.path().join("a.md"));
    server.open(&doc, "markdown", "We route EVT and ZWT.\n");
    let mut roads: Vec<(&str, Value)> = Vec::new();

    let hints = server.diagnostics_until(&doc, |d| d.len() == 2);
    assert_eq!(hints[0]["message"], "Evil⟨U+202E⟩term (LLMOps term)");
    assert_eq!(hints[1]["message"], "Zero⟨U+200B⟩width term (LLMOps term)");
    roads.push(("hint diagnostics", json!(hints)));

    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc},
               "range": {"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 10}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"I know this term: Evil⟨U+202E⟩term"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Learn: Evil⟨U+202E⟩term")),
        "{titles:?}"
    );
    roads.push(("code action titles", actions.clone()));

    let inlay = server.result(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": doc},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}),
    );
    let labels: Vec<&str> = inlay
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["label"].as_str())
        .collect();
    assert!(labels.contains(&": evil⟨U+202E⟩term"), "{labels:?}");
    assert!(labels.contains(&": zero⟨U+200B⟩width term"), "{labels:?}");
    roads.push(("inlay hints", inlay));

    let hover = server.hover(&doc, 0, 10);
    assert!(hover.to_string().contains("⟨U+2066⟩"), "{hover}");
    roads.push(("hover", hover));

    let view = server.command_ok("llmops.openExercise", json!([{"termId": "evil-term"}]));
    assert_eq!(view["termName"], "Evil⟨U+202E⟩term", "{view}");
    assert_eq!(view["moduleName"], "Evil⟨U+202E⟩module", "{view}");
    assert_eq!(view["question"], "Ques⟨U+202E⟩tion?", "{view}");
    roads.push(("exercise view", view));
    let generated = server.command_ok("llmops.openExercise", json!([{"termId": "zero-term"}]));
    assert_eq!(generated["generated"], true, "{generated}");
    assert!(
        generated.to_string().contains("Zero⟨U+200B⟩width term"),
        "the generated question's choices are names: {generated}"
    );
    roads.push(("generated question", generated));
    let list = server.command_ok("llmops.listExercises", json!([]));
    assert!(list.to_string().contains("Evil⟨U+202E⟩module"), "{list}");
    roads.push(("exercise list", list));
    let progress = server.command_ok("llmops.progress", json!([]));
    assert!(
        progress.to_string().contains("Evil⟨U+202E⟩module"),
        "{progress}"
    );
    roads.push(("progress", progress));
    let page = server.command_ok("llmops.termPage", json!([{"termId": "evil-term"}]));
    assert!(page.to_string().contains("Evil⟨U+202E⟩term"), "{page}");
    roads.push(("term page", page));
    let answer = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "evil-ex", "choice": "a"}]),
    );
    roads.push(("answer", answer));
    let revealed = server.command_ok("llmops.revealAnswer", json!([{"exerciseId": "evil-ex"}]));
    assert!(revealed.to_string().contains("⟨U+"), "{revealed}");
    roads.push(("revealed answer", revealed));

    let pack_errors = server.diagnostics_until(&file_uri(&bad), |d| !d.is_empty());
    let messages: Vec<&str> = pack_errors
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("bad⟨U+202E⟩id")),
        "{messages:?}"
    );
    roads.push(("pack errors", json!(pack_errors)));

    let error = server.command("llmops.termPage", json!([{"termId": "no\u{202E}such"}]));
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no⟨U+202E⟩such"), "{error}");
    roads.push(("command error", error));

    // Every notice and log line sent so far (a request answered after them
    // is the sync point): the broken packs, the hostile file name.
    server.hover(&doc, 0, 0);
    let said: Vec<Value> = server
        .inbox
        .iter()
        .filter(|m| m["method"] == "window/showMessage" || m["method"] == "window/logMessage")
        .cloned()
        .collect();
    assert!(!said.is_empty(), "no notice about the broken packs");
    roads.push(("showMessage and logMessage", json!(said)));
    // Its URI is percent-encoded, so the name reaches clients inert there.
    let named_uri = format!(
        "{}/.llmops/ev%E2%80%AEil%E2%80%A8.toml",
        file_uri(ws.path())
    );
    let named_errors = server.diagnostics_until(&named_uri, |d| !d.is_empty());
    roads.push(("errors of a hostile file name", json!(named_errors)));

    for (road, value) in roads {
        let text = value.to_string();
        assert!(
            !has_invisible_control(&text),
            "{road} leaks a raw control: {text}"
        );
    }
}

/// The CLI prints names and pack errors to terminals, which reorder text
/// on direction overrides too: `scan`, `report` and `check` quote them
/// (`terminal.rs` has the escape sequences, newlines and file names).
#[test]
fn invisible_characters_are_marked_in_cli_output() {
    let ws = workspace(HOSTILE);
    fs::write(ws.path().join("a.md"), "We route EVT and ZWT.\n").unwrap();
    let bad = ws.path().join(".llmops/bad.toml");
    let run = |args: &[&str]| -> String {
        let out = std::process::Command::new(BIN)
            .args(args)
            .current_dir(ws.path())
            .env("LLMOPS_LSP_DATA_DIR", ws.path().join("data"))
            .output()
            .expect("run llmops-lsp");
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };
    for args in [
        &["scan", "a.md"][..],
        &["scan", "--format", "json", "a.md"],
        &["report", "a.md"],
        &["report", "--json", "a.md"],
    ] {
        let out = run(args);
        // Text quotes the name for the terminal; JSON carries it exactly,
        // its U+202E written as a JSON escape.
        let name = if args.contains(&"json") || args.contains(&"--json") {
            "Evil\\u202eterm"
        } else {
            "Evil\\u{202E}term"
        };
        assert!(out.contains(name), "{args:?}: {out}");
        if args.len() == 2 && args[0] == "scan" {
            // ESC would start a terminal escape sequence (here a new title).
            assert!(out.contains("exercise⟨U+001B⟩]0;PWNED⟨U+0007⟩:"), "{out}");
        }
        assert!(!has_invisible_control(&out), "{args:?}: {out}");
    }
    fs::write(
        &bad,
        "[[term]]\nid = \"bad\\u202Eid\"\nname = \"Bad one\"\ndefinition = \"\"\n",
    )
    .unwrap();
    let packs = ws.path().join(".llmops");
    let out = run(&["check", packs.to_str().unwrap()]);
    assert!(out.contains("bad\\u{202E}id"), "{out}");
    assert!(!has_invisible_control(&out), "{out}");
}
