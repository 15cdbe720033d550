//! Practices: rules that recognise an LLMOps practice in code (a dated model
//! snapshot hard-coded in a call, a client built with the SDK's default
//! ten-minute timeout) and open the lesson about it.
//!
//! A rule is a `[[practice]]` entry of a pack (parsed in
//! `content/pack/practice.rs`): a pattern in the `regex` crate's syntax
//! (linear-time, no backtracking), the languages and the parts of a line
//! (code, strings, comments) it looks at, a short message and the term it
//! teaches. All rules of the merged content run as one [`RegexSet`]: a
//! line is tested once against every pattern, and only the rules that
//! matched it run again to find where ([`PracticeSet::scan`]).
//!
//! Reach: a rule looks at one line at a time (N = 0 lines around a match),
//! so an edit re-checks exactly the lines it touched ([`hits`]). Lines
//! longer than [`MAX_LINE_BYTES`] are skipped (minified code, data).
//!
//! The policy that decides which hits show ([`policy`]) is the one terms go
//! through: document gate, ignore markers, known, first occurrence, cap; and
//! practices stay quiet outside projects that depend on an LLM library.

pub mod hits;
pub mod policy;
mod zone;

use std::sync::OnceLock;

use regex::{Regex, RegexSet, RegexSetBuilder};
use rustc_hash::FxHashMap;

use crate::content::Origin;
pub use zone::{Zone, zones};

/// Longest line a practice looks at, in bytes. A longer line is not code a
/// person writes by hand, and checking it on every keystroke would cost in
/// proportion to its length.
pub const MAX_LINE_BYTES: usize = 2_000;
/// Compiled size limit of one rule's pattern (the `regex` crate's
/// `size_limit`): a pattern like `\w{1000}{1000}` is refused at load.
pub const MAX_REGEX_BYTES: usize = 256 * 1024;
/// Compiled size limit of one pack's rules together, checked when the pack
/// is parsed: the set's cost per line grows with its size, so this is what
/// bounds a keystroke (measured in `core/tests/hostile_practices.rs`).
pub const MAX_PACK_SET_BYTES: usize = 2 * 1024 * 1024;
/// Compiled size limit of all rules of all packs together.
pub const MAX_SET_BYTES: usize = 8 * 1024 * 1024;
/// Lazy-DFA cache of the set; a set that thrashes it falls back to a
/// slower but still linear engine.
const SET_DFA_BYTES: usize = 8 * 1024 * 1024;

/// Where on a line a rule looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Look {
    pub code: bool,
    pub strings: bool,
    pub comments: bool,
}

impl Default for Look {
    /// Code and strings: a practice is what the program does, not what a
    /// comment says about it.
    fn default() -> Self {
        Look {
            code: true,
            strings: true,
            comments: false,
        }
    }
}

impl Look {
    /// Every value `look_in` accepts.
    pub const NAMES: &'static [&'static str] = &["code", "strings", "comments"];

    pub fn covers(self, zone: Zone) -> bool {
        match zone {
            Zone::Code => self.code,
            Zone::String => self.strings,
            Zone::Comment => self.comments,
        }
    }
}

/// How a practice finding is shown.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum PracticeSeverity {
    #[default]
    Hint,
    Information,
    Warning,
}

impl PracticeSeverity {
    pub const ALL: &'static [(&'static str, PracticeSeverity)] = &[
        ("hint", PracticeSeverity::Hint),
        ("information", PracticeSeverity::Information),
        ("warning", PracticeSeverity::Warning),
    ];

    pub fn parse(value: &str) -> Option<PracticeSeverity> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == value)
            .map(|&(_, s)| s)
    }
}

/// One rule, as a pack defines it. Serialized without its compiled
/// pattern (the built-in course's compiled form, see `server/build.rs`),
/// which is compiled again, with the pack's limits, when read back.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "PracticeData", try_from = "PracticeData")]
pub struct Practice {
    pub id: String,
    pub name: String,
    pub pattern: String,
    /// `pattern`, compiled: at once when a pack is parsed (which checks
    /// it); on first use when read back from the built-in course's
    /// compiled form, whose patterns were checked when it was built, so
    /// that a start does not compile every rule (a fifth of the start's
    /// CPU time) before any code is open. Read it with [`Practice::regex`].
    pub compiled: OnceLock<Regex>,
    /// Language ids the rule applies to; empty: every code language.
    pub languages: Vec<String>,
    pub look: Look,
    pub message: String,
    /// The term whose lesson the rule opens.
    pub term: String,
    /// The exercise about this practice, if the pack names one.
    pub exercise: Option<String>,
    pub severity: PracticeSeverity,
    pub examples_match: Vec<String>,
    pub examples_no_match: Vec<String>,
    pub origin: Origin,
}

