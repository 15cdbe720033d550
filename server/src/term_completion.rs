//! `textDocument/completion` of term names while writing (setting
//! `completion`, off by default; `llmops_core::completion` decides what is
//! offered): names in prose and comments, identifier forms in code, from
//! the content the document's folder sees ([`OpenDoc::content`]: the
//! built-in course, user packs and the `.llmops/` folders above it), the
//! same content its hints come from.
//!
//! The capability is registered at start whatever the setting (ids inside
//! pack files, `pack_ids.rs`, need it anyway): with the setting off a
//! request costs a flag check and gets nothing.
//!
//! Cost of a request: the line prefix (its zone, read once, and at most 96
//! bytes back from the cursor), a few binary searches of the content's
//! sorted names, and at most [`MAX_ITEMS`](llmops_core::completion::MAX_ITEMS)
//! items, each with a definition cut to [`DOC_CHARS`] before it is escaped.
//! A line prefix over [`MAX_PREFIX_BYTES`] (minified code, data) gets
//! nothing.

use llmops_core::completion::{MAX_ITEMS, Offer, offers};
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::render::{escape_markdown, shown_name, truncate_chars, wrap_paragraph};
use crate::state::State;

/// Longest line prefix read for a completion, in bytes.
pub const MAX_PREFIX_BYTES: usize = 16 * 1024;
/// Characters of a term's definition shown beside an item.
pub const DOC_CHARS: usize = 280;
/// Columns the documentation is wrapped at (as in hovers).
const DOC_WIDTH: usize = crate::render::HOVER_WIDTH;

/// The completions of term names at the cursor, or `None` when the setting
/// is off or nothing could be offered there.
pub fn completion(state: &State, params: &CompletionParams) -> Option<CompletionResponse> {
    if !state.settings.completion {
        return None;
    }
    let at = &params.text_document_position;
    let open = state.docs.get(&uri_key(&at.text_document.uri))?;
    if !state.settings.policy.language_enabled(&open.language) {
        return None;
    }
    let doc = &open.doc;
    let text = doc.text();
    let lines = doc.lines();
    let cursor = lines.offset(text, from_lsp(at.position), state.encoding)?;
    let (line_start, line_end) = lines.line_content(text, lines.line_of(cursor))?;
    if cursor - line_start > MAX_PREFIX_BYTES {
        return None;
    }
    let prefix = text.get(line_start..cursor)?;
    let after = text.get(cursor..line_end)?.chars().next();
    let found = offers(&open.content, prefix, after, &open.language);
    if found.items.is_empty() && !found.incomplete {
        return None;
    }
    debug_assert!(found.items.len() <= MAX_ITEMS);
    let items = found
        .items
        .iter()
        .enumerate()
        .map(|(rank, offer)| {
            let from = to_lsp(lines.position(text, line_start + offer.start, state.encoding));
            item(offer, rank, Range::new(from, at.position))
        })
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: found.incomplete,
        items,
    }))
}

/// One offer as an item replacing `range` (from the start of what it
/// completes to the cursor).
fn item(offer: &Offer<'_>, rank: usize, range: Range) -> CompletionItem {
    let name = shown_name(offer.term);
    let label = llmops_core::text::visible_controls(&offer.text).into_owned();
    CompletionItem {
        label,
        label_details: Some(CompletionItemLabelDetails {
            detail: None,
            description: Some("LLMOps term".to_string()),
        }),
        kind: Some(CompletionItemKind::TEXT),
        detail: Some(name.into_owned()),
        documentation: Some(Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: documentation(offer),
        })),
        // Keeps the order offered (longest matching phrase, then by name)
        // among items that match what is typed equally well.
        sort_text: Some(format!("{rank:03}")),
        filter_text: Some(offer.text.clone()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: offer.text.clone(),
        })),
        ..Default::default()
    }
}

/// The term's name and the start of its definition, escaped like a hover:
/// pack text cannot form links, images or HTML.
fn documentation(offer: &Offer<'_>) -> String {
    let name = escape_markdown(&shown_name(offer.term));
    let title = if offer.alias {
        format!(
            "**{name}** · also: {}",
            escape_markdown(&llmops_core::text::visible_controls(offer.phrase))
        )
    } else {
        format!("**{name}**")
    };
    // Prose was marked for invisible controls at load.
    let definition = escape_markdown(&truncate_chars(&offer.term.definition, DOC_CHARS));
    format!(
        "{}\n\n{}",
        wrap_paragraph(&title, DOC_WIDTH),
        wrap_paragraph(&definition, DOC_WIDTH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmops_core::content::{Origin, Term};

    #[test]
    fn pack_text_forms_no_link_or_image_in_the_documentation() {
        let term = Term {
            id: "t".into(),
            name: "![x](https://evil.example/a.png)".into(),
            aliases: vec!["[click](command:rm)".into()],
            definition: "<img src=x> [a](https://evil.example) <https://evil.example>".repeat(20),
            related: Vec::new(),
            module: None,
            exercise: None,
            context: None,
            avoid: Vec::new(),
            examples: Vec::new(),
            not_in: Vec::new(),
            not_near: Vec::new(),
            origin: Origin::default(),
        };
        let offer = Offer {
            term: &term,
            phrase: &term.aliases[0],
            alias: true,
            text: term.aliases[0].clone(),
            start: 0,
        };
        let markdown = documentation(&offer);
        crate::render::assert_forms_no_link(&markdown);
        // Cut to DOC_CHARS before escaping.
        assert!(markdown.chars().count() < DOC_CHARS * 2, "{markdown}");
    }
}
