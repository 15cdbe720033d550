//! "From your file": the line an exercise was opened from. The Learn code
//! action and the hover's Learn link carry it in their command arguments
//! (`{"exerciseId": id, "from": {...}}`), `llmops.openExercise` hands it
//! back in the view as `origin`, and the editors start the page with "You
//! met this in `app/assistant.py:42`: `ttft_ms = …`", linked back to that
//! spot.
//!
//! The line is the learner's own text, and the arguments come back from the
//! client, so both ends make it inert: one line, at most
//! [`MAX_TEXT_CHARS`] characters, control characters replaced and
//! invisible ones marked (`⟨U+202E⟩`). Editors show it as plain text (VS
//! Code with `textContent`, Neovim as buffer lines); in a hover's link it is
//! inside the percent-encoded JSON of the target, so it cannot form
//! Markdown.
//!
//! Cost: per code-action or hover request, on the one hit it is for: a
//! bounded window of the hit's line ([`WINDOW_BEFORE`] bytes before the hit,
//! [`WINDOW_AFTER`] after it), never the whole line or document.

use std::path::{Path, PathBuf};

use llmops_core::Hit;
use llmops_core::text::{Encoding, visible_controls};
use serde::Serialize;
use serde_json::Value;
use tower_lsp_server::ls_types::Uri;

use crate::state::OpenDoc;

/// Most characters of the line shown; longer lines are cut with `…`.
pub const MAX_TEXT_CHARS: usize = 120;
/// Most characters of the path shown.
pub const MAX_PATH_CHARS: usize = 200;
/// Most characters of a URI accepted back from a client.
const MAX_URI_CHARS: usize = 4096;
/// Bytes of the line read before the hit and after it.
const WINDOW_BEFORE: usize = 60;
const WINDOW_AFTER: usize = 180;

/// Where an exercise was opened from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct From {
    /// The document's URI, for the link back.
    pub uri: String,
    /// Zero-based LSP line and character of the term (in the negotiated
    /// position encoding).
    pub line: u32,
    pub character: u32,
    /// Workspace-relative path (`app/assistant.py`); the file name for a
    /// file outside every workspace folder.
    pub path: String,
    /// The line around the term, trimmed, capped and inert.
    pub text: String,
}

/// The origin of a term's hit in an open document.
pub fn of_hit(uri: &Uri, open: &OpenDoc, hit: &Hit, roots: &[PathBuf], encoding: Encoding) -> From {
    of_span(uri, open, hit.start(), hit.end(), roots, encoding)
}

/// The origin of any finding (a term's or a practice's) spanning the
/// bytes `start..end` of an open document.
pub fn of_span(
    uri: &Uri,
    open: &OpenDoc,
    start: usize,
    end: usize,
    roots: &[PathBuf],
    encoding: Encoding,
) -> From {
    let text = open.doc.text();
    let lines = open.doc.lines();
    let line = lines.line_of(start);
    let position = lines.position(text, start, encoding);
    let line_start = lines.line_start(line).unwrap_or(0);
    From {
        uri: uri.as_str().to_owned(),
        line: position.line,
        character: position.character,
        path: shown_path(uri, roots),
        text: excerpt(text, line_start, start, end),
    }
}

/// The hit's line around it, read in a bounded window: from the line start
/// (or [`WINDOW_BEFORE`] bytes before the hit) to the line end (or
/// [`WINDOW_AFTER`] bytes after it), with `…` where it was cut.
fn excerpt(text: &str, line_start: usize, start: usize, end: usize) -> String {
    let mut from = start.saturating_sub(WINDOW_BEFORE).max(line_start);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let limit = (end + WINDOW_AFTER).min(text.len());
    let (mut to, cut_end) =
        match memchr::memchr2(b'\n', b'\r', &text.as_bytes()[end.min(limit)..limit]) {
            Some(i) => (end + i, false),
            None => (limit, limit < text.len()),
        };
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let mut shown = String::new();
    if from > line_start {
        shown.push('…');
    }
    shown.push_str(&text[from..to]);
    if cut_end {
        shown.push('…');
    }
    inert(&shown, MAX_TEXT_CHARS)
}

