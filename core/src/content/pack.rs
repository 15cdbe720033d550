//! Reading one content pack from TOML, with errors that name the path, line,
//! column and field, so a team can fix its pack without guessing.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;

use super::limits::{self, Newlines};
use super::model::{Exercise, Module, Origin, Snippet, Term, TermContext};
use crate::matcher::{atom_iter, phrase_key};
use crate::text::visible_controls;

mod practice;
pub(crate) use practice::compile as compile_practice_pattern;

/// Where a pack comes from. Packs of a later scope override terms and
/// exercises of an earlier one with the same id; inside one scope an id may
/// be defined once.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
pub enum Scope {
    Builtin,
    User,
    Workspace,
}

/// A problem in a pack, located in its source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    pub path: Arc<str>,
    /// Byte range in the pack's source.
    pub range: Range<usize>,
    /// One-based line and column (in characters), for people and CLIs.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for PackError {}

impl PackError {
    pub(crate) fn new(path: &Arc<str>, source: &str, range: Range<usize>, message: String) -> Self {
        Self::located(path, source, &Newlines::new(source), range, message)
    }

    /// An error about the pack as a whole (it could not be read), placed at
    /// its start.
    pub fn unlocated(path: &Arc<str>, message: String) -> Self {
        PackError {
            path: path.clone(),
            range: 0..0,
            line: 1,
            column: 1,
            message,
        }
    }

    /// Like [`new`](Self::new) with the source's newlines already indexed:
    /// logarithmic in the source plus the length of the error's line.
    pub(crate) fn located(
        path: &Arc<str>,
        source: &str,
        newlines: &Newlines,
        range: Range<usize>,
        message: String,
    ) -> Self {
        let start = range.start.min(source.len());
        let start = (0..=start)
            .rev()
            .find(|&i| source.is_char_boundary(i))
            .unwrap_or(0);
        let (line, line_start) = newlines.line_of(start);
        let line = line + 1;
        let column = source[line_start..start].chars().count() + 1;
        PackError {
            path: path.clone(),
            range: start..range.end.max(start).min(source.len()),
            line,
            column,
            message,
        }
    }
}

/// One parsed, self-consistent pack. Cross-pack references are checked when
/// packs are merged into [`Content`](super::Content).
///
/// Serialized only for the compact built-in course (see
/// [`compile_builtin`](super::compile_builtin)), without its source, which
/// is embedded beside it and put back when it is read.
#[derive(Clone, Debug, serde::Serialize, Deserialize)]
pub struct Pack {
    pub path: Arc<str>,
    pub scope: Scope,
    pub modules: Vec<Module>,
    pub terms: Vec<Term>,
    pub exercises: Vec<Exercise>,
    /// `[[practice]]` rules (see [`crate::practice`]).
    pub practices: Vec<crate::practice::Practice>,
    /// Spans of every reference, kept for the merge-time checks.
    pub(crate) references: Vec<Reference>,
    /// `imports`: patterns of other pack files, resolved by
    /// `crate::imports` (never in the built-in course).
    #[serde(skip)]
    pub imports: Vec<Import>,
    /// The source text, kept so merge-time errors can be located.
    #[serde(skip)]
    pub(crate) source: Arc<str>,
    #[serde(skip)]
    pub(crate) newlines: Arc<Newlines>,
}

/// One entry of a pack's `imports`: a path relative to the pack's folder,
/// `*` and `?` allowed in its last part, and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub pattern: String,
    pub range: Range<usize>,
}

impl PartialEq for Pack {
    /// Equal content from the same source (the line index follows from it).
    fn eq(&self, other: &Pack) -> bool {
        self.path == other.path
            && self.scope == other.scope
            && self.modules == other.modules
            && self.terms == other.terms
            && self.exercises == other.exercises
            && self.references == other.references
            && self.source == other.source
    }
}

impl Pack {
    /// Puts back the source a compact pack was made from (see
    /// [`compile_builtin`](super::compile_builtin)).
    pub(crate) fn with_source(mut self, source: &str) -> Pack {
        self.newlines = Arc::new(Newlines::new(source));
        self.source = Arc::from(source);
        self
    }
}

/// A reference from one definition to an id that must exist.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Reference {
    pub kind: ReferenceKind,
    pub target: String,
    pub field: &'static str,
    pub owner: String,
    pub range: Range<usize>,
}

/// A [`Reference`] as the compact form stores it, its field by name.
#[derive(Deserialize)]
struct StoredReference {
    kind: ReferenceKind,
    target: String,
    field: String,
    owner: String,
    range: Range<usize>,
}

