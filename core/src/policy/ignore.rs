//! `llmops: ignore`, `llmops: ignore-next-line` and `llmops: ignore-file`
//! markers. They work in any comment syntax because only the marker text is
//! looked for, never the comment leader.
//!
//! A marker alone silences every hit it covers. Followed by ids
//! (`llmops: ignore-next-line dated-model-snapshot, ttft`: term ids or
//! practice rule ids, a practice's optionally written as the diagnostic's
//! code, `practice:<id>`; commas or spaces between them) it silences only
//! hits of those ids, so "Ignore this practice here" leaves another practice
//! or term on the line showing. The ids end at the first word that is not
//! one (`-- why`, a comment closer such as `-->` or `*/`) or at the line's
//! end. An id that names nothing silences nothing.
//!
//! Markers are kept by byte offset, not by line number, so an open document
//! can keep them edit by edit like its hits ([`Silenced::replace`] looks only
//! at the lines an edit touched) and the policy asks about one line at a time
//! ([`Silenced::covers`], two binary searches), instead of searching the
//! whole text at every publication. A marker's ids sit on its own line, so
//! the lines an edit touched are still all a keystroke reads.

use std::collections::HashSet;

use crate::practice::KNOWN_PREFIX;
use crate::text::LineIndex;

pub const IGNORE: &str = "llmops: ignore";

/// A marker: where it starts and the ids it names (none: every hit).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Marker {
    at: usize,
    /// Where the marker's text ends: after its last id, or its kind word.
    /// A term spotted in there (`model-alias` named as an id) is the
    /// marker, not a use of the term.
    end: usize,
    ids: Box<[Box<str>]>,
}

/// What a hit is, for a marker that names ids: a term by its id or a
/// practice by its rule id. A bare id in a marker names either;
/// `practice:<id>` only a practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named<'a> {
    Term(&'a str),
    Practice(&'a str),
}

/// What the markers over some lines silence: everything, or hits of the
/// ids they name. Built once per line with hits (and once per document for
/// `ignore-file`), so a hit costs a set lookup however many markers its
/// line holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope<'a> {
    all: bool,
    /// Bare ids: a term's or a practice's.
    ids: HashSet<&'a str>,
    /// Ids written `practice:<id>`, without the prefix: a practice's only.
    practices: HashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn add(&mut self, markers: &'a [Marker]) {
        for marker in markers {
            if marker.ids.is_empty() {
                self.all = true;
            }
            for id in &marker.ids {
                match id.strip_prefix(KNOWN_PREFIX) {
                    Some(rule) => self.practices.insert(rule),
                    None => self.ids.insert(id),
                };
            }
        }
    }

    /// Whether the markers silence every hit.
    pub fn all(&self) -> bool {
        self.all
    }

    /// Whether the markers silence a hit of `what`.
    pub fn silences(&self, what: Named<'_>) -> bool {
        self.all
            || match what {
                Named::Term(term) => self.ids.contains(term),
                Named::Practice(rule) => self.ids.contains(rule) || self.practices.contains(rule),
            }
    }
}

/// Where the ignore markers of a text are, by kind, sorted by offset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Silenced {
    /// `llmops: ignore-file`: the whole file.
    file: Vec<Marker>,
    /// `llmops: ignore-next-line`: the line after the marker's.
    next_line: Vec<Marker>,
    /// `llmops: ignore`: the marker's own line.
    line: Vec<Marker>,
}

/// What a marker silences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    NextLine,
    Line,
}

