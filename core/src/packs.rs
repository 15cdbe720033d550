//! The packs in play and their last good versions: the built-in pack, the
//! user's packs and the workspace's `.llmops/*.toml`.
//!
//! A pack that fails to parse keeps its last good version in use, so a typo
//! in a team pack never takes the glossary away. References to ids that no
//! pack defines are reported and dropped; the rest of the pack still works.
//! The server and the command line both build their content here, so they
//! merge packs the same way.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::content::limits::{MAX_PACK_BYTES, MAX_PACKS, MAX_TOTAL_PACK_BYTES, MAX_TOTAL_TERMS};
use crate::content::{Content, Pack, PackError, Scope, builtin_packs, builtin_packs_compiled};
pub use crate::dirs::user_pack_dir;
use crate::imports::Resolved;
use crate::scopes::{ScopedContent, ScopedSnapshot, scope_folder, workspace_pack_files};

#[derive(Default)]
struct Slot {
    good: Option<Arc<Pack>>,
    /// What the good version's `imports` brought in (see `crate::imports`).
    imported: Resolved,
    errors: Vec<PackError>,
    /// The text `errors` refer to, so they can be located without reading
    /// the file again.
    text: Arc<str>,
}

/// A pack parsed (or refused) away from the server's state, ready to be
/// put in a [`PackSet`] with [`PackSet::apply`].
pub struct Parsed {
    pub path: PathBuf,
    pub scope: Scope,
    result: Outcome,
}

/// Why a pack over the caps on all packs together is not loaded.
fn over_caps() -> String {
    format!(
        "not loaded: all packs together may hold at most {MAX_PACKS} packs, {} MiB and {MAX_TOTAL_TERMS} terms; the last good content stays in use",
        MAX_TOTAL_PACK_BYTES >> 20
    )
}

/// The notice naming packs skipped for the caps (names marked inert).
fn skipped_notice(skipped: &[PathBuf]) -> String {
    let names: Vec<String> = skipped
        .iter()
        .take(5)
        .map(|p| crate::text::quote_for_terminal(&p.to_string_lossy()).into_owned())
        .collect();
    let more = skipped.len().saturating_sub(names.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "llmops: {} content pack(s) not loaded, over the limits on all packs together ({MAX_PACKS} packs, {} MiB, {MAX_TOTAL_TERMS} terms): {}{more}",
        skipped.len(),
        MAX_TOTAL_PACK_BYTES >> 20,
        names.join(", ")
    )
}

/// A pack with what its imports brought in, or its errors and the text
/// they refer to.
type Outcome = Result<(Arc<Pack>, Resolved), (Vec<PackError>, Arc<str>)>;

impl Parsed {
    /// A pack not read at all, with `why` as its error.
    pub fn skipped(path: &Path, scope: Scope, why: &str) -> Parsed {
        let name: Arc<str> = path.to_string_lossy().into();
        Parsed {
            path: path.to_path_buf(),
            scope,
            result: Err((
                vec![PackError::unlocated(&name, why.to_string())],
                Arc::from(""),
            )),
        }
    }

    /// Parses `source` as the pack at `path`. Slow for big packs: call it
    /// with no lock held.
    pub fn parse(path: &Path, scope: Scope, source: &str) -> Parsed {
        let result = Pack::parse(&path.to_string_lossy(), scope, source)
            .map(|pack| (Arc::new(pack), Resolved::default()))
            .map_err(|errors| (errors, Arc::from(source)));
        Parsed {
            path: path.to_path_buf(),
            scope,
            result,
        }
    }

