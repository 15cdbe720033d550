//! How often each term is used in a workspace: the count behind the lens
//! on a pack's terms ("used 14× in this workspace", issue 20).
//!
//! A use is a finding of the one policy ([`crate::policy::findings`]) under
//! [`counting_options`], the options `report` counts with: every term,
//! learned or not, every occurrence, files up to the scanners' size cap,
//! no practices. So a count agrees with `scan` on the same folder (for a
//! learner who knows no term yet; `scan` hides known terms) and with
//! `report`'s `occurrences`. Files are found by the walker `scan` uses
//! ([`crate::walk`]: ignore files, `.git` skipped, links not followed,
//! regular files only) and read by [`crate::scan::read_text`] (size cap,
//! no FIFO or device, text only); a notebook's uses are its cells'.
//!
//! Pack files are left out ([`is_pack_file`] and the loaded packs the
//! caller names): a pack names its own terms, which is no use of them.
//!
//! Cost: one read and one match per file, at most [`Budget`] files, bytes
//! and time per walk; a file's uses are kept per term id (a few ids per
//! file), so a changed file is recounted alone ([`count_file`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::content::Content;
use crate::matcher::project_uses_llm;
use crate::policy::{Learner, Options};
use crate::practice::policy::PracticeMode;
use crate::progress::ProgressData;
use crate::scan::{self, MAX_SCAN_BYTES};
use crate::scopes::ScopedContent;
use crate::walk;

/// The policy options a use is counted with (`report` counts with them
/// too): every occurrence of every term, learned or not; practices are
/// findings, not vocabulary.
pub fn counting_options() -> Options {
    Options {
        hide_known: false,
        first_occurrence_only: false,
        first_occurrence_in_code_only: false,
        max_file_bytes: MAX_SCAN_BYTES,
        practices: PracticeMode::Off,
        ..Options::default()
    }
}

/// One file's uses: term id and count, only terms used at least once.
pub type FileUses = Vec<(Box<str>, u32)>;

/// Uses of each term in one text, as found by the policy under
/// [`counting_options`]. `path` gives the language (and the path rules:
/// recordings, manifests); a notebook counts its cells.
pub fn count_text(content: &Content, path: &Path, text: &str, llm_project: bool) -> FileUses {
    let progress = ProgressData::default();
    // `hide_known` is off: the learner is never asked.
    let learner = Learner::new(&progress, 0, 0);
    let options = counting_options();
    // A notebook that cannot be read counts no uses.
    let hits =
        scan::scan_any(content, &learner, &options, path, text, llm_project).unwrap_or_default();
    let mut uses: HashMap<usize, u32> = HashMap::new();
    for hit in hits.iter().filter(|h| h.practice.is_none()) {
        *uses.entry(hit.term).or_default() += 1;
    }
    let mut out: FileUses = uses
        .into_iter()
        .filter_map(|(term, n)| Some((content.terms.get(term)?.id.as_str().into(), n)))
        .collect();
    out.sort();
    out
}

/// A file's uses read from disk: `None` when it is not counted (not a
/// regular file, binary, too large, unreadable). Links are not followed.
pub fn count_file(scoped: &ScopedContent, path: &Path, llm_project: bool) -> Option<FileUses> {
    if !path.symlink_metadata().ok()?.file_type().is_file() {
        return None;
    }
    let text = scan::read_text(path).ok()??;
    Some(count_text(scoped.for_file(path), path, &text, llm_project))
}

/// Whether `path` is a pack file by its place: a `.toml` in a `.llmops/`
/// folder. (Imported packs elsewhere are named by the caller.)
pub fn is_pack_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|f| f == ".llmops")
}

/// How much one walk may read; past it, the count says what it covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub files: usize,
    pub bytes: u64,
    pub time: Duration,
}

impl Default for Budget {
    /// A background count over a large repository: 5,000 files, 128 MiB,
    /// 10 s, whichever comes first.
    fn default() -> Budget {
        Budget {
            files: 5_000,
            bytes: 128 * 1024 * 1024,
            time: Duration::from_secs(10),
        }
    }
}

/// What a walk counted.
#[derive(Debug, Default)]
pub struct Counted {
    /// Each file counted, with its uses (empty when it uses no term).
    pub files: HashMap<PathBuf, FileUses>,
    /// The walk stopped at its budget (or was cancelled) before the end.
    pub stopped: bool,
    /// Ignore files that were not applied (see [`crate::walk`]).
    pub notices: Vec<String>,
}

