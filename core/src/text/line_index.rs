//! Line starts of a text, kept up to date edit by edit, and the conversions
//! between byte offsets and editor positions (line + column) that every
//! request needs.
//!
//! Why not a rope: documents are scanned as one contiguous `&str` by the
//! matcher, and a line-start vector updated in place costs one memmove per
//! edit, far under a millisecond even for 100k-line files, while a lookup is a
//! binary search. Lines end at `\n`, `\r\n` or a lone `\r`, as the LSP
//! specification says.
//!
//! Starts are kept in four bytes ([`super::MAX_TEXT_BYTES`]): an open
//! document holds one per line for as long as it is open.

use super::{Encoding, MAX_TEXT_BYTES, Position, narrow};

/// Byte offsets where each line starts. Always holds at least `0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<u32>,
}

/// The byte offsets at which new lines start inside `text[from..to]`,
/// looking one byte past `to` so a `\r` at the end is classified correctly.
/// Every start lies within the text and at most one byte past `to`: it fits
/// when either is within [`MAX_TEXT_BYTES`].
fn line_starts_in(text: &str, from: usize, to: usize, out: &mut Vec<u32>) {
    debug_assert!(to < MAX_TEXT_BYTES || text.len() <= MAX_TEXT_BYTES);
    let bytes = text.as_bytes();
    let mut i = from;
    while let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[i..to]) {
        let at = i + found;
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            // The `\n` of a CRLF pair ends the line; it may lie at `to`.
            out.push(narrow(at + 2));
            i = at + 2;
        } else {
            out.push(narrow(at + 1));
            i = at + 1;
        }
        if i >= to {
            break;
        }
    }
}

