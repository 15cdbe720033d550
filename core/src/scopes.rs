//! Packs scoped by folder: a `.llmops/` folder applies to the folder that
//! holds it and everything below it. For a file, the packs in play are the
//! built-in course, then the user's packs, then the `.llmops/` folders of
//! its ancestors from the outermost to the nearest, each layer overriding
//! the ids of the layers before it.
//!
//! This is the one rule: the server and `scan` both take a file's content
//! from [`ScopedContent::for_path`], so they agree on which definition of a
//! term a file sees.
//!
//! Cost model. Every layer chain is merged once when a pack changes (off
//! the server's state lock, like any merge), giving one [`Content`] per
//! folder that holds a `.llmops/` (at most [`MAX_SCOPE_FOLDERS`]) plus one
//! for files under none. Choosing a file's content is a lookup per ancestor
//! of its path in that small map, done when a document opens and when the
//! packs change; nothing is walked or looked up per keystroke. Finding the
//! folders walks the workspace once at start (honouring `.gitignore`), and
//! after that the editor's file watcher reports new ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::content::limits::MAX_SCOPE_FOLDERS;
use crate::content::{Content, Pack, PackError};

/// The good packs of a [`crate::packs::PackSet`] grouped for scoping.
#[derive(Clone, Default)]
pub struct ScopedSnapshot {
    /// The built-in packs, then the user's.
    pub base: Vec<Arc<Pack>>,
    /// Workspace packs by the folder that holds their `.llmops/`, sorted.
    pub layers: BTreeMap<PathBuf, Vec<Arc<Pack>>>,
}

/// The folder a workspace pack applies to: the one holding its `.llmops/`.
pub fn scope_folder(pack_path: &Path) -> Option<&Path> {
    pack_path.parent()?.parent()
}

/// The merged content for every folder that holds a `.llmops/`.
#[derive(Clone)]
pub struct ScopedContent {
    /// Built-in and user packs: files under no `.llmops/` folder.
    base: Arc<Content>,
    /// Folder holding a `.llmops/` -> its chain merged.
    by_folder: BTreeMap<PathBuf, Arc<Content>>,
    /// Every layer merged, outermost first: for what names a term or
    /// exercise without a file (commands by id, the glossary search).
    all: Arc<Content>,
}

impl ScopedContent {
    /// One content for every file (no workspace layers).
    pub fn single(content: Arc<Content>) -> ScopedContent {
        ScopedContent {
            base: content.clone(),
            by_folder: BTreeMap::new(),
            all: content,
        }
    }

    /// The content a file at `path` sees: the chain of its nearest ancestor
    /// folder holding a `.llmops/`, or the built-in and user packs alone.
    /// One map lookup per ancestor of the path.
    pub fn for_path(&self, path: Option<&Path>) -> &Arc<Content> {
        if self.by_folder.is_empty() {
            return &self.base;
        }
        path.into_iter()
            .flat_map(Path::ancestors)
            .find_map(|folder| self.by_folder.get(folder))
            .unwrap_or(&self.base)
    }

    /// [`for_path`](Self::for_path) for a path named on the command line,
    /// which may be relative to the current folder (the folders are
    /// absolute). Not for the server, which reads no working directory.
    pub fn for_file(&self, path: &Path) -> &Arc<Content> {
        if path.is_absolute() || self.by_folder.is_empty() {
            return self.for_path(Some(path));
        }
        match std::path::absolute(path) {
            Ok(absolute) => self.for_path(Some(&absolute)),
            Err(_) => self.for_path(Some(path)),
        }
    }

    /// Every layer merged: for requests that name an id without a file.
    pub fn all(&self) -> &Arc<Content> {
        &self.all
    }

    /// The folders that hold a `.llmops/` in play.
    pub fn folders(&self) -> impl Iterator<Item = &Path> {
        self.by_folder.keys().map(PathBuf::as_path)
    }

