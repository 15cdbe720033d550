//! What gets shown: the one policy the editor and the command line share.
//!
//! [`findings`] turns a document (its text, path and language id, and the
//! terms the matcher spotted in it), the content and the learner's state
//! into the spots to flag. The server publishes them as diagnostics, `scan`
//! prints them and `report` counts them, so a file the editor shows clean
//! is clean in CI too.
//!
//! The pipeline, in order, for each spotted term:
//! 1. the document gate: language allowed, not too large ([`Options`]),
//!    not a recording or key file ([`is_recording`]);
//!    in a notebook's raw JSON, only the cells' sources ([`notebook_json`]);
//! 2. ignore markers: `llmops: ignore-file`, `-next-line` and `ignore`, in
//!    any comment syntax, silencing every term or, when ids follow the
//!    marker, the terms and practices it names ([`Silenced`]); a term
//!    spotted in a marker's own ids is not shown either;
//! 3. the learner: known terms are hidden unless a review is due
//!    ([`Learner`]);
//! 4. first occurrence only, when asked; a term on an import line or in a
//!    dependency manifest at most once per file in any case ([`imports`]);
//! 5. the cap on findings per document.
//!
//! A phrase the team avoids (a term's `avoid` list or a deprecated alias,
//! [`Hit::avoided`]) skips steps 3 and 4: it is a team rule rather than a
//! lesson, flagged at every use whatever the learner knows ([`Finding::avoided`]).
//!
//! A filter on what the matcher found (say, terms that only count in an LLM
//! setting) belongs with the matcher, before step 2: it changes which spots
//! are terms at all, where these steps decide which terms a person sees.

mod ignore;
pub mod imports;
mod learner;
pub mod notebook_json;
pub mod recorded;

use std::collections::BTreeSet;
use std::path::Path;

pub use ignore::{IGNORE, Named, Scope, Silenced, comment_for};
pub use learner::{Learner, ProgressView};
pub use recorded::is_recording;

use crate::content::Content;
use crate::learning::TermState;
use crate::matcher::Hit;
use crate::text::LineIndex;

/// A document as the policy sees it.
#[derive(Clone, Copy, Debug)]
pub struct DocumentRef<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    /// Every term the matcher spotted, in text order.
    pub hits: &'a [Hit],
    /// The ignore markers, when the caller keeps them (an open document
    /// does, edit by edit); `None` finds them in the whole text.
    pub silenced: Option<&'a Silenced>,
    /// The file behind the document, if any (for path-based rules).
    pub path: Option<&'a Path>,
    /// The editor's language id (`markdown`, `python`, ...); the command
    /// line derives it from the file extension.
    pub language: &'a str,
}

/// The knobs of the policy; the editor's settings and the command line's
/// flags both end up here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// One finding per term per document.
    pub first_occurrence_only: bool,
    /// One finding per term in code, every one in prose (setting
    /// `firstOccurrenceOnly = "code"`): a module repeats `ttft_ms` on many
    /// lines, an article uses a term where it explains something.
    pub first_occurrence_in_code_only: bool,
    /// Most findings per document.
    pub max_findings: usize,
    /// Larger documents get no findings.
    pub max_file_bytes: u64,
    /// Language ids to spot in (empty: all) and never to spot in.
    pub languages_allow: Vec<String>,
    pub languages_deny: Vec<String>,
    /// Hide terms the learner knows (unless a review is due). `report`
    /// turns this off: it counts every term, learned or not.
    pub hide_known: bool,
    /// Practices beside terms, alone, or not at all (`scan --practices`).
    pub practices: crate::practice::policy::PracticeMode,
}

/// Language ids (VS Code's and Neovim's filetypes) of documents people read
/// as prose.
pub fn is_prose(language: &str) -> bool {
    matches!(
        language,
        "markdown"
            | "mdx"
            | "plaintext"
            | "text"
            | "restructuredtext"
            | "rst"
            | "asciidoc"
            | "org"
            | "latex"
            | "tex"
            | "gitcommit"
            | "mail"
            | "html"
    )
}

impl Default for Options {
    fn default() -> Self {
        Options {
            first_occurrence_only: false,
            first_occurrence_in_code_only: false,
            max_findings: 1000,
            max_file_bytes: 1024 * 1024,
            languages_allow: Vec::new(),
            languages_deny: Vec::new(),
            hide_known: true,
            practices: Default::default(),
        }
    }
}

impl Options {
    /// Whether documents of this language are spotted at all.
    pub fn language_enabled(&self, language: &str) -> bool {
        !self.languages_deny.iter().any(|l| l == language)
            && (self.languages_allow.is_empty()
                || self.languages_allow.iter().any(|l| l == language))
    }
}

