//! Text shown to people: hover Markdown and diagnostic messages.
//!
//! Pack text may come from any cloned repository, so it is untrusted: every
//! piece of it is escaped before it becomes Markdown, so it cannot inject
//! links, images (remote loads), HTML or command URIs into the hover.
//! Its length is capped too, whatever the pack says: a hint message is
//! sent once per occurrence, so a long one multiplies by every hint of every
//! keystroke. Direction overrides and zero-width characters in names are
//! shown as visible markers (definitions get them at load time).

use std::borrow::Cow;

use llmops_core::Content;
use llmops_core::content::Term;
use llmops_core::learning::TermState;
use llmops_core::text::visible_controls;

/// Longest hint message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// Longest hover, in characters of Markdown.
pub const MAX_HOVER_CHARS: usize = 12_000;
/// Aliases listed in a hover; the rest are counted.
const HOVER_ALIASES: usize = 16;

/// `text` cut to at most `max` characters, with `…` marking the cut.
pub fn truncate_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..keep]))
        }
    }
}

/// Escapes text for CommonMark so it renders literally.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '>' | '<' | '&' | '"' | '\'' | ':' => {
                // Angle brackets and ampersands become entities so no HTML survives.
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    _ => {
                        out.push('\\');
                        out.push(c);
                    }
                }
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Makes a link destination safe inside `(...)`: no spaces, parentheses or
/// angle brackets survive unencoded.
pub fn escape_link(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for c in target.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '\\' => out.push_str("%5C"),
            _ => out.push(c),
        }
    }
    out
}

/// The message of a term's diagnostic: short, since editors show it inline.
pub fn diagnostic_message(term: &Term, state: TermState) -> String {
    let prefix = if state == TermState::Due {
        "Review due: "
    } else {
        ""
    };
    let message = format!(
        "{prefix}{}: {}",
        visible_controls(&term.name),
        term.summary()
    );
    truncate_chars(&message, MAX_MESSAGE_CHARS).into_owned()
}

/// The hover for a term: name, definition, aliases, related terms and the
/// exercise that teaches it.
pub fn hover_markdown(
    content: &Content,
    term: &Term,
    completed: Option<bool>,
    state: TermState,
    link: impl Fn(&Term) -> Option<String>,
) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(text));
    let mut md = format!("**{}**", shown(&term.name));
    if !term.aliases.is_empty() {
        let mut aliases: Vec<String> = term
            .aliases
            .iter()
            .take(HOVER_ALIASES)
            .map(|a| shown(a))
            .collect();
        if term.aliases.len() > HOVER_ALIASES {
            aliases.push(format!("{} more", term.aliases.len() - HOVER_ALIASES));
        }
        md.push_str(&format!(" · also: {}", aliases.join(", ")));
    }
    md.push_str("\n\n");
    md.push_str(&escape_markdown(&term.definition));
    let related: Vec<String> = term
        .related
        .iter()
        .filter_map(|id| content.term(id))
        .map(|t| match link(t) {
            Some(target) => format!("[{}]({})", escape_markdown(&t.name), escape_link(&target)),
            None => format!("*{}*", escape_markdown(&t.name)),
        })
        .collect();
    if !related.is_empty() {
        md.push_str(&format!("\n\nRelated: {}", related.join(", ")));
    }
    if let Some(exercise) = term.exercise.as_deref().and_then(|id| content.exercise(id)) {
        let number = content.exercise_number(&exercise.id).unwrap_or(0);
        let status = match completed {
            Some(true) => " (completed ✓)",
            _ => "",
        };
        md.push_str(&format!(
            "\n\n---\nExercise available: *{}* (exercise {number} of {}){status}. Use the code action **Learn: {}** to practise.",
            escape_markdown(&exercise.title),
            content.exercises.len(),
            escape_markdown(&term.name),
        ));
    } else if content.exercise_for_term(&term.id).is_some() {
        md.push_str(&format!(
            "\n\n---\nA question made from the glossary is available. Use the code action **Learn: {}** to practise.",
            escape_markdown(&term.name),
        ));
    }
    match state {
        TermState::Due => {
            md.push_str("\n\nReview due: answer its exercise again to keep it fresh.")
        }
        TermState::Known => md.push_str("\n\nYou know this term; its hints are hidden."),
        _ => {}
    }
    truncate_chars(&md, MAX_HOVER_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_capped_and_show_hidden_characters() {
        let term = Term {
            id: "t".into(),
            name: "evil\u{202E}name".into(),
            aliases: Vec::new(),
            definition: "x".repeat(1_000_000),
            related: Vec::new(),
            exercise: None,
            context: None,
            module: None,
            origin: Default::default(),
        };
        let message = diagnostic_message(&term, TermState::New);
        assert!(
            message.chars().count() <= MAX_MESSAGE_CHARS,
            "{}",
            message.len()
        );
        assert!(message.starts_with("evil⟨U+202E⟩name: xxx"), "{message}");
        assert!(message.ends_with('…'));
        assert_eq!(truncate_chars("héllo", 5), "héllo");
        assert_eq!(truncate_chars("héllo", 3), "hé…");
    }

    #[test]
    fn markdown_from_packs_cannot_inject_links_images_or_html() {
        let evil = "![x](https://evil.example/a.png) [run](command:workbench.action.terminal.new) <img src=x onerror=alert(1)>";
        let escaped = escape_markdown(evil);
        assert!(!escaped.contains("]("), "{escaped}");
        assert!(!escaped.contains('<'), "{escaped}");
        assert!(escaped.contains("\\!\\[x\\]"), "{escaped}");
    }
}
