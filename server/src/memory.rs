//! Giving memory back after documents close (and after pack reloads,
//! `packs::drain`). The allocator (glibc malloc)
//! keeps freed memory in its per-thread arenas for reuse, so after 10,000
//! documents close the process still holds most of what they used. Once the
//! publisher has cleared a batch of closed documents, or the last one, the
//! server asks the allocator to return free pages to the system
//! (`malloc_trim`), on the blocking pool since it walks the heap.

/// Closes between two trims.
const CLOSES_PER_TRIM: usize = 1_000;

/// Counts one server's closed documents since its last trim (kept by its
/// publisher, not in a static, so servers side by side in one test process
/// count their own).
#[derive(Default)]
pub struct Trimmer {
    closes: usize,
}

impl Trimmer {
    /// After the publisher cleared `closed` documents: trims when enough
    /// closed since the last trim, or none is open any more.
    pub fn published(&mut self, closed: usize, open_left: usize) {
        if closed == 0 {
            return;
        }
        self.closes += closed;
        if open_left == 0 || self.closes >= CLOSES_PER_TRIM {
            self.closes = 0;
            tokio::task::spawn_blocking(trim);
        }
    }
}

/// Returns free heap pages to the system; walks the heap, so called on a
/// blocking thread, once after a burst (documents closed, a pack storm).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() {
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() {}
