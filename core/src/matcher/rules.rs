//! Rules that decide whether a spot where a phrase's words line up reads as
//! that phrase. Each looks only at the hit and the line around it, so an edit
//! never changes a verdict more than a line away and incremental rescans stay
//! exact.
//!
//! They come from hand-labelled false hits in real third-party text: acronyms
//! read as ordinary words (`itl` as an iterator, "rag" the English word), runs
//! of base64 or hex that happen to spell a term, words of a path or URL read
//! as a phrase, and plural nouns that are really verbs ("the LLM judges
//! whether ...").

use super::amber::ambers_in;
use super::words::{Class, class};

/// Bytes looked at on each side of a hit; rules never need more, which keeps
/// them cheap on a 10 MB single-line file.
const LOOK: usize = 256;

/// Bytes on each side of a hit that its verdict can depend on: a rule looks
/// `LOOK` bytes out for the run or token around the hit and, for a base64
/// line, `LOOK` bytes beyond that run's ends; a few bytes more for the
/// characters before a hit (`is_atom_start`, `acronym_in_place`). An edit
/// farther away than this from a hit leaves its verdict as it was, which is
/// what lets a document re-spot only the bytes around an edit on a long
/// line ([`crate::matcher::Matcher::edit_reach`]).
pub(crate) const CONTEXT: usize = 2 * LOOK + 16;

/// Whether an acronym phrase ("TTFT", "RAG") is used as one at
/// `text[start..end]`: written in capitals, or as one segment of an
/// identifier (`ttft_ms`, `getTtftMs`, `metrics.ttft`) in any case. A
/// lower-case or capitalised word standing alone in prose (`itl`, "rag",
/// "Rag dolls") is an ordinary word.
pub(crate) fn acronym_in_place(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    if !word.chars().any(char::is_lowercase) {
        return true;
    }
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins_identifier = |c: Option<char>, beyond: Option<char>| match c {
        Some('_') => true,
        // A case change inside a word: `getTtft`, `ttftMs`.
        Some(c) if c.is_alphanumeric() => true,
        // Member access: `metrics.ttft`, `ttft.p95` (not a full stop).
        Some('.') => beyond.is_some_and(char::is_alphanumeric),
        _ => false,
    };
    let before_beyond = before.and_then(|c| text[..start - c.len_utf8()].chars().next_back());
    // A dot after the word makes it the object, usually a variable
    // (`itl.next()`), so only `_` and case changes count on that side.
    let after_joins = matches!(after, Some(c) if c == '_' || c.is_alphanumeric());
    joins_identifier(before, before_beyond) || after_joins
}

/// Acronyms that name a library module as well as the concept (`mcp`, the
/// Model Context Protocol SDK; `rag`, a project's retrieval module). In a
/// project that uses an LLM library, written in lower case as a module or
/// an object (`import mcp`, `from mcp import Client`, `mcp.ClientSession`,
/// `rag.query(...)`), they are the concept; elsewhere they stay ordinary
/// words ([`acronym_in_place`]).
const MODULE_ACRONYMS: &[&str] = &["mcp", "rag"];

/// Whether a lower-case acronym at `text[start..end]` is used as a module
/// or an object: a member access follows, or an import names it. Looks at
/// the word, the next two bytes and at most `LOOK` bytes of its line before.
pub(crate) fn module_in_place(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    if !MODULE_ACRONYMS.contains(&word) {
        return false;
    }
    let bytes = text.as_bytes();
    // `mcp.ClientSession`, `rag.query`: a member after the dot.
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_alphabetic) {
        return true;
    }
    // `import mcp`, `from mcp import ...`, `import rag as r`.
    let mut lo = start.saturating_sub(LOOK);
    while !text.is_char_boundary(lo) {
        lo += 1;
    }
    let line_start = memchr::memrchr(b'\n', &bytes[lo..start]).map_or(lo, |i| lo + i + 1);
    let before = text[line_start..start].trim_start();
    matches!(before, "import " | "from ")
}

