//! The glossary and exercises as the rest of the program sees them.
//!
//! The serde derives are for the compact form of the built-in course the
//! server embeds (`compile_builtin`, postcard: field order, no names), not
//! for any format people write or read.

use std::sync::Arc;

/// Where a piece of content was defined, so errors and "go to definition"
/// can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    /// Path of the pack file (`builtin:content/builtin/<module>.toml` for the embedded files).
    pub pack: Arc<str>,
    /// Zero-based line and UTF-8 column of the definition's `id` value.
    pub line: u32,
    pub column: u32,
}

/// A unit of the course a learner can finish on its own ("Latency 4 / 12").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Module {
    pub id: String,
    pub name: String,
    /// Position in the course; modules are listed by it, then by id.
    pub order: i64,
    pub summary: String,
    pub origin: Origin,
}

/// A glossary entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub definition: String,
    pub related: Vec<String>,
    /// The module the term belongs to (required for built-in terms).
    pub module: Option<String>,
    /// The older way to link an exercise, still accepted in team packs:
    /// the named exercise is offered for this term too.
    pub exercise: Option<String>,
    /// The setting the term's phrases need around them to mean the term, when
    /// they are also common words outside that setting ("feature flag" is a
    /// Cargo feature in most Rust code). `None`: the phrase always means it.
    pub context: Option<TermContext>,
    /// Phrases the team does not want used for this term (`avoid`, and
    /// aliases marked `deprecated`): spotted like its phrases, flagged as a
    /// warning with a quick fix that says the term's name instead.
    pub avoid: Vec<String>,
    /// Usage sentences (`examples`), shown in the hover and on the term page.
    pub examples: Vec<String>,
    /// Identifiers in which the term's phrases name something else
    /// (`PromptCache`, a store of prompt objects, is not prompt caching): a
    /// hit inside an identifier that contains one of these, case-sensitively,
    /// is not the term. Empty for most terms.
    pub not_in: Vec<String>,
    /// Words that, on the hit's line and near it, show the phrase names
    /// something else (a graph router choosing the next `node` is not model
    /// routing; a context size counted in `chunks` is not a context window).
    /// Empty for most terms.
    pub not_near: Vec<String>,
    pub origin: Origin,
}

/// A setting a term's phrases only mean the term in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TermContext {
    /// The surrounding text or project is about large language models.
    Llm,
}

impl TermContext {
    /// Every value the pack format accepts, as written in a pack.
    pub const ALL: &'static [(&'static str, TermContext)] = &[("llm", TermContext::Llm)];

    /// Parses the pack spelling (`"llm"`).
    pub fn parse(value: &str) -> Option<TermContext> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == value)
            .map(|&(_, context)| context)
    }

    /// The pack spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TermContext::Llm => "llm",
        }
    }
}

/// A multiple-choice exercise.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exercise {
    pub id: String,
    pub term: String,
    pub title: String,
    pub scenario: String,
    pub question: String,
    pub choices: Vec<String>,
    /// Index into `choices`; never sent to a client before an answer.
    pub answer: usize,
    /// Why each choice is right or wrong, parallel to `choices`; empty when
    /// the pack gives none.
    pub why: Vec<String>,
    pub explanation: String,
    /// Term ids of the key vocabulary the exercise teaches.
    pub vocabulary: Vec<String>,
    /// Code, config, a trace or a log excerpt the question is about, shown
    /// as a fenced block in its language.
    #[serde(with = "compact_snippet")]
    pub snippet: Option<Snippet>,
    /// Made by the engine from the glossary, not written in a pack.
    pub generated: bool,
    pub origin: Origin,
}

/// A piece of code or configuration an exercise is built on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    /// A fenced-block language (`python`, `typescript`, `yaml`, `json`,
    /// `toml`, `bash`, `text`, `log`…): editors highlight by it.
    pub language: String,
    /// The code, without a trailing newline; never reflowed.
    pub code: String,
    /// Where such code would live (`app/assistant.py`), shown above it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A snippet in the compact form, every field written: `Snippet`'s own
/// serialization (the editor's JSON) leaves out a missing caption, which a
/// format without field names cannot read back.
mod compact_snippet {
    use super::Snippet;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Fields = Option<(String, String, Option<String>)>;

    pub fn serialize<S: Serializer>(snippet: &Option<Snippet>, s: S) -> Result<S::Ok, S::Error> {
        let fields: Fields = snippet
            .as_ref()
            .map(|x| (x.language.clone(), x.code.clone(), x.caption.clone()));
        fields.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Snippet>, D::Error> {
        let fields = Fields::deserialize(d)?;
        Ok(fields.map(|(language, code, caption)| Snippet {
            language,
            code,
            caption,
        }))
    }
}

impl Term {
    /// The first sentence of the definition, for one-line listings.
    pub fn summary(&self) -> &str {
        let text = self.definition.trim();
        let mut search_from = 0;
        while let Some(i) = text[search_from..].find(". ") {
            let end = search_from + i + 1;
            // Skip abbreviations such as "e.g." and "i.e.".
            let word = text[..end - 1].rsplit(' ').next().unwrap_or("");
            if word.contains('.') || word.len() <= 1 {
                search_from = end;
                continue;
            }
            return &text[..end];
        }
        text
    }

    /// Name and aliases: every phrase the matcher looks for.
    pub fn phrases(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}
