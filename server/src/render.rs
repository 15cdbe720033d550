//! Text shown to people: hover Markdown and diagnostic messages.
//!
//! Pack text may come from any cloned repository, so it is untrusted: it is
//! escaped before it becomes Markdown, so it cannot inject links, images
//! (remote loads), HTML, autolinks or command URIs into the hover. The only
//! links in a hover are the ones built here, to our own commands, and only
//! for clients that said they run command links; their text is our own
//! words ("open", "Learn"), with pack text beside them, never inside.
//! Its length is capped too, whatever the pack says: a hint message is
//! sent once per occurrence, so a long one multiplies by every hint of every
//! keystroke. Direction overrides and zero-width characters in names are
//! shown as visible markers (definitions get them at load time).

use std::borrow::Cow;

use llmops_core::Content;
use llmops_core::content::{Exercise, Term};
use llmops_core::learning::TermState;
use llmops_core::text::visible_controls;

/// Longest hint message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// Longest hover, in characters of Markdown.
pub const MAX_HOVER_CHARS: usize = 12_000;
/// Aliases listed in a hover; the rest are counted.
const HOVER_ALIASES: usize = 16;
/// Most usage examples a hover shows (a pack may give 8; the term page
/// shows them all).
const HOVER_EXAMPLES: usize = 3;

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

use crate::protocol::{OPEN_EXERCISE, TERM_PAGE};

/// Columns a hover paragraph is wrapped at. Markdown renderers that reflow
/// (VS Code) join the lines again; terminal clients (Neovim) show them as
/// they are, so this keeps the hover readable in an 80-column terminal.
pub const HOVER_WIDTH: usize = 76;