/// A [`Practice`] without its compiled pattern.
#[derive(serde::Serialize, serde::Deserialize)]
struct PracticeData {
    id: String,
    name: String,
    pattern: String,
    languages: Vec<String>,
    look: Look,
    message: String,
    term: String,
    exercise: Option<String>,
    severity: PracticeSeverity,
    examples_match: Vec<String>,
    examples_no_match: Vec<String>,
    origin: Origin,
}

impl From<Practice> for PracticeData {
    fn from(p: Practice) -> PracticeData {
        PracticeData {
            id: p.id,
            name: p.name,
            pattern: p.pattern,
            languages: p.languages,
            look: p.look,
            message: p.message,
            term: p.term,
            exercise: p.exercise,
            severity: p.severity,
            examples_match: p.examples_match,
            examples_no_match: p.examples_no_match,
            origin: p.origin,
        }
    }
}

impl TryFrom<PracticeData> for Practice {
    type Error = String;
    fn try_from(p: PracticeData) -> Result<Practice, String> {
        Ok(Practice {
            compiled: OnceLock::new(),
            id: p.id,
            name: p.name,
            pattern: p.pattern,
            languages: p.languages,
            look: p.look,
            message: p.message,
            term: p.term,
            exercise: p.exercise,
            severity: p.severity,
            examples_match: p.examples_match,
            examples_no_match: p.examples_no_match,
            origin: p.origin,
        })
    }
}

/// Name of the capture group that, when a pattern has it, is the spot
/// flagged instead of the whole match.
pub const HIT_GROUP: &str = "hit";

/// Prefix of the key under which "I know this practice" is kept with the
/// known terms (`practice:<id>`), so the learner's known set covers both.
pub const KNOWN_PREFIX: &str = "practice:";

impl Practice {
    /// The compiled pattern (compiled now if it was not yet). A pattern
    /// that does not compile (which the checks at parse and build time
    /// rule out) matches nothing.
    pub fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            crate::content::compile_practice_pattern(&self.pattern)
                .unwrap_or_else(|_| Regex::new(r"\b\B").expect("a constant pattern compiles"))
        })
    }

    /// The key of this practice among the learner's known terms.
    pub fn known_key(&self) -> String {
        format!("{KNOWN_PREFIX}{}", self.id)
    }

    /// Whether the rule looks at documents of a language.
    pub fn applies_to(&self, language: &str) -> bool {
        if self.languages.is_empty() {
            return is_code(language);
        }
        let base = base_language(language);
        self.languages.iter().any(|l| l == language || l == base)
    }

    /// The language examples are checked as: the first the rule names, or
    /// Python.
    pub fn example_language(&self) -> &str {
        self.languages.first().map_or("python", String::as_str)
    }

    /// Where the rule matches on one line: the whole match, or its `hit`
    /// group when the pattern has one (so a pattern can require context
    /// before the spot it flags, such as "not on a `def` line", without
    /// flagging that context). Empty matches are dropped.
    pub fn spans(&self, line: &str, out: &mut Vec<(usize, usize)>) {
        let regex = self.regex();
        let group = regex
            .capture_names()
            .position(|name| name == Some(HIT_GROUP));
        match group {
            None => out.extend(
                regex
                    .find_iter(line)
                    .filter(|m| m.start() < m.end())
                    .map(|m| (m.start(), m.end())),
            ),
            Some(group) => out.extend(
                regex
                    .captures_iter(line)
                    .filter_map(|c| c.get(group))
                    .filter(|m| m.start() < m.end())
                    .map(|m| (m.start(), m.end())),
            ),
        }
    }

    /// Whether the rule flags somewhere in `text` read as `language`
    /// (examples may span lines; each line is looked at alone).
    pub fn flags(&self, text: &str, language: &str) -> bool {
        text.split('\n').any(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut spans = Vec::new();
            self.spans(line, &mut spans);
            let starts: Vec<usize> = spans.iter().map(|s| s.0).collect();
            !starts.is_empty()
                && zones(line, &starts, language)
                    .into_iter()
                    .any(|z| self.look.covers(z))
        })
    }

    /// The examples that fail: `match` snippets the rule does not flag and
    /// `no_match` snippets it does, with their index and kind.
    pub fn failing_examples(&self) -> Vec<(bool, usize)> {
        let language = self.example_language();
        let mut out = Vec::new();
        for (i, text) in self.examples_match.iter().enumerate() {
            if !self.flags(text, language) {
                out.push((true, i));
            }
        }
        for (i, text) in self.examples_no_match.iter().enumerate() {
            if self.flags(text, language) {
                out.push((false, i));
            }
        }
        out
    }
}

