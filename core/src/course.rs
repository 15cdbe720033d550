//! The exercises as a course: what a client may see of an exercise, checking
//! an answer, and the learner's standing. These shapes are the JSON contract
//! of the `llmops.*` commands, so they live here where they can be tested
//! without an editor.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Content, Exercise, Snippet};
use crate::learning::{self, Grade};
use crate::progress::{Notice, ProgressData, ProgressStore};

/// Choice ids shown to clients: `a`, `b`, `c`, ...
pub fn choice_id(index: usize) -> String {
    char::from(b'a' + index as u8).to_string()
}

/// Index of a choice id (`"b"`) or of a number given as text (`"1"`).
pub fn choice_index(exercise: &Exercise, id: &str) -> Option<usize> {
    let id = id.trim();
    let index = match id.as_bytes() {
        [c @ b'a'..=b'z'] => usize::from(c - b'a'),
        [c @ b'A'..=b'Z'] => usize::from(c - b'A'),
        _ => id.parse().ok()?,
    };
    (index < exercise.choices.len()).then_some(index)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChoiceView {
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VocabularyView {
    pub id: String,
    pub name: String,
    pub definition: String,
}

/// An exercise as a client may show it before it is answered: no field
/// names the right choice, and the choices come in a fresh order each time
/// (their ids stay those of the pack's order, so answers by id work). The
/// key vocabulary is not here: its first entry is the exercise's own term,
/// whose definition the right choice echoes, so it comes with the first
/// answer ([`AnswerView::vocabulary`]). Clients show the term's name only
/// after the first answer too (see the README's "Exercises" section).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseView {
    pub id: String,
    pub title: String,
    /// Term id the exercise teaches.
    pub term: String,
    pub term_name: String,
    /// Module id of the term, and its name.
    pub module: Option<String>,
    pub module_name: Option<String>,
    pub scenario: String,
    pub question: String,
    pub choices: Vec<ChoiceView>,
    pub completed: bool,
    /// One-based position in the course and its length ("1 of 120");
    /// `number` is null for a generated question, which is not part of the
    /// course totals.
    pub number: Option<usize>,
    pub total: usize,
    /// Made from the glossary rather than written in a pack.
    pub generated: bool,
    /// The code or configuration the question is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub completed: usize,
    pub total: usize,
}

/// Exercises completed in one module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModuleStanding {
    pub id: String,
    pub name: String,
    pub completed: usize,
    pub total: usize,
}

/// The result of an answer. After a wrong one it says why the chosen
/// choice is wrong and nothing that gives the right one away, so that
/// trying again means something; after a right one, the whole picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerView {
    pub correct: bool,
    pub chosen: String,
    /// Choice id -> why it is right or wrong: only the chosen choice after a
    /// wrong answer, every choice after a right one.
    pub why: BTreeMap<String, String>,
    /// Only after a right answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_choice: Option<String>,
    /// Only after a right answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Whether the exercise is completed now. A right answer given after
    /// the answer was revealed does not complete it until the term's next
    /// review is due.
    pub completed: bool,
    pub progress: Standing,
    /// The next exercise not yet completed, to offer "next exercise".
    pub next_exercise_id: Option<String>,
    /// The key vocabulary, shown once the learner has tried (right or
    /// wrong): before the first answer it would give the key away.
    pub vocabulary: Vec<VocabularyView>,
}

/// The whole picture of an exercise, asked for without answering right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealView {
    pub right_choice: String,
    pub why: BTreeMap<String, String>,
    pub explanation: String,
    pub completed: bool,
    pub progress: Standing,
    /// As in [`AnswerView::vocabulary`].
    pub vocabulary: Vec<VocabularyView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEntry {
    pub id: String,
    pub title: String,
    pub term: String,
    pub term_name: String,
    pub module: Option<String>,
    pub module_name: Option<String>,
    pub completed: bool,
    pub attempts: u32,
}

/// A command that cannot be carried out, worded for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CourseError {
    UnknownExercise(String),
    UnknownTerm(String),
    NoExerciseForTerm(String),
    UnknownChoice {
        exercise: String,
        choice: String,
        count: usize,
    },
}

