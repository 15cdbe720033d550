//! The glossary and exercises: packs parsed from TOML, merged into one
//! [`Content`] with its compiled matcher.

pub mod cues;
mod generated;
pub mod limits;
mod model;
mod pack;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

pub use generated::GENERATED_PREFIX;
pub use model::{Exercise, Module, Origin, Snippet, Term, TermContext};
use pack::ReferenceKind;
pub(crate) use pack::compile_practice_pattern;
pub use pack::{CHOICES, Import, Pack, PackError, Scope};

use crate::matcher::{Matcher, Phrase, phrase_key};
use crate::practice::{Practice, PracticeSet};

/// Prefix of the names under which embedded packs are reported.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// One embedded file of the built-in content.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinFile {
    /// Name it is reported under: `builtin:` and its path in the repository.
    pub path: &'static str,
    pub source: &'static str,
}

/// The pack format's JSON schema (`content/schema.json`), for a new team
/// pack's `#:schema` line. Read through core/content, like the built-in
/// files, so that `cargo package` puts it inside the llmops-core crate.
pub const PACK_SCHEMA_JSON: &str = include_str!("../../content/schema.json");

macro_rules! builtin_files {
    ($($name:literal),* $(,)?) => {
        &[$(BuiltinFile {
            path: concat!("builtin:content/builtin/", $name, ".toml"),
            // Through core/content, a symlink to the repository's content/, so
            // that `cargo package` puts the files inside the llmops-core crate.
            source: include_str!(concat!("../../content/builtin/", $name, ".toml")),
        }),*]
    };
}

/// The built-in content, embedded so the server works with no setup: one
/// file per module under `content/builtin/`. The files form one scope: ids
/// are unique across them and references may cross files. Listed in course
/// order.
pub const BUILTIN_FILES: &[BuiltinFile] = builtin_files!(
    "prompts",
    "releases",
    "latency",
    "experiments",
    "evaluation",
    "observability",
    "serving",
    "safety",
    "retrieval",
    "agents",
    "practices",
);

/// The embedded source of a built-in file, by the name it is reported under.
pub fn builtin_source(path: &str) -> Option<&'static str> {
    BUILTIN_FILES
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.source)
}

/// Everything the server knows: modules, terms and exercises of all packs
/// merged, later scopes overriding earlier ones, the questions generated for
/// terms that have no exercise, and the matcher compiled from the terms.
#[derive(Debug)]
pub struct Content {
    /// In course order (`order`, then id).
    pub modules: Vec<Module>,
    pub terms: Vec<Term>,
    /// Hand-written exercises, in course order: these make up the course
    /// totals ("3 of 120").
    pub exercises: Vec<Exercise>,
    /// The question made from the glossary for each term (by index) that
    /// has no hand-written exercise (ids `gen:<term id>`): a review of its
    /// term but not part of the totals. Made the first time it is asked
    /// for, so a pack of 100,000 terms does not make 100,000 questions at
    /// load; it depends on the content alone, so it is the same whenever it
    /// is made.
    generated: Vec<OnceLock<Option<Box<Exercise>>>>,
    module_index: FxHashMap<String, usize>,
    /// Indices into `terms` of each module's terms, parallel to `modules`.
    module_terms: Vec<Vec<u32>>,
    term_index: FxHashMap<String, usize>,
    exercise_index: FxHashMap<String, usize>,
    /// Term id -> indices into `exercises` of the exercises that teach it.
    by_term: FxHashMap<String, Vec<usize>>,
    pub matcher: Matcher,
    /// Every `[[practice]]` rule, compiled into one set.
    pub practices: PracticeSet,
    /// Names and aliases sorted for completion, built on the first request
    /// (most people leave completion off).
    completion: OnceLock<crate::completion::TermIndex>,
}

