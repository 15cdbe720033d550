//! JSON-RPC over stdio, framed with `Content-Length` headers.
//!
//! tower-lsp-server ships a transport, but it stops reading at the first
//! malformed message (its framed reader ends the stream after a decode
//! error), runs state-changing notifications concurrently (so rapid edits can
//! apply out of order, ebkalderon/tower-lsp#284), and does not catch panics in
//! handlers. This transport keeps its `LspService` and fixes those three:
//! - frames are read by their `Content-Length` however slowly the bytes
//!   arrive ([`framer`]); a header block that cannot be parsed or a body that
//!   is not JSON is answered with a JSON-RPC parse error, and reading resumes
//!   at the next `Content-Length`;
//! - notifications that change state (open, change, close, save,
//!   configuration, watched files) are handled one after another in arrival
//!   order before the next message is read, while requests run concurrently;
//! - a panicking handler is logged with `window/logMessage`, its request gets
//!   an internal error, and the server goes on.
//!
//! It ends on `exit` (code 0 after `shutdown`, 1 otherwise) or when the
//! client closes stdin, whether or not the client keeps its end open.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;
use tower::Service;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ClientSocket, LanguageServer, LspService};

pub mod framer;
mod limits;
mod outbox;

pub use outbox::{Outbox, PUBLISH_LIMIT, Queued};

use framer::{Frame, Framer, read_frame};

/// Requests handled at once; more wait unread in the client's pipe. Each
/// holds at most one answer, so this and [`outbox::READ_LIMIT`] bound what
/// a client that stops reading can make the server hold.
const MAX_IN_FLIGHT: usize = 64;

