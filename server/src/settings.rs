//! User settings under the `llmops` key, from `initializationOptions`,
//! `workspace/didChangeConfiguration` or `workspace/configuration`.
//!
//! Each field is read on its own: one bad value is reported and falls back
//! to its default without throwing away the others. Every number has a
//! range ([`MAX_FILE_BYTES`], [`MAX_DIAGNOSTICS`], [`MASTERY`]); a value
//! outside it is reported and the default used, never wrapped or cut (a
//! mastery of 2^32 cut to 32 bits would be 0, hiding every term after one
//! answer). Exclude patterns are checked one by one: a bad or oversized one
//! is reported on its own and the others still apply.

use llmops_core::practice::policy::PracticeMode;
use std::ops::RangeInclusive;

use globset::{Glob, GlobSet, GlobSetBuilder};
use llmops_core::policy::Options;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Hint,
    Information,
    Warning,
    Off,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub severity: Severity,
    pub exclude: Vec<String>,
    /// The good exclude patterns: one set, or one per pattern when they do
    /// not compile together.
    pub exclude_sets: Vec<GlobSet>,
    /// What is flagged: `maxFileBytes` (hover still works in larger
    /// documents), `firstOccurrenceOnly`, `languages`, `maxDiagnostics`.
    pub policy: Options,
    pub inlay_hints: bool,
    /// Spaced right answers that make a term known.
    pub mastery: u32,
    /// Whether `.llmops/*.toml` packs of the workspace are loaded. Editors
    /// turn this off for untrusted workspaces (VS Code workspace trust).
    pub workspace_packs: bool,
    /// Completion of term names while writing (`completion`, off by
    /// default): names in prose, identifier forms in code.
    pub completion: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            severity: Severity::Hint,
            exclude: Vec::new(),
            exclude_sets: Vec::new(),
            policy: Options::default(),
            inlay_hints: false,
            mastery: llmops_core::learning::DEFAULT_MASTERY,
            workspace_packs: true,
            completion: false,
        }
    }
}

/// Accepted `maxFileBytes` (0 turns spotting off; the default is 1 MiB).
pub const MAX_FILE_BYTES: RangeInclusive<u64> = 0..=256 * 1024 * 1024;
/// Accepted `maxDiagnostics` per document (default 1,000).
pub const MAX_DIAGNOSTICS: RangeInclusive<u64> = 0..=10_000;
/// Accepted `mastery`: spaced right answers that make a term known (default 3).
pub const MASTERY: RangeInclusive<u64> = 1..=llmops_core::learning::MAX_MASTERY as u64;
/// Most exclude patterns, and the longest one in characters.
pub const MAX_EXCLUDE_PATTERNS: usize = 1_000;
pub const MAX_PATTERN_CHARS: usize = 1_000;
/// Most wildcards (`*`, `?`, `[`, `{`) in one exclude pattern, and in all of
/// them together: what a glob costs to compile and match grows with its
/// wildcards (1,000 patterns of `*?` repeated 499 times took 2 s and kept
/// 528 MiB). Real patterns hold a handful.
pub const MAX_PATTERN_WILDCARDS: usize = 32;
pub const MAX_TOTAL_WILDCARDS: usize = 2_000;

/// A whole number within `range`, or `None`.
fn in_range(v: &Value, range: &RangeInclusive<u64>) -> Option<u64> {
    v.as_u64().filter(|n| range.contains(n))
}

