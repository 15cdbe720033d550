//! What is being typed at the cursor, read from the line before it: the
//! spans a term could be completing and how the completion is written.
//!
//! - In prose (Markdown, plain text, comments, strings) the last words
//!   typed, up to [`MAX_SPAN_WORDS`] of them, so "prompt reg" completes to
//!   "prompt registry"; the term's name is written as named.
//! - In code (outside comments and strings) the identifier typed, written in
//!   its case style: `prompt_reg` → `prompt_registry`, `promptReg` →
//!   `promptRegistry`, `MODEL_AL` → `MODEL_ALIAS`, `model-al` → `model-alias`
//!   where the language writes kebab case. A word that shows no style (`ttf`)
//!   takes the language's usual one.
//! - A word in prose that is plainly an identifier (`prompt_reg`,
//!   `promptReg` in a comment or in Markdown) is completed as one.
//!
//! Cost: one walk of the line prefix for its zone ([`crate::practice::zones`],
//! skipped in prose documents), then at most [`MAX_TYPED_BYTES`] read back
//! from the cursor.

use crate::matcher::case_style::CaseStyle;
use crate::matcher::phrase_key;
use crate::policy::is_prose;
use crate::practice::{Zone, zones};

/// Most words of prose a completion reaches back over ("time to first t").
pub const MAX_SPAN_WORDS: usize = 5;
/// Most bytes read back from the cursor for what is typed: longer runs are
/// not the start of a term people type.
pub const MAX_TYPED_BYTES: usize = 96;
/// Fewest letters or digits typed before anything is offered (the client is
/// told to ask again as the user types).
pub const MIN_TYPED_CHARS: usize = 2;

/// How an offered phrase is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As named, its first letter cased like what was typed.
    Prose,
    /// As one identifier in this style.
    Identifier(CaseStyle),
}

/// A stretch of the line prefix a term may be completing: from `start`
/// (a byte offset in the prefix) to the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    /// What is typed, as a phrase key (`promptReg` → "prompt reg"; a
    /// trailing separator kept as a space, so `prompt_` asks for a second
    /// word).
    pub key: String,
    /// Letters and digits typed in the span.
    pub chars: usize,
}

/// What the cursor is typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spot {
    pub mode: Mode,
    /// Longest first; the first with matches is the one completed.
    pub spans: Vec<Span>,
}

/// How `typed` is cased: its first letter upper case, and every letter
/// upper case (two letters or more). A prose name follows it.
pub fn letter_case(typed: &str) -> (bool, bool) {
    let mut letters = typed.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else {
        return (false, false);
    };
    let mut rest = letters.peekable();
    let more = rest.peek().is_some();
    let upper = first.is_uppercase() && more && rest.all(char::is_uppercase);
    (first.is_uppercase(), upper)
}

/// Whether identifiers of `language` are written in kebab case (so `-` is
/// part of an identifier there).
fn kebab_language(language: &str) -> bool {
    matches!(
        language,
        "css"
            | "scss"
            | "sass"
            | "less"
            | "stylus"
            | "clojure"
            | "lisp"
            | "commonlisp"
            | "scheme"
            | "racket"
            | "elisp"
            | "emacs-lisp"
            | "fennel"
    )
}

/// The style of a one-word identifier that shows none (`ttf`): the
/// language's usual style for names.
fn usual_style(language: &str) -> CaseStyle {
    if kebab_language(language) {
        return CaseStyle::Kebab;
    }
    match language {
        "javascript" | "javascriptreact" | "typescript" | "typescriptreact" | "java" | "kotlin"
        | "scala" | "groovy" | "go" | "swift" | "dart" | "csharp" | "objective-c"
        | "objective-cpp" | "json" | "jsonc" | "vue" | "svelte" | "haskell" | "purescript"
        | "fsharp" => CaseStyle::Camel,
        _ => CaseStyle::Snake,
    }
}

/// The style an identifier shows, or `None` for one word with no style.
fn identifier_style(word: &str) -> Option<CaseStyle> {
    let style = CaseStyle::of(word);
    style.is_identifier().then_some(style)
}

