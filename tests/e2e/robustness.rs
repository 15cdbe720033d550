//! Faults a real client (or a broken one) can throw at the server: bad
//! framing, bad JSON, wrong shapes, lifecycle mistakes, panics and huge or
//! strange documents. After each, the server must still answer a hover.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

const DOC: &str = "file:///tmp/probe.md";

/// Opens a probe document and checks a hover on its term still works.
fn assert_alive(server: &mut Server) {
    server.open(DOC, "markdown", "probe TTFT");
    let hover = server.hover(DOC, 0, 7);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("Time to first token"),
        "server no longer answers hovers: {hover}"
    );
}

fn error_code(message: &Value) -> i64 {
    message["error"]["code"].as_i64().unwrap_or(0)
}

#[test]
fn a_body_that_is_not_json_gets_a_parse_error() {
    let mut server = Server::new_default();
    server.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    let reply = server.wait_for(WAIT, |m| m.get("error").is_some());
    assert_eq!(error_code(&reply), -32700);
    assert_eq!(reply["id"], Value::Null);
    assert_alive(&mut server);
}

#[test]
fn a_short_content_length_is_survived() {
    let mut server = Server::new_default();
    let body = br#"{"jsonrpc":"2.0","id":99,"method":"llmops.nothing"}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() - 10).into_bytes();
    bytes.extend_from_slice(body);
    server.send_raw(&bytes);
    let reply = server.wait_for(WAIT, |m| m.get("error").is_some());
    assert_eq!(error_code(&reply), -32700);
    assert_alive(&mut server);
}

#[test]
fn a_long_content_length_is_survived() {
    let mut server = Server::new_default();
    let body = br#"{"jsonrpc":"2.0","method":"$/nothing"}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() + 40).into_bytes();
    bytes.extend_from_slice(body);
    server.send_raw(&bytes);
    // The next real message is swallowed into the bad body first; the server
    // must find it again.
    assert_alive(&mut server);
    let errors: Vec<_> = server
        .inbox
        .iter()
        .filter(|m| m.get("error").is_some())
        .collect();
    // The swallowed message and its 40 bytes of garbage are one
    // unparsable body: one parse error, and nothing else went wrong.
    assert!(!errors.is_empty(), "no parse error was reported");
    assert!(errors.iter().all(|e| error_code(e) == -32700), "{errors:?}");
}

/// A valid message whose text holds header-like words, sent in two parts
/// with a pause (a busy client, a large paste, a slow pipe), is one message:
/// the document opens and the next request is answered.
#[test]
fn a_slow_message_with_header_text_inside_is_read_whole() {
    let mut server = Server::new_default();
    let text = "Notes on framing: Content-Length: 12\r\n\r\n{} and then TTFT";
    let body = serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": DOC, "languageId": "markdown", "version": 1, "text": text}}}))
    .unwrap();
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(&body);
    let cut = bytes
        .windows(18)
        .rposition(|w| w == b"Content-Length: 12")
        .unwrap()
        + 24;
    server.send_raw(&bytes[..cut]);
    std::thread::sleep(Duration::from_millis(800));
    server.send_raw(&bytes[cut..]);
    let d = server.diagnostics(DOC, Some(1));
    assert_eq!(ranges(&d), [(2, 12, 16, "ttft".to_string())]);
    let hover = server.hover(DOC, 2, 13);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("Time to first token"),
        "{hover}"
    );
    let errors: Vec<_> = server
        .inbox
        .iter()
        .filter(|m| m.get("error").is_some())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn missing_or_invalid_content_length_is_survived() {
    let mut server = Server::new_default();
    server.send_raw(b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}");
    let reply = server.wait_for(WAIT, |m| m.get("error").is_some());
    assert_eq!(error_code(&reply), -32700);
    server.send_raw(b"Content-Length: lots\r\n\r\n{}");
    let reply = server.wait_for(WAIT, |m| {
        m["error"]["message"]
            .as_str()
            .is_some_and(|s| s.contains("invalid Content-Length"))
    });
    assert_eq!(error_code(&reply), -32700);
    assert_alive(&mut server);
}