/// Escapes pack text for use inside a Markdown paragraph, so that it renders
/// literally, with as few backslashes as possible: terminal clients show
/// the Markdown source, so `first-token` must stay `first-token`.
///
/// Pack text may come from any cloned repository, so it is untrusted: it
/// cannot open links or images (`[`/`]` escaped), HTML or autolinks (`<`
/// before a tag or scheme), entities, code spans or emphasis. What would
/// start a block (a list, heading, quote) only matters at the start of a
/// line, which [`wrap_paragraph`] takes care of.
pub fn escape_markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '`' | '*' | '[' | ']' | '|' => true,
            // A backslash before punctuation is an escape itself; one at
            // the end or before a space would escape what we write next
            // (our `]`, or a line break that [`wrap_paragraph`] puts there,
            // which it would turn into a hard break).
            '\\' => next.is_none_or(|n| n.is_ascii_punctuation() || n.is_whitespace()),
            // Intraword underscores (`ttft_ms`) never mark emphasis.
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            // A tag, a comment or an autolink starts with `<` and one of these.
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            // An entity (`&amp;`, `&#60;`) needs a name or `#` then `;`.
            '&' => looks_like_entity(&chars[i + 1..]),
            // `~~` strikes through.
            '~' => prev == Some('~') || next == Some('~'),
            // GFM autolinks (marked, which VS Code renders hovers with):
            // `scheme://`, `www.` and e-mail addresses become links in
            // plain text. One escape breaks each pattern and renders as
            // nothing; Neovim conceals it.
            '/' => prev == Some(':') && next == Some('/'),
            '.' => {
                i >= 3
                    && chars[i - 3..i]
                        .iter()
                        .collect::<String>()
                        .eq_ignore_ascii_case("www")
            }
            '@' => prev.is_some_and(is_email_local) && starts_email_domain(&chars[i + 1..]),
            _ => false,
        };
        match c {
            '\r' | '\n' => out.push(' '),
            _ => {
                if escape {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// A character of an e-mail address before its `@`, as GFM autolinks see it.
fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')
}

/// Whether `rest` (after an `@`) starts a domain GFM would autolink: a
/// label, a dot, then a letter or digit.
fn starts_email_domain(rest: &[char]) -> bool {
    let label = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .count();
    label > 0
        && rest.get(label) == Some(&'.')
        && rest.get(label + 1).is_some_and(char::is_ascii_alphanumeric)
}

fn looks_like_entity(rest: &[char]) -> bool {
    let body: Vec<char> = rest.iter().take(33).copied().collect();
    match body.iter().position(|&c| c == ';') {
        Some(end) if end > 0 => body[..end]
            .iter()
            .enumerate()
            .all(|(i, &c)| c.is_ascii_alphanumeric() || (i == 0 && c == '#')),
        _ => false,
    }
}

/// True when `word` at the start of a line would open a block instead of
/// continuing the paragraph: a list item, heading, quote, thematic break,
/// setext underline or fence.
fn opens_block(word: &str) -> bool {
    let all = |set: &[char]| !word.is_empty() && word.chars().all(|c| set.contains(&c));
    word.starts_with('>')
        || matches!(word, "-" | "+" | "*")
        || (word.starts_with('#') && word.len() <= 6 && all(&['#']))
        || all(&['-'])
        || all(&['='])
        || all(&['_'])
        || word.starts_with("~~~")
        || word.starts_with("```")
        || {
            let digits = word.trim_end_matches(['.', ')']);
            digits.len() < word.len()
                && word.len() - digits.len() == 1
                && !digits.is_empty()
                && digits.len() <= 9
                && digits.chars().all(|c| c.is_ascii_digit())
        }
}

/// Wraps one Markdown paragraph (already escaped) at `width` columns with
/// soft line breaks. A word that would open a block at the start of a line
/// stays on the line before (the paragraph's first word gets a backslash).
pub fn wrap_paragraph(md: &str, width: usize) -> String {
    let mut out = String::with_capacity(md.len() + 8);
    let mut line_len = 0;
    for word in md.split_whitespace() {
        let len = word.chars().count();
        if out.is_empty() {
            if opens_block(word) {
                out.push('\\');
                line_len += 1;
            }
        } else if line_len + 1 + len > width && !opens_block(word) {
            out.push('\n');
            line_len = 0;
        } else {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

/// A `command:` link to one of our commands with one object argument.
/// Its `label` is always our own fixed words, never pack text. Ids come
/// from packs, so they are encoded like everything else.
pub(crate) fn command_link(label: &'static str, command: &str, key: &str, id: &str) -> String {
    command_link_with(label, command, serde_json::json!({ key: id }))
}

/// A `command:` link with one object argument, encoded as in
/// [`command_link`]: whatever text the argument holds (a line of the
/// learner's file) stays inside the encoded target. Its `label` is our own
/// fixed words too.
fn command_link_with(label: &'static str, command: &str, argument: serde_json::Value) -> String {
    let args = serde_json::Value::Array(vec![argument]).to_string();
    // Everything but letters and digits is encoded: no `)` or space can
    // end the link target early. (VS Code decodes the argument as JSON.)
    let encoded = percent_encoding::utf8_percent_encode(&args, percent_encoding::NON_ALPHANUMERIC);
    format!("[{label}](command:{command}?{encoded})")
}

/// A term's name as shown to people: names stay as written for matching,
/// so their invisible controls are marked on the way out (definitions and
/// other prose are marked when the pack loads).
pub fn shown_name(term: &Term) -> Cow<'_, str> {
    visible_controls(&term.name)
}

/// Marks invisible controls in every string of a command's result. Command
/// results carry pack text in many fields (exercise views, lists, generated
/// questions whose choices are term names, term pages); marking them all at
/// this one exit keeps a new field from leaking raw controls. Ids are
/// letters, digits, `-`, `_` and `.` (checked at load), so none changes.
pub fn mark_invisible_in_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(marked) = visible_controls(s) {
                *s = marked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mark_invisible_in_json),
        Value::Object(fields) => fields.values_mut().for_each(mark_invisible_in_json),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The message of a term's diagnostic: the term's name and a few words.
/// Editors show it inline and in problem lists; the definition is in the
/// hover, so it is not repeated here.
pub fn diagnostic_message(term: &Term, state: TermState) -> String {
    let name = shown_name(term);
    let message = if state == TermState::Due {
        format!("Review due: {name}")
    } else {
        format!("{name} (LLMOps term)")
    };
    truncate_chars(&message, MAX_MESSAGE_CHARS).into_owned()
}

/// The message of an avoided phrase's diagnostic: the team's word for it.
pub fn avoid_message(term: &Term) -> String {
    let message = format!("Team vocabulary: say '{}'", shown_name(term));
    truncate_chars(&message, MAX_MESSAGE_CHARS).into_owned()
}

/// What the client can do with a hover's links.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoverLinks<'a> {
    /// The client runs `command:` links to our commands (VS Code with a
    /// trusted hover; the shim says so in `initializationOptions`). Others
    /// get plain text: a terminal shows a link's target, and a long one
    /// breaks the lines around it.
    pub commands: bool,
    /// The spot hovered, which the Learn link passes on as `from` so the
    /// exercise starts with it (see [`crate::origin`]).
    pub from: Option<&'a crate::origin::From>,
}

/// The hover for a term: name, aliases, definition, related terms and the
/// exercise that teaches it, each paragraph wrapped at [`HOVER_WIDTH`].
pub fn hover_markdown(
    content: &Content,
    term: &Term,
    completed: Option<bool>,
    state: TermState,
    links: HoverLinks<'_>,
) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(text));
    let mut paragraphs = vec![term_title(term)];
    // The way to practise, right under the title in every client: a
    // terminal float is cut at the screen's edge (a long definition at 80x24
    // hid it) and VS Code's hover beside the exercise panel scrolled it out
    // of view; `Learn` must stay in view.
    let mut learn = Vec::new();
    if let Some(exercise) = term.exercise.as_deref().and_then(|id| content.exercise(id)) {
        let status = match completed {
            Some(true) => " (completed ✓)",
            _ => "",
        };
        let practise = practise(links, "exerciseId", &exercise.id, &shown(&term.name));
        learn.push(wrap_paragraph(
            &format!(
                "Exercise: *{}*{status} · {practise}",
                escape_markdown(&exercise.title)
            ),
            HOVER_WIDTH,
        ));
    } else if content.exercise_for_term(&term.id).is_some() {
        let practise = practise(links, "termId", &term.id, &shown(&term.name));
        learn.push(wrap_paragraph(
            &format!("A question made from the glossary · {practise}"),
            HOVER_WIDTH,
        ));
    }
    if !learn.is_empty() {
        paragraphs.append(&mut learn);
        paragraphs.push("---".to_string());
    }
    paragraphs.push(wrap_paragraph(
        &escape_markdown(&term.definition),
        HOVER_WIDTH,
    ));
    for example in term.examples.iter().take(HOVER_EXAMPLES) {
        // Prose was marked at load; quoted, escaped like every pack text.
        paragraphs.push(wrap_paragraph(
            &format!("> *e.g.* {}", escape_markdown(example)),
            HOVER_WIDTH,
        ));
    }
    let related_terms: Vec<&Term> = term
        .related
        .iter()
        .filter_map(|id| content.term(id))
        .collect();
    let mut related: Vec<String> = related_terms
        .iter()
        .take(HOVER_ALIASES)
        .map(|t| {
            let name = shown(&t.name);
            if links.commands {
                // The name beside the link, never inside it: link text is
                // parsed again by some renderers (marked unescapes `\[` in
                // it), so pack text there could nest a link of its own.
                format!(
                    "{name} ({})",
                    command_link("open", TERM_PAGE, "termId", &t.id)
                )
            } else {
                name
            }
        })
        .collect();
    if related_terms.len() > HOVER_ALIASES {
        related.push(format!("{} more", related_terms.len() - HOVER_ALIASES));
    }
    if !related.is_empty() {
        paragraphs.push(wrap_paragraph(
            &format!("Related: {}", related.join(", ")),
            HOVER_WIDTH,
        ));
    }
    match state {
        TermState::Due => {
            paragraphs.push("Review due: answer its exercise again to keep it fresh.".into())
        }
        TermState::Known => paragraphs.push("You know this term; its hints are hidden.".into()),
        _ => {}
    }
    fit_paragraphs(&paragraphs, MAX_HOVER_CHARS)
}

/// A term's hover title: its name and aliases, wrapped.
fn term_title(term: &Term) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(text));
    let mut title = format!("**{}**", shown(&term.name));
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
        title.push_str(&format!(" · also: {}", aliases.join(", ")));
    }
    wrap_paragraph(&title, HOVER_WIDTH)
}

