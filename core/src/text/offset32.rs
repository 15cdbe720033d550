//! Byte offsets kept in four bytes.
//!
//! An open document keeps an offset per line start, two per spotted term and
//! two per hidden anchor word; with a term on every line those lists held
//! 0.73 times the text at eight bytes an offset. Four bytes halve them, which
//! bounds every text the core keeps offsets into at [`MAX_TEXT_BYTES`]: the
//! matcher finds nothing in a longer text and a [`crate::Document`] refuses
//! to become longer, so every offset narrowed here fits.

use std::ops::Range;

/// The longest text the core keeps offsets into: every offset into it, the
/// end included, fits a `u32`.
pub const MAX_TEXT_BYTES: usize = u32::MAX as usize;

/// Narrows an offset into a text of at most [`MAX_TEXT_BYTES`].
///
/// Callers hold that bound (the matcher and [`crate::Document`] check the
/// text's length at their entry); were it broken, the offset saturates at
/// the bound (and debug builds panic) instead of wrapping round to the start
/// of the text.
pub(crate) fn narrow(at: usize) -> u32 {
    debug_assert!(at <= MAX_TEXT_BYTES, "offset {at} past MAX_TEXT_BYTES");
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// A change of offset (`new - old`, wrapping) as the four-byte amount that
/// moves a narrowed offset by it: `narrow(old).wrapping_add(d) ==
/// narrow(new)` for any `old` and `new` within the bound.
pub(crate) fn narrow_delta(delta: usize) -> u32 {
    // Truncation is the point: the low 32 bits of a wrapping difference.
    delta as u32
}

/// A byte range `start..end` of a text of at most [`MAX_TEXT_BYTES`],
/// eight bytes instead of sixteen. Read through [`start`](Self::start) and
/// [`end`](Self::end), which give `usize` as every slice wants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteRange {
    start: u32,
    end: u32,
}

impl ByteRange {
    /// The range `start..end` (both within the bound; see [`narrow`]).
    pub(crate) fn new(start: usize, end: usize) -> ByteRange {
        ByteRange {
            start: narrow(start),
            end: narrow(end),
        }
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    pub fn range(self) -> Range<usize> {
        self.start()..self.end()
    }

    /// Both ends moved by `delta` bytes, modulo 2^32 (see
    /// `Hit::shifted_by`).
    pub(crate) fn shifted_by(self, delta: u32) -> ByteRange {
        ByteRange {
            start: self.start.wrapping_add(delta),
            end: self.end.wrapping_add(delta),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_up_to_the_bound_keep_their_value() {
        let r = ByteRange::new(MAX_TEXT_BYTES - 4, MAX_TEXT_BYTES);
        assert_eq!(r.range(), MAX_TEXT_BYTES - 4..MAX_TEXT_BYTES);
        assert_eq!(std::mem::size_of::<ByteRange>(), 8);
    }

    /// Past the bound an offset saturates rather than wrapping to a small
    /// one (release builds; debug builds stop at the assertion).
    #[test]
    #[cfg(all(not(debug_assertions), target_pointer_width = "64"))]
    fn an_offset_past_the_bound_saturates() {
        assert_eq!(narrow(MAX_TEXT_BYTES + 5), u32::MAX);
    }
}
