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

static STARTED: Mutex<Option<JoinHandle<Prepared>>> = Mutex::new(None);

fn prepare() -> Prepared {
    let mut packs = crate::builtin::pack_set();
    let scoped = packs.rebuild_scoped();
    Prepared { packs, scoped }
}

/// Starts preparing the built-in course on a thread of its own. If the
/// thread cannot be started, [`take`] does the work itself.
pub fn begin() {
    let handle = std::thread::Builder::new()
        .name("warm-start".into())
        .spawn(prepare)
        .ok();
    if let Ok(mut started) = STARTED.lock() {
        *started = handle;
    }
}

/// The built-in course, prepared by [`begin`] if it ran (and was not taken
/// already), else prepared now.
pub fn take() -> Prepared {
    let handle = STARTED.lock().ok().and_then(|mut started| started.take());
    handle.and_then(|h| h.join().ok()).unwrap_or_else(prepare)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the thread prepares is what `initialize` would merge itself,
    /// and it is handed out once: a second server in the same process
    /// prepares its own.
    #[test]
    fn the_prepared_course_is_the_built_in_one_and_is_taken_once() {
        begin();
        let first = take();
        assert!(STARTED.lock().expect("not poisoned").is_none());
        let second = take();
        assert_eq!(
            first.scoped.all().terms.len(),
            second.scoped.all().terms.len()
        );
        assert!(first.scoped.all().terms.len() > 100);
        assert!(first.packs.has_only_builtin());
    }
}