    /// [`parse`](Self::parse), then reads what the pack's `imports` bring
    /// in (see `crate::imports`), bound to the workspace root among `roots`
    /// that holds `path` (user packs: their own folder). Reads files: call
    /// it with no lock held.
    pub fn parse_with_imports(
        path: &Path,
        scope: Scope,
        source: &str,
        roots: &[PathBuf],
    ) -> Parsed {
        let mut parsed = Parsed::parse(path, scope, source);
        let Ok((pack, _)) = &parsed.result else {
            return parsed;
        };
        if pack.imports.is_empty() {
            return parsed;
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let bound = match scope {
            Scope::Workspace => workspace_root_of(&absolute, roots),
            _ => absolute.parent(),
        };
        let result = match bound {
            Some(bound) => crate::imports::resolve(pack, &absolute, scope, bound),
            None => Err(vec![pack.error_at(
                pack.imports[0].range.clone(),
                "imports: the pack is in no workspace folder".into(),
            )]),
        };
        parsed.result = match result {
            Ok(resolved) => Ok((pack.clone(), resolved)),
            Err(errors) => Err((errors, pack.source().clone())),
        };
        parsed
    }

    /// Reads the pack file at `path` safely (see [`read_pack_file`]) and
    /// parses it; a file that cannot be read becomes an error on the pack.
    pub fn load(path: &Path, scope: Scope, roots: &[PathBuf]) -> Parsed {
        match read_pack_file(path, scope, roots) {
            Ok(source) => Parsed::parse_with_imports(path, scope, &source, roots),
            Err(message) => {
                let name: Arc<str> = path.to_string_lossy().into();
                Parsed {
                    path: path.to_path_buf(),
                    scope,
                    result: Err((vec![PackError::unlocated(&name, message)], Arc::from(""))),
                }
            }
        }
    }
}

/// Every file read as a workspace pack of `roots`: each `.llmops/*.toml`
/// (nested folders included) and, transitively, the files their `imports`
/// bring in; canonical paths, sorted, each once. This is what an editor
/// that trusts packs by their contents must hash (Neovim's trust list): a
/// file left out here would load without being trusted. Reads every pack:
/// call it with no lock held.
pub fn workspace_trust_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let (files, _) = workspace_pack_files(roots);
    let mut all = std::collections::BTreeSet::new();
    for file in files {
        let parsed = Parsed::load(&file, Scope::Workspace, roots);
        if let Ok((_, resolved)) = &parsed.result {
            all.extend(resolved.files.iter().cloned());
        }
        all.insert(std::fs::canonicalize(&file).unwrap_or(file));
    }
    all.into_iter().collect()
}

