//! Finds glossary terms in any text: prose, Markdown, YAML and code.
//!
//! Two stages keep it fast and exact:
//! 1. An Aho-Corasick automaton (ASCII case folding built in, so it is done
//!    once at build time rather than per byte) over the *first atom* of every
//!    phrase finds candidate spots. Text with no term in it is skipped at
//!    automaton speed.
//! 2. At each candidate that sits on an atom boundary, a trie of atoms is
//!    walked forward: atoms may be joined by spaces (one line break at most,
//!    with a comment leader such as `//` or `#` after it), `-`, `_`, `/` or a
//!    case change. The longest phrase wins, and it must end on a boundary, so
//!    `ttfts` and `attft` are not hits while `ttft_ms` and `TtftMs` are.
//! 3. The spot must read as the phrase ([`rules`]): acronyms in capitals or
//!    inside identifiers, nothing inside URLs, paths or random runs, `/` only
//!    where the phrase has one, plurals that are not verbs. Terms marked
//!    `context = "llm"` also need the LLM setting nearby ([`setting`]).

mod project;
mod rules;
mod setting;
mod words;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use rustc_hash::FxHashMap;

pub use project::{LlmProjects, MANIFESTS, is_manifest, manifest_names_llm, project_uses_llm};
pub use setting::SETTING_LINES;
use setting::{ANCHOR, ANCHORS};
pub(crate) use words::atoms;
use words::{atom_end, is_atom_start, is_word_char, plural};

/// One spotted term: `text[start..end]` names term number `term`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub term: u32,
}

/// A phrase to look for and the term it stands for.
#[derive(Clone, Debug)]
pub struct Phrase<'a> {
    pub text: &'a str,
    pub term: u32,
}

#[derive(Default, Debug)]
struct Node {
    children: FxHashMap<Box<[u8]>, u32>,
    term: Option<u32>,
    /// [`ACRONYM`], [`PLURAL`], [`NEEDS_SETTING`] of the phrase ending here.
    flags: u8,
    /// Whether the atom leading to this node may follow a `/`: only when a
    /// phrase is written so ("A/B test"), never in `owner/repo` paths.
    slash: bool,
}

/// The phrase is an acronym ("TTFT"): capitals or identifier segments only.
const ACRONYM: u8 = 1;
/// The phrase is the automatic plural of a pack phrase.
const PLURAL: u8 = 2;
/// The phrase belongs to a term marked `context = "llm"` and has no anchor
/// word of its own ("LLM guardrail" shows its setting; "guardrail" does not).
const NEEDS_SETTING: u8 = 4;

/// A phrase split for the trie: lower-cased atoms, each with whether a `/`
/// may come before it.
fn trie_atoms(phrase: &str) -> Vec<(String, bool)> {
    let base = phrase.as_ptr() as usize;
    let mut prev_end = 0;
    atoms(phrase)
        .into_iter()
        .map(|atom| {
            let start = atom.as_ptr() as usize - base;
            let slash = phrase[prev_end..start].contains('/');
            prev_end = start + atom.len();
            (atom.to_ascii_lowercase(), slash)
        })
        .collect()
}

/// Whether `needle` occurs as consecutive atoms of `hay`.
fn contains_atoms(hay: &[(String, bool)], needle: &[(String, bool)]) -> bool {
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|w| w.iter().zip(needle).all(|(a, b)| a.0 == b.0))
}

/// Longest run of blanks accepted between two words of a phrase.
const MAX_BLANKS: usize = 32;
/// Atoms shorter than this that start a longer phrase are searched together
/// with the next character, so a first word like "a" (of "A/B test") does not
/// turn every letter a into a candidate.
const SHORT_ATOM: usize = 3;

/// The compiled term matcher. Build it once per content change; it is
/// immutable and cheap to share.
#[derive(Debug)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    nodes: Vec<Node>,
    max_atom_len: usize,
    longest_pattern: usize,
    /// Whether any phrase needs the LLM setting; without one, anchors are
    /// not looked for at all.
    has_setting_phrases: bool,
    /// How many lines above and below a marked hit an anchor may be.
    setting_lines: usize,
}