/// `typescriptreact` is TypeScript, `javascriptreact` JavaScript, for a rule
/// that names the base language.
fn base_language(language: &str) -> &str {
    match language {
        "typescriptreact" => "typescript",
        "javascriptreact" => "javascript",
        other => other,
    }
}

/// Whether a language id is code (rules without `languages` look at these):
/// not prose, not data or configuration.
pub fn is_code(language: &str) -> bool {
    !crate::policy::is_prose(language)
        && !matches!(
            language,
            "json"
                | "jsonc"
                | "jsonl"
                | "yaml"
                | "toml"
                | "ini"
                | "xml"
                | "csv"
                | "log"
                | "properties"
                | "plaintext"
                | "gitignore"
                | "dotenv"
                | "ignore"
        )
}

/// A spot a rule flagged: byte offsets in the document and the rule's
/// index in [`PracticeSet::rules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PracticeHit {
    pub start: usize,
    pub end: usize,
    pub rule: u32,
}

/// Every rule of the merged content, compiled into one set.
#[derive(Clone, Debug, Default)]
pub struct PracticeSet {
    pub rules: Vec<Practice>,
    /// All patterns at once; `None` when there are no rules. Compiled at
    /// once by [`PracticeSet::new`], on first scan by
    /// [`PracticeSet::new_checked_at_build`].
    set: OnceLock<Option<RegexSet>>,
    index: FxHashMap<String, usize>,
}

/// The rules' patterns as one set (`None` without rules), or the `regex`
/// crate's reason when together they exceed [`MAX_SET_BYTES`].
fn build_set(rules: &[Practice]) -> Result<Option<RegexSet>, String> {
    if rules.is_empty() {
        return Ok(None);
    }
    RegexSetBuilder::new(rules.iter().map(|r| r.pattern.as_str()))
        .size_limit(MAX_SET_BYTES)
        .dfa_size_limit(SET_DFA_BYTES)
        .build()
        .map(Some)
        .map_err(|e| e.to_string())
}

impl PracticeSet {
    /// Compiles the rules into one set. Fails (with the `regex` crate's
    /// reason) when together they exceed [`MAX_SET_BYTES`].
    pub fn new(rules: Vec<Practice>) -> Result<PracticeSet, String> {
        let set = build_set(&rules)?;
        Ok(PracticeSet {
            index: Self::index(&rules),
            rules,
            set: OnceLock::from(set),
        })
    }

    /// The set of rules already known to fit together: the built-in
    /// course's, checked when the binary was built
    /// (`content::tests::the_builtin_practices_fit_in_one_set`). Compiled on
    /// the first scan, so that a start does not pay for it before any code
    /// is open.
    pub fn new_checked_at_build(rules: Vec<Practice>) -> PracticeSet {
        PracticeSet {
            index: Self::index(&rules),
            rules,
            set: OnceLock::new(),
        }
    }

    fn index(rules: &[Practice]) -> FxHashMap<String, usize> {
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect()
    }

