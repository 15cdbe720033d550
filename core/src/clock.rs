//! The current time, injectable for tests of spaced repetition.

/// Unix seconds now, or the value of `LLMOPS_LSP_NOW` when it is set, so a
/// test can start the server "a week later" without waiting a week.
pub fn now() -> u64 {
    if let Some(fixed) = std::env::var("LLMOPS_LSP_NOW")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return fixed;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