/// Longest definition summary in a pack author's hover, in characters.
const SUMMARY_CHARS: usize = 280;

/// A definition's first sentence, capped at [`SUMMARY_CHARS`]: a pack
/// author hovering an id wants to know which term it is, not to read it.
pub fn summary(definition: &str) -> Cow<'_, str> {
    let end = definition
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && definition[i + 1..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map_or(definition.len(), |(i, c)| i + c.len_utf8());
    truncate_chars(definition[..end].trim(), SUMMARY_CHARS)
}

/// The hover on a term id inside a pack file (`related`, `term`,
/// `vocabulary`): the term's title, the start of its definition and where
/// it is defined (`place`, plain text naming files). No links: the author
/// follows the id with go to definition.
pub fn term_id_hover(content: &Content, term: &Term, place: &str) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(text));
    let mut paragraphs = vec![term_title(term)];
    paragraphs.push(wrap_paragraph(
        &escape_markdown(&summary(&term.definition)),
        HOVER_WIDTH,
    ));
    let mut defined = format!("Term *{}*, defined in {}", shown(&term.id), shown(place));
    if let Some(module) = term.module.as_deref().and_then(|id| content.module(id)) {
        defined.push_str(&format!(" · module *{}*", shown(&module.name)));
    }
    paragraphs.push(wrap_paragraph(&defined, HOVER_WIDTH));
    if let Some(exercise) = term.exercise.as_deref().and_then(|id| content.exercise(id)) {
        paragraphs.push(wrap_paragraph(
            &format!("Exercise: *{}*", shown(&exercise.title)),
            HOVER_WIDTH,
        ));
    }
    fit_paragraphs(&paragraphs, MAX_HOVER_CHARS)
}

