//! Jupyter notebooks (`.ipynb`) for `scan`: the cells of a notebook, each
//! with its language and where its source lines sit in the file, so a
//! finding can be reported as "cell 3, line 2" (what a user sees in the
//! notebook) and as a line of the `.ipynb` file (what CI annotations and
//! editors that open the raw file point at).
//!
//! Each cell is scanned as a document of its own, as an editor sees a
//! notebook (VS Code opens every cell as a `vscode-notebook-cell:`
//! document): markdown cells as Markdown, code cells in the notebook's
//! language (`metadata.kernelspec.language`, else
//! `metadata.language_info.name`, else Python), raw cells not at all.
//!
//! File lines: a cell's `source` is a list of strings, one per line, as
//! nbformat and VS Code write it (or one string). Each is looked for, JSON
//! encoded, after the cell's `"source"` key, moving forward through the
//! file; a line that cannot be found (a writer that escapes differently)
//! stops the mapping for the rest of the file, so finding lines costs one
//! forward pass over the text, never a search per line from the start.
//!
//! The text was read like any scanned file (regular files only, capped at
//! `scan::MAX_SCAN_BYTES` while reading); a notebook that is not valid
//! JSON or has no `cells` list is reported, not guessed at.

use serde_json::Value;

/// One cell to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Position in the notebook's `cells` list, from 1 (as a user counts).
    pub number: usize,
    /// Language id to scan the cell as (`markdown`, `python`, …).
    pub language: String,
    /// The cell's source, lines joined as the notebook stores them.
    pub source: String,
    /// For each source line, where the JSON string holding it starts in
    /// the `.ipynb` file; `None` when it could not be found.
    pub file_lines: Vec<Option<InFile>>,
}

/// Where a source string sits in the `.ipynb` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFile {
    /// One-based line and column of the string's first character (after
    /// the opening quote).
    pub line: usize,
    pub column: usize,
    /// Byte offset in [`Cell::source`] where the string starts.
    pub source_start: usize,
}

impl Cell {
    /// The file line and column of the cell's one-based `line` and
    /// `column` (in characters), counting the characters the file spells
    /// with escapes (`\"`, `\u001b`) as the file has them.
    pub fn file_position(&self, line: usize, column: usize) -> Option<(usize, usize)> {
        let at = (*self.file_lines.get(line.checked_sub(1)?)?)?;
        let line_start = self
            .source
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>();
        let rest = self.source.get(line_start..)?;
        let offset = line_start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i);
        let before = self.source.get(at.source_start..offset)?;
        let spelled = serde_json::to_string(before).ok()?.chars().count() - 2;
        Some((at.line, at.column + spelled))
    }
}

/// The language of a notebook's code cells.
fn code_language(notebook: &Value) -> String {
    let metadata = &notebook["metadata"];
    let named = metadata["kernelspec"]["language"]
        .as_str()
        .or_else(|| metadata["language_info"]["name"].as_str())
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.len() <= 64);
    named.unwrap_or("python").to_ascii_lowercase()
}

/// The cells of a notebook's text, or why it is not one.
pub fn cells(text: &str) -> Result<Vec<Cell>, String> {
    let notebook: Value =
        serde_json::from_str(text).map_err(|e| format!("not a notebook (invalid JSON: {e})"))?;
    let Some(list) = notebook["cells"].as_array() else {
        return Err("not a notebook (no \"cells\" list)".into());
    };
    let code = code_language(&notebook);
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for (i, cell) in list.iter().enumerate() {
        let language = match cell["cell_type"].as_str() {
            Some("markdown") => "markdown".to_string(),
            Some("code") => cell["metadata"]["vscode"]["languageId"]
                .as_str()
                .filter(|l| !l.is_empty() && l.len() <= 64)
                .map_or_else(|| code.clone(), str::to_ascii_lowercase),
            _ => continue,
        };
        let pieces: Vec<&str> = match &cell["source"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        let file_lines = finder.locate(&pieces);
        out.push(Cell {
            number: i + 1,
            language,
            source: pieces.concat(),
            file_lines,
        });
    }
    Ok(out)
}

/// Finds source strings in the file text, moving forward only.
struct LineFinder<'a> {
    text: &'a str,
    /// Byte offset the next search starts at; `None` once a search failed.
    at: Option<usize>,
}

