//! Lines that only name a library: imports and dependency manifests.
//!
//! `from guardrails.hub import ...`, `require("langfuse")`, `use
//! rig::providers`, a `"langchain": "^0.3"` line in `package.json`: the
//! name is right (the library implements the concept) but a file repeats it
//! on every import, and a hint on each teaches nothing new. So a term on
//! such a line is shown at most once per file; hits elsewhere in the file
//! (prose, calls) are not affected.
//!
//! Cost: per hit, one look at the start of its line, at most
//! [`LINE_PREFIX`] bytes; the manifest check is on the path, once per
//! document.

use std::path::Path;

use crate::matcher::is_manifest;

/// Bytes of a line looked at to tell an import (`require(` may sit after a
/// `const { x } = `).
pub const LINE_PREFIX: usize = 160;

/// Words that start an import or a declaration of use in common languages.
const LEADERS: &[&str] = &[
    "import ",
    "from ",
    "use ",
    "pub use ",
    "extern crate ",
    "require ",
    "require(",
    "#include ",
    "@import ",
    "export * from ",
    "} from ",
    "using ",
];

/// Whether `path` is a dependency manifest (`pyproject.toml`,
/// `package.json`, `requirements*.txt`, `Cargo.toml`, `go.mod`, ...).
pub fn is_dependency_manifest(path: Option<&Path>) -> bool {
    path.is_some_and(is_manifest)
}

/// Whether the line starting at `line_start` imports or requires something.
pub fn is_import_line(text: &str, line_start: usize) -> bool {
    let mut end = (line_start + LINE_PREFIX).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let Some(head) = text.get(line_start..end) else {
        return false;
    };
    let head = head.split('\n').next().unwrap_or_default();
    let trimmed = head.trim_start();
    LEADERS.iter().any(|l| trimmed.starts_with(l))
        || head.contains("require(\"")
        || head.contains("require('")
        || head.contains("import(\"")
        || head.contains("import('")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_lines_are_told_from_use() {
        for (line, import) in [
            ("from guardrails.hub import DetectPII", true),
            ("import langfuse", true),
            ("    from mcp import ClientSession", true),
            ("const { Langfuse } = require(\"langfuse\");", true),
            ("use rig::providers::openai;", true),
            ("} from \"@langfuse/client\";", true),
            ("guard = Guard().use(DetectPII)", false),
            ("the guardrails module is imported from", false),
            ("users import data", false),
        ] {
            assert_eq!(is_import_line(line, 0), import, "{line}");
        }
        let text = "x = 1\nimport langfuse\n";
        assert!(!is_import_line(text, 0));
        assert!(is_import_line(text, 6));
    }
}
