//! Settings, noise control, known terms and spaced repetition.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

const DOC: &str = "file:///tmp/learn.md";

#[test]
fn severity_follows_init_options_and_runtime_configuration() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"severity": "information"}}),
    );
    server.open(DOC, "markdown", "TTFT");
    assert_eq!(server.diagnostics(DOC, Some(1))[0]["severity"], 3);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"severity": "warning"}}}),
    );
    server.diagnostics_until(DOC, |d| d.len() == 1 && d[0]["severity"] == 2);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"severity": "off"}}}),
    );
    server.diagnostics_until(DOC, |d| d.is_empty());
    // Hover keeps working when diagnostics are off.
    assert!(server.hover(DOC, 0, 1).is_object());
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"severity": "loud"}}}),
    );
    let shown = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap()
            .contains("llmops.severity")
    );
    server.diagnostics_until(DOC, |d| d.len() == 1 && d[0]["severity"] == 4);
}

#[test]
fn exclude_languages_size_and_first_occurrence_settings() {
    let options = json!({"llmops": {
        "exclude": ["**/*.lock", "vendor/**"],
        "languages": {"deny": ["rust"]},
        "maxFileBytes": 64,
        "firstOccurrenceOnly": true
    }});
    let (mut server, _) = Server::initialized(Start::default(), json!({}), options);
    server.open("file:///tmp/p/Cargo.lock", "toml", "TTFT");
    assert!(
        server
            .diagnostics("file:///tmp/p/Cargo.lock", Some(1))
            .is_empty()
    );
    server.open("file:///tmp/p/main.rs", "rust", "// TTFT");
    assert!(
        server
            .diagnostics("file:///tmp/p/main.rs", Some(1))
            .is_empty()
    );
    let big = format!("TTFT {}", "x ".repeat(40));
    server.open("file:///tmp/p/big.md", "markdown", &big);
    assert!(
        server
            .diagnostics("file:///tmp/p/big.md", Some(1))
            .is_empty()
    );
    assert!(
        server.hover("file:///tmp/p/big.md", 0, 1).is_object(),
        "hover works on big files"
    );
    server.open(DOC, "markdown", "TTFT TTFT model alias TTFT");
    let d = server.diagnostics(DOC, Some(1));
    assert_eq!(
        ranges(&d),
        [
            (0, 0, 4, "ttft".to_string()),
            (0, 10, 21, "model-alias".to_string())
        ]
    );
}

#[test]
fn ignore_comments_silence_lines_and_files_and_code_actions_insert_them() {
    let mut server = Server::new_default();
    let text = "TTFT // llmops: ignore\n# llmops: ignore-next-line\nTTFT\nmodel alias\n";
    server.open(DOC, "markdown", text);
    let d = server.diagnostics(DOC, Some(1));
    assert_eq!(ranges(&d), [(3, 0, 11, "model-alias".to_string())]);
    server.change(
        DOC,
        2,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "text": "<!-- llmops: ignore-file -->\n"}]),
    );
    assert!(server.diagnostics(DOC, Some(2)).is_empty());

    server.open("file:///tmp/x.py", "python", "    ttft_ms = 3\n");
    server.diagnostics("file:///tmp/x.py", Some(1));
    let edit = ignore_line_edit(&mut server, "file:///tmp/x.py", 0, 5);
    assert_eq!(edit["newText"], "    # llmops: ignore-next-line\n");
    assert_eq!(edit["range"]["start"], json!({"line": 0, "character": 0}));
}

#[test]
fn known_terms_are_hidden_everywhere_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = Start::with_data_dir(dir.path());
    let (mut server, _) = Server::initialized(start.clone(), json!({}), Value::Null);
    server.open(DOC, "markdown", "TTFT and model alias");
    assert_eq!(server.diagnostics(DOC, Some(1)).len(), 2);
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}},
               "context": {"diagnostics": []}}),
    );
    let know = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "I know this term: Time to first token")
        .expect("I know this term action")
        .clone();
    let command = &know["command"];
    server.command_ok(
        command["command"].as_str().unwrap(),
        command["arguments"].clone(),
    );
    let d = server.diagnostics_until(DOC, |d| d.len() == 1);
    assert_eq!(ranges(&d), [(0, 9, 20, "model-alias".to_string())]);
    let hover = server.hover(DOC, 0, 1);
    assert!(hover.to_string().contains("You know this term"), "{hover}");
    assert_eq!(server.command_ok("llmops.progress", json!([]))["known"], 1);
    assert!(server.stop().success());

    let (mut again, _) = Server::initialized(start, json!({}), Value::Null);
    again.open(DOC, "markdown", "TTFT and model alias");
    assert_eq!(again.diagnostics(DOC, Some(1)).len(), 1);
    again.command_ok("llmops.forgetKnown", json!([]));
    again.diagnostics_until(DOC, |d| d.len() == 2);
}

