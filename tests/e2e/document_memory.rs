//! What an open document costs the real server, measured as its resident
//! memory grows: many 1 MB documents with a term on every line (the issue's
//! case). The core counts what one document asks the allocator for
//! (`core document::tests`); this is the same seen from outside, with the
//! allocator's own overhead and whatever the server keeps beside the core
//! document. (The real binary: resident memory is the process's.)

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

/// Documents opened: the issue measured 300.
const DOCUMENTS: usize = 300;
/// One line of every document: a term on every line is the heaviest
/// ordinary prose (every line a hit, a line start and a diagnostic candidate).
const LINE: &str = "We keep TTFT under a second for this route.\n";

#[test]
fn open_documents_cost_about_one_and_a_half_times_their_text() {
    let mut server = Server::start(Start::process());
    server.initialize(json!({}), json!({}));
    server.notify("initialized", json!({}));
    let warm = "file:///tmp/mem/warm.md";
    server.open(warm, "markdown", "TTFT\n");
    assert!(!server.hover(warm, 0, 1).is_null());
    let _ = server.drain(Duration::from_secs(1));
    let pid = server.pid();
    let before = rss_kib(pid);

    let text = LINE.repeat((1 << 20) / LINE.len());
    let started = Instant::now();
    let mut last = String::new();
    for i in 0..DOCUMENTS {
        last = format!("file:///tmp/mem/doc-{i}.md");
        server.open(&last, "markdown", &text);
        // Publications are read as they come, so the server never waits
        // on a full pipe (and this process does not hold them all).
        let _ = server.drain(Duration::ZERO);
    }
    // Notifications are handled in order: a hover on the last document
    // answers after every open.
    let hover = server.hover(&last, 0, 9);
    assert!(hover.to_string().contains("TTFT"), "{hover}");
    let _ = server.drain(Duration::from_secs(3));
    let after = rss_kib(pid);
    let total = (DOCUMENTS * text.len()) as f64;
    let ratio = (after.saturating_sub(before) * 1024) as f64 / total;
    eprintln!(
        "{DOCUMENTS} documents of {} bytes opened in {:?}: {} -> {} MiB resident, {ratio:.2} times their text",
        text.len(),
        started.elapsed(),
        before / 1024,
        after / 1024
    );
    // Here: 1.42 (the core counts 1.36 per document; the rest is what the
    // allocator keeps of the messages the texts came in). With 16-byte hits:
    // 1.51, and with eight-byte offsets 1.79: both fail the bound.
    assert!(ratio <= 1.5, "{ratio:.2} times the text");
    let _ = server.stop();
}
