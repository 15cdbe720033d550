//! The core knows no editor protocol: no LSP crate among its dependencies
//! and no LSP type in its source. The server adapts it; benches and the
//! command line use it directly.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn the_core_knows_no_lsp() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for banned in ["tower-lsp", "lsp-types", "ls-types", "lsp-server", "tokio"] {
        assert!(!manifest.contains(banned), "core depends on {banned}");
    }
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    assert!(files.len() > 10, "sources not found");
    for (path, text) in files {
        for banned in ["tower_lsp", "ls_types", "lsp_types", "jsonrpc"] {
            assert!(!text.contains(banned), "{path} mentions {banned}");
        }
    }
}