/// The hover on an exercise id inside a pack file: its title, its term and
/// where it is defined (`place`, plain text naming files).
pub fn exercise_id_hover(content: &Content, exercise: &Exercise, place: &str) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(text));
    let mut paragraphs = vec![wrap_paragraph(
        &format!("**{}**", shown(&exercise.title)),
        HOVER_WIDTH,
    )];
    if let Some(term) = content.term(&exercise.term) {
        paragraphs.push(wrap_paragraph(
            &format!("An exercise on *{}*", shown(&term.name)),
            HOVER_WIDTH,
        ));
    }
    let what = if exercise.generated {
        "Made from the glossary entry in"
    } else {
        "Defined in"
    };
    paragraphs.push(wrap_paragraph(
        &format!(
            "Exercise *{}*, {} {}",
            shown(&exercise.id),
            what.to_lowercase(),
            shown(place)
        ),
        HOVER_WIDTH,
    ));
    fit_paragraphs(&paragraphs, MAX_HOVER_CHARS)
}

/// What an `imports` entry brings, for its hover: each file it names (as
/// shown: relative to the workspace folder), with the terms and exercises
/// in use from it; or why it names none. File names and the entry are the
/// workspace's, so they are escaped like pack text and never form a link.
pub fn import_hover(entry: &str, files: Result<&[(String, usize, usize)], &str>) -> String {
    let shown = |text: &str| escape_markdown(&visible_controls(&truncate_chars(text, 200)));
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut paragraphs = Vec::new();
    match files {
        Err(why) => paragraphs.push(format!(
            "The import *{}* names no pack: {}.",
            shown(entry),
            shown(why)
        )),
        Ok([]) => paragraphs.push(format!("The import *{}* matches no file.", shown(entry))),
        Ok(files) => {
            paragraphs.push(format!(
                "The import *{}* brings in {}:",
                shown(entry),
                plural(files.len(), "pack file")
            ));
            let lines: Vec<String> = files
                .iter()
                .take(MAX_LISTED_IMPORTS)
                .map(|(file, terms, exercises)| {
                    format!(
                        "- *{}*: {}, {} in use",
                        shown(file),
                        plural(*terms, "term"),
                        plural(*exercises, "exercise")
                    )
                })
                .collect();
            let mut list = lines.join("\n");
            if files.len() > MAX_LISTED_IMPORTS {
                list.push_str(&format!(
                    "\n- and {} more",
                    files.len() - MAX_LISTED_IMPORTS
                ));
            }
            paragraphs.push(list);
        }
    }
    paragraphs.join("\n\n")
}

/// Most files an import's hover lists.
const MAX_LISTED_IMPORTS: usize = 12;

/// The hover on an id no pack the file sees defines (`kind`: "term" or
/// "exercise"); the id is what the pack author typed, escaped.
pub fn unknown_id_hover(kind: &str, id: &str) -> String {
    let id = truncate_chars(id, 100);
    wrap_paragraph(
        &format!(
            "No pack this file sees defines the {kind} *{}*.",
            escape_markdown(&visible_controls(&id))
        ),
        HOVER_WIDTH,
    )
}

