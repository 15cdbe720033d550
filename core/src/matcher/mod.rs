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

mod words;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use rustc_hash::FxHashMap;

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
        let mut matcher = Matcher {
            automaton: None,
            nodes: vec![Node::default()],
            max_atom_len: 0,
            longest_pattern: 0,
        };
        let mut plurals = Vec::new();
        for phrase in phrases {
            let atoms: Vec<String> = atoms(phrase.text)
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect();
            let Some(last) = atoms.last() else { continue };
            let acronym = phrase
                .text
                .split(|c: char| !c.is_alphanumeric())
                .next_back()
                .is_some_and(|w| w.len() > 1 && w.chars().all(|c| !c.is_lowercase()));
            if let (false, Some(plural)) = (acronym, plural(last)) {
                let mut with_plural = atoms.clone();
                *with_plural.last_mut().unwrap_or(&mut String::new()) = plural;
                plurals.push((with_plural, phrase.term));
            }
            matcher.insert(&atoms, phrase.term);
        }
        for (atoms, term) in plurals {
            matcher.insert(&atoms, term);
        }
        matcher.build_automaton();
        matcher
    }

    fn insert(&mut self, atoms: &[String], term: u32) {
        let mut node = 0usize;
        for atom in atoms {
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
        }
        self.nodes[node].term.get_or_insert(term);
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
    pub fn find_in(&self, text: &str, from: usize, to: usize, out: &mut Vec<Hit>) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let bytes = text.as_bytes();
        let to = to.min(text.len());
        let search_end = (to + self.longest_pattern).min(text.len());
        let mut pos = from;
        while pos < to {
            let input = Input::new(bytes).span(pos..search_end);
            let Some(found) = automaton.find(input) else {
                break;
            };
            let start = found.start();
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
                Some((term, end)) => {
                    out.push(Hit { start, end, term });
                    pos = end;
                }
                None => pos = first_end,
            }
        }
    }

    /// The hit that covers byte `offset`, if any: scans only the line around it.
    pub fn hit_at(&self, text: &str, offset: usize) -> Option<Hit> {
        let offset = offset.min(text.len());
        // A phrase spans one line break at most, so look one line back.
        let line_start = |at: usize| text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let mut from = line_start(offset);
        if from > 0 {
            from = line_start(from - 1);
        }
        let to = text[offset..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| offset + i);
        let mut hits = Vec::new();
        self.find_in(text, from, to + 1, &mut hits);
        hits.into_iter()
            .find(|h| h.start <= offset && offset < h.end)
    }

    /// Walks the trie from the atom `text[start..first_end]`, returning the
    /// longest phrase found and where it ends.
    fn walk(&self, text: &str, start: usize, first_end: usize) -> Option<(u32, usize)> {
        let mut buf = [0u8; 64];
        let key = fold(&text[start..first_end], &mut buf)?;
        let mut node = &self.nodes[*self.nodes[0].children.get(key)? as usize];
        let mut best = node.term.map(|t| (t, first_end));
        let mut at = first_end;
        let mut line_breaks = 0;
        while let Some(next) = next_atom_start(text, at, &mut line_breaks) {
            let end = atom_end(text, next);
            if end - next > self.max_atom_len {
                break;
            }
            let Some(key) = fold(&text[next..end], &mut buf) else {
                break;
            };
            let Some(&child) = node.children.get(key) else {
                break;
            };
            node = &self.nodes[child as usize];
            at = end;
            if let Some(term) = node.term {
                best = Some((term, end));
            }
        }
        best
    }
}

/// After an atom ending at `at`, where the next atom of the same phrase
/// would start: right away at a case change, or after one separator.
fn next_atom_start(text: &str, at: usize, line_breaks: &mut u32) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.get(at)?;
    let starts_word = |i: usize| text[i..].chars().next().is_some_and(is_word_char);
    if !first.is_ascii() || first.is_ascii_alphanumeric() {
        // The atom ended at a case, digit or script change (`promptRegistry`).
        return Some(at).filter(|&i| starts_word(i));
    }
    let mut i = at;
    match first {
        b'-' | b'_' | b'/' => i += 1,
        b' ' | b'\t' | b'\r' | b'\n' => {
            i = skip_blanks(bytes, i)?;
            if matches!(bytes.get(i), Some(b'\r' | b'\n')) {
                if *line_breaks > 0 {
                    return None;
                }
                *line_breaks += 1;
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
    (i < text.len() && text.is_char_boundary(i) && starts_word(i)).then_some(i)
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
        let hit = m.hit_at(text, at).unwrap();
        assert_eq!(&text[hit.start..hit.end], "model alias");
        assert_eq!(m.hit_at(text, 2), None);
    }
}