/// Lower-cases an atom into `buf` when it is short enough to be in the trie.
fn fold<'b>(atom: &str, buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let bytes = atom.as_bytes();
    let out = buf.get_mut(..bytes.len())?;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

impl Matcher {
    /// Compiles phrases. When two phrases have the same atoms, the first one
    /// listed keeps them (content validation reports such clashes).
    /// Automatic plurals never displace an explicit phrase.
    pub fn new<'a>(phrases: impl IntoIterator<Item = Phrase<'a>>) -> Matcher {
        Matcher::with_setting(phrases, |_| false)
    }

    /// Like [`Matcher::new`], with the terms for which `needs_llm` is true
    /// (marked `context = "llm"`) spotted only in the LLM setting.
    pub fn with_setting<'a>(
        phrases: impl IntoIterator<Item = Phrase<'a>>,
        needs_llm: impl Fn(u32) -> bool,
    ) -> Matcher {
        let mut matcher = Matcher {
            automaton: None,
            nodes: vec![Node::default()],
            max_atom_len: 0,
            longest_pattern: 0,
            has_setting_phrases: false,
            setting_lines: SETTING_LINES,
        };
        let anchors: Vec<Vec<(String, bool)>> = ANCHORS.iter().map(|a| trie_atoms(a)).collect();
        let mut plurals = Vec::new();
        for phrase in phrases {
            let atoms = trie_atoms(phrase.text);
            let Some((last, _)) = atoms.last() else {
                continue;
            };
            let text = phrase.text.trim();
            let mut flags = 0;
            if text.chars().filter(|c| c.is_alphanumeric()).count() > 1
                && !text.chars().any(|c| c.is_lowercase() || c.is_whitespace())
            {
                flags |= ACRONYM;
            }
            if needs_llm(phrase.term) && !anchors.iter().any(|a| contains_atoms(&atoms, a)) {
                flags |= NEEDS_SETTING;
                matcher.has_setting_phrases = true;
            }
            let acronym_last = text
                .split(|c: char| !c.is_alphanumeric())
                .next_back()
                .is_some_and(|w| w.len() > 1 && w.chars().all(|c| !c.is_lowercase()));
            if let (false, Some(plural)) = (acronym_last, plural(last)) {
                let mut with_plural = atoms.clone();
                if let Some(last) = with_plural.last_mut() {
                    last.0 = plural;
                }
                plurals.push((with_plural, phrase.term, flags | PLURAL));
            }
            matcher.insert(&atoms, phrase.term, flags);
        }
        for (atoms, term, flags) in plurals {
            matcher.insert(&atoms, term, flags);
        }
        if matcher.has_setting_phrases {
            for atoms in &anchors {
                matcher.insert(atoms, ANCHOR, 0);
            }
        }
        matcher.build_automaton();
        matcher
    }

    fn insert(&mut self, atoms: &[(String, bool)], term: u32, flags: u8) {
        let mut node = 0usize;
        for (atom, slash) in atoms {
            if atom.len() > 64 {
                return;
            }
            self.max_atom_len = self.max_atom_len.max(atom.len());
            let key: Box<[u8]> = atom.as_bytes().into();
            node = match self.nodes[node].children.get(&key) {
                Some(&child) => child as usize,
                None => {
                    let child = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[node].children.insert(key, child as u32);
                    child
                }
            };
            self.nodes[node].slash |= slash;
        }
        let node = &mut self.nodes[node];
        if node.term.is_none() {
            node.term = Some(term);
            node.flags = flags;
        }
    }

    fn build_automaton(&mut self) {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for (atom, &child) in &self.nodes[0].children {
            let node = &self.nodes[child as usize];
            if atom.len() >= SHORT_ATOM || node.term.is_some() {
                patterns.push(atom.to_vec());
                continue;
            }
            // Short first atom (the "a" of "A/B test", the "e" of "E2E"):
            // searching it alone would stop at nearly every sentence. Search
            // it with what can follow instead. Every separator the walk
            // accepts starts with one of these, so nothing is missed: the
            // next word's first letter directly (case change), or after one
            // of `- _ /` or a single space; or a rarer blank sequence.
            let firsts: Vec<u8> = node
                .children
                .keys()
                .filter_map(|k| k.first().copied())
                .collect();
            let mut push = |tail: &[u8]| {
                let mut p = atom.to_vec();
                p.extend_from_slice(tail);
                patterns.push(p);
            };
            for &first in &firsts {
                push(&[first]);
                for sep in [b' ', b'-', b'_', b'/'] {
                    push(&[sep, first]);
                }
            }
            for blank in [&b"  "[..], b" \t", b" \r", b" \n", b"\t", b"\r", b"\n"] {
                push(blank);
            }
        }
        patterns.sort();
        patterns.dedup();
        self.longest_pattern = patterns.iter().map(Vec::len).max().unwrap_or(0);
        if patterns.is_empty() {
            return;
        }
        // A DFA is the fastest search for the pattern counts packs have; fall
        // back to the builder's choice if it would be too big.
        let build = |kind| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .kind(kind)
                .build(&patterns)
        };
        self.automaton = build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .ok();
    }

    /// The same matcher with anchors counted within `lines` lines of a
    /// marked hit instead of [`SETTING_LINES`] (tests use small reaches).
    pub fn with_setting_lines(mut self, lines: usize) -> Matcher {
        self.setting_lines = lines;
        self
    }

    /// How many lines around an edit can change whether a hit shows: the
    /// reach of the LLM setting, or 0 when no phrase needs it.
    pub fn setting_reach(&self) -> usize {
        if self.has_setting_phrases {
            self.setting_lines + 1
        } else {
            0
        }
    }

    /// Whether the matcher has any phrase at all.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Every hit in `text`, in order, not overlapping.
    pub fn find_all(&self, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        self.find_in(text, 0, text.len(), &mut out);
        out
    }

    /// Appends the hits that start in `text[from..to]` (a hit may run past
    /// `to`). `from` must be a char boundary.
    /// Marked terms show only near an anchor (see [`Matcher::find_with_anchors`]).
    pub fn find_in(&self, text: &str, from: usize, to: usize, out: &mut Vec<Hit>) {
        let mut anchors = Vec::new();
        self.find_with_anchors(text, from, to, false, out, &mut anchors);
    }

    /// [`Matcher::find_in`], also appending the hidden anchor words of the
    /// LLM setting that start in `text[from..to]` (as byte ranges), so a
    /// document can tell when an edit changed them; hits of unmarked terms are
    /// anchors too and are among the hits. Without phrases that need the
    /// setting there are no hidden anchors.
    ///
    /// `llm_project`: the text belongs to a project that depends on an LLM
    /// library ([`project_uses_llm`]), so marked terms need no anchor.
    pub fn find_with_anchors(
        &self,
        text: &str,
        from: usize,
        to: usize,
        llm_project: bool,
        out: &mut Vec<Hit>,
        anchors: &mut Vec<(usize, usize)>,
    ) {
        let first_new = out.len();
        let mut pending = false;
        let mut near: Vec<usize> = Vec::new();
        self.scan(text, from, to, &mut |hit, flags| {
            if hit.term == ANCHOR {
                anchors.push((hit.start, hit.end));
                near.push(hit.start);
                return;
            }
            if flags & NEEDS_SETTING != 0 {
                pending = true;
            } else if self.has_setting_phrases {
                near.push(hit.start);
            }
            out.push(hit);
        });
        if !pending || llm_project {
            return;
        }
        // Some hits need the setting: find the anchors within reach that lie
        // outside the scanned range, then keep the hits near one.
        let to = to.min(text.len());
        let ext_from = lines_back(text, from, self.setting_lines);
        let ext_to = lines_forward(text, to, self.setting_lines);
        let mut collect = |hit: Hit, flags: u8| {
            if hit.term == ANCHOR || flags & NEEDS_SETTING == 0 {
                near.push(hit.start);
            }
        };
        self.scan(text, ext_from, from, &mut collect);
        let resume = out[first_new..].last().map_or(to, |h| h.end.max(to));
        self.scan(text, resume, ext_to, &mut collect);
        near.sort_unstable();
        let mut kept = first_new;
        for i in first_new..out.len() {
            let hit = out[i];
            let needs = self
                .flags_of(text, hit)
                .is_some_and(|f| f & NEEDS_SETTING != 0);
            if !needs || anchor_within(text, &near, hit.start, self.setting_lines) {
                out[kept] = hit;
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// The phrase flags of a hit found by [`Matcher::scan`], found again by
    /// walking its text (only done for the rare hits that need the setting).
    fn flags_of(&self, text: &str, hit: Hit) -> Option<u8> {
        let first_end = atom_end(text, hit.start);
        self.walk(text, hit.start, first_end)
            .filter(|&(_, end, _)| end == hit.end)
            .map(|(_, _, flags)| flags)
    }

    /// Calls `found` for every phrase that starts in `text[from..to]` and
    /// reads as its phrase, anchors included, with the phrase's flags.
    fn scan(&self, text: &str, from: usize, to: usize, found: &mut impl FnMut(Hit, u8)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let bytes = text.as_bytes();
        let to = to.min(text.len());
        let search_end = (to + self.longest_pattern).min(text.len());
        let mut pos = from;
        while pos < to {
            let input = Input::new(bytes).span(pos..search_end);
            let Some(found_at) = automaton.find(input) else {
                break;
            };
            let start = found_at.start();
            if start >= to {
                break;
            }
            // Patterns begin with a whole character, so `start` is a char boundary.
            if !text.is_char_boundary(start) || !is_atom_start(text, start) {
                pos = start + 1;
                continue;
            }
            let first_end = atom_end(text, start);
            match self.walk(text, start, first_end) {
                Some((term, end, flags)) if reads_as_phrase(text, start, end, term, flags) => {
                    found(Hit { start, end, term }, flags);
                    pos = end;
                }
                _ => pos = first_end,
            }
        }
    }

    /// The hit that covers byte `offset`, if any: scans only the line around
    /// it (and, for a marked term outside an LLM project, the lines within
    /// an anchor's reach), so it agrees with a scan of the whole text.
    pub fn hit_at(&self, text: &str, offset: usize, llm_project: bool) -> Option<Hit> {
        let offset = offset.min(text.len());
        // A phrase spans one line break at most, so look one line back.
        let line_start = |at: usize| text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let mut from = line_start(offset);
        if from > 0 {
            // Step over the line break before this line ("\r\n" is one).
            let mut back = from - 1;
            if back > 0 && text.as_bytes()[back] == b'\n' && text.as_bytes()[back - 1] == b'\r' {
                back -= 1;
            }
            from = line_start(back);
        }
        let to = text[offset..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| offset + i);
        let mut hits = Vec::new();
        self.find_with_anchors(text, from, to + 1, llm_project, &mut hits, &mut Vec::new());
        hits.into_iter()
            .find(|h| h.start <= offset && offset < h.end)
    }

    /// Walks the trie from the atom `text[start..first_end]`, returning the
    /// longest phrase found, where it ends and its flags.
    fn walk(&self, text: &str, start: usize, first_end: usize) -> Option<(u32, usize, u8)> {
        let mut buf = [0u8; 64];
        let key = fold(&text[start..first_end], &mut buf)?;
        let mut node = &self.nodes[*self.nodes[0].children.get(key)? as usize];
        let mut best = node.term.map(|t| (t, first_end, node.flags));
        let mut at = first_end;
        let mut atom_start = start;
        let mut line_breaks = 0;
        while let Some((next, joiner)) = next_atom_start(text, at, &mut line_breaks) {
            let end = atom_end(text, next);
            if end - next > self.max_atom_len {
                break;
            }
            if joiner == Joiner::LineBreak
                && !rules::line_break_joins(&text[atom_start..at], &text[next..end])
            {
                break;
            }
            let Some(key) = fold(&text[next..end], &mut buf) else {
                break;
            };
            let Some(&child) = node.children.get(key) else {
                break;
            };
            node = &self.nodes[child as usize];
            if joiner == Joiner::Slash && !node.slash {
                break;
            }
            at = end;
            atom_start = next;
            if let Some(term) = node.term {
                best = Some((term, end, node.flags));
            }
        }
        best
    }
}

/// What joined two atoms of a phrase in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Joiner {
    /// A case or digit change, `-`, `_` or blanks on one line.
    Plain,
    Slash,
    LineBreak,
}

/// Whether the walk's verdict `(term, flags)` at `text[start..end]` stands:
/// the spot reads as the phrase (see [`rules`]). Anchors are only counted, so
/// they skip the rules.
fn reads_as_phrase(text: &str, start: usize, end: usize, term: u32, flags: u8) -> bool {
    if term == ANCHOR {
        return true;
    }
    if flags & ACRONYM != 0
        && (!rules::acronym_in_place(text, start, end) || rules::traffic_light(text, start, end))
    {
        return false;
    }
    if flags & PLURAL != 0 && rules::plural_reads_as_verb(text, end) {
        return false;
    }
    !rules::modifies_other_noun(text, end)
        && !rules::inside_address(text, start, end)
        && !rules::inside_random_run(text, start, end)
}

/// Start of the line `lines` lines above the one holding `at`.
fn lines_back(text: &str, at: usize, lines: usize) -> usize {
    let mut i = at.min(text.len());
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &text.as_bytes()[..i]) {
            Some(nl) => i = nl,
            None => return 0,
        }
    }
    i + 1
}

