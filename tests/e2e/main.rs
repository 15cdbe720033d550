//! End-to-end tests: each one talks to a server over the LSP wire format
//! exactly as an editor does. The server runs in this process by default
//! (`support`); the few tests that need the real binary say why.

mod support;

mod cli;
mod course;
mod editor_ux;
#[cfg(target_os = "linux")]
mod full_disk;
mod hostile;
mod language;
mod learning;
mod packs;
mod policy;
mod practices;
mod robustness;
mod snapshots;
mod soak;
