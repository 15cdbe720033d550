//! The previous pre-filter (issue 22, first round), kept as the baseline
//! the bench prints beside the block scan of [`super`] and as a second
//! reference in the tests: eight bytes at a time in a `u64` (SWAR), then the
//! four fingerprint lookups of [`StartSet::may_start`] at every word start.

use super::StartSet;

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

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
pub(crate) fn candidates<'b>(
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
pub(crate) struct Candidates<'b> {
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
    pub(crate) fn next_from(&mut self, pos: usize) -> Option<usize> {
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