/// Whether the hit sits inside an identifier that its term's `not_in` list
/// names (compared case-sensitively, so `PromptCache` covers
/// `AsyncPromptCache` but not a `prompt_cache` setting). The identifier is
/// the run of letters, digits, `_`, `-`, `.` and `:` around the hit, at most
/// `LOOK` bytes on each side; an entry counts anywhere in it, so `ratelimit`
/// quiets the `input-tokens` of `anthropic-ratelimit-input-tokens-limit`.
pub(crate) fn inside_excluded_identifier(
    text: &str,
    start: usize,
    end: usize,
    not_in: &[Box<str>],
) -> bool {
    let bytes = text.as_bytes();
    let in_ident = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':');
    let mut a = start;
    while a > 0 && start - a < LOOK && in_ident(bytes[a - 1]) {
        a -= 1;
    }
    let mut b = end;
    while b < bytes.len() && b - end < LOOK && in_ident(bytes[b]) {
        b += 1;
    }
    let ident = &text[a..b];
    not_in.iter().any(|entry| ident.contains(&**entry))
}

/// Whether a word of a term's `not_near` list is on the hit's line, within
/// `LOOK` bytes of it: a sign that the phrase names something else here ("the
/// LLM router picks the next edge" routes a graph, not requests to models).
/// An entry matches case-insensitively as a whole word or phrase: letters
/// and digits on either side of it make it part of another word, while `_`
/// and `.` do not (`outgoing_edge`, `graph.node`).
///
/// Cost: each entry is searched for in at most `2 * LOOK` bytes, only for
/// hits of a term that has a list.
pub(crate) fn near_other_sense(
    text: &str,
    start: usize,
    end: usize,
    not_near: &[Box<str>],
) -> bool {
    let bytes = text.as_bytes();
    let lo = start.saturating_sub(LOOK);
    let hi = (end + LOOK).min(bytes.len());
    let from = memchr::memrchr(b'\n', &bytes[lo..start]).map_or(lo, |i| lo + i + 1);
    let to = memchr::memchr(b'\n', &bytes[end..hi]).map_or(hi, |i| end + i);
    let window = &bytes[from..to];
    let word_char = |b: u8| b.is_ascii_alphanumeric();
    not_near.iter().any(|entry| {
        let needle = entry.as_bytes();
        if needle.is_empty() || needle.len() > window.len() {
            return false;
        }
        (0..=window.len() - needle.len()).any(|i| {
            window[i..i + needle.len()].eq_ignore_ascii_case(needle)
                && (i == 0 || !word_char(window[i - 1]))
                && window.get(i + needle.len()).is_none_or(|&b| !word_char(b))
        })
    })
}

/// Whether `text[start..end]` is part of a run that looks machine-made:
/// base64, hex digests, random ids. Such runs spell short terms by chance
/// (`...xRaGq9...`). A run is the letters, digits and `+/=` around the hit; it
/// counts as random when it is long and either all hex digits or split into
/// many tiny pieces by case and digit changes, which names never are.
pub(crate) fn inside_random_run(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let in_run = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let mut a = start;
    while a > 0 && start - a < LOOK && in_run(bytes[a - 1]) {
        a -= 1;
    }
    let mut b = end;
    while b < bytes.len() && b - end < LOOK && in_run(bytes[b]) {
        b += 1;
    }
    let run = &bytes[a..b];
    if run.len() < 16 {
        return false;
    }
    if base64_line(bytes, a, b) {
        return true;
    }
    // Counted without allocating: this runs for every hit.
    let alnum = || run.iter().copied().filter(u8::is_ascii_alphanumeric);
    let len = alnum().count();
    if len < 16 {
        return false;
    }
    let hex = alnum().all(|b| b.is_ascii_hexdigit());
    let digits = alnum().filter(u8::is_ascii_digit).count();
    let one_case =
        !alnum().any(|b| b.is_ascii_uppercase()) || !alnum().any(|b| b.is_ascii_lowercase());
    if hex && digits > 0 && one_case {
        return true;
    }
    // Pieces: maximal stretches of one class, where an upper-case letter may
    // start a lower-case piece (`Prompt`). Names have pieces of 3+ letters on
    // average; random text flips class every one or two characters.
    let mut pieces = 0usize;
    let mut prev: Option<Class> = None;
    for c in alnum() {
        let k = class(c as char);
        // An upper-case letter followed by lower case is one piece, like a
        // capitalised word (`Prompt`).
        let continues = match (prev, k) {
            (Some(Class::Upper), Class::Lower) => true,
            (Some(p), k) => p == k,
            (None, _) => false,
        };
        if !continues {
            pieces += 1;
        }
        prev = Some(k);
    }
    len < pieces * 3
}

