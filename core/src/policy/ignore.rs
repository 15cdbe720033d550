//! `llmops: ignore`, `llmops: ignore-next-line` and `llmops: ignore-file`
//! markers. They work in any comment syntax because only the marker text is
//! looked for, never the comment leader.

use crate::text::LineIndex;

pub const IGNORE: &str = "llmops: ignore";

/// Lines whose hits are silenced, or the whole file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Silenced {
    pub file: bool,
    /// Sorted line numbers.
    pub lines: Vec<usize>,
}

impl Silenced {
    pub fn find(text: &str, lines: &LineIndex) -> Silenced {
        let mut out = Silenced::default();
        let finder = memchr::memmem::Finder::new(IGNORE.as_bytes());
        for at in finder.find_iter(text.as_bytes()) {
            let rest = &text[at + IGNORE.len()..];
            let line = lines.line_of(at);
            if rest.starts_with("-file") {
                out.file = true;
                return out;
            } else if rest.starts_with("-next-line") {
                out.lines.push(line + 1);
            } else if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
                out.lines.push(line);
            }
        }
        out.lines.sort_unstable();
        out.lines.dedup();
        out
    }

    pub fn covers(&self, line: usize) -> bool {
        self.file || self.lines.binary_search(&line).is_ok()
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
        let s = Silenced::find(text, &LineIndex::new(text));
        assert_eq!(s.lines, [0, 2]);
        assert!(!s.covers(3));
        let text = "x\n<!-- llmops: ignore-file -->\n";
        assert!(Silenced::find(text, &LineIndex::new(text)).file);
    }
}
