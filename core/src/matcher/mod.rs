//! Finds glossary terms in any text: prose, Markdown, YAML and code.
//!
//! Three stages keep it fast and exact:
//! 1. A pre-filter ([`starts`]) picks the bytes where a phrase may start:
//!    an atom start (64 bytes at a time, byte classes from SSE2 or AVX2)
//!    whose whole atom, case-folded, is some phrase's *first atom*, and whose
//!    first one to four bytes are those of a phrase. Text with no term in it
//!    is skipped at one hash per word. (It replaced an
//!    Aho-Corasick automaton over the first atoms, which stepped through every
//!    byte: the unit tests keep it as the reference the pre-filter must agree
//!    with.)
//! 2. At each candidate that sits on an atom boundary, a trie of atoms is
//!    walked forward: atoms may be joined by spaces (one line break at most,
//!    with a comment leader such as `//` or `#` after it), `-`, `_`, `/` or a
//!    case change. The longest phrase wins, and it must end on a boundary, so
//!    `ttfts` and `attft` are not hits while `ttft_ms` and `TtftMs` are.
//! 3. The spot must read as the phrase ([`rules`]): acronyms in capitals or
//!    inside identifiers, nothing inside URLs, paths or random runs, `/` only
//!    where the phrase has one, plurals that are not verbs. Terms marked
//!    `context = "llm"` also need the LLM setting nearby ([`setting`]).

mod amber;
pub mod case_style;
mod project;
mod rules;
mod setting;
mod starts;
mod trie;
mod words;

use std::borrow::Cow;

#[cfg(test)]
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

pub use project::{LlmProjects, MANIFESTS, is_manifest, manifest_names_llm, project_uses_llm};
use rustc_hash::FxHashMap;

use crate::text::{ByteRange, MAX_TEXT_BYTES};
pub use setting::SETTING_LINES;
use setting::{ANCHOR, ANCHORS};
use starts::{Filters, candidates};
#[doc(hidden)]
pub use starts::{Kernel, Prefilter};
use trie::{ROOT, Trie, first_byte_bit};
use words::{atom_end, is_atom_start, is_word_char, plural};
pub(crate) use words::{atom_iter, phrase_key};

/// One spotted term: `text[start..end]` names term number `term`.
///
/// Twelve bytes: an open document keeps one per spot for as long as it is
/// open, so the start is four bytes (texts are at most [`MAX_TEXT_BYTES`];
/// see [`crate::text::ByteRange`]) and the length two: a hit is one phrase,
/// at most [`MAX_HIT_BYTES`] long. Read them through [`start`](Hit::start)
/// and [`end`](Hit::end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    start: u32,
    pub term: u32,
    len: u16,
    /// The spot is a phrase the team avoids for this term (its `avoid`
    /// list or a deprecated alias), not one of the term's own phrases.
    pub avoided: bool,
}

const _: () = assert!(std::mem::size_of::<Hit>() == 12);

/// The longest text one hit can cover: a phrase of at most 12 words of 200
/// characters in all (`content::limits`), each join at most two runs of
/// [`MAX_BLANKS`] around one line break and its comment leader, is under
/// 2 KB; the two-byte length leaves room to spare.
pub const MAX_HIT_BYTES: usize = u16::MAX as usize;

impl Hit {
    /// A spot of `term` at `text[start..end]`, in a text of at most
    /// [`MAX_TEXT_BYTES`].
    pub(crate) fn new(start: usize, end: usize, term: u32, avoided: bool) -> Hit {
        debug_assert!(
            end - start <= MAX_HIT_BYTES,
            "a hit of {} bytes",
            end - start
        );
        Hit {
            start: crate::text::narrow(start),
            term,
            len: u16::try_from(end - start).unwrap_or(u16::MAX),
            avoided,
        }
    }

    /// Where the spot starts in the text (bytes).
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Where the spot ends in the text (bytes, exclusive).
    pub fn end(&self) -> usize {
        self.start() + self.len as usize
    }

    /// `start()..end()`, to slice the text with.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    /// The byte range as kept.
    pub fn span(&self) -> ByteRange {
        ByteRange::new(self.start(), self.end())
    }

    /// The same spot moved by `delta` bytes, modulo 2^32 (an edit before
    /// it that grew or shrank the text by that much; both positions lie
    /// within the bound, so four-byte wrapping arithmetic is exact). One
    /// add, as wide as the machine's vectors when applied to a run of
    /// hits: every keystroke moves all the hits after it.
    pub(crate) fn shifted_by(self, delta: u32) -> Hit {
        Hit {
            start: self.start.wrapping_add(delta),
            ..self
        }
    }
}

/// A phrase to look for and the term it stands for.
#[derive(Clone, Debug)]
pub struct Phrase<'a> {
    pub text: &'a str,
    pub term: u32,
    /// One of the term's avoided phrases (see [`Hit::avoided`]).
    pub avoided: bool,
}

