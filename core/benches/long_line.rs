//! One very long line, core only: a document that is a single line of
//! `TTFT ` repeated (what minified bundles and one-line JSON look like, with a
//! term every five bytes), at 0.25, 1 and 4 MB.
//!
//! Prints, per size, the time to open it (`Document::new`: line index and
//! full scan), a one-character keystroke in its middle (`Document::replace`,
//! which re-spots the whole line) and the policy over it (`findings`, which
//! the server runs at every publish), and beside them the baseline of the
//! same-sized line with no term in it, measured in the same process. The
//! last column is the growth from one size to the next: linear cost grows
//! with the size (4x from 0.25 to 1 MB, 4x again to 4 MB); the quadratic
//! cost this guards against grew 16x. Targets: a 1 MB line opens in under
//! 100 ms and re-spots in under 20 ms.

use std::time::{Duration, Instant};

use llmops_core::policy::{self, Learner};
use llmops_core::progress::ProgressData;
use llmops_core::{Content, Document};

const SIZES: [usize; 3] = [250_000, 1_000_000, 4_000_000];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Median open, keystroke and policy times for one text.
fn measure(content: &Content, text: &str, reps: usize) -> (Duration, Duration, Duration, usize) {
    let matcher = &content.matcher;
    let mut opens = Vec::new();
    let mut doc = None;
    for _ in 0..reps {
        let t = Instant::now();
        let d = Document::new(text.to_string(), 1, matcher).expect("a small text");
        opens.push(t.elapsed());
        doc = Some(d);
    }
    let Some(mut doc) = doc else {
        return (Duration::ZERO, Duration::ZERO, Duration::ZERO, 0);
    };
    let mid = text.len() / 2;
    let mut keys = Vec::new();
    for i in 0..reps * 2 {
        let t = Instant::now();
        if i % 2 == 0 {
            doc.replace(mid, mid, "x", matcher).expect("a small text");
        } else {
            doc.replace(mid, mid + 1, "", matcher)
                .expect("a small text");
        }
        keys.push(t.elapsed());
    }
    let data = ProgressData::default();
    let learner = Learner::new(&data, llmops_core::learning::DEFAULT_MASTERY, 0);
    let options = policy::Options {
        max_file_bytes: u64::MAX,
        ..policy::Options::default()
    };
    let mut policies = Vec::new();
    let mut shown = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let found = policy::findings(doc.policy_ref(None, "json"), content, &learner, &options);
        policies.push(t.elapsed());
        shown = found.len();
    }
    assert!(shown > 0 || doc.hits().is_empty());
    let hits = doc.hits().len();
    (median(opens), median(keys), median(policies), hits)
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let reps = if quick { 1 } else { 5 };
    let content = Content::builtin().expect("the built-in pack loads");
    println!(
        "| line | hits | open | keystroke | policy | open, no terms (baseline) | keystroke, no terms | growth of open / keystroke |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut last: Option<(Duration, Duration)> = None;
    for size in SIZES {
        let text = "TTFT ".repeat(size / 5);
        let plain = "zzzz ".repeat(size / 5);
        let (open, key, policy, hits) = measure(&content, &text, reps);
        let (base_open, base_key, _, base_hits) = measure(&content, &plain, reps);
        assert_eq!(base_hits, 0);
        let growth = last.map_or("-".to_string(), |(o, k)| {
            format!(
                "{:.1}x / {:.1}x",
                open.as_secs_f64() / o.as_secs_f64(),
                key.as_secs_f64() / k.as_secs_f64()
            )
        });
        println!(
            "| {:.2} MB | {hits} | {} | {} | {} | {} | {} | {growth} |",
            size as f64 / 1e6,
            ms(open),
            ms(key),
            ms(policy),
            ms(base_open),
            ms(base_key),
        );
        last = Some((open, key));
    }
}