/// End of the line `lines` lines below the one holding `at`.
fn lines_forward(text: &str, at: usize, lines: usize) -> usize {
    let mut i = at.min(text.len());
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &text.as_bytes()[i..]) {
            Some(nl) => i += nl + 1,
            None => return text.len(),
        }
    }
    i
}

/// Whether one of the sorted `anchors` lies within `lines` lines of `at`.
fn anchor_within(text: &str, anchors: &[usize], at: usize, lines: usize) -> bool {
    let i = anchors.partition_point(|&a| a < at);
    let close = |a: usize, b: usize| {
        memchr::memchr_iter(b'\n', &text.as_bytes()[a..b])
            .take(lines + 1)
            .count()
            <= lines
    };
    anchors.get(i).is_some_and(|&a| close(at, a)) || i > 0 && close(anchors[i - 1], at)
}

/// After an atom ending at `at`, where the next atom of the same phrase
/// would start: right away at a case change, or after one separator.
fn next_atom_start(text: &str, at: usize, line_breaks: &mut u32) -> Option<(usize, Joiner)> {
    let bytes = text.as_bytes();
    let first = *bytes.get(at)?;
    let starts_word = |i: usize| text[i..].chars().next().is_some_and(is_word_char);
    if !first.is_ascii() || first.is_ascii_alphanumeric() {
        // The atom ended at a case, digit or script change (`promptRegistry`).
        return Some((at, Joiner::Plain)).filter(|&(i, _)| starts_word(i));
    }
    let mut i = at;
    let mut joiner = Joiner::Plain;
    match first {
        b'/' => {
            i += 1;
            joiner = Joiner::Slash;
        }
        b'-' | b'_' => i += 1,
        b' ' | b'\t' | b'\r' | b'\n' => {
            i = skip_blanks(bytes, i)?;
            if matches!(bytes.get(i), Some(b'\r' | b'\n')) {
                if *line_breaks > 0 {
                    return None;
                }
                *line_breaks += 1;
                joiner = Joiner::LineBreak;
                i += if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                i = skip_blanks(bytes, i)?;
                // A comment or quote leader on the continuation line.
                let leader = bytes[i..]
                    .iter()
                    .take(3)
                    .take_while(|b| b"/#*;>!%-".contains(b))
                    .count();
                if leader > 0 {
                    i = skip_blanks(bytes, i + leader)?;
                }
            }
        }
        _ => return None,
    }
    (i < text.len() && text.is_char_boundary(i) && starts_word(i)).then_some((i, joiner))
}

