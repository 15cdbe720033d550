//! What a learner has done, kept in `progress.json` across restarts.
//!
//! Several servers (one per editor window) may share the file, so every
//! update takes a lock, re-reads the file, applies the change to what is on
//! disk and writes the result atomically (temp file, fsync, rename). No answer
//! given in another window is lost, and a crash mid-write leaves either the
//! old or the new file, never a truncated one. A file that cannot be parsed
//! or read is moved aside under a new name, never overwritten. When the data
//! directory cannot be written, the server keeps progress in memory and says
//! so once.
//!
//! A change that could not be saved (full disk, read-only folder) is kept as
//! pending and applied again, on top of whatever is then on disk, at the next
//! save; a re-read of the file re-applies it too, so neither the file nor the
//! memory loses it. The server also retries on a timer, so pending changes
//! reach the disk soon after space returns even if no other answer comes.
//! Once a save succeeds again the user hears that nothing was lost. Until
//! then every command result says how many changes are not saved
//! ([`ProgressStore::unsaved`], [`ProgressStore::unsaved_reason`]). A server
//! killed meanwhile loses exactly those changes, which it said were not
//! saved; the file holds only what was acknowledged as saved. Temporary
//! files left by a killed writer are removed at start.
//!
//! The data folder may be shared, so its files are opened as untrusted
//! input ([`crate::safe_file`]): `progress.json` and its lock are never
//! followed through a symbolic link (a link is refused with a notice and
//! left as it is, progress staying in memory), only regular files are
//! opened, without blocking (a FIFO cannot hang a command), and reads stop
//! at [`MAX_PROGRESS_BYTES`]. Temporary files get fresh, unpredictable names,
//! created exclusively, so a link planted under a temporary name is never
//! written through. Waiting for another writer's lock is bounded by
//! [`LOCK_WAIT`]: past it the save fails like a full disk (the change stays
//! pending, the command says `notSaved`) instead of every command waiting.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::learning::{self, Memory};
use crate::safe_file::{self, Refusal};

pub const FILE_NAME: &str = "progress.json";

/// The largest progress file read (a learner's record of every built-in
/// exercise is a few tens of KiB); a bigger one is set aside as unusable.
pub const MAX_PROGRESS_BYTES: u64 = 16 * 1024 * 1024;

/// How long a save waits for another writer's lock before it gives up and
/// keeps its change pending (a save holds the lock for milliseconds).
pub const LOCK_WAIT: Duration = Duration::from_millis(1500);

/// How long a background retry waits for the lock: short, because it holds
/// the store (and so every command) meanwhile.
pub const RETRY_LOCK_WAIT: Duration = Duration::from_millis(100);

/// The learner's record, as stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressData {
    #[serde(default = "format_version")]
    pub version: u32,
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseRecord>,
    /// Terms the learner said they know, or has mastered: no diagnostics.
    #[serde(default)]
    pub known_terms: BTreeSet<String>,
    /// Leitner boxes per term id, as written by format version 1. Read so
    /// that they can be converted to [`ProgressData::memory`]; never written.
    #[serde(default, skip_serializing)]
    pub reviews: BTreeMap<String, Review>,
    /// FSRS memory state per term id (format version 2).
    #[serde(default)]
    pub memory: BTreeMap<String, Memory>,
}

/// Version 2: FSRS `memory` replaced the Leitner `reviews` of version 1.
pub const FORMAT_VERSION: u32 = 2;

fn format_version() -> u32 {
    1
}

