//! The built-in pack files written out, read-only, under the data folder,
//! so editors can open them (go to definition, links in hovers and
//! symbols).
//!
//! Off the start's path: checking thirty files against the embedded ones
//! took 0.7 ms of every `initialize`, and writing them into a new data
//! folder 40 ms of the first. [`BuiltinCopy::start`] does it on a thread of
//! its own; whoever needs the folder first ([`BuiltinCopy::dir`]: a
//! definition into the built-in pack, or `initialized`, which shows the
//! notice of a copy that failed) waits for that thread. Only a definition
//! asked within those first milliseconds of a first start ever waits.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use llmops_core::content::BUILTIN_FILES;
use llmops_core::safe_file;

/// The copy's folder, or the notice saying why there is none.
type Outcome = Result<PathBuf, String>;

/// The copy being written, then its outcome.
pub struct BuiltinCopy {
    writing: Mutex<Option<JoinHandle<Outcome>>>,
    /// `None` inside: no data folder, so no copy and nothing to say.
    written: OnceLock<Option<Outcome>>,
}

impl BuiltinCopy {
    /// No copy (no data folder, or before `initialize`).
    pub fn none() -> BuiltinCopy {
        BuiltinCopy {
            writing: Mutex::new(None),
            written: OnceLock::from(None),
        }
    }

    /// Starts writing the copy under `data_dir` on a thread of its own
    /// (inline if no thread can be started).
    pub fn start(data_dir: Option<&Path>) -> BuiltinCopy {
        let Some(data_dir) = data_dir.map(Path::to_path_buf) else {
            return BuiltinCopy::none();
        };
        let copy = BuiltinCopy {
            writing: Mutex::new(None),
            written: OnceLock::new(),
        };
        let spawned = std::thread::Builder::new()
            .name("builtin-copy".into())
            .spawn({
                let data_dir = data_dir.clone();
                move || write_builtin_files(&data_dir)
            });
        match spawned {
            Ok(handle) => {
                if let Ok(mut writing) = copy.writing.lock() {
                    *writing = Some(handle);
                }
            }
            Err(_) => {
                let _ = copy.written.set(Some(write_builtin_files(&data_dir)));
            }
        }
        copy
    }

    /// The outcome, waiting for the writer if it is still at work.
    fn outcome(&self) -> Option<&Outcome> {
        self.written
            .get_or_init(|| {
                let handle = self.writing.lock().ok().and_then(|mut w| w.take());
                Some(match handle.map(JoinHandle::join) {
                    Some(Ok(outcome)) => outcome,
                    // The writer panicked (or its handle was lost to a
                    // poisoned lock): no copy, and say so.
                    _ => Err("llmops: the built-in pack could not be written; go to definition does not reach built-in terms".into()),
                })
            })
            .as_ref()
    }

    /// The folder holding the copy, once written; `None` if it could not be.
    pub fn dir(&self) -> Option<&Path> {
        self.outcome()?.as_ref().ok().map(PathBuf::as_path)
    }

    /// Why there is no copy, if writing it failed.
    pub fn notice(&self) -> Option<&str> {
        self.outcome()?.as_ref().err().map(String::as_str)
    }
}

/// The most a built-in file is read to check it is up to date (they are
/// tens of KiB); anything bigger is not ours and is replaced.
const MAX_BUILTIN_BYTES: u64 = 4 * 1024 * 1024;

