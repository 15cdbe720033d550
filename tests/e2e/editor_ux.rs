//! What the editors need to feel native: short diagnostic messages, clean
//! hovers (command links only for clients that run them), a stable
//! code-action menu with kinds that auto-fix leaves alone, known terms
//! without inlay hints, ignore comments that keep Markdown lists whole, and
//! the term page.

use expect_test::expect;
use pulldown_cmark::{Event, Parser, Tag};
use serde_json::{Value, json};

use crate::support::fixture::check_diagnostics;
use crate::support::*;

const DOC: &str = "file:///tmp/ux.md";

fn code_actions(server: &mut Server, uri: &str, line: u32, character: u32) -> Vec<Value> {
    server
        .result(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": line, "character": character},
                             "end": {"line": line, "character": character}},
                   "context": {"diagnostics": []}}),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn titles(actions: &[Value]) -> Vec<String> {
    actions
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn diagnostic_messages_name_the_term_and_leave_the_definition_to_the_hover() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "Our TTFT doubled.\n");
    let d = server.diagnostics(DOC, Some(1));
    assert_eq!(d[0]["message"], "Time to first token (LLMOps term)");
    let hover = server.hover(DOC, 0, 5);
    let md = hover["contents"]["value"].as_str().unwrap();
    let page = server.command_ok("llmops.termPage", json!([{"termId": "ttft"}]));
    let definition = page["definition"].as_str().unwrap();
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat(md).contains(&flat(definition)), "{md}");
}

#[test]
fn hovers_have_no_escapes_or_file_links_and_fit_a_terminal() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "Our TTFT doubled.\n");
    server.diagnostics(DOC, Some(1));
    let md = server.hover(DOC, 0, 5)["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in ["\\-", "\\.", "\\'", "file://", "#L", "command:"] {
        assert!(!md.contains(bad), "{bad} in\n{md}");
    }
    assert!(md.lines().all(|l| l.chars().count() <= 76), "{md}");
    assert!(md.contains("first-token latency"), "{md}");
}

#[test]
fn hovers_link_learn_and_related_terms_to_our_commands_when_the_client_runs_them() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {}, "client": {"commandLinks": true}}),
    );
    server.open(DOC, "markdown", "Our TTFT doubled.\n");
    server.diagnostics(DOC, Some(1));
    let md = server.hover(DOC, 0, 5)["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let targets: Vec<String> = Parser::new(&md)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect();
    assert!(targets.len() >= 2, "{md}");
    assert!(
        targets
            .iter()
            .all(|t| t.starts_with("command:llmops.termPage?")
                || t.starts_with("command:llmops.openExercise?")),
        "{targets:?}"
    );
    // Learn right under the title, before the related terms: beside the
    // panel a long definition scrolled a last Learn out of view.
    assert!(
        targets[0].starts_with("command:llmops.openExercise?"),
        "Learn link first: {targets:?}"
    );
    assert!(
        targets[1..]
            .iter()
            .all(|t| t.starts_with("command:llmops.termPage?")),
        "{targets:?}"
    );
}

