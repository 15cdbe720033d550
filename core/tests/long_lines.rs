//! A document that is one very long line full of terms (a minified bundle,
//! one-line JSON) costs time linear in its length to open and to edit: no
//! rule may walk to the ends of the line for each hit. Guarded by the ratio
//! between two sizes (4x the text: about 4x the time when linear, 16x when
//! quadratic) and a generous bound; `core/benches/long_line.rs` measures it.

use std::time::{Duration, Instant};

use llmops_core::{Content, Document};

/// The fastest of a few runs, so a busy machine inflates the ratio less.
fn fastest(mut run: impl FnMut() -> Duration) -> Duration {
    (0..3).map(|_| run()).min().unwrap_or_default()
}

/// Time to open a single line of `size` bytes of `TTFT `, and to insert and
/// delete a character in its middle.
fn costs(content: &Content, size: usize) -> (Duration, Duration) {
    let text = "TTFT ".repeat(size / 5);
    let matcher = &content.matcher;
    let mut doc = Document::new(String::new(), 0, matcher).unwrap();
    let open = fastest(|| {
        let t = Instant::now();
        doc = Document::new(text.clone(), 1, matcher).unwrap();
        t.elapsed()
    });
    assert_eq!(doc.hits().len(), size / 5, "every TTFT is a hit");
    let mid = text.len() / 2 + 2;
    let edit = fastest(|| {
        let t = Instant::now();
        doc.replace(mid, mid, "x", matcher).unwrap();
        doc.replace(mid, mid + 1, "", matcher).unwrap();
        t.elapsed()
    });
    assert_eq!(doc.text(), text);
    (open, edit)
}

#[test]
fn a_long_line_of_terms_opens_and_edits_in_linear_time() {
    let content = Content::builtin().expect("built-in content");
    let (small_open, small_edit) = costs(&content, 250_000);
    let (big_open, big_edit) = costs(&content, 1_000_000);
    let ratio = |big: Duration, small: Duration| big.as_secs_f64() / small.as_secs_f64().max(1e-6);
    // Linear: 4x. Quadratic (what this guards against): 16x.
    assert!(
        ratio(big_open, small_open) < 9.0,
        "open: 0.25 MB {small_open:?}, 1 MB {big_open:?}"
    );
    assert!(
        ratio(big_edit, small_edit) < 9.0,
        "edit: 0.25 MB {small_edit:?}, 1 MB {big_edit:?}"
    );
    // A keystroke re-spots only the bytes it can reach, not the whole
    // line: on the 1 MB line it costs a small fraction of opening it
    // (about 1/300 measured; 1/1 when the whole line was re-spotted).
    assert!(
        big_edit * 20 < big_open,
        "1 MB line: edit {big_edit:?} against open {big_open:?}"
    );
    // Generous for a busy machine (9 s before), more so for a debug build.
    let bound = Duration::from_secs(if cfg!(debug_assertions) { 30 } else { 8 });
    assert!(big_open < bound, "1 MB open {big_open:?}");
}
