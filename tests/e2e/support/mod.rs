//! A small, independent LSP client for the end-to-end tests: Content-Length
//! framing (read with the server's own framer), request/response matching,
//! answers to server-to-client requests, and waiting for notifications.
//!
//! By default the server runs in this process, over `tokio::io::duplex`
//! with `llmops_lsp::serve_with`: no binary to spawn, and each server gets
//! its own directories and clock through `llmops_lsp::Config`, so tests run
//! side by side without environment variables. The bytes on the wire are the
//! same as over stdio. A test that needs what only a process shows (exit
//! codes, the process ending, resident memory, the environment) asks for the
//! real binary with [`Start::process`] and says why in its doc comment.

#![allow(dead_code)]

#[cfg(unix)]
pub mod cost;
pub mod fixture;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use llmops_core::clock::Clock;
use llmops_lsp::transport::framer::{Frame, Framer, read_frame, read_frame_blocking};
use serde_json::{Value, json};
use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

pub const BIN: &str = env!("CARGO_BIN_EXE_llmops-lsp");
pub const WAIT: Duration = Duration::from_secs(10);

/// How to start a server.
#[derive(Clone, Default)]
pub struct Start {
    pub data_dir: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`: the user's packs are in `llmops-lsp/packs` under it.
    pub config_home: Option<PathBuf>,
    /// The server's clock stands at this Unix time (in a process, through
    /// `LLMOPS_LSP_NOW`); `None`: the system clock.
    pub now: Option<u64>,
    /// Run the real binary instead of a server in this process.
    pub process: bool,
    /// Extra environment for the binary; only a process has one.
    pub env: Vec<(String, String)>,
    /// A lower limit on an open document's length than the server's own
    /// (`Config::max_document_bytes`), to reach it without gigabytes; only
    /// a server in this process takes one.
    pub max_document_bytes: Option<usize>,
}

impl Start {
    /// The real `llmops-lsp` binary over stdio, for what only a process
    /// shows: exit codes, the process ending, resident memory, environment
    /// variables. Every caller says why it needs one.
    pub fn process() -> Start {
        Start {
            process: true,
            ..Default::default()
        }
    }

    /// A server that keeps its progress in `dir` (to restart it, or share it).
    pub fn with_data_dir(dir: impl Into<PathBuf>) -> Start {
        Start::default().data_dir(dir)
    }

    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Start {
        self.data_dir = Some(dir.into());
        self
    }

    /// Starts the server's clock at `unix_seconds` (see [`Server::advance_clock`]).
    pub fn now(mut self, unix_seconds: u64) -> Start {
        self.now = Some(unix_seconds);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Start {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Documents longer than `bytes` are refused (see the field).
    pub fn max_document_bytes(mut self, bytes: usize) -> Start {
        self.max_document_bytes = Some(bytes);
        self
    }
}

/// How a server ended: the process's exit code, or what `serve_with`
/// returned in process (the code the binary passes to `exit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit(Option<i32>);

impl Exit {
    pub fn success(self) -> bool {
        self.0 == Some(0)
    }