impl std::fmt::Display for CourseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CourseError::UnknownExercise(id) => write!(f, "unknown exercise id `{id}`"),
            CourseError::UnknownTerm(id) => write!(f, "unknown term id `{id}`"),
            CourseError::NoExerciseForTerm(id) => write!(f, "term `{id}` has no exercise"),
            CourseError::UnknownChoice {
                exercise,
                choice,
                count,
            } => write!(
                f,
                "exercise `{exercise}` has no choice `{choice}` (choices are {})",
                (0..*count).map(choice_id).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::error::Error for CourseError {}

fn is_completed(progress: &ProgressData, id: &str) -> bool {
    progress.exercises.get(id).is_some_and(|r| r.completed)
}

/// Hand-written exercises completed, of all of them.
pub fn standing(content: &Content, progress: &ProgressData) -> Standing {
    Standing {
        completed: content
            .exercises
            .iter()
            .filter(|e| is_completed(progress, &e.id))
            .count(),
        total: content.exercises.len(),
    }
}

/// Completed and total hand-written exercises of each module, in course
/// order. Terms with no module count only in the overall standing.
pub fn module_standings(content: &Content, progress: &ProgressData) -> Vec<ModuleStanding> {
    let mut standings: Vec<ModuleStanding> = content
        .modules
        .iter()
        .map(|m| ModuleStanding {
            id: m.id.clone(),
            name: m.name.clone(),
            completed: 0,
            total: 0,
        })
        .collect();
    for exercise in &content.exercises {
        let Some(module) = content.module_of(exercise) else {
            continue;
        };
        if let Some(s) = standings.iter_mut().find(|s| s.id == module.id) {
            s.total += 1;
            s.completed += usize::from(is_completed(progress, &exercise.id));
        }
    }
    standings
}

/// Finds an exercise by its id, or, given a term id, the term's exercise
/// the learner has seen least recently (never-seen ones first, then in
/// course order); a term without hand-written exercises gets its generated
/// question.
pub fn find<'c>(
    content: &'c Content,
    progress: &ProgressData,
    exercise_id: Option<&str>,
    term_id: Option<&str>,
) -> Result<&'c Exercise, CourseError> {
    match (exercise_id, term_id) {
        (Some(id), _) => content
            .exercise(id)
            .ok_or_else(|| CourseError::UnknownExercise(id.into())),
        (None, Some(term)) => {
            content
                .term(term)
                .ok_or_else(|| CourseError::UnknownTerm(term.into()))?;
            least_recently_seen(content, progress, term)
                .ok_or_else(|| CourseError::NoExerciseForTerm(term.into()))
        }
        (None, None) => Err(CourseError::UnknownExercise(String::new())),
    }
}

/// The exercise of a term to open next: the one seen least recently.
pub fn least_recently_seen<'c>(
    content: &'c Content,
    progress: &ProgressData,
    term_id: &str,
) -> Option<&'c Exercise> {
    content
        .exercises_for_term(term_id)
        .into_iter()
        .min_by_key(|e| progress.exercises.get(&e.id).and_then(|r| r.last_seen))
}

/// A seed for [`shuffled`], different on every call: std's `RandomState`
/// is randomly keyed per process, and the counter varies it within one.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A permutation of `0..n` drawn from `seed` (Fisher-Yates over
/// splitmix64): the order in which choices are shown.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// An exercise as shown, its choices in the order `seed` draws.
pub fn view(
    content: &Content,
    progress: &ProgressData,
    exercise: &Exercise,
    seed: u64,
) -> ExerciseView {
    let term_name = content
        .term(&exercise.term)
        .map_or_else(|| exercise.term.clone(), |t| t.name.clone());
    let module = content.module_of(exercise);
    ExerciseView {
        id: exercise.id.clone(),
        title: exercise.title.clone(),
        term: exercise.term.clone(),
        term_name,
        module: module.map(|m| m.id.clone()),
        module_name: module.map(|m| m.name.clone()),
        scenario: exercise.scenario.clone(),
        question: exercise.question.clone(),
        choices: shuffled(exercise.choices.len(), seed)
            .into_iter()
            .map(|i| ChoiceView {
                id: choice_id(i),
                text: exercise.choices[i].clone(),
            })
            .collect(),
        completed: is_completed(progress, &exercise.id),
        number: content.exercise_number(&exercise.id),
        total: content.exercises.len(),
        generated: exercise.generated,
        snippet: exercise.snippet.clone(),
    }
}

