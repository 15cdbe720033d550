//! Spaced repetition over terms: a Leitner schedule.
//!
//! Each right answer to a term's exercise that comes when the term is due
//! moves it up one box; the next review is then 1, 3, 7 and 21 days out.
//! A wrong answer sends it back to the first box. A term whose box reaches
//! the mastery level is treated as known (its hints fade) until its next
//! review falls due, when its hint comes back as "Review due".

use crate::progress::{ProgressData, Review};

pub const DAY: u64 = 24 * 60 * 60;
/// Days until the next review, by box (box 1 is the first right answer).
pub const INTERVAL_DAYS: [u64; 4] = [1, 3, 7, 21];
/// Right answers, spread over time, that make a term known by default.
pub const DEFAULT_MASTERY: u32 = 3;

/// Records an answer to an exercise on `term` at time `now` (unix seconds).
pub fn record_answer(data: &mut ProgressData, term: &str, correct: bool, now: u64) {
    let review = data.reviews.entry(term.to_string()).or_insert(Review {
        r#box: 0,
        due_at: 0,
    });
    if !correct {
        review.r#box = 0;
        review.due_at = now;
        return;
    }
    // Only a right answer given once the term is due counts: cramming the
    // same exercise ten times in a minute is one right answer.
    if review.r#box == 0 || now >= review.due_at {
        review.r#box += 1;
        let days = INTERVAL_DAYS[(review.r#box as usize - 1).min(INTERVAL_DAYS.len() - 1)];
        review.due_at = now + days * DAY;
    }
}

/// Where a learner stands with a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TermState {
    /// Never practised.
    New,
    /// Practised, not yet mastered, not due.
    Learning,
    /// Practised and due for review now.
    Due,
    /// Mastered through spaced answers, or marked as known by the learner.
    Known,
}

pub fn term_state(data: &ProgressData, term: &str, mastery: u32, now: u64) -> TermState {
    let review = data.reviews.get(term);
    let due = review.is_some_and(|r| r.r#box > 0 && now >= r.due_at);
    if due {
        return TermState::Due;
    }
    if data.known_terms.contains(term) || review.is_some_and(|r| r.r#box >= mastery) {
        return TermState::Known;
    }
    match review {
        Some(r) if r.r#box > 0 => TermState::Learning,
        _ => TermState::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_right_answers_master_a_term_and_reviews_fall_due() {
        let mut data = ProgressData::default();
        let t0 = 1_000_000;
        record_answer(&mut data, "ttft", true, t0);
        assert_eq!(term_state(&data, "ttft", 3, t0), TermState::Learning);
        // Cramming does not count.
        record_answer(&mut data, "ttft", true, t0 + 60);
        assert_eq!(data.reviews["ttft"].r#box, 1);
        assert_eq!(term_state(&data, "ttft", 3, t0 + DAY), TermState::Due);
        record_answer(&mut data, "ttft", true, t0 + DAY);
        record_answer(&mut data, "ttft", true, t0 + 4 * DAY);
        assert_eq!(term_state(&data, "ttft", 3, t0 + 5 * DAY), TermState::Known);
        assert_eq!(term_state(&data, "ttft", 3, t0 + 11 * DAY), TermState::Due);
        record_answer(&mut data, "ttft", false, t0 + 11 * DAY);
        assert_eq!(data.reviews["ttft"].r#box, 0);
        assert_eq!(term_state(&data, "other", 3, t0), TermState::New);
    }
}
