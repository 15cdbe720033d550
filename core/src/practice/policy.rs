//! Which practice hits show: the steps of [`crate::policy::findings`],
//! applied to practices, so `scan` and the editor agree on them too:
//! 1. the document gate (language allowed, size) and the project gate:
//!    practices show only in projects that depend on an LLM library (the
//!    check `context = "llm"` terms use), since `len(text) / 4` or
//!    `eval(output)` teach nothing in a project with no model in it;
//! 2. ignore markers (`llmops: ignore`, `-next-line`, `-file`): all
//!    practices, or only the rules whose ids follow the marker;
//! 3. the learner: a practice marked known (`practice:<id>` among the known
//!    terms) is hidden;
//! 4. first occurrence only, when asked (per rule);
//! 5. the cap on findings per document (shared with term findings by the
//!    caller, which passes what is left of it).

use std::collections::BTreeSet;
use std::path::Path;

use super::{PracticeHit, PracticeSet};
use crate::learning::TermState;
use crate::policy::{DocumentRef, Learner, Named, Options, Scope, Silenced};

/// Whether practices show beside terms, alone, or not at all (`scan
/// --practices on|only|off`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PracticeMode {
    #[default]
    On,
    Only,
    Off,
}

impl PracticeMode {
    pub fn terms(self) -> bool {
        self != PracticeMode::Only
    }

    pub fn practices(self) -> bool {
        self != PracticeMode::Off
    }
}

/// Whether a file is a test by its name (`test_*.py`, `*_test.py`,
/// `conftest.py`, `*.test.ts`, `*.spec.js`…) or sits in a `__tests__`,
/// `__mocks__`, `__fixtures__`, `__testfixtures__` or `__snapshots__` folder. Practices stay
/// quiet there: tests pin snapshots, fake keys and mock responses on
/// purpose, and measured on real projects they were most of the false
/// positives (mocked response bodies carry dated model ids).
pub fn is_test_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem_test = name.starts_with("test_")
        || name == "conftest.py"
        || [
            "_test.py",
            ".test.ts",
            ".test.tsx",
            ".test.js",
            ".test.jsx",
            ".test.mjs",
            ".spec.ts",
            ".spec.tsx",
            ".spec.js",
            ".spec.jsx",
            ".test-d.ts",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    stem_test
        || path.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some(
                    "__tests__"
                        | "__mocks__"
                        | "__fixtures__"
                        | "__testfixtures__"
                        | "__snapshots__"
                )
            )
        })
}

/// A practice hit to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PracticeFinding {
    pub hit: PracticeHit,
    pub state: TermState,
}

/// The practice findings to show in one document, in text order. `hits`
/// are the document's practice hits; `llm_project` whether its project
/// depends on an LLM library; `max` the most findings to return.
pub fn practice_findings(
    doc: DocumentRef<'_>,
    hits: &[PracticeHit],
    llm_project: bool,
    set: &PracticeSet,
    learner: &Learner<'_>,
    options: &Options,
    max: usize,
) -> Vec<PracticeFinding> {
    if hits.is_empty()
        || !options.practices.practices()
        || !llm_project
        || doc.path.is_some_and(is_test_file)
        || !options.language_enabled(doc.language)
        || doc.text.len() as u64 > options.max_file_bytes
    {
        return Vec::new();
    }
    // Kept with an open document (see `Document`); a file on disk is
    // searched once, as for terms.
    let found;
    let silenced = match doc.silenced {
        Some(kept) => kept,
        None => {
            found = Silenced::find(doc.text);
            &found
        }
    };
    let file_scope = silenced.file_scope();
    if file_scope.all() {
        return Vec::new();
    }
    // Hits come in text order: the markers of a line are read once, at its
    // first hit.
    let (mut scope_line, mut line_scope) = (usize::MAX, Scope::default());
    let first_only = options.first_occurrence_only
        || (options.first_occurrence_in_code_only && !crate::policy::is_prose(doc.language));
    let mut seen = BTreeSet::new();
    let mut states: Vec<Option<TermState>> = vec![None; set.rules.len()];
    let mut out = Vec::new();
    for hit in hits {
        if out.len() >= max {
            break;
        }
        let Some(rule) = set.rules.get(hit.rule as usize) else {
            continue;
        };
        if !silenced.is_empty() {
            let what = Named::Practice(&rule.id);
            let line = doc.lines.line_of(hit.start);
            if line != scope_line {
                (scope_line, line_scope) = (line, silenced.line_scope(doc.text, doc.lines, line));
            }
            if file_scope.silences(what)
                || line_scope.silences(what)
                || silenced.within_marker(hit.start, hit.end)
            {
                continue;
            }
        }
        let state =
            *states[hit.rule as usize].get_or_insert_with(|| learner.state(&rule.known_key()));
        if options.hide_known && state == TermState::Known {
            continue;
        }
        if first_only && !seen.insert(hit.rule) {
            continue;
        }
        out.push(PracticeFinding { hit: *hit, state });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practice::tests::rule;
    use crate::progress::ProgressData;
    use crate::text::LineIndex;

    /// The rule ids shown in a Python text of an LLM project.
    fn shown(set: &PracticeSet, text: &str) -> Vec<(usize, String)> {
        let lines = LineIndex::new(text);
        let hits = set.scan_all(text, "python");
        let doc = DocumentRef {
            text,
            lines: &lines,
            hits: &[],
            silenced: None,
            path: None,
            language: "python",
        };
        let data = ProgressData::default();
        let learner = Learner::new(&data, crate::learning::DEFAULT_MASTERY, 1_000_000);
        practice_findings(doc, &hits, true, set, &learner, &Options::default(), 100)
            .into_iter()
            .map(|f| {
                let line = lines.line_of(f.hit.start);
                (line, set.rules[f.hit.rule as usize].id.clone())
            })
            .collect()
    }

    #[test]
    fn a_marker_naming_one_rule_keeps_another_on_its_line() {
        let set = PracticeSet::new(vec![
            rule("client", r"OpenAI\(\s*\)"),
            rule("dated", r"gpt-4o-\d{4}-\d{2}-\d{2}"),
        ])
        .unwrap();
        let line = "c = OpenAI(); m = \"gpt-4o-2024-08-06\"";
        let both = [(0, "client".to_string()), (0, "dated".to_string())];
        assert_eq!(shown(&set, &format!("{line}\n")), both);
        for marker in ["dated", "practice:dated", "ttft, dated"] {
            assert_eq!(
                shown(&set, &format!("{line}  # llmops: ignore {marker}\n")),
                [(0, "client".to_string())],
                "{marker}"
            );
            assert_eq!(
                shown(
                    &set,
                    &format!("# llmops: ignore-next-line {marker}\n{line}\n")
                ),
                [(1, "client".to_string())],
                "{marker}"
            );
        }
        // An id no rule has, and a marker in another line's place, silence
        // nothing; a marker with no id silences both, an `ignore-file` with
        // ids only those.
        assert_eq!(
            shown(&set, &format!("{line}  # llmops: ignore ttft\n")),
            both
        );
        assert_eq!(
            shown(&set, &format!("# llmops: ignore dated\n{line}\n")),
            [(1, "client".to_string()), (1, "dated".to_string())]
        );
        assert!(shown(&set, &format!("{line}  # llmops: ignore\n")).is_empty());
        assert_eq!(
            shown(&set, &format!("# llmops: ignore-file client\n{line}\n")),
            [(1, "dated".to_string())]
        );
    }
}
