//! The core of llmops-lsp, free of any editor protocol: content packs, the
//! term matcher, documents with incremental rescanning, the progress store
//! and the course logic. The `llmops-lsp` crate adapts it to LSP; benchmarks
//! and the command line use it directly.

pub mod clock;
pub mod completion;
pub mod content;
pub mod course;
pub mod dirs;
pub mod document;
pub mod imports;
pub mod learning;
pub mod matcher;
pub mod notebook;
pub mod packs;
pub mod policy;
pub mod practice;
pub mod progress;
pub mod safe_file;
pub mod scan;
pub mod scopes;
pub mod text;
pub mod usage;
pub mod vendored;
pub mod walk;

pub use content::Content;
pub use document::Document;
pub use matcher::{Hit, Matcher};
