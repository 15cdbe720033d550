//! A client that stops reading: the server's queue of answers stays
//! bounded, and nothing it owes the client is lost when it reads again.
//!
//! The real binary, because the bound is on the process's resident memory
//! (read from /proc) and because only a real pipe fills up and blocks its
//! writer the way an editor's does.

use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use llmops_lsp::transport::framer::{Frame, Framer, read_frame_blocking};
use serde_json::{Value, json};

use crate::support::*;

/// Requests sent while the client does not read (issue 21: 20,000 took the
/// server to 867 MiB before it stopped reading them).
const REQUESTS: usize = 20_000;
/// One edit every this many messages; the rest are requests.
const EDIT_EVERY: usize = 20;
/// How much the server may grow while its client does not read: the
/// 4 MiB read limit, 64 answers in flight, and the allocator's slack.
const GROWTH_BOUND_KIB: u64 = 96 * 1024;

fn frame(message: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(message).expect("json");
    let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    framed.extend_from_slice(&body);
    framed
}

/// The document at edit `version`: its number of `TTFT` lines says which
/// version the diagnostics were computed for.
fn text(version: usize) -> String {
    let mut text = "TTFT is what users feel first.\n".repeat(1 + version % 40);
    text.push_str(&"Plain words about nothing in particular.\n".repeat(200));
    text
}

/// Reads the server's messages on a thread of its own, reading nothing
/// while `paused` is set (the pipe then fills and the server's writes block).
fn reader(stdout: std::process::ChildStdout, paused: Arc<AtomicBool>) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut stdout = stdout;
        let mut framer = Framer::new();
        loop {
            while paused.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(5));
            }
            let Some(Frame::Body(body)) = read_frame_blocking(&mut framer, &mut stdout) else {
                return;
            };
            let value: Value = serde_json::from_slice(&body).expect("server sent invalid JSON");
            // Answers are passed on as their id and error only: 19,000 of
            // them (exercise lists among them) must not pile up in this
            // test process, where other tests measure memory.
            let value = if value.get("method").is_some() {
                value
            } else {
                json!({"id": value["id"], "error": value.get("error")})
            };
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    rx
}

fn next(rx: &Receiver<Value>, deadline: Instant) -> Value {
    let left = deadline
        .checked_duration_since(Instant::now())
        .expect("timed out waiting for the server");
    rx.recv_timeout(left)
        .expect("the server stopped answering (or timed out)")
}