/// A one-word identifier's style from its letters: `MO` → screaming snake,
/// `Mo` or `M` → Pascal, `mo` → the language's usual style.
fn style_of_word(word: &str, language: &str) -> CaseStyle {
    if let Some(style) = identifier_style(word) {
        return style;
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    if letters.len() >= 2 && upper == letters.len() {
        CaseStyle::ScreamingSnake
    } else if letters.first().is_some_and(|c| c.is_uppercase()) {
        CaseStyle::Pascal
    } else {
        usual_style(language)
    }
}

/// Whether `word` (no spaces) is written as an identifier even in prose:
/// an underscore between letters, or a case change inside it
/// (`prompt_reg`, `promptReg`).
fn reads_as_identifier(word: &str) -> bool {
    let trimmed = word.trim_matches('_');
    trimmed.contains('_')
        || trimmed
            .chars()
            .zip(trimmed.chars().skip(1))
            .any(|(a, b)| a.is_lowercase() && b.is_uppercase())
}

/// The start of the run of `part` characters that ends at the end of
/// `text`, or `None` when the run is longer than [`MAX_TYPED_BYTES`].
fn run_start(text: &str, part: impl Fn(char) -> bool) -> Option<usize> {
    let mut start = text.len();
    for (i, c) in text.char_indices().rev() {
        if !part(c) {
            break;
        }
        start = i;
        if text.len() - start > MAX_TYPED_BYTES {
            return None;
        }
    }
    Some(start)
}

/// The key of what is typed from `text`: its phrase key, with a space
/// when it ends in a separator after a word (`prompt_`, "prompt ").
fn typed_key(text: &str) -> String {
    let mut key = phrase_key(text).into_owned();
    let ends_in_separator = text
        .chars()
        .next_back()
        .is_some_and(|c| !c.is_alphanumeric());
    if ends_in_separator && !key.is_empty() {
        key.push(' ');
    }
    key
}

fn span(prefix: &str, start: usize) -> Span {
    let typed = &prefix[start..];
    Span {
        start,
        key: typed_key(typed),
        chars: typed.chars().filter(|c| c.is_alphanumeric()).count(),
    }
}

/// What the cursor at the end of `prefix` (the line up to the cursor) is
/// typing; `after` is the character right after the cursor. `None` where
/// nothing is offered: inside a word, after nothing typed, or in a line
/// prefix longer than the caller reads.
pub fn spot(prefix: &str, after: Option<char>, language: &str) -> Option<Spot> {
    let kebab = kebab_language(language);
    let in_identifier = |c: char| c.is_alphanumeric() || c == '_' || (kebab && c == '-');
    // Completing inside a word would split it.
    if after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let zone = if is_prose(language) {
        Zone::Comment
    } else {
        zones(prefix, &[prefix.len()], language)
            .first()
            .copied()
            .unwrap_or(Zone::Code)
    };
    let word_run = run_start(prefix, in_identifier)?;
    // Leading `_`, `-` (`__init`, `--var`) stay as they are.
    let word_start = prefix[word_run..]
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(prefix.len(), |(i, _)| word_run + i);
    let word = &prefix[word_start..];
    let identifier = zone == Zone::Code || reads_as_identifier(word);
    let (mode, spans) = if identifier {
        if word.is_empty() || !word.starts_with(|c: char| c.is_alphabetic()) {
            return None;
        }
        let mode = Mode::Identifier(style_of_word(word, language));
        (mode, vec![span(prefix, word_start)])
    } else {
        (Mode::Prose, prose_spans(prefix)?)
    };
    Some(Spot { mode, spans })
}

/// Characters that join the words of a phrase in prose.
fn joins_words(c: char) -> bool {
    matches!(c, ' ' | '-' | '/' | '.' | '\'')
}

/// The spans of prose before the cursor: each of the last words starts
/// one, longest first. A span starts on a letter or digit; the last word
/// may be empty ("prompt |" asks for the words after "prompt").
fn prose_spans(prefix: &str) -> Option<Vec<Span>> {
    let (stretch, cut) = match run_start(prefix, |c| c.is_alphanumeric() || joins_words(c)) {
        Some(start) => (start, false),
        None => {
            // Over the limit: only the last bytes, from a char boundary.
            let mut at = prefix.len() - MAX_TYPED_BYTES;
            while !prefix.is_char_boundary(at) {
                at += 1;
            }
            (at, true)
        }
    };
    let mut starts = Vec::new();
    // A word the cut went through does not start a span.
    let mut previous: Option<char> = if cut {
        prefix[..stretch].chars().next_back()
    } else {
        None
    };
    for (i, c) in prefix[stretch..].char_indices() {
        if c.is_alphanumeric() && !previous.is_some_and(char::is_alphanumeric) {
            starts.push(stretch + i);
        }
        previous = Some(c);
    }
    let keep = starts.len().saturating_sub(MAX_SPAN_WORDS);
    let spans: Vec<Span> = starts[keep..].iter().map(|&s| span(prefix, s)).collect();
    (!spans.is_empty()).then_some(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(spot: &Spot) -> Vec<&str> {
        spot.spans.iter().map(|s| s.key.as_str()).collect()
    }

    #[test]
    fn identifiers_in_code_keep_their_style() {
        for (prefix, language, key, style) in [
            ("x = prompt_reg", "python", "prompt reg", CaseStyle::Snake),
            (
                "const a = promptReg",
                "typescript",
                "prompt reg",
                CaseStyle::Camel,
            ),
            ("let b: PromptReg", "rust", "prompt reg", CaseStyle::Pascal),
            (
                "if MODEL_AL",
                "python",
                "model al",
                CaseStyle::ScreamingSnake,
            ),
            ("  --model-al", "css", "model al", CaseStyle::Kebab),
            ("(def model-al", "clojure", "model al", CaseStyle::Kebab),
            ("ttf", "python", "ttf", CaseStyle::Snake),
            ("ttf", "go", "ttf", CaseStyle::Camel),
            ("TT", "go", "tt", CaseStyle::ScreamingSnake),
            ("Tt", "python", "tt", CaseStyle::Pascal),
            ("self.prompt_", "python", "prompt ", CaseStyle::Snake),
        ] {
            let spot = spot(prefix, None, language).expect(prefix);
            assert_eq!(spot.mode, Mode::Identifier(style), "{prefix}");
            assert_eq!(keys(&spot), [key], "{prefix}");
        }
        // `-` is an operator outside kebab languages.
        let minus = spot("a = b-model_al", None, "python").unwrap();
        assert_eq!(keys(&minus), ["model al"]);
        // The replaced span leaves leading underscores alone.
        let private = spot("x.__prompt_reg", None, "python").unwrap();
        assert_eq!(private.spans[0].start, 4);
    }

    #[test]
    fn prose_spans_reach_back_over_the_last_words() {
        let spot = spot("We keep a prompt reg", None, "markdown").unwrap();
        assert_eq!(spot.mode, Mode::Prose);
        assert_eq!(
            keys(&spot),
            [
                "we keep a prompt reg",
                "keep a prompt reg",
                "a prompt reg",
                "prompt reg",
                "reg"
            ]
        );
        // At most MAX_SPAN_WORDS words, and a trailing space asks for more.
        let after_space =
            super::spot("one two three four five six seven ", None, "plaintext").unwrap();
        assert_eq!(after_space.spans.len(), MAX_SPAN_WORDS);
        assert_eq!(after_space.spans.last().unwrap().key, "seven ");
        // Comments and strings in code are prose.
        let comment = super::spot("x = 1  # the prompt reg", None, "python").unwrap();
        assert_eq!(comment.mode, Mode::Prose);
        assert_eq!(comment.spans.last().unwrap().key, "reg");
        let string = super::spot("say(\"Model al", None, "python").unwrap();
        assert_eq!(string.mode, Mode::Prose);
        assert_eq!(letter_case("Model al"), (true, false));
        assert_eq!(letter_case("MODEL AL"), (true, true));
        assert_eq!(letter_case("M"), (true, false));
        assert_eq!(letter_case("model"), (false, false));
        // Punctuation other than the joiners ends the stretch.
        let stopped = super::spot("see (prompt reg", None, "markdown").unwrap();
        assert_eq!(keys(&stopped), ["prompt reg", "reg"]);
    }

    #[test]
    fn identifiers_in_prose_are_completed_as_identifiers() {
        let md = spot("Set `prompt_reg", None, "markdown").unwrap();
        assert_eq!(md.mode, Mode::Identifier(CaseStyle::Snake));
        let comment = spot("// see promptReg", None, "typescript").unwrap();
        assert_eq!(comment.mode, Mode::Identifier(CaseStyle::Camel));
    }

    #[test]
    fn nothing_is_offered_inside_a_word_or_after_nothing() {
        assert_eq!(spot("prompt_re", Some('g'), "python"), None);
        assert_eq!(spot("prompt re", Some('_'), "markdown"), None);
        assert_eq!(spot("x = ", None, "python"), None);
        assert_eq!(spot("x = 42", None, "python"), None);
        assert_eq!(spot("", None, "markdown"), None);
        assert_eq!(
            spot("Done. ", None, "markdown").map(|s| s.spans.len()),
            Some(1)
        );
        // A run longer than anything typed as a term.
        let long = format!("x = {}", "a".repeat(MAX_TYPED_BYTES + 1));
        assert_eq!(spot(&long, None, "python"), None);
    }
}