#[test]
fn code_action_menu_is_stable_learn_is_first_and_preferred_and_nothing_is_a_quickfix() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "TTFT and the model alias.\n");
    server.diagnostics(DOC, Some(1));
    let before = code_actions(&mut server, DOC, 0, 1);
    let before_titles = titles(&before);
    assert_eq!(before_titles.len(), 4, "{before_titles:?}");
    assert!(
        before_titles[0].starts_with("Learn: Time to first token ("),
        "{before_titles:?}"
    );
    assert_eq!(
        before_titles[1..],
        [
            "I know this term: Time to first token",
            "Ignore LLMOps terms on this line",
            "Ignore LLMOps terms in this file",
        ]
    );
    assert_eq!(before[0]["kind"], "llmops.learn");
    assert_eq!(before[1]["kind"], "llmops.known");
    // Ctrl+. then Enter in VS Code runs the first quick fix if there is
    // one, else the first preferred action: only Learn may be either.
    assert_eq!(before[2]["kind"], "llmops.ignore");
    assert_eq!(before[3]["kind"], "llmops.ignore");
    let preferred: Vec<_> = before.iter().filter(|a| a["isPreferred"] == true).collect();
    assert_eq!(preferred.len(), 1, "{before:#?}");
    assert_eq!(preferred[0]["kind"], "llmops.learn");

    // Another term known: this term's menu does not change.
    server.command_ok("llmops.markKnown", json!([{"termId": "model-alias"}]));
    server.diagnostics_until(DOC, |d| d.len() == 1);
    let after = code_actions(&mut server, DOC, 0, 1);
    assert_eq!(titles(&after), titles(&before));
    // The known term's own menu offers its hints back, in the same place.
    let known = code_actions(&mut server, DOC, 0, 15);
    let known_titles = titles(&known);
    assert!(
        known_titles[0].starts_with("Learn: Model alias ("),
        "{known_titles:?}"
    );
    assert_eq!(known_titles[1], "Show hints for Model alias again");
    assert!(!titles(&known).iter().any(|t| t.contains("all known")));
    // A client asking for quick fixes only (an auto-fix mapping) gets
    // nothing: nothing in the menu is a quick fix it could apply.
    let quickfixes = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(titles(quickfixes.as_array().unwrap()), Vec::<String>::new());
    // Asking for our ignore kind finds the ignore comments (so `only`
    // still filters, and the empty answer above is not a broken filter).
    let ignores = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}},
               "context": {"diagnostics": [], "only": ["llmops.ignore"]}}),
    );
    assert_eq!(
        titles(ignores.as_array().unwrap()),
        [
            "Ignore LLMOps terms on this line",
            "Ignore LLMOps terms in this file"
        ]
    );
    // The editor asking on its own (VS Code's lightbulb, on every cursor
    // move) gets nothing, so no lightbulb sits on every line with a term;
    // the same request invoked by the user gets the whole menu.
    let automatic = |kind: u32| {
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}},
               "context": {"diagnostics": [], "triggerKind": kind}})
    };
    let auto = server.result("textDocument/codeAction", automatic(2));
    assert_eq!(titles(auto.as_array().unwrap()), Vec::<String>::new());
    let invoked = server.result("textDocument/codeAction", automatic(1));
    assert_eq!(titles(invoked.as_array().unwrap()), titles(&before));
    // Every known term comes back through the command.
    server.command_ok("llmops.forgetKnown", json!([]));
    server.diagnostics_until(DOC, |d| d.len() == 2);
}

#[test]
fn known_terms_lose_their_inlay_hints() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"inlayHints": true}}),
    );
    server.open(DOC, "markdown", "TTFT and TPOT\n");
    server.diagnostics(DOC, Some(1));
    let hints = |server: &mut Server| {
        server.result(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": DOC},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}),
        )
    };
    let before = hints(&mut server);
    assert!(
        before.to_string().contains("time to first token"),
        "{before}"
    );
    server.command_ok("llmops.markKnown", json!([{"termId": "ttft"}]));
    let after = hints(&mut server);
    assert!(
        !after.to_string().contains("time to first token"),
        "{after}"
    );
    // Only TTFT's hint went: TPOT keeps its own (an empty answer, or a
    // null one, would pass the check above).
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    assert!(count(&before) >= 2, "{before}");
    assert_eq!(count(&after), count(&before) - 1, "{after}");
}