/// Whether the run `bytes[a..b]` is a whole line of a PEM, MIME or other
/// base64 body: 40 or more characters with no space, in both cases and with
/// a digit, filling the line. Prose never does that, and code splits such
/// lengths with `_`, `.` or brackets, which end the run. Looks only at the
/// run and at most `LOOK` blanks beyond each of its ends (more blanks than
/// that count as the line's end), so the verdict never depends on text far
/// along a long line.
fn base64_line(bytes: &[u8], a: usize, b: usize) -> bool {
    let run = &bytes[a..b];
    if run.len() < 40 || b - a >= LOOK {
        return false;
    }
    let starts_line = bytes[..a]
        .iter()
        .rev()
        .take(LOOK)
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r');
    let ends_line = bytes[b..]
        .iter()
        .take(LOOK)
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r');
    starts_line
        && ends_line
        && run.iter().any(u8::is_ascii_digit)
        && run.iter().any(u8::is_ascii_uppercase)
        && run.iter().any(u8::is_ascii_lowercase)
}

/// Whether the hit sits inside an address rather than prose: a URL, a
/// Markdown link target, a file path or a package name (`@scope/name`,
/// `owner/repo/...`). The words of an address are names of places, and the
/// same words are usually shown to the reader next to it (the link text).
pub(crate) fn inside_address(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    // The token around the hit: up to whitespace or a bracket or quote that
    // encloses addresses in prose and markup.
    let stops = |b: u8| b.is_ascii_whitespace() || b"\"'`<>()[]{},|".contains(&b);
    let mut a = start;
    while a > 0 && start - a < LOOK && !stops(bytes[a - 1]) {
        a -= 1;
    }
    let mut b = end;
    while b < bytes.len() && b - end < LOOK && !stops(bytes[b]) {
        b += 1;
    }
    // The `LOOK` cap may stop inside a character of a long token.
    while !text.is_char_boundary(a) {
        a += 1;
    }
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    // A Markdown link target: `](...)` right before the token.
    if a >= 2 && &bytes[a - 2..a] == b"](" {
        return true;
    }
    // A hit that runs past its token ("input/output tokens") is prose.
    if text[start..end].bytes().any(|c| c.is_ascii_whitespace()) {
        return false;
    }
    let token = &text[a..b];
    if token.contains("://") || token.starts_with("www.") || token.starts_with("mailto:") {
        return true;
    }
    if quoted_module_path(bytes, a, b, start, end)
        || pinned_package(&text[a..], start - a)
        || address_key_value(bytes, a)
    {
        return true;
    }
    let slashes = token.bytes().filter(|&c| c == b'/').count();
    if slashes == 0 {
        return bare_file_name(token, end - a, bytes.get(b).copied());
    }
    if token.starts_with(['/', '@', '~', '.', '#']) || slashes >= 2 {
        return true;
    }
    // A relative file path: `docs/pytest-e2e-evals.md`.
    if has_file_extension(token) {
        return true;
    }
    // One slash: `owner/repo` when the hit touches it, unless the phrase
    // itself is written with it ("A/B test", "tokens/sec").
    let touches_slash = (start > a && bytes[start - 1] == b'/') || bytes.get(end) == Some(&b'/');
    touches_slash && !text[start..end].contains('/')
}

