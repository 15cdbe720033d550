//! Paths named on the command line get the checks the walk gives the files
//! it finds: `scan`, `report` and `check` of a FIFO, a device or a link to
//! a file that never ends (`/proc/self/pagemap`, whose size says 0) finish
//! quickly, with bounded memory, and say what they refused. (The real
//! binary: exit codes, and the peak memory of the process.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// What one run cost and said.
struct Run {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: i64,
}

/// Runs the binary with `args` under a 4 GiB address-space limit (so the
/// unbounded read this guards against fails instead of eating the
/// machine), killing it after `limit`; measures its peak resident memory.
// The child is reaped by `wait4` (for its resource usage), which clippy
// cannot see.
#[allow(clippy::zombie_processes)]
fn run(args: &[&std::ffi::OsStr], data: &Path, limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new("prlimit")
        .arg("--as=4294967296")
        .arg("--")
        .arg(BIN)
        .args(args)
        .env("LLMOPS_LSP_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes only into the two locals passed in.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if got == pid {
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            return Run {
                code,
                stderr: reader.join().unwrap(),
                elapsed: started.elapsed(),
                peak_rss_kib: usage.ru_maxrss,
            };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn fifos_devices_and_endless_files_named_on_the_command_line_are_refused_or_capped() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("notes.md");
    mkfifo(&fifo);
    let pagemap = dir.path().join("pagemap.md");
    std::os::unix::fs::symlink("/proc/self/pagemap", &pagemap).unwrap();
    let pack_fifo = dir.path().join("team.toml");
    mkfifo(&pack_fifo);
    let zero = Path::new("/dev/zero");
    let cases: Vec<(&str, &Path, &str)> = vec![
        ("scan", &fifo, "not a regular file"),
        ("report", &fifo, "not a regular file"),
        ("scan", zero, "not a regular file"),
        ("report", zero, "not a regular file"),
        ("scan", &pagemap, ""),
        ("report", &pagemap, ""),
        ("check", &pack_fifo, ""),
        ("check", zero, ""),
    ];
    for (command, path, says) in cases {
        let run = run(
            &[command.as_ref(), path.as_os_str()],
            data.path(),
            Duration::from_secs(30),
        );
        eprintln!(
            "{command} {}: exit {:?} in {:?}, peak {} KiB",
            path.display(),
            run.code,
            run.elapsed,
            run.peak_rss_kib
        );
        assert!(run.code.is_some(), "{command} {}: killed", path.display());
        assert!(
            run.stderr.contains(says),
            "{command} {}: {}",
            path.display(),
            run.stderr
        );
        assert!(
            run.peak_rss_kib < 256 * 1024,
            "{command} {}: {} KiB",
            path.display(),
            run.peak_rss_kib
        );
        assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    }
}