impl ProgressData {
    /// Brings data of an older format up to date without losing what the
    /// learner did: a Leitner box `b` becomes the FSRS state that `b` right
    /// answers on their due dates build, due when the box was due. A term
    /// in box 0 (its last answer was wrong) becomes a lapsed term. Terms
    /// that already have a memory state keep it.
    pub fn migrate(&mut self) {
        for (term, review) in std::mem::take(&mut self.reviews) {
            if self.memory.contains_key(&term) {
                continue;
            }
            let memory = if review.r#box == 0 {
                learning::review(None, learning::Grade::Again, review.due_at)
            } else {
                let mut m = learning::memory_after_right_answers(review.r#box);
                let interval = m.due_at.saturating_sub(m.last_review);
                m.due_at = review.due_at;
                m.last_review = review.due_at.saturating_sub(interval);
                m
            };
            self.memory.insert(term, memory);
        }
        self.version = FORMAT_VERSION;
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseRecord {
    #[serde(default)]
    pub completed: bool,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub wrong: u32,
    /// Unix seconds of the first right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<u64>,
    /// Unix seconds when the exercise was last opened: a review of its term
    /// opens the exercise seen least recently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<u64>,
    /// A wrong answer (or a reveal) was given since the exercise was last
    /// opened: the lapse is counted, and a right answer now rates Hard.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrying: bool,
    /// Unix seconds when the learner asked to see the answer. Until the term
    /// is due again, a right answer neither completes the exercise nor
    /// counts as a review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed_at: Option<u64>,
}

/// A Leitner box of format version 1: right answers moved a term up a box
/// and pushed its next review further out; a wrong one dropped it back to
/// box 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub r#box: u32,
    /// Unix seconds when the term is due for review again.
    pub due_at: u64,
}

/// Where progress lives (see [`crate::dirs::data_dir`]).
pub use crate::dirs::data_dir as default_data_dir;

/// Something the user should hear about (shown once by the editor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice(pub String);

/// One change to the progress, kept until it is on disk.
type Change = Box<dyn Fn(&mut ProgressData) + Send>;

pub struct ProgressStore {
    /// `None`: memory only (no data directory, or it cannot be used).
    path: Option<PathBuf>,
    data: ProgressData,
    /// Size and mtime of the file when last read, to notice other writers.
    seen: Option<(u64, std::time::SystemTime)>,
    write_failure_reported: bool,
    /// Changes applied in memory but not yet saved, oldest first.
    pending: Vec<Change>,
    /// Why the last save failed, while changes are pending.
    last_error: Option<String>,
}

impl std::fmt::Debug for ProgressStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressStore")
            .field("path", &self.path)
            .field("data", &self.data)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl ProgressStore {
    /// A store that never touches the disk.
    pub fn in_memory() -> ProgressStore {
        ProgressStore {
            path: None,
            data: ProgressData::default(),
            seen: None,
            write_failure_reported: false,
            pending: Vec::new(),
            last_error: None,
        }
    }

    /// Opens `dir/progress.json`, setting aside a corrupt or unreadable file.
    pub fn open(dir: Option<&Path>) -> (ProgressStore, Vec<Notice>) {
        let mut store = ProgressStore::in_memory();
        let mut notices = Vec::new();
        let Some(dir) = dir else {
            notices.push(Notice(
                "llmops: no data directory (set LLMOPS_LSP_DATA_DIR); progress is kept in memory only"
                    .into(),
            ));
            return (store, notices);
        };
        let path = dir.join(FILE_NAME);
        safe_file::remove_stale_temporaries(dir, &[FILE_NAME]);
        match read_file(&path) {
            Ok(data) => {
                store.data = data.unwrap_or_default();
                store.path = Some(path);
                store.seen = stamp(store.path.as_deref());
            }
            Err(Unusable::Refused(problem)) => notices.push(Notice(format!(
                "llmops: {problem}; progress is kept in memory only and the file is left untouched"
            ))),
            Err(Unusable::Broken(problem)) => match set_aside(&path) {
                Ok(aside) => {
                    notices.push(Notice(format!(
                        "llmops: {problem}; it was moved to {} and progress starts empty",
                        aside.display()
                    )));
                    store.path = Some(path);
                }
                Err(e) => notices.push(Notice(format!(
                    "llmops: {problem}, and it could not be moved aside ({e}); progress is kept in memory only and the file is left untouched"
                ))),
            },
        }
        (store, notices)
    }

    pub fn data(&self) -> &ProgressData {
        &self.data
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Re-reads the file if another process changed it since we last looked.
    pub fn refresh(&mut self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let now = stamp(Some(&path));
        if now == self.seen || now.is_none() {
            return;
        }
        if let Ok(Some(mut data)) = read_file(&path) {
            // Changes not saved yet stay in effect on top of the new data.
            for change in &self.pending {
                change(&mut data);
            }
            self.data = data;
            self.seen = now;
        }
    }

    /// How many changes are in memory only, waiting for a save to succeed.
    pub fn unsaved(&self) -> usize {
        self.pending.len()
    }

    /// Why the last save failed, while [`Self::unsaved`] is not zero.
    pub fn unsaved_reason(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Tries again to save pending changes (after a failed save). Returns a
    /// notice when that succeeds.
    pub fn retry(&mut self) -> Option<Notice> {
        self.retry_within(LOCK_WAIT)
    }

    /// [`Self::retry`], waiting at most `wait` for another writer's lock.
    pub fn retry_within(&mut self, wait: Duration) -> Option<Notice> {
        if self.pending.is_empty() {
            return None;
        }
        let path = self.path.clone()?;
        self.save_pending(&path, wait)
    }

    /// Applies `change` to the stored progress (merged with whatever other
    /// servers wrote) and saves it. The change always takes effect in memory;
    /// a notice is returned the first time saving fails.
    pub fn update(
        &mut self,
        change: impl Fn(&mut ProgressData) + Send + 'static,
    ) -> Option<Notice> {
        change(&mut self.data);
        let path = self.path.clone()?;
        self.pending.push(Box::new(change));
        self.save_pending(&path, LOCK_WAIT)
    }

    /// Saves every pending change, merged with the file; keeps them pending
    /// when that fails. Returns a notice on the first failure and on the
    /// first success after failures.
    fn save_pending(&mut self, path: &Path, wait: Duration) -> Option<Notice> {
        match self.save_merged(path, wait) {
            Ok(()) => {
                self.last_error = None;
                let saved = std::mem::take(&mut self.pending).len();
                if std::mem::take(&mut self.write_failure_reported) {
                    return Some(Notice(format!(
                        "llmops: progress is saved to {} again; the {saved} change(s) kept in memory meanwhile are in it",
                        path.display()
                    )));
                }
                None
            }
            Err(e) => {
                self.last_error = Some(e.to_string());
                if self.write_failure_reported {
                    return None;
                }
                self.write_failure_reported = true;
                Some(Notice(format!(
                    "llmops: cannot save progress to {} ({e}). Your answers are kept in memory and saved as soon as the disk accepts them (retried every few seconds); if the editor closes before that, the answers given since this message are not saved",
                    path.display()
                )))
            }
        }
    }

    fn save_merged(&mut self, path: &Path, wait: Duration) -> io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let lock_path = dir.join(format!("{FILE_NAME}.lock"));
        let lock = safe_file::open_regular(
            &lock_path,
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true),
        )
        .map_err(|e| match safe_file::refusal(&e) {
            Some(why) => io::Error::other(format!(
                "the lock file {} is refused: {why}",
                lock_path.display()
            )),
            None => e,
        })?;
        lock_within(&lock, &lock_path, wait)?;
        let mut merged = match read_file(path) {
            Ok(Some(disk)) => {
                let mut disk = disk;
                for change in &self.pending {
                    change(&mut disk);
                }
                disk
            }
            Ok(None) => self.data.clone(),
            Err(Unusable::Refused(problem)) => return Err(io::Error::other(problem)),
            Err(Unusable::Broken(_)) => {
                // Another writer left something unreadable: keep it aside.
                set_aside(path)?;
                self.data.clone()
            }
        };
        merged.version = FORMAT_VERSION;
        write_atomically(path, &merged)?;
        self.seen = stamp(Some(path));
        self.data = merged;
        drop(lock);
        Ok(())
    }
}

/// Takes `lock` (exclusively), waiting at most `wait` for another holder.
/// Shared with the other read-modify-write files of the user's folders
/// (`pack-sources.json`).
pub fn lock_within(lock: &File, path: &Path, wait: Duration) -> io::Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::Error(e)) => return Err(e),
            Err(fs::TryLockError::WouldBlock) => {}
        }
        let waited = started.elapsed();
        if waited >= wait {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                format!(
                    "another process has held the lock {} for more than {} ms",
                    path.display(),
                    wait.as_millis()
                ),
            ));
        }
        std::thread::sleep(pause.min(wait - waited));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Size and mtime of the file itself (a link is not followed).
