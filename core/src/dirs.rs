//! Where llmops-lsp keeps things on disk, following the XDG base directory
//! convention, with one environment override each.

use std::path::PathBuf;

/// A path from an environment variable, ignoring unset and empty values.
fn env_path(key: &str) -> Option<PathBuf> {
    std::env::var_os(key)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Progress and generated files: `$LLMOPS_LSP_DATA_DIR`, else
/// `$XDG_DATA_HOME/llmops-lsp`, else `~/.local/share/llmops-lsp`.
pub fn data_dir() -> Option<PathBuf> {
    env_path("LLMOPS_LSP_DATA_DIR")
        .or_else(|| env_path("XDG_DATA_HOME").map(|d| d.join("llmops-lsp")))
        .or_else(|| env_path("HOME").map(|h| h.join(".local/share/llmops-lsp")))
}

/// A person's own packs: `$XDG_CONFIG_HOME/llmops-lsp/packs`, else
/// `~/.config/llmops-lsp/packs`.
pub fn user_pack_dir() -> Option<PathBuf> {
    env_path("XDG_CONFIG_HOME")
        .or_else(|| env_path("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("llmops-lsp").join("packs"))
}
