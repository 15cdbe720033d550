//! Diagnostics serialized for the publisher (`publish.rs`, the only
//! sender) at the cost of their ranges.
//!
//! The protocol replaces a document's whole set at every publication, so a
//! keystroke in a document showing the cap of 1,000 hints sends 1,000
//! diagnostics. Built as `Diagnostic` values and serialized by serde, each
//! one cost a handful of allocations (its code, message and `data` value
//! cloned) and a walk over a JSON map; that made the keystroke at 100k lines
//! cost three to four times the one at 1k lines. Here everything in a
//! diagnostic but its range (severity, code, source, message, `data`) is the
//! same for every occurrence of a term or practice, so it is serialized once
//! per term or rule ([`Tail`]) and each diagnostic writes only its four
//! numbers and copies its term's bytes.
//!
//! Cost model of one publication: O(distinct terms and rules shown) serde
//! serializations, plus per diagnostic four integers formatted and one
//! `memcpy` of its tail (about 200 bytes); no allocation per diagnostic.
//! The bytes themselves are the floor: the protocol wants the whole set.
//!
//! The output is the same JSON as serde's for the equivalent `Diagnostic`
//! values; `tests::the_same_json_as_serde` compares the two on arbitrary
//! ranges, messages, codes and data.

use serde::Serialize;
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, Range};

/// A diagnostic's fields after its range, serialized once: the bytes
/// `"severity":…,"code":…,"source":"llmops","message":…,"data":…}`.
pub struct Tail(Vec<u8>);

impl Tail {
    /// The tail of a diagnostic with these fields (in the order and with the
    /// names `Diagnostic` serializes them).
    pub fn new<D: Serialize>(
        severity: DiagnosticSeverity,
        code: &str,
        message: &str,
        data: &D,
    ) -> Tail {
        #[derive(Serialize)]
        struct Fields<'a, D> {
            severity: DiagnosticSeverity,
            code: &'a str,
            source: &'static str,
            message: &'a str,
            data: &'a D,
        }
        let fields = Fields {
            severity,
            code,
            source: "llmops",
            message,
            data,
        };
        match serde_json::to_vec(&fields) {
            // The opening brace goes: the range is written before these.
            Ok(mut bytes) if bytes.first() == Some(&b'{') => {
                bytes.remove(0);
                Tail(bytes)
            }
            // Strings, numbers and derived structs always serialize; were
            // one not to, the diagnostic still goes out, with an empty
            // message, rather than as broken JSON.
            _ => Tail(br#""message":""}"#.to_vec()),
        }
    }
}

/// A JSON array of diagnostics, built one diagnostic at a time.
pub struct DiagnosticsJson {
    buf: Vec<u8>,
    empty: bool,
}

impl DiagnosticsJson {
    /// An empty array with room for about `n` diagnostics.
    pub fn with_capacity(n: usize) -> DiagnosticsJson {
        let mut buf = Vec::with_capacity(2 + n * 256);
        buf.push(b'[');
        DiagnosticsJson { buf, empty: true }
    }

    /// Diagnostics built as values (pack errors: few, and not per keystroke).
    pub fn from_list(list: &[Diagnostic]) -> DiagnosticsJson {
        let mut out = DiagnosticsJson::with_capacity(0);
        match serde_json::to_vec(list) {
            Ok(bytes) if !list.is_empty() => {
                out.buf = bytes;
                out.buf.pop(); // the closing bracket, put back by `finish`
                out.empty = false;
            }
            _ => {}
        }
        out
    }

    /// Appends one diagnostic: its range, then its term's or rule's tail.
    pub fn push(&mut self, range: Range, tail: &Tail) {
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        let mut n = itoa::Buffer::new();
        let buf = &mut self.buf;
        buf.extend_from_slice(br#"{"range":{"start":{"line":"#);
        buf.extend_from_slice(n.format(range.start.line).as_bytes());
        buf.extend_from_slice(br#","character":"#);
        buf.extend_from_slice(n.format(range.start.character).as_bytes());
        buf.extend_from_slice(br#"},"end":{"line":"#);
        buf.extend_from_slice(n.format(range.end.line).as_bytes());
        buf.extend_from_slice(br#","character":"#);
        buf.extend_from_slice(n.format(range.end.character).as_bytes());
        buf.extend_from_slice(b"}},");
        buf.extend_from_slice(&tail.0);
    }

    /// The array's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(b']');
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tower_lsp_server::ls_types::{NumberOrString, Position};

    #[derive(Clone, Debug, Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        term_id: String,
        exercise_id: Option<String>,
        review_due: bool,
    }

    fn severity(n: u8) -> DiagnosticSeverity {
        [
            DiagnosticSeverity::ERROR,
            DiagnosticSeverity::WARNING,
            DiagnosticSeverity::INFORMATION,
            DiagnosticSeverity::HINT,
        ][n as usize % 4]
    }

    proptest! {
        /// The fast path writes what serde writes for the same
        /// `Diagnostic` values, for any range, code, message and data
        /// (quotes, backslashes, controls, non-ASCII included), with tails
        /// shared between diagnostics as the publisher shares them.
        #[test]
        fn the_same_json_as_serde(
            tails in prop::collection::vec(
                (any::<u8>(), ".{0,12}", ".{0,40}", ".{0,12}", prop::option::of(".{0,8}"), any::<bool>()),
                1..5,
            ),
            items in prop::collection::vec(
                (any::<usize>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
                0..40,
            ),
            errors in prop::collection::vec(".{0,20}", 0..3),
        ) {
            let built: Vec<(Tail, Diagnostic)> = tails
                .iter()
                .map(|(sev, code, message, term, exercise, due)| {
                    let data = Data {
                        term_id: term.clone(),
                        exercise_id: exercise.clone(),
                        review_due: *due,
                    };
                    let value = Diagnostic {
                        range: Range::default(),
                        severity: Some(severity(*sev)),
                        code: Some(NumberOrString::String(code.clone())),
                        source: Some("llmops".into()),
                        message: message.clone(),
                        data: Some(serde_json::to_value(&data).unwrap()),
                        ..Default::default()
                    };
                    (Tail::new(severity(*sev), code, message, &data), value)
                })
                .collect();
            // Pack errors first, as values; then hints by the fast path.
            let listed: Vec<Diagnostic> = errors
                .iter()
                .map(|m| Diagnostic {
                    range: Range::default(),
                    message: m.clone(),
                    ..Default::default()
                })
                .collect();
            let mut fast = DiagnosticsJson::from_list(&listed);
            let mut expected = listed.clone();
            for &(which, a, b, c, d) in &items {
                let (tail, value) = &built[which % built.len()];
                let range = Range::new(Position::new(a, b), Position::new(c, d));
                fast.push(range, tail);
                expected.push(Diagnostic { range, ..value.clone() });
            }
            let fast: serde_json::Value = serde_json::from_slice(&fast.finish()).unwrap();
            prop_assert_eq!(fast, serde_json::to_value(&expected).unwrap());
        }
    }

    #[test]
    fn an_empty_set_is_an_empty_array() {
        assert_eq!(DiagnosticsJson::with_capacity(5).finish(), b"[]");
        assert_eq!(DiagnosticsJson::from_list(&[]).finish(), b"[]");
    }
}
