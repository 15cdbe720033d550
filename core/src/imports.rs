//! `imports = ["../platform/llmops/*.toml"]`: a pack bringing in other pack
//! files by path, so a team can keep a shared glossary in one place.
//!
//! Rules, all checked here for the editor and `check` alike:
//! - a path is relative to the importing pack's folder; `*`, `?` and `[...]`
//!   are allowed in its file name only (one folder is listed per entry);
//! - every file imported, links resolved, must lie inside the folder the
//!   importing pack is bound to (its workspace root, or the user's pack
//!   folder), and is read like any pack (regular files only, size capped
//!   while reading; see [`crate::packs::read_pack_file`]);
//! - imports are followed transitively, each file once; a file that imports
//!   one of the files importing it is a cycle, reported at the entry that
//!   closes it; at most [`MAX_IMPORTED_FILES`] files per top-level pack;
//! - a problem anywhere is reported in the file where it is, and at the
//!   top-level pack's own entry that leads to it, so the editor shows it on
//!   the pack the team opened; the pack then keeps its last good version.
//!
//! Imported packs come before the importing pack in its layer, in a layer
//! of their own folder (see `Content::merge`), so the importing pack may
//! override an imported term.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::content::limits::MAX_IMPORTED_FILES;
use crate::content::{Import, Pack, PackError, Scope};
use crate::packs::read_pack_file;

/// What a pack's imports brought in.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// The imported packs, each after the packs it imports.
    pub packs: Vec<Arc<Pack>>,
    /// Every file imported (links resolved), to reload the pack when one
    /// changes.
    pub files: Vec<PathBuf>,
}

/// Resolves the imports of `pack`, read from `path`, transitively; `bound`
/// is the folder every imported file must lie in.
pub fn resolve(
    pack: &Pack,
    path: &Path,
    scope: Scope,
    bound: &Path,
) -> Result<Resolved, Vec<PackError>> {
    if pack.imports.is_empty() {
        return Ok(Resolved::default());
    }
    let Ok(bound) = std::fs::canonicalize(bound) else {
        let e = pack.error_at(
            pack.imports[0].range.clone(),
            format!("imports: the folder {} cannot be opened", bound.display()),
        );
        return Err(vec![e]);
    };
    let start = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut walk = Walk {
        bound,
        scope,
        seen: BTreeSet::new(),
        resolved: Resolved::default(),
        errors: Vec::new(),
    };
    walk.seen.insert(start.clone());
    walk.visit(pack, &mut vec![start]);
    if walk.errors.is_empty() {
        Ok(walk.resolved)
    } else {
        Err(walk.errors)
    }
}

struct Walk {
    bound: PathBuf,
    scope: Scope,
    seen: BTreeSet<PathBuf>,
    resolved: Resolved,
    errors: Vec<PackError>,
}

impl Walk {
    /// Follows `pack`'s imports; `stack` holds the files importing it (and
    /// it, last). Returns the first problem met below it, if any.
    fn visit(&mut self, pack: &Pack, stack: &mut Vec<PathBuf>) -> Option<String> {
        let mut first_problem = None;
        let dir = stack
            .last()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)?;
        for import in &pack.imports {
            let problem = self.entry(import, &dir, stack);
            if let Some(problem) = problem {
                self.errors.push(pack.error_at(
                    import.range.clone(),
                    format!("imports: {:?}: {problem}", import.pattern),
                ));
                first_problem.get_or_insert(problem);
            }
        }
        first_problem
    }

    /// One entry of `imports`; returns its problem.
    fn entry(&mut self, import: &Import, dir: &Path, stack: &mut Vec<PathBuf>) -> Option<String> {
        let targets = match self.expand(dir, &import.pattern) {
            Ok(targets) => targets,
            Err(problem) => return Some(problem),
        };
        for target in targets {
            if let Some(at) = stack.iter().position(|p| *p == target) {
                let chain: Vec<String> = stack[at..]
                    .iter()
                    .chain(std::iter::once(&target))
                    .map(|p| name(p))
                    .collect();
                return Some(format!("an import cycle: {}", chain.join(" -> ")));
            }
            if !self.seen.insert(target.clone()) {
                // Imported twice (a diamond): once is enough.
                continue;
            }
            if self.resolved.files.len() >= MAX_IMPORTED_FILES {
                return Some(format!(
                    "a pack may bring in at most {MAX_IMPORTED_FILES} files through its imports"
                ));
            }
            self.resolved.files.push(target.clone());
            let roots = [self.bound.clone()];
            let source = match read_pack_file(&target, self.scope, &roots) {
                Ok(source) => source,
                Err(message) => return Some(format!("{}: {message}", target.display())),
            };
            let imported = match Pack::parse(&target.to_string_lossy(), self.scope, &source) {
                Ok(imported) => imported,
                Err(errors) => {
                    let first = errors.first().map(ToString::to_string).unwrap_or_default();
                    self.errors.extend(errors);
                    return Some(format!("the imported pack has errors: {first}"));
                }
            };
            let imported_name = name(&target);
            stack.push(target);
            let below = self.visit(&imported, stack);
            stack.pop();
            if let Some(problem) = below {
                return Some(format!("in {imported_name}: {problem}"));
            }
            self.resolved.packs.push(Arc::new(imported));
        }
        None
    }

    /// The files an entry names, links resolved, sorted; each inside the
    /// bound folder.
    fn expand(&self, dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
        expand(&self.bound, dir, pattern)
    }
}

/// The files one `imports` entry of a pack in `dir` names, as loading reads
/// them (links resolved, sorted, each inside `bound`, the folder the pack
/// is bound to): for the editor's go to definition on an entry. Lists one
/// folder at most.
pub fn entry_files(bound: &Path, dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let bound = std::fs::canonicalize(bound)
        .map_err(|e| format!("the folder {} cannot be opened ({e})", bound.display()))?;
    expand(&bound, dir, pattern)
}

/// [`Walk::expand`] with its bound (already canonical).
fn expand(bound: &Path, dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let (sub, file) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    let folder = std::fs::canonicalize(dir.join(sub))
        .map_err(|e| format!("the folder cannot be opened ({e})"))?;
    if !folder.starts_with(bound) {
        return Err(format!(
            "{} is outside the workspace; imports must stay inside it",
            folder.display()
        ));
    }
    let candidates: Vec<PathBuf> = if file.contains(['*', '?', '[']) {
        let glob = globset::Glob::new(file)
            .map_err(|e| format!("not a valid pattern ({e})"))?
            .compile_matcher();
        let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| format!("the folder cannot be listed ({e})"))?
            .filter_map(|e| e.ok())
            .filter(|e| glob.is_match(e.file_name()))
            .map(|e| e.path())
            .take(MAX_IMPORTED_FILES + 1)
            .collect();
        found.sort();
        found
    } else {
        vec![folder.join(file)]
    };
    let mut targets = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let real = std::fs::canonicalize(&candidate)
            .map_err(|e| format!("{} cannot be opened ({e})", candidate.display()))?;
        if !real.starts_with(bound) {
            return Err(format!(
                "{} resolves to {}, outside the workspace; imports must stay inside it",
                candidate.display(),
                real.display()
            ));
        }
        targets.push(real);
    }
    Ok(targets)
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