    /// Merges every chain of `snapshot`. Slow (one merge per folder): call
    /// it with no lock held. Each pack's merge errors come from the chain
    /// that ends at its own folder, so they are reported once; folders past
    /// [`MAX_SCOPE_FOLDERS`] (the deepest, then the last by name) are left
    /// out with an error on each of their packs.
    pub fn merge(snapshot: &ScopedSnapshot) -> (ScopedContent, Vec<PackError>) {
        let (base, base_errors) = Content::merge(&snapshot.base);
        let mut errors: Vec<PackError> = base_errors;
        let base = Arc::new(base);
        // Outer folders first; past the cap, the deepest are left out.
        let mut folders: Vec<(&PathBuf, &Vec<Arc<Pack>>)> = snapshot.layers.iter().collect();
        folders.sort_by_key(|(folder, _)| (folder.components().count(), (*folder).clone()));
        if folders.len() > MAX_SCOPE_FOLDERS {
            for (folder, packs) in folders.split_off(MAX_SCOPE_FOLDERS) {
                errors.extend(packs.iter().map(|pack| {
                    PackError::unlocated(
                        &pack.path,
                        format!(
                            "more than {MAX_SCOPE_FOLDERS} folders hold a `.llmops/` pack; the packs of {} are not loaded",
                            folder.display()
                        ),
                    )
                }));
            }
        }
        let mut by_folder = BTreeMap::new();
        for (folder, _) in &folders {
            let mut chain: Vec<Arc<Pack>> = snapshot.base.clone();
            for (outer, packs) in &folders {
                if folder.starts_with(outer) {
                    chain.extend(packs.iter().cloned());
                }
            }
            let (content, chain_errors) = Content::merge(&chain);
            let own = folder.join(".llmops");
            errors.extend(
                chain_errors
                    .into_iter()
                    .filter(|e| Path::new(&*e.path).parent() == Some(own.as_path())),
            );
            by_folder.insert((*folder).clone(), Arc::new(content));
        }
        let all = match folders.as_slice() {
            [] => base.clone(),
            // One folder: its chain is everything.
            [(only, _)] => by_folder[*only].clone(),
            _ => {
                let mut every: Vec<Arc<Pack>> = snapshot.base.clone();
                for (_, packs) in &folders {
                    every.extend(packs.iter().cloned());
                }
                Arc::new(Content::merge(&every).0)
            }
        };
        let scoped = ScopedContent {
            base,
            by_folder,
            all,
        };
        (scoped, errors)
    }
}