/// Reads a pack file the way a hostile repository cannot abuse:
/// - a workspace pack must resolve (symlinks followed) to a file inside the
///   workspace root that holds it, so `.llmops/x.toml -> /etc/passwd` or
///   `-> /proc/self/pagemap` is refused rather than shown in hints and errors;
/// - only regular files are read: FIFOs, sockets and devices are refused,
///   and the file is opened without blocking so a FIFO cannot hang the open;
/// - at most [`MAX_PACK_BYTES`] are read, counted while reading, so a file
///   that grows or never ends costs no more than that.
///
/// `roots` are the workspace folders (empty: the folder holding `.llmops`).
/// User packs (in the user's own config folder) may be symlinks anywhere.
pub fn read_pack_file(path: &Path, scope: Scope, roots: &[PathBuf]) -> Result<String, String> {
    let real =
        std::fs::canonicalize(path).map_err(|e| format!("the pack cannot be opened ({e})"))?;
    if scope == Scope::Workspace {
        // A relative path (`check .llmops/x.toml`) has its root in the
        // current folder, which only an absolute path names.
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let inside = workspace_root_of(&absolute, roots)
            .and_then(|root| std::fs::canonicalize(root).ok())
            .is_some_and(|root| real.starts_with(root));
        if !inside {
            return Err(format!(
                "the pack resolves to {}, outside the workspace; workspace packs must be files inside it",
                real.display()
            ));
        }
    }
    let mut file =
        open_without_blocking(&real).map_err(|e| format!("the pack cannot be opened ({e})"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("the pack cannot be read ({e})"))?;
    if !meta.is_file() {
        return Err(
            "the pack is not a regular file (a FIFO, socket, device or folder); it is not read"
                .into(),
        );
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_PACK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the pack cannot be read ({e})"))?;
    if bytes.len() as u64 > MAX_PACK_BYTES {
        return Err(format!(
            "the pack is larger than {MAX_PACK_BYTES} bytes, the most a pack may hold; it is not loaded"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the pack is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The workspace root that holds a workspace pack path.
fn workspace_root_of<'a>(path: &'a Path, roots: &'a [PathBuf]) -> Option<&'a Path> {
    if roots.is_empty() {
        // `<folder>/.llmops/x.toml`: the folder is the root.
        return path.parent()?.parent();
    }
    roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.as_os_str().len())
        .map(PathBuf::as_path)
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Every pack in play, by path, with its last good version.
pub struct PackSet {
    /// The built-in module files (empty only if they failed to parse,
    /// which the content tests rule out).
    builtin: Vec<Arc<Pack>>,
    /// The user's own pack folder (see [`user_pack_dir`]); settable so a
    /// test can run a server without reading the person's real packs.
    user_dir: Option<PathBuf>,
    slots: BTreeMap<PathBuf, (Scope, Slot)>,
    /// Errors found when merging (unknown references, ids clashing in a scope).
    merge_errors: Vec<PackError>,
}

/// The `*.toml` files directly in `dir`, sorted; none when it cannot be read.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
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
    /// The built-in packs and the user folder of the environment
    /// (`XDG_CONFIG_HOME`): for the command line.
    pub fn with_builtin() -> PackSet {
        PackSet::with_builtin_from(None).with_user_dir(user_pack_dir())
    }

    /// The built-in packs (parsed from TOML) and no user folder, reading no
    /// environment: a server builds on [`PackSet::with_builtin_from`] with
    /// the user folder its `Config` says (servers in one process must not
    /// share the process's environment).
    pub fn builtin_only() -> PackSet {
        PackSet::with_builtin_from(None)
    }

    /// A set with no pack at all, not even the built-in ones (a placeholder
    /// until the real set is loaded).
    pub fn empty() -> PackSet {
        PackSet {
            builtin: Vec::new(),
            user_dir: None,
            slots: BTreeMap::new(),
            merge_errors: Vec::new(),
        }
    }

    /// A set with the built-in packs read from their compact form
    /// ([`crate::content::compile_builtin`], embedded by the server at build
    /// time), or parsed from TOML when there is none or it does not decode;
    /// no user folder (it reads no environment).
    pub fn with_builtin_from(compiled: Option<&[u8]>) -> PackSet {
        let builtin = compiled
            .and_then(builtin_packs_compiled)
            .unwrap_or_else(|| builtin_packs().unwrap_or_default());
        PackSet {
            builtin: builtin.into_iter().map(Arc::new).collect(),
            user_dir: None,
            slots: BTreeMap::new(),
            merge_errors: Vec::new(),
        }
    }

    /// Whether the set holds the built-in packs alone: no user or workspace
    /// pack was loaded (or failed to load), so merging it again gives what
    /// the last merge of the built-in packs gave.
    pub fn has_only_builtin(&self) -> bool {
        self.slots.is_empty()
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

    /// Loads the user's packs and, when `workspace` is set, the
    /// `.llmops/*.toml` of every folder in the roots that holds one. Returns messages for the user.
    pub fn load_roots(&mut self, roots: &[PathBuf], workspace: bool) -> Vec<String> {
        let roots = if workspace { roots } else { &[] };
        let mut files: Vec<(PathBuf, Scope)> = Vec::new();
        if let Some(dir) = self.user_dir.clone() {
            files.extend(toml_files(&dir).into_iter().map(|p| (p, Scope::User)));
        }
        // Every `.llmops/` folder in the workspace, nested ones too (see
        // `crate::scopes`).
        let (workspace_files, notice) = workspace_pack_files(roots);
        files.extend(workspace_files.into_iter().map(|p| (p, Scope::Workspace)));
        let mut notices: Vec<String> = notice.into_iter().collect();
        let mut skipped = Vec::new();
        let mut bytes = 0u64;
        for (count, (path, scope)) in files.into_iter().enumerate() {
            // Checked before reading: a pack over the caps costs nothing.
            let size = std::fs::symlink_metadata(&path).map_or(0, |m| m.len());
            bytes = bytes.saturating_add(size);
            if count >= MAX_PACKS || bytes > MAX_TOTAL_PACK_BYTES {
                self.apply(Parsed::skipped(&path, scope, &over_caps()));
                skipped.push(path);
                continue;
            }
            self.apply(Parsed::load(&path, scope, roots));
        }
        if !skipped.is_empty() {
            notices.push(skipped_notice(&skipped));
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
        self.apply(Parsed::parse(path, scope, source));
    }

    /// Puts a pack parsed elsewhere in place; on error, keeps the last good
    /// version.
    /// Returns whether the good packs changed (a new good version), so a
    /// caller can skip merging again when only the errors did (as while a
    /// pack is being typed).
    pub fn apply(&mut self, parsed: Parsed) -> bool {
        let parsed = self.within_caps(parsed);
        let (_, slot) = self
            .slots
            .entry(parsed.path)
            .or_insert_with(|| (parsed.scope, Slot::default()));
        match parsed.result {
            Ok((pack, imported)) => {
                slot.text = pack.source().clone();
                slot.good = Some(pack);
                slot.imported = imported;
                slot.errors.clear();
                true
            }
            Err((errors, text)) => {
                slot.errors = errors;
                slot.text = text;
                false
            }
        }
    }

    /// `parsed`, or an error on it when the good packs with it would be
    /// over [`MAX_PACKS`], [`MAX_TOTAL_PACK_BYTES`] or [`MAX_TOTAL_TERMS`]
    /// (its last good version, if any, stays). O(packs in use).
    fn within_caps(&self, parsed: Parsed) -> Parsed {
        let Ok((pack, _)) = &parsed.result else {
            return parsed;
        };
        let others = self
            .slots
            .iter()
            .filter(|(path, _)| **path != parsed.path)
            .filter_map(|(_, (_, slot))| slot.good.as_ref());
        let (mut count, mut bytes, mut terms) = (1, pack.source().len() as u64, pack.terms.len());
        for other in others {
            count += 1;
            bytes += other.source().len() as u64;
            terms += other.terms.len();
        }
        if count > MAX_PACKS || bytes > MAX_TOTAL_PACK_BYTES || terms > MAX_TOTAL_TERMS {
            return Parsed::skipped(&parsed.path, parsed.scope, &over_caps());
        }
        parsed
    }

    /// Forgets a pack; returns whether a good version of it was in use.
    pub fn remove(&mut self, path: &Path) -> bool {
        self.slots
            .remove(path)
            .is_some_and(|(_, slot)| slot.good.is_some())
    }

    /// Merges the built-in pack with every good pack, user packs before
    /// workspace packs.
    pub fn merged(&self) -> (Content, Vec<PackError>) {
        Content::merge(&self.snapshot())
    }

    /// The good packs in merge order, cheap to take: merge them with
    /// [`Content::merge`] with no lock held, then hand the errors back with
    /// [`set_merge_errors`](Self::set_merge_errors).
    pub fn snapshot(&self) -> Vec<Arc<Pack>> {
        let mut packs: Vec<Arc<Pack>> = self.builtin.clone();
        let mut ordered: Vec<&(Scope, Slot)> = self.slots.values().collect();
        ordered.sort_by_key(|(scope, _)| *scope);
        packs.extend(ordered.iter().filter_map(|(_, s)| s.good.clone()));
        packs
    }

    /// The good packs grouped for scoping by folder: merge them with
    /// [`ScopedContent::merge`] with no lock held.
    pub fn scoped_snapshot(&self) -> ScopedSnapshot {
        let mut snapshot = ScopedSnapshot {
            base: self.builtin.clone(),
            layers: BTreeMap::new(),
        };
        for scope in [Scope::User, Scope::Workspace] {
            for (path, (_, slot)) in self.slots.iter().filter(|(_, (s, _))| *s == scope) {
                let Some(good) = slot.good.clone() else {
                    continue;
                };
                // Imported packs first: the importing pack overrides them.
                let packs = slot.imported.packs.iter().cloned().chain([good]);
                match (scope, scope_folder(path)) {
                    (Scope::Workspace, Some(folder)) => snapshot
                        .layers
                        .entry(folder.to_path_buf())
                        .or_default()
                        .extend(packs),
                    _ => snapshot.base.extend(packs),
                }
            }
        }
        snapshot
    }

    /// Merges every folder's chain (see [`crate::scopes`]) and remembers
    /// the merge errors for [`errors_for`](Self::errors_for).
    pub fn rebuild_scoped(&mut self) -> ScopedContent {
        let (scoped, errors) = ScopedContent::merge(&self.scoped_snapshot());
        self.merge_errors = errors;
        scoped
    }

    pub fn set_merge_errors(&mut self, errors: Vec<PackError>) {
        self.merge_errors = errors;
    }

    /// The text a pack's errors refer to: the version that failed, or the
    /// last good one when only merge errors remain.
    pub fn text_of(&self, path: &Path) -> Arc<str> {
        self.slots
            .get(path)
            .map(|(_, s)| s.text.clone())
            .unwrap_or_else(|| Arc::from(""))
    }

    /// Merges (see [`merged`](Self::merged)) and remembers the merge errors
    /// for [`errors_for`](Self::errors_for).
    pub fn rebuild(&mut self) -> Content {
        let (content, errors) = self.merged();
        self.merge_errors = errors;
        content
    }

    /// The packs whose imports bring in `file`, to reload when it changes.
    /// Compares paths as given (imported files are kept with links
    /// resolved) and reads no disk, so it may run under the server's lock.
    pub fn importers_of(&self, file: &Path) -> Vec<(PathBuf, Scope)> {
        self.slots
            .iter()
            .filter(|(_, (_, slot))| slot.imported.files.iter().any(|f| f == file))
            .map(|(path, (scope, _))| (path.clone(), *scope))
            .collect()
    }

    /// Every file the loaded packs were read from: the packs and the
    /// files their imports bring in (what a usage count leaves out).
    pub fn files_read(&self) -> std::collections::HashSet<PathBuf> {
        self.slots
            .iter()
            .flat_map(|(path, (_, slot))| {
                std::iter::once(path.clone()).chain(slot.imported.files.iter().cloned())
            })
            .collect()
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.slots.keys().cloned().collect()
    }

    /// Every error to show on a pack file.
    pub fn errors_for(&self, path: &Path) -> Vec<PackError> {
        let name = path.to_string_lossy();
        // A pack's errors may lie in the files it imports: each is shown
        // on its own file.
        let mut errors: Vec<PackError> = self
            .slots
            .get(path)
            .map(|(_, s)| {
                s.errors
                    .iter()
                    .filter(|e| *e.path == *name)
                    .cloned()
                    .collect()
            })
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

    /// Over the caps on all packs together: by bytes at load (before
    /// reading), by terms and count when a watched pack changes; each
    /// skipped pack carries the reason and the last good content stays.
    #[test]
    fn packs_over_the_caps_on_all_packs_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let llmops = root.join(".llmops");
        std::fs::create_dir(&llmops).unwrap();
        // Two packs of 13 MiB (mostly a comment): the second would take all
        // packs over 24 MiB, so it is not read.
        let filler = format!("# {}\n", "x".repeat(13 << 20));
        for name in ["a.toml", "b.toml"] {
            let id = name.trim_end_matches(".toml");
            let pack = format!(
                "{filler}[[term]]\nid = \"big-{id}\"\nname = \"Big {id}\"\ndefinition = \"Big.\"\n"
            );
            std::fs::write(llmops.join(name), pack).unwrap();
        }
        let mut set = PackSet::builtin_only();
        let notices = set.load_roots(std::slice::from_ref(&root), true);
        let content = set.rebuild();
        assert!(content.term("big-a").is_some() && content.term("big-b").is_none());
        assert!(
            notices
                .iter()
                .any(|n| n.contains("1 content pack(s) not loaded") && n.contains("b.toml")),
            "{notices:?}"
        );
        let errors = set.errors_for(&llmops.join("b.toml"));
        assert!(errors[0].message.contains("24 MiB"), "{errors:?}");

        // Thirty-two more small packs through updates: the 32nd pack in use
        // is the last one taken.
        let mut set = PackSet::builtin_only();
        for i in 0..33 {
            let path = PathBuf::from(format!("/w/.llmops/p{i:02}.toml"));
            let pack = format!("[[term]]\nid = \"p{i}\"\nname = \"Pee{i}\"\ndefinition = \"P.\"\n");
            set.update(&path, Scope::Workspace, &pack);
        }
        let content = set.rebuild();
        assert!(content.term("p31").is_some() && content.term("p32").is_none());
        assert!(
            set.errors_for(Path::new("/w/.llmops/p32.toml"))[0]
                .message
                .contains("32 packs")
        );
        // Packs already in use that grow past 150,000 terms together: the
        // one that would cross keeps its last good version.
        let many = |tag: &str| -> String {
            (0..80_000)
                .map(|i| {
                    format!(
                        "[[term]]\nid = \"{tag}{i}\"\nname = \"{tag}x{i}\"\ndefinition = \"M.\"\n"
                    )
                })
                .collect()
        };
        set.update(
            Path::new("/w/.llmops/p00.toml"),
            Scope::Workspace,
            &many("m"),
        );
        set.update(
            Path::new("/w/.llmops/p01.toml"),
            Scope::Workspace,
            &many("n"),
        );
        let content = set.rebuild();
        assert!(content.term("m79999").is_some() && content.term("p0").is_none());
        assert!(content.term("n0").is_none() && content.term("p1").is_some());
        assert!(
            set.errors_for(Path::new("/w/.llmops/p01.toml"))[0]
                .message
                .contains("150000 terms")
        );
    }

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

    const GOOD: &str = "[[term]]\nid = \"w\"\nname = \"Wombat\"\ndefinition = \"An animal.\"\n";

    /// A workspace with `.llmops/` and a secret pack-shaped file outside it.
    fn workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let top = tempfile::tempdir().unwrap();
        let ws = top.path().join("ws");
        std::fs::create_dir_all(ws.join(".llmops")).unwrap();
        let secret = top.path().join("secret.toml");
        std::fs::write(&secret, GOOD).unwrap();
        (top, ws, secret)
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_workspace_is_refused_and_one_inside_is_read() {
        let (_top, ws, secret) = workspace();
        let roots = [ws.clone()];
        let out = ws.join(".llmops/out.toml");
        std::os::unix::fs::symlink(&secret, &out).unwrap();
        let e = read_pack_file(&out, Scope::Workspace, &roots).unwrap_err();
        assert!(e.contains("outside the workspace"), "{e}");
        // The same with no roots known: the folder holding `.llmops` bounds it.
        assert!(read_pack_file(&out, Scope::Workspace, &[]).is_err());
        std::fs::write(ws.join("inside.toml"), GOOD).unwrap();
        let inside = ws.join(".llmops/in.toml");
        std::os::unix::fs::symlink(ws.join("inside.toml"), &inside).unwrap();
        assert_eq!(
            read_pack_file(&inside, Scope::Workspace, &roots).unwrap(),
            GOOD
        );
        // Through the pack set: an error on the pack, the last good kept.
        let mut set = PackSet::with_builtin();
        set.load_roots(&roots, true);
        assert!(set.rebuild().term("w").is_some(), "the inside pack loads");
        let errors = set.errors_for(&out);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_proc_files_are_not_read() {
        let (_top, ws, _) = workspace();
        let fifo = ws.join(".llmops/fifo.toml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // In a thread: a reader that blocks on the FIFO fails the test
        // instead of hanging `cargo test`.
        let (tx, rx) = std::sync::mpsc::channel();
        let (path, root) = (fifo.clone(), ws.clone());
        std::thread::spawn(move || {
            let _ = tx.send(read_pack_file(&path, Scope::Workspace, &[root]));
        });
        let e = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO pack blocked")
            .unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        // User packs may point anywhere, but still only at bounded regular files.
        let zero = ws.join(".llmops/zero.toml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_pack_file(&zero, Scope::User, &[]).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        let e = read_pack_file(&zero, Scope::Workspace, std::slice::from_ref(&ws)).unwrap_err();
        assert!(e.contains("outside the workspace"), "{e}");
        if Path::new("/proc/self/pagemap").exists() {
            let pagemap = ws.join(".llmops/pagemap.toml");
            std::os::unix::fs::symlink("/proc/self/pagemap", &pagemap).unwrap();
            assert!(read_pack_file(&pagemap, Scope::Workspace, std::slice::from_ref(&ws)).is_err());
            // Even where it is allowed, it is refused (the read fails or
            // stops at the cap) rather than read until memory runs out.
            assert!(read_pack_file(&pagemap, Scope::User, &[]).is_err());
        }
    }

    #[test]
    fn a_file_over_the_size_cap_is_refused() {
        let (_top, ws, _) = workspace();
        let big = ws.join(".llmops/big.toml");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_PACK_BYTES + 1).unwrap();
        let e = read_pack_file(&big, Scope::Workspace, std::slice::from_ref(&ws)).unwrap_err();
        assert!(e.contains("larger than"), "{e}");
    }
}