/// Whether a word after a marker is an id: a pack id (letters, digits, `-`,
/// `_`, `.`, starting with a letter or digit), optionally `practice:`-first.
fn is_id(word: &str) -> bool {
    let id = word.strip_prefix(KNOWN_PREFIX).unwrap_or(word);
    id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The ids after a marker's kind word, read from `rest` (the text after
/// it) word by word: words are split by commas and spaces, and the first
/// that is not an id, or a line break, ends them. A comment closer written
/// against the last id (`ttft-->`, `ttft*/`) ends them too, the id kept.
/// Reads only those words and the one after, so markers packed on one
/// line cost the line's length, not its length per marker. Also says where
/// the last id ends, in bytes from the start of `rest` (0: no ids).
fn ids_after(rest: &str) -> (Box<[Box<str>]>, usize) {
    let mut ids = Vec::new();
    let mut read = 0;
    let mut left = rest;
    loop {
        left = left.trim_start_matches(|c: char| {
            c == ',' || (c.is_whitespace() && c != '\n' && c != '\r')
        });
        let end = left
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(left.len());
        let (word, after) = left.split_at(end);
        if word.is_empty() {
            break;
        }
        let word_at = rest.len() - left.len();
        if is_id(word) {
            ids.push(Box::from(word));
            read = word_at + word.len();
            left = after;
            continue;
        }
        if let Some(id) = ["-->", "*/"]
            .iter()
            .find_map(|closer| word.strip_suffix(closer))
            .filter(|id| is_id(id))
        {
            ids.push(Box::from(id));
            read = word_at + id.len();
        }
        break;
    }
    (ids.into(), read)
}

/// The markers that start in `text[from..to]`, in order. A marker, the
/// words that decide its kind and its ids never cross a line break, so
/// `from..to` only needs to cover whole lines.
fn markers_in(text: &str, from: usize, to: usize) -> impl Iterator<Item = (Kind, Marker)> + '_ {
    let finder = memchr::memmem::Finder::new(IGNORE.as_bytes());
    let found: Vec<usize> = finder
        .find_iter(&text.as_bytes()[from..to])
        .map(|at| from + at)
        .collect();
    found.into_iter().filter_map(move |at| {
        let rest = &text[at + IGNORE.len()..];
        let (kind, rest) = if let Some(rest) = rest.strip_prefix("-file") {
            (Kind::File, rest)
        } else if let Some(rest) = rest.strip_prefix("-next-line") {
            (Kind::NextLine, rest)
        } else {
            (Kind::Line, rest)
        };
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        let (ids, read) = ids_after(rest);
        Some((
            kind,
            Marker {
                at,
                end: text.len() - rest.len() + read,
                ids,
            },
        ))
    })
}

/// The markers of a sorted list that start in `from..to`.
fn within(sorted: &[Marker], from: usize, to: usize) -> &[Marker] {
    let a = sorted.partition_point(|m| m.at < from);
    let b = sorted.partition_point(|m| m.at < to);
    &sorted[a..b.max(a)]
}

impl Silenced {
    /// Every marker of a whole text (one pass of a substring search).
    pub fn find(text: &str) -> Silenced {
        let mut out = Silenced::default();
        for (kind, marker) in markers_in(text, 0, text.len()) {
            out.list_mut(kind).push(marker);
        }
        out
    }

    fn list_mut(&mut self, kind: Kind) -> &mut Vec<Marker> {
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
        let mut fresh: [Vec<Marker>; 3] = Default::default();
        for (kind, marker) in markers_in(text, from, new_to) {
            fresh[kind as usize].push(marker);
        }
        for (kind, fresh) in [Kind::File, Kind::NextLine, Kind::Line]
            .into_iter()
            .zip(fresh)
        {
            let list = self.list_mut(kind);
            let a = list.partition_point(|m| m.at < from);
            let b = list.partition_point(|m| m.at < old_to);
            if new_to != old_to {
                for m in &mut list[b..] {
                    m.at = m.at + new_to - old_to;
                    m.end = m.end + new_to - old_to;
                }
            }
            list.splice(a..b, fresh);
        }
    }