fn due_of(dir: &std::path::Path, term: &str) -> u64 {
    let stored: Value =
        serde_json::from_slice(&std::fs::read(dir.join("progress.json")).unwrap()).unwrap();
    assert_eq!(stored["version"], 2);
    stored["memory"][term]["dueAt"].as_u64().unwrap()
}

/// A review: opens the term's exercise the way the code action does (by
/// term), answers it right or wrong; returns the exercise's id.
fn review(server: &mut Server, term: &str, right: bool) -> String {
    let opened = server.command_ok("llmops.openExercise", json!([{ "termId": term }]));
    let id = opened["id"].as_str().unwrap().to_string();
    let choice = if right {
        right_choice(&id)
    } else if right_choice(&id) == "a" {
        "b".into()
    } else {
        "a".into()
    };
    let r = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": id, "choice": choice}]),
    );
    assert_eq!(r["correct"], right);
    id
}

/// Moves the server's clock forward to `t`.
fn clock_to(server: &Server, t: u64) {
    let now = server.advance_clock(0);
    assert!(t >= now, "the clock only moves forward: {now} -> {t}");
    assert_eq!(server.advance_clock(t - now), t);
}

/// The hints of a freshly opened document with "TTFT" in it (a new URI each
/// time, so the first publication is computed at the clock's present time).
fn fresh_hints(server: &mut Server, n: &mut u32) -> Vec<Value> {
    *n += 1;
    let uri = format!("file:///tmp/learn-{n}.md");
    server.open(&uri, "markdown", "TTFT");
    server.diagnostics(&uri, Some(1))
}

/// FSRS over simulated weeks, with one server whose clock the test moves
/// forward day by day, as a learner coming back would live through them.
#[test]
fn fsrs_schedules_reviews_over_simulated_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let day = 24 * 3600u64;
    let t0 = 1_700_000_000u64;
    let mut s = Server::initialized(
        Start::with_data_dir(dir.path()).now(t0),
        json!({}),
        Value::Null,
    )
    .0;
    let mut docs = 0;

    // Day 0: right at once (Good). Being learned, no "Review due".
    let first = review(&mut s, "ttft", true);
    assert_eq!(
        s.command_ok("llmops.progress", json!([]))["terms"]["ttft"],
        "learning"
    );
    let d = fresh_hints(&mut s, &mut docs);
    assert!(!d[0]["message"].as_str().unwrap().starts_with("Review due"));

    // Right answers on their due dates, until the term is learned
    // (mastery 3): each interval longer than the one before, and each
    // review opens the exercise seen least recently.
    let mut now = t0;
    let mut intervals = Vec::new();
    let mut opened = vec![first];
    for _ in 0..2 {
        let due = due_of(dir.path(), "ttft");
        intervals.push((due - now) / day);
        // The day before, the hint is quiet about reviews; on the day it says so.
        clock_to(&s, due - day);
        let d = fresh_hints(&mut s, &mut docs);
        assert!(!d[0]["message"].as_str().unwrap().starts_with("Review due"));
        clock_to(&s, due);
        let d = fresh_hints(&mut s, &mut docs);
        assert!(
            d[0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Review due: Time to first token"),
            "{d:?}"
        );
        assert_eq!(d[0]["data"]["reviewDue"], true);
        assert_eq!(s.command_ok("llmops.progress", json!([]))["due"], 1);
        opened.push(review(&mut s, "ttft", true));
        now = due;
    }
    let due = due_of(dir.path(), "ttft");
    intervals.push((due - now) / day);
    assert!(intervals.windows(2).all(|w| w[1] > w[0]), "{intervals:?}");
    assert!(intervals[2] >= 7, "weeks apart by now: {intervals:?}");
    assert_ne!(opened[0], opened[1], "{opened:?}");
    // Learned: its hints fade until FSRS wants the next review.
    clock_to(&s, now + day);
    assert!(fresh_hints(&mut s, &mut docs).is_empty());
    assert_eq!(
        s.command_ok("llmops.progress", json!([]))["terms"]["ttft"],
        "known"
    );

    // Weeks later the review is due and the hint is back; a wrong answer
    // is a lapse: the term is being learned again, due again soon.
    clock_to(&s, due);
    let d = fresh_hints(&mut s, &mut docs);
    assert!(d[0]["message"].as_str().unwrap().starts_with("Review due"));
    review(&mut s, "ttft", false);
    let relearn = (due_of(dir.path(), "ttft") - due) / day;
    assert!(
        relearn * 2 < intervals[2],
        "{relearn} days after {intervals:?}"
    );
    clock_to(&s, due + 3600);
    assert_eq!(
        s.command_ok("llmops.progress", json!([]))["terms"]["ttft"],
        "learning"
    );
    let d = fresh_hints(&mut s, &mut docs);
    assert_eq!(d.len(), 1);
    assert!(!d[0]["message"].as_str().unwrap().starts_with("Review due"));
}