/// Whether the hit is the first segment of a quoted dotted module path,
/// the whole of a string such as `"guardrails.utils.api_client.Client"`
/// (a mock's patch target, a list of modules for API docs, a lazy-import
/// table). The first segment there is a package's name used as the address
/// of one of its modules, whatever the module does: in Guardrails AI's own
/// repository such strings held 500 of its 4,200 hits. Attribute keys have
/// the same shape and name the concept (`"tool_call.function.name"`,
/// `"reranker.output_documents.1.document.id"`, OpenInference's), so a path
/// counts only when it reads as code's: a `patch(` target, or three dots
/// and more, or a segment in capitals first (a class), and never with a
/// segment that starts with a digit (a list index). Only the first
/// segment: later ones keep their hits, an attribute key's
/// (`"gen_ai.usage.input_tokens"`) and a module's alike: a module named
/// `llm_providers` or `ml_flow_instrumentor` is named for the concept.
fn quoted_module_path(bytes: &[u8], a: usize, b: usize, start: usize, end: usize) -> bool {
    let quote = match a.checked_sub(1).map(|i| bytes[i]) {
        Some(q @ (b'"' | b'\'')) => q,
        _ => return false,
    };
    if start != a || bytes.get(b) != Some(&quote) || bytes[start..end].contains(&b'.') {
        return false;
    }
    let path = &bytes[a..b];
    let well_formed = path
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        && path.split(|&c| c == b'.').all(|seg| {
            seg.first()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        });
    let dots = path.iter().filter(|&&c| c == b'.').count();
    let class = path
        .split(|&c| c == b'.')
        .skip(1)
        .any(|seg| seg.first().is_some_and(u8::is_ascii_uppercase));
    let patched = bytes[..a - 1].ends_with(b"patch(");
    well_formed && dots >= 2 && (patched || dots >= 3 || class)
}

/// Keys of Markdown front matter whose value is the page's address: a
/// blog post's `slug: python-generators-and-llm-streaming` names its URL,
/// not token streaming (issue 24, seed 26).
const ADDRESS_KEYS: &[&[u8]] = &[b"slug: ", b"permalink: "];

/// Whether the token starting at `a` is the value of an [`ADDRESS_KEYS`]
/// key at the start of its line. Costs a comparison of a few bytes before
/// the token.
fn address_key_value(bytes: &[u8], a: usize) -> bool {
    ADDRESS_KEYS.iter().any(|key| {
        bytes[..a].ends_with(key) && (a == key.len() || bytes[a - key.len() - 1] == b'\n')
    })
}

/// Whether the text from the hit's token on is a package pinned to a
/// version, with the hit in its name: `guardrails-api==0.1.0a2`,
/// `openai-guardrails>=0.3`. A pin names a distribution to install, an
/// address like `owner/repo`, not the concept; the library itself is named
/// in prose and imports nearby. The name runs from the token's start to the
/// operator with no blank (`guardrails == 2` is a comparison) and holds a
/// `-`.
fn pinned_package(from_token: &str, hit_at: usize) -> bool {
    let name_len = from_token
        .bytes()
        .take(LOOK)
        .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'[' | b']'))
        .count();
    let rest = &from_token.as_bytes()[name_len..];
    // A `-` marks a distribution's name: code compares identifiers
    // (`max_tokens==256`), which never hold one.
    name_len > hit_at
        && from_token.as_bytes()[..name_len].contains(&b'-')
        && rest.len() >= 3
        && [b"==", b">=", b"<=", b"~=", b"!="]
            .iter()
            .any(|op| rest.starts_with(*op))
        && rest[2].is_ascii_digit()
}

/// Extensions that make a token without a slash a file's name.
const FILE_EXTENSIONS: &[&str] = &[
    "py", "ipynb", "json", "jsonl", "md", "mdx", "yaml", "yml", "toml", "ts", "tsx", "js", "txt",
    "cfg", "ini", "sh",
];

/// Whether the token is a file's name with no folder (`mcp_server.py`,
/// `.mcp.json`) and the hit, ending `hit_end` bytes into it, lies before
/// the extension: the name of a file is an address like its path. Only
/// well-known extensions count, so `tool_call.id` stays an attribute, and
/// not before `(`, so `tool_calls.json()` stays a call.
fn bare_file_name(token: &str, hit_end: usize, after: Option<u8>) -> bool {
    if after == Some(b'(') {
        return false;
    }
    let token = token.trim_end_matches(['.', ':', ';', ',', '!', '?']);
    token
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| hit_end <= stem.len() && FILE_EXTENSIONS.contains(&ext))
}

