//! The glossary and exercises: packs parsed from TOML, merged into one
//! [`Content`] with its compiled matcher.

pub mod limits;
mod model;
mod pack;

use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use model::{Exercise, Origin, Term, TermContext};
use pack::ReferenceKind;
pub use pack::{CHOICES, Pack, PackError, Scope};

use crate::matcher::{Matcher, Phrase};

/// Name under which the embedded pack is reported.
pub const BUILTIN_PATH: &str = "builtin:content/builtin.toml";
/// The built-in pack's source, embedded so the server works with no setup.
pub const BUILTIN_SOURCE: &str = include_str!("../../../content/builtin.toml");

/// Everything the server knows: terms and exercises of all packs merged,
/// later scopes overriding earlier ones, and the matcher compiled from them.
#[derive(Debug)]
pub struct Content {
    pub terms: Vec<Term>,
    pub exercises: Vec<Exercise>,
    term_index: FxHashMap<String, usize>,
    exercise_index: FxHashMap<String, usize>,
    pub matcher: Matcher,
}

impl Content {
    /// The built-in pack alone.
    pub fn builtin() -> Result<Content, Vec<PackError>> {
        let pack = builtin_pack()?;
        let (content, errors) = Content::merge(&[pack]);
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(errors)
        }
    }

    /// Merges packs in order (built-in first). Returns the merged content and
    /// the problems found across packs: a reference to an id that no pack
    /// defines, or an id defined twice in one scope. Broken references are
    /// dropped from the merged content so the rest keeps working.
    pub fn merge<P: std::borrow::Borrow<Pack>>(packs: &[P]) -> (Content, Vec<PackError>) {
        let packs: Vec<&Pack> = packs.iter().map(|p| p.borrow()).collect();
        let mut errors = Vec::new();
        let mut terms: Vec<Term> = Vec::new();
        let mut exercises: Vec<Exercise> = Vec::new();
        let mut term_index = FxHashMap::default();
        let mut exercise_index = FxHashMap::default();
        // (id, scope) -> defining pack, to catch clashes inside a scope.
        let mut defined: FxHashMap<(bool, String, Scope), Arc<str>> = FxHashMap::default();

        for &pack in &packs {
            for term in &pack.terms {
                let key = (true, term.id.clone(), pack.scope);
                if let Some(other) = defined.get(&key).filter(|p| **p != pack.path) {
                    errors.push(pack.error_at(
                        span_of(pack, &term.origin),
                        format!("term field `id`: `{}` is also defined in {other}", term.id),
                    ));
                    continue;
                }
                defined.insert(key, pack.path.clone());
                match term_index.get(&term.id) {
                    Some(&i) => terms[i] = term.clone(),
                    None => {
                        term_index.insert(term.id.clone(), terms.len());
                        terms.push(term.clone());
                    }
                }
            }
            for exercise in &pack.exercises {
                let key = (false, exercise.id.clone(), pack.scope);
                if let Some(other) = defined.get(&key).filter(|p| **p != pack.path) {
                    errors.push(pack.error_at(
                        span_of(pack, &exercise.origin),
                        format!(
                            "exercise field `id`: `{}` is also defined in {other}",
                            exercise.id
                        ),
                    ));
                    continue;
                }
                defined.insert(key, pack.path.clone());
                match exercise_index.get(&exercise.id) {
                    Some(&i) => exercises[i] = exercise.clone(),
                    None => {
                        exercise_index.insert(exercise.id.clone(), exercises.len());
                        exercises.push(exercise.clone());
                    }
                }
            }
        }

        for &pack in &packs {
            for reference in &pack.references {
                let exists = match reference.kind {
                    ReferenceKind::Term => term_index.contains_key(&reference.target),
                    ReferenceKind::Exercise => exercise_index.contains_key(&reference.target),
                };
                if !exists {
                    let kind = match reference.kind {
                        ReferenceKind::Term => "term",
                        ReferenceKind::Exercise => "exercise",
                    };
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

        // Drop what does not resolve, and link terms to the exercises that
        // name them when the term itself does not say.
        for term in &mut terms {
            term.related.retain(|r| term_index.contains_key(r));
            if term
                .exercise
                .as_ref()
                .is_some_and(|e| !exercise_index.contains_key(e))
            {
                term.exercise = None;
            }
        }
        exercises.retain(|e| term_index.contains_key(&e.term));
        exercise_index = exercises
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        for exercise in &exercises {
            let term = &mut terms[term_index[&exercise.term]];
            if term.exercise.is_none() {
                term.exercise = Some(exercise.id.clone());
            }
        }
        for exercise in &mut exercises {
            exercise.vocabulary.retain(|v| term_index.contains_key(v));
        }

        // Later packs win phrase clashes: list their phrases first.
        let order: Vec<usize> = {
            let mut order: Vec<usize> = (0..terms.len()).collect();
            let rank = |t: &Term| {
                packs
                    .iter()
                    .rposition(|p| p.path == t.origin.pack)
                    .unwrap_or(0)
            };
            order.sort_by_key(|&i| std::cmp::Reverse(rank(&terms[i])));
            order
        };
        let matcher = Matcher::new(order.iter().flat_map(|&i| {
            terms[i].phrases().map(move |text| Phrase {
                text,
                term: i as u32,
            })
        }));

        let content = Content {
            terms,
            exercises,
            term_index,
            exercise_index,
            matcher,
        };
        (content, errors)
    }

    pub fn term(&self, id: &str) -> Option<&Term> {
        self.term_index.get(id).map(|&i| &self.terms[i])
    }

    pub fn term_index_of(&self, id: &str) -> Option<usize> {
        self.term_index.get(id).copied()
    }

    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercise_index.get(id).map(|&i| &self.exercises[i])
    }

    /// One-based position of an exercise in the course, for "exercise 1 of 5".
    pub fn exercise_number(&self, id: &str) -> Option<usize> {
        self.exercise_index.get(id).map(|&i| i + 1)
    }

    /// The exercise that teaches a term.
    pub fn exercise_for_term(&self, term_id: &str) -> Option<&Exercise> {
        self.term(term_id)?
            .exercise
            .as_deref()
            .and_then(|id| self.exercise(id))
    }
}

/// The built-in pack, parsed.
pub fn builtin_pack() -> Result<Pack, Vec<PackError>> {
    Pack::parse(BUILTIN_PATH, Scope::Builtin, BUILTIN_SOURCE)
}

fn span_of(pack: &Pack, origin: &Origin) -> std::ops::Range<usize> {
    let start = pack.offset_of(origin.line, origin.column);
    start..start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_terms_override_builtin_ones_and_refs_are_checked() {
        let builtin = builtin_pack().unwrap();
        let team = Pack::parse(
            ".llmops/team.toml",
            Scope::Workspace,
            "[[term]]\nid = \"ttft\"\nname = \"Time to first token\"\naliases = [\"TTFT\"]\n\
             definition = \"Our own words.\"\nrelated = [\"no-such-term\"]\n",
        )
        .unwrap();
        let (content, errors) = Content::merge(&[builtin, team]);
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
}