/// Opens an exercise: records when it was seen (reviews pick the exercise
/// seen least recently) and starts a new sitting, so that the first answer
/// after opening is rated as a first try.
pub fn open(
    content: &Content,
    store: &mut ProgressStore,
    exercise: &Exercise,
    now: u64,
    seed: u64,
) -> (ExerciseView, Option<Notice>) {
    let id = exercise.id.clone();
    let notice = store.update(move |data| {
        let record = data.exercises.entry(id.clone()).or_default();
        record.last_seen = Some(now);
        record.retrying = false;
    });
    (view(content, store.data(), exercise, seed), notice)
}

/// The first exercise after `after` (wrapping around) that is not completed.
pub fn next_open(content: &Content, progress: &ProgressData, after: &str) -> Option<String> {
    let start = content.exercise_number(after).unwrap_or(0);
    let n = content.exercises.len();
    (0..n)
        .map(|k| &content.exercises[(start + k) % n])
        .find(|e| e.id != after && !is_completed(progress, &e.id))
        .map(|e| e.id.clone())
}

/// The exercise's key vocabulary, as the answer and the reveal carry it.
fn vocabulary(content: &Content, exercise: &Exercise) -> Vec<VocabularyView> {
    exercise
        .vocabulary
        .iter()
        .filter_map(|id| content.term(id))
        .map(|t| VocabularyView {
            id: t.id.clone(),
            name: t.name.clone(),
            definition: t.definition.clone(),
        })
        .collect()
}

fn why_of(exercise: &Exercise, index: usize) -> Option<(String, String)> {
    exercise
        .why
        .get(index)
        .map(|text| (choice_id(index), text.clone()))
}

fn why_all(exercise: &Exercise) -> BTreeMap<String, String> {
    (0..exercise.choices.len())
        .filter_map(|i| why_of(exercise, i))
        .collect()
}

/// Checks an answer and records it as a review of the exercise's term: the
/// first wrong answer of a sitting rates Again (further wrong tries are not
/// further lapses), a right answer after a wrong try Hard, a right answer
/// at once Good. A right answer completes the exercise, except after the
/// answer was revealed: then only once the term is due again. Every answer
/// counts as an attempt.
pub fn answer(
    content: &Content,
    store: &mut ProgressStore,
    exercise: &Exercise,
    choice: &str,
    now: u64,
) -> Result<(AnswerView, Option<Notice>), CourseError> {
    let index = choice_index(exercise, choice).ok_or_else(|| CourseError::UnknownChoice {
        exercise: exercise.id.clone(),
        choice: choice.into(),
        count: exercise.choices.len(),
    })?;
    let correct = index == exercise.answer;
    let id = exercise.id.clone();
    let term = exercise.term.clone();
    let notice = store.update(move |data| {
        let due = data.memory.get(&term).is_none_or(|m| now >= m.due_at);
        let record = data.exercises.entry(id.clone()).or_default();
        record.attempts = record.attempts.saturating_add(1);
        let grade = if correct {
            if record.revealed_at.is_some() && !due {
                None
            } else {
                let grade = if record.retrying {
                    Grade::Hard
                } else {
                    Grade::Good
                };
                record.retrying = false;
                record.revealed_at = None;
                if !record.completed {
                    record.completed_at = Some(now);
                }
                record.completed = true;
                Some(grade)
            }
        } else {
            record.wrong = record.wrong.saturating_add(1);
            let first = !record.retrying;
            record.retrying = true;
            first.then_some(Grade::Again)
        };
        if let Some(grade) = grade {
            learning::record_review(data, &term, grade, now);
        }
    });
    let progress = store.data();
    let view = if correct {
        AnswerView {
            correct,
            chosen: choice_id(index),
            why: why_all(exercise),
            right_choice: Some(choice_id(exercise.answer)),
            explanation: Some(exercise.explanation.clone()),
            completed: is_completed(progress, &exercise.id),
            progress: standing(content, progress),
            next_exercise_id: next_open(content, progress, &exercise.id),
            vocabulary: vocabulary(content, exercise),
        }
    } else {
        AnswerView {
            correct,
            chosen: choice_id(index),
            why: why_of(exercise, index).into_iter().collect(),
            right_choice: None,
            explanation: None,
            completed: is_completed(progress, &exercise.id),
            progress: standing(content, progress),
            next_exercise_id: next_open(content, progress, &exercise.id),
            vocabulary: vocabulary(content, exercise),
        }
    };
    Ok((view, notice))
}

