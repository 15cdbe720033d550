//! Completion of term names while writing (setting `completion`, issue 20):
//! in prose, Markdown, comments and strings the names and aliases of the
//! content that applies to the document; in code the identifier forms of
//! those names in the case style of the identifier being typed.
//!
//! This decides what is offered; the server turns offers into LSP items.
//!
//! Cost of one request, with `L` the line prefix, `W` the words a span
//! reaches back ([`spot::MAX_SPAN_WORDS`]) and `P` the phrases of the
//! content: one walk of `L` for its zone (code, string or comment; none in
//! prose documents), [`spot::MAX_TYPED_BYTES`] read back from the cursor,
//! `W` binary searches of the sorted index (`O(W · log P · |key|)`), then
//! at most [`MAX_LOOKED_AT`] matching phrases written out. Nothing reads
//! the rest of the document or walks the glossary; the index is built once
//! per content, on the first request ([`crate::Content::completion_index`]).

pub mod index;
pub mod spot;

pub use index::{Found, Phrase, TermIndex};
pub use spot::{Mode, Span, Spot, letter_case, spot};

use crate::Content;
use crate::content::Term;

/// Most items in one answer.
pub const MAX_ITEMS: usize = 50;
/// Most matching phrases looked at per answer: phrases written the same
/// way (a name and an alias that differ in punctuation only) are offered
/// once, so a few more than [`MAX_ITEMS`] may be read.
pub const MAX_LOOKED_AT: usize = 4 * MAX_ITEMS;

/// One completion: `text` replaces the line prefix from `start` (a byte
/// offset in it) to the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer<'c> {
    pub term: &'c Term,
    /// The name or alias the offer writes.
    pub phrase: &'c str,
    pub alias: bool,
    pub text: String,
    pub start: usize,
}

/// What to offer at a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offers<'c> {
    pub items: Vec<Offer<'c>>,
    /// Ask again as the user types. Set whenever something is offered: the
    /// style of what is typed can change with the next key (`prompt` is
    /// snake or camel case only once `promptR` or `prompt_` is typed), and
    /// the list is cut at [`MAX_ITEMS`]; and when too little is typed yet.
    /// Not set when what is typed matches nothing: more letters will not.
    pub incomplete: bool,
}

/// The offers at the end of `prefix` (the cursor's line up to the cursor),
/// `after` being the character after the cursor, in a document of
/// `language` that sees `content`.
pub fn offers<'c>(
    content: &'c Content,
    prefix: &str,
    after: Option<char>,
    language: &str,
) -> Offers<'c> {
    let Some(spot) = spot(prefix, after, language) else {
        return Offers::default();
    };
    let index = content.completion_index();
    // A span too short to look up may match once more is typed; one that
    // matches nothing never will (keys only grow), so the client need not
    // ask again until a new word starts.
    let mut too_short = false;
    for span in &spot.spans {
        if span.chars < spot::MIN_TYPED_CHARS {
            // Spans are longest first: none after this one is longer.
            too_short = true;
            break;
        }
        let found = index.starting_with(&span.key);
        if found.len() == 0 {
            continue;
        }
        let (capital, upper) = letter_case(&prefix[span.start..]);
        let mut items: Vec<Offer<'c>> = Vec::new();
        for f in found.take(MAX_LOOKED_AT) {
            let Some(term) = content.terms.get(f.term as usize) else {
                continue;
            };
            let (phrase, alias) = match f.phrase {
                Phrase::Name => (term.name.as_str(), false),
                Phrase::Alias(i) => match term.aliases.get(i as usize) {
                    Some(a) => (a.as_str(), true),
                    None => continue,
                },
            };
            let text = match spot.mode {
                Mode::Prose => in_prose(phrase, capital, upper),
                Mode::Identifier(style) => style.apply(phrase),
            };
            if items.iter().any(|o| o.text == text) {
                continue;
            }
            items.push(Offer {
                term,
                phrase,
                alias,
                text,
                start: span.start,
            });
            if items.len() == MAX_ITEMS {
                break;
            }
        }
        return Offers {
            items,
            incomplete: true,
        };
    }
    Offers {
        items: Vec::new(),
        incomplete: too_short,
    }
}

