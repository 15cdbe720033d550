//! Where a phrase may start: the pre-filter that picks where the trie is
//! walked.
//!
//! The matcher used to find candidates with an Aho-Corasick automaton over
//! the first atoms. It steps through every byte of the text (with ASCII case
//! folding and hundreds of patterns it has no vectorised pre-filter of its
//! own), which capped a scan at a few hundred MB/s. Yet a phrase can only
//! start where an atom starts, and only with one of the first atoms. So the
//! scan walks the trie only at the bytes that pass three tests, 64 bytes at a
//! time ([`Blocks`]):
//!
//! 1. Word starts: the bytes that may begin an atom: letters, digits and
//!    UTF-8 lead bytes, except a lower-case letter after a letter and a digit
//!    after a digit, which never begin one (see [`super::words::is_boundary`]).
//!    The byte classes come a bit per byte from SSE2 or AVX2 compares
//!    ([`lanes`], chosen at run time, a portable `u64` kernel elsewhere); the
//!    rule is then a few operations on 64-bit masks. In prose that leaves
//!    about one byte in six.
//! 2. [`AtomSet`]: where the atom is plain ASCII letters and ends on an
//!    ASCII byte (most words), its end is read off the same masks, and the
//!    whole atom, folded, must be one of the first atoms (a bit set, one
//!    hash): "systematic" and "the" no longer pass because "system" and
//!    "then" are first atoms' beginnings. Other atoms (digits, capitals
//!    followed by capitals, non-ASCII) skip this test.
//! 3. [`StartSet::may_start`]: the first one to four bytes, with `0x20` set
//!    on every byte (which folds ASCII case and never tells two
//!    case-insensitively equal bytes apart), are looked up in a bit set of the
//!    same fingerprint of every pattern, a region per pattern length up to
//!    four. This is what keeps a short first atom ("a" of "A/B test") from
//!    passing at every "a": its patterns carry what may follow it.
//!
//! Every test only ever lets through *more* than a successful trie walk
//! needs, and a candidate dropped inside an atom could never have been
//! walked (the scan walks only at atom starts), so the scan finds what the
//! automaton search found (the unit test
//! `fast_scan_equals_the_plain_automaton_search` runs both, with every
//! kernel and with the previous eight-byte path in [`eight`]).
//!
//! Cost: about forty vector and mask operations per 64 bytes, then per word
//! start one hash and bit lookup; the fingerprint lookups only for the few
//! that pass. A pack of tens of thousands of first words fills the bit sets,
//! and then every word start is walked (one hash lookup): slower, never
//! wrong.

pub(crate) mod eight;
mod lanes;

use lanes::Classes;
pub use lanes::Kernel;

/// Which pre-filter a scan uses: the block scan with a kernel (the default,
/// with the best kernel), or the previous eight-byte path. Public for the
/// bench, which prints each beside the others; not part of the API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefilter {
    /// 64 bytes per block, classified by this kernel (see [`Blocks`]).
    Blocks(Kernel),
    /// Eight bytes per step and four fingerprint lookups per word start
    /// (issue 22's first round, [`eight`]).
    Eight,
}

impl Default for Prefilter {
    fn default() -> Prefilter {
        Prefilter::Blocks(Kernel::best())
    }
}

impl Prefilter {
    /// This pre-filter with a kernel the processor runs.
    pub fn runnable(self) -> Prefilter {
        match self {
            Prefilter::Blocks(kernel) => Prefilter::Blocks(kernel.or_portable()),
            Prefilter::Eight => Prefilter::Eight,
        }
    }
}

/// Bits per pattern length in the fingerprint set: 2^15 (4 KiB; 16 KiB for
/// the four lengths, so the set stays in the first-level cache).
const TABLE_BITS: u32 = 15;
const WORDS: usize = 4 << (TABLE_BITS - 6);
/// The fingerprint's bytes for patterns of one, two, three and four or more
/// bytes.
const MASKS: [u32; 4] = [0xff, 0xffff, 0xff_ffff, u32::MAX];

/// The fingerprints of the first bytes of every pattern, by pattern length
/// (1, 2, 3, and 4 or more), as one bit set with a region per length.
#[derive(Debug)]
pub(super) struct StartSet {
    bits: Box<[u64; WORDS]>,
    /// Which length classes have any pattern: the others are not looked up
    /// (a branch that goes the same way at every byte of a scan).
    present: [bool; 4],
}