fn skip_blanks(bytes: &[u8], from: usize) -> Option<usize> {
    let run = bytes[from..]
        .iter()
        .take(MAX_BLANKS + 1)
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    (run <= MAX_BLANKS).then_some(from + run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMS: &[(&str, u32)] = &[
        ("prompt registry", 0),
        ("TTFT", 1),
        ("time to first token", 1),
        ("model alias", 2),
        ("Prompt A/B test", 3),
        ("A/B test", 4),
        ("quality drift", 5),
        ("LLM-as-a-judge", 6),
        ("tokens/sec", 7),
    ];

    fn matcher() -> Matcher {
        Matcher::new(TERMS.iter().map(|&(text, term)| Phrase { text, term }))
    }

    fn spotted(text: &str) -> Vec<(&str, u32)> {
        matcher()
            .find_all(text)
            .into_iter()
            .map(|h| (&text[h.start..h.end], h.term))
            .collect()
    }

    #[test]
    fn phrases_match_case_insensitively_on_word_boundaries() {
        assert_eq!(
            spotted("Our Prompt Registry tracks TTFT and time to first token."),
            [
                ("Prompt Registry", 0),
                ("TTFT", 1),
                ("time to first token", 1)
            ]
        );
        assert_eq!(
            spotted("run a prompt A/B test now"),
            [("prompt A/B test", 3)]
        );
        assert_eq!(spotted("an A/B test"), [("A/B test", 4)]);
        assert_eq!(
            spotted("use LLM-as-a-judge scoring"),
            [("LLM-as-a-judge", 6)]
        );
        assert_eq!(spotted("120 tokens/sec"), [("tokens/sec", 7)]);
    }

    #[test]
    fn identifiers_match_in_their_code_forms() {
        for ident in [
            "prompt_registry",
            "PromptRegistry",
            "promptRegistry",
            "PROMPT_REGISTRY",
            "prompt-registry",
        ] {
            assert_eq!(spotted(ident), [(ident, 0)], "{ident}");
        }
        assert_eq!(spotted("let ttft_ms = 3;"), [("ttft", 1)]);
        assert_eq!(spotted("MODEL_ALIAS=prod"), [("MODEL_ALIAS", 2)]);
        assert_eq!(spotted("getTtftMs()"), [("Ttft", 1)]);
        assert_eq!(spotted("timeToFirstToken"), [("timeToFirstToken", 1)]);
    }

    #[test]
    fn ordinary_words_and_word_parts_are_not_hits() {
        for text in [
            "alias",
            "drift",
            "trace",
            "span",
            "registry",
            "ttfts",
            "attft",
            "TTFTs",
            "promptregistry",
            "a test",
            "prompt. Registry",
            "model\n\n alias",
        ] {
            assert_eq!(spotted(text), [], "{text}");
        }
    }

    #[test]
    fn plurals_and_wrapped_lines_match() {
        assert_eq!(spotted("two prompt registries"), [("prompt registries", 0)]);
        assert_eq!(spotted("model aliases"), [("model aliases", 2)]);
        assert_eq!(
            spotted("// the model\n// alias moves"),
            [("model\n// alias", 2)]
        );
        assert_eq!(spotted("quality\r\n  drift"), [("quality\r\n  drift", 5)]);
    }

    #[test]
    fn short_first_words_are_found_after_any_separator() {
        for text in [
            "an A/B test",
            "an a b test",
            "an a  b test",
            "an a\tb test",
            "an a\n b test",
            "an a-b test",
            "an a_b test",
            "an aB test",
            "an a \r\nb test",
            "an a \tb test",
        ] {
            let hits = spotted(text);
            assert_eq!(hits.len(), 1, "{text:?}");
            assert_eq!(hits[0].1, 4, "{text:?}");
        }
    }

    #[test]
    fn non_ascii_text_keeps_hits_on_char_boundaries() {
        let text = "😀TTFT中文 prompt registry été";
        let hits = matcher().find_all(text);
        assert_eq!(hits.len(), 2);
        for hit in hits {
            assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
        }
    }

    #[test]
    fn hit_at_finds_the_term_under_an_offset() {
        let m = matcher();
        let text = "line one\nsee the model alias here";
        let at = text.find("alias").unwrap();
        let hit = m.hit_at(text, at, false).unwrap();
        assert_eq!(&text[hit.start..hit.end], "model alias");
        assert_eq!(m.hit_at(text, 2, false), None);
    }
}