impl Settings {
    /// Reads settings from a JSON value that is either the `llmops` object
    /// itself or an object holding it. Returns the settings and a list of
    /// problems, one per bad field.
    pub fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        let object = match value.get("llmops") {
            Some(inner) => inner,
            None => value,
        };
        let Some(map) = object.as_object() else {
            // Some clients encode an empty table as `[]`: that is "no settings".
            let empty = object.as_array().is_some_and(|a| a.is_empty());
            if !object.is_null() && !empty {
                problems.push("llmops settings must be an object".to_string());
            }
            return (settings, problems);
        };
        let mut unknown = Vec::new();
        let mut bad = |key: &str, expected: &str| {
            problems.push(format!(
                "setting llmops.{key}: expected {expected}; using the default"
            ));
        };
        for (key, v) in map {
            match key.as_str() {
                "severity" => match v.as_str() {
                    Some("hint") => settings.severity = Severity::Hint,
                    Some("information" | "info") => settings.severity = Severity::Information,
                    Some("warning") => settings.severity = Severity::Warning,
                    Some("off") => settings.severity = Severity::Off,
                    _ => bad(key, "\"hint\", \"information\", \"warning\" or \"off\""),
                },
                "exclude" => match string_list(v) {
                    Some(list) => settings.exclude = list,
                    None => bad(key, "a list of glob patterns"),
                },
                "maxFileBytes" => match in_range(v, &MAX_FILE_BYTES) {
                    Some(n) => settings.policy.max_file_bytes = n,
                    None => bad(
                        key,
                        &format!("a number of bytes from 0 to {}", MAX_FILE_BYTES.end()),
                    ),
                },
                "maxDiagnostics" => match in_range(v, &MAX_DIAGNOSTICS) {
                    Some(n) => settings.policy.max_findings = n as usize,
                    None => bad(
                        key,
                        &format!("a number from 0 to {}", MAX_DIAGNOSTICS.end()),
                    ),
                },
                "firstOccurrenceOnly" => match (v.as_bool(), v.as_str()) {
                    (Some(b), _) => {
                        settings.policy.first_occurrence_only = b;
                        settings.policy.first_occurrence_in_code_only = false;
                    }
                    (_, Some("code")) => {
                        settings.policy.first_occurrence_only = false;
                        settings.policy.first_occurrence_in_code_only = true;
                    }
                    _ => bad(key, "true, false or \"code\""),
                },
                "practices" => match v.as_str() {
                    Some("on") => settings.policy.practices = PracticeMode::On,
                    Some("only") => settings.policy.practices = PracticeMode::Only,
                    Some("off") => settings.policy.practices = PracticeMode::Off,
                    _ => bad(key, "\"on\", \"only\" or \"off\""),
                },
                "workspacePacks" => match v.as_bool() {
                    Some(b) => settings.workspace_packs = b,
                    None => bad(key, "true or false"),
                },
                "completion" => match v.as_bool() {
                    Some(b) => settings.completion = b,
                    None => bad(key, "true or false"),
                },
                "inlayHints" => match v.as_bool() {
                    Some(b) => settings.inlay_hints = b,
                    None => bad(key, "true or false"),
                },
                "mastery" => match in_range(v, &MASTERY) {
                    Some(n) => settings.mastery = n as u32,
                    None => bad(
                        key,
                        &format!(
                            "a number of right answers from {} to {}",
                            MASTERY.start(),
                            MASTERY.end()
                        ),
                    ),
                },
                "languages" => {
                    let allow = v.get("allow").map(string_list);
                    let deny = v.get("deny").map(string_list);
                    match (allow, deny) {
                        (Some(None), _) | (_, Some(None)) => {
                            bad(key, "{\"allow\": [ids], \"deny\": [ids]}")
                        }
                        (allow, deny) => {
                            settings.policy.languages_allow = allow.flatten().unwrap_or_default();
                            settings.policy.languages_deny = deny.flatten().unwrap_or_default();
                        }
                    }
                }
                "trace" | "server" => {} // client-side settings
                // What the client can do (protocol::ClientFeatures), sent
                // beside the settings by clients that send them flat.
                "client" => {}
                other => unknown.push(format!("unknown setting llmops.{other}; ignored")),
            }
        }
        problems.extend(unknown);
        settings.exclude_sets = exclude_sets(&settings.exclude, &mut problems);
        (settings, problems)
    }

    /// Whether a file path (absolute, or relative to a workspace root) is excluded.
    pub fn excluded(&self, paths: &[&str]) -> bool {
        paths
            .iter()
            .any(|p| self.exclude_sets.iter().any(|set| set.is_match(p)))
    }
}

/// Compiles exclude patterns, each checked on its own so that one bad or
/// huge pattern is reported and dropped while the rest still apply.
fn exclude_sets(patterns: &[String], problems: &mut Vec<String>) -> Vec<GlobSet> {
    if patterns.len() > MAX_EXCLUDE_PATTERNS {
        problems.push(format!(
            "setting llmops.exclude: {} patterns; only the first {MAX_EXCLUDE_PATTERNS} are used",
            patterns.len()
        ));
    }
    let mut good = Vec::new();
    let mut wildcards_left = MAX_TOTAL_WILDCARDS;
    let mut over_total = 0;
    let (mut heavy, mut heavy_count) = (None, 0);
    for pattern in patterns.iter().take(MAX_EXCLUDE_PATTERNS) {
        let chars = pattern.chars().count();
        if chars > MAX_PATTERN_CHARS {
            problems.push(format!(
                "setting llmops.exclude: a pattern of {chars} characters (at most {MAX_PATTERN_CHARS}); pattern ignored"
            ));
            continue;
        }
        let wildcards = pattern
            .chars()
            .filter(|c| matches!(c, '*' | '?' | '[' | '{'))
            .count();
        if wildcards > MAX_PATTERN_WILDCARDS {
            heavy.get_or_insert_with(|| truncate(pattern));
            heavy_count += 1;
            continue;
        }
        if wildcards > wildcards_left {
            over_total += 1;
            continue;
        }
        wildcards_left -= wildcards;
        let compiled = Glob::new(pattern)
            .map_err(|e| e.to_string())
            .and_then(|glob| {
                GlobSetBuilder::new()
                    .add(glob.clone())
                    .build()
                    .map(|_| glob)
                    .map_err(|e| e.to_string())
            });
        match compiled {
            Ok(glob) => good.push(glob),
            Err(e) => problems.push(format!(
                "setting llmops.exclude: {:?}: {e}; pattern ignored",
                truncate(pattern)
            )),
        }
    }
    if let Some(first) = heavy {
        problems.push(format!(
            "setting llmops.exclude: {heavy_count} pattern(s) with more than {MAX_PATTERN_WILDCARDS} wildcards ignored, the first {first:?}"
        ));
    }
    if over_total > 0 {
        problems.push(format!(
            "setting llmops.exclude: {over_total} pattern(s) ignored: all patterns together may hold at most {MAX_TOTAL_WILDCARDS} wildcards"
        ));
    }
    let mut together = GlobSetBuilder::new();
    for glob in &good {
        together.add(glob.clone());
    }
    match together.build() {
        Ok(set) => vec![set],
        // Each compiles alone but not all together (too big): match them one by one.
        Err(_) => good
            .into_iter()
            .filter_map(|glob| GlobSetBuilder::new().add(glob).build().ok())
            .collect(),
    }
}