    pub fn code(self) -> Option<i32> {
        self.0
    }
}

/// The two ways to run a server.
enum Transport {
    Process {
        child: Child,
        stdin: Option<ChildStdin>,
    },
    InProcess {
        /// `Some` until the server is dropped (then shut down in the background).
        rt: Option<tokio::runtime::Runtime>,
        input: Option<DuplexStream>,
        served: Option<JoinHandle<i32>>,
        exit: Option<Exit>,
        clock: Clock,
    },
}

pub struct Server {
    transport: Transport,
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
fn read_frames(mut stdout: impl Read + Send + 'static, tx: Sender<Value>) {
    std::thread::spawn(move || {
        let mut framer = Framer::new();
        while let Some(frame) = read_frame_blocking(&mut framer, &mut stdout) {
            if !forward(frame, &tx) {
                return;
            }
        }
    });
}

/// Passes one frame on as JSON; `false` once nobody listens.
fn forward(frame: Frame, tx: &Sender<Value>) -> bool {
    let Frame::Body(body) = frame else {
        panic!("server sent a bad frame: {frame:?}");
    };
    let value: Value = serde_json::from_slice(&body).expect("server sent invalid JSON");
    tx.send(value).is_ok()
}

/// A temporary directory kept alive in `temp`, unless `given`.
fn dir_or_temp(given: &Option<PathBuf>, temp: &mut Vec<tempfile::TempDir>) -> PathBuf {
    given.clone().unwrap_or_else(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        temp.push(dir);
        path
    })
}

fn spawn_process(
    options: &Start,
    data_dir: &Path,
    config_home: &Path,
) -> (Transport, Receiver<Value>) {
    assert!(
        options.max_document_bytes.is_none(),
        "a process keeps the server's own document limit: start in this process to lower it"
    );
    let mut command = Command::new(BIN);
    command
        .env("LLMOPS_LSP_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("LLMOPS_LSP_NOW")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(now) = options.now {
        command.env("LLMOPS_LSP_NOW", now.to_string());
    }
    for (k, v) in &options.env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start llmops-lsp");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    read_frames(stdout, tx);
    (Transport::Process { child, stdin }, rx)
}

fn spawn_in_process(
    options: &Start,
    data_dir: &Path,
    config_home: &Path,
) -> (Transport, Receiver<Value>) {
    assert!(
        options.env.is_empty(),
        "a server in this process has no environment of its own: use Start::process() for {:?}",
        options.env
    );
    // Two workers, as the binary has (`execute_command` needs a
    // multi-threaded runtime for `block_in_place`).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let clock = options.now.map_or_else(Clock::system, Clock::fixed);
    let config = llmops_lsp::Config {
        data_dir: Some(data_dir.to_path_buf()),
        // Where `llmops_core::dirs::user_pack_dir` looks under XDG_CONFIG_HOME.
        user_pack_dir: Some(config_home.join("llmops-lsp").join("packs")),
        clock: clock.clone(),
        max_document_bytes: options
            .max_document_bytes
            .unwrap_or(llmops_core::text::MAX_TEXT_BYTES),
    };
    let (input, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, mut output) = tokio::io::duplex(1 << 20);
    let served = rt.spawn(llmops_lsp::serve_with(server_in, server_out, config));
    // The reader has a thread of its own, as it has for a process, so it
    // never takes a turn from the server's two workers.
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let Ok(reader) = tokio::runtime::Builder::new_current_thread().build() else {
            return;
        };
        reader.block_on(async move {
            let mut framer = Framer::new();
            while let Some(frame) = read_frame(&mut framer, &mut output).await {
                if !forward(frame, &tx) {
                    return;
                }
            }
        });
    });
    let transport = Transport::InProcess {
        rt: Some(rt),
        input: Some(input),
        served: Some(served),
        exit: None,
        clock,
    };
    (transport, rx)
}

impl Server {
    pub fn start(options: Start) -> Server {
        let mut temp = Vec::new();
        let data_dir = dir_or_temp(&options.data_dir, &mut temp);
        let config_home = dir_or_temp(&options.config_home, &mut temp);
        let (transport, rx) = if options.process {
            spawn_process(&options, &data_dir, &config_home)
        } else {
            spawn_in_process(&options, &data_dir, &config_home)
        };
        Server {
            transport,
            rx,
            next_id: 1,
            inbox: Vec::new(),
            _temp: temp,
            data_dir,
            configuration: Value::Null,
        }
    }

    /// The server's process id (only a process server has one).
    pub fn pid(&self) -> u32 {
        match &self.transport {
            Transport::Process { child, .. } => child.id(),
            Transport::InProcess { .. } => panic!("a pid needs Start::process()"),
        }
    }

    /// Kills a process server with SIGKILL (no shutdown, nothing flushed)
    /// and waits for it to end.
    pub fn kill(&mut self) {
        match &mut self.transport {
            Transport::Process { child, .. } => {
                child.kill().expect("kill the server");
                child.wait().expect("wait for the killed server");
            }
            Transport::InProcess { .. } => panic!("killing needs Start::process()"),
        }
    }