/// A process: the binary takes its time from `LLMOPS_LSP_NOW`, which the
/// Neovim and VS Code suites use to start it "a week later". An answer
/// given at a time set that way is scheduled from that time, and a server
/// started at the due time says the review is due.
#[test]
fn llmops_lsp_now_sets_the_binarys_clock() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_700_000_000u64;
    let start = |t: u64| Start::process().data_dir(dir.path()).now(t);
    let (mut s, _) = Server::initialized(start(t0), json!({}), Value::Null);
    review(&mut s, "ttft", true);
    assert!(s.stop().success());
    let due = due_of(dir.path(), "ttft");
    assert!(
        due > t0 && due - t0 < 60 * 24 * 3600,
        "scheduled from LLMOPS_LSP_NOW ({t0}), not the system clock: due {due}"
    );
    let (mut s, _) = Server::initialized(start(due - 1), json!({}), Value::Null);
    s.open(DOC, "markdown", "TTFT");
    let d = s.diagnostics(DOC, Some(1));
    assert!(!d[0]["message"].as_str().unwrap().starts_with("Review due"));
    drop(s);
    let (mut s, _) = Server::initialized(start(due), json!({}), Value::Null);
    s.open(DOC, "markdown", "TTFT");
    let d = s.diagnostics(DOC, Some(1));
    assert!(
        d[0]["message"].as_str().unwrap().starts_with("Review due"),
        "{d:?}"
    );
}

#[test]
fn inlay_hints_expand_acronyms_when_enabled() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"inlayHints": true}}),
    );
    server.open(DOC, "markdown", "p95 TTFT and the time to first token");
    server.diagnostics(DOC, Some(1));
    let hints = server.result(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": DOC},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}),
    );
    let hints = hints.as_array().unwrap();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0]["label"], ": time to first token");
    assert_eq!(hints[0]["position"], json!({"line": 0, "character": 8}));
}

#[test]
fn report_lists_terms_and_what_was_learned() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.md"),
        "TTFT and TTFT and the model alias\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.py"), "prompt_registry = {}\n").unwrap();
    let start = Start::with_data_dir(data.path());
    let (mut server, _) = Server::initialized(start, json!({}), Value::Null);
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right_choice("ttft-1")}]),
    );
    drop(server);
    let out = Command::new(BIN)
        .args(["report", "--json"])
        .arg(dir.path())
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["termsFound"], 3);
    assert_eq!(report["termsLearned"], 1);
    assert_eq!(report["terms"][0]["id"], "ttft");
    assert_eq!(report["terms"][0]["occurrences"], 2);
    assert_eq!(report["terms"][0]["learned"], true);
    let md = Command::new(BIN)
        .arg("report")
        .arg(dir.path())
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("| Time to first token | 2 |"), "{md}");
}

#[test]
fn settings_are_pulled_with_workspace_configuration_when_supported() {
    let mut server = Server::start(Start::default());
    server.configuration = json!({"severity": "information"});
    server.initialize(json!({"workspace": {"configuration": true}}), Value::Null);
    let asked = server.wait_for(WAIT, |m| m["method"] == "workspace/configuration");
    assert_eq!(asked["params"]["items"][0]["section"], "llmops");
    server.open(DOC, "markdown", "TTFT");
    server.diagnostics_until(DOC, |d| d.len() == 1 && d[0]["severity"] == 3);
    // A change notification without settings makes the server pull again.
    server.configuration = json!({"severity": "warning"});
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    server.diagnostics_until(DOC, |d| d.len() == 1 && d[0]["severity"] == 2);
}

/// The inserted comment ends as the line it goes above does, in a document
/// with CRLF line endings, including on its last line (no ending of its own).
#[test]
fn ignore_comments_keep_the_lines_crlf_endings() {
    let mut server = Server::new_default();
    let uri = "file:///tmp/crlf.py";
    server.open(uri, "python", "x = 1\r\nttft_ms = 3\r\nalias = MODEL_ALIAS");
    server.diagnostics(uri, Some(1));
    for (line, character) in [(1, 2), (2, 10)] {
        let edit = ignore_line_edit(&mut server, uri, line, character);
        assert_eq!(
            edit["newText"], "# llmops: ignore-next-line\r\n",
            "line {line}"
        );
    }
}

/// The edit of the "Ignore LLMOps terms on this line" code action offered
/// at a position.
fn ignore_line_edit(server: &mut Server, uri: &str, line: u32, character: u32) -> Value {
    let actions = server.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}},
               "context": {"diagnostics": []}}),
    );
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Ignore LLMOps terms on this line")
        .expect("ignore action");
    ignore["edit"]["changes"][uri][0].clone()
}