impl<'a> Phrase<'a> {
    /// One of the term's own phrases.
    pub fn of(text: &'a str, term: u32) -> Phrase<'a> {
        Phrase {
            text,
            term,
            avoided: false,
        }
    }
}

/// The phrase is an acronym ("TTFT"): capitals or identifier segments only.
const ACRONYM: u8 = 1;
/// The phrase is the automatic plural of a pack phrase.
const PLURAL: u8 = 2;
/// The phrase belongs to a term marked `context = "llm"` and has no anchor
/// word of its own ("LLM guardrail" shows its setting; "guardrail" does not).
const NEEDS_SETTING: u8 = 4;
/// The phrase is one the team avoids (see [`Hit::avoided`]).
const AVOIDED: u8 = 8;

/// A phrase split for the trie: its atoms, ASCII lower-cased, each with
/// whether a `/` (or `@`) may come before it. The buffers are reused from phrase to
/// phrase, so compiling a big pack allocates nothing per phrase.
#[derive(Default)]
struct SplitPhrase {
    lower: String,
    atoms: Vec<(std::ops::Range<usize>, bool)>,
}

impl SplitPhrase {
    fn of(phrase: &str) -> SplitPhrase {
        let mut split = SplitPhrase::default();
        split.split(phrase);
        split
    }

    fn split(&mut self, phrase: &str) {
        self.lower.clear();
        self.lower.push_str(phrase);
        self.lower.make_ascii_lowercase();
        self.atoms.clear();
        let base = phrase.as_ptr() as usize;
        let mut prev_end = 0;
        for atom in atom_iter(phrase) {
            let start = atom.as_ptr() as usize - base;
            let slash = phrase[prev_end..start].contains(['/', '@']);
            prev_end = start + atom.len();
            self.atoms.push((start..prev_end, slash));
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, bool)> + '_ {
        self.atoms
            .iter()
            .map(|(range, slash)| (&self.lower[range.clone()], *slash))
    }

    fn last(&self) -> Option<(&str, bool)> {
        self.iter().next_back()
    }