/// A spot to show: the hit and where the learner stands with its term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finding {
    pub hit: Hit,
    pub state: TermState,
}

impl Finding {
    /// The spot is a phrase the team avoids: a warning with a fix, not a hint.
    pub fn avoided(&self) -> bool {
        self.hit.avoided
    }
}

/// The findings to show in one document, in text order.
pub fn findings(
    doc: DocumentRef<'_>,
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
) -> Vec<Finding> {
    shown(doc, content, learner, options).0
}

/// What a set of findings cut short by the cap was decided from: the text,
/// hits and markers before [`Settled::before`], the `ignore-file` markers,
/// and the text's length against the size limit; besides those, only what
/// the caller passed in (content, learner, options, path, language). A
/// document whose changes since all lie at or past `before` would get the
/// same findings, at the same places, so a publisher can send again what
/// it sent (see [`Settled::still_holds`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    before: usize,
    file_ids: Vec<Box<[Box<str>]>>,
}

impl Settled {
    /// Whether findings decided as `self` says still hold for `doc`, whose
    /// text changed from `changed_from` on (`None`: not at all) since. Costs
    /// a comparison of the `ignore-file` markers' ids (none in most files).
    pub fn still_holds(
        &self,
        doc: DocumentRef<'_>,
        changed_from: Option<usize>,
        options: &Options,
    ) -> bool {
        changed_from.is_none_or(|from| from >= self.before)
            && doc.text.len() as u64 <= options.max_file_bytes
            && doc.silenced.is_some_and(|s| s.file_ids() == self.file_ids)
    }
}

/// [`findings`], and what they were decided from when the cap cut them
/// short (`None` when it did not, or when the whole text counts: a raw
/// notebook, markers found here rather than kept by the caller).
///
/// Every step reads the text up to the line of the hit it decides, except
/// the document gate (the text's length; a recording's shape, read from its
/// first [`recorded::SHAPE_PREFIX`] bytes; a notebook's cells) and the
/// `ignore-file` markers: so once the cap is reached, nothing past the
/// last finding's line can change what shows.
pub fn shown(
    doc: DocumentRef<'_>,
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
) -> (Vec<Finding>, Option<Settled>) {
    if !options.language_enabled(doc.language) || doc.text.len() as u64 > options.max_file_bytes {
        return (Vec::new(), None);
    }
    let found_here;
    let silenced = match doc.silenced {
        Some(kept) => kept,
        None => {
            found_here = Silenced::find(doc.text);
            &found_here
        }
    };
    let file_scope = silenced.file_scope();
    if file_scope.all() || doc.path.is_some_and(|p| is_recording(p, doc.text)) {
        return (Vec::new(), None);
    }
    let manifest = imports::is_dependency_manifest(doc.path);
    let mut notebook = notebook_json::is_raw_notebook(doc.path, doc.language)
        .then(|| notebook_json::SourceLines::new(doc.text));
    let code = !is_prose(doc.language);
    let mut imported = BTreeSet::new();
    // Hits come in text order: the markers of a line are read once, at its
    // first hit.
    let (mut scope_line, mut line_scope) = (usize::MAX, Scope::default());
    let mut states: Vec<Option<TermState>> = vec![None; content.terms.len()];
    let mut seen = BTreeSet::new();
    let first_only = options.first_occurrence_only
        || (options.first_occurrence_in_code_only && !is_prose(doc.language));
    let mut out = Vec::new();
    for hit in doc.hits {
        if out.len() >= options.max_findings {
            break;
        }
        let Some(term) = content.terms.get(hit.term as usize) else {
            continue;
        };
        if let Some(cells) = &mut notebook {
            let line_start = doc.lines.line_start(doc.lines.line_of(hit.start()));
            if !line_start.is_some_and(|at| cells.keeps(at)) {
                continue;
            }
        }
        if !silenced.is_empty() {
            let what = Named::Term(&term.id);
            let line = doc.lines.line_of(hit.start());
            if line != scope_line {
                (scope_line, line_scope) = (line, silenced.line_scope(doc.text, doc.lines, line));
            }
            if file_scope.silences(what)
                || line_scope.silences(what)
                || silenced.within_marker(hit.start(), hit.end())
            {
                continue;
            }
        }
        let state = *states[hit.term as usize].get_or_insert_with(|| learner.state(&term.id));
        // An avoided phrase is the team's rule, not a lesson: it shows
        // whatever the learner knows, at every use.
        if !hit.avoided {
            if options.hide_known && state == TermState::Known {
                continue;
            }
            if first_only && !seen.insert(hit.term) {
                continue;
            }
        }
        let import_line = manifest
            || code
                && doc
                    .lines
                    .line_start(doc.lines.line_of(hit.start()))
                    .is_some_and(|at| imports::is_import_line(doc.text, at));
        if import_line && !imported.insert(hit.term) {
            continue;
        }
        out.push(Finding { hit: *hit, state });
    }
    let settled = (out.len() >= options.max_findings && notebook.is_none())
        .then_some(doc.silenced)
        .flatten()
        .map(|kept| {
            // The end of the last finding's line: its markers count.
            let last = out.last().map_or(0, |f| {
                let line = doc.lines.line_of(f.hit.start());
                doc.lines.line_start(line + 1).unwrap_or(doc.text.len())
            });
            Settled {
                before: last.max(recorded::SHAPE_PREFIX),
                file_ids: kept.file_ids(),
            }
        });
    (out, settled)
}

