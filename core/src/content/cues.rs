//! Surface cues: how often a rule that never reads the domain, only the
//! words of an exercise, picks its right choice. A bank a learner can pass
//! by pattern-matching ("avoid the choice with a rationale", "pick the one
//! naming the term") teaches nothing, so the content test holds every cue
//! within [`MARGIN`] of chance and `llmops-lsp check --cues` lets a team
//! audit its own packs the same way.
//!
//! This is a port of the reference definition, `cues.py` (kept with the
//! issue that introduced it): same cues, same tie rule, same stop words,
//! patterns and leak rules, and the same figures on the same files. It
//! reads the packs' TOML as written (untrimmed, controls as they are), as
//! the reference does, not the loader's cleaned [`super::Pack`].
//!
//! The tie rule: a cue marks a subset `S` of an exercise's `n` choices. If
//! `0 < |S| < n` it guesses uniformly in `S` (hit = `[key ∈ S] / |S|`);
//! otherwise it has nothing to say and guesses uniformly among all
//! (hit = `1/n`). A cue's rate is the mean hit over the exercises with two
//! or more choices; chance is the mean `1/n`.
//!
//! Cost: linear in the text of the packs measured, run once per check;
//! nothing here runs per keystroke.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

/// How far above chance a cue may pick the key: 7 points.
pub const MARGIN: f64 = 0.07;

/// Slack for comparing sums of floating-point hits with the bound.
const EPSILON: f64 = 1e-9;

/// Length of the word runs a wrong choice's `why` may not share with the key.
const RUN: usize = 4;

/// Words too common to count as overlap (the reference's list).
const STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "at", "from", "as",
    "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these",
    "those", "than", "then", "so", "if", "not", "no", "but", "into", "over", "per", "via", "each",
    "any", "all", "can", "may", "will", "would", "should", "could", "does", "do", "did", "has",
    "have", "had", "which", "who", "whom", "what", "when", "where", "why", "how", "their", "there",
    "they", "them", "you", "your", "we", "our", "more", "most", "less", "such", "only", "also",
    "just", "very", "about", "after", "before", "while", "because", "since",
];

/// A clause that argues for the choice ("…, since …").
static RATIONALE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(since|because|so that|as it|as they|as this|which means|given that|due to|in order to|thanks to)\b")
        .expect("valid pattern")
});
static HEDGES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(usually|often|typically|generally|may|might|can|could|some|sometimes|likely|tends? to|most)\b")
        .expect("valid pattern")
});
static ABSOLUTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(always|never|all|none|only|every|guarantees?|guaranteed|completely|entirely|impossible|must)\b")
        .expect("valid pattern")
});
/// A `why` that opens with the verdict the page already shows.
static VERDICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(right|correct)\s*[:.!,-]").expect("valid pattern"));

/// The cues, in the order they are reported.
pub const CUES: &[&str] = &[
    "longest",
    "shortest",
    "has rationale",
    "no rationale",
    "names the term",
    "most question overlap",
    "most definition overlap",
    "hedges",
    "no absolutes",
];

/// One cue's figure over a bank.
#[derive(Clone, Debug, PartialEq)]
pub struct CueRate {
    pub name: &'static str,
    /// Mean hit over the exercises, 0..=1.
    pub rate: f64,
}

/// A wrong choice's `why` that gives the key away, or a `why` opening with
/// a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// The pack as it was named to [`measure`].
    pub path: String,
    /// One-based line of the exercise's `id`.
    pub line: usize,
    pub exercise: String,
    /// `why[1] shares 'a b c d' with the key`, `why[2] names the term (TTFT)`,
    /// `why[0] starts with a verdict`.
    pub message: String,
}

/// The cue figures of a bank.
#[derive(Clone, Debug, PartialEq)]
pub struct CueReport {
    /// Exercises with two or more choices: the ones measured.
    pub exercises: usize,
    /// Mean `1/n`: what guessing scores.
    pub chance: f64,
    /// In the order of [`CUES`].
    pub cues: Vec<CueRate>,
    /// Exercises that show a snippet.
    pub snippets: usize,
    pub leaks: Vec<Leak>,
    /// Files that could not be read as packs (`path: message`); their
    /// exercises are not measured.
    pub unreadable: Vec<String>,
}

impl CueReport {
    /// The highest rate a cue may have: chance plus [`MARGIN`].
    pub fn bound(&self) -> f64 {
        self.chance + MARGIN
    }

    /// Whether a rate is within the bound.
    pub fn within(&self, rate: f64) -> bool {
        rate <= self.bound() + EPSILON
    }

    /// The cues above the bound.
    pub fn over(&self) -> Vec<&CueRate> {
        self.cues.iter().filter(|c| !self.within(c.rate)).collect()
    }