impl Content {
    /// The built-in content alone.
    pub fn builtin() -> Result<Content, Vec<PackError>> {
        let packs = builtin_packs()?;
        let (content, errors) = Content::merge(&packs);
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(errors)
        }
    }

    /// Merges packs in order (built-in first). Returns the merged content and
    /// the problems found across packs: a reference to an id that no pack
    /// defines, an id defined twice in one scope, or a phrase that two terms
    /// of one scope share. Broken references are dropped from the merged
    /// content so the rest keeps working. Takes packs or shared packs
    /// (`Arc<Pack>`), so the server can merge a snapshot with no lock held.
    pub fn merge<'p, P: std::borrow::Borrow<Pack>>(packs: &'p [P]) -> (Content, Vec<PackError>) {
        let packs: Vec<&Pack> = packs.iter().map(|p| p.borrow()).collect();
        let mut errors = Vec::new();
        let mut modules: Vec<Module> = Vec::new();
        let mut terms: Vec<Term> = Vec::new();
        // Index in `packs` of the pack each term comes from.
        let mut term_pack: Vec<usize> = Vec::new();
        let mut exercises: Vec<Exercise> = Vec::new();
        let mut practices: Vec<Practice> = Vec::new();
        let mut practice_index = FxHashMap::default();
        // Index in `packs` of the pack each practice comes from.
        let mut practice_pack: Vec<usize> = Vec::new();
        let mut module_index = FxHashMap::default();
        let mut term_index = FxHashMap::default();
        let mut exercise_index = FxHashMap::default();
        // A pack has no clash inside itself (parsing checks that), so ids
        // and phrases only need checking across packs, in a scope that has
        // more than one: a single big team pack is not checked twice.
        // Workspace packs form one layer per `.llmops/` folder (a nested
        // folder overrides the ones above it), so the clash checks run per
        // layer, not per scope.
        let shared_layer =
            |layer: Layer<'_>| packs.iter().filter(|p| layer_of(p) == layer).count() > 1;
        // (kind, id, layer) -> defining pack, to catch clashes inside a layer.
        let mut defined: FxHashMap<(u8, &str, Layer<'_>), &Arc<str>> = FxHashMap::default();
        // (layer, phrase key) -> term id, across the packs of a layer.
        let mut phrases: FxHashMap<(Layer<'_>, Cow<str>), &str> = FxHashMap::default();

        let mut clash = |pack: &'p Pack, kind: u8, what: &str, id: &'p str, origin: &Origin| {
            let key = (kind, id, layer_of(pack));
            if let Some(other) = defined.get(&key).filter(|p| ***p != pack.path) {
                let error = pack.error_at(
                    span_of(pack, origin),
                    format!("{what} field `id`: `{id}` is also defined in {other}"),
                );
                return Some(error);
            }
            defined.insert(key, &pack.path);
            None
        };

        for (rank, &pack) in packs.iter().enumerate() {
            let check = shared_layer(layer_of(pack));
            for module in &pack.modules {
                if check && let Some(e) = clash(pack, 0, "module", &module.id, &module.origin) {
                    errors.push(e);
                    continue;
                }
                upsert(&mut modules, &mut module_index, &module.id, module.clone());
            }
            for term in &pack.terms {
                if check && let Some(e) = clash(pack, 1, "term", &term.id, &term.origin) {
                    errors.push(e);
                    continue;
                }
                for phrase in term.phrases().filter(|_| check) {
                    let key = phrase_key(phrase);
                    if key.is_empty() {
                        continue;
                    }
                    let key = (layer_of(pack), key);
                    match phrases.get(&key) {
                        Some(&other) if other != term.id => errors.push(pack.error_at(
                            span_of(pack, &term.origin),
                            format!(
                                "term `{}`: phrase {phrase:?} is already used by term `{other}`",
                                term.id
                            ),
                        )),
                        _ => {
                            phrases.insert(key, &term.id);
                        }
                    }
                }
                let at = upsert(&mut terms, &mut term_index, &term.id, term.clone());
                match term_pack.get_mut(at) {
                    Some(slot) => *slot = rank,
                    None => term_pack.push(rank),
                }
            }
            for exercise in &pack.exercises {
                if check && let Some(e) = clash(pack, 2, "exercise", &exercise.id, &exercise.origin)
                {
                    errors.push(e);
                    continue;
                }
                upsert(
                    &mut exercises,
                    &mut exercise_index,
                    &exercise.id,
                    exercise.clone(),
                );
            }
            for practice in &pack.practices {
                if check && let Some(e) = clash(pack, 3, "practice", &practice.id, &practice.origin)
                {
                    errors.push(e);
                    continue;
                }
                let at = upsert(
                    &mut practices,
                    &mut practice_index,
                    &practice.id,
                    practice.clone(),
                );
                match practice_pack.get_mut(at) {
                    Some(slot) => *slot = rank,
                    None => practice_pack.push(rank),
                }
            }
        }

        for &pack in &packs {
            for reference in &pack.references {
                let (exists, kind) = match reference.kind {
                    ReferenceKind::Module => {
                        (module_index.contains_key(&reference.target), "module")
                    }
                    ReferenceKind::Term => (term_index.contains_key(&reference.target), "term"),
                    ReferenceKind::Exercise => {
                        (exercise_index.contains_key(&reference.target), "exercise")
                    }
                };
                if !exists {
                    errors.push(pack.error_at(
                        reference.range.clone(),
                        format!(
                            "{}: field `{}` names {kind} `{}`, which no pack defines",
                            reference.owner, reference.field, reference.target
                        ),
                    ));
                }
            }
        }

        // Drop what does not resolve.
        for term in &mut terms {
            term.related.retain(|r| term_index.contains_key(r));
            if term
                .module
                .as_ref()
                .is_some_and(|m| !module_index.contains_key(m))
            {
                term.module = None;
            }
            if term
                .exercise
                .as_ref()
                .is_some_and(|e| !exercise_index.contains_key(e))
            {
                term.exercise = None;
            }
        }
        exercises.retain(|e| term_index.contains_key(&e.term));
        let mut keep = practices.iter().map(|p| term_index.contains_key(&p.term));
        practice_pack.retain(|_| keep.next().unwrap_or(false));
        practices.retain(|p| term_index.contains_key(&p.term));
        for practice in &mut practices {
            if practice
                .exercise
                .as_ref()
                .is_some_and(|e| !exercise_index.contains_key(e))
            {
                practice.exercise = None;
            }
        }
        for exercise in &mut exercises {
            exercise.vocabulary.retain(|v| term_index.contains_key(v));
        }

        // Course order: by module (in module order; exercises of terms
        // without a module last), then as written.
        modules.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
        let module_index: FxHashMap<String, usize> = modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        let module_rank = |e: &Exercise| {
            terms[term_index[&e.term]]
                .module
                .as_ref()
                .and_then(|m| module_index.get(m).copied())
                .unwrap_or(usize::MAX)
        };
        exercises.sort_by_key(|e| module_rank(e));
        let exercise_index: FxHashMap<String, usize> = exercises
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();

        // A term's exercises: those that name it, and the one its own
        // (older) `exercise` field links, if that teaches another term.
        let mut by_term: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, exercise) in exercises.iter().enumerate() {
            by_term.entry(exercise.term.clone()).or_default().push(i);
        }
        for term in &mut terms {
            if let Some(&i) = term.exercise.as_ref().and_then(|e| exercise_index.get(e)) {
                let list = by_term.entry(term.id.clone()).or_default();
                if !list.contains(&i) {
                    list.insert(0, i);
                }
            }
            if term.exercise.is_none() {
                term.exercise = by_term
                    .get(&term.id)
                    .and_then(|l| l.first())
                    .map(|&i| exercises[i].id.clone());
            }
        }

        // Later packs win phrase clashes: list their phrases first.
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(term_pack[i]));
        let matcher = Matcher::with_setting(
            order.iter().flat_map(|&i| {
                let term = &terms[i];
                let avoided = term.avoid.iter().map(move |text| Phrase {
                    text,
                    term: i as u32,
                    avoided: true,
                });
                term.phrases()
                    .map(move |text| Phrase::of(text, i as u32))
                    .chain(avoided)
            }),
            |term| terms[term as usize].context == Some(TermContext::Llm),
        )
        .with_not_in(
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| (i as u32, t.not_in.as_slice())),
        )
        .with_not_near(
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| (i as u32, t.not_near.as_slice())),
        );

        // Each module's terms, for the distractors of generated questions.
        let mut module_terms: Vec<Vec<u32>> = vec![Vec::new(); modules.len()];
        for (i, term) in terms.iter().enumerate() {
            if let Some(&m) = term.module.as_ref().and_then(|m| module_index.get(m)) {
                module_terms[m].push(i as u32);
            }
        }
        let generated = (0..terms.len()).map(|_| OnceLock::new()).collect();
        let practices = compile_practices(&packs, practices, &practice_pack, &mut errors);
        let content = Content {
            modules,
            terms,
            exercises,
            generated,
            module_index,
            module_terms,
            term_index,
            exercise_index,
            by_term,
            matcher,
            practices,
            completion: OnceLock::new(),
        };
        (content, errors)
    }

    pub fn module(&self, id: &str) -> Option<&Module> {
        self.module_index.get(id).map(|&i| &self.modules[i])
    }

    pub fn term(&self, id: &str) -> Option<&Term> {
        self.term_index.get(id).map(|&i| &self.terms[i])
    }

    /// The names and aliases of every term, sorted for completion (built
    /// now if it was not yet: `O(P log P)` for `P` phrases, once).
    pub fn completion_index(&self) -> &crate::completion::TermIndex {
        self.completion
            .get_or_init(|| crate::completion::TermIndex::build(&self.terms))
    }

    pub fn term_index_of(&self, id: &str) -> Option<usize> {
        self.term_index.get(id).copied()
    }

    /// A hand-written or generated exercise by id.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        match self.exercise_index.get(id) {
            Some(&i) => Some(&self.exercises[i]),
            None => self.generated_question(id.strip_prefix(GENERATED_PREFIX)?),
        }
    }

    /// The question generated for a term with no hand-written exercise,
    /// made now if it was not yet; `None` when the term has exercises or the
    /// glossary is too small for distractors.
    pub fn generated_question(&self, term_id: &str) -> Option<&Exercise> {
        let index = *self.term_index.get(term_id)?;
        if self.by_term.get(term_id).is_some_and(|l| !l.is_empty()) {
            return None;
        }
        self.generated[index]
            .get_or_init(|| generated::question(self, index).map(Box::new))
            .as_deref()
    }

    /// One-based position of a hand-written exercise in the course, for
    /// "exercise 1 of 120"; `None` for generated questions.
    pub fn exercise_number(&self, id: &str) -> Option<usize> {
        self.exercise_index.get(id).map(|&i| i + 1)
    }

    /// The exercises that practise a term: its hand-written ones in course
    /// order, or else its generated question.
    pub fn exercises_for_term(&self, term_id: &str) -> Vec<&Exercise> {
        match self.by_term.get(term_id) {
            Some(list) if !list.is_empty() => list.iter().map(|&i| &self.exercises[i]).collect(),
            _ => self.generated_question(term_id).into_iter().collect(),
        }
    }

    /// The first exercise that practises a term.
    pub fn exercise_for_term(&self, term_id: &str) -> Option<&Exercise> {
        self.exercises_for_term(term_id).into_iter().next()
    }

    /// The module of an exercise: that of the term it teaches.
    pub fn module_of(&self, exercise: &Exercise) -> Option<&Module> {
        self.term(&exercise.term)?
            .module
            .as_deref()
            .and_then(|m| self.module(m))
    }
}

