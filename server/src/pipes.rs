//! Wider pipes for the editor's connection.
//!
//! A pipe holds 64 KiB by default on Linux. A publication of the 1,000
//! diagnostics a long document may show is about a quarter of a megabyte,
//! so writing it took four or five rounds of "fill the pipe, sleep until the
//! editor reads, wake": each a pair of context switches, together most of
//! what a keystroke cost in such a document (the bytes themselves copy in
//! microseconds). With the pipe grown to hold a whole publication, the
//! server writes it in one go and the editor reads it at its own pace.
//!
//! Best effort: a descriptor that is not a pipe (a socket, a file, a
//! terminal) or a size over the system's limit (`/proc/sys/fs/pipe-max-size`,
//! 1 MiB by default) is left as it is.

/// The size asked for: a publication at the cap of 1,000 diagnostics, four
/// times over.
pub const WIDE_PIPE_BYTES: usize = 1 << 20;

/// Grows the pipes on standard input and output, where they are pipes;
/// returns the size standard output's pipe has afterwards, if it is one.
#[cfg(target_os = "linux")]
pub fn widen_stdio() -> Option<usize> {
    for fd in [libc::STDIN_FILENO, libc::STDOUT_FILENO] {
        widen(fd);
    }
    size(libc::STDOUT_FILENO)
}

/// Elsewhere pipes keep their size (no portable way to change it).
#[cfg(not(target_os = "linux"))]
pub fn widen_stdio() -> Option<usize> {
    None
}

#[cfg(target_os = "linux")]
fn widen(fd: libc::c_int) {
    let Ok(wanted) = libc::c_int::try_from(WIDE_PIPE_BYTES) else {
        return;
    };
    // SAFETY: fcntl on a descriptor this process owns, with an integer
    // argument; on anything but a pipe it fails with EBADF or EINVAL and
    // changes nothing.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, wanted);
    }
}

#[cfg(target_os = "linux")]
fn size(fd: libc::c_int) -> Option<usize> {
    // SAFETY: as above; F_GETPIPE_SZ only reads.
    let size = unsafe { libc::fcntl(fd, libc::F_GETPIPE_SZ) };
    usize::try_from(size).ok()
}
