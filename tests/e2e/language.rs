//! The main job over stdio: initialize, spotting, hover, code actions,
//! positions in both encodings, incremental sync.

use expect_test::expect;
use serde_json::{Value, json};

use crate::support::fixture::check_diagnostics;
use crate::support::*;

const DOC: &str = "file:///tmp/notes.md";

#[test]
fn initialize_advertises_the_contract() {
    let (server, result) = Server::initialized(Start::default(), json!({}), Value::Null);
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert!(caps["codeActionProvider"].is_object());
    let commands: Vec<&str> = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in [
        "llmops.openExercise",
        "llmops.answerExercise",
        "llmops.listExercises",
        "llmops.progress",
    ] {
        assert!(commands.contains(&c), "{c} missing from {commands:?}");
    }
    assert_eq!(result["serverInfo"]["name"], "llmops-lsp");
    assert!(server.stop().success());
}

#[test]
fn utf8_is_negotiated_when_offered() {
    let caps = json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}});
    let (mut server, result) = Server::initialized(Start::default(), caps, Value::Null);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    server.open(DOC, "markdown", "😀中 TTFT\r\nx");
    let d = server.diagnostics(DOC, Some(1));
    // "😀" is 4 bytes, "中" 3, then a space: TTFT starts at byte 8.
    assert_eq!(ranges(&d), [(0, 8, 12, "ttft".into())]);
}

/// Every form of a term (case, identifier styles, acronym) is marked with
/// its exact range as a hint (severity 4); ordinary words that only look
/// like parts of terms (the last line) are not.
#[test]
fn terms_are_published_as_hints_with_exact_ranges() {
    check_diagnostics(
        "markdown",
        Value::Null,
        "We keep prompts in a Prompt Registry.\n\
         let ttft_ms = measure(); // TTFT and time to first token\n\
         MODEL_ALIAS = \"prod\"; promptRegistry.get(); PromptRegistry()\n\
         Run a prompt A/B test and watch quality drift.\n\
         An alias, a drift, a trace, a span, a registry; ttfts attft.\n",
        expect![[r#"
            We keep prompts in a Prompt Registry.
                                 ^^^^^^^^^^^^^^^ prompt-registry (sev 4): Prompt registry (LLMOps term)
            let ttft_ms = measure(); // TTFT and time to first token
                ^^^^ ttft (sev 4): Time to first token (LLMOps term)
                                        ^^^^ ttft (sev 4): Time to first token (LLMOps term)
                                                 ^^^^^^^^^^^^^^^^^^^ ttft (sev 4): Time to first token (LLMOps term)
            MODEL_ALIAS = "prod"; promptRegistry.get(); PromptRegistry()
            ^^^^^^^^^^^ model-alias (sev 4): Model alias (LLMOps term)
                                  ^^^^^^^^^^^^^^ prompt-registry (sev 4): Prompt registry (LLMOps term)
                                                        ^^^^^^^^^^^^^^ prompt-registry (sev 4): Prompt registry (LLMOps term)
            Run a prompt A/B test and watch quality drift.
                  ^^^^^^^^^^^^^^^ prompt-ab-test (sev 4): Prompt A/B test (LLMOps term)
                                            ^^^^^^^^^^^^^ quality-drift (sev 4): Quality drift (LLMOps term)
            An alias, a drift, a trace, a span, a registry; ttfts attft.
        "#]],
    );
}

#[test]
fn positions_count_utf16_units_with_emoji_cjk_and_crlf() {
    let mut server = Server::new_default();
    let text = "😀😀 model alias\r\n中文：TTFT。\r\n\r\né quality drift 👍🏽 TTFT";
    server.open(DOC, "plaintext", text);
    let d = server.diagnostics(DOC, Some(1));
    let expect: Vec<(u64, u64, u64, String)> = vec![
        (0, 5, 16, "model-alias".into()),
        (1, 3, 7, "ttft".into()),
        (3, 2, 15, "quality-drift".into()),
        (3, 21, 25, "ttft".into()),
    ];
    assert_eq!(ranges(&d), expect);
    // Hover inside the CJK line, and at the emoji's second unit before it.
    let hover = server.hover(DOC, 1, 4);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Time to first token")
    );
    assert_eq!(hover["range"]["start"], json!({"line": 1, "character": 3}));
    assert_eq!(server.hover(DOC, 0, 1), Value::Null);
}

#[test]
fn hover_explains_a_term_and_is_null_elsewhere() {
    let mut server = Server::new_default();
    server.open(
        DOC,
        "markdown",
        "Our prompt_registry module.\nplain words\n",
    );
    server.diagnostics(DOC, Some(1));
    let hover = server.hover(DOC, 0, 8);
    let md = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(md.starts_with("**Prompt registry**"), "{md}");
    assert!(md.contains("Related:"), "{md}");
    assert!(md.contains("Exercise: *Why a prompt registry?*"), "{md}");
    assert_eq!(hover["range"]["start"]["character"], 4);
    assert_eq!(hover["range"]["end"]["character"], 19);
    assert_eq!(server.hover(DOC, 1, 3), Value::Null);
    assert_eq!(server.hover(DOC, 0, 0), Value::Null);
}

#[test]
fn code_action_opens_the_terms_exercise() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "Track TTFT closely.\n");
    let d = server.diagnostics(DOC, Some(1));
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 7}},
               "context": {"diagnostics": d}}),
    );
    let learn = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Learn:")))
        .expect("a Learn action");
    let content = llmops_core::Content::builtin().unwrap();
    assert_eq!(
        learn["title"],
        format!(
            "Learn: Time to first token (exercise {} of {})",
            content.exercise_number("ttft-1").unwrap(),
            content.exercises.len()
        )
    );
    assert_eq!(learn["command"]["command"], "llmops.openExercise");
    // With the spot it was offered at: no workspace folder, so the file name.
    assert_eq!(
        learn["command"]["arguments"],
        json!([{"exerciseId": "ttft-1", "from": {
            "uri": DOC, "line": 0, "character": 6,
            "path": DOC.rsplit('/').next().unwrap(), "text": "Track TTFT closely.",
        }}])
    );
    assert_eq!(learn["diagnostics"][0]["code"], "ttft");
    // No actions away from terms.
    let none = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 2}},
               "context": {"diagnostics": []}}),
    );
    assert_eq!(none, json!([]));
}

