//! Paths named on the command line get the checks the walk gives the files
//! it finds: `scan`, `report` and `check` of a FIFO, a device or a link to
//! a file that never ends (`/proc/self/pagemap`, whose size says 0) finish
//! quickly, with bounded memory, and say what they refused. (The real
//! binary: exit codes, and the peak memory of the process.)

use std::path::Path;

use std::time::Duration;

use crate::support::cost::{ADDRESS_SPACE_LIMIT, Run, run_measured};
use crate::support::mkfifo;

/// Runs the binary with `args` (see [`run_measured`]: the child's own
/// peak from `wait4` on its pid, under an address-space limit set in the
/// child, so no wrapper program is measured or needed).
fn run(args: &[&std::ffi::OsStr], data: &Path, limit: Duration) -> Run {
    run_measured(args, None, data, limit)
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
        // Killed: an allocation failed at the address-space limit, which
        // only an uncapped read reaches.
        assert!(
            run.code.is_some(),
            "{command} {}: killed (past {ADDRESS_SPACE_LIMIT} bytes of address space?), peak {} KiB",
            path.display(),
            run.peak_rss_kib
        );
        assert!(
            run.stderr.contains(says),
            "{command} {}: {}",
            path.display(),
            run.stderr
        );
        // Reading to the 16 MiB cap peaks near 26 MiB; reading on (a cap
        // gone) passes 64 MiB within a second, long before the limit.
        assert!(
            run.peak_rss_kib < 96 * 1024,
            "{command} {}: {} KiB",
            path.display(),
            run.peak_rss_kib
        );
        assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    }
}
