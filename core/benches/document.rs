//! A keystroke in a big document, core only: one-character edits with their
//! incremental rescan on a 100,000-line `Document`.
//!
//! Prints p50/p95/p99 of single edits timed one by one (insert a character
//! on a random line, then delete it again, so the document keeps its size),
//! for `Document::replace` (byte offsets) and `Document::apply` (an LSP
//! change in UTF-16 positions, as the server calls it), then criterion
//! figures for the same edit pair, and the full scan an edit avoids.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Rng, builtin_phrases, percentile, prose_lines};
use criterion::Criterion;
use llmops_core::document::{Change, Span};
use llmops_core::text::{Encoding, Position};
use llmops_core::{Content, Document, Matcher};

const LINES: usize = 100_000;
const EDITS: usize = 2_000;

/// A spot on a random line: a few characters in, or at its start.
fn spot(doc: &Document, rng: &mut Rng) -> (usize, Position) {
    let lines = doc.lines();
    let line = rng.below(lines.line_count().saturating_sub(1).max(1));
    let (start, end) = lines.line_content(doc.text(), line).unwrap_or((0, 0));
    let column = rng.below(end - start + 1).min(40);
    (
        start + column,
        Position {
            line: line as u32,
            character: column as u32,
        },
    )
}

fn report(what: &str, mut samples: Vec<Duration>) {
    if samples.is_empty() {
        return;
    }
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what}: p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({} edits)",
        us(percentile(&samples, 50.0)),
        us(percentile(&samples, 95.0)),
        us(percentile(&samples, 99.0)),
        us(*samples.last().unwrap_or(&Duration::ZERO)),
        samples.len()
    );
}

/// Inserts `x` at a random spot and deletes it again, timing each edit.
fn timed_replace(doc: &mut Document, matcher: &Matcher, rng: &mut Rng, out: &mut Vec<Duration>) {
    let (at, _) = spot(doc, rng);
    let t = Instant::now();
    doc.replace(at, at, "x", matcher).expect("a small text");
    out.push(t.elapsed());
    let t = Instant::now();
    doc.replace(at, at + 1, "", matcher).expect("a small text");
    out.push(t.elapsed());
}

fn timed_apply(doc: &mut Document, matcher: &Matcher, rng: &mut Rng, out: &mut Vec<Duration>) {
    let (_, start) = spot(doc, rng);
    let end = Position {
        character: start.character + 1,
        ..start
    };
    let insert = Change {
        range: Some(Span { start, end: start }),
        text: "x".into(),
    };
    let delete = Change {
        range: Some(Span { start, end }),
        text: String::new(),
    };
    let t = Instant::now();
    doc.apply(&insert, Encoding::Utf16, matcher);
    out.push(t.elapsed());
    let t = Instant::now();
    doc.apply(&delete, Encoding::Utf16, matcher);
    out.push(t.elapsed());
}

fn main() {
    let content = Content::builtin().expect("the built-in pack loads");
    let matcher = &content.matcher;
    let text = prose_lines(7, &builtin_phrases(&content), LINES);
    let t = Instant::now();
    let mut doc = Document::new(text.clone(), 1, matcher).expect("a small text");
    let full = t.elapsed();
    println!(
        "document: {} lines, {:.2} MB, {} hits; Document::new (full scan + line index) {:.1} ms",
        doc.lines().line_count(),
        text.len() as f64 / 1e6,
        doc.hits().len(),
        full.as_secs_f64() * 1e3
    );

    let args: Vec<String> = std::env::args().skip(1).collect();
    let test_mode = !args.iter().any(|a| a == "--bench");
    // A criterion filter (`cargo bench -- <filter>`) meant for other
    // benchmarks skips the timed edits below too.
    let ids = "document_100k_lines/replace: insert + delete 1 char/apply utf16/baseline: full Document::new";
    let filtered_out = args
        .iter()
        .any(|a| !a.starts_with('-') && a.parse::<f64>().is_err())
        && !args
            .iter()
            .any(|a| !a.starts_with('-') && ids.contains(a.as_str()));
    let edits = match (test_mode, filtered_out) {
        (_, true) => 0,
        (true, false) => 20,
        (false, false) => EDITS,
    };
    let mut rng = Rng::new(42);
    let mut samples = Vec::with_capacity(edits);
    for _ in 0..edits / 2 {
        timed_replace(&mut doc, matcher, &mut rng, &mut samples);
    }
    report("Document::replace, 1-char edit on 100k lines", samples);
    let mut samples = Vec::with_capacity(edits);
    for _ in 0..edits / 2 {
        timed_apply(&mut doc, matcher, &mut rng, &mut samples);
    }
    report(
        "Document::apply (UTF-16 change), 1-char edit on 100k lines",
        samples,
    );
    // The edits left the text as it was; the hits must agree with a full scan.
    assert_eq!(doc.text(), text);
    assert_eq!(doc.hits(), matcher.find_all(&text).as_slice());

    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut group = criterion.benchmark_group("document_100k_lines");
    group.bench_function("replace: insert + delete 1 char", |b| {
        let mut scratch = Vec::new();
        b.iter_custom(|iters| {
            scratch.clear();
            for _ in 0..iters {
                timed_replace(&mut doc, matcher, &mut rng, &mut scratch);
            }
            scratch.iter().sum()
        })
    });
    group.bench_function("apply utf16: insert + delete 1 char", |b| {
        let mut scratch = Vec::new();
        b.iter_custom(|iters| {
            scratch.clear();
            for _ in 0..iters {
                timed_apply(&mut doc, matcher, &mut rng, &mut scratch);
            }
            scratch.iter().sum()
        })
    });
    group.sample_size(10);
    group.bench_function("baseline: full Document::new", |b| {
        b.iter(|| black_box(Document::new(text.clone(), 1, matcher).expect("a small text")))
    });
    group.finish();
    criterion.final_summary();
}