/// One line of at most `max` characters: trimmed, control characters
/// (tabs, line breaks, escapes) made spaces, invisible ones marked.
pub fn inert(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let marked = visible_controls(one_line.trim());
    if marked.chars().count() <= max {
        return marked.into_owned();
    }
    let mut cut: String = marked.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The document's path relative to the workspace folder holding it (the
/// deepest one), with `/` separators; its file name when none holds it.
fn shown_path(uri: &Uri, roots: &[PathBuf]) -> String {
    let Some(path) = uri.to_file_path() else {
        return inert(uri.as_str(), MAX_PATH_CHARS);
    };
    let path: &Path = &path;
    let relative = roots
        .iter()
        .filter_map(|root| path.strip_prefix(root).ok())
        .min_by_key(|rest| rest.as_os_str().len());
    let shown = match relative {
        Some(rest) => rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    inert(&shown, MAX_PATH_CHARS)
}

/// The `from` argument a client sent back, checked and made inert again
/// (the client may be anything): `None` when it is not the shape above.
pub fn from_argument(value: &Value) -> Option<From> {
    let object = value.as_object()?;
    let uri = object.get("uri")?.as_str()?;
    if uri.chars().count() > MAX_URI_CHARS || uri.chars().any(char::is_control) {
        return None;
    }
    let number = |key: &str| -> Option<u32> {
        object
            .get(key)
            .map_or(Some(0), |v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
    };
    Some(From {
        uri: uri.to_owned(),
        line: number("line")?,
        character: number("character")?,
        path: inert(object.get("path")?.as_str()?, MAX_PATH_CHARS),
        text: inert(object.get("text")?.as_str()?, MAX_TEXT_CHARS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_excerpt_is_the_hits_line_trimmed_and_cut_around_the_hit() {
        let text = "first\n    ttft_ms = clock() - start  \nlast";
        let start = text.find("ttft").unwrap();
        let line_start = text.find("    ttft").unwrap();
        assert_eq!(
            excerpt(text, line_start, start, start + 4),
            "ttft_ms = clock() - start"
        );
        // A long line is read in a window around the hit, cut on both sides.
        let long = format!("{}TTFT{}", "a".repeat(500), "b".repeat(500));
        let shown = excerpt(&long, 0, 500, 504);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("TTFT"), "{shown}");
        assert!(shown.chars().count() <= MAX_TEXT_CHARS, "{shown}");
        // Multi-byte text at the window's edges is cut on character boundaries.
        let wide = format!("{}TTFT{}", "é".repeat(100), "漢".repeat(100));
        let start = wide.find("TTFT").unwrap();
        assert!(excerpt(&wide, 0, start, start + 4).contains("TTFT"));
    }

    #[test]
    fn the_text_is_one_inert_line() {
        assert_eq!(inert("a\tb\u{1b}[31mc\r\n", 50), "a b [31mc");
        assert_eq!(inert("x\u{202E}y", 50), "x⟨U+202E⟩y");
        assert_eq!(inert("abcdef", 4), "abc…");
    }

    #[test]
    fn paths_are_workspace_relative_or_the_file_name() {
        let uri: Uri = "file:///work/proj/app/assistant.py".parse().unwrap();
        let roots = [PathBuf::from("/work"), PathBuf::from("/work/proj")];
        assert_eq!(shown_path(&uri, &roots), "app/assistant.py");
        assert_eq!(
            shown_path(&uri, &[PathBuf::from("/elsewhere")]),
            "assistant.py"
        );
    }

    #[test]
    fn a_from_argument_is_checked_and_made_inert_again() {
        let from = from_argument(&json!({
            "uri": "file:///w/a.py",
            "line": 41,
            "character": 3,
            "path": "a.py",
            "text": "x = 1\u{202E}\nrm -rf /",
        }))
        .unwrap();
        assert_eq!(from.line, 41);
        assert_eq!(from.text, "x = 1⟨U+202E⟩ rm -rf /");
        for bad in [
            json!("file:///w/a.py"),
            json!({"uri": "file:///w/a.py", "line": -1, "path": "a", "text": "t"}),
            json!({"uri": 3, "line": 1, "path": "a", "text": "t"}),
            json!({"uri": "file:///w/a\n.py", "line": 1, "path": "a", "text": "t"}),
            json!({"uri": "file:///w/a.py", "line": 1, "text": "t"}),
        ] {
            assert_eq!(from_argument(&bad), None, "{bad}");
        }
    }
}