/// Compiles the merged rules into one set. Should they exceed the set's
/// size limit together (each rule is within its own limit), the rules of
/// the last pack that has any are dropped, one pack at a time, and the
/// error is put on that pack's first rule.
fn compile_practices(
    packs: &[&Pack],
    mut rules: Vec<Practice>,
    from: &[usize],
    errors: &mut Vec<PackError>,
) -> PracticeSet {
    if packs.iter().all(|p| p.path.starts_with(BUILTIN_PREFIX)) {
        return PracticeSet::new_checked_at_build(rules);
    }
    let mut from = from.to_vec();
    loop {
        let reason = match PracticeSet::new(rules.clone()) {
            Ok(set) => return set,
            Err(reason) => reason,
        };
        let Some(&last) = from.iter().max() else {
            return PracticeSet::default();
        };
        let pack = packs[last];
        if let Some(first) = pack.practices.first() {
            errors.push(pack.error_at(
                span_of(pack, &first.origin),
                format!(
                    "practice `{}`: the practices of this pack, with those of the packs before it, do not fit in one set ({}); this pack's practices are not used",
                    first.id,
                    reason.replace('\n', " ")
                ),
            ));
        }
        let mut keep = from.iter().map(|&p| p != last);
        rules.retain(|_| keep.next().unwrap_or(false));
        from.retain(|&p| p != last);
    }
}