impl LineIndex {
    /// Indexes a whole text. Texts are at most [`MAX_TEXT_BYTES`] long
    /// (documents refuse longer ones, the scanners read 16 MiB at most);
    /// of a longer one only the lines that start before the bound are
    /// told apart, and the rest reads as part of the last of them.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        line_starts_in(text, 0, text.len().min(MAX_TEXT_BYTES - 1), &mut starts);
        // Kept while the document is open: no doubling slack.
        starts.shrink_to_fit();
        LineIndex { starts }
    }

    /// Number of lines (a text that ends with a line break has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The bytes held on the heap (by capacity).
    pub fn heap_bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<u32>()
    }

    /// Byte offset where `line` starts, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).map(|&s| s as usize)
    }

    /// The line that holds byte `offset` (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        // Every start is at most `u32::MAX`: a larger offset lies past
        // them all, as `u32::MAX` does.
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// [`line_of`](Self::line_of) for an offset known to lie at or after
    /// the start of line `from`: a gallop forward from `from`, so a sweep
    /// over sorted offsets costs O(log of the lines between two of them)
    /// each, not O(log of all lines) (at 100k lines and the diagnostics
    /// cap, the binary searches were a tenth of a publication).
    fn line_of_after(&self, offset: usize, from: usize) -> usize {
        let target = u32::try_from(offset).unwrap_or(u32::MAX);
        if self.starts.get(from).is_none_or(|&start| start > target) {
            return self.line_of(offset);
        }
        // `starts[lo] <= target` throughout.
        let (mut lo, mut step) = (from, 1);
        while lo + step < self.starts.len() && self.starts[lo + step] <= target {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(self.starts.len());
        match self.starts[lo..hi].binary_search(&target) {
            Ok(i) => lo + i,
            Err(next) => lo + next - 1,
        }
    }

    /// Byte range of `line` without its line terminator.
    pub fn line_content(&self, text: &str, line: usize) -> Option<(usize, usize)> {
        let start = self.line_start(line)?;
        let mut end = self.line_start(line + 1).unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        Some((start, end))
    }

    /// Updates the index after `text[start..start + removed]` was replaced by
    /// `inserted` bytes; `text` is the text after the edit.
    pub fn apply_edit(&mut self, text: &str, start: usize, removed: usize, inserted: usize) {
        // A CRLF pair may be split or joined at either end of the edit, so
        // re-derive the starts from the line before the edit through one byte
        // after it, and shift everything behind.
        let old_end = start + removed;
        let first_line = self.line_of(start).saturating_sub(1);
        let redo_from = self.starts[first_line] as usize;
        // Old starts strictly after `redo_from` and up to `old_end + 1` are recomputed.
        let keep_head = first_line + 1;
        let old_tail_from = self.starts.partition_point(|&s| s as usize <= old_end + 1);
        let new_end = (start + inserted + 1).min(text.len());
        let mut fresh = Vec::new();
        line_starts_in(text, redo_from, new_end, &mut fresh);
        // Starts recomputed may overshoot `new_end` by one when it ends in CRLF.
        // The later starts move in place (no copy of the whole index per
        // keystroke); the recomputed ones replace those in between. Both
        // lengths and every moved start lie within the text, so within the
        // bound: four-byte arithmetic modulo 2^32 gives each start exactly
        // (one add per start, as wide as the machine's vectors).
        if inserted != removed {
            let (add, sub) = (narrow(inserted), narrow(removed));
            for s in &mut self.starts[old_tail_from..] {
                *s = s.wrapping_add(add).wrapping_sub(sub);
            }
        }
        let next = self.starts.get(old_tail_from).copied();
        fresh.retain(|&s| next.is_none_or(|t| s < t));
        self.starts.splice(keep_head..old_tail_from, fresh);
    }

    /// Converts a byte offset (clamped to the text and moved back to a char
    /// boundary) to a position in `encoding`.
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts[line] as usize;
        let character = encoding.measure(&text[start..offset]);
        Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// Converts many sorted byte offsets in one sweep, so a long line is
    /// walked once rather than once per offset.
    pub fn positions_sorted(
        &self,
        text: &str,
        offsets: &[usize],
        encoding: Encoding,
    ) -> Vec<Position> {
        let mut out = Vec::with_capacity(offsets.len());
        let mut line = usize::MAX;
        let mut at = 0usize; // byte offset whose column is `col`
        let mut col = 0usize;
        for &raw in offsets {
            let mut offset = raw.min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            let this_line = match line {
                usize::MAX => self.line_of(offset),
                _ => self.line_of_after(offset, line),
            };
            if this_line != line || offset < at {
                line = this_line;
                at = self.starts[line] as usize;
                col = 0;
            }
            col += encoding.measure(&text[at..offset]);
            at = offset;
            out.push(Position {
                line: line as u32,
                character: col as u32,
            });
        }
        out
    }

    /// Converts a position to a byte offset. A column past the end of its
    /// line is clamped to the line end; a line past the end of the text gives
    /// `None` (callers decide whether to clamp to the end or ignore it).
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> Option<usize> {
        let (start, end) = self.line_content(text, position.line as usize)?;
        Some(start + encoding.byte_len_of_prefix(&text[start..end], position.character as usize))
    }

    /// Like [`offset`](Self::offset) but clamps a line past the end to the end of the text.
    pub fn offset_clamped(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        self.offset(text, position, encoding).unwrap_or(text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn counts_every_kind_of_line_break() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_content(text, 1), Some((2, 3)));
        assert_eq!(index.line_content(text, 2), Some((5, 6)));
        assert_eq!(index.line_content(text, 3), Some((7, 8)));
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "x😀é中TTFT\n";
        let index = LineIndex::new(text);
        let ttft = text.find("TTFT").unwrap();
        assert_eq!(index.position(text, ttft, Encoding::Utf16), pos(0, 5));
        assert_eq!(index.position(text, ttft, Encoding::Utf8), pos(0, 10));
        assert_eq!(index.offset(text, pos(0, 5), Encoding::Utf16), Some(ttft));
        assert_eq!(index.offset(text, pos(0, 10), Encoding::Utf8), Some(ttft));
    }

    #[test]
    fn positions_inside_a_character_are_clamped_to_its_start() {
        let text = "😀a";
        let index = LineIndex::new(text);
        // Column 1 in UTF-16 is the middle of the surrogate pair.
        assert_eq!(index.offset(text, pos(0, 1), Encoding::Utf16), Some(0));
        assert_eq!(index.offset(text, pos(0, 2), Encoding::Utf16), Some(4));
        assert_eq!(index.position(text, 2, Encoding::Utf16), pos(0, 0));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 99), Encoding::Utf16), Some(2));
        assert_eq!(index.offset(text, pos(9, 0), Encoding::Utf16), None);
        assert_eq!(index.offset_clamped(text, pos(9, 0), Encoding::Utf16), 6);
    }

    #[test]
    fn sweep_matches_single_conversions() {
        let text = "😀 TTFT 中文 TTFT\r\nmodel alias 😀😀 x\n";
        let index = LineIndex::new(text);
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let swept = index.positions_sorted(text, &offsets, encoding);
            for (offset, got) in offsets.iter().zip(swept) {
                assert_eq!(got, index.position(text, *offset, encoding));
            }
        }
    }

    #[test]
    fn a_sweep_over_many_lines_finds_each_line() {
        // Lines of varied length, empty ones among them, a CRLF and a lone
        // CR; offsets a line, a few lines and hundreds of lines apart, the
        // text's end included.
        let mut text = String::new();
        for i in 0..2_000 {
            text.push_str(&"x".repeat(i % 7));
            text.push_str(match i % 5 {
                0 => "\r\n",
                1 => "\r",
                _ => "\n",
            });
        }
        let index = LineIndex::new(&text);
        let mut offsets = Vec::new();
        let mut at = 0;
        for gap in [0, 1, 2, 3, 5, 8, 40, 1, 700, 2, 3_000, 13, 1] {
            at = (at + gap).min(text.len());
            offsets.push(at);
        }
        offsets.push(text.len());
        let swept = index.positions_sorted(&text, &offsets, Encoding::Utf16);
        for (offset, got) in offsets.iter().zip(swept) {
            assert_eq!(
                got,
                index.position(&text, *offset, Encoding::Utf16),
                "at {offset}"
            );
        }
    }

    fn edit(text: &str, start: usize, end: usize, insert: &str) -> (String, LineIndex) {
        let mut index = LineIndex::new(text);
        let mut new = text.to_string();
        new.replace_range(start..end, insert);
        index.apply_edit(&new, start, end - start, insert.len());
        (new, index)
    }

    #[test]
    fn edits_keep_the_index_equal_to_a_rebuild() {
        let cases = [
            ("a\r\nb", 1, 1, "x"),     // insert before CR
            ("a\r\nb", 2, 2, "x"),     // split CRLF
            ("a\rx\nb", 2, 3, ""),     // join CR and LF
            ("a\nb\nc", 0, 5, ""),     // delete all
            ("", 0, 0, "l1\nl2\r\n"),  // insert into empty
            ("ab\ncd\nef", 1, 7, "Z"), // delete across lines
            ("a\n\n\nb", 2, 3, "\r"),  // replace LF with CR
        ];
        for (text, start, end, insert) in cases {
            let (new, index) = edit(text, start, end, insert);
            assert_eq!(
                index,
                LineIndex::new(&new),
                "{text:?} {start}..{end} {insert:?}"
            );
        }
    }
}