fn stamp(path: Option<&Path>) -> Option<(u64, std::time::SystemTime)> {
    let meta = fs::symlink_metadata(path?).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Why a progress file cannot be used.
enum Unusable {
    /// A link, FIFO, device or folder: refused and left as it is.
    Refused(String),
    /// Unreadable, too large or not valid: moved aside.
    Broken(String),
}

/// `Ok(None)` when the file does not exist; `Err` describes why it is unusable.
fn read_file(path: &Path) -> Result<Option<ProgressData>, Unusable> {
    let bytes = match safe_file::read(path, MAX_PROGRESS_BYTES) {
        Ok(bytes) => bytes,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            let message = format!("the progress file {} cannot be read ({e})", path.display());
            return Err(match safe_file::refusal(&e) {
                Some(Refusal::Link | Refusal::NotRegular) => Unusable::Refused(message),
                _ => Unusable::Broken(message),
            });
        }
    };
    serde_json::from_slice::<ProgressData>(&bytes)
        .map(|mut data| {
            data.migrate();
            Some(data)
        })
        .map_err(|e| {
            Unusable::Broken(format!(
                "the progress file {} is corrupt ({e})",
                path.display()
            ))
        })
}

/// Renames a bad file to `progress.json.corrupt-<unix millis>`.
fn set_aside(path: &Path) -> io::Result<PathBuf> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".corrupt-{millis}"));
    let mut aside = PathBuf::from(aside);
    let mut n = 1;
    while aside.exists() {
        let mut next = path.as_os_str().to_owned();
        next.push(format!(".corrupt-{millis}-{n}"));
        aside = PathBuf::from(next);
        n += 1;
    }
    fs::rename(path, &aside)?;
    Ok(aside)
}