/// Writes the built-in pack files, read-only, under `data_dir` so editors
/// can open them (go to definition, links in hovers); returns their folder,
/// or a notice when it cannot be used. Files already up to date are left
/// alone. Runs on the copy's own thread, outside any lock.
///
/// The data folder may be shared, so nothing in it is trusted
/// ([`llmops_core::safe_file`]): a `builtin-content` that is a link is
/// refused (built-in terms then have no definition to go to); a file in it
/// is compared without following a link, without blocking on a FIFO and
/// reading at most [`MAX_BUILTIN_BYTES`]; a new copy is written to a fresh
/// temporary created exclusively with its read-only mode, then renamed over
/// the old entry, which replaces a planted link or FIFO itself and never
/// touches (or `chmod`s) what a link points to.
fn write_builtin_files(data_dir: &Path) -> Result<PathBuf, String> {
    crate::state::assert_no_state_lock("writing the built-in files");
    let dir = data_dir.join("builtin-content");
    let failed = |e: std::io::Error| {
        format!(
            "llmops: the built-in pack cannot be written to {} ({e}); go to definition does not reach built-in terms",
            dir.display()
        )
    };
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
            return Err(failed(std::io::Error::other(
                "it is a symbolic link or not a folder; it is left untouched",
            )));
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(&dir).map_err(failed)?,
    }
    // What a server killed while writing these left behind.
    let names: Vec<&str> = BUILTIN_FILES
        .iter()
        .filter_map(|file| file.path.rsplit('/').next())
        .collect();
    safe_file::remove_stale_temporaries(&dir, &names);
    for file in BUILTIN_FILES {
        let Some(name) = file.path.rsplit('/').next() else {
            continue;
        };
        let path = dir.join(name);
        let current = safe_file::read(&path, MAX_BUILTIN_BYTES);
        if current.as_deref().ok() == Some(file.source.as_bytes()) {
            continue;
        }
        replace_read_only(&dir, name, &path, file.source).map_err(failed)?;
    }
    Ok(dir)
}

/// Writes `text` to a new read-only temporary in `dir` and renames it over
/// `path` (whatever entry is there: an older copy, a link, a FIFO).
fn replace_read_only(dir: &Path, name: &str, path: &Path, text: &str) -> std::io::Result<()> {
    // Read-only from creation (regenerated, so edits would be lost).
    let (mut tmp_file, tmp) = safe_file::create_temporary(dir, name, 0o444)?;
    let written = (|| {
        tmp_file.write_all(text.as_bytes())?;
        tmp_file.sync_all()?;
        #[cfg(not(unix))]
        {
            // No mode at creation elsewhere: set it on the file we opened,
            // and let the rename replace a read-only copy.
            let mut perms = tmp_file.metadata()?.permissions();
            perms.set_readonly(true);
            tmp_file.set_permissions(perms)?;
            if let Ok(meta) = std::fs::symlink_metadata(path)
                && meta.is_file()
            {
                let _ = std::fs::remove_file(path);
            }
        }
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A temporary a killed server left (its process is gone) is removed
    /// when the built-in files are written; one of a live writer stays.
    #[test]
    fn stale_temporaries_of_the_builtin_files_are_removed_at_start() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("builtin-content");
        std::fs::create_dir(&dir).unwrap();
        let name = BUILTIN_FILES[0].path.rsplit('/').next().unwrap();
        // Above Linux's largest pid (2^22), so no process has it.
        let dead = dir.join(format!(".{name}.4194999.7.tmp"));
        let live = dir.join(format!(".{name}.1.7.tmp"));
        std::fs::write(&dead, "half written").unwrap();
        std::fs::write(&live, "being written").unwrap();
        write_builtin_files(data.path()).unwrap();
        assert!(!dead.exists(), "the stale temporary is still there");
        assert!(live.exists(), "a live writer's temporary was removed");
        assert!(dir.join(name).is_file());
    }

    /// Started on a fresh data folder, the copy is the embedded files,
    /// read-only, and there is nothing to say; `none` has neither folder
    /// nor notice.
    #[test]
    fn the_copy_started_is_the_embedded_files_once_asked_for() {
        let data = tempfile::tempdir().unwrap();
        let copy = BuiltinCopy::start(Some(data.path()));
        let dir = copy.dir().expect("the copy is written").to_path_buf();
        assert_eq!(dir, data.path().join("builtin-content"));
        assert_eq!(copy.notice(), None);
        for file in BUILTIN_FILES {
            let name = file.path.rsplit('/').next().unwrap();
            let path = dir.join(name);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), file.source);
            assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
        }
        let none = BuiltinCopy::none();
        assert_eq!((none.dir(), none.notice()), (None, None));
        assert_eq!(BuiltinCopy::start(None).dir(), None);
    }

    /// A `builtin-content` that is a link: no folder, a notice naming it,
    /// and the link's target untouched.
    #[test]
    fn a_linked_copy_folder_gives_a_notice_and_no_folder() {
        let data = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), data.path().join("builtin-content")).unwrap();
        let copy = BuiltinCopy::start(Some(data.path()));
        assert_eq!(copy.dir(), None);
        let notice = copy.notice().expect("a notice");
        assert!(notice.contains("symbolic link"), "{notice}");
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}