    /// Moves an in-process server's clock forward (it must have started
    /// with [`Start::now`]); returns the new time.
    pub fn advance_clock(&self, seconds: u64) -> u64 {
        match &self.transport {
            Transport::InProcess { clock, .. } => clock
                .advance(seconds)
                .expect("advance_clock needs a server started with Start::now"),
            Transport::Process { .. } => {
                panic!("a process's clock is LLMOPS_LSP_NOW, fixed when it starts")
            }
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
        match &mut self.transport {
            Transport::Process { stdin, .. } => {
                let stdin = stdin.as_mut().expect("stdin open");
                stdin.write_all(bytes).expect("write to server");
                stdin.flush().expect("flush");
            }
            Transport::InProcess { rt, input, .. } => {
                let (Some(rt), Some(input)) = (rt.as_ref(), input.as_mut()) else {
                    panic!("input closed");
                };
                rt.block_on(input.write_all(bytes))
                    .expect("write to server");
            }
        }
    }

    /// Whether the server's input is still open (answers can still be sent).
    fn input_open(&self) -> bool {
        match &self.transport {
            Transport::Process { stdin, .. } => stdin.is_some(),
            Transport::InProcess { input, .. } => input.is_some(),
        }
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
                    if self.input_open() {
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

    /// Every publication of `uri`'s diagnostics up to and including the one
    /// at `version`, oldest first: a positive sync point for "nothing else
    /// was published for it before that version" (the publisher sends in
    /// order, so whatever an earlier cause published arrived before).
    pub fn publications_through(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let last = self.wait_for(WAIT, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        let mut all = Vec::new();
        self.inbox.retain(|m| {
            let of_uri =
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
            if of_uri {
                all.push(m.clone());
            }
            !of_uri
        });
        all.push(last);
        all
    }

    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.result(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// Closes the server's input, as a client that goes away does.
    pub fn close_stdin(&mut self) {
        match &mut self.transport {
            Transport::Process { stdin, .. } => *stdin = None,
            Transport::InProcess { input, .. } => *input = None,
        }
    }

    /// Waits for the server to end, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<Exit> {
        let deadline = Instant::now() + timeout;
        loop {
            match &mut self.transport {
                Transport::Process { child, .. } => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Some(Exit(status.code()));
                    }
                }
                Transport::InProcess {
                    rt, served, exit, ..
                } => {
                    if exit.is_some() {
                        return *exit;
                    }
                    if let (Some(rt), Some(handle)) = (rt.as_ref(), served.as_ref())
                        && handle.is_finished()
                    {
                        let handle = served.take().expect("checked above");
                        *exit = Some(Exit(rt.block_on(handle).ok()));
                        return *exit;
                    }
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// `shutdown` then `exit`; returns how the server ended.
    pub fn stop(mut self) -> Exit {
        self.result("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit(Duration::from_secs(5))
            .expect("server did not exit")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match &mut self.transport {
            Transport::Process { child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Transport::InProcess { rt, input, .. } => {
                // End of input ends the server. Work it left on the blocking
                // pool (a pack reload) is waited for, briefly, so that it
                // counts in this test's time instead of slowing the next
                // ones down (a process would have been killed).
                *input = None;
                if let Some(rt) = rt.take() {
                    rt.shutdown_timeout(Duration::from_secs(2));
                }
            }
        }
    }
}

/// Resident memory of process `pid` in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
}

/// The highest resident memory of process `pid` so far, in KiB (`VmHWM`).
pub fn peak_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM")
}

/// A KiB figure of `/proc/<pid>/status`. Panics when it cannot be read: a
/// memory bound checked against 0 would always pass.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    let kib = status
        .lines()
        .find(|l| {
            l.strip_prefix(field)
                .is_some_and(|rest| rest.starts_with(':'))
        })
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    assert!(kib > 0, "{field} of {pid} read as 0");
    kib
}

/// A server initialized on the one workspace folder `root` (named `ws`),
/// with the client's `capabilities` and `initializationOptions`; also the
/// `initialize` result.
pub fn start_in_folder(
    start: Start,
    root: &Path,
    capabilities: Value,
    options: Value,
) -> (Server, Value) {
    let mut server = Server::start(start);
    let uri = file_uri(root);
    let init = server.result(
        "initialize",
        json!({"processId": null, "rootUri": uri,
               "workspaceFolders": [{"uri": uri, "name": "ws"}],
               "capabilities": capabilities,
               "initializationOptions": options}),
    );
    server.notify("initialized", json!({}));
    (server, init)
}

/// Makes a FIFO at `path` (`mkfifo`): reading one blocks until a writer comes.
pub fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// The labels of a completion answer's items (none for a null answer).
pub fn completion_labels(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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
