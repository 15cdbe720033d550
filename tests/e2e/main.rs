//! End-to-end tests: each one starts the real `llmops-lsp` binary and talks
//! to it over stdio exactly as an editor does.

mod support;

mod cli;
mod course;
mod editor_ux;
#[cfg(target_os = "linux")]
mod full_disk;
mod hostile;
mod inproc;
mod language;
mod learning;
mod packs;
mod policy;
mod robustness;
mod soak;