#[test]
fn unknown_methods_wrong_shapes_and_unopened_documents() {
    let mut server = Server::new_default();
    let reply = server.request("textDocument/noSuchThing", json!({}));
    assert_eq!(error_code(&reply), -32601);
    server.notify("$/noSuchNotification", json!({}));
    server.notify("custom/unknown", json!({"x": 1}));
    let reply = server.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(error_code(&reply), -32602, "{reply}");
    let reply = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///never-opened.md"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(reply["result"], Value::Null);
    server.change(
        "file:///never-opened.md",
        3,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
    );
    let log = server.wait_for(WAIT, |m| m["method"] == "window/logMessage");
    assert!(
        log["params"]["message"]
            .as_str()
            .unwrap()
            .contains("not open"),
        "{log}"
    );
    server.send(&json!({"jsonrpc": "2.0", "id": 5}));
    let reply = server.wait_for(WAIT, |m| m["id"] == 5);
    assert_eq!(error_code(&reply), -32600);
    assert_alive(&mut server);
}

#[test]
fn requests_before_initialize_are_refused_then_served() {
    let mut server = Server::start(Start::default());
    let reply = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": DOC}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(error_code(&reply), -32002);
    server.initialize(json!({}), Value::Null);
    assert_alive(&mut server);
}

#[test]
#[cfg_attr(not(feature = "test-hooks"), ignore = "needs --features test-hooks")]
fn a_panicking_handler_is_caught_logged_and_answered() {
    let mut server = Server::new_default();
    let reply = server.command("llmops.debug.panic", json!([]));
    assert_eq!(error_code(&reply), -32603, "{reply}");
    let log = server.wait_for(WAIT, |m| m["method"] == "window/logMessage");
    assert!(
        log["params"]["message"]
            .as_str()
            .unwrap()
            .contains("panicked"),
        "{log}"
    );
    assert_alive(&mut server);
    // The panic poisoned the state and store locks (it fires holding
    // both): later requests that take them must still be answered.
    let reply = server.command("llmops.debug.panic", json!([]));
    assert_eq!(error_code(&reply), -32603);
    assert_alive(&mut server);
    let answer = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right_choice("ttft-1")}]),
    );
    assert_eq!(answer["correct"], true, "{answer}");
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["completed"],
        1
    );
}

/// A process: the binary must end although its blocking stdin reader is
/// still waiting (the runtime is shut down with a timeout in `main`), and
/// only the process's exit code shows what `main` made of `serve`'s.
#[test]
fn shutdown_then_exit_ends_with_0_quickly_even_with_stdin_open() {
    let mut server = Server::initialized(Start::process(), json!({}), Value::Null).0;
    server.result("shutdown", Value::Null);
    let start = Instant::now();
    server.notify("exit", Value::Null);
    // Without the shutdown timeout in `main` the process would wait for
    // stdin forever; 10 s is room for a loaded machine, not for that.
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("no exit within 10 s");
    assert_eq!(status.code(), Some(0));
    eprintln!("exit after shutdown took {:?}", start.elapsed());
}

/// A process: the exit code editors see is the process's.
#[test]
fn exit_without_shutdown_ends_with_1() {
    let mut server = Server::initialized(Start::process(), json!({}), Value::Null).0;
    server.notify("exit", Value::Null);
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("no exit within 10 s");
    assert_eq!(status.code(), Some(1));
}

/// A process: what must not be left behind is a process.
#[test]
fn a_client_that_vanishes_leaves_no_process() {
    let mut server = Server::initialized(Start::process(), json!({}), Value::Null).0;
    server.open(DOC, "markdown", "TTFT");
    server.close_stdin();
    assert!(
        server.wait_exit(Duration::from_secs(10)).is_some(),
        "server outlived its client"
    );
}