/// Inlay hints show where hint diagnostics do: not on a line with an ignore
/// marker, not in a file that ignores itself, not with hints turned off.
#[test]
fn inlay_hints_follow_ignore_markers_and_the_severity() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"inlayHints": true}}),
    );
    let text = "TTFT first\nTTFT again <!-- llmops: ignore -->\n";
    server.open(DOC, "markdown", text);
    server.diagnostics(DOC, Some(1));
    let hints = |server: &mut Server| -> Vec<u64> {
        let found = server.result(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": DOC},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}}),
        );
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["position"]["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(hints(&mut server), [0], "the ignored line has none");
    server.change(
        DOC,
        2,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "text": "<!-- llmops: ignore-file -->\n"}]),
    );
    server.diagnostics(DOC, Some(2));
    assert_eq!(
        hints(&mut server),
        Vec::<u64>::new(),
        "the file ignores itself"
    );
    server.change(
        DOC,
        3,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
                "text": ""}]),
    );
    server.diagnostics(DOC, Some(3));
    assert_eq!(hints(&mut server), [0]);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"inlayHints": true, "severity": "off"}}}),
    );
    server.diagnostics_until(DOC, |d| d.is_empty());
    assert_eq!(hints(&mut server), Vec::<u64>::new(), "hints are off");
}

/// Applies a single insertion edit (LSP positions, ASCII text) to `text`.
fn apply(text: &str, edit: &Value) -> String {
    let line = edit["range"]["start"]["line"].as_u64().unwrap() as usize;
    let character = edit["range"]["start"]["character"].as_u64().unwrap() as usize;
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            offset += character;
            break;
        }
        offset += l.len();
    }
    let mut out = text.to_string();
    out.insert_str(offset, edit["newText"].as_str().unwrap());
    out
}

/// The structure a Markdown renderer sees: how many lists and items.
fn lists_and_items(md: &str) -> (usize, usize) {
    let mut lists = 0;
    let mut items = 0;
    for event in Parser::new(md) {
        match event {
            Event::Start(Tag::List(_)) => lists += 1,
            Event::Start(Tag::Item) => items += 1,
            _ => {}
        }
    }
    (lists, items)
}

#[test]
fn ignoring_a_markdown_list_item_keeps_the_list_whole_and_silences_it() {
    let mut server = Server::new_default();
    let text = "# Notes\n\n- first item\n- Time to first token fell.\n- last item\n";
    server.open(DOC, "markdown", text);
    server.diagnostics(DOC, Some(1));
    let actions = code_actions(&mut server, DOC, 3, 4);
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore LLMOps terms on this line")
        .expect("ignore action");
    let edit = &ignore["edit"]["changes"][DOC][0];
    assert_eq!(edit["newText"], " <!-- llmops: ignore -->");
    let edited = apply(text, edit);
    assert_eq!(
        edited,
        "# Notes\n\n- first item\n- Time to first token fell. <!-- llmops: ignore -->\n- last item\n"
    );
    assert_eq!(lists_and_items(&edited), (1, 3));
    assert_eq!(lists_and_items(&edited), lists_and_items(text));
    server.change(DOC, 2, json!([{"text": edited}]));
    assert!(server.diagnostics(DOC, Some(2)).is_empty());
}

#[test]
fn term_page_has_definition_aliases_related_terms_and_exercises() {
    let mut server = Server::new_default();
    let page = server.command_ok("llmops.termPage", json!([{"termId": "ttft"}]));
    assert_eq!(page["id"], "ttft");
    assert_eq!(page["name"], "Time to first token");
    assert!(
        page["definition"].as_str().unwrap().contains("first"),
        "{page}"
    );
    assert!(page["aliases"].as_array().unwrap().contains(&json!("TTFT")));
    assert_eq!(page["state"], "new");
    let related = page["related"].as_array().unwrap();
    assert!(
        !related.is_empty()
            && related
                .iter()
                .all(|r| r["id"].is_string() && r["name"].is_string())
    );
    let exercises = page["exercises"].as_array().unwrap();
    assert_eq!(exercises[0]["id"], "ttft-1");
    assert_eq!(exercises[0]["completed"], false);

    let right = right_choice("ttft-1");
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right}]),
    );
    let page = server.command_ok("llmops.termPage", json!([{"termId": "ttft"}]));
    assert_eq!(page["exercises"][0]["completed"], true);
    assert_eq!(page["state"], "learning");

    let error = server.command("llmops.termPage", json!([{"termId": "nope"}]));
    assert!(
        error["error"]["message"].as_str().unwrap().contains("nope"),
        "{error}"
    );
    let error = server.command("llmops.termPage", json!([]));
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("termId"),
        "{error}"
    );
}