    /// Whether `needle`'s atoms occur consecutively in this phrase.
    fn contains(&self, needle: &SplitPhrase) -> bool {
        let n = needle.atoms.len();
        n > 0
            && n <= self.atoms.len()
            && (0..=self.atoms.len() - n).any(|i| {
                self.iter()
                    .skip(i)
                    .zip(needle.iter())
                    .all(|((a, _), (b, _))| a == b)
            })
    }
}

/// Longest run of blanks accepted between two words of a phrase.
const MAX_BLANKS: usize = 32;
/// Atoms shorter than this that start a longer phrase are searched together
/// with the next character, so a first word like "a" (of "A/B test") does not
/// turn every letter a into a candidate.
const SHORT_ATOM: usize = 3;

/// Most first words the tests' reference automaton searches with a DFA;
/// more get a contiguous NFA (see `reference_automaton`).
#[cfg(test)]
const MAX_DFA_PATTERNS: usize = 10_000;

/// The compiled term matcher. Build it once per content change; it is
/// immutable and cheap to share.
#[derive(Debug)]
pub struct Matcher {
    /// Where a phrase may start: the first atoms and the first bytes of the
    /// patterns (see [`starts`]). Only there is the trie walked.
    filters: Filters,
    /// How the scan finds candidates: the best the processor runs, unless
    /// the bench asks for another ([`Matcher::with_prefilter`]).
    prefilter: Prefilter,
    /// Whether there is any phrase at all.
    has_phrases: bool,
    /// The plain Aho-Corasick search over the same first atoms that the
    /// pre-filtered scan replaced; the unit tests check that both agree.
    #[cfg(test)]
    automaton: Option<AhoCorasick>,
    #[cfg(test)]
    longest_pattern: usize,
    trie: Trie,
    max_atom_len: usize,
    /// Most atoms in one phrase (with `max_atom_len`, bounds how far a hit
    /// can reach in the text).
    max_atoms: usize,
    /// Whether any phrase needs the LLM setting; without one, anchors are
    /// not looked for at all.
    has_setting_phrases: bool,
    /// How many lines above and below a marked hit an anchor may be.
    setting_lines: usize,
    /// Per term, the identifiers it is not spotted inside (the pack's
    /// `not_in`); empty for most packs, so a hit pays one emptiness check.
    not_in: FxHashMap<u32, Box<[Box<str>]>>,
    /// Per term, the words that show another sense on the hit's line (the
    /// pack's `not_near`); empty for most packs.
    not_near: FxHashMap<u32, Box<[Box<str>]>>,
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
            filters: Filters::new([], []),
            prefilter: Prefilter::default(),
            has_phrases: false,
            #[cfg(test)]
            automaton: None,
            #[cfg(test)]
            longest_pattern: 0,
            trie: Trie::new(),
            max_atom_len: 0,
            max_atoms: 0,
            has_setting_phrases: false,
            setting_lines: SETTING_LINES,
            not_in: FxHashMap::default(),
            not_near: FxHashMap::default(),
        };
        let anchors: Vec<SplitPhrase> = ANCHORS.iter().map(|a| SplitPhrase::of(a)).collect();
        // (node before the last atom, plural of the last atom, slash, term,
        // flags): inserted after every written phrase, so that an automatic
        // plural never displaces one.
        let mut plurals = Vec::new();
        let mut split = SplitPhrase::default();
        for phrase in phrases {
            split.split(phrase.text);
            let Some((last, last_slash)) = split.last() else {
                continue;
            };
            let text = phrase.text.trim();
            let mut flags = 0;
            if text.chars().filter(|c| c.is_alphanumeric()).count() > 1
                && !text.chars().any(|c| c.is_lowercase() || c.is_whitespace())
            {
                flags |= ACRONYM;
            }
            if phrase.avoided {
                flags |= AVOIDED;
            }
            if needs_llm(phrase.term) && !anchors.iter().any(|a| split.contains(a)) {
                flags |= NEEDS_SETTING;
                matcher.has_setting_phrases = true;
            }
            let acronym_last = text
                .split(|c: char| !c.is_alphanumeric())
                .next_back()
                .is_some_and(|w| w.len() > 1 && w.chars().all(|c| !c.is_lowercase()));
            let plural = (!acronym_last && !names_a_limit(text))
                .then(|| plural(last))
                .flatten();
            let before_last = matcher.insert(&split, phrase.term, flags);
            if let (Some(plural), Some(node)) = (plural, before_last) {
                plurals.push((node, plural, last_slash, phrase.term, flags | PLURAL));
            }
        }
        for (node, plural, slash, term, flags) in plurals {
            matcher.insert_from(node, [(plural.as_str(), slash)], term, flags);
        }
        if matcher.has_setting_phrases {
            for atoms in &anchors {
                matcher.insert(atoms, ANCHOR, 0);
            }
        }
        matcher.build_starts();
        matcher
    }

    /// Adds a phrase to the trie; returns the node before its last atom, or
    /// `None` if an atom is too long to be matched (then nothing is added
    /// past it).
    fn insert(&mut self, phrase: &SplitPhrase, term: u32, flags: u8) -> Option<u32> {
        // An automatic plural has as many atoms as its phrase.
        self.max_atoms = self.max_atoms.max(phrase.iter().count());
        self.insert_from(ROOT, phrase.iter(), term, flags)
    }

    /// Adds the atoms from `node` on, as [`insert`](Self::insert) does.
    fn insert_from<'s>(
        &mut self,
        mut node: u32,
        atoms: impl IntoIterator<Item = (&'s str, bool)>,
        term: u32,
        flags: u8,
    ) -> Option<u32> {
        let mut before_last = node;
        for (atom, slash) in atoms {
            if atom.len() > 64 {
                return None;
            }
            self.max_atom_len = self.max_atom_len.max(atom.len());
            before_last = node;
            node = self.trie.child_or_insert(node, atom.as_bytes());
            self.trie.node_mut(node).slash |= slash;
        }
        let end = self.trie.node_mut(node);
        if end.term.is_none() {
            end.term = Some(term);
            end.flags = flags;
        }
        Some(before_last)
    }

    /// The start set of the first atoms (the trie root's keys), each as it
    /// is (borrowed, not copied), short ones extended with what can follow.
    /// Only where a pattern starts matters (the trie walk does the rest), so
    /// their order does not matter and they need no sorting.
    fn build_starts(&mut self) {
        // The first bytes of the atoms that can follow each short first
        // atom (see below), found in one pass over the edges.
        let mut short: FxHashMap<u32, Vec<u8>> = FxHashMap::default();
        for (parent, atom, child) in self.trie.edges() {
            if parent == ROOT && atom.len() < SHORT_ATOM && self.trie.node(child).term.is_none() {
                short.insert(child, Vec::new());
            }
        }
        if !short.is_empty() {
            for (parent, atom, _) in self.trie.edges() {
                if let (Some(firsts), Some(&first)) = (short.get_mut(&parent), atom.first()) {
                    firsts.push(first);
                }
            }
        }
        let mut patterns: Vec<Cow<'_, [u8]>> = Vec::new();
        for (parent, atom, child) in self.trie.edges() {
            if parent != ROOT {
                continue;
            }
            let Some(firsts) = short.get_mut(&child) else {
                patterns.push(Cow::Borrowed(atom));
                continue;
            };
            // Short first atom (the "a" of "A/B test", the "e" of "E2E"):
            // searching it alone would stop at nearly every sentence. Search
            // it with what can follow instead. Every separator the walk
            // accepts starts with one of these, so nothing is missed: the
            // next word's first letter directly (case change), or after one
            // of `- _ /` or a single space; or a rarer blank sequence.
            firsts.sort_unstable();
            firsts.dedup();
            let firsts = &*firsts;
            let mut push = |tail: &[u8]| {
                let mut p = atom.to_vec();
                p.extend_from_slice(tail);
                patterns.push(Cow::Owned(p));
            };
            for &first in firsts {
                push(&[first]);
                for sep in [b' ', b'-', b'_', b'/'] {
                    push(&[sep, first]);
                }
            }
            for blank in [&b"  "[..], b" \t", b" \r", b" \n", b"\t", b"\r", b"\n"] {
                push(blank);
            }
        }
        self.has_phrases = !patterns.is_empty();
        let first_atoms = self
            .trie
            .edges()
            .filter(|&(parent, _, _)| parent == ROOT)
            .map(|(_, atom, _)| atom);
        self.filters = Filters::new(patterns.iter().map(|p| &**p), first_atoms);
        #[cfg(test)]
        {
            self.longest_pattern = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
            self.automaton = reference_automaton(&patterns);
        }
    }

    /// The same matcher with the identifiers each term is not spotted inside
    /// (a pack's `not_in`, see [`rules::inside_excluded_identifier`]).
    pub fn with_not_in<'a>(
        mut self,
        lists: impl IntoIterator<Item = (u32, &'a [String])>,
    ) -> Matcher {
        add_word_lists(&mut self.not_in, lists);
        self
    }

    /// The same matcher with the words that, near a hit on its line, show
    /// each term's phrases name something else (a pack's `not_near`, see
    /// [`rules::near_other_sense`]).
    pub fn with_not_near<'a>(
        mut self,
        lists: impl IntoIterator<Item = (u32, &'a [String])>,
    ) -> Matcher {
        add_word_lists(&mut self.not_near, lists);
        self
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

    /// How far before and after an edit a hit can start and still be
    /// created, destroyed or re-decided by it, in bytes: before, the longest
    /// text a phrase can cover (atoms and the blanks, line break and comment
    /// leader that may join them) plus the bytes the rules read around a
    /// hit; after, those bytes alone. A document re-spots this window
    /// rather than the whole lines of an edit, so a keystroke on a 1 MB line
    /// costs what it touches. Whether a marked hit shows (the LLM setting)
    /// reaches further, by lines; [`crate::Document`] handles that apart.
    pub fn edit_reach(&self) -> (usize, usize) {
        // Per joint: blanks, CRLF, blanks, a three-byte leader, blanks.
        const JOINT: usize = 3 * MAX_BLANKS + 5;
        let span = self.max_atoms * (self.max_atom_len + JOINT);
        (span + rules::CONTEXT, rules::CONTEXT)
    }

    /// Whether `hit`, found in `text`, counts as an anchor of the LLM
    /// setting: a hit of a term that does not itself need the setting.
    pub fn hit_is_anchor(&self, text: &str, hit: Hit) -> bool {
        self.has_setting_phrases
            && self
                .flags_of(text, hit)
                .is_some_and(|f| f & NEEDS_SETTING == 0)
    }

    /// Whether the matcher has any phrase at all.
    pub fn is_empty(&self) -> bool {
        !self.has_phrases
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
    /// setting there are no hidden anchors. A text longer than
    /// [`MAX_TEXT_BYTES`] has no hits (its offsets would not fit a [`Hit`]).
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
        anchors: &mut Vec<ByteRange>,
    ) {
        let first_new = out.len();
        let mut pending = false;
        let mut near: Vec<usize> = Vec::new();
        self.scan(text, from, to, llm_project, &mut |hit, flags| {
            if hit.term == ANCHOR {
                anchors.push(hit.span());
                near.push(hit.start());
                return;
            }
            if flags & NEEDS_SETTING != 0 {
                pending = true;
            } else if self.has_setting_phrases {
                near.push(hit.start());
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
                near.push(hit.start());
            }
        };
        self.scan(text, ext_from, from, false, &mut collect);
        let resume = out[first_new..].last().map_or(to, |h| h.end().max(to));
        self.scan(text, resume, ext_to, false, &mut collect);
        near.sort_unstable();
        // Line breaks of the whole window, found once, so that the distance
        // in lines from a hit to an anchor is two binary searches rather
        // than a walk over the text between them (quadratic on a long line).
        let breaks: Vec<usize> = memchr::memchr_iter(b'\n', &text.as_bytes()[ext_from..ext_to])
            .map(|i| ext_from + i)
            .collect();
        // Starts of list items (changelog entries, bullet points): an anchor
        // in another item says nothing about this one ("Datadog API request
        // timeout" two entries below an LLM entry). Found from the breaks,
        // a few bytes per line of the window.
        let items: Vec<usize> = breaks
            .iter()
            .map(|&b| b + 1)
            .filter(|&start| starts_list_item(text.as_bytes(), start))
            .collect();
        let mut kept = first_new;
        for i in first_new..out.len() {
            let hit = out[i];
            let needs = self
                .flags_of(text, hit)
                .is_some_and(|f| f & NEEDS_SETTING != 0);
            if !needs || anchor_within(&breaks, &items, &near, hit.start(), self.setting_lines) {
                out[kept] = hit;
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// The phrase flags of a hit found by [`Matcher::scan`], found again by
    /// walking its text (only done for the rare hits that need the setting).
    fn flags_of(&self, text: &str, hit: Hit) -> Option<u8> {
        let first_end = atom_end(text, hit.start());
        self.walk(text, hit.start(), first_end)
            .filter(|&(_, end, _)| end == hit.end())
            .map(|(_, _, flags)| flags)
    }

    /// Calls `found` for every phrase that starts in `text[from..to]` and
    /// reads as its phrase, anchors included, with the phrase's flags.
    /// Nothing in a text longer than [`MAX_TEXT_BYTES`]: this is where every
    /// [`Hit`] is made, and its offsets must fit.
    ///
    /// `llm_project`: lower-case module names (`mcp.`, `import rag`) count
    /// as their acronym ([`rules::module_in_place`]).
    fn scan(
        &self,
        text: &str,
        from: usize,
        to: usize,
        llm_project: bool,
        found: &mut impl FnMut(Hit, u8),
    ) {
        if !self.has_phrases || text.len() > MAX_TEXT_BYTES {
            return;
        }
        self.scan_using(self.prefilter, text, from, to, llm_project, found);
    }

    /// [`Matcher::scan`] with a given pre-filter (which must be runnable:
    /// [`Prefilter::runnable`]). Each gets its own copy of the scan loop.
    fn scan_using(
        &self,
        prefilter: Prefilter,
        text: &str,
        from: usize,
        to: usize,
        llm_project: bool,
        found: &mut impl FnMut(Hit, u8),
    ) {
        let to = to.min(text.len());
        let bytes = text.as_bytes();
        match prefilter {
            Prefilter::Blocks(kernel) => {
                let mut blocks = candidates(bytes, from, to, Some(&self.filters), kernel);
                self.scan_from(text, from, to, llm_project, found, |pos| {
                    blocks.next_from(pos)
                });
            }
            Prefilter::Eight => {
                let starts = Some(&self.filters.starts);
                let mut eight = starts::eight::candidates(bytes, from, to, starts);
                self.scan_from(text, from, to, llm_project, found, |pos| {
                    eight.next_from(pos).map(|at| (at, None))
                });
            }
        }
    }

    /// This matcher with another pre-filter (made runnable on this
    /// processor): for the bench, which prints each beside the others.
    #[doc(hidden)]
    pub fn with_prefilter(mut self, prefilter: Prefilter) -> Matcher {
        self.prefilter = prefilter.runnable();
        self
    }

    /// [`Matcher::scan`] with the plain unanchored automaton search, which
    /// the pre-filtered one must agree with.
    #[cfg(test)]
    fn scan_plain(
        &self,
        text: &str,
        from: usize,
        to: usize,
        llm_project: bool,
        found: &mut impl FnMut(Hit, u8),
    ) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        if text.len() > MAX_TEXT_BYTES {
            return;
        }
        let to = to.min(text.len());
        let search_end = (to + self.longest_pattern).min(text.len());
        self.scan_from(text, from, to, llm_project, found, |pos| {
            let input = Input::new(text.as_bytes()).span(pos..search_end);
            automaton.find(input).map(|m| (m.start(), None))
        });
    }

    /// The rest of [`Matcher::scan`]: `next_start(pos)` is the next offset at
    /// or after `pos` where a first atom may start (any superset of those
    /// will do: offsets that are not atom starts are skipped here, and the
    /// trie walk rejects the rest), with where that atom ends when the
    /// pre-filter knows it is an atom start (then neither is worked out
    /// again).
    fn scan_from(
        &self,
        text: &str,
        from: usize,
        to: usize,
        llm_project: bool,
        found: &mut impl FnMut(Hit, u8),
        mut next_start: impl FnMut(usize) -> Option<(usize, Option<usize>)>,
    ) {
        let mut pos = from;
        let mut lights = rules::TrafficLights::new(text, from, to);
        while pos < to {
            let Some((start, known_end)) = next_start(pos) else {
                break;
            };
            if start >= to {
                break;
            }
            let first_end = match known_end {
                Some(end) => end,
                // Patterns begin with a whole character, so `start` is a
                // char boundary.
                None if text.is_char_boundary(start) && is_atom_start(text, start) => {
                    atom_end(text, start)
                }
                None => {
                    pos = start + 1;
                    continue;
                }
            };
            match self.walk(text, start, first_end) {
                Some((term, end, flags))
                    if reads_as_phrase(text, start, end, term, flags, llm_project, &mut lights)
                        && !self.excluded_here(text, start, end, term) =>
                {
                    let avoided = flags & AVOIDED != 0;
                    found(Hit::new(start, end, term, avoided), flags);
                    pos = end;
                }
                _ => pos = first_end,
            }
        }
    }

    /// Whether the hit sits inside an identifier its term's `not_in` names,
    /// or a word of its `not_near` is close by on its line.
    fn excluded_here(&self, text: &str, start: usize, end: usize, term: u32) -> bool {
        (!self.not_in.is_empty()
            && self
                .not_in
                .get(&term)
                .is_some_and(|list| rules::inside_excluded_identifier(text, start, end, list)))
            || (!self.not_near.is_empty()
                && self
                    .not_near
                    .get(&term)
                    .is_some_and(|list| rules::near_other_sense(text, start, end, list)))
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
            .find(|h| h.start() <= offset && offset < h.end())
    }

    /// Walks the trie from the atom `text[start..first_end]`, returning the
    /// longest phrase found, where it ends and its flags.
    fn walk(&self, text: &str, start: usize, first_end: usize) -> Option<(u32, usize, u8)> {
        let mut buf = [0u8; 64];
        let len = fold(&text[start..first_end], &mut buf)?.len();
        let mut node_id = self.trie.child_in(ROOT, &buf, len)?;
        let mut node = self.trie.node(node_id);
        let mut best = node.term.map(|t| (t, first_end, node.flags));
        let mut at = first_end;
        let mut atom_start = start;
        let mut line_breaks = 0;
        while node.has_children
            && let Some((next, joiner)) = next_atom_start(text, at, &mut line_breaks)
        {
            if node.next_firsts & first_byte_bit(text.as_bytes()[next]) == 0 {
                break;
            }
            let end = atom_end(text, next);
            if end - next > self.max_atom_len {
                break;
            }
            if joiner == Joiner::LineBreak
                && !rules::line_break_joins(&text[atom_start..at], &text[next..end])
            {
                break;
            }
            let Some(len) = fold(&text[next..end], &mut buf).map(<[u8]>::len) else {
                break;
            };
            let Some(child) = self.trie.child_in(node_id, &buf, len) else {
                break;
            };
            node_id = child;
            node = self.trie.node(child);
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

/// Adds each term's non-empty word list to `map` (`not_in`, `not_near`).
fn add_word_lists<'a>(
    map: &mut FxHashMap<u32, Box<[Box<str>]>>,
    lists: impl IntoIterator<Item = (u32, &'a [String])>,
) {
    for (term, list) in lists {
        if !list.is_empty() {
            map.insert(term, list.iter().map(|s| Box::from(s.as_str())).collect());
        }
    }
}

/// Whether a phrase names a limit by its first word ("max context", "min
/// replicas"). Such a phrase gets no automatic plural: "max contexts"
/// (`max_contexts_per_document`) is the largest *number* of contexts, a
/// count of things, not a limit on one of them.
fn names_a_limit(phrase: &str) -> bool {
    let first = phrase
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    ["max", "min", "maximum", "minimum"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(first))
}

/// The Aho-Corasick automaton the matcher used to search the first atoms
/// with (ASCII case folding, leftmost-first), kept as the tests' reference
/// for the pre-filtered scan: a DFA for the pattern counts real packs have,
/// a contiguous NFA past [`MAX_DFA_PATTERNS`].
#[cfg(test)]
fn reference_automaton(patterns: &[Cow<'_, [u8]>]) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    let kind = if patterns.len() <= MAX_DFA_PATTERNS {
        AhoCorasickKind::DFA
    } else {
        AhoCorasickKind::ContiguousNFA
    };
    let build = |kind| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(kind)
            .build(patterns)
    };
    build(Some(kind)).or_else(|_| build(None)).ok()
}

/// What joined two atoms of a phrase in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Joiner {
    /// A case or digit change, `-`, `_` or blanks on one line.
    Plain,
    /// A `/` or `@`, crossed only where the phrase is written with one.
    Slash,
    LineBreak,
}

/// Whether the walk's verdict `(term, flags)` at `text[start..end]` stands:
/// the spot reads as the phrase (see [`rules`]). Anchors are only counted, so
/// they skip the rules.
fn reads_as_phrase(
    text: &str,
    start: usize,
    end: usize,
    term: u32,
    flags: u8,
    llm_project: bool,
    lights: &mut rules::TrafficLights,
) -> bool {
    if term == ANCHOR {
        return true;
    }
    if flags & ACRONYM != 0
        && (!(rules::acronym_in_place(text, start, end)
            || llm_project && rules::module_in_place(text, start, end))
            || lights.traffic_light(text, start, end))
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

/// Start of the line `lines` lines above the one holding `at` (lines
/// ended by `\n`, as the LLM setting counts them).
pub(crate) fn lines_back(text: &str, at: usize, lines: usize) -> usize {
    let mut i = at.min(text.len());
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &text.as_bytes()[..i]) {
            Some(nl) => i = nl,
            None => return 0,
        }
    }
    i + 1
}

/// End of the line `lines` lines below the one holding `at` (lines ended
/// by `\n`).
pub(crate) fn lines_forward(text: &str, at: usize, lines: usize) -> usize {
    let mut i = at.min(text.len());
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &text.as_bytes()[i..]) {
            Some(nl) => i += nl + 1,
            None => return text.len(),
        }
    }
    i
}

/// Whether one of the sorted `anchors` lies within `lines` lines of `at`
/// and in the same list item, given the sorted offsets of the line breaks
/// and of the list items' starts around them. The nearest anchor on each
/// side is the only candidate: if a list item starts between it and `at`,
/// one starts before every anchor farther away too.
fn anchor_within(
    breaks: &[usize],
    items: &[usize],
    anchors: &[usize],
    at: usize,
    lines: usize,
) -> bool {
    let i = anchors.partition_point(|&a| a < at);
    let line = |x: usize| breaks.partition_point(|&b| b < x);
    let item = |x: usize| items.partition_point(|&s| s <= x);
    let close = |a: usize, b: usize| line(b) - line(a) <= lines && item(a) == item(b);
    anchors.get(i).is_some_and(|&a| close(at, a)) || i > 0 && close(anchors[i - 1], at)
}

/// Whether the line starting at `start` opens a list item: optional
/// indentation, then `*`, `-` or `+` and a space, or a number, `.` or `)`
/// and a space. Looks at no more than 16 bytes.
fn starts_list_item(bytes: &[u8], start: usize) -> bool {
    let head = &bytes[start.min(bytes.len())..(start + 16).min(bytes.len())];
    let indent = head
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let rest = &head[indent..];
    match rest {
        [b'*' | b'-' | b'+', b' ', ..] => true,
        _ => {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            (1..=3).contains(&digits)
                && matches!(rest.get(digits..digits + 2), Some([b'.' | b')', b' ']))
        }
    }
}

/// After an atom ending at `at`, where the next atom of the same phrase
/// would start: right away at a case change, or after one separator.
fn next_atom_start(text: &str, at: usize, line_breaks: &mut u32) -> Option<(usize, Joiner)> {
    let bytes = text.as_bytes();
    let first = *bytes.get(at)?;
    let starts_word = |i: usize| text[i..].chars().next().is_some_and(is_word_char);
    // An apostrophe, ASCII or typographic, then at most blanks on the same
    // line: a possessive inside a phrase ("Cohen's kappa", "Fleiss' kappa"),
    // whose atoms leave the apostrophe out.
    let apostrophe = match first {
        b'\'' => 1,
        _ if text[at..].starts_with('\u{2019}') => '\u{2019}'.len_utf8(),
        _ => 0,
    };
    if apostrophe > 0 {
        let i = skip_blanks(bytes, at + apostrophe)?;
        return (i < text.len() && starts_word(i)).then_some((i, Joiner::Plain));
    }
    // The closing backtick of an inline code span, touching the word before
    // it, then blanks on the same line and a word of prose: documentation
    // writes one word of a phrase as code ("the `prompt` template", "the
    // `self check output` rail"). A code span right after (`` `prompt`
    // `cache` ``) is another name, not the phrase's next word.
    if first == b'`' {
        let i = skip_blanks(bytes, at + 1)?;
        return (i > at + 1 && i < text.len() && starts_word(i)).then_some((i, Joiner::Plain));
    }
    if !first.is_ascii() || first.is_ascii_alphanumeric() {
        // The atom ended at a case, digit or script change (`promptRegistry`).
        return Some((at, Joiner::Plain)).filter(|&(i, _)| starts_word(i));
    }
    let mut i = at;
    let mut joiner = Joiner::Plain;
    match first {
        // `@` as in "precision@k": like `/`, only where the phrase has one.
        b'/' | b'@' => {
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
        Matcher::new(TERMS.iter().map(|&(text, term)| Phrase::of(text, term)))
    }

    /// A hit's offsets are four bytes: in a text past [`MAX_TEXT_BYTES`]
    /// the matcher finds nothing, rather than a hit at an offset cut short.
    /// The 4 GiB of zeros are pages the allocator hands out zeroed and
    /// nothing writes, a few of them excepted.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_text_past_the_offset_bound_has_no_hits() {
        let mut bytes = vec![0u8; MAX_TEXT_BYTES + 16];
        bytes[MAX_TEXT_BYTES + 4..MAX_TEXT_BYTES + 8].copy_from_slice(b"TTFT");
        let Ok(text) = String::from_utf8(bytes) else {
            panic!("zeros are UTF-8");
        };
        assert_eq!(matcher().find_all(&text), []);
        // The same bytes in a text within the bound are a hit.
        let tail = &text[MAX_TEXT_BYTES - 8..];
        assert_eq!(spotted(tail), [("TTFT", 1)]);
    }

    fn spotted(text: &str) -> Vec<(&str, u32)> {
        matcher()
            .find_all(text)
            .into_iter()
            .map(|h| (&text[h.start()..h.end()], h.term))
            .collect()
    }

    #[test]
    fn a_possessive_apostrophe_joins_a_phrase() {
        let m = Matcher::new(
            [
                ("Cohen's kappa", 0),
                ("Fleiss' kappa", 1),
                ("prompt cache", 2),
            ]
            .iter()
            .map(|&(text, term)| Phrase::of(text, term)),
        );
        let text = "Cohen's kappa, Cohen\u{2019}s kappa and Fleiss' kappa; x = 'prompt' 'cache'";
        let found: Vec<_> = m
            .find_all(text)
            .into_iter()
            .map(|h| (&text[h.range()], h.term))
            .collect();
        assert_eq!(
            found,
            [
                ("Cohen's kappa", 0),
                ("Cohen\u{2019}s kappa", 0),
                ("Fleiss' kappa", 1)
            ]
        );
    }

    /// Documentation sets one word of a phrase as code ("the `prompt`
    /// template"); the closing backtick and the blanks after it join the
    /// phrase, but not a second code span, a backtick not touching the word
    /// before it, or a word past the line's end.
    #[test]
    fn a_closing_backtick_joins_a_phrase() {
        let m = Matcher::new(
            [
                ("prompt template", 0),
                ("prompt cache", 1),
                ("output rail", 2),
            ]
            .iter()
            .map(|&(text, term)| Phrase::of(text, term)),
        );
        let found = |text: &'static str| -> Vec<(&'static str, u32)> {
            m.find_all(text)
                .into_iter()
                .map(|h| (&text[h.range()], h.term))
                .collect()
        };
        assert_eq!(found("the `prompt` template"), [("prompt` template", 0)]);
        assert_eq!(found("the `self check output` rail"), [("output` rail", 2)]);
        assert_eq!(found("keys `prompt` `cache` and `prompt`cache"), []);
        assert_eq!(found("set `prompt`\ntemplate"), []);
    }

    /// An `@` joins only phrases written with one ("precision@k"), as `/`
    /// does: an address that happens to hold the words is not the phrase.
    #[test]
    fn an_at_sign_joins_only_phrases_written_with_one() {
        let m = Matcher::new(
            [("precision@k", 0), ("prompt cache", 1)]
                .iter()
                .map(|&(text, term)| Phrase::of(text, term)),
        );
        let text = "precision@k, Precision@K, prompt@cache.example, precision@kiosk";
        let found: Vec<_> = m
            .find_all(text)
            .into_iter()
            .map(|h| (&text[h.range()], h.term))
            .collect();
        assert_eq!(found, [("precision@k", 0), ("Precision@K", 0)]);
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
    fn a_limit_phrase_has_no_automatic_plural() {
        let m = Matcher::new([Phrase::of("max context", 0), Phrase::of("context size", 0)]);
        let spots = |text: &str| -> Vec<String> {
            m.find_all(text)
                .into_iter()
                .map(|h| text[h.start()..h.end()].to_string())
                .collect()
        };
        assert_eq!(spots("max_context = 8192"), ["max_context"]);
        // A count of contexts, not a limit on one.
        assert_eq!(spots("max_contexts_per_document = 3"), Vec::<String>::new());
        assert_eq!(spots("two context sizes"), ["context sizes"]);
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
            assert!(text.is_char_boundary(hit.start()) && text.is_char_boundary(hit.end()));
        }
    }

    #[test]
    fn an_anchor_wakes_marked_terms_in_its_own_list_item_only() {
        let m = Matcher::with_setting(
            [
                Phrase {
                    text: "request timeout",
                    term: 0,
                    avoided: false,
                },
                Phrase {
                    text: "TTFT",
                    term: 1,
                    avoided: false,
                },
            ],
            |t| t == 0,
        );
        let spotted = |text: &str| m.find_all(text).len();
        // The same entry, or prose around it: the anchor counts.
        assert_eq!(
            spotted(
                "* Call OpenAI with a request timeout set
"
            ),
            1
        );
        assert_eq!(
            spotted(
                "OpenAI calls.
The request timeout is 30 s.
"
            ),
            1
        );
        assert_eq!(
            spotted(
                "* OpenAI calls time out
  so the request timeout is 30 s
"
            ),
            1
        );
        // Another changelog entry: it does not.
        for text in [
            "* Call OpenAI faster
* Make the Datadog request timeout configurable
",
            "- OpenAI support
- request timeout for webhooks
",
            "1. OpenAI support
2. request timeout for webhooks
",
            "* request timeout for webhooks
* OpenAI support
",
        ] {
            assert_eq!(spotted(text), 0, "{text:?}");
        }
        // An unmarked term's hit is an anchor too, with the same rule.
        assert_eq!(
            spotted(
                "* TTFT and request timeout
"
            ),
            2
        );
        assert_eq!(
            spotted(
                "* TTFT
* request timeout
"
            ),
            1
        );
    }

    mod fast_path {
        use proptest::prelude::*;

        use super::super::{Hit, Kernel, Matcher, Prefilter};
        use crate::Content;

        fn builtin() -> &'static Content {
            static CONTENT: std::sync::OnceLock<Content> = std::sync::OnceLock::new();
            CONTENT.get_or_init(|| Content::builtin().expect("the built-in pack loads"))
        }

        /// Every phrase of the built-in pack, some cut short (near misses).
        fn phrase() -> impl Strategy<Value = String> {
            let phrases: Vec<String> = builtin()
                .terms
                .iter()
                .flat_map(|t| t.phrases().map(str::to_string))
                .collect();
            (prop::sample::select(phrases), 0usize..4, 0usize..6).prop_map(|(p, style, cut)| {
                let p = match style {
                    0 => p.to_ascii_uppercase(),
                    1 => p.replace(' ', "_"),
                    2 => p
                        .split(' ')
                        .map(|w| {
                            let mut c = w.chars();
                            c.next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default()
                        })
                        .collect(),
                    _ => p,
                };
                if cut == 0 {
                    let mut at = p.len() / 2;
                    while !p.is_char_boundary(at) {
                        at -= 1;
                    }
                    p[..at].to_string()
                } else {
                    p
                }
            })
        }

        const GLUE: &[&str] = &[
            " ", " ", "  ", "\n", "\r\n", "\n// ", "-", "_", "/", ".", "s", "es", "x", "A", "9",
            "é", "使用", "😀", "http://", "the ", "a ", "b ", "e2e ", "ab", "\t",
        ];

        /// Phrases, near misses and glue, after a filler run of any length
        /// up to two 64-byte blocks, so that phrases and atoms cross the
        /// block scan's edges (and its 16- and 32-byte vector steps) at
        /// every offset; texts of any length.
        fn text() -> impl Strategy<Value = String> {
            let parts = prop::collection::vec(
                prop_oneof![
                    4 => phrase(),
                    4 => prop::sample::select(GLUE).prop_map(str::to_string),
                    1 => any::<String>(),
                    1 => "[a-zA-Z0-9 _/-]{0,12}",
                ],
                0..30,
            );
            ("[a-z ]{0,130}|[a-zé ]{0,60}", parts).prop_map(|(fill, parts)| fill + &parts.concat())
        }

        /// The pre-filters the scan can run with: the block scan with each
        /// kernel (the portable one stands in where the processor lacks
        /// one), and the previous eight-byte path.
        const PREFILTERS: [Prefilter; 4] = [
            Prefilter::Blocks(Kernel::Avx2),
            Prefilter::Blocks(Kernel::Sse2),
            Prefilter::Blocks(Kernel::Portable),
            Prefilter::Eight,
        ];

        fn hits(
            m: &Matcher,
            text: &str,
            from: usize,
            to: usize,
            llm: bool,
            prefilter: Option<Prefilter>,
        ) -> Vec<(Hit, u8)> {
            let mut out = Vec::new();
            let mut push = |h, f| out.push((h, f));
            match prefilter {
                Some(p) => m.scan_using(p.runnable(), text, from, to, llm, &mut push),
                None => m.scan_plain(text, from, to, llm, &mut push),
            }
            out
        }

        fn boundary(text: &str, fraction: f64) -> usize {
            let mut at = ((text.len() as f64) * fraction) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

            /// The pre-filtered scan finds exactly what the plain automaton
            /// search finds, hit for hit and flag for flag, on any range,
            /// with every pre-filter.
            #[test]
            fn fast_scan_equals_the_plain_automaton_search(
                text in text(),
                a in 0.0..=1.0f64,
                b in 0.0..=1.0f64,
                llm in any::<bool>(),
            ) {
                let (x, y) = (boundary(&text, a), boundary(&text, b));
                let (from, to) = (x.min(y), x.max(y));
                for m in [&builtin().matcher, &super::matcher()] {
                    let whole = hits(m, &text, 0, text.len(), llm, None);
                    let part = hits(m, &text, from, to, llm, None);
                    for p in PREFILTERS {
                        prop_assert_eq!(
                            &hits(m, &text, 0, text.len(), llm, Some(p)),
                            &whole,
                            "{:?}, whole {:?}", p, text
                        );
                        prop_assert_eq!(
                            &hits(m, &text, from, to, llm, Some(p)),
                            &part,
                            "{:?}, {}..{} of {:?}", p, from, to, text
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hit_at_finds_the_term_under_an_offset() {
        let m = matcher();
        let text = "line one\nsee the model alias here";
        let at = text.find("alias").unwrap();
        let hit = m.hit_at(text, at, false).unwrap();
        assert_eq!(&text[hit.start()..hit.end()], "model alias");
        assert_eq!(m.hit_at(text, 2, false), None);
    }
}
