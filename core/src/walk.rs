//! Walking a folder someone else wrote (a cloned repository), honouring its
//! ignore files at a bounded cost.
//!
//! The `ignore` crate reads `.gitignore`, `.ignore` and `.git/info/exclude`
//! by itself, with a plain `open` and a line reader: a FIFO there hangs the
//! walk, a link to `/dev/zero` is read until memory runs out, and every
//! pattern is compiled into a regular expression (about 15 KiB each, far
//! more for `*?*?…`), so a few thousand patterns cost seconds and hundreds
//! of megabytes. Here the crate walks and matches, but its own ignore-file
//! reading is switched off: [`IgnoreRules`] reads those files itself through
//! [`crate::safe_file`] (no link followed, regular files only, no blocking,
//! at most [`MAX_IGNORE_FILE_BYTES`] each), at most [`MAX_IGNORE_FILES`] of
//! them per walk, and compiles at most [`MAX_PATTERN_WEIGHT`] of pattern
//! weight (one per pattern plus one per wildcard) per walk. What is left out
//! is named in [`IgnoreRules::notices`]; a file left out only means more
//! files are read, each under the scanners' own size cap.
//!
//! Cost: each ignore file is read and compiled once per walk; each entry
//! costs one cached lookup per folder between it and the walk's top.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::safe_file;

/// The most bytes read of one ignore file; a larger one is not applied.
/// (GitHub's largest `.gitignore` templates are under 10 KiB.)
pub const MAX_IGNORE_FILE_BYTES: u64 = 256 * 1024;
/// The most ignore files read in one walk.
pub const MAX_IGNORE_FILES: usize = 4096;
/// The most pattern weight (one per pattern, one more per `*`, `?` or `[`)
/// compiled in one walk: about 100 MB and half a second at worst.
pub const MAX_PATTERN_WEIGHT: usize = 32 * 1024;
/// A single pattern heavier than this, or longer than
/// [`MAX_PATTERN_BYTES`], is left out (no real path needs it).
pub const MAX_ONE_PATTERN_WEIGHT: usize = 64;
pub const MAX_PATTERN_BYTES: usize = 1024;
/// Notices kept word for word; the rest are counted.
const MAX_NOTICES: usize = 20;

/// A walker over `root` that skips `.git` and vendored or installed
/// packages below the root ([`crate::vendored`]) and honours ignore files
/// through the returned [`IgnoreRules`] (ask it for notices after the
/// walk). Hidden files are walked and links are not followed.
pub fn walker(root: &Path) -> (ignore::WalkBuilder, Arc<IgnoreRules>) {
    let rules = Arc::new(IgnoreRules::new(root));
    let mut builder = ignore::WalkBuilder::new(root);
    let filter = rules.clone();
    builder
        .hidden(false)
        .follow_links(false)
        // Read here instead, see the module's documentation.
        .git_ignore(false)
        .git_exclude(false)
        .ignore(false)
        .parents(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            e.file_name() != ".git"
                && !(is_dir && e.depth() > 0 && crate::vendored::is_vendored_dir(e.path()))
                && !filter.ignored(e.path(), is_dir)
        });
    (builder, rules)
}

/// The ignore files of one walk, read on first need and kept for the walk.
pub struct IgnoreRules {
    /// The outermost folder whose ignore files apply: the repository's top
    /// when the root is inside one (as `git` does), else the root.
    top: PathBuf,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    folders: HashMap<PathBuf, Arc<FolderRules>>,
    files_read: usize,
    weight: usize,
    notices: Vec<String>,
    more_notices: usize,
}

/// One folder's rules, by precedence: `.ignore`, `.gitignore`, then the
/// repository's `.git/info/exclude` (as the `ignore` crate orders them).
#[derive(Default)]
struct FolderRules {
    in_repo: bool,
    kinds: [Option<Gitignore>; 3],
}

const KINDS: [&str; 3] = [".ignore", ".gitignore", ".git/info/exclude"];

