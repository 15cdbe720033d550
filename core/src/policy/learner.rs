//! Where the learner stands, in one place: the state of a term, whether it
//! counts as learned, and the progress summary editors show. Thin over
//! [`crate::learning`] and [`crate::course`], so a change to the schedule
//! lands there and nowhere else.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Content, Term};
use crate::course::{self, ModuleStanding, Standing};
use crate::learning::{TermState, term_state};
use crate::progress::ProgressData;

/// A learner's progress at one moment, with the mastery setting.
#[derive(Clone, Copy, Debug)]
pub struct Learner<'a> {
    pub data: &'a ProgressData,
    pub mastery: u32,
    /// Unix seconds.
    pub now: u64,
}

impl<'a> Learner<'a> {
    pub fn new(data: &'a ProgressData, mastery: u32, now: u64) -> Learner<'a> {
        Learner { data, mastery, now }
    }

    /// Where the learner stands with a term (by id).
    pub fn state(&self, term: &str) -> TermState {
        term_state(self.data, term, self.mastery, self.now)
    }

    /// Whether the learner has completed the term's exercise.
    pub fn exercise_done(&self, term: &Term) -> bool {
        term.exercise
            .as_ref()
            .is_some_and(|e| self.data.exercises.get(e).is_some_and(|r| r.completed))
    }

    /// The one meaning of "learned": the term is known (mastered or marked
    /// known), or its exercise has been answered right. A learned term can
    /// still show hints, until it is known.
    pub fn learned(&self, term: &Term) -> bool {
        self.state(&term.id) == TermState::Known || self.exercise_done(term)
    }
}

/// The answer to `llmops.progress`: exercises completed, how many terms are
/// known or due, and the state of every term the learner has met.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    #[serde(flatten)]
    pub standing: Standing,
    pub known: usize,
    pub due: usize,
    pub terms: BTreeMap<String, TermState>,
    /// Where the learner stands in each module of the course.
    pub modules: Vec<ModuleStanding>,
}

impl ProgressView {
    pub fn new(content: &Content, learner: &Learner<'_>) -> ProgressView {
        let mut view = ProgressView {
            standing: course::standing(content, learner.data),
            known: 0,
            due: 0,
            terms: BTreeMap::new(),
            modules: course::module_standings(content, learner.data),
        };
        for term in &content.terms {
            let state = learner.state(&term.id);
            match state {
                TermState::Known => view.known += 1,
                TermState::Due => view.due += 1,
                _ => {}
            }
            if state != TermState::New {
                view.terms.insert(term.id.clone(), state);
            }
        }
        view
    }
}
