//! The packs in play and their last good versions: the built-in pack, the
//! user's packs and the workspace's `.llmops/*.toml`.
//!
//! A pack that fails to parse keeps its last good version in use, so a typo
//! in a team pack never takes the glossary away. References to ids that no
//! pack defines are reported and dropped; the rest of the pack still works.
//! The server and the command line both build their content here, so they
//! merge packs the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::content::{Content, Pack, PackError, Scope, builtin_packs};
pub use crate::dirs::user_pack_dir;

#[derive(Default)]
struct Slot {
    good: Option<Pack>,
    errors: Vec<PackError>,
}

/// Every pack in play, by path, with its last good version.
pub struct PackSet {
    /// The built-in module files (empty only if they failed to parse,
    /// which the content tests rule out).
    builtin: Vec<Pack>,
    /// The user's own pack folder (see [`user_pack_dir`]); settable so a
    /// test can run a server without reading the person's real packs.
    user_dir: Option<PathBuf>,
    slots: BTreeMap<PathBuf, (Scope, Slot)>,
    /// Errors found when merging (unknown references, ids clashing in a scope).
    merge_errors: Vec<PackError>,
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

impl PackSet {
    pub fn with_builtin() -> PackSet {
        PackSet {
            builtin: builtin_packs().unwrap_or_default(),
            user_dir: user_pack_dir(),
            slots: BTreeMap::new(),
            merge_errors: Vec::new(),
        }
    }

    /// Which scope a path's pack belongs to, if it is a pack path at all.
    /// Uses `dir` as the user's pack folder instead of the default.
    pub fn with_user_dir(mut self, dir: Option<PathBuf>) -> PackSet {
        self.user_dir = dir;
        self
    }

    /// The user's pack folder in use.
    pub fn user_dir(&self) -> Option<&Path> {
        self.user_dir.as_deref()
    }

    pub fn scope_of(&self, path: &Path, roots: &[PathBuf]) -> Option<Scope> {
        if path.extension().is_none_or(|x| x != "toml") {
            return None;
        }
        let parent = path.parent()?;
        if parent.file_name().is_some_and(|n| n == ".llmops")
            && (roots.is_empty() || roots.iter().any(|r| parent.starts_with(r)))
        {
            return Some(Scope::Workspace);
        }
        if self.user_dir.as_deref() == Some(parent) {
            return Some(Scope::User);
        }
        None
    }

    /// Loads the user's packs and, when `workspace` is set, every root's
    /// `.llmops/*.toml`. Returns messages for the user.
    pub fn load_roots(&mut self, roots: &[PathBuf], workspace: bool) -> Vec<String> {
        let roots = if workspace { roots } else { &[] };
        let mut files: Vec<(PathBuf, Scope)> = Vec::new();
        if let Some(dir) = self.user_dir.clone() {
            files.extend(toml_files(&dir).into_iter().map(|p| (p, Scope::User)));
        }
        for root in roots {
            files.extend(
                toml_files(&root.join(".llmops"))
                    .into_iter()
                    .map(|p| (p, Scope::Workspace)),
            );
        }
        let mut notices = Vec::new();
        for (path, scope) in files {
            match std::fs::read_to_string(&path) {
                Ok(source) => self.update(&path, scope, &source),
                Err(e) => notices.push(format!("llmops: cannot read pack {}: {e}", path.display())),
            }
        }
        let bad: usize = self
            .slots
            .values()
            .filter(|(_, s)| !s.errors.is_empty())
            .count();
        if bad > 0 {
            notices.push(format!(
                "llmops: {bad} content pack(s) have errors; see the Problems view. Their last good content is used."
            ));
        }
        notices
    }

    /// Parses a new version of a pack; on error, keeps the last good one.
    pub fn update(&mut self, path: &Path, scope: Scope, source: &str) {
        let (_, slot) = self
            .slots
            .entry(path.to_path_buf())
            .or_insert_with(|| (scope, Slot::default()));
        match Pack::parse(&path.to_string_lossy(), scope, source) {
            Ok(pack) => {
                slot.good = Some(pack);
                slot.errors.clear();
            }
            Err(errors) => slot.errors = errors,
        }
    }

    pub fn remove(&mut self, path: &Path) {
        self.slots.remove(path);
    }

    /// Merges the built-in pack with every good pack, user packs before
    /// workspace packs.
    pub fn merged(&self) -> (Content, Vec<PackError>) {
        let mut packs: Vec<Pack> = self.builtin.clone();
        let mut ordered: Vec<&(Scope, Slot)> = self.slots.values().collect();
        ordered.sort_by_key(|(scope, _)| *scope);
        packs.extend(ordered.iter().filter_map(|(_, s)| s.good.clone()));
        Content::merge(&packs)
    }

    /// Merges (see [`merged`](Self::merged)) and remembers the merge errors
    /// for [`errors_for`](Self::errors_for).
    pub fn rebuild(&mut self) -> Content {
        let (content, errors) = self.merged();
        self.merge_errors = errors;
        content
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.slots.keys().cloned().collect()
    }

    /// Every error to show on a pack file.
    pub fn errors_for(&self, path: &Path) -> Vec<PackError> {
        let name = path.to_string_lossy();
        let mut errors: Vec<PackError> = self
            .slots
            .get(path)
            .map(|(_, s)| s.errors.clone())
            .unwrap_or_default();
        // Merge errors refer to the last good version: only show them when
        // that is also the current text (no parse errors).
        if errors.is_empty() {
            errors.extend(
                self.merge_errors
                    .iter()
                    .filter(|e| *e.path == *name)
                    .cloned(),
            );
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pack_keeps_its_last_good_version() {
        let mut set = PackSet::with_builtin();
        let path = Path::new("/w/.llmops/team.toml");
        let good = "[[term]]\nid = \"blue-widget\"\nname = \"Blue widget\"\ndefinition = \"A widget that is blue.\"\n";
        set.update(path, Scope::Workspace, good);
        assert!(set.rebuild().term("blue-widget").is_some());
        set.update(path, Scope::Workspace, "[[term]\nid = ");
        assert!(!set.errors_for(path).is_empty());
        assert!(set.rebuild().term("blue-widget").is_some());
        set.remove(path);
        assert!(set.rebuild().term("blue-widget").is_none());
    }
}
