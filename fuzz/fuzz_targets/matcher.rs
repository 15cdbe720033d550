//! Any bytes: no panic, and every hit is on char boundaries inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmops_core::Content;

fuzz_target!(|data: &[u8]| {
    static CONTENT: std::sync::OnceLock<Content> = std::sync::OnceLock::new();
    let content = CONTENT.get_or_init(|| Content::builtin().expect("built-in content"));
    let text = String::from_utf8_lossy(data);
    let mut last = 0;
    for hit in content.matcher.find_all(&text) {
        let (start, end) = (hit.start(), hit.end());
        assert!(start >= last && start < end && end <= text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        last = end;
    }
});