/// How a hover offers the exercise: a `Learn` link opening it by `key`
/// (`exerciseId` or `termId`), or for clients without command links the
/// code action's name (`name` already escaped).
fn practise(links: HoverLinks<'_>, key: &str, id: &str, name: &str) -> String {
    if links.commands {
        let mut argument = serde_json::json!({ key: id });
        if let (Some(from), Some(fields)) = (links.from, argument.as_object_mut())
            && let Ok(from) = serde_json::to_value(from)
        {
            fields.insert("from".into(), from);
        }
        command_link_with("Learn", OPEN_EXERCISE, argument)
    } else {
        format!("use the code action **Learn: {name}**")
    }
}

/// Joins Markdown paragraphs within `max` characters. Whole paragraphs are
/// kept or left out, so a cut never falls inside a link or an emphasis; only
/// a paragraph of plain text (no link) is cut, with `…`.
fn fit_paragraphs(paragraphs: &[String], max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for paragraph in paragraphs {
        let sep = if out.is_empty() { 0 } else { 2 };
        let len = paragraph.chars().count();
        if used + sep + len <= max {
            if sep > 0 {
                out.push_str("\n\n");
            }
            out.push_str(paragraph);
            used += sep + len;
            continue;
        }
        let room = max.saturating_sub(used + sep);
        if !paragraph.contains("](") && room > 1 {
            if sep > 0 {
                out.push_str("\n\n");
            }
            out.push_str(&truncate_chars(paragraph, room));
        } else if room >= 1 {
            // A paragraph of its own says that more was left out.
            if sep > 0 {
                out.push_str("\n\n");
            }
            out.push('…');
        }
        break;
    }
    out
}