/// The first `len` bytes at `at`, each with `0x20` set, as one number
/// (first byte lowest); `None` when the text has fewer than `len` bytes left.
fn folded(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let head = bytes.get(at..at + len)?;
    Some(
        head.iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b | 0x20)),
    )
}

/// Bit of the set for a fingerprint of a pattern of length class `class`.
fn slot(class: usize, fingerprint: u32) -> usize {
    (class << TABLE_BITS) | (fingerprint.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

impl StartSet {
    /// The set for these automaton patterns (searched with ASCII case
    /// folding). Empty patterns are ignored (they cannot be built anyway).
    pub(super) fn new<'p>(patterns: impl IntoIterator<Item = &'p [u8]>) -> StartSet {
        let mut bits = Box::new([0u64; WORDS]);
        let mut present = [false; 4];
        for pattern in patterns {
            let len = pattern.len().min(4);
            if let Some(fingerprint) = folded(pattern, 0, len).filter(|_| len > 0) {
                let s = slot(len - 1, fingerprint);
                bits[s / 64] |= 1 << (s % 64);
                present[len - 1] = true;
            }
        }
        StartSet { bits, present }
    }

    #[inline]
    fn has(&self, class: usize, fingerprint: u32) -> bool {
        if !self.present[class] {
            return false;
        }
        let s = slot(class, fingerprint & MASKS[class]);
        self.bits[s / 64] & (1 << (s % 64)) != 0
    }

    /// Whether some pattern may match at byte `at`: false only if none can.
    /// Four independent lookups and no branch but the one at the text's end.
    #[inline]
    pub(super) fn may_start(&self, bytes: &[u8], at: usize) -> bool {
        match bytes.get(at..at + 4) {
            Some(&[a, b, c, d]) => {
                let head = u32::from_le_bytes([a, b, c, d]) | 0x2020_2020;
                self.has(0, head) | self.has(1, head) | self.has(2, head) | self.has(3, head)
            }
            _ => (1..=bytes.len().saturating_sub(at).min(3))
                .any(|len| folded(bytes, at, len).is_some_and(|f| self.has(len - 1, f))),
        }
    }
}

/// Bits in the set of whole first atoms: 2^15 (4 KiB).
const ATOM_BITS: u32 = 15;
const ATOM_WORDS: usize = 1 << (ATOM_BITS - 6);
/// `0x20` on every byte: ASCII letters folded to lower case.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// Every first atom, folded, by its first eight bytes and its length: a bit
/// set tested where the text's atom is plain ASCII letters.
#[derive(Debug)]
pub(super) struct AtomSet {
    bits: Box<[u64; ATOM_WORDS]>,
}

/// The first eight bytes at `at` (zeros past the end), first byte lowest.
#[inline]
fn eight_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        Some(head) => u64::from_le_bytes(*head),
        None => {
            let mut head = [0u8; 8];
            let rest = bytes.get(at..).unwrap_or_default();
            head[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(head)
        }
    }
}

/// Bit of the set for an atom of `len` bytes whose first eight bytes are
/// `head` (bytes past the atom are cut here), folded like the fingerprints.
/// Atoms hold no zero byte, so a shorter atom never equals a longer one's
/// head; longer atoms are told apart by their first eight bytes only.
#[inline]
fn atom_slot(head: u64, len: usize) -> usize {
    let kept = (head | FOLD) & (u64::MAX >> (64 - 8 * len.clamp(1, 8)));
    (kept.wrapping_mul(0xFF51_AFD7_ED55_8CCD) >> (64 - ATOM_BITS)) as usize
}

impl AtomSet {
    fn new<'a>(atoms: impl IntoIterator<Item = &'a [u8]>) -> AtomSet {
        let mut bits = Box::new([0u64; ATOM_WORDS]);
        for atom in atoms.into_iter().filter(|a| !a.is_empty()) {
            let s = atom_slot(eight_at(atom, 0), atom.len());
            bits[s / 64] |= 1 << (s % 64);
        }
        AtomSet { bits }
    }

    /// Whether the atom `bytes[at..at + len]` (ASCII letters) may be a first
    /// atom: false only if it is none.
    #[inline]
    fn may_be(&self, bytes: &[u8], at: usize, len: usize) -> bool {
        let s = atom_slot(eight_at(bytes, at), len);
        self.bits[s / 64] & (1 << (s % 64)) != 0
    }
}