#[test]
fn first_occurrence_only_code_marks_a_term_once_in_code_and_everywhere_in_prose() {
    let options = json!({"llmops": {"firstOccurrenceOnly": "code"}});
    check_diagnostics(
        "python",
        options.clone(),
        "ttft_ms = 1\nprint(ttft_ms)\n",
        expect![[r#"
            ttft_ms = 1
            ^^^^ ttft (sev 4): Time to first token (LLMOps term)
            print(ttft_ms)
        "#]],
    );
    check_diagnostics(
        "markdown",
        options,
        "TTFT here.\nTTFT there.\n",
        expect![[r#"
            TTFT here.
            ^^^^ ttft (sev 4): Time to first token (LLMOps term)
            TTFT there.
            ^^^^ ttft (sev 4): Time to first token (LLMOps term)
        "#]],
    );
}

/// "From your file": the Learn code action and the hover's Learn link carry
/// the spot they were offered at (URI, line, character, workspace-relative
/// path, the line's text made inert), and `openExercise` hands it back as
/// the view's `origin`. What a client sends back is checked again: a
/// malformed `from` is left out, the exercise still opens.
#[test]
fn an_exercise_opened_from_a_hint_starts_with_the_line_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("app")).unwrap();
    let file = root.join("app").join("assistant.py");
    let text = "import time\n\tlog(\"TTFT\", ttft_ms)  # \u{202E}x \n";
    std::fs::write(&file, text).unwrap();
    let uri = file_uri(&file);
    let root_uri = file_uri(root);
    let mut server = Server::start(Start::default());
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": root_uri,
               "workspaceFolders": [{"uri": root_uri, "name": "ws"}],
               "capabilities": {},
               "initializationOptions": {"llmops": {}, "client": {"commandLinks": true}}}),
    );
    server.notify("initialized", json!({}));
    server.open(&uri, "python", text);
    server.diagnostics_until(&uri, |d| !d.is_empty());

    let expected = json!({
        "uri": uri,
        "line": 1,
        "character": 6,
        "path": "app/assistant.py",
        "text": "log(\"TTFT\", ttft_ms)  # ⟨U+202E⟩x",
    });
    let actions = code_actions(&mut server, &uri, 1, 7);
    let learn = &actions[0]["command"];
    assert_eq!(learn["command"], "llmops.openExercise", "{actions:#?}");
    let arguments = learn["arguments"].clone();
    assert_eq!(arguments[0]["from"], expected, "{arguments}");
    let view = server.command_ok("llmops.openExercise", arguments);
    assert_eq!(view["origin"], expected, "{view}");

    // The hover's Learn link carries the same spot, inside its encoded target.
    let md = server.hover(&uri, 1, 7)["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let learn_target = Parser::new(&md)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .find(|t| t.starts_with("command:llmops.openExercise?"))
        .unwrap_or_else(|| panic!("no Learn link in {md}"));
    let encoded = learn_target.trim_start_matches("command:llmops.openExercise?");
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    let link_arguments: Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(link_arguments[0]["from"], expected, "{link_arguments}");

    // Sent back by a client that changed it: made inert, or left out.
    let tampered = server.command_ok(
        "llmops.openExercise",
        json!([{"exerciseId": "ttft-1", "from": {"uri": "file:///x.py", "line": 2,
                "path": "x.py", "text": "a\nb\u{200B}c"}}]),
    );
    assert_eq!(tampered["origin"]["text"], "a b⟨U+200B⟩c", "{tampered}");
    for bad in [
        json!("file:///x.py"),
        json!({"uri": "file:///x.py", "line": "2", "path": "x.py", "text": "t"}),
        json!({"uri": "file:///x.py", "line": 2, "text": "t"}),
    ] {
        let view = server.command_ok(
            "llmops.openExercise",
            json!([{"exerciseId": "ttft-1", "from": bad}]),
        );
        assert!(view.get("origin").is_none(), "{view}");
        assert_eq!(view["id"], "ttft-1");
    }
}
