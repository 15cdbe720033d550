//! A notebook opened as its raw JSON (Neovim opens `.ipynb` files with the
//! `json` filetype). Only the cells' `source` strings are what a person
//! writes; output cells hold what the code printed (a model's reply, a
//! traceback, a table), and metadata holds the kernel's name. So a term is
//! shown only where the nearest JSON key before its line is `"source"`,
//! which is what `scan` (reading cells) and VS Code (one document per cell)
//! show too.
//!
//! nbformat writes one key or one string per line and sorts a cell's keys,
//! so `"source"` comes after `"outputs"`: the key line above a hit names the
//! array the hit's string is in. A notebook written on one line has no key
//! line above any hit and gets nothing, like any minified file.
//!
//! Cost: hits come in text order, so [`SourceLines`] walks forward once over
//! the starts of the lines up to the last hit, reading at most
//! [`KEY_BYTES`] of each: one pass per publication, only for raw notebooks.

use std::path::Path;

/// Longest key read at a line's start; nbformat's keys are short.
const KEY_BYTES: usize = 64;

/// Whether the document is a notebook's raw JSON rather than one of its
/// cells (which an editor opens in the cell's language).
pub fn is_raw_notebook(path: Option<&Path>, language: &str) -> bool {
    matches!(language, "json" | "jsonc")
        && path
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
}

/// A forward cursor telling, line by line, whether a line is inside a
/// cell's `source`.
pub struct SourceLines<'a> {
    text: &'a str,
    /// The next line start not yet read.
    next: usize,
    in_source: bool,
}

impl<'a> SourceLines<'a> {
    pub fn new(text: &'a str) -> SourceLines<'a> {
        SourceLines {
            text,
            next: 0,
            in_source: false,
        }
    }

    /// Whether the line starting at `line_start` is part of a cell's
    /// source. Calls must come with non-decreasing `line_start`.
    pub fn keeps(&mut self, line_start: usize) -> bool {
        let bytes = self.text.as_bytes();
        while self.next <= line_start && self.next < bytes.len() {
            let at = self.next;
            if let Some(key) = key_at(bytes, at) {
                self.in_source = key == b"source";
            }
            self.next = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
        }
        self.in_source
    }
}

/// The JSON key a line starts with (`"source": [`), if any: a string
/// followed by a colon. A string of a cell's source is followed by a comma
/// or the end of the array, and its inner quotes are escaped.
fn key_at(bytes: &[u8], line_start: usize) -> Option<&[u8]> {
    let end = (line_start + KEY_BYTES).min(bytes.len());
    let line = &bytes[line_start..end];
    let open = line.iter().position(|b| !matches!(b, b' ' | b'\t'))?;
    if line[open] != b'"' {
        return None;
    }
    let body = &line[open + 1..];
    let close = body
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b == b'\n')?;
    if body[close] != b'"' {
        return None;
    }
    let after = body[close + 1..]
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t'))?;
    (*after == b':').then(|| &body[..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTEBOOK: &str = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"outputs\": [\n    {\n     \"text\": [\n      \"TTFT 120 ms\\n\"\n     ]\n    }\n   ],\n   \"source\": [\n    \"# \\\"quoted\\\": TTFT\\n\",\n    \"print(ttft)\"\n   ]\n  }\n ]\n}\n";

    fn kept_lines(text: &str) -> Vec<usize> {
        let mut cursor = SourceLines::new(text);
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        starts
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s < text.len() && cursor.keeps(s))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn only_the_lines_of_a_cells_source_are_kept() {
        // Line 7 is output text; 11 is the key line, 12 and 13 its strings
        // (one with an escaped quote and a colon, not a key); the closing
        // brackets after them hold no text, and the next cell's first key
        // ends the source.
        assert_eq!(kept_lines(NOTEBOOK), [11, 12, 13, 14, 15, 16, 17]);
        let two = NOTEBOOK.replacen("  {\n", "  {\n   \"source\": [\"x\"]\n  },\n  {\n", 1);
        assert_eq!(kept_lines(&two)[..2], [3, 4]);
        assert!(!kept_lines(&two).contains(&10), "{two}");
    }

    #[test]
    fn only_a_notebooks_raw_json_is_filtered() {
        assert!(is_raw_notebook(Some(Path::new("a/b.ipynb")), "json"));
        // A cell, as VS Code opens it, is in the cell's language.
        assert!(!is_raw_notebook(Some(Path::new("a/b.ipynb")), "python"));
        assert!(!is_raw_notebook(Some(Path::new("a/b.json")), "json"));
        assert!(!is_raw_notebook(None, "json"));
    }
}