/// A pattern as quoted in a problem: its first 80 characters.
fn truncate(pattern: &str) -> String {
    match pattern.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &pattern[..i]),
        None => pattern.to_string(),
    }
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_each_field_and_reports_bad_ones() {
        let (s, problems) = Settings::from_json(&json!({"llmops": {
            "severity": "information", "maxFileBytes": "big", "exclude": ["**/*.lock"],
            "languages": {"deny": ["rust"]}
        }}));
        assert_eq!(s.severity, Severity::Information);
        assert_eq!(s.policy.max_file_bytes, 1024 * 1024);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("maxFileBytes"));
        assert!(s.excluded(&["/x/Cargo.lock"]));
        assert!(!s.policy.language_enabled("rust") && s.policy.language_enabled("markdown"));
        // An empty list (an empty Lua table) means no settings, not an error.
        assert!(Settings::from_json(&json!({"llmops": []})).1.is_empty());
        assert_eq!(Settings::from_json(&json!(42)).1.len(), 1);
    }

    #[test]
    fn numbers_out_of_range_fall_back_to_the_default() {
        let (s, problems) = Settings::from_json(&json!({
            "mastery": 4294967296u64, "maxDiagnostics": 1e12, "maxFileBytes": -1
        }));
        assert_eq!(s.mastery, llmops_core::learning::DEFAULT_MASTERY);
        assert_eq!(s.policy.max_findings, 1000);
        assert_eq!(s.policy.max_file_bytes, 1024 * 1024);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("mastery") && p.contains("1 to 20"))
        );
        let (s, problems) = Settings::from_json(&json!({"mastery": 20, "maxDiagnostics": 0}));
        assert!(problems.is_empty() && s.mastery == 20 && s.policy.max_findings == 0);
    }

    /// 1,000 patterns of `*?` repeated 499 times (within the count and
    /// length limits) took 2 s and 528 MiB; now each is refused uncompiled,
    /// in one problem, and a pattern with fewer wildcards still applies.
    #[test]
    fn costly_globs_are_refused_in_one_problem_and_the_rest_apply() {
        let costly = "*?".repeat(499);
        let mut exclude = vec![json!(costly); 999];
        exclude.push(json!("**/gen/*.md"));
        let started = std::time::Instant::now();
        let (s, problems) = Settings::from_json(&json!({"exclude": exclude}));
        let took = started.elapsed();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("999 pattern(s) with more than 32 wildcards"));
        assert!(s.excluded(&["src/gen/a.md"]) && !s.excluded(&["src/a.md"]));
        assert!(took < std::time::Duration::from_secs(1), "{took:?}");
        // Many cheap patterns: the total is bounded too.
        let many: Vec<Value> = (0..1000)
            .map(|i| json!(format!("a{i}/*/*/*/*.md")))
            .collect();
        let (s, problems) = Settings::from_json(&json!({"exclude": many}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("500 pattern(s) ignored"),
            "{problems:?}"
        );
        assert!(s.excluded(&["a499/x/y/z/b.md"]) && !s.excluded(&["a500/x/y/z/b.md"]));
    }

    #[test]
    fn each_bad_glob_is_reported_and_the_good_ones_apply() {
        let huge = format!(
            "{{{}}}",
            (0..200_000)
                .map(|i| format!("x{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let started = std::time::Instant::now();
        let (s, problems) = Settings::from_json(&json!({
            "exclude": ["**/*.lock", "[unclosed", huge, "docs/**"]
        }));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("[unclosed"), "{problems:?}");
        assert!(problems[1].contains("characters"), "{problems:?}");
        assert!(s.excluded(&["/x/Cargo.lock"]) && s.excluded(&["docs/a.md"]));
        assert!(!s.excluded(&["src/main.rs"]));
    }
}
