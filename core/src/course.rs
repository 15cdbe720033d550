//! The exercises as a course: what a client may see of an exercise, checking
//! an answer, and the learner's standing. These shapes are the JSON contract
//! of the `llmops.*` commands, so they live here where they can be tested
//! without an editor.

use serde::Serialize;

use crate::content::{Content, Exercise};
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
/// names the right choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseView {
    pub id: String,
    pub title: String,
    /// Term id the exercise teaches.
    pub term: String,
    pub term_name: String,
    pub scenario: String,
    pub question: String,
    pub choices: Vec<ChoiceView>,
    pub completed: bool,
    /// One-based position in the course and its length ("1 of 5").
    pub number: usize,
    pub total: usize,
    pub vocabulary: Vec<VocabularyView>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub completed: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerView {
    pub correct: bool,
    pub explanation: String,
    pub right_choice: String,
    pub chosen: String,
    pub progress: Standing,
    /// The next exercise not yet completed, to offer "next exercise".
    pub next_exercise_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEntry {
    pub id: String,
    pub title: String,
    pub term: String,
    pub term_name: String,
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

pub fn standing(content: &Content, progress: &ProgressData) -> Standing {
    Standing {
        completed: content
            .exercises
            .iter()
            .filter(|e| progress.exercises.get(&e.id).is_some_and(|r| r.completed))
            .count(),
        total: content.exercises.len(),
    }
}

/// Finds an exercise by its id or by the id of the term it teaches.
pub fn find<'c>(
    content: &'c Content,
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
            content
                .exercise_for_term(term)
                .ok_or_else(|| CourseError::NoExerciseForTerm(term.into()))
        }
        (None, None) => Err(CourseError::UnknownExercise(String::new())),
    }
}

pub fn view(content: &Content, progress: &ProgressData, exercise: &Exercise) -> ExerciseView {
    let term_name = content
        .term(&exercise.term)
        .map_or_else(|| exercise.term.clone(), |t| t.name.clone());
    ExerciseView {
        id: exercise.id.clone(),
        title: exercise.title.clone(),
        term: exercise.term.clone(),
        term_name,
        scenario: exercise.scenario.clone(),
        question: exercise.question.clone(),
        choices: exercise
            .choices
            .iter()
            .enumerate()
            .map(|(i, text)| ChoiceView {
                id: choice_id(i),
                text: text.clone(),
            })
            .collect(),
        completed: progress
            .exercises
            .get(&exercise.id)
            .is_some_and(|r| r.completed),
        number: content.exercise_number(&exercise.id).unwrap_or(0),
        total: content.exercises.len(),
        vocabulary: exercise
            .vocabulary
            .iter()
            .filter_map(|id| content.term(id))
            .map(|t| VocabularyView {
                id: t.id.clone(),
                name: t.name.clone(),
                definition: t.definition.clone(),
            })
            .collect(),
    }
}

/// The first exercise after `after` (wrapping around) that is not completed.
pub fn next_open(content: &Content, progress: &ProgressData, after: &str) -> Option<String> {
    let start = content.exercise_number(after).unwrap_or(0);
    let n = content.exercises.len();
    (0..n)
        .map(|k| &content.exercises[(start + k) % n])
        .find(|e| e.id != after && !progress.exercises.get(&e.id).is_some_and(|r| r.completed))
        .map(|e| e.id.clone())
}

/// Checks an answer and records it. A right answer completes the exercise,
/// whatever came before; every answer counts as an attempt.
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
        let record = data.exercises.entry(id.clone()).or_default();
        record.attempts += 1;
        if correct {
            if !record.completed {
                record.completed_at = Some(now);
            }
            record.completed = true;
        } else {
            record.wrong += 1;
        }
        crate::learning::record_answer(data, &term, correct, now);
    });
    let progress = store.data();
    Ok((
        AnswerView {
            correct,
            explanation: exercise.explanation.clone(),
            right_choice: choice_id(exercise.answer),
            chosen: choice_id(index),
            progress: standing(content, progress),
            next_exercise_id: next_open(content, progress, &exercise.id),
        },
        notice,
    ))
}

pub fn list(content: &Content, progress: &ProgressData) -> Vec<ListEntry> {
    content
        .exercises
        .iter()
        .map(|e| {
            let record = progress.exercises.get(&e.id);
            ListEntry {
                id: e.id.clone(),
                title: e.title.clone(),
                term: e.term.clone(),
                term_name: content
                    .term(&e.term)
                    .map_or_else(|| e.term.clone(), |t| t.name.clone()),
                completed: record.is_some_and(|r| r.completed),
                attempts: record.map_or(0, |r| r.attempts),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_never_names_the_answer_and_answers_are_recorded() {
        let content = Content::builtin().unwrap();
        let mut store = ProgressStore::in_memory();
        let exercise = find(&content, None, Some("ttft")).unwrap();
        let json = serde_json::to_value(view(&content, store.data(), exercise)).unwrap();
        assert!(json.get("answer").is_none() && json.get("rightChoice").is_none());
        assert_eq!(json["choices"].as_array().unwrap().len(), 4);

        let wrong = (exercise.answer + 1) % 4;
        let (result, _) = answer(&content, &mut store, exercise, &choice_id(wrong), 0).unwrap();
        assert!(!result.correct);
        assert_eq!(result.progress.completed, 0);
        let (result, _) = answer(
            &content,
            &mut store,
            exercise,
            &choice_id(exercise.answer),
            0,
        )
        .unwrap();
        assert!(result.correct);
        assert_eq!(
            result.progress,
            Standing {
                completed: 1,
                total: 5
            }
        );
        assert_eq!(store.data().exercises[&exercise.id].attempts, 2);
        assert!(answer(&content, &mut store, exercise, "z", 0).is_err());
    }
}