    /// What the `ignore-file` markers silence, everywhere in the text.
    pub fn file_scope(&self) -> Scope<'_> {
        let mut scope = Scope::default();
        scope.add(&self.file);
        scope
    }

    /// The ids of the `ignore-file` markers, in order: what
    /// [`Silenced::file_scope`] is made of, without where they are (an
    /// empty list allocates nothing).
    pub fn file_ids(&self) -> Vec<Box<[Box<str>]>> {
        self.file.iter().map(|m| m.ids.clone()).collect()
    }

    /// What the markers of `line` silence on it: its own `llmops: ignore`
    /// markers and the line before's `ignore-next-line` ones (not the file
    /// markers: see [`Silenced::file_scope`]). Two binary searches and the
    /// markers found.
    pub fn line_scope(&self, text: &str, lines: &LineIndex, line: usize) -> Scope<'_> {
        let mut scope = Scope::default();
        let Some(start) = lines.line_start(line) else {
            return scope;
        };
        let end = lines.line_start(line + 1).unwrap_or(text.len());
        scope.add(within(&self.line, start, end));
        if let Some(prev) = line.checked_sub(1).and_then(|l| lines.line_start(l)) {
            scope.add(within(&self.next_line, prev, start));
        }
        scope
    }

    /// Whether a hit of `what` on `line` is silenced, by a file marker, a
    /// marker on the line or an `ignore-next-line` marker on the line
    /// before. For one question; the policy keeps the scopes of a line.
    pub fn covers(&self, text: &str, lines: &LineIndex, line: usize, what: Named<'_>) -> bool {
        self.file_scope().silences(what) || self.line_scope(text, lines, line).silences(what)
    }

    /// Whether `start..end` lies in a marker's own text (a term named as
    /// one of its ids): three binary searches.
    pub fn within_marker(&self, start: usize, end: usize) -> bool {
        [&self.file, &self.next_line, &self.line]
            .into_iter()
            .any(|list| {
                let i = list.partition_point(|m| m.at <= start);
                i > 0 && end <= list[i - 1].end
            })
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
        let covered: Vec<usize> = (0..5)
            .filter(|&l| s.covers(text, &lines, l, Named::Term("ttft")))
            .collect();
        assert_eq!(covered, [0, 2]);
        assert!(!s.file_scope().all());
        let text = "x\n<!-- llmops: ignore-file -->\n";
        assert!(Silenced::find(text).file_scope().all());
        assert!(Silenced::find("llmops: ignored").is_empty());
    }

    fn ids(text: &str) -> Vec<Vec<String>> {
        let s = Silenced::find(text);
        [&s.file, &s.next_line, &s.line]
            .into_iter()
            .flatten()
            .map(|m| m.ids.iter().map(|id| id.to_string()).collect())
            .collect()
    }

    #[test]
    fn ids_follow_the_kind_split_by_commas_or_spaces() {
        assert_eq!(
            ids("# llmops: ignore-next-line dated-model-snapshot, ttft  practice:retired-model\n"),
            [["dated-model-snapshot", "ttft", "practice:retired-model"]]
        );
        assert_eq!(
            ids("x // llmops: ignore ttft,model-alias\n"),
            [["ttft", "model-alias"]]
        );
        assert_eq!(ids("x // llmops: ignore\n"), [Vec::<String>::new()]);
        assert_eq!(ids("x // llmops: ignore,\n"), [Vec::<String>::new()]);
        // The line's end ends them, whichever it is.
        assert_eq!(ids("# llmops: ignore-file a\rb\n"), [["a"]]);
        assert_eq!(ids("# llmops: ignore-file a\r\nb\n"), [["a"]]);
        // So does the first word that is not an id: a reason, a closer.
        assert_eq!(ids("# llmops: ignore ttft -- a fixture\n"), [["ttft"]]);
        assert_eq!(ids("# llmops: ignore: ttft\n"), [Vec::<String>::new()]);
        assert_eq!(ids("# llmops: ignore `ttft`\n"), [Vec::<String>::new()]);
        assert!(Silenced::find("# llmops: ignore-next-lines ttft\n").is_empty());
    }

    #[test]
    fn comment_closers_are_not_ids() {
        for text in [
            "x <!-- llmops: ignore ttft -->\n",
            "x <!-- llmops: ignore ttft-->\n",
            "x /* llmops: ignore ttft */",
            "x /* llmops: ignore ttft*/ y",
            "x {# llmops: ignore ttft #}",
        ] {
            assert_eq!(ids(text), [["ttft"]], "{text:?}");
        }
        assert_eq!(
            ids("<!-- llmops: ignore-file -->\n/* llmops: ignore-next-line */\n"),
            [Vec::<String>::new(), Vec::new()]
        );
    }

    #[test]
    fn a_marker_with_ids_silences_only_those() {
        let text = "TTFT x // llmops: ignore ttft\n\
                    # llmops: ignore-next-line practice:ttft, model-alias\n\
                    TTFT x\n\
                    TTFT x <!-- llmops: ignore no-such-id -->\n";
        let lines = LineIndex::new(text);
        let s = Silenced::find(text);
        let covers = |line, what| s.covers(text, &lines, line, what);
        // A bare id names a term or a practice.
        assert!(covers(0, Named::Term("ttft")));
        assert!(covers(0, Named::Practice("ttft")));
        assert!(!covers(0, Named::Term("model-alias")));
        assert!(!covers(0, Named::Practice("dated-model-snapshot")));
        // `practice:<id>` names the practice only.
        assert!(covers(2, Named::Practice("ttft")));
        assert!(!covers(2, Named::Term("ttft")));
        assert!(covers(2, Named::Term("model-alias")));
        // An id that names nothing silences nothing.
        assert!(!covers(3, Named::Term("ttft")));
        // The ids are the marker's own text; what follows them is not.
        let at = text.find("model-alias").unwrap();
        assert!(s.within_marker(at, at + "model-alias".len()));
        assert!(!s.within_marker(0, 4));
        let after = "x // llmops: ignore ttft -- model alias";
        let at = after.find("model alias").unwrap();
        assert!(!Silenced::find(after).within_marker(at, at + 11));
        let file = "// llmops: ignore-file ttft\nTTFT\nmodel alias\n";
        let s = Silenced::find(file);
        assert!(!s.file_scope().all());
        let lines = LineIndex::new(file);
        assert!(s.covers(file, &lines, 1, Named::Term("ttft")));
        assert!(!s.covers(file, &lines, 2, Named::Term("model-alias")));
    }
}
