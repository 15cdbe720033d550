//! Caps on what one pack may hold. Workspace packs come from whatever
//! repository was cloned, so every size the server's work or memory depends
//! on has a ceiling: a pack over one is reported like any other error (path,
//! line, field) and its last good version stays in use. The caps sit well
//! above anything a real glossary needs (the built-in course's longest
//! definition is about 600 characters, its longest phrase 4 words).

/// Largest pack file read, in bytes. Checked while reading, so a file that
/// grows (or never ends, like a device) costs at most this much.
pub const MAX_PACK_BYTES: u64 = 16 * 1024 * 1024;
/// Most folders holding a `.llmops/` whose packs are loaded (see
/// `crate::scopes`): each costs one merged copy of the content in memory
/// and one merge when a pack changes.
pub const MAX_SCOPE_FOLDERS: usize = 32;
/// Most entries in a pack's `imports`, and most files one pack brings in
/// through its imports and theirs.
pub const MAX_IMPORTS: usize = 16;
pub const MAX_IMPORTED_FILES: usize = 64;
/// Most terms, and most exercises, in one pack.
pub const MAX_TERMS: usize = 100_000;
pub const MAX_EXERCISES: usize = 100_000;
/// Most words (atoms) in one name or alias. Matching walks at most this many
/// words from each candidate, which keeps it linear in the document.
pub const MAX_PHRASE_WORDS: usize = 12;
/// Most aliases and related terms of one term, and vocabulary entries of one
/// exercise.
pub const MAX_LIST_ENTRIES: usize = 64;
/// Most usage sentences (`examples`) of one term, and the longest one in
/// characters: they are shown whole in a hover.
pub const MAX_EXAMPLES: usize = 8;
pub const MAX_EXAMPLE_CHARS: usize = 400;
/// Longest id, name or alias, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest definition, scenario, question, explanation or choice, in
/// characters. Hint messages and hovers are built from these.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Longest exercise snippet, in characters, and most lines in it: a
/// snippet is read in a panel or an 80x24 float, not scrolled through.
pub const MAX_SNIPPET_CHARS: usize = 2_000;
pub const MAX_SNIPPET_LINES: usize = 30;
/// Longest snippet language name.
pub const MAX_LANGUAGE_CHARS: usize = 32;
/// Most `[[practice]]` rules in one pack. With the per-rule compiled size
/// limit ([`crate::practice::MAX_REGEX_BYTES`]) this bounds what a pack can
/// add to every keystroke (measured in `server/benches/lsp_latency.rs`).
pub const MAX_PRACTICES: usize = 1_000;
/// Longest practice pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 1_000;
/// Longest practice message, in characters: it is a one-line hint.
pub const MAX_PRACTICE_MESSAGE_CHARS: usize = 300;
/// Most examples (`match` and `no_match` together) of one practice.
pub const MAX_PRACTICE_EXAMPLES: usize = 32;
/// Most errors reported for one pack; the rest are counted in a last one.
pub const MAX_ERRORS: usize = 100;

/// Byte offsets of every `\n` in a pack's source, so a byte offset becomes a
/// line and column in logarithmic time instead of a scan from the start
/// (which made loading quadratic in the number of terms).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Newlines(Vec<usize>);

impl Newlines {
    pub fn new(source: &str) -> Newlines {
        Newlines(memchr::memchr_iter(b'\n', source.as_bytes()).collect())
    }

    /// Zero-based line of byte `offset` and the byte offset where it starts.
    pub fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.0.partition_point(|&nl| nl < offset);
        let start = if line == 0 { 0 } else { self.0[line - 1] + 1 };
        (line, start)
    }

    /// Byte offset where zero-based `line` starts, or `None` past the end.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        match line {
            0 => Some(0),
            n => self.0.get(n - 1).map(|nl| nl + 1),
        }
    }
}

/// Most packs in use at once (user and workspace packs together), and most
/// bytes and terms in all of them: ten packs of 80,000 terms each took
/// 10.9 s to load and 1.7 GiB. One pack at its own caps still fits. A pack
/// over these is skipped (an error on it says why, a notice names it) and
/// the last good content stays in use.
pub const MAX_PACKS: usize = 32;
pub const MAX_TOTAL_PACK_BYTES: u64 = 24 * 1024 * 1024;
pub const MAX_TOTAL_TERMS: usize = 150_000;