/// The language id an editor would give a file, from its name, for the
/// command line (which has no editor to ask). Unknown kinds are
/// `plaintext`.
pub fn language_of(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match name {
        "Dockerfile" => return "dockerfile",
        "Makefile" | "makefile" | "GNUmakefile" => return "makefile",
        _ => {}
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => "markdown",
        "rs" => "rust",
        "py" | "pyi" => "python",
        "js" | "mjs" | "cjs" => "javascript",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "typescriptreact",
        "jsx" => "javascriptreact",
        "go" => "go",
        "java" => "java",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" => "cpp",
        "cs" => "csharp",
        "rb" => "ruby",
        "php" => "php",
        "sh" | "bash" | "zsh" => "shellscript",
        "yaml" | "yml" => "yaml",
        "toml" => "toml",
        "json" => "json",
        "jsonc" => "jsonc",
        "html" | "htm" => "html",
        "xml" => "xml",
        "css" => "css",
        "scss" => "scss",
        "sql" => "sql",
        "lua" => "lua",
        "tex" => "latex",
        "txt" | "text" => "plaintext",
        "ipynb" => "json",
        _ => "plaintext",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::ProgressData;

    fn run(text: &str, data: &ProgressData, options: &Options) -> Vec<(usize, String)> {
        let content = Content::builtin().expect("built-in content");
        let lines = LineIndex::new(text);
        let hits = content.matcher.find_all(text);
        let doc = DocumentRef {
            text,
            lines: &lines,
            hits: &hits,
            silenced: None,
            path: None,
            language: "markdown",
        };
        let learner = Learner::new(data, crate::learning::DEFAULT_MASTERY, 1_000_000);
        findings(doc, &content, &learner, options)
            .into_iter()
            .map(|f| {
                (
                    lines.line_of(f.hit.start()),
                    content.terms[f.hit.term as usize].id.clone(),
                )
            })
            .collect()
    }

    /// The term ids the policy shows in `text` read from `path`.
    fn shown_at(path: &str, text: &str) -> Vec<String> {
        let content = Content::builtin().expect("built-in content");
        let lines = LineIndex::new(text);
        let mut hits = Vec::new();
        content
            .matcher
            .find_with_anchors(text, 0, text.len(), true, &mut hits, &mut Vec::new());
        let path = Path::new(path);
        let doc = DocumentRef {
            text,
            lines: &lines,
            hits: &hits,
            silenced: None,
            path: Some(path),
            language: language_of(path),
        };
        let data = ProgressData::default();
        let learner = Learner::new(&data, crate::learning::DEFAULT_MASTERY, 1_000_000);
        findings(doc, &content, &learner, &Options::default())
            .into_iter()
            .map(|f| content.terms[f.hit.term as usize].id.clone())
            .collect()
    }

    #[test]
    fn recordings_and_key_files_get_no_hints() {
        let cassette = "interactions:\n- request:\n    body: '{\"messages\": [\"use the LLM judge\"]}'\n  response:\n    headers:\n      x-usage-total-tokens: ['12']\n    status: {code: 200}\n";
        assert!(!shown_at("tests/notes.md", cassette).is_empty());
        assert_eq!(
            shown_at("tests/cassettes/chat.yaml", cassette),
            Vec::<String>::new()
        );
        assert_eq!(
            shown_at("tests/fixtures/chat.yaml", cassette),
            Vec::<String>::new()
        );
        assert_eq!(shown_at("certs/ca.pem", "TTFT\n"), Vec::<String>::new());
    }

    #[test]
    fn a_raw_notebook_shows_its_sources_not_its_outputs() {
        let notebook = "{\n \"cells\": [\n  {\n   \"outputs\": [\n    {\n     \"text\": [\n      \"guardrail passed, TTFT 120 ms\\n\"\n     ]\n    }\n   ],\n   \"source\": [\n    \"# measure TTFT\\n\"\n   ]\n  }\n ]\n}\n";
        assert_eq!(shown_at("nb/eval.ipynb", notebook), ["ttft"]);
        // The same JSON under another name is data, spotted throughout.
        assert_eq!(
            shown_at("nb/eval.json", notebook),
            ["guardrail", "ttft", "ttft"]
        );
    }

    #[test]
    fn a_term_on_import_lines_shows_once_per_file() {
        let text = "from guardrails.hub import DetectPII\nimport guardrails\nfrom guardrails import Guard\n\n# a guardrail checks the output\nx = guardrails.Guard()\n";
        let shown = shown_at("app/checks.py", text);
        let guardrail = shown.iter().filter(|id| *id == "guardrail").count();
        // One for the imports, one for the comment, one for the call.
        assert_eq!(guardrail, 3, "{shown:?}");
        let manifest = "[project]\ndependencies = [\"guardrails-ai\", \"guardrails-api\"]\n";
        let shown = shown_at("pyproject.toml", manifest);
        assert_eq!(
            shown.iter().filter(|id| *id == "guardrail").count(),
            1,
            "{shown:?}"
        );
        // In prose, a line starting with "use" is a sentence.
        let prose = "Guardrails help.\nuse guardrails on output\nuse guardrails on input\n";
        assert_eq!(shown_at("docs/guide.md", prose).len(), 3);
    }

    #[test]
    fn each_step_of_the_pipeline_removes_what_it_should() {
        let text = "TTFT\nTTFT <!-- llmops: ignore -->\n# llmops: ignore-next-line\nTTFT\nmodel alias\nTTFT\n";
        let none = ProgressData::default();
        let all = run(text, &none, &Options::default());
        assert_eq!(
            all,
            [
                (0, "ttft".into()),
                (4, "model-alias".into()),
                (5, "ttft".into())
            ]
        );
        let first = Options {
            first_occurrence_only: true,
            ..Options::default()
        };
        assert_eq!(
            run(text, &none, &first),
            [(0, "ttft".into()), (4, "model-alias".into())]
        );
        let mut known = ProgressData::default();
        known.known_terms.insert("ttft".into());
        assert_eq!(
            run(text, &known, &Options::default()),
            [(4, "model-alias".into())]
        );
        let report = Options {
            hide_known: false,
            ..Options::default()
        };
        assert_eq!(run(text, &known, &report), all);
        // The cap keeps the first findings in document order.
        for (cap, kept) in [(1, &all[..1]), (2, &all[..2])] {
            let capped = Options {
                max_findings: cap,
                ..Options::default()
            };
            assert_eq!(run(text, &none, &capped), kept, "cap {cap}");
        }
        assert!(
            run(
                &format!("// llmops: ignore-file\n{text}"),
                &none,
                &Options::default()
            )
            .is_empty()
        );
        let deny = Options {
            languages_deny: vec!["markdown".into()],
            ..Options::default()
        };
        assert!(run(text, &none, &deny).is_empty());
    }

    #[test]
    fn a_marker_naming_one_term_keeps_another_on_its_line() {
        let none = ProgressData::default();
        let options = Options::default();
        let line = "TTFT and the model alias";
        // The ids in a marker are the marker, not uses of the terms.
        assert_eq!(
            run(
                &format!("{line} <!-- llmops: ignore ttft -->\n"),
                &none,
                &options
            ),
            [(0, "model-alias".into())]
        );
        assert_eq!(
            run(
                &format!("<!-- llmops: ignore-next-line model-alias, ttft -->\n{line}\n"),
                &none,
                &options
            ),
            Vec::<(usize, String)>::new()
        );
        // `practice:ttft` names a practice, not the term.
        assert_eq!(
            run(
                &format!("{line} <!-- llmops: ignore practice:ttft -->\n"),
                &none,
                &options
            ),
            [(0, "ttft".into()), (0, "model-alias".into())]
        );
    }
}

/// The promise of [`Settled`]: while it holds, deciding again gives the same
/// findings at the same positions, so sending the last publication again is
/// exact. Checked on documents cut short by the cap, edited anywhere
/// (markers, line breaks and LLM anchors among the inserted words).
#[cfg(test)]
mod settled_tests {
    use super::*;
    use crate::document::{Change, Document, Span};
    use crate::progress::ProgressData;
    use crate::text::Encoding;
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "TTFT",
        "model alias",
        "prompt",
        "registry",
        "the",
        "LLM",
        "guardrail",
        "\n",
        "\n",
        "<!-- llmops: ignore -->",
        "llmops: ignore-next-line",
        "<!-- llmops: ignore-file ttft -->",
        "<!-- llmops: ignore-file -->",
        "context window",
        "eval",
        "token",
        "é",
    ];

    fn text_of(picks: &[usize]) -> String {
        picks
            .iter()
            .map(|&i| WORDS[i % WORDS.len()])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The findings of `doc` as (start position, end position, term, state).
    fn decided(
        doc: &Document,
        content: &Content,
        options: &Options,
    ) -> (Vec<(Span, u32, TermState)>, Option<Settled>) {
        let data = ProgressData::default();
        let learner = Learner::new(&data, crate::learning::DEFAULT_MASTERY, 1_000_000);
        let path = Path::new("/w/notes.md");
        let doc_ref = doc.policy_ref(Some(path), "markdown");
        let (found, settled) = shown(doc_ref, content, &learner, options);
        let hits: Vec<Hit> = found.iter().map(|f| f.hit).collect();
        let spans = doc.spans(&hits, Encoding::Utf16);
        let listed = found
            .iter()
            .zip(spans)
            .map(|(f, span)| (span, f.hit.term, f.state))
            .collect();
        (listed, settled)
    }

    #[test]
    fn a_set_cut_short_by_the_cap_is_settled_and_one_that_is_not_is_not() {
        let content = Content::builtin().expect("built-in content");
        let text = format!("{}\n", "TTFT and the model alias\n".repeat(400));
        let doc = Document::new(text, 1, &content.matcher).expect("a small text");
        let capped = Options {
            max_findings: 10,
            ..Options::default()
        };
        let (found, settled) = decided(&doc, &content, &capped);
        assert_eq!(found.len(), 10);
        let settled = settled.expect("cut short");
        // Past the last finding's line and the recording check's prefix.
        assert_eq!(settled.before, recorded::SHAPE_PREFIX);
        let (found, settled) = decided(&doc, &content, &Options::default());
        assert_eq!(found.len(), 800);
        assert_eq!(settled, None);
    }

    #[test]
    fn a_file_marker_past_the_last_finding_unsettles_them() {
        let content = Content::builtin().expect("built-in content");
        let text = "TTFT and the model alias\n".repeat(400);
        let mut doc = Document::new(text, 1, &content.matcher).expect("a small text");
        let capped = Options {
            max_findings: 10,
            ..Options::default()
        };
        let (_, settled) = decided(&doc, &content, &capped);
        let settled = settled.expect("cut short");
        doc.settle();
        let end = doc.text().len();
        let marker = "<!-- llmops: ignore-file -->\n";
        doc.replace(end, end, marker, &content.matcher)
            .expect("a small text");
        assert!(doc.changed_from().is_some_and(|at| at > settled.before));
        assert!(!settled.still_holds(
            doc.policy_ref(None, "markdown"),
            doc.changed_from(),
            &capped
        ));
        assert_eq!(decided(&doc, &content, &capped).0, []);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn while_settled_holds_the_findings_are_the_same(
            picks in prop::collection::vec(0usize..64, 200..1200),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, prop::collection::vec(0usize..64, 0..4)), 1..6),
            cap in 1usize..40,
            llm_project in any::<bool>(),
        ) {
            let content = Content::builtin().expect("built-in content");
            let options = Options { max_findings: cap, ..Options::default() };
            let mut doc = Document::in_project(text_of(&picks), 1, llm_project, &content.matcher)
                .expect("a small text");
            let (before, settled) = decided(&doc, &content, &options);
            doc.settle();
            for (at, removed, inserted) in edits {
                let text = doc.text();
                let mut start = at.index(text.len() + 1);
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = (start + removed).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let insert = text_of(&inserted);
                let lines = doc.lines().clone();
                let span = Span {
                    start: lines.position(text, start, Encoding::Utf8),
                    end: lines.position(text, end, Encoding::Utf8),
                };
                doc.apply(&Change { range: Some(span), text: insert }, Encoding::Utf8, &content.matcher);
            }
            let (after, _) = decided(&doc, &content, &options);
            if let Some(settled) = settled
                && settled.still_holds(doc.policy_ref(None, "markdown"), doc.changed_from(), &options)
            {
                prop_assert_eq!(before, after);
            }
        }
    }
}