/// The `.llmops/*.toml` files under each root, found by one walk per root
/// that honours `.gitignore` (as `scan` does) and follows no links; at most
/// [`MAX_SCOPE_FOLDERS`] folders, the outermost first. Returns the files and
/// a notice when folders or ignore files were left out (see [`crate::walk`]).
pub fn workspace_pack_files(roots: &[PathBuf]) -> (Vec<PathBuf>, Option<String>) {
    let mut folders: Vec<PathBuf> = Vec::new();
    let mut notices: Vec<String> = Vec::new();
    for root in roots {
        let (walker, rules) = crate::walk::walker(root);
        folders.extend(
            walker
                .build()
                .filter_map(Result::ok)
                .filter(|e| e.file_name() == ".llmops" && e.file_type().is_some_and(|t| t.is_dir()))
                .map(|e| e.into_path()),
        );
        notices.extend(rules.notices().into_iter().map(|n| format!("llmops: {n}")));
    }
    folders.sort_by_key(|f| (f.components().count(), f.clone()));
    folders.dedup();
    if folders.len() > MAX_SCOPE_FOLDERS {
        notices.push(format!(
            "llmops: {} folders hold a `.llmops/` pack folder; only the {MAX_SCOPE_FOLDERS} outermost are loaded",
            folders.len()
        ));
    }
    let notice = (!notices.is_empty()).then(|| notices.join("; "));
    folders.truncate(MAX_SCOPE_FOLDERS);
    let files = folders
        .iter()
        .flat_map(|f| crate::packs::toml_files(f))
        .collect();
    (files, notice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Scope;

    fn pack(path: &str, scope: Scope, name: &str) -> Arc<Pack> {
        let source =
            format!("[[term]]\nid = \"wombat\"\nname = \"Wombat\"\ndefinition = \"{name}\"\n");
        Arc::new(Pack::parse(path, scope, &source).unwrap())
    }

    fn definition(content: &Content) -> &str {
        &content.term("wombat").unwrap().definition
    }

    #[test]
    fn the_nearest_definition_wins_over_outer_ones_and_user_packs() {
        let mut snapshot = ScopedSnapshot {
            base: vec![pack("/u/user.toml", Scope::User, "user")],
            layers: BTreeMap::new(),
        };
        for (folder, name) in [("/w", "root"), ("/w/a", "a"), ("/w/a/deep", "deep")] {
            let path = format!("{folder}/.llmops/team.toml");
            snapshot
                .layers
                .insert(folder.into(), vec![pack(&path, Scope::Workspace, name)]);
        }
        let (scoped, errors) = ScopedContent::merge(&snapshot);
        assert!(errors.is_empty(), "{errors:?}");
        let at = |p: &str| definition(scoped.for_path(Some(Path::new(p)))).to_string();
        assert_eq!(at("/w/readme.md"), "root");
        assert_eq!(at("/w/b/x.py"), "root");
        assert_eq!(at("/w/a/x.py"), "a");
        assert_eq!(at("/w/a/deep/more/x.py"), "deep");
        // A sibling whose name starts like a scope folder is not inside it.
        assert_eq!(at("/w/ab/x.py"), "root");
        assert_eq!(at("/elsewhere/x.py"), "user");
        assert_eq!(definition(scoped.for_path(None)), "user");
    }

    #[test]
    fn clashes_are_errors_inside_a_folder_only_and_reported_once() {
        let two = |folder: &str| {
            vec![
                pack(&format!("{folder}/.llmops/a.toml"), Scope::Workspace, "a"),
                pack(&format!("{folder}/.llmops/b.toml"), Scope::Workspace, "b"),
            ]
        };
        let snapshot = ScopedSnapshot {
            base: Vec::new(),
            layers: [("/w".into(), two("/w")), ("/w/sub".into(), vec![])]
                .into_iter()
                .collect(),
        };
        let (_, errors) = ScopedContent::merge(&snapshot);
        // `/w/sub`'s chain includes `/w`'s packs: still one error.
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(&*errors[0].path, "/w/.llmops/b.toml");
        // Across folders the same id is an override, not a clash.
        let snapshot = ScopedSnapshot {
            base: Vec::new(),
            layers: [
                (
                    "/w".into(),
                    vec![pack("/w/.llmops/a.toml", Scope::Workspace, "a")],
                ),
                (
                    "/w/s".into(),
                    vec![pack("/w/s/.llmops/a.toml", Scope::Workspace, "s")],
                ),
            ]
            .into_iter()
            .collect(),
        };
        let (scoped, errors) = ScopedContent::merge(&snapshot);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(definition(scoped.for_path(Some(Path::new("/w/s/x")))), "s");
    }

    #[test]
    fn folders_past_the_cap_are_reported_not_loaded() {
        let layers = (0..=MAX_SCOPE_FOLDERS)
            .map(|i| {
                let folder = format!("/w/p{i:03}");
                let path = format!("{folder}/.llmops/t.toml");
                (folder.into(), vec![pack(&path, Scope::Workspace, "x")])
            })
            .collect();
        let (scoped, errors) = ScopedContent::merge(&ScopedSnapshot {
            base: Vec::new(),
            layers,
        });
        assert_eq!(scoped.folders().count(), MAX_SCOPE_FOLDERS);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("more than"), "{errors:?}");
    }

    #[test]
    fn discovery_finds_nested_pack_folders_and_honours_gitignore() {
        let top = tempfile::tempdir().unwrap();
        let root = top.path().to_path_buf();
        for folder in ["", "a", "a/b", "ignored"] {
            let dir = root.join(folder).join(".llmops");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("t.toml"), "").unwrap();
        }
        // `ignore` reads `.gitignore` inside a git repository only.
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let (files, notice) = workspace_pack_files(std::slice::from_ref(&root));
        assert!(notice.is_none());
        let expected: Vec<PathBuf> = ["", "a", "a/b"]
            .iter()
            .map(|f| root.join(f).join(".llmops/t.toml"))
            .collect();
        assert_eq!(files, expected);
    }
}
