//! Spaced repetition over terms, scheduled by FSRS (the Free Spaced
//! Repetition Scheduler that Anki adopted) through the `rs-fsrs` crate.
//!
//! Every answer to one of a term's exercises is a review of the term: a
//! wrong answer is rated Again (a lapse), a right answer after a wrong try
//! in the same sitting Hard, a right answer at once Good. FSRS turns the
//! ratings into a memory state (stability: the days until recall drops to
//! 90 %; difficulty) and a due date. The long-term scheduler is used, so
//! every interval is a whole number of days and answering again on the same
//! day barely moves the state: cramming one exercise ten times is not ten
//! reviews.
//!
//! A term is *learned* when its stability has reached what `mastery` right
//! answers in a row, each given when due, reach (see [`learned_stability`];
//! a 10 % margin allows a review taken a little early). A learned term's
//! hints fade; when FSRS says it is due they come back as "Review due".

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, FSRS, Parameters, Rating, State};
use serde::{Deserialize, Serialize};

use crate::progress::ProgressData;

pub const DAY: u64 = 24 * 60 * 60;
/// Right answers, each given when due, that make a term learned by default.
pub const DEFAULT_MASTERY: u32 = 3;
/// Share of [`learned_stability`] a term must reach to count as learned.
const LEARNED_MARGIN: f64 = 0.9;

/// How an answer rates the learner's recall of a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grade {
    /// A wrong answer, or asking to see the answer: a lapse.
    Again,
    /// Right after a wrong try in the same sitting.
    Hard,
    /// Right at the first try.
    Good,
}

impl From<Grade> for Rating {
    fn from(grade: Grade) -> Rating {
        match grade {
            Grade::Again => Rating::Again,
            Grade::Hard => Rating::Hard,
            Grade::Good => Rating::Good,
        }
    }
}

/// The FSRS memory state of one term, as stored in `progress.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// Days until the chance of recall falls to 90 %. Kept finite within
    /// [`MIN_STABILITY`, `MAX_STABILITY`] on read, after each review and on
    /// write (see [`finite`]).
    #[serde(with = "finite::stability")]
    pub stability: f64,
    /// 1 (easy) to 10 (hard), kept within that range the same way.
    #[serde(with = "finite::difficulty")]
    pub difficulty: f64,
    /// Unix seconds of the last review.
    pub last_review: u64,
    /// Unix seconds when FSRS wants the next review.
    pub due_at: u64,
    pub reps: u32,
    pub lapses: u32,
}

/// The smallest stability kept (FSRS's own floor).
pub const MIN_STABILITY: f64 = 0.01;
/// The largest stability kept: a million days. A file may say `1e308`;
/// one review of that overflowed to infinity, which JSON writes as `null`,
/// and the next start set the whole file aside as corrupt.
pub const MAX_STABILITY: f64 = 1.0e6;

/// Stability and difficulty as stored: any number (or `null`, which is
/// what infinity and NaN became in files written before) reads as a finite
/// value in range, and only finite values in range are written.
pub mod finite {
    use serde::{Deserialize, Deserializer, Serializer};

    /// `value` within `min..=max`; NaN (and a missing value) becomes `nan_as`.
    pub fn clamp(value: f64, min: f64, max: f64, nan_as: f64) -> f64 {
        if value.is_nan() {
            nan_as
        } else {
            value.clamp(min, max)
        }
    }

    macro_rules! field {
        ($name:ident, $min:expr, $max:expr, $nan_as:expr) => {
            pub mod $name {
                use super::*;

                pub fn clamp(value: f64) -> f64 {
                    super::clamp(value, $min, $max, $nan_as)
                }

                pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_f64(clamp(*value))
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
                    Ok(clamp(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN)))
                }
            }
        };
    }

    field!(
        stability,
        crate::learning::MIN_STABILITY,
        crate::learning::MAX_STABILITY,
        crate::learning::MIN_STABILITY
    );
    field!(difficulty, 1.0, 10.0, 5.0);
}

fn scheduler() -> FSRS {
    FSRS::new(Parameters {
        // Day-scale reviews: no same-day learning steps, no random fuzz (the
        // same answers give the same schedule in every process and test).
        enable_short_term: false,
        enable_fuzz: false,
        ..Parameters::default()
    })
}

fn time(unix: u64) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::try_from(unix).unwrap_or(i64::MAX), 0).unwrap_or_default()
}

fn unix(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp()).unwrap_or(0)
}

/// The memory state after one review.
pub fn review(memory: Option<&Memory>, grade: Grade, now: u64) -> Memory {
    let card = match memory {
        None => Card {
            due: time(now),
            last_review: time(now),
            ..Card::default()
        },
        Some(m) => Card {
            due: time(m.due_at),
            stability: finite::stability::clamp(m.stability),
            difficulty: finite::difficulty::clamp(m.difficulty),
            elapsed_days: 0,
            scheduled_days: (m.due_at.saturating_sub(m.last_review) / DAY) as i64,
            reps: i32::try_from(m.reps).unwrap_or(i32::MAX),
            lapses: i32::try_from(m.lapses).unwrap_or(i32::MAX),
            state: State::Review,
            last_review: time(m.last_review.min(now)),
        },
    };
    let next = scheduler().next(card, time(now), grade.into()).card;
    Memory {
        stability: finite::stability::clamp(next.stability),
        difficulty: finite::difficulty::clamp(next.difficulty),
        last_review: now,
        due_at: unix(next.due),
        reps: memory.map_or(0, |m| m.reps).saturating_add(1),
        lapses: memory
            .map_or(0, |m| m.lapses)
            .saturating_add(u32::from(grade == Grade::Again)),
    }
}

