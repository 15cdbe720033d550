//! Tests as data: a fixture marks a position with `$0`, and what the server
//! answers is rendered as text and compared with an inline snapshot
//! (`expect-test`; run with `UPDATE_EXPECT=1` to rewrite the snapshots after
//! a deliberate change, then read the diff).

use expect_test::Expect;
use serde_json::{Value, json};

use super::{Server, Start};

pub const URI: &str = "file:///fixture/doc.md";

/// Splits a fixture at its `$0` marker: the text without it, and the
/// marker's position (line, UTF-16 column).
pub fn cursor(fixture: &str) -> (String, Value) {
    let at = fixture.find("$0").expect("fixture has a $0 marker");
    let before = &fixture[..at];
    let line = before.matches('\n').count();
    let column: usize = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count();
    let text = format!("{}{}", before, &fixture[at + 2..]);
    (text, json!({"line": line, "character": column}))
}

/// Diagnostics drawn under the lines they mark, one `^^^ code (sev n):
/// message` line per diagnostic, so a snapshot reads like the editor looks.
/// Columns are UTF-16 units, as the server counts them; fixtures with
/// characters outside the BMP before a diagnostic are drawn shifted.
pub fn render_diagnostics(text: &str, diagnostics: &[Value]) -> String {
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        for d in diagnostics
            .iter()
            .filter(|d| d["range"]["start"]["line"] == n)
        {
            assert_eq!(
                d["range"]["start"]["line"], d["range"]["end"]["line"],
                "single-line range expected: {d}"
            );
            let start = d["range"]["start"]["character"].as_u64().unwrap() as usize;
            let end = d["range"]["end"]["character"].as_u64().unwrap() as usize;
            // Messages are short (the term's name and a few words): shown whole.
            let message = d["message"].as_str().unwrap();
            // Every diagnostic these fixtures draw is one of ours.
            assert_eq!(d["source"], "llmops", "{d}");
            out.push_str(&format!(
                "{}{} {} (sev {}): {message}\n",
                " ".repeat(start),
                "^".repeat(end.saturating_sub(start).max(1)),
                d["code"].as_str().unwrap(),
                d["severity"]
            ));
        }
    }
    // Every diagnostic must have been drawn: none past the last line.
    let lines = text.lines().count();
    for d in diagnostics {
        assert!(
            d["range"]["start"]["line"].as_u64().unwrap() < lines as u64,
            "diagnostic past the end: {d}"
        );
    }
    out
}

/// A fresh server with `options`, `text` opened as `language`.
fn server_with(language: &str, options: Value, text: &str) -> (Server, Vec<Value>) {
    let (mut server, _) = Server::initialized(Start::default(), json!({}), options);
    server.open(URI, language, text);
    let diagnostics = server.diagnostics(URI, Some(1));
    (server, diagnostics)
}

/// The first diagnostics of `text` opened as `language` with `options`.
pub fn check_diagnostics(language: &str, options: Value, text: &str, expect: Expect) {
    let (_server, diagnostics) = server_with(language, options, text);
    expect.assert_eq(&render_diagnostics(text, &diagnostics));
}

/// The hover at `$0`: its range and the first line of its text, or `null`.
pub fn check_hover(fixture: &str, expect: Expect) {
    let (text, position) = cursor(fixture);
    let (mut server, _) = server_with("markdown", Value::Null, &text);
    let hover = server.result(
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

/// The code actions at `$0` in a Python file: one `title -> command args`
/// (or `-> edit`) line each.
pub fn check_code_actions(fixture: &str, expect: Expect) {
    let (text, position) = cursor(fixture);
    let (mut server, _) = server_with("python", Value::Null, &text);
    let actions = server.result(
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
