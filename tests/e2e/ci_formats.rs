//! The command line's CI formats, run as CI runs them: the real binary in a
//! repository folder. SARIF logs are validated against the official SARIF
//! 2.1.0 JSON schema, vendored as tests/fixtures/sarif-2.1.0.schema.json
//! (from the OASIS sarif-spec repository, sarif-2.1/schema/
//! sarif-schema-2.1.0.json at commit a560296c, the errata01 schema).
//! Annotations must stay one per line whatever a pack says.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::*;

/// Runs the binary in `cwd` with an empty data folder and no user packs.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("LLMOPS_LSP_DATA_DIR", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap()
}

fn sarif_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/sarif-2.1.0.schema.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
}

/// A repository with a doc naming two terms and a team pack whose term name
/// and definition try to break out of an annotation, plus a broken pack.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::create_dir_all(dir.path().join(".llmops")).unwrap();
    std::fs::write(
        dir.path().join("docs/a b.md"),
        "Intro\nTTFT and the prompt registry, then the acme gateway.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".llmops/team.toml"),
        "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\naliases = [\"acme gateway\"]\n\
         definition = \"Our 100% proxy,\\n::error file=x::forged\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn scan_sarif_is_valid_sarif_2_1_0_with_a_rule_per_term() {
    let repo = repository();
    let out = run_in(repo.path(), &["scan", "--format", "sarif", "docs"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "llmops-lsp");
    let results = run["results"].as_array().unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ttft", "prompt-registry", "acme-gateway"]);
    assert_eq!(rules.len(), 3);
    for r in results {
        // Each result points at its own rule.
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(r["level"], "note");
    }
    let registry = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(registry["artifactLocation"]["uri"], "docs/a%20b.md");
    assert_eq!(registry["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(registry["region"]["startLine"], 2);
    assert_eq!(registry["region"]["startColumn"], 14);
    assert_eq!(registry["region"]["endColumn"], 29);
    let root = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    assert!(
        results[2]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Acme gateway: Our 100% proxy"),
        "{results:#?}"
    );
}

#[test]
fn check_sarif_is_valid_and_reports_pack_errors_as_errors() {
    let repo = repository();
    std::fs::write(
        repo.path().join(".llmops/broken.toml"),
        "[[term]]\nid = 3\nname = \"X\"\n",
    )
    .unwrap();
    let out = run_in(repo.path(), &["check", "--format", "sarif", ".llmops"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["level"], "error");
        assert_eq!(r["ruleId"], "pack-error");
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], ".llmops/broken.toml");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 2);
    }
    // A clean pack: a valid log with no results, exit 0.
    std::fs::remove_file(repo.path().join(".llmops/broken.toml")).unwrap();
    let out = run_in(repo.path(), &["check", "--format", "sarif", ".llmops"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
}

/// The schema check is not vacuous: a log missing a required property, or
/// with a region starting at column 0, is rejected.
#[test]
fn the_sarif_schema_rejects_broken_logs() {
    let validator = sarif_schema();
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    let repo = repository();
    let out = run_in(repo.path(), &["scan", "--format", "sarif", "docs"]);
    let mut log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(validator.is_valid(&log));
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        0.into();
    assert!(!validator.is_valid(&log));
}

#[test]
fn github_annotations_are_one_line_each_and_escaped() {
    let repo = repository();
    let out = run_in(repo.path(), &["scan", "--format", "github", "docs"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // Three findings, three commands: the definition's line break did not
    // start a fourth.
    for line in &lines {
        assert!(
            line.starts_with("::notice file=docs/a b.md,line=2,col="),
            "{line}"
        );
    }
    assert!(
        lines[1].starts_with(
            "::notice file=docs/a b.md,line=2,col=14,endColumn=29,title=Prompt registry::Prompt registry: "
        ),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "::notice file=docs/a b.md,line=2,col=40,endColumn=52,title=Acme gateway\
         ::Acme gateway: Our 100%25 proxy,%0A::error file=x::forged"
    );

    let out = run_in(repo.path(), &["check", "--format", "github", ".llmops"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    std::fs::write(
        repo.path().join(".llmops/bro,ken:.toml"),
        "[[term]]\nid = 3\nname = \"X\"\n",
    )
    .unwrap();
    let out = run_in(repo.path(), &["check", "--format", "github", ".llmops"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=.llmops/bro%2Cken%3A.toml,line="),
            "{line}"
        );
        assert!(line.contains(",title=Pack error::"), "{line}");
    }
}

#[test]
fn report_format_markdown_and_json_keep_the_json_flag() {
    let repo = repository();
    let markdown = run_in(repo.path(), &["report", "--format", "markdown", "docs"]);
    assert_eq!(markdown.status.code(), Some(0), "{markdown:?}");
    let default = run_in(repo.path(), &["report", "docs"]);
    assert_eq!(markdown.stdout, default.stdout);
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("| Prompt registry | 1 |"));
    let json = run_in(repo.path(), &["report", "--format", "json", "docs"]);
    let flag = run_in(repo.path(), &["report", "--json", "docs"]);
    assert_eq!(json.stdout, flag.stdout);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["termsFound"], 3);
    let both = run_in(
        repo.path(),
        &["report", "--json", "--format", "markdown", "docs"],
    );
    assert_eq!(both.status.code(), Some(2), "{both:?}");
}

/// The practice fixtures (an LLM project) copied into a fresh folder.
fn practice_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/practices");
    for name in ["app.py", "requirements.txt"] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn practices_are_their_own_rules_in_sarif_and_annotations() {
    let project = practice_project();
    let out = run_in(project.path(), &["scan", "--format", "sarif", "."]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let timeout = results
        .iter()
        .find(|r| r["ruleId"] == "practice:client-default-timeout")
        .unwrap_or_else(|| panic!("no practice result in {results:#?}"));
    let rule = &rules[timeout["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "practice:client-default-timeout");
    assert_eq!(
        rule["name"],
        "An LLM client built with the SDK's default timeout and retries"
    );
    let message = timeout["message"]["text"].as_str().unwrap();
    assert!(message.contains("10 minutes"), "{message}");
    assert!(message.contains("[client-default-timeout]"), "{message}");
    assert_eq!(
        rule["fullDescription"]["text"],
        message.split(" [").next().unwrap()
    );
    let region = &timeout["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(5), Some(10))
    );
    // Never under the lesson term: no result is filed under `request-timeout`.
    assert!(
        results.iter().all(|r| r["ruleId"] != "request-timeout") && !results.is_empty(),
        "{results:#?}"
    );

    let out = run_in(project.path(), &["scan", "--format", "github", "."]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("[client-default-timeout]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.starts_with("::notice file=app.py,line=5,col=10,")
            && line.contains(
                ",title=An LLM client built with the SDK's default timeout and retries::"
            ),
        "{line}"
    );
}
