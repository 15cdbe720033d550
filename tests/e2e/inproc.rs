//! The server in this process, over `tokio::io::duplex`: no binary to spawn,
//! no environment to set (each server gets its own directories through
//! `llmops_lsp::Config`). Tests of what the server says (diagnostics, hover,
//! code actions) run here as data: a fixture marks a position with `$0`, and
//! the answer is compared with an inline snapshot (`expect-test`; run with
//! `UPDATE_EXPECT=1` to rewrite them after a deliberate change).

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use expect_test::{Expect, expect};
use llmops_lsp::transport::framer::{Frame, Framer, frame_bytes, read_frame};
use serde_json::{Value, json};
use tokio::io::{AsyncWriteExt, DuplexStream};

const URI: &str = "file:///inproc/doc.md";

pub struct InProc {
    rt: tokio::runtime::Runtime,
    input: DuplexStream,
    rx: Receiver<Value>,
    next_id: i64,
    inbox: Vec<Value>,
    _dirs: [tempfile::TempDir; 2],
}

impl InProc {
    pub fn start(init_options: Value) -> InProc {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let config = llmops_lsp::Config {
            data_dir: Some(dirs[0].path().to_path_buf()),
            user_pack_dir: Some(dirs[1].path().to_path_buf()),
        };
        let (input, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, mut output) = tokio::io::duplex(1 << 20);
        rt.spawn(llmops_lsp::serve_with(server_in, server_out, config));
        let (tx, rx) = channel();
        rt.spawn(async move {
            let mut framer = Framer::new();
            while let Some(Frame::Body(body)) = read_frame(&mut framer, &mut output).await {
                let value: Value = serde_json::from_slice(&body).expect("server sent JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut server = InProc {
            rt,
            input,
            rx,
            next_id: 1,
            inbox: Vec::new(),
            _dirs: dirs,
        };
        server.request(
            "initialize",
            json!({"processId": null, "capabilities": {}, "initializationOptions": init_options}),
        );
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: Value) {
        let bytes = frame_bytes(&serde_json::to_vec(&message).unwrap());
        let input = &mut self.input;
        self.rt
            .block_on(async { input.write_all(&bytes).await.unwrap() });
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let reply = self.wait_for(|m| m["id"] == id && m.get("method").is_none());
        assert!(reply.get("error").is_none(), "{method}: {reply}");
        reply["result"].clone()
    }

    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&pred) {
            return self.inbox.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("timed out; seen {:#?}", self.inbox));
            let message = self.rx.recv_timeout(left).expect("server answered");
            if pred(&message) {
                return message;
            }
            self.inbox.push(message);
        }
    }

    /// Opens `text` and returns its first publication of diagnostics.
    pub fn open(&mut self, language: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": language, "version": 1, "text": text}}),
        );
        let published = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == URI
        });
        published["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Splits a fixture at its `$0` marker: the text without it, and the
/// marker's position (line, UTF-16 column).
fn cursor(fixture: &str) -> (String, Value) {
    let at = fixture.find("$0").expect("fixture has a $0 marker");
    let before = &fixture[..at];
    let line = before.matches('\n').count();
    let column: usize = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count();
    let text = format!("{}{}", before, &fixture[at + 2..]);
    (text, json!({"line": line, "character": column}))
}

/// Diagnostics drawn under the lines they mark, one `^^^ code: message` line
/// per diagnostic, so a snapshot reads like the editor looks.
fn render_diagnostics(text: &str, diagnostics: &[Value]) -> String {
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        for d in diagnostics
            .iter()
            .filter(|d| d["range"]["start"]["line"] == n)
        {
            let start = d["range"]["start"]["character"].as_u64().unwrap() as usize;
            let end = d["range"]["end"]["character"].as_u64().unwrap() as usize;
            // Messages are short (the term's name and a few words): shown whole.
            let message = d["message"].as_str().unwrap();
            out.push_str(&format!(
                "{}{} {} (sev {}): {message}\n",
                " ".repeat(start),
                "^".repeat(end.saturating_sub(start).max(1)),
                d["code"].as_str().unwrap(),
                d["severity"]
            ));
        }
    }
    out
}

fn check_diagnostics(language: &str, options: Value, text: &str, expect: Expect) {
    let mut server = InProc::start(options);
    let diagnostics = server.open(language, text);
    expect.assert_eq(&render_diagnostics(text, &diagnostics));
}

fn check_hover(fixture: &str, expect: Expect) {
    let (text, position) = cursor(fixture);
    let mut server = InProc::start(Value::Null);
    server.open("markdown", &text);
    let hover = server.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": position}),
    );
    let shown = if hover.is_null() {
        "null".to_string()
    } else {
        let value = hover["contents"]["value"].as_str().unwrap();
        let first = value.lines().next().unwrap_or_default();
        format!(
            "{} {}\n{first}",
            hover["range"]["start"], hover["range"]["end"]
        )
    };
    expect.assert_eq(&shown);
}

fn check_code_actions(fixture: &str, expect: Expect) {
    let (text, position) = cursor(fixture);
    let mut server = InProc::start(Value::Null);
    server.open("python", &text);
    let actions = server.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": {"start": position, "end": position},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<String> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let target = a["command"]["command"]
                .as_str()
                .map(|c| format!("{c} {}", a["command"]["arguments"]))
                .unwrap_or_else(|| "edit".into());
            format!("{} -> {target}", a["title"].as_str().unwrap())
        })
        .collect();
    expect.assert_eq(&(titles.join("\n") + "\n"));
}

#[test]
fn identifier_forms_and_ignore_markers() {
    check_diagnostics(
        "python",
        Value::Null,
        "ttft_ms = measure()  # TTFT per request\nregistry = PromptRegistry()  # llmops: ignore\n# llmops: ignore-next-line\nalias = MODEL_ALIAS\n",
        expect![[r#"
            ttft_ms = measure()  # TTFT per request
            ^^^^ ttft (sev 4): Time to first token (LLMOps term)
                                   ^^^^ ttft (sev 4): Time to first token (LLMOps term)
            registry = PromptRegistry()  # llmops: ignore
            # llmops: ignore-next-line
            alias = MODEL_ALIAS
        "#]],
    );
}

#[test]
fn first_occurrence_only_and_severity_from_settings() {
    check_diagnostics(
        "markdown",
        json!({"firstOccurrenceOnly": true, "severity": "warning"}),
        "TTFT, TTFT and the prompt registry.\nThe prompt registry again.\n",
        expect![[r#"
            TTFT, TTFT and the prompt registry.
            ^^^^ ttft (sev 2): Time to first token (LLMOps term)
                               ^^^^^^^^^^^^^^^ prompt-registry (sev 2): Prompt registry (LLMOps term)
            The prompt registry again.
        "#]],
    );
}

#[test]
fn hover_on_a_term_and_beside_it() {
    check_hover(
        "Our 😀 T$0TFT budget",
        expect![[r#"
            {"character":7,"line":0} {"character":11,"line":0}
            **Time to first token** · also: TTFT, first-token latency"#]],
    );
    check_hover("Our$0 TTFT budget", expect!["null"]);
}

#[test]
fn code_actions_for_a_term_under_the_cursor() {
    check_code_actions(
        "x = 1\nlatency = ttft$0_ms\n",
        expect![[r#"
            Learn: Time to first token (exercise 36 of 206) -> llmops.openExercise [{"exerciseId":"ttft-1"}]
            I know this term: Time to first token -> llmops.markKnown [{"termId":"ttft"}]
            Ignore LLMOps terms on this line -> edit
            Ignore LLMOps terms in this file -> edit
        "#]],
    );
}
