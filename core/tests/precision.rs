//! Precision and recall of the built-in pack over a labelled corpus,
//! `tests/fixtures/precision/`, written for this project (not copied from
//! anywhere). Files under `llm-project/` belong to a project that depends on
//! an LLM library; files under `plain-project/` to one that does not.
//!
//! Labels sit inline and are stripped before matching:
//! - `⟦+term-id|text⟧`: `text` must be spotted as that term (a hit covering it);
//! - `⟦-|text⟧`: nothing may be spotted inside `text`.
//!
//! Every hit outside a must-fire label counts as a false positive, so the
//! corpus has to be labelled completely. The test prints its figures and fails
//! below the thresholds.
//!
//! What counts is what a person would see: the policy's findings for the
//! file at its real path (`core::policy::findings`, as the editor and `scan`
//! apply it), so the per-file rules (recordings, import lines) are measured
//! too, not only the matcher.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use llmops_core::policy::{self, Learner, Options};
use llmops_core::progress::ProgressData;
use llmops_core::{Content, Document, Hit};

const MIN_PRECISION: f64 = 0.98;
const MIN_RECALL: f64 = 0.97;

#[derive(Debug)]
struct Label {
    start: usize,
    end: usize,
    /// `Some(term id)` for must-fire, `None` for must-stay-quiet.
    term: Option<String>,
}

/// Strips the labels from a fixture, returning the clean text and labels.
fn parse(source: &str, path: &Path) -> (String, Vec<Label>) {
    let mut text = String::with_capacity(source.len());
    let mut labels = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find('⟦') {
        text.push_str(&rest[..open]);
        let after = &rest[open + '⟦'.len_utf8()..];
        let close = after
            .find('⟧')
            .unwrap_or_else(|| panic!("{}: unclosed label", path.display()));
        let body = &after[..close];
        let (head, inner) = body
            .split_once('|')
            .unwrap_or_else(|| panic!("{}: label {body:?} has no `|`", path.display()));
        let term = match head.strip_prefix('+') {
            Some(id) => Some(id.to_string()),
            None if head == "-" => None,
            None => panic!("{}: label {body:?} must start with + or -", path.display()),
        };
        let start = text.len();
        text.push_str(inner);
        labels.push(Label {
            start,
            end: text.len(),
            term,
        });
        rest = &after[close + '⟧'.len_utf8()..];
    }
    text.push_str(rest);
    (text, labels)
}

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            fixtures(&path, out);
        } else {
            out.push(path);
        }
    }
    out.sort();
}

#[test]
fn precision_and_recall_over_the_labelled_corpus() {
    let content = Content::builtin().expect("built-in content");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/precision");
    let mut files = Vec::new();
    fixtures(&root, &mut files);
    assert!(files.len() >= 5, "too few fixture files: {files:?}");

    let (mut must_fire, mut fired, mut quiet_spots, mut false_hits) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    let mut quiet_broken = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("fixture is UTF-8");
        let (text, labels) = parse(&source, path);
        let llm_project = path.components().any(|c| c.as_os_str() == "llm-project");
        let doc = Document::in_project(text.clone(), 0, llm_project, &content.matcher).unwrap();
        let progress = ProgressData::default();
        let learner = Learner::new(&progress, llmops_core::learning::DEFAULT_MASTERY, 0);
        let shown: Vec<Hit> = policy::findings(
            doc.policy_ref(Some(path), policy::language_of(path)),
            &content,
            &learner,
            &Options::default(),
        )
        .into_iter()
        .map(|f| f.hit)
        .collect();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let line_of = |at: usize| text[..at].matches('\n').count() + 1;
        let mut explained = vec![false; shown.len()];
        for label in &labels {
            let spot = &text[label.start..label.end];
            match &label.term {
                Some(id) => {
                    assert!(
                        content.term(id).is_some(),
                        "{name}: label names unknown term `{id}`"
                    );
                    must_fire += 1;
                    let found = shown.iter().position(|h| {
                        h.start() <= label.start
                            && label.end <= h.end()
                            && content.terms[h.term as usize].id == *id
                    });
                    match found {
                        Some(i) => {
                            fired += 1;
                            explained[i] = true;
                            covered.insert(id.clone());
                        }
                        None => problems.push(format!(
                            "{name}:{}: missed `{id}` in {spot:?}",
                            line_of(label.start)
                        )),
                    }
                }
                None => {
                    quiet_spots += 1;
                    // A spot labelled quiet is a promise: any hit on it
                    // fails the test, whatever the overall precision.
                    if let Some(h) = shown
                        .iter()
                        .find(|h| h.start() < label.end && label.start < h.end())
                    {
                        quiet_broken.push(format!(
                            "{name}:{}: `{}` fired on must-stay-quiet {spot:?}",
                            line_of(label.start),
                            content.terms[h.term as usize].id
                        ));
                    }
                }
            }
        }
        for (hit, explained) in shown.iter().zip(explained) {
            if !explained {
                false_hits += 1;
                problems.push(format!(
                    "{name}:{}: unwanted `{}` on {:?}",
                    line_of(hit.start()),
                    content.terms[hit.term as usize].id,
                    &text[hit.start()..hit.end()]
                ));
            }
        }
    }
    let precision = fired as f64 / (fired + false_hits).max(1) as f64;
    let recall = fired as f64 / must_fire.max(1) as f64;
    println!(
        "precision corpus: {} files, {must_fire} must-fire spots, {quiet_spots} must-stay-quiet spots; \
         {fired} fired, {false_hits} false hits; precision {:.1} %, recall {:.1} %",
        files.len(),
        precision * 100.0,
        recall * 100.0
    );
    for problem in &problems {
        println!("  {problem}");
    }
    assert!(quiet_spots > 0, "the corpus has no must-stay-quiet labels");
    assert!(quiet_broken.is_empty(), "{quiet_broken:#?}");
    let uncovered: Vec<&str> = content
        .terms
        .iter()
        .map(|t| t.id.as_str())
        .filter(|id| !covered.contains(*id))
        .collect();
    assert!(
        uncovered.is_empty(),
        "built-in terms without a spot that fired in the corpus: {uncovered:?}"
    );
    assert!(
        precision >= MIN_PRECISION && recall >= MIN_RECALL,
        "precision {precision:.3} (min {MIN_PRECISION}), recall {recall:.3} (min {MIN_RECALL}); see the list above"
    );
}

#[test]
fn labels_are_parsed_and_stripped() {
    let (text, labels) = parse("a ⟦+ttft|TTFT⟧ and ⟦-|itl⟧.", Path::new("x"));
    assert_eq!(text, "a TTFT and itl.");
    assert_eq!(labels.len(), 2);
    assert_eq!(&text[labels[0].start..labels[0].end], "TTFT");
    assert_eq!(labels[0].term.as_deref(), Some("ttft"));
    assert_eq!(&text[labels[1].start..labels[1].end], "itl");
    assert_eq!(labels[1].term, None);
}
