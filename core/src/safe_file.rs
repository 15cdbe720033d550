//! Opening files in folders someone else may write to: the data folder
//! (`LLMOPS_LSP_DATA_DIR` may be shared) and paths named on the command
//! line. Nothing here follows a symbolic link at the last component, reads
//! anything but a regular file, blocks on open (a FIFO cannot hang the
//! server), reads past a cap (a link to `/dev/zero` or `/proc/self/pagemap`
//! costs at most the cap), or writes through a name someone planted
//! (temporary files are created new, under a name no one can predict).
//!
//! On Unix the checks are made on the opened descriptor (`O_NOFOLLOW`,
//! `O_NONBLOCK`, then `fstat`), so nothing can swap the file between the
//! check and the read. Elsewhere they are made on the path just before
//! opening, which is the best the standard library offers.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file was refused without being read. Carried inside an
/// [`io::Error`]; tell it apart with [`refusal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A symbolic link: not followed.
    Link,
    /// A FIFO, socket, device or folder.
    NotRegular,
    /// Holds more than the cap (counted while reading).
    TooLarge(u64),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Link => f.write_str("it is a symbolic link, which is not followed here"),
            Refusal::NotRegular => {
                f.write_str("it is not a regular file (a FIFO, socket, device or folder)")
            }
            Refusal::TooLarge(cap) => write!(f, "it is larger than {cap} bytes"),
        }
    }
}

impl std::error::Error for Refusal {}

impl From<Refusal> for io::Error {
    fn from(refusal: Refusal) -> io::Error {
        let kind = match refusal {
            Refusal::TooLarge(_) => io::ErrorKind::InvalidData,
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, refusal)
    }
}

/// The refusal an error carries, if it is one.
pub fn refusal(error: &io::Error) -> Option<Refusal> {
    error
        .get_ref()
        .and_then(|e| e.downcast_ref::<Refusal>())
        .copied()
}

/// Opens `path` with `options` (which say read, write, create…) without
/// following a link at its last component, without blocking, and only if
/// it is a regular file.
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = open_no_follow(path, options)?;
    if !file.metadata()?.is_file() {
        return Err(Refusal::NotRegular.into());
    }
    Ok(file)
}

#[cfg(unix)]
fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            // O_NOFOLLOW on a link fails with ELOOP (EMLINK on some BSDs).
            if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK))
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
            {
                Refusal::Link.into()
            } else {
                e
            }
        })
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(Refusal::Link.into()),
        Ok(meta) if !meta.is_file() => return Err(Refusal::NotRegular.into()),
        _ => {}
    }
    options.open(path)
}

/// Opens `path` for reading (see [`open_regular`]).
pub fn open_read(path: &Path) -> io::Result<File> {
    open_regular(path, OpenOptions::new().read(true))
}

/// Opens `path` for reading, following links (a path a person named on the
/// command line may be a link to their own file), but without blocking and
/// only if what it names is a regular file.
pub fn open_read_following_links(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    #[cfg(not(unix))]
    if !std::fs::metadata(path)?.is_file() {
        return Err(Refusal::NotRegular.into());
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Refusal::NotRegular.into());
    }
    Ok(file)
}

/// Reads at most `cap` bytes from `file`; more is a [`Refusal::TooLarge`].
/// The cap is counted while reading, so a file that grows, or lies about its
/// size (`/proc`), costs no more than the cap.
pub fn read_capped(file: &mut File, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(Refusal::TooLarge(cap).into());
    }
    Ok(bytes)
}

/// [`open_read`] then [`read_capped`].
pub fn read(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_capped(&mut open_read(path)?, cap)
}

/// Creates a new temporary file in `dir`, named `.{stem}.{pid}.{n}.tmp`
/// with `n` unpredictable, exclusively (`O_CREAT | O_EXCL`, which never
/// follows a link): a name someone planted in advance (a symlink to a file
/// of theirs) is skipped, never written through. `mode` is the file's Unix
/// permissions (before the umask), set at creation, so no `chmod` follows.
pub fn create_temporary(dir: &Path, stem: &str, mode: u32) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..16 {
        let n = unpredictable(COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(format!(".{stem}.{pid}.{n:016x}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        set_mode(&mut options, mode);
        match open_no_follow(&path, &mut options) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists || refusal(&e).is_some() => {
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

#[cfg(unix)]
fn set_mode(options: &mut OpenOptions, mode: u32) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(mode);
}

#[cfg(not(unix))]
fn set_mode(_options: &mut OpenOptions, _mode: u32) {}

/// A number no one outside this process can guess in advance: a counter
/// mixed with the clock and the address of a stack value, through the
/// standard library's randomly keyed hasher.
fn unpredictable(counter: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(counter);
    hasher.write_u128(nanos);
    hasher.write_usize(&counter as *const u64 as usize);
    hasher.finish()
}

/// The process id a temporary name made by [`create_temporary`] (or the
/// older `.{stem}.{pid}.tmp`) carries.
pub fn temporary_pid(name: &str, stem: &str) -> Option<u32> {
    name.strip_prefix('.')?
        .strip_prefix(stem)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Removes `.{stem}.<pid>.<n>.tmp` files (for each of `stems`) that no
/// writer is using: their process is gone, or they are older than a minute
/// (a write takes milliseconds). They are what a writer killed mid-write
/// leaves behind. Removing a link removes the link, never its target.
/// Cost: one read of the folder.
pub fn remove_stale_temporaries(dir: &Path, stems: &[&str]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| stems.iter().find_map(|stem| temporary_pid(n, stem)))
        else {
            continue;
        };
        let old = std::fs::symlink_metadata(entry.path())
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(60));
        // This process's own file may belong to another writer in this
        // process right now (servers side by side in one test process share
        // a pid); it is left to age.
        if old || (pid != std::process::id() && !process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs (always "yes" where that cannot be
/// told, so only age removes those files).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"secret").unwrap();
        let link = dir.path().join("link");
        symlink(&target, &link).unwrap();
        let err = read(&link, 100).unwrap_err();
        assert_eq!(refusal(&err), Some(Refusal::Link), "{err}");
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = read(&fifo, 100).unwrap_err();
        assert_eq!(refusal(&err), Some(Refusal::NotRegular), "{err}");
        let err = read(Path::new("/dev/zero"), 100).unwrap_err();
        assert_eq!(refusal(&err), Some(Refusal::NotRegular), "{err}");
        assert_eq!(read(&target, 100).unwrap(), b"secret");
    }

    #[test]
    fn reads_stop_at_the_cap_even_when_the_size_lies() {
        // /proc files say they hold 0 bytes.
        let mut file = File::open("/proc/self/maps").unwrap();
        let err = read_capped(&mut file, 10).unwrap_err();
        assert_eq!(refusal(&err), Some(Refusal::TooLarge(10)), "{err}");
    }

    #[test]
    fn temporaries_never_write_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        // Plant links at every name of the old, predictable scheme.
        let pid = std::process::id();
        symlink(&victim, dir.path().join(format!(".x.{pid}.tmp"))).unwrap();
        let (mut file, path) = create_temporary(dir.path(), "x", 0o600).unwrap();
        std::io::Write::write_all(&mut file, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(
            temporary_pid(&path.file_name().unwrap().to_string_lossy(), "x"),
            Some(pid)
        );
        assert_eq!(temporary_pid(&format!(".x.{pid}.tmp"), "x"), Some(pid));
        let (_, other) = create_temporary(dir.path(), "x", 0o600).unwrap();
        assert_ne!(path, other);
    }
}