#[test]
fn huge_and_strange_documents_are_handled_quickly() {
    let mut server = Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"maxFileBytes": 100_000_000u64}}),
    )
    .0;
    // 50 MB of prose with a term on the last line.
    let line = "plain words without any glossary entry in them at all, just filler\n";
    let mut big = line.repeat(50 * 1024 * 1024 / line.len());
    big.push_str("and finally TTFT");
    let last_line = big.matches('\n').count() as u64;
    let started = Instant::now();
    server.open("file:///tmp/big.md", "markdown", &big);
    let d = server.diagnostics("file:///tmp/big.md", Some(1));
    assert_eq!(ranges(&d), [(last_line, 12, 16, "ttft".to_string())]);
    let open_time = started.elapsed();
    let started = Instant::now();
    let hover = server.hover("file:///tmp/big.md", last_line as u32, 13);
    let hover_time = started.elapsed();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Time to first token")
    );
    eprintln!("50 MB document: open to diagnostics {open_time:?}, hover {hover_time:?}");
    // Sending, parsing and scanning 50 MB takes a moment; a hover on it
    // must not rescan it: a fraction of the open, whatever the machine's load.
    assert!(open_time < Duration::from_secs(30), "{open_time:?}");
    assert!(
        hover_time * 5 < open_time,
        "hover {hover_time:?}, open {open_time:?}"
    );

    // One 10 MB line with a term at its very end.
    let mut long = "x ".repeat(5 * 1024 * 1024);
    long.push_str("model alias");
    server.open("file:///tmp/long.txt", "plaintext", &long);
    let d = server.diagnostics("file:///tmp/long.txt", Some(1));
    assert_eq!(
        ranges(&d),
        [(
            0,
            10 * 1024 * 1024,
            10 * 1024 * 1024 + 11,
            "model-alias".to_string()
        )]
    );
    // Typing at the end of the long line stays fast.
    let started = Instant::now();
    let at = 10 * 1024 * 1024 + 11;
    server.change(
        "file:///tmp/long.txt",
        2,
        json!([{"range": {"start": {"line": 0, "character": at}, "end": {"line": 0, "character": at}}, "text": " TTFT"}]),
    );
    let d = server.diagnostics("file:///tmp/long.txt", Some(2));
    assert_eq!(d.len(), 2);
    let edit_time = started.elapsed();
    eprintln!("10 MB line: one edit to diagnostics {edit_time:?}");
    // Generous for a loaded machine; the per-keystroke figures on long
    // lines are `server/benches/lsp_latency.rs`'s.
    assert!(edit_time < Duration::from_secs(3), "{edit_time:?}");

    // Binary content with NUL bytes, and mixed line endings.
    server.open(
        "file:///tmp/bin.dat",
        "plaintext",
        "\u{0}\u{1}TTFT\u{0}\r\nx\rmodel alias\n\u{0}",
    );
    let d = server.diagnostics("file:///tmp/bin.dat", Some(1));
    assert_eq!(
        ranges(&d),
        [
            (0, 2, 6, "ttft".to_string()),
            (2, 0, 11, "model-alias".to_string())
        ]
    );
    assert_alive(&mut server);
}

#[test]
fn lone_surrogates_in_json_are_replaced_not_fatal() {
    let mut server = Server::new_default();
    let body = r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/s.md","languageId":"markdown","version":1,"text":"a\ud800b TTFT \udc00 model alias"}}}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    server.send_raw(&bytes);
    let d = server.diagnostics("file:///tmp/s.md", Some(1));
    // Each lone surrogate becomes U+FFFD, one UTF-16 unit, as the client counts it.
    assert_eq!(
        ranges(&d),
        [
            (0, 4, 8, "ttft".to_string()),
            (0, 11, 22, "model-alias".to_string())
        ]
    );
    assert_alive(&mut server);
}

/// An embedder may serve on a current-thread runtime (`#[tokio::test]`'s
/// default): commands, which block while they save progress, still answer
/// there instead of failing on `block_in_place`.
#[test]
fn commands_answer_on_a_current_thread_runtime() {
    use llmops_lsp::transport::framer::{Frame, Framer, frame_bytes, read_frame};
    use tokio::io::AsyncWriteExt;
    let data = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(async {
        let (mut input, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut output) = tokio::io::duplex(1 << 20);
        let config = llmops_lsp::Config {
            data_dir: Some(data.path().to_path_buf()),
            ..Default::default()
        };
        tokio::spawn(llmops_lsp::serve_with(server_in, server_out, config));
        let mut framer = Framer::new();
        let mut exchange = async |messages: Vec<Value>, id: i64| {
            for message in messages {
                let bytes = frame_bytes(&serde_json::to_vec(&message).unwrap());
                input.write_all(&bytes).await.unwrap();
            }
            while let Some(Frame::Body(body)) = read_frame(&mut framer, &mut output).await {
                let message: Value = serde_json::from_slice(&body).unwrap();
                if message["id"] == id {
                    return Some(message);
                }
            }
            None
        };
        let read = async {
            exchange(
                vec![json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                            "params": {"processId": null, "capabilities": {}}})],
                1,
            )
            .await?;
            exchange(
                vec![
                    json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
                    json!({"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
                           "params": {"command": "llmops.markKnown", "arguments": [{"termId": "ttft"}]}}),
                ],
                2,
            )
            .await
        };
        tokio::time::timeout(Duration::from_secs(10), read).await
    });
    let answer = answer.expect("answered in time").expect("an answer");
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(answer["result"]["known"].as_u64().unwrap() >= 1, "{answer}");
}
