//! Text shown to people: hover Markdown and diagnostic messages.
//!
//! Pack text may come from any cloned repository, so it is untrusted: every
//! piece of it is escaped before it becomes Markdown, so it cannot inject
//! links, images (remote loads), HTML or command URIs into the hover.

use llmops_core::Content;
use llmops_core::content::Term;
use llmops_core::learning::TermState;

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
    format!("{prefix}{}: {}", term.name, term.summary())
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
    let mut md = format!("**{}**", escape_markdown(&term.name));
    if !term.aliases.is_empty() {
        let aliases: Vec<String> = term.aliases.iter().map(|a| escape_markdown(a)).collect();
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
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_from_packs_cannot_inject_links_images_or_html() {
        let evil = "![x](https://evil.example/a.png) [run](command:workbench.action.terminal.new) <img src=x onerror=alert(1)>";
        let escaped = escape_markdown(evil);
        assert!(!escaped.contains("]("), "{escaped}");
        assert!(!escaped.contains('<'), "{escaped}");
        assert!(escaped.contains("\\!\\[x\\]"), "{escaped}");
    }
}
