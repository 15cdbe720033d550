//! The built-in course as the server loads it: the compact form compiled
//! from `content/builtin/*.toml` at build time (see `build.rs`), read
//! without parsing TOML, so `initialize` does not pay for the 500 KB course.

use llmops_core::packs::PackSet;

/// The built-in packs, compiled by `build.rs` (empty if they did not load
/// then: the packs are parsed at start instead and their errors reported).
const COMPILED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin.postcard"));

/// A pack set holding the built-in packs, read from the compiled form.
pub fn pack_set() -> PackSet {
    PackSet::with_builtin_from(Some(COMPILED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmops_core::content::{BUILTIN_FILES, builtin_packs, builtin_packs_compiled};

    /// The embedded form is the TOML files parsed: every field of every
    /// pack, term, exercise and reference (and their sources) equal.
    #[test]
    fn the_compiled_course_equals_parsing_the_toml() {
        let compiled = builtin_packs_compiled(COMPILED).expect("the embedded course decodes");
        let parsed = builtin_packs().expect("the built-in TOML parses");
        assert_eq!(compiled.len(), BUILTIN_FILES.len());
        assert!(compiled.iter().map(|p| p.terms.len()).sum::<usize>() > 100);
        assert_eq!(compiled, parsed);
    }

    /// Bytes that are not a compiled course are refused, not misread: the
    /// set then parses the TOML.
    #[test]
    fn a_damaged_compiled_course_falls_back_to_the_toml() {
        assert!(builtin_packs_compiled(&COMPILED[..COMPILED.len() / 2]).is_none());
        assert!(builtin_packs_compiled(b"").is_none());
        let content = PackSet::with_builtin_from(Some(b"junk")).merged().0;
        assert!(content.terms.len() > 100);
    }
}
