//! End-to-end tests: each one starts the real `llmops-lsp` binary and talks
//! to it over stdio exactly as an editor does.

mod support;

mod course;
mod hostile;
mod language;
mod learning;
mod packs;
mod robustness;
mod soak;