impl<'a> LineFinder<'a> {
    fn new(text: &'a str) -> Self {
        LineFinder { text, at: Some(0) }
    }

    /// The file positions of each source line of a cell whose source is
    /// `pieces` (one JSON string each). A piece holding several lines
    /// (a one-string source) gives all of them its own file line.
    fn locate(&mut self, pieces: &[&str]) -> Vec<Option<InFile>> {
        let mut out = Vec::new();
        let key = self.find_key();
        let mut source_start = 0;
        for piece in pieces {
            let found = if key { self.find(piece) } else { None };
            let found = found.map(|(line, column)| InFile {
                line,
                column,
                source_start,
            });
            source_start += piece.len();
            let lines_in_piece = piece.split_inclusive('\n').count().max(1);
            // A piece ending with a newline starts the next line; its
            // last (empty) part is not a line of its own.
            out.extend(std::iter::repeat_n(found, lines_in_piece));
        }
        out
    }

    /// Moves past the next `"source"` key (not one inside a string).
    fn find_key(&mut self) -> bool {
        let Some(at) = self.at else {
            return false;
        };
        let mut from = at;
        while let Some(i) = self.text[from..].find("\"source\"") {
            let start = from + i;
            let end = start + "\"source\"".len();
            let escaped = self.text[..start].ends_with('\\');
            let rest = self.text[end..].trim_start();
            if !escaped && rest.starts_with(':') {
                self.at = Some(end);
                return true;
            }
            from = end;
        }
        self.at = None;
        false
    }

    /// The line and column of `piece`, JSON encoded, after the cursor.
    fn find(&mut self, piece: &str) -> Option<(usize, usize)> {
        let at = self.at?;
        let encoded = serde_json::to_string(piece).ok()?;
        let Some(i) = self.text[at..].find(&encoded) else {
            self.at = None;
            return None;
        };
        let start = at + i;
        self.at = Some(start + encoded.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        // The text starts after the opening quote.
        let column = self.text[line_start..start].chars().count() + 2;
        Some((line, column))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_have_their_language_and_file_lines() {
        let text = r##"{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "# Notes\n",
    "We track TTFT."
   ]
  },
  {
   "cell_type": "raw",
   "metadata": {},
   "source": ["TTFT in a raw cell"]
  },
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [{"name": "stdout", "text": ["x = \"TTFT\"\n"]}],
   "source": "x = \"TTFT\"\ny = 2"
  }
 ],
 "metadata": {"kernelspec": {"language": "Python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}"##;
        let cells = cells(text).unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].number, 1);
        assert_eq!(cells[0].language, "markdown");
        assert_eq!(cells[0].source, "# Notes\nWe track TTFT.");
        assert_eq!(cells[0].file_position(1, 1), Some((7, 6)));
        assert_eq!(cells[0].file_position(2, 10), Some((8, 15)));
        assert_eq!(cells[1].number, 3);
        assert_eq!(cells[1].language, "python");
        // One string: both lines are on its file line (past the output
        // that holds the same text).
        // `\"` is two characters in the file.
        assert_eq!(cells[1].file_position(1, 5), Some((21, 19)));
        assert_eq!(cells[1].file_position(2, 1), Some((21, 29)));
    }

    #[test]
    fn not_a_notebook_is_an_error() {
        assert!(cells("{").unwrap_err().contains("invalid JSON"));
        assert!(cells("{\"a\": 1}").unwrap_err().contains("no \"cells\""));
        // A cell whose line cannot be found loses its file line only.
        let odd = "{\"cells\": [{\"cell_type\": \"code\", \"source\": [\"\\u0041\"]}]}";
        assert_eq!(cells(odd).unwrap()[0].file_lines, vec![None]);
    }
}