/// Both sets a [`Blocks`] scan tests: the patterns' fingerprints and the
/// whole first atoms.
#[derive(Debug)]
pub(super) struct Filters {
    pub starts: StartSet,
    pub atoms: AtomSet,
}

impl Filters {
    /// `patterns`: what the reference automaton searches (first atoms, short
    /// ones extended with what may follow); `first_atoms`: the trie root's
    /// atoms, lower-cased.
    pub(super) fn new<'p, 'a>(
        patterns: impl IntoIterator<Item = &'p [u8]>,
        first_atoms: impl IntoIterator<Item = &'a [u8]>,
    ) -> Filters {
        Filters {
            starts: StartSet::new(patterns),
            atoms: AtomSet::new(first_atoms),
        }
    }
}

/// Of the plain atom starts `plain` of the block at `base` (each a letter
/// whose atom runs on through the lower-case letters of `lower`, this block's
/// and the next one's, and ends on an ASCII byte in view), those whose whole
/// atom may be a first atom; each start's atom length goes to `ends`.
#[inline]
fn whole_atoms(
    bytes: &[u8],
    base: usize,
    atoms: &AtomSet,
    plain: u64,
    lower: u128,
    ends: &mut [u8; 64],
) -> u64 {
    // The ends of these starts alone: runs never share bits, so the carry
    // of each start still stops at its own end (see `Blocks::load`).
    let found = ((u128::from(plain) << 1) + lower) & !lower;
    let (mut low, high) = (found as u64, (found >> 64) as u64);
    let mut kept = 0;
    let mut each = plain;
    while each != 0 {
        let lane = each.trailing_zeros() as usize;
        each &= each - 1;
        // Only the last start's end can lie in the next block.
        let end = if low != 0 {
            let end = low.trailing_zeros() as usize;
            low &= low - 1;
            end
        } else {
            64 + high.trailing_zeros() as usize
        };
        ends[lane] = (end - lane) as u8;
        kept |= u64::from(atoms.may_be(bytes, base + lane, end - lane)) << lane;
    }
    kept
}

/// The byte offsets in `from..to` of `bytes` that may begin an atom and,
/// given `filters`, a phrase (a superset of where a trie walk from an atom
/// start succeeds), in order, found 64 bytes at a time with `kernel` (which
/// must be runnable: [`Prefilter::runnable`]).
pub(super) fn candidates<'b>(
    bytes: &'b [u8],
    from: usize,
    to: usize,
    filters: Option<&'b Filters>,
    kernel: Kernel,
) -> Blocks<'b> {
    let mut blocks = Blocks {
        bytes,
        filters,
        kernel,
        to: to.min(bytes.len()),
        base: from,
        lanes: 0,
        known: 0,
        ends: [0; 64],
        next_base: usize::MAX,
        next: Classes::default(),
    };
    blocks.load(from);
    blocks
}

/// Iterator state of [`candidates`]: the current 64-byte block, and the
/// classes of the one after it (atoms may run on into it).
pub(super) struct Blocks<'b> {
    bytes: &'b [u8],
    filters: Option<&'b Filters>,
    kernel: Kernel,
    to: usize,
    /// Offset of the block's first byte.
    base: usize,
    /// The block's candidate lanes (bit per byte) not yet returned.
    lanes: u64,
    /// Lanes known to be atom starts whose first atom ends at `base +
    /// ends[lane]`: a plain atom after an ASCII byte that is no letter or
    /// digit (most words of prose), so the scan need not find either again.
    known: u64,
    ends: [u8; 64],
    /// Where the block after the current one starts, and its classes.
    next_base: usize,
    next: Classes,
}