/// Whether a token ends in a file extension (`.md`, `.py`, `.json`).
fn has_file_extension(token: &str) -> bool {
    let token = token.trim_end_matches(['.', ':', ';', ',', '!', '?']);
    token.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.bytes().all(|b| b.is_ascii_alphanumeric())
            && ext.bytes().any(|b| b.is_ascii_lowercase())
    })
}

/// Words after a plural that show it is a verb ("the LLM judges whether the
/// answer ..."): a conjunction, a determiner or a pronoun object. A noun
/// plural is followed by a verb or punctuation far more often.
const VERB_OBJECTS: &[&str] = &[
    "whether", "if", "that", "the", "a", "an", "each", "every", "how", "what", "which", "its",
    "their", "this", "these", "those", "it", "them", "all", "any", "both", "whose", "your", "our",
    "his", "her", "my", "when", "why", "where", "who",
];

/// Words after a phrase that make it a modifier of something else: "an LLM
/// router node" is a node of a graph, not a model router.
const HEAD_NOUNS: &[&str] = &["node", "nodes"];

/// The next word after `end` on the same line (after one space), if short.
fn next_word(text: &str, end: usize) -> Option<&str> {
    let rest = text.get(end..)?.strip_prefix(' ')?;
    let len = rest
        .bytes()
        .take(17)
        .take_while(u8::is_ascii_alphabetic)
        .count();
    (1..=16).contains(&len).then(|| &rest[..len])
}

fn next_word_in(text: &str, end: usize, words: &[&str]) -> bool {
    next_word(text, end).is_some_and(|w| words.iter().any(|x| x.eq_ignore_ascii_case(w)))
}

/// Words that open a relative clause as well as an object clause: after a
/// plural noun they start a clause about it ("metrics that review agent
/// traces"); after a verb, a clause with its own subject ("the LLM judges
/// that the answer ...").
const CLAUSE_OPENERS: &[&str] = &["that", "which", "who"];

/// Whether a plural hit reads as a verb. Before "that", "which" or "who" it
/// does only when a subject of the clause follows (a determiner or pronoun):
/// otherwise the clause is relative and the plural a noun.
pub(crate) fn plural_reads_as_verb(text: &str, end: usize) -> bool {
    let Some(next) = next_word(text, end) else {
        return false;
    };
    if CLAUSE_OPENERS.iter().any(|w| w.eq_ignore_ascii_case(next)) {
        let after = end + 1 + next.len();
        return next_word(text, after).is_some_and(|w| {
            !CLAUSE_OPENERS.iter().any(|c| c.eq_ignore_ascii_case(w))
                && VERB_OBJECTS.iter().any(|x| x.eq_ignore_ascii_case(w))
        });
    }
    VERB_OBJECTS.iter().any(|x| x.eq_ignore_ascii_case(next))
}

/// Whether the hit modifies a following noun that names something else.
pub(crate) fn modifies_other_noun(text: &str, end: usize) -> bool {
    next_word_in(text, end, HEAD_NOUNS)
}

/// Whether an acronym hit is a traffic-light status ("RAG status": red,
/// amber, green) rather than the acronym of the pack.
#[cfg(test)]
pub(crate) fn traffic_light(text: &str, start: usize, end: usize) -> bool {
    TrafficLights::new(text, start, end).traffic_light(text, start, end)
}

/// The spots where "amber" is written (any case) in one stretch of text,
/// found once per scan instead of looked for around every acronym hit: a
/// line of many acronyms (`TTFT TTFT ...`) paid 500 byte comparisons per hit.
pub(crate) struct TrafficLights {
    /// The stretch searched, `from..to`, and the sorted starts of "amber"
    /// in it.
    from: usize,
    to: usize,
    ambers: Option<Vec<usize>>,
}

impl TrafficLights {
    /// For hits that start in `text[from..to]`: searched on first use,
    /// `LOOK` bytes beyond either end.
    pub(crate) fn new(text: &str, from: usize, to: usize) -> TrafficLights {
        TrafficLights {
            from: from.saturating_sub(LOOK),
            to: (to + 2 * LOOK).min(text.len()),
            ambers: None,
        }
    }

