//! A document's practice hits, kept up to date edit by edit.
//!
//! A rule looks at one line (N = 0 lines around a match), so an edit can
//! only create or destroy hits on the lines it touched: those lines are
//! scanned again and every later hit moves by the edit's length. Cost of a
//! keystroke: the set over the touched lines (usually one) plus a shift of
//! the hits after the edit, never a pass over the whole text.

use super::{PracticeHit, PracticeSet};
use crate::text::LineIndex;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocPractices {
    hits: Vec<PracticeHit>,
}

impl DocPractices {
    /// Every hit of `text`.
    pub fn scanned(set: &PracticeSet, text: &str, language: &str) -> DocPractices {
        DocPractices {
            hits: set.scan_all(text, language),
        }
    }

    /// Every hit, in text order.
    pub fn hits(&self) -> &[PracticeHit] {
        &self.hits
    }

    /// Forgets every hit (a document too large to scan).
    pub fn clear(&mut self) {
        self.hits.clear();
    }

    /// Hits that overlap `from..=to` (a cursor is `from == to`).
    pub fn hits_in(&self, from: usize, to: usize) -> &[PracticeHit] {
        let first = self.hits.partition_point(|h| h.end < from);
        let last = first + self.hits[first..].partition_point(|h| h.start <= to);
        &self.hits[first..last]
    }

    /// Brings the hits up to date after `removed` bytes at `start` were
    /// replaced by `inserted` bytes; `text` and `lines` are the new ones.
    #[allow(clippy::too_many_arguments)]
    pub fn edited(
        &mut self,
        set: &PracticeSet,
        text: &str,
        lines: &LineIndex,
        start: usize,
        removed: usize,
        inserted: usize,
        language: &str,
    ) {
        let new_end = (start + inserted).min(text.len());
        let first_line = lines.line_of(start.min(text.len()));
        let last_line = lines.line_of(new_end);
        let from = lines.line_start(first_line).unwrap_or(0);
        let to = lines.line_start(last_line + 1).unwrap_or(text.len());
        // The same window before the edit.
        let old_to = to + removed - inserted;
        let first = self.hits.partition_point(|h| h.start < from);
        let last = self.hits.partition_point(|h| h.start < old_to);
        if inserted != removed {
            for h in &mut self.hits[last..] {
                h.start = h.start + inserted - removed;
                h.end = h.end + inserted - removed;
            }
        }
        let mut fresh = Vec::new();
        set.scan(text, from, to, language, &mut fresh);
        self.hits.splice(first..last, fresh);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::rule;
    use super::*;

    #[test]
    fn edits_keep_the_hits_of_a_full_scan() {
        let set = PracticeSet::new(vec![
            rule("a", r"OpenAI\(\)"),
            rule("b", r"len\([a-z]+\)\s*/\s*4"),
        ])
        .unwrap();
        let script = "c = OpenAI()\nn = len(text) / 4\n# OpenAI()\r\nx = OpenAI()\n";
        let mut text = String::new();
        let mut doc = DocPractices::default();
        // Typed one character at a time, then deleted from the front.
        for c in script.chars() {
            let at = text.len();
            text.push(c);
            doc.edited(
                &set,
                &text,
                &LineIndex::new(&text),
                at,
                0,
                c.len_utf8(),
                "python",
            );
            assert_eq!(
                doc,
                DocPractices::scanned(&set, &text, "python"),
                "{text:?}"
            );
        }
        assert_eq!(doc.hits().len(), 3);
        while !text.is_empty() {
            text.remove(0);
            doc.edited(&set, &text, &LineIndex::new(&text), 0, 1, 0, "python");
            assert_eq!(
                doc,
                DocPractices::scanned(&set, &text, "python"),
                "{text:?}"
            );
        }
        // A multi-line replacement in the middle.
        let mut text = script.to_string();
        let mut doc = DocPractices::scanned(&set, &text, "python");
        let at = text.find("n = ").unwrap();
        let end = text.find("x = ").unwrap();
        let insert = "y = 1\nz = OpenAI()\n";
        text.replace_range(at..end, insert);
        let n = insert.len();
        doc.edited(
            &set,
            &text,
            &LineIndex::new(&text),
            at,
            end - at,
            n,
            "python",
        );
        assert_eq!(doc, DocPractices::scanned(&set, &text, "python"));
        assert_eq!(doc.hits_in(at, at + n).len(), 1);
    }
}
