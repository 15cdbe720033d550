//! Folders of other people's code copied into a repository: installed
//! packages (`node_modules/`, a checked-in `site-packages/`) and vendored
//! dependencies (`vendor/` as Go modules, Composer, Bundler or
//! `cargo vendor` write it).
//!
//! Why a walk skips them: their text is not the learner's. Measured on
//! Loki, its vendored Go modules (276 MB) held about 200 hits, token-bucket
//! `MaxTokens` and `RateLimit` of gRPC and Envoy among them, against 8 in
//! the 102 MB of Loki's own code and of five other projects; the hints a
//! person could act on are in code they write. A file opened in the editor
//! is still checked (it was opened on purpose), and so is a vendored
//! folder named as `scan`'s root.
//!
//! `vendor/` is also an ordinary word (a folder of notes about model
//! vendors), so it counts only with a vendoring tool's mark inside.
//!
//! Cost: a name comparison per folder, and for a folder named `vendor` at
//! most [`MARKS`] plus [`CARGO_PEEK`] metadata lookups.

use std::path::Path;

/// Folder names that only ever hold installed packages.
const ALWAYS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "site-packages",
    "dist-packages",
];

/// Files or folders a vendoring tool writes at the top of `vendor/`: Go's
/// list of vendored modules, Composer's autoloader and its folder,
/// Bundler's install folder.
const MARKS: &[&str] = &["modules.txt", "autoload.php", "composer", "bundle"];

/// How many of `vendor/`'s entries are looked into for the checksum file
/// `cargo vendor` writes in each crate's folder.
const CARGO_PEEK: usize = 8;

/// Whether the folder at `dir` holds vendored or installed code.
pub fn is_vendored_dir(dir: &Path) -> bool {
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if ALWAYS.contains(&name) {
        return true;
    }
    if name != "vendor" {
        return false;
    }
    if MARKS
        .iter()
        .any(|mark| dir.join(mark).symlink_metadata().is_ok())
    {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.take(CARGO_PEEK).flatten().any(|entry| {
        entry.file_type().is_ok_and(|t| t.is_dir())
            && entry
                .path()
                .join(".cargo-checksum.json")
                .symlink_metadata()
                .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        dir
    }

    #[test]
    fn installed_packages_are_vendored_by_name() {
        let dir = folder(&["node_modules/openai/index.js"]);
        assert!(is_vendored_dir(&dir.path().join("node_modules")));
        assert!(!is_vendored_dir(&dir.path().join("node_modules/openai")));
    }

    #[test]
    fn a_vendor_folder_counts_only_with_a_tools_mark() {
        let go = folder(&["vendor/modules.txt", "vendor/google.golang.org/grpc/x.go"]);
        assert!(is_vendored_dir(&go.path().join("vendor")));
        let cargo = folder(&["vendor/serde/.cargo-checksum.json"]);
        assert!(is_vendored_dir(&cargo.path().join("vendor")));
        let php = folder(&["vendor/autoload.php"]);
        assert!(is_vendored_dir(&php.path().join("vendor")));
        let notes = folder(&["docs/vendor/openai.md", "docs/vendor/anthropic.md"]);
        assert!(!is_vendored_dir(&notes.path().join("docs/vendor")));
    }
}