/// Records a review of `term` at `now` (unix seconds).
pub fn record_review(data: &mut ProgressData, term: &str, grade: Grade, now: u64) {
    let next = review(data.memory.get(term), grade, now);
    data.memory.insert(term.to_string(), next);
}

/// The memory state that `right_answers` right-at-once answers, each given
/// on its due date, build from nothing. Learning a term means getting close
/// to the state of `mastery` of them.
pub fn learned_stability(right_answers: u32) -> f64 {
    memory_after_right_answers(right_answers).stability
}

/// The memory state after `right_answers` (at least one) right-at-once
/// answers, each on its due date, the first at time 0.
pub fn memory_after_right_answers(right_answers: u32) -> Memory {
    let mut memory = review(None, Grade::Good, 0);
    for _ in 1..right_answers.max(1) {
        memory = review(Some(&memory), Grade::Good, memory.due_at);
    }
    memory
}

/// The highest `mastery` setting accepted (the editor setting's range ends
/// here; see `settings.rs` in the server).
pub const MAX_MASTERY: u32 = 20;

/// [`learned_stability`] for every accepted mastery, computed once:
/// [`term_state`] runs on every publish of diagnostics.
fn learned_threshold(mastery: u32) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (0..=MAX_MASTERY).map(learned_stability).collect());
    match table.get(mastery as usize) {
        Some(&s) => s * LEARNED_MARGIN,
        None => learned_stability(mastery) * LEARNED_MARGIN,
    }
}

/// Whether a memory state counts as learned under a `mastery` setting.
pub fn is_learned(memory: &Memory, mastery: u32) -> bool {
    memory.stability >= learned_threshold(mastery)
}

/// Where a learner stands with a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TermState {
    /// Never practised.
    New,
    /// Practised, not yet learned, not due.
    Learning,
    /// Practised and due for review now.
    Due,
    /// Learned through spaced answers, or marked as known by the learner.
    Known,
}

pub fn term_state(data: &ProgressData, term: &str, mastery: u32, now: u64) -> TermState {
    let memory = data.memory.get(term);
    if memory.is_some_and(|m| now >= m.due_at) {
        return TermState::Due;
    }
    if data.known_terms.contains(term) || memory.is_some_and(|m| is_learned(m, mastery)) {
        return TermState::Known;
    }
    match memory {
        Some(_) => TermState::Learning,
        None => TermState::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000;

    #[test]
    fn each_answer_on_its_due_date_pushes_the_next_review_further_out() {
        let mut data = ProgressData::default();
        let mut now = T0;
        let mut intervals = Vec::new();
        for _ in 0..4 {
            record_review(&mut data, "ttft", Grade::Good, now);
            let m = &data.memory["ttft"];
            intervals.push((m.due_at - now) / DAY);
            now = m.due_at;
        }
        assert!(intervals.windows(2).all(|w| w[1] > w[0]), "{intervals:?}");
        assert!(intervals[0] >= 1, "{intervals:?}");
    }

    #[test]
    fn cramming_on_one_day_is_not_learning() {
        let mut data = ProgressData::default();
        for k in 0..10 {
            record_review(&mut data, "ttft", Grade::Good, T0 + k * 60);
        }
        assert_eq!(term_state(&data, "ttft", 3, T0 + 600), TermState::Learning);
        let once = review(None, Grade::Good, T0);
        assert!((data.memory["ttft"].stability - once.stability).abs() < 1e-9);
    }

    #[test]
    fn mastery_right_answers_on_time_learn_a_term_and_it_falls_due_again() {
        for mastery in 1..=5 {
            let mut data = ProgressData::default();
            let mut now = T0;
            for n in 1..=mastery {
                assert_ne!(term_state(&data, "t", mastery, now), TermState::Known);
                record_review(&mut data, "t", Grade::Good, now);
                let state = term_state(&data, "t", mastery, now);
                let expected = if n == mastery {
                    TermState::Known
                } else {
                    TermState::Learning
                };
                assert_eq!(state, expected, "mastery {mastery}, answer {n}");
                now = data.memory["t"].due_at;
            }
            assert_eq!(term_state(&data, "t", mastery, now), TermState::Due);
            assert_eq!(term_state(&data, "t", mastery, now - 1), TermState::Known);
        }
    }

    #[test]
    fn a_lapse_unlearns_and_hard_grows_less_than_good() {
        let mut data = ProgressData::default();
        let mut now = T0;
        for _ in 0..3 {
            record_review(&mut data, "t", Grade::Good, now);
            now = data.memory["t"].due_at;
        }
        assert_eq!(term_state(&data, "t", 3, now - 1), TermState::Known);
        let before = data.memory["t"].clone();
        record_review(&mut data, "t", Grade::Again, now);
        let after = &data.memory["t"];
        assert!(after.stability < before.stability / 2.0, "{after:?}");
        assert_eq!(after.lapses, 1);
        assert_eq!(term_state(&data, "t", 3, now + 1), TermState::Learning);
        let hard = review(Some(&before), Grade::Hard, now);
        let good = review(Some(&before), Grade::Good, now);
        assert!(hard.stability < good.stability && hard.due_at < good.due_at);
    }

    #[test]
    fn known_terms_and_new_terms() {
        let mut data = ProgressData::default();
        data.known_terms.insert("k".into());
        assert_eq!(term_state(&data, "k", 3, T0), TermState::Known);
        assert_eq!(term_state(&data, "other", 3, T0), TermState::New);
    }
}