    /// Share of the measured exercises that show a snippet, 0..=1.
    pub fn snippet_share(&self) -> f64 {
        if self.exercises == 0 {
            0.0
        } else {
            self.snippets as f64 / self.exercises as f64
        }
    }

    /// Whether the bank passes: every cue within the bound and no leak.
    pub fn passes(&self) -> bool {
        self.over().is_empty() && self.leaks.is_empty()
    }
}

/// A percentage as the reference prints it (`{:.1%}`): the value times 100,
/// one decimal, ties to even on the exact binary value.
pub fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    term: Vec<RawTerm>,
    #[serde(default)]
    exercise: Vec<RawExercise>,
}

#[derive(Deserialize)]
struct RawTerm {
    id: String,
    name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    definition: String,
}

#[derive(Deserialize)]
struct RawExercise {
    id: Spanned<String>,
    term: String,
    #[serde(default)]
    title: String,
    scenario: String,
    question: String,
    choices: Vec<String>,
    answer: usize,
    #[serde(default)]
    why: Vec<String>,
    snippet: Option<toml::Value>,
}

/// An exercise with where it was written.
struct Located<'a> {
    path: &'a str,
    line: usize,
    exercise: RawExercise,
}

/// Measures the packs `files` (path, TOML source), read together: a term
/// defined in one may be an exercise's term in another, a later definition
/// of an id replacing an earlier one.
pub fn measure(files: &[(&str, &str)]) -> CueReport {
    let mut terms: HashMap<String, RawTerm> = HashMap::new();
    let mut exercises: Vec<Located<'_>> = Vec::new();
    let mut unreadable = Vec::new();
    for &(path, source) in files {
        let file: RawFile = match toml::from_str(source) {
            Ok(file) => file,
            Err(e) => {
                unreadable.push(format!("{path}: {}", e.message().trim()));
                continue;
            }
        };
        for term in file.term {
            terms.insert(term.id.clone(), term);
        }
        for exercise in file.exercise {
            let line = source[..exercise.id.span().start.min(source.len())]
                .matches('\n')
                .count()
                + 1;
            exercises.push(Located {
                path,
                line,
                exercise,
            });
        }
    }
    // Two or more choices, and (unlike the reference, which stops with an
    // error) a key that is one of them.
    exercises
        .retain(|e| e.exercise.choices.len() >= 2 && e.exercise.answer < e.exercise.choices.len());

    let count = exercises.len();
    let mut totals = [0.0_f64; CUES.len()];
    let mut chance_sum = 0.0;
    let mut snippets = 0;
    let mut leaks = Vec::new();
    for located in &exercises {
        let e = &located.exercise;
        let n = e.choices.len();
        chance_sum += 1.0 / n as f64;
        let term = terms.get(&e.term);
        let phrases = Phrases::of(e, term);
        for (total, subset) in totals.iter_mut().zip(cue_subsets(e, term, &phrases)) {
            *total += hit(&subset, e.answer, n);
        }
        snippets += usize::from(e.snippet.as_ref().is_some_and(truthy));
        for message in leak_messages(e, &phrases) {
            leaks.push(Leak {
                path: located.path.to_owned(),
                line: located.line,
                exercise: e.id.get_ref().clone(),
                message,
            });
        }
    }
    let mean = |sum: f64| if count == 0 { 0.0 } else { sum / count as f64 };
    CueReport {
        exercises: count,
        chance: mean(chance_sum),
        cues: CUES
            .iter()
            .zip(totals)
            .map(|(&name, total)| CueRate {
                name,
                rate: mean(total),
            })
            .collect(),
        snippets,
        leaks,
        unreadable,
    }
}

/// Python's truth value of a TOML value: an empty table, array or string,
/// `false` and zero are false.
fn truthy(value: &toml::Value) -> bool {
    match value {
        toml::Value::String(s) => !s.is_empty(),
        toml::Value::Integer(i) => *i != 0,
        toml::Value::Float(f) => *f != 0.0,
        toml::Value::Boolean(b) => *b,
        toml::Value::Datetime(_) => true,
        toml::Value::Array(a) => !a.is_empty(),
        toml::Value::Table(t) => !t.is_empty(),
    }
}

/// The hit of a cue marking `subset` on an exercise with `n` choices.
fn hit(subset: &BTreeSet<usize>, key: usize, n: usize) -> f64 {
    if !subset.is_empty() && subset.len() < n {
        if subset.contains(&key) {
            1.0 / subset.len() as f64
        } else {
            0.0
        }
    } else {
        1.0 / n as f64
    }
}

/// The words of a text: lowercased, runs of ASCII letters and digits.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words that carry meaning: longer than two letters, not stop words.
fn content_words(text: &str) -> HashSet<String> {
    words(text)
        .into_iter()
        .filter(|w| w.len() > 2 && !STOP.contains(&w.as_str()))
        .collect()
}

/// The runs of [`RUN`] consecutive words of a text.
fn runs(text: &str) -> BTreeSet<Vec<String>> {
    words(text).windows(RUN).map(<[String]>::to_vec).collect()
}