#[test]
fn rapid_edits_apply_in_order_and_diagnostics_follow() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "");
    server.diagnostics(DOC, Some(1));
    // Type 200 characters, one change per keystroke, without waiting.
    let typed: String =
        "We measure TTFT; the model alias points at v2. ".repeat(5)[..200].to_string();
    let mut line_text = String::new();
    for (i, c) in typed.chars().enumerate() {
        let at = line_text.encode_utf16().count();
        server.change(
            DOC,
            2 + i as i64,
            json!([{"range": {"start": {"line": 0, "character": at}, "end": {"line": 0, "character": at}},
                    "text": c.to_string()}]),
        );
        line_text.push(c);
    }
    let last = 1 + typed.chars().count() as i64;
    let d = server.diagnostics(DOC, Some(last));
    let expected: Vec<(u64, u64, u64, String)> = {
        let mut v = Vec::new();
        for (start, word, code) in typed
            .match_indices("TTFT")
            .map(|(i, w)| (i, w, "ttft"))
            .chain(
                typed
                    .match_indices("model alias")
                    .map(|(i, w)| (i, w, "model-alias")),
            )
        {
            v.push((
                0,
                start as u64,
                (start + word.len()) as u64,
                code.to_string(),
            ));
        }
        v.sort();
        v
    };
    assert_eq!(ranges(&d), expected);
    // A multi-line edit then shifts everything down one line.
    server.change(
        DOC,
        last + 1,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "text": "intro\n"}]),
    );
    let d = server.diagnostics(DOC, Some(last + 1));
    let shifted: Vec<_> = expected
        .iter()
        .map(|(_, s, e, c)| (1, *s, *e, c.clone()))
        .collect();
    assert_eq!(ranges(&d), shifted);
}

#[test]
fn out_of_range_positions_are_clamped_or_null() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "TTFT\n");
    server.diagnostics(DOC, Some(1));
    assert_eq!(server.hover(DOC, 999, 0), Value::Null);
    let far = server.hover(DOC, 0, 9999);
    assert_eq!(
        far,
        Value::Null,
        "past the end of the line is not on the term"
    );
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 4000000, "character": 4000000}},
               "context": {"diagnostics": []}}),
    );
    assert!(
        actions
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["title"].as_str().unwrap().starts_with("Learn:"))
    );
    // An edit past the end appends at the end.
    server.change(
        DOC,
        2,
        json!([{"range": {"start": {"line": 50, "character": 3}, "end": {"line": 60, "character": 0}},
                "text": "model alias"}]),
    );
    let d = server.diagnostics(DOC, Some(2));
    assert_eq!(
        ranges(&d),
        [
            (0, 0, 4, "ttft".to_string()),
            (1, 0, 11, "model-alias".to_string())
        ]
    );
}

#[test]
fn a_closed_document_is_cleared_and_can_be_reopened() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "TTFT");
    assert_eq!(server.diagnostics(DOC, Some(1)).len(), 1);
    server.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": DOC}}),
    );
    server.diagnostics_until(DOC, |d| d.is_empty());
    assert_eq!(server.hover(DOC, 0, 1), Value::Null);
    server.open_version(DOC, "markdown", "x model alias", 7);
    let d = server.diagnostics(DOC, Some(7));
    assert_eq!(ranges(&d), [(0, 2, 13, "model-alias".to_string())]);
}

#[test]
fn full_document_changes_are_supported() {
    let mut server = Server::new_default();
    server.open(DOC, "markdown", "TTFT");
    server.diagnostics(DOC, Some(1));
    server.change(DOC, 2, json!([{"text": "nothing here\nquality drift"}]));
    let d = server.diagnostics(DOC, Some(2));
    assert_eq!(ranges(&d), [(1, 0, 13, "quality-drift".to_string())]);
}
