//! A random edit sequence applied incrementally equals the final text
//! scanned from scratch (hits and line index alike).
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmops_core::{Content, Document};

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fuzz_target!(|data: &[u8]| {
    static CONTENT: std::sync::OnceLock<Content> = std::sync::OnceLock::new();
    let content = CONTENT.get_or_init(|| Content::builtin().expect("built-in content"));
    let matcher = &content.matcher;
    let mut doc = Document::new(String::new(), 0, matcher).expect("an empty text is within the limit");
    // Each edit: two position bytes, a length byte, then that many text bytes.
    let mut rest = data;
    while rest.len() >= 3 {
        let (a, b, n) = (rest[0] as usize, rest[1] as usize, rest[2] as usize % 16);
        let insert = String::from_utf8_lossy(&rest[3..(3 + n).min(rest.len())]).into_owned();
        rest = &rest[(3 + n).min(rest.len())..];
        let len = doc.text().len().max(1);
        let x = boundary(doc.text(), a * len / 255);
        let y = boundary(doc.text(), b * len / 255);
        // Tiny texts: never past the size limit.
        doc.replace(x.min(y), x.max(y), &insert, matcher)
            .expect("a small edit is within the limit");
    }
    let fresh = Document::new(doc.text().to_string(), 0, matcher).expect("within the limit");
    assert_eq!(doc.hits(), fresh.hits());
    assert_eq!(doc.lines(), fresh.lines());
});
