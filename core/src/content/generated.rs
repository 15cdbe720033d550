//! Questions made from the glossary, so that every term can be practised
//! even when no pack wrote an exercise for it (team packs often define only
//! terms): "which term matches this definition?", with the term's own
//! phrases blanked out of the definition and distractors taken from its
//! related terms, then from its module, then from the rest of the glossary.
//!
//! Everything is derived from the content alone, so a question's id
//! (`gen:<term id>`), its choices and their order are the same in every
//! process and across restarts: progress recorded against it stays valid.

use super::Content;
use super::model::{Exercise, Term};

/// Prefix of generated exercise ids; pack ids cannot contain `:`.
pub const GENERATED_PREFIX: &str = "gen:";

/// Choices of a generated question (the right one included), when the
/// glossary has enough other terms.
const CHOICES: usize = 4;

/// Most candidates looked at in each group of distractors.
const CANDIDATES: usize = 64;

/// Stands in for the term's own name and aliases in the definition.
const BLANK: &str = "[this term]";

pub(super) fn id_for(term_id: &str) -> String {
    format!("{GENERATED_PREFIX}{term_id}")
}

/// FNV-1a: a stable hash (the same in every build and process), used to
/// vary distractors and the right answer's position from term to term.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The question for the term at `index`, or `None` when the glossary has
/// too few other terms to offer as distractors. [`Content`] makes it the
/// first time it is asked for; it costs the same in a glossary of a hundred
/// terms or of a hundred thousand.
pub(super) fn question(content: &Content, index: usize) -> Option<Exercise> {
    let term = &content.terms[index];
    let seed = stable_hash(&term.id);
    let same_module = term
        .module
        .as_deref()
        .and_then(|m| content.module_index.get(m))
        .map_or(&[][..], |&m| content.module_terms[m].as_slice());
    let distractors = distractors(content, term, same_module, seed);
    if distractors.len() < 2 {
        return None;
    }
    let mut choices: Vec<&Term> = distractors;
    let answer = (seed % (choices.len() as u64 + 1)) as usize;
    choices.insert(answer, term);

    let why = choices
        .iter()
        .map(|t| {
            if t.id == term.id {
                format!("{} is the term defined here.", t.name)
            } else {
                format!("{} means something else: {}", t.name, t.summary())
            }
        })
        .collect();
    Some(Exercise {
        id: id_for(&term.id),
        term: term.id.clone(),
        title: format!("Which term is this? ({})", module_label(content, term)),
        scenario: blank_out(content, index, &term.definition),
        question: "Which term does this definition describe?".into(),
        choices: choices.iter().map(|t| t.name.clone()).collect(),
        answer,
        why,
        explanation: format!("{}: {}", term.name, term.definition),
        vocabulary: choices.iter().map(|t| t.id.clone()).collect(),
        snippet: None,
        generated: true,
        origin: term.origin.clone(),
    })
}

fn module_label(content: &Content, term: &Term) -> String {
    term.module
        .as_deref()
        .and_then(|m| content.module(m))
        .map_or_else(|| "glossary".to_string(), |m| m.name.clone())
}

/// Up to three other terms with distinct names: related ones first (the
/// closest confusions), then the same module's, then any, each group
/// rotated by the term's hash so that questions do not all share the same
/// distractors. `same_module` lists the indexes of the module's terms.
/// Groups are walked lazily from the rotation point, and at most
/// [`CANDIDATES`] of each are looked at, so a question costs the same in a
/// glossary of a hundred terms or of a hundred thousand.
fn distractors<'c>(
    content: &'c Content,
    term: &Term,
    same_module: &[u32],
    seed: u64,
) -> Vec<&'c Term> {
    /// `group` from position `seed % len`, wrapping around.
    fn rotated<T: Copy>(group: &[T], seed: u64) -> impl Iterator<Item = T> + '_ {
        let by = if group.is_empty() {
            0
        } else {
            (seed % group.len() as u64) as usize
        };
        group[by..]
            .iter()
            .chain(&group[..by])
            .copied()
            .take(CANDIDATES)
    }
    let related: Vec<&Term> = term
        .related
        .iter()
        .filter_map(|id| content.term(id))
        .collect();
    // Every term, rotated the same way, without listing them all.
    let n = content.terms.len();
    let by = if n == 0 {
        0
    } else {
        (seed % n as u64) as usize
    };
    let everyone = (by..n).chain(0..by).take(CANDIDATES);
    let mut picked: Vec<&Term> = Vec::new();
    for candidate in rotated(&related, seed)
        .chain(rotated(same_module, seed).map(|i| &content.terms[i as usize]))
        .chain(everyone.map(|i| &content.terms[i]))
    {
        if picked.len() == CHOICES - 1 {
            break;
        }
        let name = candidate.name.to_lowercase();
        if candidate.id == term.id
            || name == term.name.to_lowercase()
            || picked.iter().any(|p| p.name.to_lowercase() == name)
        {
            continue;
        }
        picked.push(candidate);
    }
    picked
}

