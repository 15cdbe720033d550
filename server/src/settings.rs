//! User settings under the `llmops` key, from `initializationOptions`,
//! `workspace/didChangeConfiguration` or `workspace/configuration`.
//!
//! Each field is read on its own: one bad value is reported and falls back
//! to its default without throwing away the others.

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
    pub exclude_set: GlobSet,
    /// What is flagged: `maxFileBytes` (hover still works in larger
    /// documents), `firstOccurrenceOnly`, `languages`, `maxDiagnostics`.
    pub policy: Options,
    pub inlay_hints: bool,
    /// Spaced right answers that make a term known.
    pub mastery: u32,
    /// Whether `.llmops/*.toml` packs of the workspace are loaded. Editors
    /// turn this off for untrusted workspaces (VS Code workspace trust).
    pub workspace_packs: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            severity: Severity::Hint,
            exclude: Vec::new(),
            exclude_set: GlobSet::empty(),
            policy: Options::default(),
            inlay_hints: false,
            mastery: llmops_core::learning::DEFAULT_MASTERY,
            workspace_packs: true,
        }
    }
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
                "maxFileBytes" => match v.as_u64() {
                    Some(n) => settings.policy.max_file_bytes = n,
                    None => bad(key, "a number of bytes"),
                },
                "maxDiagnostics" => match v.as_u64() {
                    Some(n) => settings.policy.max_findings = n as usize,
                    None => bad(key, "a number"),
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
                "workspacePacks" => match v.as_bool() {
                    Some(b) => settings.workspace_packs = b,
                    None => bad(key, "true or false"),
                },
                "inlayHints" => match v.as_bool() {
                    Some(b) => settings.inlay_hints = b,
                    None => bad(key, "true or false"),
                },
                "mastery" => match v.as_u64() {
                    Some(n) if n >= 1 => settings.mastery = n as u32,
                    _ => bad(key, "a number of right answers (1 or more)"),
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
        let mut builder = GlobSetBuilder::new();
        for pattern in &settings.exclude {
            match Glob::new(pattern) {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => problems.push(format!("setting llmops.exclude: {e}; pattern ignored")),
            }
        }
        settings.exclude_set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        (settings, problems)
    }

    /// Whether a file path (absolute, or relative to a workspace root) is excluded.
    pub fn excluded(&self, paths: &[&str]) -> bool {
        paths.iter().any(|p| self.exclude_set.is_match(p))
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
}