/// The fields a reference can be written in, as the static names the
/// parser gives them.
const REFERENCE_FIELDS: &[&str] = &["related", "module", "exercise", "term", "vocabulary"];

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reference, D::Error> {
        let r = StoredReference::deserialize(d)?;
        let field = REFERENCE_FIELDS
            .iter()
            .find(|f| **f == r.field)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown reference field {:?}", r.field))
            })?;
        Ok(Reference {
            kind: r.kind,
            target: r.target,
            field,
            owner: r.owner,
            range: r.range,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub(crate) enum ReferenceKind {
    Module,
    Term,
    Exercise,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    /// Other pack files brought in by path (see `crate::imports`).
    #[serde(default)]
    imports: Vec<Spanned<String>>,
    #[serde(default)]
    module: Vec<Spanned<RawModule>>,
    #[serde(default)]
    term: Vec<Spanned<RawTerm>>,
    #[serde(default)]
    exercise: Vec<Spanned<RawExercise>>,
    #[serde(default)]
    practice: Vec<Spanned<practice::RawPractice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: Spanned<String>,
    name: Spanned<String>,
    order: Spanned<i64>,
    summary: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    id: Spanned<String>,
    name: Spanned<String>,
    /// The aliases as written: phrases, or tables marking one deprecated;
    /// split into `aliases` and `deprecated` right after parsing.
    #[serde(default, rename = "aliases")]
    written_aliases: Vec<Spanned<RawAlias>>,
    #[serde(skip)]
    aliases: Vec<Spanned<String>>,
    /// Aliases written `{ name = "...", deprecated = true }`: avoided
    /// phrases, like those of `avoid`.
    #[serde(skip)]
    deprecated: Vec<Spanned<String>>,
    #[serde(default)]
    avoid: Vec<Spanned<String>>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
    definition: Spanned<String>,
    #[serde(default)]
    related: Vec<Spanned<String>>,
    #[serde(default)]
    module: Option<Spanned<String>>,
    #[serde(default)]
    exercise: Option<Spanned<String>>,
    #[serde(default)]
    context: Option<Spanned<String>>,
    #[serde(default)]
    not_in: Vec<Spanned<String>>,
    #[serde(default)]
    not_near: Vec<Spanned<String>>,
}

/// One entry of `aliases`: a phrase (`"PR"`), or a table naming one and
/// whether the team has deprecated it (`{ name = "prompt db", deprecated =
/// true }`).
struct RawAlias {
    name: String,
    deprecated: bool,
}

impl<'de> Deserialize<'de> for RawAlias {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RawAlias, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawAlias;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a phrase, or a table such as { name = \"prompt db\", deprecated = true }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<RawAlias, E> {
                Ok(RawAlias {
                    name: name.to_owned(),
                    deprecated: false,
                })
            }
            fn visit_string<E: serde::de::Error>(self, name: String) -> Result<RawAlias, E> {
                Ok(RawAlias {
                    name,
                    deprecated: false,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawAlias, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Table {
                    name: String,
                    #[serde(default)]
                    deprecated: bool,
                }
                let table = Table::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawAlias {
                    name: table.name,
                    deprecated: table.deprecated,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Splits each term's written aliases into plain and deprecated ones,
/// moving their strings.
fn split_aliases(raw: &mut RawPack) {
    for term in &mut raw.term {
        let term = term.get_mut();
        for alias in std::mem::take(&mut term.written_aliases) {
            let span = alias.span();
            let RawAlias { name, deprecated } = alias.into_inner();
            let list = if deprecated {
                &mut term.deprecated
            } else {
                &mut term.aliases
            };
            list.push(Spanned::new(span, name));
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: Spanned<String>,
    term: Spanned<String>,
    title: Spanned<String>,
    scenario: Spanned<String>,
    question: Spanned<String>,
    choices: Spanned<Vec<Spanned<String>>>,
    answer: Spanned<i64>,
    #[serde(default)]
    why: Option<Spanned<Vec<Spanned<String>>>>,
    explanation: Spanned<String>,
    #[serde(default)]
    vocabulary: Vec<Spanned<String>>,
    #[serde(default)]
    snippet: Option<Spanned<RawSnippet>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnippet {
    language: Spanned<String>,
    code: Spanned<String>,
    #[serde(default)]
    caption: Option<Spanned<String>>,
}

/// Fewest and most choices an exercise may offer.
pub const CHOICES: std::ops::RangeInclusive<usize> = 2..=8;

struct Checker<'a> {
    path: &'a Arc<str>,
    source: &'a str,
    newlines: Newlines,
    errors: Vec<PackError>,
    /// Errors past [`limits::MAX_ERRORS`], counted but not located.
    dropped: usize,
}

/// Who a message is about (`term `ttft``), written out only when a message
/// needs it rather than once per definition.
#[derive(Clone, Copy)]
struct Owner<'a>(&'static str, &'a str);

impl fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.0, self.1)
    }
}

impl Checker<'_> {
    fn error(&mut self, range: Range<usize>, message: String) {
        if self.errors.len() >= limits::MAX_ERRORS {
            self.dropped += 1;
            return;
        }
        self.errors.push(PackError::located(
            self.path,
            self.source,
            &self.newlines,
            range,
            message,
        ));
    }

    fn origin(&self, range: &Range<usize>) -> Origin {
        let (line, line_start) = self.newlines.line_of(range.start.min(self.source.len()));
        Origin {
            pack: self.path.clone(),
            line: line as u32,
            column: (range.start.min(self.source.len()) - line_start) as u32,
        }
    }

    /// Reports a list longer than `max` entries, at its first entry too many.
    fn list<T>(&mut self, owner: impl fmt::Display, field: &str, list: &[Spanned<T>], max: usize) {
        if let Some(extra) = list.get(max) {
            self.error(
                extra.span(),
                format!(
                    "{owner}: field `{field}` has {} entries; at most {max} are allowed",
                    list.len()
                ),
            );
        }
    }

    /// Reports a value longer than `max` characters.
    fn length(&mut self, owner: Owner, field: &str, value: &Spanned<String>, max: usize) -> bool {
        // No character count needed when the bytes are few enough.
        if value.get_ref().len() <= max {
            return true;
        }
        let chars = value.get_ref().chars().count();
        if chars > max {
            self.error(
                value.span(),
                format!(
                    "{owner}: field `{field}` is {chars} characters long; at most {max} are allowed"
                ),
            );
            return false;
        }
        true
    }

    fn id(&mut self, what: &str, id: &Spanned<String>) {
        let chars = id.get_ref().chars().count();
        if chars > limits::MAX_NAME_CHARS {
            // Commands take ids as arguments, bounded as well: an id longer
            // than that bound could never be opened.
            self.error(
                id.span(),
                format!(
                    "{what} field `id` is {chars} characters long; at most {} are allowed",
                    limits::MAX_NAME_CHARS
                ),
            );
            return;
        }
        let ok = id
            .get_ref()
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && id
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.error(
                id.span(),
                format!(
                    "{what} field `id`: {:?} must be letters, digits, `-`, `_` or `.`, starting with a letter or digit",
                    id.get_ref()
                ),
            );
        }
    }

    /// Reports an id defined a second time in the pack.
    fn seen<'r>(
        &mut self,
        what: &str,
        id: &'r Spanned<String>,
        seen: &mut FxHashMap<&'r str, u32>,
    ) {
        let line = self.origin(&id.span()).line;
        if let Some(first) = seen.insert(id.get_ref(), line) {
            self.error(
                id.span(),
                format!(
                    "{what} field `id`: `{}` is already defined on line {}",
                    id.get_ref(),
                    first + 1
                ),
            );
        }
    }

    /// Checks a prose field: not empty, not too long. Returns whether it
    /// is within the length cap.
    fn text(&mut self, owner: Owner, field: &str, value: &Spanned<String>) -> bool {
        if value.get_ref().trim().is_empty() {
            self.error(
                value.span(),
                format!("{owner}: field `{field}` must not be empty"),
            );
        }
        self.length(owner, field, value, limits::MAX_TEXT_CHARS)
    }

    /// Checks an exercise's snippet: a language name editors can highlight
    /// by, and code that fits a panel.
    fn snippet(&mut self, owner: Owner, snippet: &RawSnippet) {
        let language = snippet.language.get_ref().trim();
        if language.is_empty()
            || language.len() > limits::MAX_LANGUAGE_CHARS
            || !language
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#'))
        {
            self.error(
                snippet.language.span(),
                format!(
                    "{owner}: field `snippet.language` is {:?}; it must be a fenced-block language such as \"python\", \"typescript\" or \"yaml\" (letters, digits, '-', '_', '+', '#'; at most {} characters)",
                    snippet.language.get_ref(),
                    limits::MAX_LANGUAGE_CHARS
                ),
            );
        }
        if snippet.code.get_ref().trim().is_empty() {
            self.error(
                snippet.code.span(),
                format!("{owner}: field `snippet.code` must not be empty"),
            );
        }
        if self.length(
            owner,
            "snippet.code",
            &snippet.code,
            limits::MAX_SNIPPET_CHARS,
        ) {
            let lines = snippet_code(snippet.code.get_ref().clone()).lines().count();
            if lines > limits::MAX_SNIPPET_LINES {
                self.error(
                    snippet.code.span(),
                    format!(
                        "{owner}: field `snippet.code` has {lines} lines; a snippet may have at most {}",
                        limits::MAX_SNIPPET_LINES
                    ),
                );
            }
        }
        if let Some(caption) = &snippet.caption {
            self.length(owner, "snippet.caption", caption, limits::MAX_NAME_CHARS);
            self.text(owner, "snippet.caption", caption);
        }
    }

    /// Checks a `not_in` entry: one identifier as written in code (letters,
    /// digits, `_`, `-`, `.`, `:`), since it is compared with the identifier
    /// around a hit.
    fn identifier(&mut self, owner: Owner, field: &str, value: &Spanned<String>) {
        if !self.length(owner, field, value, limits::MAX_NAME_CHARS) {
            return;
        }
        let ok = !value.get_ref().is_empty()
            && value
                .get_ref()
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
        if !ok {
            self.error(
                value.span(),
                format!(
                    "{owner}: field `{field}` entry {:?} must be one identifier: letters, digits, '_', '-', '.' or ':', no spaces",
                    visible_controls(value.get_ref())
                ),
            );
        }
    }

    fn phrase(&mut self, owner: Owner, field: &str, value: &Spanned<String>) {
        if !self.length(owner, field, value, limits::MAX_NAME_CHARS)
            || !self.text(owner, field, value)
        {
            return;
        }
        let text = visible_controls(value.get_ref().trim());
        let words = atom_iter(&text).count();
        if words > limits::MAX_PHRASE_WORDS {
            self.error(
                value.span(),
                format!(
                    "{owner}: field `{field}` has {words} words; a phrase may have at most {}",
                    limits::MAX_PHRASE_WORDS
                ),
            );
        }
        if !text.is_empty() && words == 0 {
            self.error(
                value.span(),
                format!("{owner}: field `{field}`: {text:?} has no letters or digits to match"),
            );
        }
    }
}

/// A snippet's code as written: leading blank lines and trailing blanks
/// dropped (a `'''` block starts with a newline), indentation kept, and
/// control characters other than tab and newline made visible like prose.
fn snippet_code(code: String) -> String {
    let code = code.trim_end();
    let start = code
        .char_indices()
        .take_while(|(_, c)| c.is_whitespace())
        .filter(|(_, c)| *c == '\n')
        .last()
        .map_or(0, |(i, _)| i + 1);
    let code = code[start..].replace("\r\n", "\n");
    code.split('\n')
        .map(|line| visible_controls(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A string with the blanks around it removed, reusing its buffer.
fn trimmed(mut text: String) -> String {
    let trim = text.trim();
    if trim.len() == text.len() {
        return text;
    }
    let start = trim.as_ptr() as usize - text.as_ptr() as usize;
    let end = start + trim.len();
    text.truncate(end);
    text.drain(..start);
    text
}

/// A prose field as shown: trimmed, with invisible direction and
/// zero-width characters made visible (see [`visible_controls`]).
fn prose(value: Spanned<String>) -> String {
    let text = trimmed(value.into_inner());
    if let Cow::Owned(visible) = visible_controls(&text) {
        return visible;
    }
    text
}

fn strings(list: Vec<Spanned<String>>) -> Vec<String> {
    list.into_iter().map(Spanned::into_inner).collect()
}

impl Pack {
    /// Parses and checks a pack. On error, returns every problem found.
    ///
    /// Two passes over the parsed TOML: the first checks everything,
    /// borrowing; only a pack with no error is then turned into the model,
    /// moving its strings rather than copying them. Loading a big pack is
    /// dominated by the TOML parser itself (see `core/benches/pack_load.rs`).
    pub fn parse(path: &str, scope: Scope, source: &str) -> Result<Pack, Vec<PackError>> {
        let path: Arc<str> = path.into();
        if source.len() as u64 > limits::MAX_PACK_BYTES {
            return Err(vec![PackError::new(
                &path,
                source,
                0..0,
                format!(
                    "the pack is {} bytes; a pack may hold at most {} bytes",
                    source.len(),
                    limits::MAX_PACK_BYTES
                ),
            )]);
        }
        let mut raw: RawPack = toml::from_str(source).map_err(|e| {
            let range = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', " ");
            vec![PackError::new(
                &path,
                source,
                range,
                format!("invalid pack: {message}"),
            )]
        })?;
        split_aliases(&mut raw);
        let mut check = Checker {
            path: &path,
            source,
            newlines: Newlines::new(source),
            errors: Vec::new(),
            dropped: 0,
        };
        check.validate(&raw);
        check.imports(&raw.imports);
        if check.dropped > 0 {
            let more = check.dropped;
            let at = check.errors.last().map_or(0..0, |e| e.range.clone());
            check.errors.push(PackError::located(
                &path,
                source,
                &check.newlines,
                at,
                format!("{more} more error(s) in this pack not listed"),
            ));
        }
        if !check.errors.is_empty() {
            return Err(check.errors);
        }
        let mut pack = Pack {
            path: path.clone(),
            scope,
            modules: Vec::with_capacity(raw.module.len()),
            terms: Vec::with_capacity(raw.term.len()),
            exercises: Vec::with_capacity(raw.exercise.len()),
            practices: Vec::with_capacity(raw.practice.len()),
            references: Vec::new(),
            imports: raw
                .imports
                .iter()
                .map(|i| Import {
                    pattern: i.get_ref().clone(),
                    range: i.span(),
                })
                .collect(),
            source: source.into(),
            newlines: Arc::new(Newlines::default()),
        };
        pack.build(&check, raw);
        pack.newlines = Arc::new(check.newlines);
        Ok(pack)
    }

    /// Turns a checked pack into the model, moving its strings.
    fn build(&mut self, check: &Checker, mut raw: RawPack) {
        let practices = std::mem::take(&mut raw.practice);
        self.build_practices(check, practices);
        for raw in raw.module {
            let raw = raw.into_inner();
            let origin = check.origin(&raw.id.span());
            self.modules.push(Module {
                id: raw.id.into_inner(),
                name: prose(raw.name),
                order: raw.order.into_inner(),
                summary: prose(raw.summary),
                origin,
            });
        }
        for raw in raw.term {
            let raw = raw.into_inner();
            let origin = check.origin(&raw.id.span());
            let id = raw.id.into_inner();
            let owner = || Owner("term", &id).to_string();
            for related in &raw.related {
                self.references.push(Reference {
                    kind: ReferenceKind::Term,
                    target: related.get_ref().clone(),
                    field: "related",
                    owner: owner(),
                    range: related.span(),
                });
            }
            if let Some(module) = &raw.module {
                self.references.push(Reference {
                    kind: ReferenceKind::Module,
                    target: module.get_ref().clone(),
                    field: "module",
                    owner: owner(),
                    range: module.span(),
                });
            }
            if let Some(exercise) = &raw.exercise {
                self.references.push(Reference {
                    kind: ReferenceKind::Exercise,
                    target: exercise.get_ref().clone(),
                    field: "exercise",
                    owner: owner(),
                    range: exercise.span(),
                });
            }
            let context = raw
                .context
                .as_ref()
                .and_then(|c| TermContext::parse(c.get_ref()));
            self.terms.push(Term {
                name: trimmed(raw.name.into_inner()),
                aliases: raw
                    .aliases
                    .into_iter()
                    .map(|a| trimmed(a.into_inner()))
                    .collect(),
                avoid: raw
                    .avoid
                    .into_iter()
                    .chain(raw.deprecated)
                    .map(|a| trimmed(a.into_inner()))
                    .collect(),
                examples: raw.examples.into_iter().map(prose).collect(),
                definition: prose(raw.definition),
                related: strings(raw.related),
                module: raw.module.map(Spanned::into_inner),
                exercise: raw.exercise.map(Spanned::into_inner),
                context,
                not_in: strings(raw.not_in),
                not_near: raw
                    .not_near
                    .into_iter()
                    .map(|w| w.into_inner().trim().to_string())
                    .collect(),
                origin,
                id,
            });
        }
        for raw in raw.exercise {
            let raw = raw.into_inner();
            let origin = check.origin(&raw.id.span());
            let id = raw.id.into_inner();
            let owner = Owner("exercise", &id).to_string();
            self.references.push(Reference {
                kind: ReferenceKind::Term,
                target: raw.term.get_ref().clone(),
                field: "term",
                owner: owner.clone(),
                range: raw.term.span(),
            });
            for word in &raw.vocabulary {
                self.references.push(Reference {
                    kind: ReferenceKind::Term,
                    target: word.get_ref().clone(),
                    field: "vocabulary",
                    owner: owner.clone(),
                    range: word.span(),
                });
            }
            let choices: Vec<String> = raw.choices.into_inner().into_iter().map(prose).collect();
            self.exercises.push(Exercise {
                term: raw.term.into_inner(),
                title: prose(raw.title),
                scenario: prose(raw.scenario),
                question: prose(raw.question),
                // Checked to index `choices`.
                answer: usize::try_from(raw.answer.into_inner()).unwrap_or(0),
                choices,
                why: raw
                    .why
                    .map(|why| why.into_inner().into_iter().map(prose).collect())
                    .unwrap_or_default(),
                explanation: prose(raw.explanation),
                vocabulary: strings(raw.vocabulary),
                snippet: raw.snippet.map(|snippet| {
                    let snippet = snippet.into_inner();
                    Snippet {
                        language: snippet.language.into_inner().trim().to_ascii_lowercase(),
                        code: snippet_code(snippet.code.into_inner()),
                        caption: snippet.caption.map(prose),
                    }
                }),
                generated: false,
                origin,
                id,
            });
        }
    }

    /// An error located at `range` of this pack's source.
    pub(crate) fn error_at(&self, range: Range<usize>, message: String) -> PackError {
        PackError::located(&self.path, &self.source, &self.newlines, range, message)
    }

    /// The text this pack was parsed from.
    pub fn source(&self) -> &Arc<str> {
        &self.source
    }

    /// Byte offset of a zero-based line and byte column of this pack's source.
    pub(crate) fn offset_of(&self, line: u32, column: u32) -> usize {
        let Some(start) = self.newlines.line_start(line as usize) else {
            return self.source.len();
        };
        let end = self
            .newlines
            .line_start(line as usize + 1)
            .unwrap_or(self.source.len());
        start + (column as usize).min(end - start)
    }
}

impl Checker<'_> {
    /// Every check of a pack, in source order within each kind, borrowing
    /// the parsed TOML: nothing is copied for a pack that turns out good.
    /// `imports`: at most [`limits::MAX_IMPORTS`] relative paths to `.toml`
    /// files, wildcards only in the file name.
    fn imports(&mut self, imports: &[Spanned<String>]) {
        self.list("pack", "imports", imports, limits::MAX_IMPORTS);
        for import in imports.iter().take(limits::MAX_IMPORTS) {
            let pattern = import.get_ref();
            let problem = if pattern.is_empty() || pattern.len() > limits::MAX_NAME_CHARS {
                Some(format!(
                    "is empty or longer than {} characters",
                    limits::MAX_NAME_CHARS
                ))
            } else if std::path::Path::new(pattern).has_root() || pattern.contains(':') {
                Some("must be a path relative to this pack's folder".into())
            } else if !pattern.ends_with(".toml") {
                Some("must name `.toml` files".into())
            } else if pattern
                .rsplit_once('/')
                .is_some_and(|(dir, _)| dir.contains(['*', '?', '[']))
            {
                Some("may use wildcards in the file name only".into())
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(
                    import.span(),
                    format!("pack: field `imports`: {pattern:?} {problem}"),
                );
            }
        }
    }

    fn validate(&mut self, raw: &RawPack) {
        self.list("pack", "module", &raw.module, limits::MAX_TERMS);
        self.list("pack", "term", &raw.term, limits::MAX_TERMS);
        self.list("pack", "exercise", &raw.exercise, limits::MAX_EXERCISES);
        self.practices(&raw.practice);
        let mut seen_modules = FxHashMap::default();
        let mut seen_terms = FxHashMap::default();
        let mut seen_exercises = FxHashMap::default();
        // Phrase key (see `phrase_key`) -> the term that uses it.
        let mut seen_phrases: FxHashMap<Cow<str>, &str> = FxHashMap::default();

        for raw in raw.module.iter().take(limits::MAX_TERMS) {
            let raw = raw.get_ref();
            let owner = Owner("module", raw.id.get_ref());
            self.id("module", &raw.id);
            self.seen("module", &raw.id, &mut seen_modules);
            self.text(owner, "name", &raw.name);
            self.text(owner, "summary", &raw.summary);
        }

        for raw in raw.term.iter().take(limits::MAX_TERMS) {
            let raw = raw.get_ref();
            let id = raw.id.get_ref().as_str();
            let owner = Owner("term", id);
            self.id("term", &raw.id);
            self.list(owner, "aliases", &raw.aliases, limits::MAX_LIST_ENTRIES);
            self.list(owner, "aliases", &raw.deprecated, limits::MAX_LIST_ENTRIES);
            self.list(owner, "avoid", &raw.avoid, limits::MAX_LIST_ENTRIES);
            self.list(owner, "examples", &raw.examples, limits::MAX_EXAMPLES);
            self.list(owner, "related", &raw.related, limits::MAX_LIST_ENTRIES);
            self.seen("term", &raw.id, &mut seen_terms);
            self.phrase(owner, "name", &raw.name);
            for alias in &raw.aliases {
                self.phrase(owner, "aliases", alias);
            }
            for alias in &raw.deprecated {
                self.phrase(owner, "aliases", alias);
            }
            for phrase in &raw.avoid {
                self.phrase(owner, "avoid", phrase);
            }
            for example in raw.examples.iter().take(limits::MAX_EXAMPLES) {
                if self.length(owner, "examples", example, limits::MAX_EXAMPLE_CHARS) {
                    self.text(owner, "examples", example);
                }
            }
            for phrase in std::iter::once(&raw.name).chain(&raw.aliases) {
                let key = phrase_key(phrase.get_ref());
                if key.is_empty() {
                    continue;
                }
                match seen_phrases.get(&key) {
                    Some(&other) if other != id => self.error(
                        phrase.span(),
                        format!(
                            "{owner}: phrase {:?} is already used by term `{other}`",
                            phrase.get_ref()
                        ),
                    ),
                    _ => {
                        seen_phrases.insert(key, id);
                    }
                }
            }
            // An avoided phrase may not be one the pack spots for any term,
            // this one included: it could not be both said and avoided.
            for phrase in raw.avoid.iter().chain(&raw.deprecated) {
                let key = phrase_key(phrase.get_ref());
                if key.is_empty() {
                    continue;
                }
                match seen_phrases.get(&key) {
                    Some(&other) if other == id => self.error(
                        phrase.span(),
                        format!(
                            "{owner}: phrase {:?} is avoided and also one of the term's own phrases",
                            phrase.get_ref()
                        ),
                    ),
                    Some(&other) => self.error(
                        phrase.span(),
                        format!(
                            "{owner}: phrase {:?} is already used by term `{other}`",
                            phrase.get_ref()
                        ),
                    ),
                    None => {
                        seen_phrases.insert(key, id);
                    }
                }
            }
            self.text(owner, "definition", &raw.definition);
            self.list(owner, "not_in", &raw.not_in, limits::MAX_LIST_ENTRIES);
            for entry in &raw.not_in {
                self.identifier(owner, "not_in", entry);
            }
            self.list(owner, "not_near", &raw.not_near, limits::MAX_LIST_ENTRIES);
            for entry in &raw.not_near {
                self.phrase(owner, "not_near", entry);
            }
            if let Some(value) = &raw.context
                && TermContext::parse(value.get_ref()).is_none()
            {
                let known: Vec<String> = TermContext::ALL
                    .iter()
                    .map(|(name, _)| format!("{name:?}"))
                    .collect();
                self.error(
                    value.span(),
                    format!(
                        "{owner}: field `context` is {:?}, but it must be {} (or left out for a phrase that always means the term)",
                        value.get_ref(),
                        known.join(" or ")
                    ),
                );
            }
        }

        for raw in raw.exercise.iter().take(limits::MAX_EXERCISES) {
            let raw = raw.get_ref();
            let owner = Owner("exercise", raw.id.get_ref());
            self.id("exercise", &raw.id);
            self.list(
                owner,
                "vocabulary",
                &raw.vocabulary,
                limits::MAX_LIST_ENTRIES,
            );
            self.seen("exercise", &raw.id, &mut seen_exercises);
            for (field, value) in [
                ("title", &raw.title),
                ("scenario", &raw.scenario),
                ("question", &raw.question),
                ("explanation", &raw.explanation),
            ] {
                self.text(owner, field, value);
            }
            let choices = raw.choices.get_ref();
            for choice in choices {
                self.text(owner, "choices", choice);
            }
            if !CHOICES.contains(&choices.len()) {
                self.error(
                    raw.choices.span(),
                    format!(
                        "{owner}: field `choices` has {} entries; an exercise needs {} to {}",
                        choices.len(),
                        CHOICES.start(),
                        CHOICES.end()
                    ),
                );
            }
            let answer = *raw.answer.get_ref();
            if !usize::try_from(answer).is_ok_and(|a| a < choices.len()) {
                self.error(
                    raw.answer.span(),
                    format!(
                        "{owner}: field `answer` is {answer}, but it must index `choices` (0 to {})",
                        choices.len().saturating_sub(1)
                    ),
                );
            }
            if let Some(snippet) = &raw.snippet {
                self.snippet(owner, snippet.get_ref());
            }
            if let Some(why) = &raw.why {
                for reason in why.get_ref() {
                    self.text(owner, "why", reason);
                }
                if why.get_ref().len() != choices.len() {
                    self.error(
                        why.span(),
                        format!(
                            "{owner}: field `why` has {} entries but `choices` has {}; give one reason per choice, in the same order",
                            why.get_ref().len(),
                            choices.len()
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(source: &str) -> Vec<String> {
        Pack::parse("team.toml", Scope::Workspace, source)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const TERM: &str = "[[term]]\nid = \"t\"\nname = \"team term\"\ndefinition = \"d\"\n";

    #[test]
    fn a_good_pack_parses() {
        let pack = Pack::parse("team.toml", Scope::Workspace, TERM).unwrap();
        assert_eq!(pack.terms[0].name, "team term");
        assert_eq!(pack.terms[0].origin.line, 1);
    }

    #[test]
    fn bad_toml_names_path_line_and_column() {
        let e = errors("[[term]]\nid = \"t\"\nname = \n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("team.toml:3:"), "{e:?}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = errors("[[term]]\nid = \"t\"\nname = \"x y\"\n");
        assert!(e[0].contains("definition"), "{e:?}");
        assert!(e[0].starts_with("team.toml:1:"), "{e:?}");
    }

    #[test]
    fn an_unknown_field_is_named() {
        let e = errors(&format!("{TERM}defintion = \"typo\"\n"));
        assert!(e[0].contains("defintion"), "{e:?}");
    }

    #[test]
    fn answer_out_of_range_points_at_the_answer() {
        let source = format!(
            "{TERM}[[exercise]]\nid = \"e\"\nterm = \"t\"\ntitle = \"T\"\nscenario = \"S\"\n\
             question = \"Q\"\nchoices = [\"a\", \"b\", \"c\", \"d\"]\nanswer = 4\nexplanation = \"E\"\n"
        );
        let e = errors(&source);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("team.toml:12:10: exercise `e`: field `answer` is 4"),
            "{e:?}"
        );
    }

    #[test]
    fn context_is_read_and_a_bad_value_is_located() {
        let pack = Pack::parse(
            "team.toml",
            Scope::Workspace,
            &format!("{TERM}context = \"llm\"\n"),
        )
        .unwrap();
        assert_eq!(pack.terms[0].context, Some(TermContext::Llm));
        let pack = Pack::parse("team.toml", Scope::Workspace, TERM).unwrap();
        assert_eq!(pack.terms[0].context, None);
        let e = errors(&format!("{TERM}context = \"LLM stuff\"\n"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "team.toml:5:11: term `t`: field `context` is \"LLM stuff\", but it must be \"llm\""
            ),
            "{e:?}"
        );
        let e = errors(&format!("{TERM}context = 3\n"));
        assert!(e[0].starts_with("team.toml:5:"), "{e:?}");
    }

    #[test]
    fn not_near_is_read_and_bad_entries_are_located() {
        let pack = Pack::parse(
            "team.toml",
            Scope::Workspace,
            &format!("{TERM}not_near = [\" edge \", \"state machine\"]\n"),
        )
        .unwrap();
        assert_eq!(pack.terms[0].not_near, ["edge", "state machine"]);
        let e = errors(&format!("{TERM}not_near = [\"ok\", \"--\"]\n"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("team.toml:5:19: term `t`: field `not_near`: \"--\" has no letters"),
            "{e:?}"
        );
        let many: Vec<String> = (0..=limits::MAX_LIST_ENTRIES)
            .map(|i| format!("\"w{i}\""))
            .collect();
        let e = errors(&format!("{TERM}not_near = [{}]\n", many.join(", ")));
        assert!(e[0].contains("field `not_near` has 65 entries"), "{e:?}");
    }

    #[test]
    fn not_in_is_read_and_bad_entries_are_located() {
        let pack = Pack::parse(
            "team.toml",
            Scope::Workspace,
            &format!("{TERM}not_in = [\"PromptCache\", \"limiter.total_tokens\"]\n"),
        )
        .unwrap();
        assert_eq!(
            pack.terms[0].not_in,
            ["PromptCache", "limiter.total_tokens"]
        );
        let e = errors(&format!("{TERM}not_in = [\"ok\", \"two words\"]\n"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("team.toml:5:17: term `t`: field `not_in` entry \"two words\""),
            "{e:?}"
        );
        let many: Vec<String> = (0..=limits::MAX_LIST_ENTRIES)
            .map(|i| format!("\"x{i}\""))
            .collect();
        let e = errors(&format!("{TERM}not_in = [{}]\n", many.join(", ")));
        assert!(e[0].contains("field `not_in` has 65 entries"), "{e:?}");
        let e = errors(&format!("{TERM}not_in = \"PromptCache\"\n"));
        assert!(e[0].starts_with("team.toml:5:"), "{e:?}");
    }

    #[test]
    fn duplicate_ids_and_phrases_are_errors() {
        let e = errors(&format!("{TERM}{TERM}"));
        assert!(
            e.iter().any(|m| m.contains("already defined on line 2")),
            "{e:?}"
        );
        let e = errors(&format!(
            "{TERM}[[term]]\nid = \"u\"\nname = \"TEAM_TERM\"\ndefinition = \"d\"\n"
        ));
        assert!(
            e.iter().any(|m| m.contains("already used by term `t`")),
            "{e:?}"
        );
    }

    fn term_with(field: &str) -> String {
        format!("[[term]]\nid = \"t\"\nname = \"team term\"\ndefinition = \"d\"\n{field}\n")
    }

    #[test]
    fn caps_are_errors_at_the_field() {
        let long_alias = format!("aliases = [\"{}\"]", "spam ".repeat(20_000));
        let e = errors(&term_with(&long_alias));
        assert!(e[0].starts_with("team.toml:5:"), "{e:?}");
        assert!(e[0].contains("field `aliases`"), "{e:?}");
        let words = format!(
            "aliases = [\"{}\"]",
            "spam ".repeat(limits::MAX_PHRASE_WORDS + 1)
        );
        let e = errors(&term_with(&words));
        assert!(e[0].contains("words; a phrase may have at most"), "{e:?}");
        let e = errors(&format!(
            "[[term]]\nid = \"t\"\nname = \"team term\"\ndefinition = \"{}\"\n",
            "x".repeat(1_000_000)
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("team.toml:4:14: term `t`: field `definition` is 1000000 characters long; at most 4000"), "{e:?}");
        let many: Vec<String> = (0..=limits::MAX_LIST_ENTRIES)
            .map(|i| format!("\"a{i}\""))
            .collect();
        let e = errors(&term_with(&format!("aliases = [{}]", many.join(", "))));
        assert!(
            e.iter()
                .any(|m| m.contains("field `aliases` has 65 entries")),
            "{e:?}"
        );
    }

    #[test]
    fn avoided_phrases_deprecated_aliases_and_examples_are_read_and_checked() {
        let pack = Pack::parse(
            "team.toml",
            Scope::Workspace,
            &term_with(
                "aliases = [\"TT\", { name = \"old term\", deprecated = true }, { name = \"kept term\" }]\n\
                 avoid = [\" bad term \"]\nexamples = [\"Say team term.\"]",
            ),
        )
        .unwrap();
        let term = &pack.terms[0];
        assert_eq!(term.aliases, ["TT", "kept term"]);
        assert_eq!(term.avoid, ["bad term", "old term"]);
        assert_eq!(term.examples, ["Say team term."]);

        // An avoided phrase that the term itself (or another) says.
        let e = errors(&term_with("avoid = [\"Team_Term\"]"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "team.toml:5:10: term `t`: phrase \"Team_Term\" is avoided and also one of the term's own phrases"
            ),
            "{e:?}"
        );
        let e = errors(&format!(
            "{TERM}[[term]]\nid = \"u\"\nname = \"other term\"\ndefinition = \"d\"\navoid = [\"team term\"]\n"
        ));
        assert!(
            e.iter()
                .any(|m| m.starts_with("team.toml:9:") && m.contains("already used by term `t`")),
            "{e:?}"
        );
        // A deprecated alias table with a typo, or no name.
        let e = errors(&term_with(
            "aliases = [{ name = \"x y\", deprecatd = true }]",
        ));
        assert!(
            e[0].starts_with("team.toml:5:") && e[0].contains("deprecatd"),
            "{e:?}"
        );
        let e = errors(&term_with("aliases = [{ deprecated = true }]"));
        assert!(
            e[0].starts_with("team.toml:5:") && e[0].contains("name"),
            "{e:?}"
        );
        let e = errors(&term_with("aliases = [3]"));
        assert!(e[0].contains("a phrase, or a table"), "{e:?}");
        // Examples: capped in number and length, never empty.
        let e = errors(&term_with(&format!("examples = [\"{}\"]", "x".repeat(401))));
        assert!(
            e[0].starts_with("team.toml:5:") && e[0].contains("`examples` is 401 characters long"),
            "{e:?}"
        );
        let e = errors(&term_with("examples = [\" \"]"));
        assert!(e[0].contains("`examples` must not be empty"), "{e:?}");
        let nine: Vec<String> = (0..9).map(|i| format!("\"e{i}\"")).collect();
        let e = errors(&term_with(&format!("examples = [{}]", nine.join(", "))));
        assert!(
            e[0].contains("`examples` has 9 entries; at most 8"),
            "{e:?}"
        );
        let many: Vec<String> = (0..=limits::MAX_LIST_ENTRIES)
            .map(|i| format!("\"a{i} b\""))
            .collect();
        let e = errors(&term_with(&format!("avoid = [{}]", many.join(", "))));
        assert!(
            e.iter().any(|m| m.contains("field `avoid` has 65 entries")),
            "{e:?}"
        );
    }

    #[test]
    fn errors_are_capped() {
        let source: String = (0..1000)
            .map(|i| format!("[[term]]\nid = \"-bad{i}\"\nname = \"n{i}\"\ndefinition = \"d\"\n"))
            .collect();
        let e = errors(&source);
        assert_eq!(e.len(), limits::MAX_ERRORS + 1);
        assert!(e.last().unwrap().contains("900 more error(s)"), "{e:?}");
    }

    #[test]
    fn invisible_controls_in_prose_become_visible() {
        let pack = Pack::parse(
            "team.toml",
            Scope::Workspace,
            "[[term]]\nid = \"t\"\nname = \"team term\"\ndefinition = \"safe\\u202Eevil\\u200B\"\n",
        )
        .unwrap();
        assert_eq!(pack.terms[0].definition, "safe⟨U+202E⟩evil⟨U+200B⟩");
    }

    /// Loading is linear in the number of terms and quick: parsing and
    /// merging 100,000 terms takes about 0.6 s of CPU in an optimized build
    /// (`cargo test --release`, as tests/run.sh runs it); the bound leaves
    /// room for a loaded 2-core CI runner. The quadratic loader took
    /// minutes, the linear one of the last round 2.6 to 3.6 s.
    #[test]
    fn a_hundred_thousand_terms_load_in_linear_time() {
        let source = |n: usize| -> String {
            (0..n)
                .map(|i| {
                    format!(
                        "[[term]]\nid = \"t{i}\"\nname = \"w{i}x term\"\ndefinition = \"Term {i}.\"\n"
                    )
                })
                .collect()
        };
        let load = |source: &str, n: usize| {
            let started = std::time::Instant::now();
            let pack = Pack::parse("big.toml", Scope::Workspace, source).unwrap();
            let (content, errors) = super::super::Content::merge(&[pack]);
            let took = started.elapsed().as_secs_f64();
            assert!(errors.is_empty());
            assert_eq!(content.terms.len(), n);
            took
        };
        // Four times the terms: about four times the time when linear,
        // sixteen when quadratic (as loading once was). The slack absorbs
        // a loaded machine's noise on the smaller run.
        let quarter = limits::MAX_TERMS / 4;
        let small = load(&source(quarter), quarter);
        let full_source = source(limits::MAX_TERMS);
        let full = load(&full_source, limits::MAX_TERMS);
        assert!(
            full < 8.0 * small + 0.5,
            "{quarter} terms: {small:.3} s; {} terms: {full:.3} s",
            limits::MAX_TERMS
        );
        let one_more =
            format!("{full_source}[[term]]\nid = \"x\"\nname = \"x\"\ndefinition = \"x\"\n");
        let e = errors_of(&one_more);
        assert!(e[0].contains("field `term` has 100001 entries"), "{e:?}");
    }

    fn errors_of(source: &str) -> Vec<String> {
        errors(source)
    }

    #[test]
    fn modules_why_and_module_references_are_checked() {
        let good = format!(
            "[[module]]\nid = \"m\"\nname = \"Mod\"\norder = 1\nsummary = \"S\"\n{TERM}module = \"m\"\n\
             [[exercise]]\nid = \"e\"\nterm = \"t\"\ntitle = \"T\"\nscenario = \"S\"\nquestion = \"Q\"\n\
             choices = [\"a\", \"b\"]\nanswer = 1\nwhy = [\"no\", \"yes\"]\nexplanation = \"E\"\n"
        );
        let pack = Pack::parse("team.toml", Scope::Workspace, &good).unwrap();
        assert_eq!(pack.modules[0].name, "Mod");
        assert_eq!(pack.terms[0].module.as_deref(), Some("m"));
        assert_eq!(pack.exercises[0].why, ["no", "yes"]);

        let short = good.replace("why = [\"no\", \"yes\"]", "why = [\"no\"]");
        let e = errors(&short);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "team.toml:19:7: exercise `e`: field `why` has 1 entries but `choices` has 2"
            ),
            "{e:?}"
        );
        let e = errors(&good.replace("order = 1\n", ""));
        assert!(e[0].contains("order"), "{e:?}");
        let e = errors(
            "[[module]]\nid = \"m\"\nname = \"Mod\"\norder = 1\nsummary = \"S\"\nsumary = \"x\"\n",
        );
        assert!(e[0].contains("sumary"), "{e:?}");
        let (_, merge_errors) = crate::content::Content::merge(&[Pack::parse(
            "team.toml",
            Scope::Workspace,
            &good.replace("module = \"m\"", "module = \"nope\""),
        )
        .unwrap()]);
        assert_eq!(merge_errors.len(), 1);
        assert!(
            merge_errors[0]
                .to_string()
                .starts_with("team.toml:10:10: term `t`: field `module` names module `nope`"),
            "{}",
            merge_errors[0]
        );
    }
}

#[cfg(test)]
mod snippet_tests {
    use super::*;

    fn exercise_with(snippet: &str) -> String {
        format!(
            "[[term]]\nid = \"t\"\nname = \"team term\"\ndefinition = \"d\"\n\
             [[exercise]]\nid = \"e\"\nterm = \"t\"\ntitle = \"T\"\nscenario = \"S\"\nquestion = \"Q\"\n\
             choices = [\"a\", \"b\"]\nanswer = 1\nexplanation = \"E\"\n{snippet}"
        )
    }

    fn parse(source: &str) -> Result<Pack, Vec<String>> {
        Pack::parse("team.toml", Scope::Workspace, source)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_snippet_keeps_its_indentation_and_drops_the_opening_newline() {
        let pack = parse(&exercise_with(
            "[exercise.snippet]\nlanguage = \"Python\"\ncaption = \"app/chat.py\"\n\
             code = '''\n\nclient = OpenAI()\n    x = 1\t# tab\r\n'''\n",
        ))
        .expect("parses");
        let snippet = pack.exercises[0].snippet.as_ref().expect("snippet");
        assert_eq!(snippet.language, "python");
        assert_eq!(snippet.code, "client = OpenAI()\n    x = 1\t# tab");
        assert_eq!(snippet.caption.as_deref(), Some("app/chat.py"));
    }

    #[test]
    fn a_bad_snippet_is_located_at_its_field() {
        let errors = parse(&exercise_with(
            "[exercise.snippet]\nlanguage = \"py thon\"\ncode = \"   \"\n",
        ))
        .expect_err("errors");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("team.toml:15:") && errors[0].contains("snippet.language"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("team.toml:16:") && errors[1].contains("snippet.code"),
            "{errors:?}"
        );

        let long = format!(
            "[exercise.snippet]\nlanguage = \"text\"\ncode = '''\n{}'''\n",
            "x\n".repeat(31)
        );
        let errors = parse(&exercise_with(&long)).expect_err("errors");
        assert!(errors[0].contains("31 lines"), "{errors:?}");

        let errors = parse(&exercise_with(
            "[exercise.snippet]\nlanguage = \"text\"\ncode = \"x\"\nfile = \"a\"\n",
        ))
        .expect_err("errors");
        assert!(errors[0].contains("file"), "{errors:?}");
    }

    #[test]
    fn escape_sequences_in_a_snippet_become_visible() {
        let pack = parse(&exercise_with(
            "[exercise.snippet]\nlanguage = \"log\"\ncode = \"a\\u001b[2Jb\"\n",
        ))
        .expect("parses");
        assert_eq!(
            pack.exercises[0].snippet.as_ref().map(|s| s.code.as_str()),
            Some("a⟨U+001B⟩[2Jb")
        );
    }
}
