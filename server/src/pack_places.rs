//! Where a term or exercise is defined, in words for a hover: the built-in
//! course, the user's own packs, or a workspace pack by its path from the
//! workspace folder ("services/api/.llmops/team.toml, line 12"), so a pack
//! author sees at a glance which layer an id comes from (issue 20).
//!
//! The words are plain text holding file names, which a cloned repository
//! chooses: whoever shows them escapes them (`render` does).

use std::path::Path;

use llmops_core::content::{BUILTIN_PREFIX, Origin, Scope};

use crate::state::State;

/// Where `origin` is, as seen from the file at `here`.
pub fn describe(state: &State, origin: &Origin, here: Option<&Path>) -> String {
    let line = origin.line + 1;
    if let Some(file) = origin.pack.strip_prefix(BUILTIN_PREFIX) {
        let name = file.rsplit('/').next().unwrap_or(file);
        return format!("the built-in course ({name})");
    }
    let path = Path::new(&*origin.pack);
    if here == Some(path) {
        return format!("this file, line {line}");
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if state.packs.scope_of(path, &state.roots) == Some(Scope::User) {
        return format!("your pack {name}, line {line}");
    }
    format!("{}, line {line}", workspace_path(&state.roots, path))
}

/// `path` from the workspace folder holding it (with the folder's name
/// first when there are several), else as it is.
fn workspace_path(roots: &[std::path::PathBuf], path: &Path) -> String {
    let Some(root) = roots.iter().find(|r| path.starts_with(r)) else {
        return path.display().to_string();
    };
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    match root.file_name() {
        Some(folder) if roots.len() > 1 => format!("{}/{relative}", folder.to_string_lossy()),
        _ => relative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn workspace_paths_are_relative_to_their_folder() {
        let one = [PathBuf::from("/ws")];
        let two = [PathBuf::from("/ws"), PathBuf::from("/other")];
        let pack = Path::new("/ws/api/.llmops/team.toml");
        assert_eq!(workspace_path(&one, pack), "api/.llmops/team.toml");
        assert_eq!(workspace_path(&two, pack), "ws/api/.llmops/team.toml");
        assert_eq!(workspace_path(&one, Path::new("/x/p.toml")), "/x/p.toml");
    }
}
