//! Pull diagnostics (`textDocument/diagnostic`) for clients that declare
//! them: the same diagnostics a push client gets, no pushes for their
//! documents, `workspace/diagnostic/refresh` when something every document
//! depends on changes, and `unchanged` when nothing did.

use serde_json::{Value, json};

use crate::support::*;

/// A client that pulls and supports refresh.
fn pull_capabilities() -> Value {
    json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}}
    })
}

/// Terms on several lines, one behind a multi-byte character (UTF-16
/// columns differ from bytes there), one repeated.
const TEXT: &str = "# Serving notes\n\nWe track TTFT and the KV cache.\n\
«é» KV cache hit rate matters; so does prompt caching.\n\
TTFT again, and speculative decoding.\n";

const URI: &str = "file:///tmp/llmops-pull/notes.md";

fn pull(server: &mut Server, previous: Option<&str>) -> Value {
    let mut params = json!({"textDocument": {"uri": URI}});
    if let Some(id) = previous {
        params["previousResultId"] = json!(id);
    }
    server.result("textDocument/diagnostic", params)
}

fn is_refresh(m: &Value) -> bool {
    m["method"] == "workspace/diagnostic/refresh" && m.get("id").is_some()
}

fn is_push(m: &Value) -> bool {
    m["method"] == "textDocument/publishDiagnostics"
}

/// A pull client, initialized, past the refresh every start sends (once
/// the settings are in), so a later refresh is one the test caused.
fn started(start: Start) -> Server {
    let (mut server, _) = Server::initialized(start, pull_capabilities(), Value::Null);
    server.wait_for(WAIT, is_refresh);
    server
}

#[test]
fn a_push_client_is_not_offered_pull_and_a_pull_client_is() {
    let (_push, init) = Server::initialized(Start::default(), json!({}), Value::Null);
    assert!(
        init["capabilities"].get("diagnosticProvider").is_none(),
        "{init}"
    );
    let (_pull, init) = Server::initialized(Start::default(), pull_capabilities(), Value::Null);
    let provider = &init["capabilities"]["diagnosticProvider"];
    assert_eq!(provider["workspaceDiagnostics"], false, "{init}");
    assert_eq!(provider["interFileDependencies"], true, "{init}");
}

#[test]
fn a_pull_client_gets_what_a_push_client_gets_and_never_a_push() {
    // The push client's diagnostics for the text.
    let (mut push, _) = Server::initialized(Start::default(), json!({}), Value::Null);
    push.open(URI, "markdown", TEXT);
    let pushed = push.diagnostics(URI, Some(1));
    assert!(pushed.len() >= 4, "{pushed:#?}");

    let mut server = started(Start::default());
    server.open(URI, "markdown", TEXT);
    let report = pull(&mut server, None);
    assert_eq!(report["kind"], "full", "{report}");
    let items = report["items"].as_array().cloned().unwrap_or_default();
    // Exact ranges, codes, messages and data: the same diagnostics.
    assert_eq!(ranges(&items), ranges(&pushed));
    assert_eq!(items, pushed);

    // Marking a term known asks the client to pull again (a positive sync
    // point: the publisher sends it after its round), and a push for the
    // document would have come before it.
    server.command_ok("llmops.markKnown", json!([{"termId": "ttft"}]));
    server.wait_for(WAIT, is_refresh);
    let pushes: Vec<Value> = server
        .inbox
        .iter()
        .filter(|m| is_push(m))
        .cloned()
        .collect();
    assert!(pushes.is_empty(), "a pull client got pushes: {pushes:#?}");

    // The pull after the refresh shows the change: no TTFT hint any more.
    let previous = report["resultId"].as_str().expect("a resultId").to_string();
    let after = pull(&mut server, Some(&previous));
    assert_eq!(after["kind"], "full", "{after}");
    let codes: Vec<String> = ranges(after["items"].as_array().unwrap())
        .into_iter()
        .map(|r| r.3)
        .collect();
    assert!(
        !codes.is_empty() && !codes.contains(&"ttft".to_string()),
        "{codes:?}"
    );
    assert!(ranges(&items).iter().any(|r| r.3 == "ttft"));
}

#[test]
fn a_second_pull_with_the_result_id_is_unchanged_until_the_text_changes() {
    let mut server = started(Start::default());
    server.open(URI, "markdown", TEXT);
    let first = pull(&mut server, None);
    let id = first["resultId"].as_str().expect("a resultId").to_string();
    let second = pull(&mut server, Some(&id));
    assert_eq!(second, json!({"kind": "unchanged", "resultId": id}));
    // An edit that moves a hint: a full report with another id.
    server.change(
        URI,
        2,
        json!([{"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}},
                "text": "So "}]),
    );
    let third = pull(&mut server, Some(&id));
    assert_eq!(third["kind"], "full", "{third}");
    assert_ne!(third["resultId"], json!(id));
    // A stale or foreign id is answered in full too.
    let fourth = pull(&mut server, Some("not-an-id"));
    assert_eq!(fourth["kind"], "full", "{fourth}");
    assert_eq!(fourth["items"], third["items"]);
}