/// The definition with every mention of the term itself replaced, found
/// with the same matcher that spots terms in documents (so `TTFT` and
/// `time-to-first-token` are caught as well as the name).
fn blank_out(content: &Content, index: usize, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for hit in content.matcher.find_all(text) {
        if hit.term as usize != index || hit.start() < last {
            continue;
        }
        out.push_str(&text[last..hit.start()]);
        out.push_str(BLANK);
        last = hit.end();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use crate::content::{Content, Pack, Scope};

    const TEAM: &str = r#"
[[module]]
id = "platform"
name = "Our platform"
order = 20
summary = "The internal services."

[[term]]
id = "acme-gateway"
name = "Acme gateway"
aliases = ["AGW"]
definition = "Our proxy in front of every model provider (the AGW). The Acme gateway adds auth and quotas."
related = ["acme-router", "acme-ledger"]
module = "platform"

[[term]]
id = "acme-router"
name = "Acme router"
definition = "Picks a model per request."
module = "platform"

[[term]]
id = "acme-ledger"
name = "Acme ledger"
definition = "Records the token spend of each team."
module = "platform"

[[term]]
id = "acme-vault"
name = "Acme vault"
definition = "Keeps provider keys."
module = "platform"
"#;

    fn content() -> Content {
        let pack = Pack::parse(".llmops/acme.toml", Scope::Workspace, TEAM).unwrap();
        let (content, errors) = Content::merge(&[pack]);
        assert!(errors.is_empty(), "{errors:?}");
        content
    }

    #[test]
    fn a_term_without_exercise_gets_a_stable_question_that_hides_its_name() {
        let content = content();
        let q = content.exercise_for_term("acme-gateway").unwrap();
        assert_eq!(q.id, "gen:acme-gateway");
        assert!(q.generated);
        assert_eq!(content.exercise("gen:acme-gateway"), Some(q));
        assert_eq!(
            q.scenario,
            "Our proxy in front of every model provider (the [this term]). The [this term] adds auth and quotas."
        );
        assert_eq!(q.choices.len(), 4);
        assert_eq!(q.choices[q.answer], "Acme gateway");
        assert_eq!(q.why.len(), 4);
        assert!(q.why[(q.answer + 1) % 4].contains("means something else"));
        // Related terms come first among the distractors.
        for related in ["Acme router", "Acme ledger"] {
            assert!(q.choices.iter().any(|c| c == related), "{:?}", q.choices);
        }
        // Deterministic: the same content gives the same question.
        assert_eq!(content.exercise("gen:acme-gateway"), content_again());
        // Generated questions are not part of the course totals.
        assert!(content.exercises.is_empty());
        for term in ["acme-gateway", "acme-router", "acme-ledger", "acme-vault"] {
            assert!(content.exercise(&format!("gen:{term}")).is_some(), "{term}");
        }
        assert_eq!(content.exercise_number("gen:acme-gateway"), None);
    }

    fn content_again() -> Option<&'static crate::content::Exercise> {
        let content = Box::leak(Box::new(content()));
        content.exercise("gen:acme-gateway")
    }

    #[test]
    fn no_question_when_the_glossary_is_too_small() {
        let pack = Pack::parse(
            "a.toml",
            Scope::Workspace,
            "[[term]]\nid = \"x\"\nname = \"xx term\"\ndefinition = \"d\"\n",
        )
        .unwrap();
        let (content, _) = Content::merge(&[pack]);
        assert!(content.exercise_for_term("x").is_none());
    }
}