impl IgnoreRules {
    fn new(root: &Path) -> IgnoreRules {
        let top = root
            .ancestors()
            .find(|a| a.join(".git").symlink_metadata().is_ok())
            .unwrap_or(root)
            .to_path_buf();
        IgnoreRules {
            top,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether `path` is ignored: in each kind of file the nearest folder
    /// with a matching pattern decides; `.ignore` wins over `.gitignore`,
    /// which wins over `.git/info/exclude`.
    pub fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let mut decided: [Option<bool>; 3] = [None; 3];
        for folder in path.ancestors().skip(1) {
            if !folder.starts_with(&self.top) {
                break;
            }
            let rules = self.folder(folder);
            for (kind, rules) in rules.kinds.iter().enumerate() {
                if decided[kind].is_some() {
                    continue;
                }
                if let Some(rules) = rules {
                    let m = rules.matched(path, is_dir);
                    if m.is_ignore() {
                        decided[kind] = Some(true);
                    } else if m.is_whitelist() {
                        decided[kind] = Some(false);
                    }
                }
            }
            if decided.iter().all(Option::is_some) {
                break;
            }
        }
        decided.into_iter().flatten().next().unwrap_or(false)
    }

    /// What was left out and why, for the user (at most a few lines).
    pub fn notices(&self) -> Vec<String> {
        let state = self.lock();
        let mut out = state.notices.clone();
        if state.more_notices > 0 {
            out.push(format!(
                "{} more ignore files were not applied",
                state.more_notices
            ));
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn folder(&self, folder: &Path) -> Arc<FolderRules> {
        if let Some(rules) = self.lock().folders.get(folder) {
            return rules.clone();
        }
        // The parent first (it says whether this folder is in a repository);
        // the recursion is bounded by the depth below `top`.
        let parent_in_repo = match folder.parent() {
            Some(parent) if folder != self.top && parent.starts_with(&self.top) => {
                self.folder(parent).in_repo
            }
            _ => false,
        };
        let mut state = self.lock();
        if let Some(rules) = state.folders.get(folder) {
            return rules.clone();
        }
        let has_git = folder.join(".git").symlink_metadata().is_ok();
        let in_repo = parent_in_repo || has_git;
        let mut rules = FolderRules {
            in_repo,
            kinds: [None, None, None],
        };
        for (kind, name) in KINDS.iter().enumerate() {
            // `.gitignore` files count inside a repository only (as `git`
            // and `rg` read them); `exclude` lives at a repository's top.
            let applies = match kind {
                0 => true,
                1 => in_repo,
                _ => has_git,
            };
            if applies {
                rules.kinds[kind] = state.read(folder, name);
            }
        }
        let rules = Arc::new(rules);
        state.folders.insert(folder.to_path_buf(), rules.clone());
        rules
    }
}

impl State {
    fn notice(&mut self, text: String) {
        if self.notices.len() < MAX_NOTICES {
            self.notices.push(text);
        } else {
            self.more_notices += 1;
        }
    }

    /// Reads and compiles `folder/name` within the walk's budget.
    fn read(&mut self, folder: &Path, name: &str) -> Option<Gitignore> {
        let path = folder.join(name);
        // Cheap check first, so that missing files cost no budget.
        path.symlink_metadata().ok()?;
        if self.files_read >= MAX_IGNORE_FILES {
            self.notice(format!(
                "{}: not applied, more than {MAX_IGNORE_FILES} ignore files in one walk",
                path.display()
            ));
            return None;
        }
        self.files_read += 1;
        let bytes = match safe_file::read(&path, MAX_IGNORE_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.notice(format!("{}: not applied: {e}", path.display()));
                return None;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut builder = GitignoreBuilder::new(folder);
        let mut weight = 0;
        let mut skipped = 0;
        for line in text.lines() {
            let pattern = line.trim();
            if pattern.is_empty() || pattern.starts_with('#') {
                continue;
            }
            let one = pattern_weight(pattern);
            if one > MAX_ONE_PATTERN_WEIGHT || pattern.len() > MAX_PATTERN_BYTES {
                skipped += 1;
                continue;
            }
            weight += one;
            // A pattern the crate cannot parse is left out, as `git` does.
            if builder.add_line(Some(path.clone()), line).is_err() {
                skipped += 1;
            }
        }
        if self.weight + weight > MAX_PATTERN_WEIGHT {
            self.notice(format!(
                "{}: not applied, the ignore files of this walk hold more than {MAX_PATTERN_WEIGHT} patterns and wildcards",
                path.display()
            ));
            return None;
        }
        if skipped > 0 {
            self.notice(format!(
                "{}: {skipped} patterns left out (longer than {MAX_PATTERN_BYTES} bytes, more than {} wildcards, or not valid)",
                path.display(),
                MAX_ONE_PATTERN_WEIGHT - 1
            ));
        }
        self.weight += weight;
        builder.build().ok()
    }
}

/// What a pattern costs to compile, roughly: one, plus one per wildcard.
fn pattern_weight(pattern: &str) -> usize {
    1 + pattern
        .bytes()
        .filter(|b| matches!(b, b'*' | b'?' | b'['))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(root: &Path) -> (Vec<String>, Vec<String>) {
        let (builder, rules) = walker(root);
        let mut found: Vec<String> = builder
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| {
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        found.sort();
        (found, rules.notices())
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git/info")).unwrap();
        dir
    }

    #[test]
    fn nested_ignore_files_apply_as_git_reads_them() {
        let dir = repo();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::write(root.join("a/.gitignore"), "!keep.log\nsecret.md\n").unwrap();
        std::fs::write(root.join(".git/info/exclude"), "local.md\n").unwrap();
        for f in [
            "target/x.md",
            "x.log",
            "a/keep.log",
            "a/secret.md",
            "a/b/secret.md",
            "a/b/ok.md",
            "local.md",
            "ok.md",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let (found, notices) = walk(root);
        assert_eq!(
            found,
            [
                ".gitignore",
                "a/.gitignore",
                "a/b/ok.md",
                "a/keep.log",
                "ok.md"
            ],
            "{notices:?}"
        );
        assert!(notices.is_empty(), "{notices:?}");
    }

    #[test]
    fn vendored_packages_below_the_root_are_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "main.go",
            "vendor/modules.txt",
            "vendor/grpc/limiter.go",
            "web/node_modules/openai/index.js",
            "docs/vendor/openai.md",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "x").unwrap();
        }
        let (found, _) = walk(root);
        assert_eq!(found, ["docs/vendor/openai.md", "main.go"]);
        // Named as the root, a vendored folder is walked.
        let (found, _) = walk(&root.join("vendor"));
        assert_eq!(found, ["grpc/limiter.go", "modules.txt"]);
    }

    #[test]
    fn outside_a_repository_only_dot_ignore_applies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "a.md\n").unwrap();
        std::fs::write(root.join(".ignore"), "b.md\n").unwrap();
        std::fs::write(root.join("a.md"), "x").unwrap();
        std::fs::write(root.join("b.md"), "x").unwrap();
        let (found, _) = walk(root);
        assert_eq!(found, [".gitignore", ".ignore", "a.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn hostile_ignore_files_are_refused_at_once_and_named() {
        let dir = repo();
        let root = dir.path();
        for sub in ["fifo", "zero", "big"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            std::fs::write(root.join(sub).join("seen.md"), "x").unwrap();
        }
        let fifo = root.join("fifo/.gitignore");
        let made = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(made.as_ptr(), 0o644) }, 0);
        std::os::unix::fs::symlink("/dev/zero", root.join("zero/.gitignore")).unwrap();
        std::fs::write(
            root.join("big/.gitignore"),
            "seen.md\n".repeat(MAX_IGNORE_FILE_BYTES as usize),
        )
        .unwrap();
        let (found, notices) = walk(root);
        assert!(found.contains(&"fifo/seen.md".to_string()), "{found:?}");
        assert!(found.contains(&"zero/seen.md".to_string()), "{found:?}");
        assert!(found.contains(&"big/seen.md".to_string()), "{found:?}");
        let all = notices.join("\n");
        assert!(all.contains("fifo/.gitignore: not applied"), "{all}");
        assert!(all.contains("zero/.gitignore: not applied"), "{all}");
        assert!(all.contains("big/.gitignore: not applied"), "{all}");
    }

    #[test]
    fn heavy_patterns_stop_at_the_walks_budget() {
        let dir = repo();
        let root = dir.path();
        // Within a file's byte cap, each file holds ~1/3 of the budget.
        let heavy: String = (0..MAX_PATTERN_WEIGHT / 3 / 33)
            .map(|i| format!("{}{i}\n", "*?".repeat(16)))
            .collect();
        for sub in ["a", "b", "c", "d"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            std::fs::write(root.join(sub).join(".gitignore"), &heavy).unwrap();
        }
        // One pattern over the per-pattern limit is left out, the rest kept.
        std::fs::write(
            root.join(".gitignore"),
            format!("{}\nnoise.md\n", "*?".repeat(40)),
        )
        .unwrap();
        std::fs::write(root.join("noise.md"), "x").unwrap();
        let (found, notices) = walk(root);
        assert!(!found.contains(&"noise.md".to_string()), "{found:?}");
        let all = notices.join("\n");
        assert!(all.contains("1 patterns left out"), "{all}");
        assert_eq!(
            all.matches("not applied, the ignore files").count(),
            1,
            "{all}"
        );
    }
}
