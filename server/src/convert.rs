//! Conversions between the core's types and LSP types, in one place so the
//! core never sees a protocol type and the handlers never do arithmetic on
//! positions.

use llmops_core::content::PackError;
use llmops_core::document::Span;
use llmops_core::text::{Encoding, LineIndex, Position as CorePosition};
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticSeverity, NumberOrString, Position, PositionEncodingKind, Range, Uri,
};

use crate::settings::Severity;

pub fn to_lsp(p: CorePosition) -> Position {
    Position::new(p.line, p.character)
}

pub fn from_lsp(p: Position) -> CorePosition {
    CorePosition {
        line: p.line,
        character: p.character,
    }
}

pub fn span_to_range(s: Span) -> Range {
    Range::new(to_lsp(s.start), to_lsp(s.end))
}

pub fn range_to_span(r: Range) -> Span {
    Span {
        start: from_lsp(r.start),
        end: from_lsp(r.end),
    }
}

/// The key open documents are stored under.
pub fn uri_key(uri: &Uri) -> String {
    uri.as_str().to_string()
}

pub fn encoding_kind(encoding: Encoding) -> PositionEncodingKind {
    match encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    }
}

/// The LSP severity of term hints; `None` when spotting is off.
pub fn severity(severity: Severity) -> Option<DiagnosticSeverity> {
    match severity {
        Severity::Hint => Some(DiagnosticSeverity::HINT),
        Severity::Information => Some(DiagnosticSeverity::INFORMATION),
        Severity::Warning => Some(DiagnosticSeverity::WARNING),
        Severity::Off => None,
    }
}

/// Pack errors as error diagnostics on the pack file whose text is `text`.
pub fn pack_diagnostics(errors: &[PackError], text: &str, encoding: Encoding) -> Vec<Diagnostic> {
    let lines = LineIndex::new(text);
    errors
        .iter()
        .map(|e| {
            let start = lines.position(text, e.range.start, encoding);
            let end = lines.position(text, e.range.end.max(e.range.start), encoding);
            Diagnostic {
                range: Range::new(to_lsp(start), to_lsp(end)),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("llmops".into()),
                code: Some(NumberOrString::String("pack".into())),
                // Messages quote pack text (ids, phrases): marked like it.
                message: llmops_core::text::visible_controls(&e.message).into_owned(),
                ..Default::default()
            }
        })
        .collect()
}