    /// Whether the acronym at `text[start..end]` is a traffic-light status:
    /// "status", "rating" or "rated" follows, or "amber" is on its line
    /// within `LOOK` bytes.
    pub(crate) fn traffic_light(&mut self, text: &str, start: usize, end: usize) -> bool {
        if next_word_in(text, end, &["status", "rating", "rated"]) {
            return true;
        }
        // The line around the hit, its ends searched for only within `LOOK`
        // bytes, so no hit walks to the ends of a long line.
        let bytes = text.as_bytes();
        let lo = start.saturating_sub(LOOK);
        let hi = (end + LOOK).min(bytes.len());
        let from = memchr::memrchr(b'\n', &bytes[lo..start]).map_or(lo, |i| lo + i + 1);
        let to = memchr::memchr(b'\n', &bytes[end..hi]).map_or(hi, |i| end + i);
        if from < self.from || to > self.to {
            // Outside the stretch (a phrase that ran far past it): look here.
            return bytes[from..to]
                .windows(5)
                .any(|w| w.eq_ignore_ascii_case(b"amber"));
        }
        let (stretch_from, stretch_to) = (self.from, self.to);
        let ambers = self
            .ambers
            .get_or_insert_with(|| ambers_in(bytes, stretch_from, stretch_to));
        let i = ambers.partition_point(|&a| a < from);
        ambers.get(i).is_some_and(|&a| a + 5 <= to)
    }
}