/// Notifications that change server state, handled strictly in order.
fn is_ordered(method: &str) -> bool {
    matches!(
        method,
        "textDocument/didOpen"
            | "textDocument/didChange"
            | "textDocument/didClose"
            | "textDocument/didSave"
            | "workspace/didChangeConfiguration"
            | "workspace/didChangeWatchedFiles"
            | "workspace/didChangeWorkspaceFolders"
            | "initialized"
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Parses a body; lone UTF-16 surrogates escaped in JSON strings (which
/// serde_json rejects, and some clients send for broken text) become U+FFFD,
/// the same single UTF-16 unit the client counts, so positions stay right.
fn parse_lenient(body: &[u8]) -> serde_json::Result<Value> {
    match serde_json::from_slice(body) {
        Err(e) if find(body, b"\\u").is_some() => {
            serde_json::from_slice(&replace_lone_surrogates(body)).map_err(|_| e)
        }
        other => other,
    }
}

fn hex4(bytes: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(bytes.get(..4)?).ok()?;
    u16::from_str_radix(text, 16).ok()
}

fn replace_lone_surrogates(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && body.get(i + 1) == Some(&b'u') {
            if let Some(unit) = hex4(&body[i + 2..]) {
                let high = (0xD800..0xDC00).contains(&unit);
                let low = (0xDC00..0xE000).contains(&unit);
                let paired_low = body.get(i + 6) == Some(&b'\\')
                    && body.get(i + 7) == Some(&b'u')
                    && hex4(&body[(i + 8).min(body.len())..])
                        .is_some_and(|u| (0xDC00..0xE000).contains(&u));
                if high && paired_low {
                    out.extend_from_slice(&body[i..i + 12]);
                    i += 12;
                    continue;
                }
                if high || low {
                    out.extend_from_slice(b"\\uFFFD");
                    i += 6;
                    continue;
                }
            }
            // Any other escape: copy the backslash and the next byte as-is.
            out.extend_from_slice(&body[i..i + 2]);
            i += 2;
            continue;
        }
        if body[i] == b'\\' && i + 1 < body.len() {
            out.extend_from_slice(&body[i..i + 2]);
            i += 2;
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

fn frame<T: serde::Serialize + ?Sized>(message: &T) -> Vec<u8> {
    let body = serde_json::to_vec(message).unwrap_or_else(|_| b"null".to_vec());
    framer::frame_bytes(&body)
}

fn error_response(id: Value, code: i64, message: impl Into<String>) -> Value {
    let message = crate::echo::cut(&message.into()).into_owned();
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn log_message(kind: u8, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "method": "window/logMessage",
           "params": {"type": kind, "message": message.into()}})
}

/// Serves `service` over the given streams; returns the process exit code.
pub async fn serve<S, R, W>(
    input: R,
    output: W,
    service: LspService<S>,
    socket: ClientSocket,
    out: Outbox,
    queued: Queued,
) -> i32
where
    S: LanguageServer,
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let writer = outbox::spawn_writer(output, queued);
    let (mut to_client, mut from_client) = socket.split();

    // Requests and notifications the server sends to the client.
    let forward = {
        let out = out.clone();
        tokio::spawn(async move {
            while let Some(request) = to_client.next().await {
                out.send(frame(&request));
            }
        })
    };

    let mut service = service;
    let mut input = input;
    let mut framer = Framer::new();
    let shutdown = Arc::new(AtomicBool::new(false));
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut code = 1;
    loop {
        // Backpressure: while the client is not reading what it asked
        // for, read nothing more from it (its writes then block in the
        // pipe), so the queue cannot grow with every request it sends.
        out.wait_below(outbox::READ_LIMIT).await;
        let body = match read_frame(&mut framer, &mut input).await {
            None => break,
            Some(Frame::Garbage(why)) => {
                out.send(frame(&error_response(
                    Value::Null,
                    -32700,
                    format!("parse error: {why}"),
                )));
                continue;
            }
            Some(Frame::TooLarge { length, head }) => {
                out.send(frame(&error_response(
                    limits::id_in_head(&head).unwrap_or(Value::Null),
                    -32600,
                    format!(
                        "message too large: {length} bytes, the limit is {} MiB; skipped",
                        framer::MAX_BODY >> 20
                    ),
                )));
                continue;
            }
            Some(Frame::Body(body)) => body,
        };
        if !limits::within_values(&body, limits::MAX_VALUES) {
            let head = &body[..body.len().min(framer::HEAD)];
            out.send(frame(&error_response(
                limits::id_in_head(head).unwrap_or(Value::Null),
                -32600,
                format!(
                    "message too large: more than {} JSON values; skipped",
                    limits::MAX_VALUES
                ),
            )));
            continue;
        }
        let value: Value = match parse_lenient(&body) {
            Ok(v) => v,
            Err(e) => {
                framer.unread_from(&body);
                out.send(frame(&error_response(
                    Value::Null,
                    -32700,
                    format!("parse error: {e}"),
                )));
                continue;
            }
        };
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        if !crate::echo::id_is_acceptable(&id) {
            // Answered without its id (JSON-RPC's rule for an id that
            // cannot be used), and never run: the answer cannot name it.
            out.send(frame(&error_response(
                Value::Null,
                -32600,
                crate::echo::id_refused(),
            )));
            continue;
        }
        if value.get("method").is_none() {
            if value.get("result").is_some() || value.get("error").is_some() {
                match serde_json::from_value::<Response>(value) {
                    Ok(response) => {
                        let _ = from_client.send(response).await;
                    }
                    Err(e) => {
                        out.send(frame(&log_message(
                            2,
                            format!("ignored malformed response: {e}"),
                        )));
                    }
                }
            } else {
                out.send(frame(&error_response(
                    id,
                    -32600,
                    "invalid request: no method",
                )));
            }
            continue;
        }
        let request: Request = match serde_json::from_value(value) {
            Ok(r) => r,
            Err(e) => {
                out.send(frame(&error_response(
                    id,
                    -32600,
                    format!("invalid request: {e}"),
                )));
                continue;
            }
        };
        let method = request.method().to_string();
        if method == "exit" {
            code = if shutdown.load(Ordering::SeqCst) {
                0
            } else {
                1
            };
            break;
        }
        if method == "shutdown" {
            shutdown.store(true, Ordering::SeqCst);
        }
        if futures::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .is_err()
        {
            break;
        }
        let ordered = is_ordered(&method);
        let future = service.call(request);
        let out2 = out.clone();
        let guarded = async move {
            match AssertUnwindSafe(future).catch_unwind().await {
                Ok(Ok(Some(response))) => {
                    out2.send(frame(&crate::echo::bounded_response(response)));
                }
                Ok(Ok(None)) | Ok(Err(_)) => {}
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    out2.send(frame(&log_message(
                        1,
                        format!("llmops-lsp: handler for {method} panicked: {what}"),
                    )));
                    if id != Value::Null {
                        out2.send(frame(&error_response(
                            id,
                            -32603,
                            format!("internal error: {what}"),
                        )));
                    }
                }
            }
        };
        if ordered {
            guarded.await;
        } else {
            // At most MAX_IN_FLIGHT requests run at once; the next one is
            // read when one of them has been answered.
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                break;
            };
            tokio::spawn(async move {
                guarded.await;
                drop(permit);
            });
        }
    }
    forward.abort();
    out.close();
    let _ = tokio::time::timeout(Duration::from_millis(500), writer).await;
    code
}