/// Counts the uses in every file under `roots` (workspace folders), as
/// `scan` walks them, leaving out pack files and `skip`ped paths, within
/// `budget`; `cancelled` is asked between files. Each root is a project
/// for the LLM setting, as `scan` decides it for a folder it is given.
pub fn count_roots(
    roots: &[PathBuf],
    scoped: &ScopedContent,
    skip: &dyn Fn(&Path) -> bool,
    budget: Budget,
    cancelled: &dyn Fn() -> bool,
) -> Counted {
    let started = Instant::now();
    let mut counted = Counted::default();
    let mut bytes = 0u64;
    'roots: for root in roots {
        if !root.is_dir() {
            continue;
        }
        let llm_project = project_uses_llm(root);
        let (walker, rules) = walk::walker(root);
        for entry in walker.build() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            if is_pack_file(path) || skip(path) || counted.files.contains_key(path) {
                continue;
            }
            if counted.files.len() >= budget.files
                || bytes >= budget.bytes
                || started.elapsed() >= budget.time
                || cancelled()
            {
                counted.stopped = true;
                counted.notices.extend(rules.notices());
                break 'roots;
            }
            // A file's own size counts against the budget whether or not
            // it turns out to be text.
            bytes += entry.metadata().map_or(0, |m| m.len().min(MAX_SCAN_BYTES));
            if let Some(uses) = count_file(scoped, path, llm_project) {
                counted.files.insert(path.to_path_buf(), uses);
            }
        }
        counted.notices.extend(rules.notices());
    }
    counted
}

/// Whether a walk of `root` would reach `path` (a file that appeared or
/// changed after the walk): inside `root`, not in `.git`, neither it nor a
/// folder above it ignored, not a pack file. Reads the ignore files of
/// the folders between them (bounded as in a walk).
pub fn walk_reaches(root: &Path, path: &Path) -> bool {
    let Ok(below) = path.strip_prefix(root) else {
        return false;
    };
    if is_pack_file(path) || below.components().any(|c| c.as_os_str() == ".git") {
        return false;
    }
    let (_, rules) = walk::walker(root);
    let mut at = root.to_path_buf();
    let mut parts = below.components().peekable();
    while let Some(part) = parts.next() {
        at.push(part);
        let is_dir = parts.peek().is_some();
        if rules.ignored(&at, is_dir) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use std::sync::Arc;

    fn scoped() -> ScopedContent {
        ScopedContent::single(Arc::new(Content::builtin().unwrap()))
    }

    fn uses_of(files: &HashMap<PathBuf, FileUses>, id: &str) -> u32 {
        files
            .values()
            .flat_map(|u| u.iter())
            .filter(|(t, _)| &**t == id)
            .map(|(_, n)| n)
            .sum()
    }

    #[test]
    fn a_walk_counts_every_use_skips_ignored_and_pack_files_and_stops_at_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(root.join("gen")).unwrap();
        std::fs::create_dir_all(root.join(".llmops")).unwrap();
        std::fs::write(root.join(".gitignore"), "gen/\n").unwrap();
        std::fs::write(root.join("docs/a.md"), "TTFT, then TTFT again.\n").unwrap();
        std::fs::write(root.join("docs/b.md"), "We measure TTFT.\n").unwrap();
        std::fs::write(root.join("gen/c.md"), "TTFT TTFT TTFT\n").unwrap();
        std::fs::write(root.join(".llmops/team.toml"), "# TTFT\n").unwrap();
        let scoped = scoped();
        let all = count_roots(
            &[root.to_path_buf()],
            &scoped,
            &|_| false,
            Budget::default(),
            &|| false,
        );
        assert!(!all.stopped);
        assert_eq!(uses_of(&all.files, "ttft"), 3, "{:?}", all.files);
        assert!(!all.files.keys().any(|p| p.starts_with(root.join("gen"))));
        assert!(walk_reaches(root, &root.join("docs/new.md")));
        assert!(!walk_reaches(root, &root.join("gen/new.md")));
        assert!(!walk_reaches(root, &root.join(".llmops/x.toml")));
        assert!(!walk_reaches(root, &root.join(".git/config")));
        let one = count_roots(
            &[root.to_path_buf()],
            &scoped,
            &|_| false,
            Budget {
                files: 1,
                ..Budget::default()
            },
            &|| false,
        );
        assert!(one.stopped);
        assert_eq!(one.files.len(), 1);
    }
}
