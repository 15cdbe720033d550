//! Where a phrase may start: the pre-filter that picks where the trie is
//! walked.
//!
//! The matcher used to find candidates with an Aho-Corasick automaton over
//! the first atoms. It steps through every byte of the text (with ASCII case
//! folding and hundreds of patterns it has no vectorised pre-filter of its
//! own), which capped a scan at a few hundred MB/s. Yet a phrase can only
//! start where an atom starts, and only with the first bytes of one of the
//! patterns. So the scan walks the trie only at the bytes that pass two
//! tests:
//!
//! 1. [`candidates`]: eight bytes at a time (SWAR on a `u64`), the bytes
//!    that may begin an atom: letters, digits and UTF-8 lead bytes, except a
//!    lower-case letter after a letter and a digit after a digit, which never
//!    begin one (see [`super::words::is_boundary`]). In prose that leaves
//!    about one byte in six.
//! 2. [`StartSet::may_start`]: the first one to four bytes there, with
//!    `0x20` set on every byte (which folds ASCII case and never tells two
//!    case-insensitively equal bytes apart), are looked up in a bit set of
//!    the same fingerprint of every pattern, a region per pattern length up
//!    to four. A word of plain English passes only if it shares its first
//!    four bytes (or its whole self, when shorter) with a pattern.
//!
//! Both tests only ever let through *more* than the automaton matched, and
//! the walk rejects what is not a first atom, so the scan finds what the
//! automaton search found (the unit test
//! `fast_scan_equals_the_plain_automaton_search` runs both).
//!
//! Cost: a few dozen operations per eight bytes, plus up to four bit-set
//! lookups (16 KiB in all, in cache) per word start; nothing per pattern.
//! A pack of tens of thousands of first words fills the bit set, and then
//! every word start is walked (one hash lookup): slower than the automaton
//! was on such packs, never wrong.

/// Bits per pattern length in the fingerprint set: 2^15 (4 KiB; 16 KiB for
/// the four lengths, so the set stays in the first-level cache).
const TABLE_BITS: u32 = 15;
const WORDS: usize = 4 << (TABLE_BITS - 6);
const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
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

/// Bytes of `w` (one per lane) in `lo..=hi`, as the lane's top bit; `w`'s
/// top bits must be clear. No lane can carry into the next: each sum stays
/// below 0x100.
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let ge_lo = w + LOW * u64::from(0x80 - lo);
    let gt_hi = w + LOW * u64::from(0x80 - hi - 1);
    ge_lo & !gt_hi & HIGH
}

/// For the eight bytes of `w`, whether each may begin an atom (lane top bit),
/// given in `prev` the same bytes shifted one place (the byte before each).
fn word_start_lanes(w: u64, prev: u64) -> u64 {
    let ascii = !w & HIGH;
    let ascii_prev = !prev & HIGH;
    let low7 = w & !HIGH;
    let low7_prev = prev & !HIGH;
    let letter = in_range(low7 | (LOW * 0x20), b'a', b'z') & ascii;
    let lower = in_range(low7, b'a', b'z') & ascii;
    let digit = in_range(low7, b'0', b'9') & ascii;
    let letter_prev = in_range(low7_prev | (LOW * 0x20), b'a', b'z') & ascii_prev;
    let digit_prev = in_range(low7_prev, b'0', b'9') & ascii_prev;
    // UTF-8 lead bytes: top two bits set.
    let lead = w & (w << 1) & HIGH;
    (letter | digit | lead) & !(lower & letter_prev) & !(digit & digit_prev)
}

/// The byte offsets in `from..to` of `bytes` that may begin an atom and,
/// given a `set`, one of its patterns (a superset of where the automaton
/// matches on an atom start), in order.
pub(super) fn candidates<'b>(
    bytes: &'b [u8],
    from: usize,
    to: usize,
    set: Option<&'b StartSet>,
) -> Candidates<'b> {
    let mut starts = Candidates {
        bytes,
        set,
        to: to.min(bytes.len()),
        base: from,
        lanes: 0,
    };
    starts.load(from);
    starts
}

/// Iterator state of [`candidates`]: the current eight-byte chunk.
pub(super) struct Candidates<'b> {
    bytes: &'b [u8],
    set: Option<&'b StartSet>,
    to: usize,
    /// Offset of the chunk's first byte.
    base: usize,
    /// The chunk's candidate lanes not yet returned.
    lanes: u64,
}

impl Candidates<'_> {
    fn load(&mut self, base: usize) {
        self.base = base;
        if base >= self.to {
            self.lanes = 0;
            return;
        }
        let w = match self.bytes.get(base..base + 8) {
            Some(chunk) => u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
            None => {
                let mut chunk = [0u8; 8];
                let tail = &self.bytes[base..];
                chunk[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(chunk)
            }
        };
        let before = base.checked_sub(1).map_or(0, |i| self.bytes[i]);
        let prev = (w << 8) | u64::from(before);
        // Word starts, then those that pass the fingerprints, the latter
        // without a branch per lane (its outcome is hard to predict).
        let mut starts = word_start_lanes(w, prev);
        let Some(set) = self.set else {
            self.lanes = starts;
            return;
        };
        let mut kept = 0;
        while starts != 0 {
            let lane = starts.trailing_zeros();
            let at = base + (lane / 8) as usize;
            kept |= u64::from(set.may_start(self.bytes, at)) << lane;
            starts &= starts - 1;
        }
        self.lanes = kept;
    }

    /// The next candidate at or after `pos`.
    pub(super) fn next_from(&mut self, pos: usize) -> Option<usize> {
        if pos >= self.base + 8 {
            self.load(pos);
        } else if pos > self.base {
            self.lanes &= u64::MAX << ((pos - self.base) * 8);
        }
        loop {
            if self.lanes != 0 {
                let at = self.base + (self.lanes.trailing_zeros() / 8) as usize;
                self.lanes &= self.lanes - 1;
                return (at < self.to).then_some(at);
            }
            if self.base + 8 >= self.to {
                return None;
            }
            self.load(self.base + 8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::words::is_atom_start;

    fn starts(text: &str) -> Vec<usize> {
        let mut it = candidates(text.as_bytes(), 0, text.len(), None);
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(at) = it.next_from(pos) {
            out.push(at);
            pos = at + 1;
        }
        out
    }

    #[test]
    fn every_atom_start_is_a_candidate() {
        for text in [
            "the prompt registry, promptRegistry and PROMPT_REGISTRY",
            "HTTPServer gpt4o 2024 ttftMs 使用TTFT été Ölmodell 😀x",
            "a\tb\r\nc-d/e_f 9z z9 A1 1A",
        ] {
            let found = starts(text);
            for (at, _) in text.char_indices() {
                if is_atom_start(text, at) {
                    assert!(found.contains(&at), "{at} in {text:?}: {found:?}");
                }
            }
        }
    }

    #[test]
    fn letters_inside_lower_case_words_are_skipped() {
        assert_eq!(starts("the cat sat"), [0, 4, 8]);
        assert_eq!(starts("x 12345 y"), [0, 2, 8]);
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
}
