//! `llmops: ignore`, `llmops: ignore-next-line` and `llmops: ignore-file`
//! markers. They work in any comment syntax because only the marker text is
//! looked for, never the comment leader.
//!
//! Markers are kept by byte offset, not by line number, so an open document
//! can keep them edit by edit like its hits ([`Silenced::replace`] looks only
//! at the lines an edit touched) and the policy asks about one line at a time
//! ([`Silenced::covers`], two binary searches), instead of searching the
//! whole text at every publication.

use crate::text::LineIndex;

pub const IGNORE: &str = "llmops: ignore";

/// Where the ignore markers of a text are, by kind, as sorted byte offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Silenced {
    /// `llmops: ignore-file`: the whole file is silenced.
    file: Vec<usize>,
    /// `llmops: ignore-next-line`: the line after the marker's.
    next_line: Vec<usize>,
    /// `llmops: ignore`: the marker's own line.
    line: Vec<usize>,
}

/// What a marker silences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    NextLine,
    Line,
}

/// The markers that start in `text[from..to]`, in order. A marker and the
/// words that decide its kind never cross a line break, so `from..to` only
/// needs to cover whole lines.
fn markers_in(text: &str, from: usize, to: usize) -> impl Iterator<Item = (usize, Kind)> + '_ {
    let finder = memchr::memmem::Finder::new(IGNORE.as_bytes());
    let found: Vec<usize> = finder
        .find_iter(&text.as_bytes()[from..to])
        .map(|at| from + at)
        .collect();
    found.into_iter().filter_map(move |at| {
        let rest = &text[at + IGNORE.len()..];
        if rest.starts_with("-file") {
            Some((at, Kind::File))
        } else if rest.starts_with("-next-line") {
            Some((at, Kind::NextLine))
        } else if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
            Some((at, Kind::Line))
        } else {
            None
        }
    })
}

/// Whether a sorted list holds an offset in `from..to`.
fn any_in(sorted: &[usize], from: usize, to: usize) -> bool {
    let i = sorted.partition_point(|&m| m < from);
    sorted.get(i).is_some_and(|&m| m < to)
}

impl Silenced {
    /// Every marker of a whole text (one pass of a substring search).
    pub fn find(text: &str) -> Silenced {
        let mut out = Silenced::default();
        for (at, kind) in markers_in(text, 0, text.len()) {
            out.list_mut(kind).push(at);
        }
        out
    }

    fn list_mut(&mut self, kind: Kind) -> &mut Vec<usize> {
        match kind {
            Kind::File => &mut self.file,
            Kind::NextLine => &mut self.next_line,
            Kind::Line => &mut self.line,
        }
    }

    /// Updates the markers after an edit, given the text after it: the
    /// markers that started in `from..old_to` (offsets before the edit) are
    /// replaced by those found in `from..new_to` (after it), and later ones
    /// move by `new_to - old_to`. `from` and `new_to` must cover whole lines
    /// (a line start and a line end or the end of the text) holding the
    /// edit. Costs the length of those lines plus a move of the later
    /// offsets, which is what the hits cost too.
    pub fn replace(&mut self, text: &str, from: usize, old_to: usize, new_to: usize) {
        for kind in [Kind::File, Kind::NextLine, Kind::Line] {
            let list = self.list_mut(kind);
            let a = list.partition_point(|&m| m < from);
            let b = list.partition_point(|&m| m < old_to);
            if new_to != old_to {
                for m in &mut list[b..] {
                    *m = *m + new_to - old_to;
                }
            }
            let fresh: Vec<usize> = markers_in(text, from, new_to)
                .filter(|&(_, k)| k == kind)
                .map(|(at, _)| at)
                .collect();
            list.splice(a..b, fresh);
        }
    }

    /// Whether an `ignore-file` marker silences the whole text.
    pub fn file(&self) -> bool {
        !self.file.is_empty()
    }

    /// Whether the hits on `line` are silenced: by the file marker, a marker
    /// on the line or an `ignore-next-line` marker on the line before.
    pub fn covers(&self, text: &str, lines: &LineIndex, line: usize) -> bool {
        if self.file() {
            return true;
        }
        let end_of = |l: usize| lines.line_start(l + 1).unwrap_or(text.len());
        let Some(start) = lines.line_start(line) else {
            return false;
        };
        if any_in(&self.line, start, end_of(line)) {
            return true;
        }
        line > 0
            && lines
                .line_start(line - 1)
                .is_some_and(|prev| any_in(&self.next_line, prev, start))
    }

    /// Whether there is no marker at all.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.next_line.is_empty() && self.line.is_empty()
    }
}

/// The comment that silences a line, in the syntax of a language.
pub fn comment_for(language: &str, marker: &str) -> String {
    let (open, close) = match language {
        "python" | "yaml" | "toml" | "shellscript" | "sh" | "bash" | "ruby" | "perl" | "r"
        | "dockerfile" | "makefile" | "elixir" | "julia" | "nix" | "properties" | "ini"
        | "gitignore" | "conf" => ("# ", ""),
        "markdown" | "html" | "xml" | "vue" | "svelte" => ("<!-- ", " -->"),
        "css" | "scss" | "less" => ("/* ", " */"),
        "sql" | "lua" | "haskell" | "ada" => ("-- ", ""),
        "lisp" | "clojure" | "scheme" | "elisp" | "racket" => (";; ", ""),
        "latex" | "tex" | "erlang" | "matlab" => ("% ", ""),
        "vim" => ("\" ", ""),
        "bat" => ("REM ", ""),
        "plaintext" | "text" => ("", ""),
        _ => ("// ", ""),
    };
    format!("{open}{marker}{close}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_silence_lines_or_files() {
        let text = "TTFT // llmops: ignore\n# llmops: ignore-next-line\nTTFT\nTTFT\n";
        let lines = LineIndex::new(text);
        let s = Silenced::find(text);
        let covered: Vec<usize> = (0..5).filter(|&l| s.covers(text, &lines, l)).collect();
        assert_eq!(covered, [0, 2]);
        assert!(!s.file());
        let text = "x\n<!-- llmops: ignore-file -->\n";
        assert!(Silenced::find(text).file());
        assert!(Silenced::find("llmops: ignored").is_empty());
    }
}
