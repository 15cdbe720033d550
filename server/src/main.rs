//! `llmops-lsp`: with no command it speaks LSP on stdin/stdout; `scan`,
//! `check` and `report` run the same core from a shell, and `pack`
//! shares packs across repositories (the only network use).

use clap::Parser;
use llmops_lsp::cli;

fn main() {
    ignore_file_size_signal();
    let cli = cli::Cli::parse();
    let code = match cli.command {
        None => {
            one_heap();
            llmops_lsp::warm_start::begin();
            serve()
        }
        Some(command) => cli::run(command),
    };
    #[cfg(feature = "test-hooks")]
    report_peak_memory();
    std::process::exit(code);
}

/// Test hook: writes this program's peak resident memory (`VmHWM`, KiB) to
/// the file `LLMOPS_LSP_PEAK_FILE` names, for the tests that bound what a
/// command may read. The kernel's figure for a child (`ru_maxrss` from
/// `wait4`) is no use there: it keeps the high-water mark of the process
/// that started this one across `exec`, so a test binary that had grown to
/// 800 MiB running servers in threads measured its own size. `VmHWM`
/// belongs to this program's address space alone.
#[cfg(feature = "test-hooks")]
fn report_peak_memory() {
    let Some(path) = std::env::var_os("LLMOPS_LSP_PEAK_FILE") else {
        return;
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
    {
        let _ = std::fs::write(path, kib);
    }
}

fn serve() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("llmops-lsp: cannot start the async runtime: {e}");
            return 1;
        }
    };
    llmops_lsp::pipes::widen_stdio();
    let code = runtime.block_on(llmops_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    // Do not wait for the blocking stdin reader: the client may keep the
    // pipe open after `exit`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

/// One malloc heap for every thread of the server. glibc gives each
/// thread that allocates its own heap (arena), and grows such a heap a few
/// pages at a time, one `mprotect` call each: starting up on the async
/// runtime's workers took 580 of them and a sixth of the start's CPU time.
/// The main heap grows in larger steps. The server's threads take turns on
/// a lock that is rarely contended (a keystroke is handled by one of them
/// at a time) and small blocks come from each thread's cache anyway.
/// A `MALLOC_ARENA_MAX` in the environment is the user's choice, and glibc
/// has applied it already: left alone.
fn one_heap() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc setting; called before any
    // thread of the server exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// A write past the file size limit (`RLIMIT_FSIZE`, set by an
/// administrator, a container or `ulimit -f`) raises SIGXFSZ, whose default
/// action kills the process, and with it every answer kept in memory.
/// Ignored, the write fails with `EFBIG` instead, like a full disk: the
/// progress store keeps the change pending, says it is not saved, and saves
/// it once writes succeed again. (The full-disk end-to-end test uses this
/// limit to make the disk "full" without root.)
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: SIG_IGN for SIGXFSZ installs no handler code; it only changes
    // what the kernel does on that signal, before any thread is started.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