/// The term's name (or its id when the term is not in the packs measured)
/// and aliases, each compiled to find it case-insensitively between
/// non-alphanumeric neighbours.
struct Phrases {
    phrases: Vec<(String, Regex)>,
}

impl Phrases {
    fn of(exercise: &RawExercise, term: Option<&RawTerm>) -> Phrases {
        let name = term
            .and_then(|t| t.name.clone())
            .unwrap_or_else(|| exercise.term.clone());
        let aliases = term.map(|t| t.aliases.clone()).unwrap_or_default();
        let phrases = std::iter::once(name)
            .chain(aliases)
            .filter_map(|p| {
                let pattern = Regex::new(&format!("(?i){}", regex::escape(&p))).ok()?;
                Some((p, pattern))
            })
            .collect();
        Phrases { phrases }
    }

    /// The first phrase found in `text`.
    fn found_in(&self, text: &str) -> impl Iterator<Item = &str> {
        self.phrases
            .iter()
            .filter(move |(_, pattern)| phrase_in(pattern, text))
            .map(|(p, _)| p.as_str())
    }
}

/// Whether `pattern` matches `text` at some position where neither the
/// character before nor the one after is an ASCII letter or digit (the
/// reference's `(?<![A-Za-z0-9])…(?![A-Za-z0-9])`; the regex crate has no
/// look-around, so every start is tried).
fn phrase_in(pattern: &Regex, text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(m) = pattern.find_at(text, at) {
        let before = m.start().checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(m.end()).copied();
        if !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return true;
        }
        // Try the next start: one character on.
        match text[m.start()..].chars().next() {
            Some(c) => at = m.start() + c.len_utf8(),
            None => break,
        }
    }
    false
}

/// The indices of the largest values, or none when the largest is zero.
fn argmax_set(values: &[usize]) -> BTreeSet<usize> {
    let best = values.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return BTreeSet::new();
    }
    (0..values.len()).filter(|&i| values[i] == best).collect()
}

/// The choices each cue marks, in the order of [`CUES`].
fn cue_subsets(
    e: &RawExercise,
    term: Option<&RawTerm>,
    phrases: &Phrases,
) -> [BTreeSet<usize>; CUES.len()] {
    let choices = &e.choices;
    let all: BTreeSet<usize> = (0..choices.len()).collect();
    let marked = |pattern: &Regex| -> BTreeSet<usize> {
        (0..choices.len())
            .filter(|&i| pattern.is_match(&choices[i]))
            .collect()
    };
    let question = content_words(&format!("{} {} {}", e.scenario, e.question, e.title));
    let definition = content_words(term.map_or("", |t| t.definition.as_str()));
    let overlap = |with: &HashSet<String>| -> Vec<usize> {
        choices
            .iter()
            .map(|c| content_words(c).intersection(with).count())
            .collect()
    };
    let lengths: Vec<usize> = choices.iter().map(|c| c.chars().count()).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let shortest = lengths.iter().copied().min().unwrap_or(0);
    let rationale = marked(&RATIONALE);
    let absolutes = marked(&ABSOLUTES);
    let complement = |set: &BTreeSet<usize>| -> BTreeSet<usize> {
        if set.is_empty() {
            BTreeSet::new()
        } else {
            all.difference(set).copied().collect()
        }
    };
    [
        (0..choices.len())
            .filter(|&i| lengths[i] == longest)
            .collect(),
        (0..choices.len())
            .filter(|&i| lengths[i] == shortest)
            .collect(),
        rationale.clone(),
        complement(&rationale),
        (0..choices.len())
            .filter(|&i| phrases.found_in(&choices[i]).next().is_some())
            .collect(),
        argmax_set(&overlap(&question)),
        argmax_set(&overlap(&definition)),
        marked(&HEDGES),
        complement(&absolutes),
    ]
}

/// What gives the key away in an exercise's `why`s.
fn leak_messages(e: &RawExercise, phrases: &Phrases) -> Vec<String> {
    let mut out = Vec::new();
    let key_runs = runs(&e.choices[e.answer]);
    for (i, why) in e.why.iter().enumerate() {
        if VERDICT.is_match(why) {
            out.push(format!("why[{i}] starts with a verdict"));
        }
        if i == e.answer {
            continue;
        }
        if let Some(shared) = runs(why).intersection(&key_runs).next() {
            out.push(format!(
                "why[{i}] shares '{}' with the key",
                shared.join(" ")
            ));
        }
        let choice = e.choices.get(i).map_or("", String::as_str);
        let named = phrases
            .phrases
            .iter()
            .find(|(_, pattern)| phrase_in(pattern, why) && !phrase_in(pattern, choice));
        if let Some((phrase, _)) = named {
            out.push(format!("why[{i}] names the term ({phrase})"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