#[test]
fn a_client_that_stops_reading_gets_every_answer_and_the_current_diagnostics() {
    let data = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .env("XDG_CONFIG_HOME", config.path())
        .env_remove("LLMOPS_LSP_NOW")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start llmops-lsp");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let paused = Arc::new(AtomicBool::new(false));
    let rx = reader(child.stdout.take().expect("stdout"), paused.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    let uri = "file:///tmp/backpressure.md";

    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
        ))
        .expect("write");
    while next(&rx, deadline).get("id") != Some(&json!(0)) {}
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        ))
        .expect("write");
    stdin
        .write_all(&frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "markdown", "version": 0, "text": text(0)}}})))
        .expect("write");
    loop {
        let m = next(&rx, deadline);
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 0 {
            break;
        }
    }
    let settled = rss_kib(pid);

    // The client stops reading and sends requests and edits from a thread
    // of its own (its writes block once the server stops reading them).
    paused.store(true, Ordering::Release);
    let sent = Arc::new(AtomicUsize::new(0));
    let writer = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            let mut last_version = 0;
            let mut ids = Vec::new();
            for i in 1..=REQUESTS {
                let message = if i % EDIT_EVERY == 0 {
                    last_version = i / EDIT_EVERY;
                    json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
                        "params": {"textDocument": {"uri": uri, "version": last_version},
                                   "contentChanges": [{"text": text(last_version)}]}})
                } else {
                    ids.push(i);
                    match i % 3 {
                        0 => {
                            json!({"jsonrpc": "2.0", "id": i, "method": "workspace/executeCommand",
                            "params": {"command": "llmops.listExercises", "arguments": []}})
                        }
                        1 => json!({"jsonrpc": "2.0", "id": i, "method": "textDocument/inlayHint",
                            "params": {"textDocument": {"uri": uri},
                                       "range": {"start": {"line": 0, "character": 0},
                                                 "end": {"line": 300, "character": 0}}}}),
                        _ => json!({"jsonrpc": "2.0", "id": i, "method": "textDocument/hover",
                            "params": {"textDocument": {"uri": uri},
                                       "position": {"line": 0, "character": 1}}}),
                    }
                };
                stdin
                    .write_all(&frame(&message))
                    .expect("write to the server");
                sent.fetch_add(1, Ordering::AcqRel);
            }
            stdin.flush().expect("flush");
            (stdin, ids, last_version)
        })
    };

    // Watch the server while nothing is read: until the writer is blocked
    // (no message accepted for two seconds) or done, and two seconds more.
    let started = Instant::now();
    let mut peak = settled;
    let mut last = (0, Instant::now());
    let mut quiet_since = None;
    while started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(100));
        peak = peak.max(rss_kib(pid));
        let now = sent.load(Ordering::Acquire);
        if now != last.0 {
            last = (now, Instant::now());
        }
        if now == REQUESTS || last.1.elapsed() > Duration::from_secs(2) {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
    }
    let accepted = sent.load(Ordering::Acquire);
    eprintln!(
        "client not reading: {accepted} of {REQUESTS} messages accepted; RSS {settled} KiB settled, peak {peak} KiB"
    );
    assert!(
        peak - settled < GROWTH_BOUND_KIB,
        "the server grew from {settled} KiB to {peak} KiB while its client did not read"
    );

    // The client reads again: every answer arrives, and the last
    // diagnostics are those of the last edit.
    paused.store(false, Ordering::Release);
    let (mut stdin, ids, last_version) = writer.join().expect("writer");
    let mut owed: HashSet<i64> = ids.iter().map(|&i| i as i64).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut last_diagnostics: Option<Value> = None;
    let seen = |m: &Value, last: &mut Option<Value>| {
        if m["method"] != "textDocument/publishDiagnostics" {
            return;
        }
        let version = m["params"]["version"].as_i64().unwrap_or(-1);
        let before = last
            .as_ref()
            .and_then(|d| d["params"]["version"].as_i64())
            .unwrap_or(-1);
        assert!(version >= before, "publication {version} after {before}");
        *last = Some(m.clone());
    };
    while !owed.is_empty() {
        let m = next(&rx, deadline);
        seen(&m, &mut last_diagnostics);
        if let Some(id) = m.get("id").and_then(Value::as_i64)
            && m.get("method").is_none()
        {
            assert!(m["error"].is_null(), "request {id} failed: {m}");
            owed.remove(&id);
        }
    }
    // A request sent after the last edit: its answer is the sync point
    // after which the last edit's diagnostics are due.
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "id": -1, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}}),
        ))
        .expect("write");
    let mut synced = false;
    loop {
        let m = next(&rx, deadline);
        seen(&m, &mut last_diagnostics);
        synced |= m.get("id") == Some(&json!(-1));
        let current = last_diagnostics
            .as_ref()
            .is_some_and(|d| d["params"]["version"] == json!(last_version));
        if synced && current {
            break;
        }
    }
    let diagnostics = last_diagnostics.expect("diagnostics");
    let ttft = diagnostics["params"]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "ttft")
        .count();
    assert_eq!(
        ttft,
        1 + last_version % 40,
        "the last diagnostics are not the last edit's"
    );
    eprintln!(
        "every answer arrived {:?} after the client read again",
        started.elapsed()
    );
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "id": -2, "method": "shutdown"}),
        ))
        .expect("write");
    stdin
        .write_all(&frame(&json!({"jsonrpc": "2.0", "method": "exit"})))
        .expect("write");
    drop(stdin);
    let _ = child.wait();
}
