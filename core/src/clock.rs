//! The current time, injectable so tests of spaced repetition can move it.
//!
//! The server carries one [`Clock`] in its state (from `Config`) and asks it
//! for the time at every call site, rather than reading the environment: two
//! servers in one test process can then each have their own time, and a test
//! can move a server's clock forward by a week without restarting it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the time comes from: the system, or a value that tests set and
/// advance. Cheap to clone; clones of a fixed clock share its value.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None`: the system clock.
    fixed: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that stands at `unix_seconds` until it is advanced.
    pub fn fixed(unix_seconds: u64) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicU64::new(unix_seconds))),
        }
    }

    /// Fixed at `LLMOPS_LSP_NOW` (Unix seconds) when that is set to a number,
    /// else the system clock: how the binary lets the editor test suites
    /// start it "a week later" without waiting a week.
    pub fn from_env() -> Clock {
        match std::env::var("LLMOPS_LSP_NOW")
            .ok()
            .and_then(|v| v.trim().parse().ok())
        {
            Some(fixed) => Clock::fixed(fixed),
            None => Clock::system(),
        }
    }

    /// Unix seconds now.
    pub fn now(&self) -> u64 {
        match &self.fixed {
            Some(value) => value.load(Ordering::SeqCst),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    /// Moves a fixed clock `seconds` forward and returns its new time;
    /// `None` for the system clock, which cannot be moved.
    pub fn advance(&self, seconds: u64) -> Option<u64> {
        let value = self.fixed.as_ref()?;
        Some(
            value
                .fetch_add(seconds, Ordering::SeqCst)
                .saturating_add(seconds),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_advanced_and_clones_share_it() {
        let clock = Clock::fixed(1_700_000_000);
        let shared = clock.clone();
        assert_eq!(clock.now(), 1_700_000_000);
        assert_eq!(shared.advance(86_400), Some(1_700_086_400));
        assert_eq!(clock.now(), 1_700_086_400);
    }

    #[test]
    fn the_system_clock_cannot_be_moved() {
        let clock = Clock::system();
        assert!(clock.now() > 1_700_000_000);
        assert_eq!(clock.advance(1), None);
    }
}