/// Test helper: `md` renders (pulldown-cmark, every extension) with no
/// link, image or HTML, whatever pack or workspace text it quotes.
#[cfg(test)]
pub(crate) fn assert_forms_no_link(md: &str) {
    use pulldown_cmark::{Event, Parser, Tag};
    for event in Parser::new_ext(md, pulldown_cmark::Options::all()) {
        assert!(
            !matches!(
                event,
                Event::Start(Tag::Link { .. } | Tag::Image { .. })
                    | Event::Html(_)
                    | Event::InlineHtml(_)
            ),
            "{event:?} in\n{md}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    /// What a CommonMark/GFM renderer makes of `md`: its events.
    fn events(md: &str) -> Vec<Event<'_>> {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES;
        Parser::new_ext(md, options).collect()
    }

    /// The text a reader sees, with soft breaks as spaces.
    fn rendered_text(md: &str) -> String {
        let mut out = String::new();
        for event in events(md) {
            match event {
                Event::Text(t) | Event::Code(t) => out.push_str(&t),
                Event::SoftBreak | Event::HardBreak => out.push(' '),
                _ => {}
            }
        }
        out
    }

    /// Pack text that tries everything: links, images, HTML, entities, code,
    /// emphasis, strikethrough, tables, and block starts after wrapping.
    const EVIL: &str = "![x](https://evil.example/a.png) [run](command:workbench.action.terminal.new) \
        <img src=x onerror=alert(1)> <https://evil.example> &amp; &#60; `code` *em* __strong__ ~~gone~~ \
        | a | b | [^1] C:\\path \\* - + # > 1. 2) --- === ___ ```";

    #[test]
    fn pack_text_renders_literally_in_one_paragraph() {
        for width in [8, 20, HOVER_WIDTH, 1000] {
            let md = wrap_paragraph(&escape_markdown(EVIL), width);
            for event in events(&md) {
                match event {
                    Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
                    Event::Text(_) | Event::SoftBreak => {}
                    other => panic!("width {width}: {other:?} in\n{md}"),
                }
            }
            let expected: Vec<&str> = EVIL.split_whitespace().collect();
            let seen = rendered_text(&md);
            let seen: Vec<&str> = seen.split_whitespace().collect();
            assert_eq!(seen, expected, "width {width}:\n{md}");
        }
    }

    #[test]
    fn summaries_are_the_first_sentence_capped() {
        assert_eq!(summary("A proxy. It caches."), "A proxy.");
        // A dot inside a number or a name ends nothing.
        assert_eq!(
            summary("Version 1.5 of it! Then more"),
            "Version 1.5 of it!"
        );
        assert_eq!(summary("No stop at all"), "No stop at all");
        let long = summary(&"x".repeat(1000)).chars().count();
        assert_eq!(long, SUMMARY_CHARS);
    }

    #[test]
    fn messages_are_capped_and_show_hidden_characters() {
        let term = Term {
            id: "t".into(),
            name: format!("evil\u{202E}name{}", "x".repeat(1_000_000)),
            aliases: Vec::new(),
            definition: "x".into(),
            related: Vec::new(),
            exercise: None,
            context: None,
            not_in: Vec::new(),
            not_near: Vec::new(),
            module: None,
            avoid: Vec::new(),
            examples: Vec::new(),
            origin: Default::default(),
        };
        for state in [TermState::New, TermState::Due] {
            let message = diagnostic_message(&term, state);
            assert!(
                message.chars().count() <= MAX_MESSAGE_CHARS,
                "{}",
                message.len()
            );
            assert!(message.contains("evil⟨U+202E⟩namexxx"), "{message}");
            assert!(message.ends_with('…'));
        }
        assert_eq!(truncate_chars("héllo", 5), "héllo");
        assert_eq!(truncate_chars("héllo", 3), "hé…");
    }

    /// A hover over the cap keeps whole paragraphs: links are never cut,
    /// only plain text is, and the result stays within the cap.
    #[test]
    fn hovers_over_the_cap_keep_links_whole() {
        let link = |i: usize| {
            format!("[Term {i}](command:llmops.termPage?%7B%22termId%22%3A%22t{i}%22%7D)")
        };
        let links: Vec<String> = (0..40).map(link).collect();
        let paragraphs = vec![
            "**Title**".to_string(),
            "d".repeat(50),
            format!("Related: {}", links.join(", ")),
            "Review due.".to_string(),
        ];
        let md = fit_paragraphs(&paragraphs, 200);
        assert_eq!(md, format!("**Title**\n\n{}\n\n…", "d".repeat(50)));
        let md = fit_paragraphs(&paragraphs, 30);
        assert_eq!(md.chars().count(), 30, "{md}");
        assert!(
            md.starts_with("**Title**\n\nddd") && md.ends_with('…'),
            "{md}"
        );
        let all = fit_paragraphs(&paragraphs, 100_000);
        assert_eq!(all, paragraphs.join("\n\n"));
        // At the cap where the links paragraph just fits, all 40 links are
        // written and a renderer sees each; one character less and the
        // paragraph goes whole (a "…" paragraph instead), never half-written.
        let links_seen = |text: &str| {
            events(text)
                .iter()
                .filter(|e| matches!(e, Event::Start(Tag::Link { .. })))
                .count()
        };
        let fits = paragraphs[..3].join("\n\n").chars().count();
        let text = fit_paragraphs(&paragraphs, fits);
        assert_eq!(links_seen(&text), 40, "{text}");
        assert_eq!(text.matches("](command:").count(), 40);
        let text = fit_paragraphs(&paragraphs, fits - 1);
        assert_eq!(links_seen(&text), 0, "{text}");
        assert!(
            !text.contains("](command:") && text.ends_with("\n\n…"),
            "{text}"
        );
    }

    #[test]
    fn every_string_of_a_command_result_is_marked() {
        let mut value = serde_json::json!({
            "id": "plain-id",
            "choices": [{"text": "a\u{200B}b"}, {"text": "ok"}],
            "nested": {"name": "x\u{202E}y", "n": 3, "b": true, "z": null}
        });
        mark_invisible_in_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "id": "plain-id",
                "choices": [{"text": "a⟨U+200B⟩b"}, {"text": "ok"}],
                "nested": {"name": "x⟨U+202E⟩y", "n": 3, "b": true, "z": null}
            })
        );
    }

    #[test]
    fn ordinary_text_gets_no_backslashes() {
        let text = "The first-token latency (TTFT) isn't 'champion' vs. \"challenger\": ttft_ms, p99 < 500 ms, R&D, ~100 ms, 3.5 s.";
        assert_eq!(escape_markdown(text), text);
    }

    #[test]
    fn paragraphs_wrap_at_the_width_without_breaking_words() {
        let text = "The delay between sending a request and receiving the first generated token. In streaming interfaces it is the wait users notice most; it covers queueing, network overhead and the prefill pass over the prompt.";
        let md = wrap_paragraph(&escape_markdown(text), HOVER_WIDTH);
        assert!(md.lines().count() >= 3, "{md}");
        for line in md.lines() {
            assert!(line.chars().count() <= HOVER_WIDTH, "{line}");
        }
        assert_eq!(rendered_text(&md), text);
    }

    fn builtin() -> Content {
        Content::builtin().expect("built-in content")
    }

    #[test]
    fn hover_for_terminals_has_no_links_and_fits_80_columns() {
        let content = &builtin();
        let ttft = content.term("ttft").expect("ttft");
        let md = hover_markdown(
            content,
            ttft,
            Some(false),
            TermState::New,
            HoverLinks::default(),
        );
        assert!(
            !md.contains("file://") && !md.contains("command:") && !md.contains("]("),
            "{md}"
        );
        assert!(
            !md.contains("\\-") && !md.contains("\\.") && !md.contains("\\'"),
            "{md}"
        );
        for line in md.lines() {
            assert!(line.chars().count() <= HOVER_WIDTH, "{line}");
        }
        assert!(
            md.replace('\n', " ")
                .contains("use the code action **Learn: Time to first token**"),
            "{md}"
        );
        let related = content.term(&ttft.related[0]).expect("related term");
        assert!(rendered_text(&md).contains(&related.name), "{md}");
    }

    #[test]
    fn hovers_offer_learn_under_the_title() {
        // A terminal float is cut at the screen's edge: at 80x24 the KV
        // cache hover's last lines were hidden, so Learn comes second.
        // VS Code's hover beside the panel scrolled it out of view too.
        let content = &builtin();
        let kv = content.term("kv-cache").expect("kv-cache");
        let md = hover_markdown(content, kv, None, TermState::New, HoverLinks::default());
        let lines: Vec<&str> = md.lines().collect();
        let learn = lines
            .iter()
            .position(|l| l.contains("use the code action"))
            .expect("no Learn line");
        assert!(learn <= 3, "Learn on line {learn}:\n{md}");
        let definition_start: String = kv.definition.chars().take(20).collect();
        let definition = md.find(&definition_start).expect("no definition");
        assert!(
            md.find("use the code action").expect("learn") < definition,
            "{md}"
        );
        // With command links (VS Code) too, before the definition.
        let linked = hover_markdown(
            content,
            kv,
            None,
            TermState::New,
            HoverLinks {
                commands: true,
                from: None,
            },
        );
        assert!(
            linked.find("[Learn]").expect("learn") < linked.find(&definition_start).expect("def"),
            "{linked}"
        );
    }

    #[test]
    fn hover_with_command_links_links_only_our_commands() {
        let content = &builtin();
        let ttft = content.term("ttft").expect("ttft");
        let md = hover_markdown(
            content,
            ttft,
            None,
            TermState::New,
            HoverLinks {
                commands: true,
                ..HoverLinks::default()
            },
        );
        let mut targets = Vec::new();
        for event in events(&md) {
            if let Event::Start(Tag::Link { dest_url, .. }) = event {
                targets.push(dest_url.to_string());
            }
        }
        assert_eq!(targets.len(), ttft.related.len() + 1, "{md}");
        let decode = |t: &str, prefix: &str| -> serde_json::Value {
            let arg = t.strip_prefix(prefix).unwrap_or_else(|| panic!("{t}"));
            let json = percent_encoding::percent_decode_str(arg)
                .decode_utf8()
                .expect("utf-8");
            serde_json::from_str(&json).expect("json")
        };
        // Learn first (under the title), then the related terms.
        let (learn, related) = targets.split_first().expect("learn");
        for (target, id) in related.iter().zip(&ttft.related) {
            let arg = decode(target, "command:llmops.termPage?");
            assert_eq!(arg, serde_json::json!([{ "termId": id }]));
        }
        let learn = decode(learn, "command:llmops.openExercise?");
        assert_eq!(
            learn,
            serde_json::json!([{ "exerciseId": ttft.exercise.clone().expect("exercise") }])
        );
    }

    /// The built-in content with the hostile pack of
    /// `tests/fixtures/hostile/markdown.toml` over it.
    fn hostile() -> Content {
        use llmops_core::content::{Pack, Scope, builtin_packs};
        let mut packs = builtin_packs().expect("built-in packs");
        let source = include_str!("../../tests/fixtures/hostile/markdown.toml");
        packs.push(Pack::parse("markdown.toml", Scope::Workspace, source).expect("hostile pack"));
        let (content, errors) = Content::merge(&packs);
        assert!(errors.is_empty(), "{errors:?}");
        content
    }

    /// Hovers of terms whose names, aliases, definitions, related names and
    /// exercise titles try links, images, HTML and autolinks: a CommonMark
    /// renderer sees only our links (with our words as their text) and no
    /// image or HTML; the GFM autolink patterns are broken by an escape.
    /// An import's hover quotes the workspace's file names and the typed
    /// entry: none of them forms a link, an image or HTML, and they still
    /// read as written.
    #[test]
    fn import_hovers_quote_file_names_without_links() {
        let files = [
            ("[x](https://evil.example/a).toml".to_string(), 2, 1),
            ("![i](https://evil.example/p.png).toml".to_string(), 0, 0),
            ("<b>bold</b>.toml".to_string(), 1, 1),
        ];
        for md in [
            import_hover("[e](https://evil.example)/*.toml", Ok(&files)),
            import_hover(
                "<i>x</i>",
                Err("[w](https://evil.example) cannot be opened"),
            ),
            import_hover("![p](https://evil.example/p.png)", Ok(&[])),
        ] {
            assert_forms_no_link(&md);
        }
        let md = import_hover("team/*.toml", Ok(&files));
        let text = rendered_text(&md);
        assert!(text.contains("brings in 3 pack files"), "{text}");
        assert!(
            text.contains("[x](https://evil.example/a).toml: 2 terms, 1 exercise in use"),
            "{text}"
        );
    }

    #[test]
    fn pack_text_forms_no_link_image_or_html_in_hovers() {
        let content = hostile();
        let mut checked = 0;
        for id in ["sso", "img", "bs", "cmd", "auto"] {
            let term = content.term(id).expect("hostile term");
            for commands in [true, false] {
                let md = hover_markdown(
                    &content,
                    term,
                    None,
                    TermState::New,
                    HoverLinks {
                        commands,
                        from: None,
                    },
                );
                let mut in_link = false;
                let mut links = 0;
                for event in events(&md) {
                    match event {
                        Event::Start(Tag::Link { dest_url, .. }) => {
                            assert!(commands, "{id}: a link without command links: {md}");
                            assert!(
                                dest_url.starts_with(
                                    "command:llmops.termPage?%5B%7B%22termId%22%3A%22"
                                ) || dest_url.starts_with(
                                    "command:llmops.openExercise?%5B%7B%22exerciseId%22%3A%22"
                                ) || dest_url.starts_with(
                                    "command:llmops.openExercise?%5B%7B%22termId%22%3A%22"
                                ),
                                "{id}: {dest_url} in\n{md}"
                            );
                            in_link = true;
                            links += 1;
                        }
                        Event::End(TagEnd::Link) => in_link = false,
                        Event::Text(text) if in_link => {
                            assert!(
                                matches!(&*text, "open" | "Learn"),
                                "{id}: link text {text:?}"
                            )
                        }
                        Event::Start(Tag::Image { .. }) | Event::Html(_) | Event::InlineHtml(_) => {
                            panic!("{id}: {event:?} in\n{md}")
                        }
                        _ => {}
                    }
                }
                let related = term
                    .related
                    .iter()
                    .filter(|r| content.term(r).is_some())
                    .count();
                let learn = usize::from(
                    term.exercise.is_some() || content.exercise_for_term(&term.id).is_some(),
                );
                assert_eq!(
                    links,
                    if commands { related + learn } else { 0 },
                    "{id}: {md}"
                );
                let lower = md.to_lowercase();
                for autolink in ["://", "www.", "mail@", "z@evil"] {
                    assert!(!lower.contains(autolink), "{id}: {autolink} in\n{md}");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 10);
        // The names still read as written.
        let sso = content.term("sso").expect("sso");
        let md = hover_markdown(
            &content,
            sso,
            None,
            TermState::New,
            HoverLinks {
                commands: true,
                from: None,
            },
        );
        let text = rendered_text(&md);
        assert!(
            text.contains("Renew your \\[SSO session\\](https://evil.example/login)"),
            "{text}"
        );
        assert!(text.contains("Ends in a backslash\\ (open)"), "{text}");
        assert!(
            text.contains("![x](https://evil.example/p.png) (open)"),
            "{text}"
        );
    }

    #[test]
    fn diagnostic_messages_are_short() {
        let content = &builtin();
        for t in &content.terms {
            for state in [TermState::New, TermState::Due] {
                let message = diagnostic_message(t, state);
                assert!(message.contains(&t.name), "{message}");
                assert!(
                    message.chars().count() <= t.name.chars().count() + 16,
                    "{message}"
                );
            }
        }
    }
}
