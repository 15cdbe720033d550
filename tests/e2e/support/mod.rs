//! A small, independent LSP client that drives the real `llmops-lsp` binary
//! over stdio: Content-Length framing, request/response matching, answers to
//! server-to-client requests, and waiting for notifications.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use llmops_lsp::transport::framer::{Frame, Framer, read_frame_blocking};
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_llmops-lsp");
pub const WAIT: Duration = Duration::from_secs(10);

/// How to start a server.
#[derive(Clone, Default)]
pub struct Start {
    pub data_dir: Option<PathBuf>,
    pub config_home: Option<PathBuf>,
    pub env: Vec<(String, String)>,
}

impl Start {
    /// A server that keeps its progress in `dir` (to restart it, or share it).
    pub fn with_data_dir(dir: impl Into<PathBuf>) -> Start {
        Start {
            data_dir: Some(dir.into()),
            ..Default::default()
        }
    }
}

pub struct Server {
    pub child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    /// Every message from the server not yet consumed by a wait.
    pub inbox: Vec<Value>,
    /// Keeps temporary directories alive as long as the server.
    _temp: Vec<tempfile::TempDir>,
    pub data_dir: PathBuf,
    /// What this client answers to `workspace/configuration` (one item).
    pub configuration: Value,
}

/// Reads the server's messages with the server's own framer.
fn read_frames(mut stdout: impl Read + Send + 'static, tx: std::sync::mpsc::Sender<Value>) {
    std::thread::spawn(move || {
        let mut framer = Framer::new();
        while let Some(frame) = read_frame_blocking(&mut framer, &mut stdout) {
            let Frame::Body(body) = frame else {
                panic!("server sent a bad frame: {frame:?}");
            };
            let value: Value = serde_json::from_slice(&body).expect("server sent invalid JSON");
            if tx.send(value).is_err() {
                return;
            }
        }
    });
}

impl Server {
    pub fn start(options: Start) -> Server {
        let mut temp = Vec::new();
        let data_dir = options.data_dir.clone().unwrap_or_else(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().to_path_buf();
            temp.push(dir);
            path
        });
        let config_home = options.config_home.clone().unwrap_or_else(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().to_path_buf();
            temp.push(dir);
            path
        });
        let mut command = Command::new(BIN);
        command
            .env("LLMOPS_LSP_DATA_DIR", &data_dir)
            .env("XDG_CONFIG_HOME", &config_home)
            .env_remove("LLMOPS_LSP_NOW")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start llmops-lsp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        read_frames(stdout, tx);
        Server {
            child,
            stdin,
            rx,
            next_id: 1,
            inbox: Vec::new(),
            _temp: temp,
            data_dir,
            configuration: Value::Null,
        }
    }

    /// Starts a server and completes the initialize handshake.
    pub fn initialized(
        options: Start,
        capabilities: Value,
        init_options: Value,
    ) -> (Server, Value) {
        let mut server = Server::start(options);
        let result = server.initialize(capabilities, init_options);
        (server, result)
    }

    pub fn new_default() -> Server {
        Server::initialized(Start::default(), json!({}), Value::Null).0
    }

    pub fn initialize(&mut self, capabilities: Value, init_options: Value) -> Value {
        let result = self.result(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": capabilities,
                   "initializationOptions": init_options}),
        );
        self.notify("initialized", json!({}));
        result
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("json");
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend_from_slice(&body);
        self.send_raw(&framed);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for the whole response message.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait_for(WAIT, |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// Sends a request and returns its result, failing on an error response.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    pub fn command(&mut self, command: &str, arguments: Value) -> Value {
        self.request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": arguments}),
        )
    }

    pub fn command_ok(&mut self, command: &str, arguments: Value) -> Value {
        let response = self.command(command, arguments);
        assert!(
            response.get("error").is_none(),
            "{command} failed: {response}"
        );
        response["result"].clone()
    }

    /// Receives one message, answering server-to-client requests on the way.
    fn receive(&mut self, timeout: Duration) -> Option<Value> {
        match self.rx.recv_timeout(timeout) {
            Ok(message) => {
                if let (Some(id), Some(method)) = (message.get("id"), message.get("method")) {
                    let result = match method.as_str() {
                        Some("workspace/configuration") => json!([self.configuration.clone()]),
                        _ => Value::Null,
                    };
                    let id = id.clone();
                    if self.stdin.is_some() {
                        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
                    }
                }
                Some(message)
            }
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits for a message matching `pred`, keeping the others in the inbox.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.try_wait_for(timeout, pred)
            .unwrap_or_else(|| panic!("timed out; messages seen: {:#?}", self.inbox))
    }

    pub fn try_wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(i) = self.inbox.iter().position(&pred) {
            return Some(self.inbox.remove(i));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let message = self.receive(left)?;
            if pred(&message) {
                return Some(message);
            }
            self.inbox.push(message);
        }
    }

    /// Collects every message that arrives within `window`.
    pub fn drain(&mut self, window: Duration) -> Vec<Value> {
        let deadline = Instant::now() + window;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.receive(left) {
                Some(m) => self.inbox.push(m),
                None => break,
            }
        }
        std::mem::take(&mut self.inbox)
    }

    pub fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.open_version(uri, language, text, 1);
    }

    pub fn open_version(&mut self, uri: &str, language: &str, text: &str, version: i64) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Waits for the diagnostics of `uri` at `version` (any version if `None`).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let uri = uri.to_string();
        let message = self.wait_for(WAIT, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && version.is_none_or(|v| m["params"]["version"] == v)
        });
        message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until a publication of `uri`'s diagnostics satisfies `pred`,
    /// skipping older ones (the server may republish the same version when
    /// settings, packs or progress change).
    pub fn diagnostics_until(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = uri.to_string();
        let message = self.wait_for(WAIT, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && pred(m["params"]["diagnostics"].as_array().map_or(&[][..], |v| v))
        });
        // Older publications of the same document are stale now.
        self.inbox.retain(|m| {
            !(m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str())
        });
        message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.result(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the process to end, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `shutdown` then `exit`; returns the exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.result("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit(Duration::from_secs(5))
            .expect("server did not exit")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `file://` URI for a path.
pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `(line, start char, end char)` of each diagnostic, for compact asserts.
pub fn ranges(diagnostics: &[Value]) -> Vec<(u64, u64, u64, String)> {
    diagnostics
        .iter()
        .map(|d| {
            let r = &d["range"];
            assert_eq!(
                r["start"]["line"], r["end"]["line"],
                "single-line range expected: {d}"
            );
            (
                r["start"]["line"].as_u64().unwrap_or(u64::MAX),
                r["start"]["character"].as_u64().unwrap_or(u64::MAX),
                r["end"]["character"].as_u64().unwrap_or(u64::MAX),
                d["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// How many hand-written exercises the built-in course has.
pub fn builtin_total() -> usize {
    llmops_core::Content::builtin()
        .expect("built-in content")
        .exercises
        .len()
}

/// Choice id of the right answer of a built-in exercise, read from the
/// embedded content (the server never tells before an answer).
pub fn right_choice(exercise_id: &str) -> String {
    let content = llmops_core::Content::builtin().expect("built-in content");
    let exercise = content
        .exercise(exercise_id)
        .unwrap_or_else(|| panic!("no exercise {exercise_id}"));
    char::from(b'a' + exercise.answer as u8).to_string()
}