#[test]
fn a_term_falling_due_asks_a_pull_client_to_pull_again() {
    let now = 1_800_000_000;
    let mut server = started(Start::default().now(now));
    server.open(URI, "markdown", TEXT);
    // A right answer schedules a review some days ahead.
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right_choice("ttft-1")}]),
    );
    server.wait_for(WAIT, is_refresh);
    let before = pull(&mut server, None);
    let due = |report: &Value| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "ttft" && d["data"]["reviewDue"] == true)
    };
    assert!(!due(&before), "{before}");
    // A year later the review is due: the server notices within a few
    // seconds (the save-retry tick) and asks for a pull, without an edit.
    server.advance_clock(365 * 86_400);
    server.wait_for(WAIT, is_refresh);
    let after = pull(&mut server, before["resultId"].as_str());
    assert_eq!(after["kind"], "full", "{after}");
    assert!(due(&after), "{after}");
}

/// A keystroke past the last diagnostic a capped document shows changes
/// nothing a pull client is shown: it is told `unchanged` from the kept
/// publication (`publish::current`), and everything that does change what
/// shows still gets a full report: an `ignore-file` marker at the end and
/// its removal, an edit before the last spot, the text grown past the size
/// limit.
#[test]
fn a_pull_past_the_cap_is_unchanged_until_what_shows_changes() {
    let (mut server, _) = Server::initialized(
        Start::default(),
        pull_capabilities(),
        json!({"maxDiagnostics": 3, "maxFileBytes": 6000, "firstOccurrenceOnly": false}),
    );
    server.wait_for(WAIT, is_refresh);
    let filler = "plain words about nothing in particular\n".repeat(110);
    let text = format!("TTFT\nmodel alias\nTTFT\n{filler}TTFT here\nthe end\n");
    server.open(URI, "markdown", &text);
    let full = |report: &Value| {
        assert_eq!(report["kind"], "full", "{report}");
        let items = report["items"].as_array().cloned().unwrap_or_default();
        (items, report["resultId"].as_str().unwrap_or("").to_string())
    };
    let (first, id) = full(&pull(&mut server, None));
    assert_eq!(
        ranges(&first).iter().map(|r| r.0).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let last_line = 3 + 110;
    let at = |line: u64, text: &str| {
        json!([{"range": {"start": {"line": line, "character": 0},
                          "end": {"line": line, "character": 0}}, "text": text}])
    };
    // A term past the cap, twice: unchanged, the same id.
    for version in [2, 3] {
        server.change(URI, version, at(last_line, "model alias "));
        let report = pull(&mut server, Some(&id));
        assert_eq!(report["kind"], "unchanged", "{report}");
        assert_eq!(report["resultId"], json!(id));
    }
    // The whole file silenced from its last line, then not.
    server.change(URI, 4, at(last_line + 1, "<!-- llmops: ignore-file -->\n"));
    let (silenced, silenced_id) = full(&pull(&mut server, Some(&id)));
    assert!(silenced.is_empty(), "{silenced:#?}");
    server.change(
        URI,
        5,
        json!([{"range": {"start": {"line": last_line + 1, "character": 0},
                          "end": {"line": last_line + 2, "character": 0}}, "text": ""}]),
    );
    let (back, back_id) = full(&pull(&mut server, Some(&silenced_id)));
    assert_eq!(back, first);
    assert_eq!(back_id, id);
    // Before the last spot: the second line's term goes, the next one in.
    server.change(
        URI,
        6,
        json!([{"range": {"start": {"line": 1, "character": 0},
                          "end": {"line": 1, "character": 11}}, "text": "plain"}]),
    );
    let (shifted, shifted_id) = full(&pull(&mut server, Some(&id)));
    assert_eq!(
        ranges(&shifted).iter().map(|r| r.0).collect::<Vec<_>>(),
        [0, 2, last_line]
    );
    // Grown past the size limit at its end: nothing shows.
    server.change(URI, 7, at(last_line + 1, &"x".repeat(2000)));
    let (over, _) = full(&pull(&mut server, Some(&shifted_id)));
    assert!(over.is_empty(), "{over:#?}");
    server.stop();
}

/// A pull client typing into a team pack: the pull that follows the edit
/// may come before the pack worker has checked the new text, so once the
/// check is in the client is asked to pull again, and then gets the error;
/// fixing it is seen the same way. (Before, only a merge asked: an error
/// typed showed one keystroke late.)
#[test]
fn a_pull_client_sees_a_pack_error_it_types_once_checked() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join(".llmops");
    std::fs::create_dir(&dir).unwrap();
    let pack = "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\n\
                definition = \"Our proxy in front of every model provider.\"\n";
    std::fs::write(dir.join("team.toml"), pack).unwrap();
    let uri = file_uri(&dir.join("team.toml"));
    let (mut server, _) = start_in_folder(
        Start::default(),
        ws.path(),
        pull_capabilities(),
        Value::Null,
    );
    server.wait_for(WAIT, is_refresh);
    server.open(&uri, "toml", pack);
    let pull_pack = |server: &mut Server| {
        let report = server.result(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        );
        report["items"].as_array().cloned().unwrap_or_default()
    };
    // `name = ` with no value: an error on line 2.
    for (version, text, errors) in [(2, "", 1), (3, "\"Acme gateway\"", 0)] {
        // Whatever refreshes the start or the last round asked for are
        // read first: the one waited for below comes after this edit.
        server.drain(std::time::Duration::from_millis(300));
        server.change(
            &uri,
            version,
            json!([{"range": {"start": {"line": 2, "character": 7}, "end": {"line": 2, "character": 7 + if errors == 1 { 14 } else { 0 }}}, "text": text}]),
        );
        pull_pack(&mut server);
        server.wait_for(WAIT, is_refresh);
        let items = pull_pack(&mut server);
        assert_eq!(items.len(), errors, "version {version}: {items:#?}");
    }
}