    /// The compiled set (compiled now if it was not yet).
    fn set(&self) -> Option<&RegexSet> {
        self.set
            .get_or_init(|| build_set(&self.rules).ok().flatten())
            .as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Practice> {
        self.index.get(id).map(|&i| &self.rules[i])
    }

    /// Finds every rule's matches in the lines of `text[from..to]` (`from`
    /// at a line start, `to` at a line end or the end of the text), for a
    /// document of `language`, appending them to `out` in text order.
    ///
    /// Cost: one pass of the set over each line, then, for a line that
    /// some rule matched, that rule's own search and one walk of the line
    /// to tell code from strings and comments. Lines longer than
    /// [`MAX_LINE_BYTES`] are skipped.
    pub fn scan(
        &self,
        text: &str,
        from: usize,
        to: usize,
        language: &str,
        out: &mut Vec<PracticeHit>,
    ) {
        let Some(set) = self.set() else {
            return;
        };
        if !self.rules.iter().any(|r| r.applies_to(language)) {
            return;
        }
        let mut at = from;
        let mut starts = Vec::new();
        let mut spans = Vec::new();
        let mut found: Vec<(usize, usize, u32)> = Vec::new();
        for line in text[from..to].split_inclusive('\n') {
            let line_start = at;
            at += line.len();
            let line = line.strip_suffix('\n').unwrap_or(line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.len() > MAX_LINE_BYTES || line.trim().is_empty() {
                continue;
            }
            let matched = set.matches(line);
            if !matched.matched_any() {
                continue;
            }
            found.clear();
            for rule in matched.iter() {
                let practice = &self.rules[rule];
                if !practice.applies_to(language) {
                    continue;
                }
                spans.clear();
                practice.spans(line, &mut spans);
                found.extend(spans.iter().map(|&(a, b)| (a, b, rule as u32)));
            }
            if found.is_empty() {
                continue;
            }
            // By start, then by rule order (not by end).
            found.sort_unstable_by_key(|&(start, _, rule)| (start, rule));
            starts.clear();
            starts.extend(found.iter().map(|f| f.0));
            let zones = zones(line, &starts, language);
            // Two rules flagging the same spot (a retired model is also a
            // dated one): the rule listed first speaks for it.
            let mut last_start = usize::MAX;
            for (&(start, end, rule), zone) in found.iter().zip(zones) {
                if start != last_start && self.rules[rule as usize].look.covers(zone) {
                    last_start = start;
                    out.push(PracticeHit {
                        start: line_start + start,
                        end: line_start + end,
                        rule,
                    });
                }
            }
        }
    }

    /// Every hit in a whole text.
    pub fn scan_all(&self, text: &str, language: &str) -> Vec<PracticeHit> {
        let mut out = Vec::new();
        self.scan(text, 0, text.len(), language, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn rule(id: &str, pattern: &str) -> Practice {
        Practice {
            id: id.into(),
            name: id.into(),
            pattern: pattern.into(),
            compiled: OnceLock::from(Regex::new(pattern).unwrap()),
            languages: vec!["python".into(), "typescript".into()],
            look: Look::default(),
            message: "m".into(),
            term: "t".into(),
            exercise: None,
            severity: PracticeSeverity::Hint,
            examples_match: Vec::new(),
            examples_no_match: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn the_set_finds_each_rule_on_its_lines_outside_comments() {
        let set = PracticeSet::new(vec![
            rule("a", r"OpenAI\(\s*\)"),
            rule("b", r"gpt-4o-\d{4}-\d{2}-\d{2}"),
        ])
        .unwrap();
        let text = "c = OpenAI()\n# c = OpenAI()\nm = \"gpt-4o-2024-08-06\"\n";
        let hits = set.scan_all(text, "python");
        let found: Vec<(&str, u32)> = hits
            .iter()
            .map(|h| (&text[h.start..h.end], h.rule))
            .collect();
        assert_eq!(found, [("OpenAI()", 0), ("gpt-4o-2024-08-06", 1)]);
        // A language the rules do not name sees nothing.
        assert!(set.scan_all(text, "go").is_empty());
        // TypeScript React counts as TypeScript.
        assert_eq!(set.scan_all("new OpenAI()", "typescriptreact").len(), 1);
    }

    #[test]
    fn examples_report_which_fail() {
        let mut r = rule("a", r"OpenAI\(\s*\)");
        r.examples_match = vec![
            "client = OpenAI()".into(),
            "client = OpenAI(timeout=5)".into(),
        ];
        r.examples_no_match = vec!["# OpenAI()".into(), "x = OpenAI( )".into()];
        assert_eq!(r.failing_examples(), [(true, 1), (false, 1)]);
    }

    #[test]
    fn a_hit_group_flags_only_its_part_of_the_match() {
        let set = PracticeSet::new(vec![rule(
            "a",
            r"^\s*(?:(?:[^d\s]|d[^e]|de[^f]|def\S)[^\n]*?)?(?P<hit>\bmodel=\x22old\x22)",
        )])
        .unwrap();
        let text = "x = f(model=\"old\")\n    model=\"old\",\ndef f(model=\"old\"):\n";
        let found: Vec<&str> = set
            .scan_all(text, "python")
            .iter()
            .map(|h| &text[h.start..h.end])
            .collect();
        assert_eq!(found, ["model=\"old\"", "model=\"old\""]);
    }

    #[test]
    fn long_lines_are_skipped() {
        let set = PracticeSet::new(vec![rule("a", r"OpenAI\(\)")]).unwrap();
        let long = format!("x = OpenAI() # {}", "y".repeat(MAX_LINE_BYTES));
        assert!(set.scan_all(&long, "python").is_empty());
    }
}