/// A pack's layer: its scope and, for workspace packs, the `.llmops/`
/// folder that holds it. Ids may be defined once per layer; a later layer
/// overrides an earlier one.
type Layer<'p> = (Scope, &'p str);

fn layer_of(pack: &Pack) -> Layer<'_> {
    let folder = match pack.scope {
        Scope::Workspace => std::path::Path::new(&*pack.path)
            .parent()
            .and_then(|p| p.to_str())
            .unwrap_or(""),
        _ => "",
    };
    (pack.scope, folder)
}

/// Adds `item` under `id`, or replaces the item already there (a later scope
/// overriding an earlier one). Returns where it is.
fn upsert<T>(items: &mut Vec<T>, index: &mut FxHashMap<String, usize>, id: &str, item: T) -> usize {
    match index.get(id) {
        Some(&i) => {
            items[i] = item;
            i
        }
        None => {
            index.insert(id.to_string(), items.len());
            items.push(item);
            items.len() - 1
        }
    }
}

/// The built-in files, parsed. Errors of every file are returned together.
pub fn builtin_packs() -> Result<Vec<Pack>, Vec<PackError>> {
    let mut packs = Vec::new();
    let mut errors = Vec::new();
    for file in BUILTIN_FILES {
        match Pack::parse(file.path, Scope::Builtin, file.source) {
            Ok(pack) => packs.push(pack),
            Err(found) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(packs)
    } else {
        Err(errors)
    }
}

/// The built-in packs in a compact binary form (postcard), for the server to
/// embed at build time (`server/build.rs`) and read at start with
/// [`builtin_packs_compiled`] instead of parsing 500 KB of TOML. The TOML
/// files stay the source of truth: this is made from [`builtin_packs`], so
/// any field the parser fills flows through.
pub fn compile_builtin() -> Result<Vec<u8>, Vec<PackError>> {
    let packs = builtin_packs()?;
    postcard::to_allocvec(&packs).map_err(|e| {
        vec![PackError {
            path: Arc::from(BUILTIN_PREFIX),
            range: 0..0,
            line: 1,
            column: 1,
            message: format!("cannot encode the built-in course: {e}"),
        }]
    })
}

/// The built-in packs from the form [`compile_builtin`] made, with their
/// embedded sources put back; `None` when the bytes do not decode or do not
/// belong to these built-in files (then parse them with [`builtin_packs`]).
pub fn builtin_packs_compiled(bytes: &[u8]) -> Option<Vec<Pack>> {
    let packs: Vec<Pack> = postcard::from_bytes(bytes).ok()?;
    if packs.len() != BUILTIN_FILES.len() {
        return None;
    }
    packs
        .into_iter()
        .zip(BUILTIN_FILES)
        .map(|(pack, file)| (*pack.path == *file.path).then(|| pack.with_source(file.source)))
        .collect()
}

fn span_of(pack: &Pack, origin: &Origin) -> std::ops::Range<usize> {
    let start = pack.offset_of(origin.line, origin.column);
    start..start
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in course's rules are put together without the size
    /// check at start (`PracticeSet::new_checked_at_build`): this is that
    /// check, and each rule's pattern compiles too.
    #[test]
    fn the_builtin_practices_fit_in_one_set() {
        let content = Content::builtin().unwrap();
        let rules = content.practices.rules.clone();
        assert!(rules.len() > 5, "{} rules", rules.len());
        for rule in &rules {
            compile_practice_pattern(&rule.pattern).unwrap();
        }
        PracticeSet::new(rules).unwrap();
    }

    #[test]
    fn team_terms_override_builtin_ones_and_refs_are_checked() {
        let mut packs = builtin_packs().unwrap();
        let team = Pack::parse(
            ".llmops/team.toml",
            Scope::Workspace,
            "[[term]]\nid = \"ttft\"\nname = \"Time to first token\"\naliases = [\"TTFT\"]\n\
             definition = \"Our own words.\"\nrelated = [\"no-such-term\"]\n",
        )
        .unwrap();
        packs.push(team);
        let (content, errors) = Content::merge(&packs);
        assert_eq!(content.term("ttft").unwrap().definition, "Our own words.");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().starts_with(".llmops/team.toml:6:12:"),
            "{}",
            errors[0]
        );
        assert!(errors[0].message.contains("`related`"));
        // The exercise link survives the override.
        assert_eq!(content.exercise_for_term("ttft").unwrap().id, "ttft-1");
    }

    #[test]
    fn two_packs_of_one_scope_may_not_define_the_same_id() {
        let source = "[[term]]\nid = \"x\"\nname = \"xx term\"\ndefinition = \"d\"\n";
        let a = Pack::parse("a.toml", Scope::Workspace, source).unwrap();
        let b = Pack::parse("b.toml", Scope::Workspace, source).unwrap();
        let (_, errors) = Content::merge(&[a, b]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().starts_with("b.toml:2:"),
            "{}",
            errors[0]
        );
        assert!(errors[0].message.contains("also defined in a.toml"));
    }

    #[test]
    fn two_packs_of_one_scope_may_not_share_a_phrase() {
        let a = "[[term]]\nid = \"x\"\nname = \"Team term\"\ndefinition = \"d\"\n";
        let b = "[[term]]\nid = \"y\"\nname = \"team_term\"\ndefinition = \"d\"\n";
        let pack = |path, scope, source| Pack::parse(path, scope, source).unwrap();
        let (_, errors) = Content::merge(&[
            pack("a.toml", Scope::Workspace, a),
            pack("b.toml", Scope::Workspace, b),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].to_string().starts_with(
                "b.toml:2:6: term `y`: phrase \"team_term\" is already used by term `x`"
            ),
            "{}",
            errors[0]
        );
        // Across scopes a later pack may reuse a phrase: it wins the match.
        let (content, errors) = Content::merge(&[
            pack("a.toml", Scope::User, a),
            pack("b.toml", Scope::Workspace, b),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let hits = content.matcher.find_all("see the team term");
        assert_eq!(hits.len(), 1);
        assert_eq!(content.terms[hits[0].term as usize].id, "y");
    }
}