impl Blocks<'_> {
    /// The classes of the 64 bytes at `at`, written into `out` (in place:
    /// see [`Kernel::classify_into`]).
    fn classes_at(bytes: &[u8], kernel: Kernel, at: usize, out: &mut Classes) {
        let rest = bytes.get(at..).unwrap_or_default();
        match rest.first_chunk::<64>() {
            Some(block) => kernel.classify_into(block, out),
            None if rest.is_empty() => *out = Classes::default(),
            None => {
                // The text's last bytes, padded with zeros: a zero ends an
                // atom just as the end of the text does.
                let mut block = [0u8; 64];
                block[..rest.len()].copy_from_slice(rest);
                kernel.classify_into(&block, out);
            }
        }
    }

    fn load(&mut self, base: usize) {
        self.base = base;
        if base >= self.to {
            self.lanes = 0;
            self.known = 0;
            return;
        }
        let mut cur = self.next;
        if base != self.next_base {
            Self::classes_at(self.bytes, self.kernel, base, &mut cur);
        }
        self.next_base = base + 64;
        Self::classes_at(self.bytes, self.kernel, base + 64, &mut self.next);
        // The byte before the block, for the rule on letters and digits.
        let before = base.checked_sub(1).map_or(0, |i| self.bytes[i]);
        let letter = cur.lower | cur.upper;
        let letter_prev = (letter << 1) | u64::from(before.is_ascii_alphabetic());
        let digit_prev = (cur.digit << 1) | u64::from(before.is_ascii_digit());
        let mut starts = (letter | cur.digit | cur.lead)
            & !(cur.lower & letter_prev)
            & !(cur.digit & digit_prev);
        if self.to - base < 64 {
            starts &= (1u64 << (self.to - base)) - 1;
        }
        let Some(filters) = self.filters else {
            self.lanes = starts;
            self.known = 0;
            return;
        };
        // After an ASCII byte that is no letter or digit (or at the text's
        // start) a letter always begins an atom.
        let after_other = !(letter_prev | digit_prev | (cur.high << 1) | u64::from(before >= 0x80));
        // Starts of plain atoms, as far as the start decides: a letter, and
        // not two capitals (`HTTPS`, `HTTPServer`: where the atom ends
        // depends on what follows).
        let letter_starts = starts & letter;
        let plain_start =
            letter_starts & !(cur.upper & ((cur.upper >> 1) | (self.next.upper << 63)));
        // Where each letter start's run of lower-case letters ends, as one
        // bit per start over this block and the next: the carry of
        // `start + 1` runs through the lower-case bits after it and stops
        // on the first other byte. Runs never share bits (a lower-case letter
        // after a letter is no start), so start k has end k, in order. Bit
        // 127 is kept clear of `lower` so no carry leaves the 128 bits; an
        // end there is out of view (the atom is not plain).
        let lower = (u128::from(cur.lower) | (u128::from(self.next.lower) << 64)) & !(1 << 127);
        let ends = ((u128::from(letter_starts) << 1) + lower) & !lower;
        let (mut ends_low, ends_high) = (ends as u64, (ends >> 64) as u64);
        // Ends that make an atom not plain: a non-ASCII byte, or out of view.
        let (bad_low, bad_high) = (cur.high, self.next.high | 1 << 63);
        // Digits and UTF-8 lead bytes face the fingerprints only. At letter
        // starts, first the whole-atom test, without a branch (its outcome is
        // hard to predict); then the fingerprints at the few that pass.
        let mut kept = starts & !letter;
        let mut plain_known = 0;
        if ends_low & bad_low | ends_high & bad_high == 0 {
            // Common case (ASCII text, no atom running out of view): every
            // start `plain_start` marks is plain, the other letter starts
            // are kept as they are, and only the plain ones face the
            // whole-atom test, in a loop that holds few enough values to
            // stay in registers (the general loop below spilled its loop
            // counter to the stack, a store and reload on every start).
            kept |= (letter_starts & !plain_start)
                | whole_atoms(
                    self.bytes,
                    base,
                    &filters.atoms,
                    plain_start,
                    lower,
                    &mut self.ends,
                );
            plain_known = plain_start;
        } else {
            let mut each = letter_starts;
            while each != 0 {
                let lane = each.trailing_zeros() as usize;
                each &= each - 1;
                // Only the last start's end can lie in the next block.
                let (end, bad) = if ends_low != 0 {
                    let end = ends_low.trailing_zeros() as usize;
                    ends_low &= ends_low - 1;
                    (end, bad_low >> end)
                } else {
                    let end = ends_high.trailing_zeros() as usize;
                    (64 + end, bad_high >> end)
                };
                let plain = (plain_start >> lane) & !bad & 1;
                plain_known |= plain << lane;
                self.ends[lane] = (end - lane) as u8;
                let whole = u64::from(filters.atoms.may_be(self.bytes, base + lane, end - lane));
                kept |= (whole | (plain ^ 1)) << lane;
            }
        }
        let mut each = kept;
        while each != 0 {
            let lane = each.trailing_zeros() as usize;
            each &= each - 1;
            if !filters.starts.may_start(self.bytes, base + lane) {
                kept &= !(1 << lane);
            }
        }
        self.lanes = kept;
        self.known = kept & plain_known & after_other;
    }

    /// The next candidate at or after `pos`, with where its first atom
    /// ends when that is known to be an atom start.
    pub(super) fn next_from(&mut self, pos: usize) -> Option<(usize, Option<usize>)> {
        if pos >= self.base + 64 {
            self.load(pos);
        } else if pos > self.base {
            self.lanes &= u64::MAX << (pos - self.base);
        }
        loop {
            if self.lanes != 0 {
                let lane = self.lanes.trailing_zeros() as usize;
                self.lanes &= self.lanes - 1;
                let at = self.base + lane;
                let end = (self.known >> lane & 1 != 0).then(|| at + usize::from(self.ends[lane]));
                return (at < self.to).then_some((at, end));
            }
            if self.base + 64 >= self.to {
                return None;
            }
            self.load(self.base + 64);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::matcher::words::is_atom_start;

    const KERNELS: [Kernel; 3] = [Kernel::Avx2, Kernel::Sse2, Kernel::Portable];

    /// Every candidate in `from..to`, asking from just past each one.
    fn all(mut next_from: impl FnMut(usize) -> Option<usize>, from: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut pos = from;
        while let Some(at) = next_from(pos) {
            out.push(at);
            pos = at + 1;
        }
        out
    }

    /// Candidates by the block scan with `kernel`.
    fn blocks(text: &str, from: usize, to: usize, f: Option<&Filters>, k: Kernel) -> Vec<usize> {
        let mut it = candidates(text.as_bytes(), from, to, f, k.or_portable());
        all(|pos| it.next_from(pos).map(|(at, _)| at), from)
    }

    /// Candidates by the previous eight-byte path.
    fn eight(text: &str, from: usize, to: usize, set: Option<&StartSet>) -> Vec<usize> {
        let mut it = eight::candidates(text.as_bytes(), from, to, set);
        all(|pos| it.next_from(pos), from)
    }

    fn word_starts(text: &str) -> Vec<usize> {
        let found = blocks(text, 0, text.len(), None, Kernel::best());
        assert_eq!(found, eight(text, 0, text.len(), None), "{text:?}");
        found
    }

    #[test]
    fn every_atom_start_is_a_candidate() {
        for text in [
            "the prompt registry, promptRegistry and PROMPT_REGISTRY",
            "HTTPServer gpt4o 2024 ttftMs 使用TTFT été Ölmodell 😀x",
            "a\tb\r\nc-d/e_f 9z z9 A1 1A",
        ] {
            let found = word_starts(text);
            for (at, _) in text.char_indices() {
                if is_atom_start(text, at) {
                    assert!(found.contains(&at), "{at} in {text:?}: {found:?}");
                }
            }
        }
    }

    #[test]
    fn letters_inside_lower_case_words_are_skipped() {
        assert_eq!(word_starts("the cat sat"), [0, 4, 8]);
        assert_eq!(word_starts("x 12345 y"), [0, 2, 8]);
    }

    #[test]
    fn fingerprints_pass_patterns_in_any_case_and_reject_others() {
        let set = StartSet::new([&b"prompt"[..], b"rag", b"kv", b"x"]);
        let text = b"PROMPT Rag kV X then";
        for at in [0, 7, 11, 14] {
            assert!(set.may_start(text, at), "{at}");
        }
        let none = StartSet::new([&b"prompt"[..], b"rag"]);
        assert!(!none.may_start(b"then what", 0));
        assert!(!none.may_start(b"then what", 5));
    }

    /// Filters for first atoms that are their own patterns.
    fn filters(atoms: &[&str]) -> Filters {
        let bytes = || atoms.iter().map(|a| a.as_bytes());
        Filters::new(bytes(), bytes())
    }

    #[test]
    fn only_whole_first_atoms_pass_wherever_the_block_edges_fall() {
        let f = filters(&["system", "kv", "retrieval", "x"]);
        // "systematic" shares "syst" with "system" (the fingerprints let it
        // through); "kvs" and "Xy" are longer than their first atoms.
        let words = ["System", "systematic", "kv", "kvs", "RETRIEVAL", "x", "Xy"];
        let passing = [true, false, true, false, true, true, false];
        for pad in 0..140 {
            let mut text = "-".repeat(pad);
            let mut at = Vec::new();
            for word in words {
                at.push(text.len());
                text.push_str(word);
                text.push(' ');
            }
            for k in KERNELS {
                let found = blocks(&text, 0, text.len(), Some(&f), k);
                for ((word, at), pass) in words.iter().zip(&at).zip(passing) {
                    assert_eq!(found.contains(at), pass, "{word} after {pad}, {k:?}");
                }
            }
        }
    }

    #[test]
    fn atoms_the_masks_cannot_bound_fall_back_to_the_fingerprints() {
        // A capital run (`HTTPServer`: the atom's end depends on what
        // follows), digits, a non-ASCII letter after the run, and an atom
        // longer than the two blocks the masks cover: all pass on their
        // first bytes alone.
        let long = format!("syst{}", "e".repeat(140));
        let f = filters(&["http", "gpt", "syst", "system"]);
        for text in ["HTTPServer", "GPT4o", "systé", long.as_str()] {
            for k in KERNELS {
                assert_eq!(
                    blocks(text, 0, text.len(), Some(&f), k),
                    [0],
                    "{text:?} {k:?}"
                );
            }
        }
    }

    /// Text of words, separators and any characters, with a random run of
    /// filler first so that its words fall anywhere in a 64-byte block.
    fn text() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            4 => "[a-z]{1,9}",
            2 => "[A-Z][a-z]{0,6}|[A-Z]{2,5}|[0-9]{1,4}",
            3 => "[ _/.\n-]{1,3}",
            1 => any::<String>(),
            1 => "[é使😀]{1,2}",
        ];
        ("[a-z ]{0,130}", prop::collection::vec(part, 0..40))
            .prop_map(|(fill, parts)| fill + &parts.concat())
    }

    fn boundary(text: &str, fraction: f64) -> usize {
        let mut at = ((text.len() as f64) * fraction) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Every kernel finds the word starts the eight-byte path finds, on
        /// any range; with the filters, what it keeps is among them and
        /// holds every atom start whose whole atom is a first atom; an atom
        /// end it hands on is that atom start's end.
        #[test]
        fn every_kernel_finds_the_word_starts_of_the_eight_byte_path(
            text in text(),
            a in 0.0..=1.0f64,
            b in 0.0..=1.0f64,
        ) {
            let (x, y) = (boundary(&text, a), boundary(&text, b));
            let (from, to) = (x.min(y), x.max(y));
            let atoms = ["the", "a", "system", "kv", "ab", "z", "gpt", "é"];
            let f = filters(&atoms);
            let plain = eight(&text, from, to, None);
            let fingerprinted = eight(&text, from, to, Some(&f.starts));
            for k in KERNELS {
                prop_assert_eq!(&blocks(&text, from, to, None, k), &plain, "{:?}", k);
                let kept = blocks(&text, from, to, Some(&f), k);
                // Where the scan is told an atom starts and ends, it does.
                let mut it = candidates(text.as_bytes(), from, to, Some(&f), k.or_portable());
                let mut pos = from;
                while let Some((at, end)) = it.next_from(pos) {
                    if let Some(end) = end {
                        prop_assert!(is_atom_start(&text, at), "{} in {:?}", at, text);
                        prop_assert_eq!(crate::matcher::words::atom_end(&text, at), end, "{} in {:?}", at, text);
                    }
                    pos = at + 1;
                }
                prop_assert!(kept.iter().all(|at| fingerprinted.contains(at)), "{:?}", k);
                for at in (from..to).filter(|&at| text.is_char_boundary(at)) {
                    if !is_atom_start(&text, at) {
                        continue;
                    }
                    let end = crate::matcher::words::atom_end(&text, at);
                    if atoms.iter().any(|a| a.eq_ignore_ascii_case(&text[at..end])) {
                        prop_assert!(kept.contains(&at), "{} in {:?} {:?}", at, text, k);
                    }
                }
            }
        }
    }
}