fn write_atomically(path: &Path, data: &ProgressData) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let (file, tmp) = safe_file::create_temporary(dir, FILE_NAME, 0o666)?;
    let tmp = tmp.as_path();
    let result = (move || {
        let mut file = file;
        let json = serde_json::to_vec_pretty(data).map_err(io::Error::other)?;
        file.write_all(&json)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        drop(file);
        fs::rename(tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(id: &'static str) -> impl Fn(&mut ProgressData) {
        move |d| d.exercises.entry(id.into()).or_default().completed = true
    }

    #[test]
    fn progress_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty());
        assert_eq!(store.update(complete("ttft-1")), None);
        let (again, _) = ProgressStore::open(Some(dir.path()));
        assert!(again.data().exercises["ttft-1"].completed);
    }

    #[test]
    fn two_stores_merge_instead_of_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _) = ProgressStore::open(Some(dir.path()));
        let (mut b, _) = ProgressStore::open(Some(dir.path()));
        a.update(complete("one"));
        b.update(complete("two"));
        let (c, _) = ProgressStore::open(Some(dir.path()));
        assert!(c.data().exercises.contains_key("one") && c.data().exercises.contains_key("two"));
    }

    #[test]
    fn a_corrupt_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), b"{ not json").unwrap();
        let (mut store, notices) = ProgressStore::open(Some(dir.path()));
        assert_eq!(notices.len(), 1);
        assert!(notices[0].0.contains("corrupt"), "{notices:?}");
        store.update(complete("x"));
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(fs::read(aside[0].path()).unwrap(), b"{ not json");
    }

    fn completed(dir: &Path) -> Vec<String> {
        let (store, _) = ProgressStore::open(Some(dir));
        store.data().exercises.keys().cloned().collect()
    }

    /// A save fails while the disk is "full" (here: the lock file's name is
    /// taken by a folder, which fails even for root); every change
    /// made meanwhile, and one another writer saved, survive the next save.
    #[test]
    fn changes_that_could_not_be_saved_are_merged_into_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = ProgressStore::open(Some(dir.path()));
        assert_eq!(store.update(complete("a")), None);
        let blocker = dir.path().join(format!("{FILE_NAME}.lock"));
        fs::remove_file(&blocker).unwrap();
        fs::create_dir(&blocker).unwrap();
        let notice = store
            .update(complete("b"))
            .expect("the failure is reported");
        assert!(notice.0.contains("kept in memory"), "{notice:?}");
        assert_eq!(store.update(complete("c")), None, "reported once");
        assert_eq!(store.unsaved(), 2);
        assert!(store.unsaved_reason().is_some());
        // Another window saves meanwhile; re-reading keeps our unsaved changes.
        let (mut other, _) = ProgressStore::open(Some(dir.path()));
        fs::remove_dir(&blocker).unwrap();
        other.update(complete("d"));
        fs::remove_file(&blocker).unwrap();
        fs::create_dir(&blocker).unwrap();
        store.refresh();
        for id in ["a", "b", "c", "d"] {
            assert!(store.data().exercises.contains_key(id), "{id} in memory");
        }
        assert_eq!(completed(dir.path()), ["a", "d"]);
        // Space again: the next save writes everything and says so.
        fs::remove_dir(&blocker).unwrap();
        let notice = store.update(complete("e")).expect("recovery is reported");
        assert!(notice.0.contains("3 change(s)"), "{notice:?}");
        assert_eq!(store.unsaved(), 0);
        assert_eq!(store.unsaved_reason(), None);
        assert_eq!(completed(dir.path()), ["a", "b", "c", "d", "e"]);
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo {}", path.display());
    }

    /// A `progress.json` that is a link (to a file of someone else's, or to
    /// `/dev/zero`) is neither read through nor replaced: a notice, memory
    /// only, and the link and its target as they were after a save.
    #[cfg(unix)]
    #[test]
    fn a_linked_progress_file_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.json");
        fs::write(&victim, b"{\"knownTerms\": [\"planted\"]}").unwrap();
        for target in [victim.as_path(), Path::new("/dev/zero")] {
            let link = dir.path().join(FILE_NAME);
            let _ = fs::remove_file(&link);
            std::os::unix::fs::symlink(target, &link).unwrap();
            let (mut store, notices) = ProgressStore::open(Some(dir.path()));
            assert_eq!(notices.len(), 1, "{notices:?}");
            assert!(notices[0].0.contains("symbolic link"), "{notices:?}");
            assert!(store.data().known_terms.is_empty(), "not read through");
            assert_eq!(store.update(complete("x")), None, "memory only");
            assert!(store.data().exercises.contains_key("x"));
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
        assert_eq!(
            fs::read(&victim).unwrap(),
            b"{\"knownTerms\": [\"planted\"]}"
        );
    }

    /// A FIFO as `progress.json` or as its lock never blocks: the store
    /// opens (memory only for the first), and a save fails at once with
    /// the change kept pending.
    #[cfg(unix)]
    #[test]
    fn fifos_in_the_data_folder_never_block() {
        let dir = tempfile::tempdir().unwrap();
        mkfifo(&dir.path().join(FILE_NAME));
        let (store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices[0].0.contains("not a regular file"), "{notices:?}");
        assert_eq!(store.path(), None);
        let dir = tempfile::tempdir().unwrap();
        mkfifo(&dir.path().join(format!("{FILE_NAME}.lock")));
        let (mut store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty(), "{notices:?}");
        let started = Instant::now();
        assert!(store.update(complete("x")).is_some(), "the failure is told");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(store.unsaved(), 1);
        assert!(
            store
                .unsaved_reason()
                .unwrap()
                .contains("not a regular file"),
            "{:?}",
            store.unsaved_reason()
        );
    }

    /// A link planted under the temporary name the old scheme used
    /// (`.progress.json.<pid>.tmp`) is never written through.
    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_a_temporary_name_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"keep").unwrap();
        let planted = dir
            .path()
            .join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let (mut store, _) = ProgressStore::open(Some(dir.path()));
        assert_eq!(store.update(complete("x")), None);
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert_eq!(completed(dir.path()), ["x"]);
    }

    /// Another writer holding the lock for long: the save gives up after
    /// [`LOCK_WAIT`], keeps the change pending, and the next save after
    /// the lock is released writes it.
    #[test]
    fn a_lock_held_elsewhere_delays_a_save_by_a_bounded_time() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = ProgressStore::open(Some(dir.path()));
        assert_eq!(store.update(complete("a")), None);
        let holder = File::options()
            .write(true)
            .open(dir.path().join(format!("{FILE_NAME}.lock")))
            .unwrap();
        holder.lock().unwrap();
        let started = Instant::now();
        let notice = store.update(complete("b")).expect("the failure is told");
        let waited = started.elapsed();
        assert!(waited >= LOCK_WAIT, "{waited:?}");
        assert!(waited < LOCK_WAIT + Duration::from_secs(3), "{waited:?}");
        assert!(notice.0.contains("held the lock"), "{notice:?}");
        assert_eq!(store.unsaved(), 1);
        let started = Instant::now();
        assert_eq!(store.retry_within(RETRY_LOCK_WAIT), None);
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(holder);
        assert!(store.retry().is_some(), "recovery is told");
        assert_eq!(completed(dir.path()), ["a", "b"]);
    }

    #[test]
    fn stale_temporary_files_are_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!(".{FILE_NAME}.4294967.tmp"));
        let unrelated = dir.path().join("notes.tmp");
        fs::write(&dead, b"{").unwrap();
        fs::write(&unrelated, b"x").unwrap();
        let (_store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty());
        assert!(!dead.exists() && unrelated.exists());
    }

    #[test]
    fn a_file_of_the_leitner_release_migrates_without_loss() {
        use crate::learning::{DAY, TermState, term_state};
        // Written by the release before FSRS (format version 1), by
        // answering exercises with the clock set to 1_700_000_000 and later.
        let v1 = include_str!("../tests/fixtures/progress-v1.json");
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), v1).unwrap();
        let (mut store, notices) = ProgressStore::open(Some(dir.path()));
        assert!(notices.is_empty(), "{notices:?}");
        let data = store.data().clone();
        assert_eq!(data.version, FORMAT_VERSION);
        assert!(data.reviews.is_empty());
        // Exercises and known terms are kept as they were.
        let old: serde_json::Value = serde_json::from_str(v1).unwrap();
        for (id, record) in old["exercises"].as_object().unwrap() {
            let now = &data.exercises[id];
            assert_eq!(now.completed, record["completed"], "{id}");
            assert_eq!(u64::from(now.attempts), record["attempts"], "{id}");
            assert_eq!(u64::from(now.wrong), record["wrong"], "{id}");
            assert_eq!(now.completed_at, record["completedAt"].as_u64(), "{id}");
        }
        assert!(data.known_terms.contains("kv-cache"));
        // Every box became a memory state due when the box was due.
        for (term, review) in old["reviews"].as_object().unwrap() {
            let memory = &data.memory[term];
            if review["box"] == 0 {
                assert_eq!(memory.lapses, 1, "{term}");
            } else {
                assert_eq!(memory.due_at, review["dueAt"], "{term}");
            }
        }
        // What the learner saw stays: ttft (box 3 = mastery 3) is known
        // until its review, model-alias (box 2) is being learned.
        let t = 1_700_000_000 + 5 * DAY;
        assert_eq!(term_state(&data, "ttft", 3, t), TermState::Known);
        assert_eq!(term_state(&data, "model-alias", 3, t), TermState::Learning);
        assert_eq!(term_state(&data, "ttft", 3, 1_700_950_400), TermState::Due);
        // Saving writes version 2 with the memory states, and reads back equal.
        store.update(|d| {
            d.known_terms.insert("x".into());
        });
        let written = fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(written.contains("\"version\": 2") && written.contains("\"memory\""));
        assert!(!written.contains("\"reviews\""));
        let (again, _) = ProgressStore::open(Some(dir.path()));
        assert_eq!(again.data().memory, data.memory);
        assert_eq!(again.data().exercises, data.exercises);
    }
}
