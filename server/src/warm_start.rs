//! The built-in course made ready while the process starts, before the
//! client's `initialize` arrives: decoding the compiled packs and merging
//! them (which compiles the matcher) is most of what `initialize` costs, and
//! none of it depends on what the client sends. [`begin`] starts that work
//! on a thread of its own as `main` begins; `initialize` [`take`]s it,
//! waiting for the rest if it is not done, and merges again only when the
//! user's or the workspace's packs add to the built-in ones.
//!
//! A server started without [`begin`] (the in-process tests) does the same
//! work inline; so does every server after the first in one process.

use std::sync::Mutex;
use std::thread::JoinHandle;

use llmops_core::packs::PackSet;
use llmops_core::scopes::ScopedContent;

/// The built-in packs and their merged content (with the merge errors kept
/// in the pack set, as [`PackSet::rebuild_scoped`] leaves them).
pub struct Prepared {
    pub packs: PackSet,
    pub scoped: ScopedContent,
}

/// Where a started preparation waits to be taken: one per process
/// ([`STARTED`]), or a test's own.
struct Slot(Mutex<Option<JoinHandle<Prepared>>>);

impl Slot {
    const fn new() -> Slot {
        Slot(Mutex::new(None))
    }

    fn begin(&self) {
        let handle = std::thread::Builder::new()
            .name("warm-start".into())
            .spawn(prepare)
            .ok();
        if let Ok(mut started) = self.0.lock() {
            *started = handle;
        }
    }

    fn take(&self) -> Prepared {
        let handle = self.0.lock().ok().and_then(|mut started| started.take());
        handle.and_then(|h| h.join().ok()).unwrap_or_else(prepare)
    }

    #[cfg(test)]
    fn is_started(&self) -> bool {
        self.0.lock().is_ok_and(|started| started.is_some())
    }
}

static STARTED: Slot = Slot::new();

fn prepare() -> Prepared {
    let mut packs = crate::builtin::pack_set();
    let scoped = packs.rebuild_scoped();
    Prepared { packs, scoped }
}

/// Starts preparing the built-in course on a thread of its own. If the
/// thread cannot be started, [`take`] does the work itself.
pub fn begin() {
    STARTED.begin();
}

/// The built-in course, prepared by [`begin`] if it ran (and was not taken
/// already), else prepared now.
pub fn take() -> Prepared {
    STARTED.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the thread prepares is what `initialize` would merge itself,
    /// and it is handed out once: a second take prepares its own. (A slot
    /// of the test's own: in-process servers of other tests take from the
    /// process's.)
    #[test]
    fn the_prepared_course_is_the_built_in_one_and_is_taken_once() {
        let slot = Slot::new();
        slot.begin();
        assert!(slot.is_started());
        let first = slot.take();
        assert!(!slot.is_started());
        let second = slot.take();
        assert_eq!(
            first.scoped.all().terms.len(),
            second.scoped.all().terms.len()
        );
        assert!(first.scoped.all().terms.len() > 100);
        assert!(first.packs.has_only_builtin());
    }
}