/// Shows the right answer, why for every choice and the explanation. The
/// scheduler counts it as a lapse (once per sitting, like a wrong answer),
/// and the exercise is completed only by a right answer once its term is
/// due again.
pub fn reveal(
    content: &Content,
    store: &mut ProgressStore,
    exercise: &Exercise,
    now: u64,
) -> (RevealView, Option<Notice>) {
    let id = exercise.id.clone();
    let term = exercise.term.clone();
    let notice = store.update(move |data| {
        let record = data.exercises.entry(id.clone()).or_default();
        record.revealed_at = Some(now);
        let first = !record.retrying;
        record.retrying = true;
        if first {
            learning::record_review(data, &term, Grade::Again, now);
        }
    });
    let progress = store.data();
    (
        RevealView {
            right_choice: choice_id(exercise.answer),
            why: why_all(exercise),
            explanation: exercise.explanation.clone(),
            completed: is_completed(progress, &exercise.id),
            progress: standing(content, progress),
            vocabulary: vocabulary(content, exercise),
        },
        notice,
    )
}

pub fn list(content: &Content, progress: &ProgressData) -> Vec<ListEntry> {
    content
        .exercises
        .iter()
        .map(|e| {
            let record = progress.exercises.get(&e.id);
            let module = content.module_of(e);
            ListEntry {
                id: e.id.clone(),
                title: e.title.clone(),
                term: e.term.clone(),
                term_name: content
                    .term(&e.term)
                    .map_or_else(|| e.term.clone(), |t| t.name.clone()),
                module: module.map(|m| m.id.clone()),
                module_name: module.map(|m| m.name.clone()),
                completed: record.is_some_and(|r| r.completed),
                attempts: record.map_or(0, |r| r.attempts),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Pack, Scope};
    use crate::learning::DAY;

    const T0: u64 = 1_700_000_000;

    /// Two modules in two files of one scope, as the built-in content is.
    const SERVING: &str = r#"
[[module]]
id = "serving"
name = "Serving"
order = 2
summary = "Run models."

[[term]]
id = "kv-cache"
name = "KV cache"
definition = "Keeps attention keys and values of earlier tokens."
related = ["ttft"]
module = "serving"

[[term]]
id = "batching"
name = "Continuous batching"
definition = "Adds requests to a running batch at each step."
module = "serving"
"#;
    const LATENCY: &str = r#"
[[module]]
id = "latency"
name = "Latency"
order = 1
summary = "Measure waits."

[[term]]
id = "ttft"
name = "Time to first token"
aliases = ["TTFT"]
definition = "The wait for the first token."
related = ["kv-cache"]
module = "latency"

[[exercise]]
id = "ttft-1"
term = "ttft"
title = "First"
scenario = "S1"
question = "Q1"
choices = ["w0", "w1", "right", "w3"]
answer = 2
why = ["no 0", "no 1", "yes 2", "no 3"]
explanation = "E1"
vocabulary = ["ttft", "kv-cache"]

[[exercise]]
id = "ttft-2"
term = "ttft"
title = "Second"
scenario = "S2"
question = "Q2"
choices = ["right", "w1", "w2", "w3"]
answer = 0
why = ["yes 0", "no 1", "no 2", "no 3"]
explanation = "E2"

[[exercise]]
id = "kv-cache-1"
term = "kv-cache"
title = "Cache"
scenario = "S3"
question = "Q3"
choices = ["w0", "right"]
answer = 1
why = ["no 0", "yes 1"]
explanation = "E3"
"#;

    fn content() -> Content {
        let packs = [
            Pack::parse("builtin:serving.toml", Scope::Builtin, SERVING).unwrap(),
            Pack::parse("builtin:latency.toml", Scope::Builtin, LATENCY).unwrap(),
        ];
        let (content, errors) = Content::merge(&packs);
        assert!(errors.is_empty(), "{errors:?}");
        content
    }

    #[test]
    fn choices_are_shuffled_per_opening_and_keep_their_ids() {
        let content = content();
        let mut store = ProgressStore::in_memory();
        let exercise = content.exercise("ttft-1").unwrap();
        let orders: std::collections::BTreeSet<Vec<String>> = (0..40)
            .map(|_| {
                let (view, _) = open(&content, &mut store, exercise, T0, random_seed());
                let json = serde_json::to_value(&view).unwrap();
                assert!(json.get("answer").is_none() && json.get("rightChoice").is_none());
                // The vocabulary's first entry is the term, whose definition
                // the key echoes: it waits for the first answer.
                assert!(json.get("vocabulary").is_none(), "{json}");
                for c in &view.choices {
                    // The id still names the pack's choice.
                    assert_eq!(
                        exercise.choices[choice_index(exercise, &c.id).unwrap()],
                        c.text
                    );
                }
                view.choices.iter().map(|c| c.id.clone()).collect()
            })
            .collect();
        assert!(orders.len() > 5, "{orders:?}");
        let mut sorted = shuffled(8, 42);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..8).collect::<Vec<_>>());
    }

    /// A file with `stability: 1e308` (or `null`, what infinity was written
    /// as) and counters at `u32::MAX`: after answers, everything stays
    /// finite and saturated, the file is written without `null`, and the
    /// next start reads it whole (it used to be set aside: completed 2 → 0).
    #[test]
    fn extreme_numbers_in_progress_stay_finite_and_counters_saturate() {
        use crate::learning::MAX_STABILITY;
        let content = content();
        let dir = tempfile::tempdir().unwrap();
        let max = u32::MAX;
        let file = serde_json::json!({
            "version": 2,
            "exercises": {"ttft-1": {"completed": true, "attempts": max, "wrong": max,
                                     "completedAt": T0}},
            "knownTerms": ["kv-cache"],
            "memory": {
                "ttft": {"stability": 1e308, "difficulty": 1e308, "lastReview": T0,
                         "dueAt": T0, "reps": max, "lapses": max},
                "other": {"stability": null, "difficulty": null, "lastReview": T0,
                          "dueAt": T0, "reps": 1, "lapses": 0}
            }
        });
        let path = dir.path().join(crate::progress::FILE_NAME);
        std::fs::write(&path, file.to_string()).unwrap();
        let (mut store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty(), "{notices:?}");
        let exercise = content.exercise("ttft-1").unwrap();
        for choice in ["c", "b", "c"] {
            open(&content, &mut store, exercise, T0 + 10 * DAY, 1);
            answer(&content, &mut store, exercise, choice, T0 + 10 * DAY).unwrap();
        }
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(!written.contains("null"), "{written}");
        let (again, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty(), "read whole: {notices:?}");
        let data = again.data();
        let record = &data.exercises["ttft-1"];
        assert!(record.completed);
        assert_eq!((record.attempts, record.wrong), (max, max));
        assert!(data.known_terms.contains("kv-cache"));
        for memory in data.memory.values() {
            assert!(memory.stability.is_finite() && memory.stability <= MAX_STABILITY);
            assert!((1.0..=10.0).contains(&memory.difficulty), "{memory:?}");
        }
        assert_eq!(data.memory["ttft"].reps, max);
    }

    #[test]
    fn a_wrong_answer_tells_why_that_choice_is_wrong_and_nothing_more() {
        let content = content();
        let mut store = ProgressStore::in_memory();
        let exercise = content.exercise("ttft-1").unwrap();
        open(&content, &mut store, exercise, T0, 1);
        let (wrong, _) = answer(&content, &mut store, exercise, "b", T0).unwrap();
        let json = serde_json::to_value(&wrong).unwrap();
        assert_eq!(json["correct"], false);
        assert_eq!(json["why"], serde_json::json!({"b": "no 1"}));
        assert!(json.get("rightChoice").is_none() && json.get("explanation").is_none());
        assert!(!json.to_string().contains("yes 2"), "{json}");
        assert_eq!(json["completed"], false);
        // The vocabulary comes with the first try, right or wrong.
        let names: Vec<&str> = wrong.vocabulary.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["Time to first token", "KV cache"]);
        // The first wrong answer is a lapse; a second one in the sitting is not.
        assert_eq!(store.data().memory["ttft"].lapses, 1);
        answer(&content, &mut store, exercise, "a", T0 + 10).unwrap();
        assert_eq!(store.data().memory["ttft"].lapses, 1);
        assert_eq!(store.data().memory["ttft"].reps, 1);
        // A right answer then completes it, rated Hard, with the whole picture.
        let (right, _) = answer(&content, &mut store, exercise, "c", T0 + 20).unwrap();
        assert!(right.correct && right.completed);
        assert_eq!(right.right_choice.as_deref(), Some("c"));
        assert_eq!(right.explanation.as_deref(), Some("E1"));
        assert_eq!(right.why.len(), 4);
        assert_eq!(
            right.progress,
            Standing {
                completed: 1,
                total: 3
            }
        );
        let memory = &store.data().memory["ttft"];
        assert_eq!(memory.reps, 2);
        let expected = learning::review(
            Some(&learning::review(None, Grade::Again, T0)),
            Grade::Hard,
            T0 + 20,
        );
        assert_eq!(memory, &expected);
        assert_eq!(store.data().exercises["ttft-1"].attempts, 3);
        assert!(answer(&content, &mut store, exercise, "z", T0).is_err());
    }

    #[test]
    fn a_revealed_answer_completes_only_at_the_next_due_review() {
        let content = content();
        let mut store = ProgressStore::in_memory();
        let exercise = content.exercise("ttft-2").unwrap();
        open(&content, &mut store, exercise, T0, 1);
        let (shown, _) = reveal(&content, &mut store, exercise, T0);
        assert_eq!(shown.right_choice, "a");
        assert_eq!(shown.why.len(), 4);
        assert_eq!(shown.explanation, "E2");
        // ttft-2 lists no vocabulary: none is made up.
        assert!(shown.vocabulary.is_empty());
        assert!(!shown.completed);
        let memory = store.data().memory["ttft"].clone();
        assert_eq!(memory.lapses, 1);
        // Answering right straight away proves nothing.
        let (r, _) = answer(&content, &mut store, exercise, "a", T0 + 5).unwrap();
        assert!(r.correct && !r.completed);
        assert_eq!(store.data().memory["ttft"], memory);
        // Once the term is due, a right answer (after a fresh opening) counts.
        let due = memory.due_at;
        assert!(due > T0 + 5);
        open(&content, &mut store, exercise, due, 1);
        let (r, _) = answer(&content, &mut store, exercise, "a", due).unwrap();
        assert!(r.completed);
        assert_eq!(store.data().memory["ttft"].reps, 2);
    }

    #[test]
    fn a_term_opens_its_exercise_seen_least_recently() {
        let content = content();
        let mut store = ProgressStore::in_memory();
        let first = find(&content, store.data(), None, Some("ttft")).unwrap();
        assert_eq!(first.id, "ttft-1");
        open(&content, &mut store, first, T0, 1);
        let second = find(&content, store.data(), None, Some("ttft")).unwrap();
        assert_eq!(second.id, "ttft-2");
        open(&content, &mut store, second, T0 + DAY, 1);
        assert_eq!(
            find(&content, store.data(), None, Some("ttft")).unwrap().id,
            "ttft-1"
        );
        // A term with no exercise gets its generated question.
        let generated = find(&content, store.data(), None, Some("batching")).unwrap();
        assert_eq!(generated.id, "gen:batching");
        assert_eq!(
            find(&content, store.data(), Some("gen:batching"), None).unwrap(),
            generated
        );
        assert!(matches!(
            find(&content, store.data(), None, Some("nope")),
            Err(CourseError::UnknownTerm(_))
        ));
    }

    #[test]
    fn modules_order_the_course_and_count_their_exercises() {
        let content = content();
        let mut store = ProgressStore::in_memory();
        let ids: Vec<&str> = content.exercises.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["ttft-1", "ttft-2", "kv-cache-1"]);
        let generated = content.exercise("gen:batching").unwrap();
        let (r, _) = answer(
            &content,
            &mut store,
            generated,
            &choice_id(generated.answer),
            T0,
        )
        .unwrap();
        assert!(r.completed);
        // A generated question is a review of its term but not in the totals.
        assert_eq!(
            r.progress,
            Standing {
                completed: 0,
                total: 3
            }
        );
        assert!(store.data().memory.contains_key("batching"));
        let kv = content.exercise("kv-cache-1").unwrap();
        answer(&content, &mut store, kv, "b", T0).unwrap();
        let modules = module_standings(&content, store.data());
        let summary: Vec<(&str, usize, usize)> = modules
            .iter()
            .map(|m| (m.id.as_str(), m.completed, m.total))
            .collect();
        assert_eq!(summary, [("latency", 0, 2), ("serving", 1, 1)]);
        let list = list(&content, store.data());
        assert_eq!(list[2].module.as_deref(), Some("serving"));
        assert_eq!(list[2].module_name.as_deref(), Some("Serving"));
        let view = view(&content, store.data(), generated, 3);
        assert_eq!(view.number, None);
        assert!(view.generated);
        assert_eq!(view.module.as_deref(), Some("serving"));
    }
}