/// A name written in prose as the typed words are cased: all capitals
/// when they are ("PROMPT RE" → "PROMPT REGISTRY"); otherwise as named,
/// with a sentence-cased first word ("Prompt registry") lowered when it is
/// typed in lower case mid-sentence and raised when typed capitalized.
/// Names with other capitals (`TTFT`, `vLLM`, `LangSmith`) stay as named.
fn in_prose(phrase: &str, capital: bool, upper: bool) -> String {
    if upper {
        return phrase.to_uppercase();
    }
    // The first word as written (`vLLM`, `A/B`), not its first atom.
    let first = phrase.split_whitespace().next().unwrap_or_default();
    let mut chars = phrase.chars();
    let Some(initial) = chars.next() else {
        return String::new();
    };
    let sentence_cased =
        first.chars().count() > 1 && !first.chars().skip(1).any(char::is_uppercase);
    let head: String = match (capital, initial.is_uppercase()) {
        (true, false) if sentence_cased => initial.to_uppercase().collect(),
        (false, true) if sentence_cased => initial.to_lowercase().collect(),
        _ => return phrase.to_string(),
    };
    head + chars.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Pack, Scope};

    fn texts(offers: &Offers<'_>) -> Vec<String> {
        offers.items.iter().map(|o| o.text.clone()).collect()
    }

    #[test]
    fn the_builtin_terms_are_offered_in_the_style_typed() {
        let content = Content::builtin().unwrap();
        let at = |prefix: &str, language: &str| offers(&content, prefix, None, language);
        let snake = at("registry = prompt_reg", "python");
        assert_eq!(texts(&snake)[0], "prompt_registry");
        assert!(texts(&snake).iter().all(|t| t.starts_with("prompt_reg")));
        assert!(texts(&snake).contains(&"prompt_regression_test".to_string()));
        assert_eq!(snake.items[0].start, "registry = ".len());
        assert_eq!(snake.items[0].term.id, "prompt-registry");
        assert_eq!(
            texts(&at("const r = promptRegi", "typescript")),
            ["promptRegistry"]
        );
        assert_eq!(texts(&at("if MODEL_AL", "python")), ["MODEL_ALIAS"]);
        let prose = at("Keep a prompt regi", "markdown");
        assert_eq!(texts(&prose), ["prompt registry"]);
        assert_eq!(prose.items[0].start, "Keep a ".len());
        assert!(prose.incomplete);
        // An alias is written as typed and names its term.
        let alias = at("the prompt st", "markdown");
        assert_eq!(texts(&alias), ["prompt store"]);
        assert!(alias.items[0].alias);
        // One letter is not enough; nothing matches nonsense.
        assert!(at("x = p", "python").items.is_empty());
        assert!(at("x = p", "python").incomplete);
        assert_eq!(at("x = qqzx", "python"), Offers::default());
    }

    #[test]
    fn answers_are_bounded_and_written_once() {
        let mut source = String::new();
        for i in 0..500 {
            source.push_str(&format!(
                "[[term]]\nid = \"wid-{i}\"\nname = \"widget {i:03}\"\naliases = [\"Widget-{i:03}\"]\ndefinition = \"d\"\n\n"
            ));
        }
        let pack = Pack::parse("big.toml", Scope::Workspace, &source).unwrap();
        let (content, errors) = Content::merge(&[pack]);
        assert!(errors.is_empty(), "{errors:?}");
        let found = offers(&content, "a widget", None, "markdown");
        assert_eq!(found.items.len(), MAX_ITEMS);
        assert!(found.incomplete);
        // The name and its alias write the same identifier: offered once.
        let code = offers(&content, "x = widget_00", None, "python");
        assert_eq!(
            texts(&code),
            (0..10).map(|i| format!("widget_00{i}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn prose_names_follow_the_case_of_what_is_typed() {
        assert_eq!(in_prose("Prompt registry", false, false), "prompt registry");
        assert_eq!(in_prose("Prompt registry", true, false), "Prompt registry");
        assert_eq!(in_prose("prompt registry", true, false), "Prompt registry");
        assert_eq!(in_prose("Prompt registry", true, true), "PROMPT REGISTRY");
        assert_eq!(in_prose("TTFT", false, false), "TTFT");
        assert_eq!(in_prose("vLLM", true, false), "vLLM");
        assert_eq!(in_prose("LangSmith", false, false), "LangSmith");
        assert_eq!(in_prose("A/B test", false, false), "A/B test");
    }
}