/// Whether two words on either side of a line break can be one phrase: a
/// word in capitals at the end of one line and a capitalised word starting
/// the next (`CONTEXT` / `Windows`) belong to different things.
pub(crate) fn line_break_joins(before: &str, after: &str) -> bool {
    let shouty = |w: &str| w.len() > 1 && !w.chars().any(char::is_lowercase);
    let title = |w: &str| {
        w.chars().next().is_some_and(char::is_uppercase) && w.chars().any(char::is_lowercase)
    };
    !(shouty(before) && title(after) || title(before) && shouty(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, word: &str) -> (&'a str, usize, usize) {
        let start = text.find(word).unwrap();
        (text, start, start + word.len())
    }

    /// The `LOOK` cap can stop inside a multi-byte character of a long
    /// token; the rules must not slice there (a long line of CJK text
    /// around a term panicked the matcher).
    #[test]
    fn rules_never_slice_inside_a_character_of_a_long_token() {
        let wide = "中".repeat(300);
        let before = format!("{wide}TTFT");
        let start = wide.len();
        assert!(!(start - LOOK..start).is_empty() && !before.is_char_boundary(start - LOOK));
        assert!(!inside_address(&before, start, start + 4));
        let after = format!("TTFT{wide}");
        assert!(!after.is_char_boundary(4 + LOOK));
        assert!(!inside_address(&after, 0, 4));
        let module = format!("{wide}mcp");
        assert!(!module_in_place(&module, start, start + 3));
    }

    #[test]
    fn acronyms_stand_in_capitals_or_inside_identifiers() {
        for (text, word, ok) in [
            ("we track TTFT daily", "TTFT", true),
            ("let ttft_ms = 3", "ttft", true),
            ("getTtftMs()", "Ttft", true),
            ("metrics.ttft", "ttft", true),
            ("for itl in items", "itl", false),
            ("while let Some(f) = itl.next()", "itl", false),
            ("an old rag.", "rag", false),
            ("Rag dolls", "Rag", false),
            ("rag_pipeline", "rag", true),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(acronym_in_place(t, s, e), ok, "{text}");
        }
    }

    #[test]
    fn module_names_count_as_modules_only() {
        for (text, word, module) in [
            ("import mcp", "mcp", true),
            ("from mcp import ClientSession", "mcp", true),
            ("async with mcp.ClientSession(r, w):", "mcp", true),
            ("answer = rag.query(question)", "rag", true),
            ("wipe it with a rag.", "rag", false),
            ("an old rag and a bucket", "rag", false),
            ("while let Some(x) = itl.next()", "itl", false),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(module_in_place(t, s, e), module, "{text}");
        }
    }

    #[test]
    fn excluded_identifiers_cover_the_hit_case_sensitively() {
        let not_in: Vec<Box<str>> = vec![
            "PromptCache".into(),
            "limiter.total_tokens".into(),
            "ratelimit-input".into(),
        ];
        for (text, word, excluded) in [
            ("cache = AsyncPromptCache(max_size=10)", "PromptCache", true),
            ("print(limiter.total_tokens)", "total_tokens", true),
            ("x-ratelimit-remaining-tokens: 9", "tokens", false),
            ("anthropic-ratelimit-input-tokens-limit", "tokens", true),
            ("enable_prompt_cache=True", "prompt_cache", false),
            ("usage.total_tokens", "total_tokens", false),
            (
                "PromptCache and then prompt caching",
                "prompt caching",
                false,
            ),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(
                inside_excluded_identifier(t, s, e, &not_in),
                excluded,
                "{text}"
            );
        }
    }

    #[test]
    fn a_word_of_another_sense_near_the_hit_quiets_it() {
        let not_near: Vec<Box<str>> = vec!["edge".into(), "state machine".into()];
        for (text, word, other) in [
            (
                "taken when the LLM router picks this edge",
                "LLM router",
                true,
            ),
            (
                "add_outgoing_edge(child)  # the LLM router decides",
                "LLM router",
                true,
            ),
            (
                "a State Machine whose LLM router moves on",
                "LLM router",
                true,
            ),
            (
                "the LLM router sends hard prompts to the big model",
                "LLM router",
                false,
            ),
            // Part of another word, or on another line.
            ("the LLM router at the network's edges", "LLM router", false),
            (
                "the LLM router sends hard prompts\nto the edge",
                "LLM router",
                false,
            ),
            ("knowledge and the LLM router", "LLM router", false),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(near_other_sense(t, s, e, &not_near), other, "{text}");
        }
    }

    #[test]
    fn random_runs_are_recognised() {
        for (text, word, random) in [
            ("token: dGhpcyBpcyBhIFJhRyB0ZXN0Cg==", "JhRy", true),
            ("sha 3f9a2c7e1b4d5f6a8c9e0b1d2f3a4c5e", "c9e", true),
            ("createConcisenessEvaluator", "Conciseness", false),
            ("promptRegistryV2Client", "Registry", false),
            ("ttft_ms", "ttft", false),
            // A line of a PEM body; a long identifier inside code is not one.
            (
                "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDStwRagZrp\n",
                "Rag",
                true,
            ),
            (
                "    client = PromptRegistryClientConfigurationWith2Models(x)\n",
                "Registry",
                false,
            ),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(inside_random_run(t, s, e), random, "{text}");
        }
    }

    #[test]
    fn addresses_are_recognised() {
        for (text, word, address) in [
            (
                "see https://example.com/docs/prompt-registry now",
                "prompt-registry",
                true,
            ),
            ("[guide](/docs/llm-tracing) here", "llm-tracing", true),
            ("npm i @portkey-ai/gateway", "gateway", true),
            ("clone acme/prompt-registry", "prompt-registry", true),
            ("in boost/context/windows/x.h", "context", true),
            ("see `references/pytest-e2e-evals.md` first", "evals", true),
            ("input/output tokens", "output tokens", false),
            ("an A/B test", "A/B test", false),
            ("the prompt registry", "prompt registry", false),
            ("`prompt_registry`", "prompt_registry", false),
            ("patch(\"guardrails.utils.api.Client\")", "guardrails", true),
            ("x = 'guardrails.hub.Install'", "guardrails", true),
            ("x = 'guardrails.hub.install'", "guardrails", false),
            // Empty segments are not a path (and must not panic).
            ("x = 'guardrails..Hub'", "guardrails", false),
            ("x = 'guardrails.hub.Install.'", "guardrails", false),
            ("modules = [\"guardrails.hub\"]", "guardrails", false),
            (
                "attrs[\"gen_ai.usage.input_tokens\"]",
                "input_tokens",
                false,
            ),
            ("guardrails.utils.api.Client()", "guardrails", false),
            ("\"ai.toolCall.input\"", "toolCall", false),
            ("k = \"tool_call.function.name\"", "tool_call", false),
            (
                "\"reranker.output_documents.1.document.id\"",
                "reranker",
                false,
            ),
            ("patch(\"guardrails.prompt.base\")", "guardrails", true),
            ("\"mcp.client.session.ClientSession\"", "mcp", true),
            ("#   guardrails-api==0.1.0a2", "guardrails", true),
            ("pip install openai-guardrails>=0.3", "guardrails", true),
            ("max_tokens==256", "max_tokens", false),
            ("guardrails == 2", "guardrails", false),
            ("requires=\"mcp_server.py\"", "mcp_server", true),
            ("ignore .mcp.json here", "mcp", true),
            ("x = tool_call.id", "tool_call", false),
            ("tool_calls.json()", "tool_calls", false),
            ("see evals.", "evals", false),
            // A later segment names its module for the concept.
            (
                "patch(\"guardrails.integrations.ml_flow_instrumentor.mlflow.start_span\")",
                "instrumentor",
                false,
            ),
            // Issue 24, seed 26: a blog post's slug.
            (
                "---\nslug: python-generators-and-llm-streaming\n",
                "streaming",
                true,
            ),
            ("slug: llm-streaming", "streaming", true),
            ("a slug: llm-streaming", "streaming", false),
            ("summary: llm-streaming", "streaming", false),
        ] {
            let (t, s, e) = at(text, word);
            assert_eq!(inside_address(t, s, e), address, "{text}");
        }
    }

    #[test]
    fn verbs_modifiers_and_traffic_lights() {
        let (t, _, e) = at("the LLM judges whether it", "LLM judges");
        assert!(plural_reads_as_verb(t, e));
        let (t, _, e) = at("the LLM judges we use", "LLM judges");
        assert!(!plural_reads_as_verb(t, e));
        // A relative clause after a noun; an object clause after a verb.
        let (t, _, e) = at("agent metrics that review agent traces", "agent metrics");
        assert!(!plural_reads_as_verb(t, e));
        let (t, _, e) = at("the LLM judges that the answer holds", "LLM judges");
        assert!(plural_reads_as_verb(t, e));
        let (t, _, e) = at("the LLM judges which it prefers", "LLM judges");
        assert!(plural_reads_as_verb(t, e));
        let (t, _, e) = at("an LLM router node", "LLM router");
        assert!(modifies_other_noun(t, e));
        let (t, s, e) = at("RAG status: green", "RAG");
        assert!(traffic_light(t, s, e));
        let (t, s, e) = at("Red, Amber, Green (RAG)", "RAG");
        assert!(traffic_light(t, s, e));
        let (t, s, e) = at("a RAG pipeline", "RAG");
        assert!(!traffic_light(t, s, e));
    }

    /// The stretch's "amber" search (one pass, by the `b`) agrees with
    /// looking on the hit's line, for "amber" in any case, at the start of
    /// the stretch, next to the hit and at a text's ends.
    #[test]
    fn a_stretch_finds_amber_where_the_line_has_it() {
        for amber in ["amber", "AMBER", "aMbEr", "ambe", "mber", "bamber"] {
            for before in ["", "a", "ab", "x\n", "RAG "] {
                for after in ["", " RAG", "\nRAG", " b"] {
                    let text = format!("{before}{amber} RAG{after}");
                    let bytes = text.as_bytes();
                    for (start, _) in text.match_indices("RAG") {
                        let end = start + 3;
                        let from = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
                        let to =
                            memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |i| end + i);
                        let on_line = bytes[from..to]
                            .windows(5)
                            .any(|w| w.eq_ignore_ascii_case(b"amber"));
                        let mut lights = TrafficLights::new(&text, 0, text.len());
                        assert_eq!(
                            lights.traffic_light(&text, start, end),
                            on_line,
                            "{text:?} {start}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn line_breaks_join_words_of_one_kind() {
        assert!(!line_break_joins("CONTEXT", "Windows"));
        assert!(line_break_joins("context", "window"));
        assert!(line_break_joins("KV", "CACHE"));
        assert!(line_break_joins("KV", "cache"));
        assert!(!line_break_joins("Prompt", "REGISTRY"));
    }
}
