//! Any bytes as a content pack: no panic, errors located inside the source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmops_core::content::{Content, Pack, Scope};

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    match Pack::parse("fuzz.toml", Scope::Workspace, &source) {
        Ok(pack) => {
            let _ = Content::merge(&[pack]);
        }
        Err(errors) => {
            for e in errors {
                assert!(e.line >= 1 && e.column >= 1 && e.range.start <= source.len());
            }
        }
    }
});
