//! What one run of the real binary costs: exit code, stderr, time and peak
//! resident memory of that process alone.
//!
//! The memory figure is the program's own high-water mark (`VmHWM` of its
//! address space, which the test-hooks build writes to the file
//! `LLMOPS_LSP_PEAK_FILE` names as it exits): exact even when the peak
//! lasts a microsecond, unlike sampling `/proc`. Not `ru_maxrss` from
//! `wait4`: the kernel carries the high-water mark of the process that
//! started the child across `exec`, so the child "peaked" at the size of
//! this test binary (830 MiB in a full run, with servers in threads). When
//! the program wrote no figure (killed), the `wait4` figure stands in: it
//! can only be higher than the truth, so a bound checked against it never
//! passes wrongly. The child runs under an address-space limit set in the
//! child itself before `exec` (`setrlimit`), so an unbounded read fails
//! fast instead of eating the machine.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::BIN;

/// The address space a measured child may use: a read that is not capped
/// stops here (allocation failure) instead of at the machine's memory.
pub const ADDRESS_SPACE_LIMIT: u64 = 2 << 30;

/// What one run cost and said.
pub struct Run {
    /// `None`: killed by a signal (an allocation past the limit aborts).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub peak_rss_kib: i64,
}

/// Runs the binary with `args` in `cwd` (data folder `data`), killing it
/// after `limit`.
// The child is reaped by `wait4` (for its resource usage), which clippy
// cannot see.
#[allow(clippy::zombie_processes)]
pub fn run_measured(args: &[&OsStr], cwd: Option<&Path>, data: &Path, limit: Duration) -> Run {
    let started = Instant::now();
    let peak_file = tempfile::NamedTempFile::new().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("LLMOPS_LSP_DATA_DIR", data)
        .env("LLMOPS_LSP_PEAK_FILE", peak_file.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    // SAFETY: setrlimit is async-signal-safe and touches only this child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_LIMIT as libc::rlim_t,
                rlim_max: ADDRESS_SPACE_LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes only into the two locals passed in; it waits
        // for this pid only, so no other test's child is reaped here.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if got == pid {
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            let own_figure = std::fs::read_to_string(peak_file.path())
                .ok()
                .and_then(|kib| kib.trim().parse().ok());
            // A program that exited wrote its figure, or this is not the
            // test-hooks build and every bound would be checked against the
            // inflated stand-in.
            assert!(
                code.is_none() || own_figure.is_some(),
                "{args:?} exited without writing its peak memory"
            );
            return Run {
                code,
                stdout: out.join().unwrap(),
                stderr: err.join().unwrap(),
                elapsed: started.elapsed(),
                peak_rss_kib: own_figure.unwrap_or(usage.ru_maxrss),
            };
        }
        assert!(
            got == 0,
            "wait4({pid}): {}",
            std::io::Error::last_os_error()
        );
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
