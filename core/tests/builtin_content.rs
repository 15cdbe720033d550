//! The built-in pack: valid against the published schema, complete, and
//! quiet (no phrase that is an ordinary word on its own).

use llmops_core::Content;
use llmops_core::content::{BUILTIN_FILES, builtin_packs};

/// Single words too common to be terms on their own: a hit on any of them
/// would be noise in ordinary code and prose.
const ORDINARY: &[&str] = &[
    "alias",
    "drift",
    "trace",
    "span",
    "registry",
    "rollback",
    "control",
    "treatment",
    "canary",
    "champion",
    "challenger",
    "cache",
    "judge",
    "latency",
    "throughput",
    "evaluation",
    "eval",
    "test",
    "metric",
    "prompt",
    "model",
    "version",
    "audit",
    "token",
    "tokens",
    "dataset",
    "baseline",
    "feedback",
    "release",
    "experiment",
    "fallback",
    "router",
    "agent",
    "context",
    "embedding",
    "template",
    "pipeline",
    "deployment",
    "monitoring",
    "observability",
    "gateway",
    "routing",
    "streaming",
    "prefill",
    "decode",
    "budget",
    "cost",
    "quality",
    "data",
];

#[test]
fn the_builtin_pack_matches_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../content/schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut errors: Vec<String> = Vec::new();
    for file in BUILTIN_FILES {
        let pack: serde_json::Value = toml::from_str(file.source).unwrap();
        errors.extend(
            validator
                .iter_errors(&pack)
                .map(|e| format!("{}: {e}", file.path)),
        );
    }
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema rejects what the loader rejects.
    let bad: serde_json::Value = toml::from_str(
        "[[term]]\nid = \"x\"\nname = \"x y\"\ndefinition = \"d\"\ndefintion = \"typo\"\n",
    )
    .unwrap();
    assert!(!validator.is_valid(&bad));
    let with_context = |value: &str| -> serde_json::Value {
        toml::from_str(&format!(
            "[[term]]\nid = \"x\"\nname = \"x y\"\ndefinition = \"d\"\ncontext = \"{value}\"\n"
        ))
        .unwrap()
    };
    assert!(validator.is_valid(&with_context("llm")));
    assert!(!validator.is_valid(&with_context("ml")));
}

#[test]
fn the_builtin_pack_is_complete_and_consistent() {
    let content = Content::builtin().expect("built-in content loads");
    assert!(content.terms.len() >= 30, "{} terms", content.terms.len());
    let ids: Vec<&str> = content.exercises.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "prompt-registry-1",
            "model-alias-1",
            "ttft-1",
            "prompt-ab-test-1",
            "quality-drift-1"
        ]
    );
    let mut answers = std::collections::BTreeSet::new();
    for exercise in &content.exercises {
        assert_eq!(exercise.choices.len(), 4, "{}", exercise.id);
        assert!(
            exercise.explanation.len() > 200,
            "{} explains too little",
            exercise.id
        );
        assert!(
            !exercise.vocabulary.is_empty(),
            "{} has no vocabulary",
            exercise.id
        );
        assert_eq!(
            content
                .term(&exercise.term)
                .and_then(|t| t.exercise.as_deref()),
            Some(exercise.id.as_str())
        );
        answers.insert(exercise.answer);
    }
    assert!(
        answers.len() >= 3,
        "right answers should not sit at one index"
    );
    for term in &content.terms {
        assert!(
            term.definition.len() <= 300,
            "{} definition too long",
            term.id
        );
        assert!(!term.summary().is_empty());
    }
    // The loader's own checks (references, duplicates) pass too.
    assert!(builtin_packs().is_ok());
}

#[test]
fn no_builtin_phrase_is_an_ordinary_word_alone() {
    let content = Content::builtin().unwrap();
    for term in &content.terms {
        for phrase in term.phrases() {
            let lower = phrase.to_ascii_lowercase();
            assert!(
                !ORDINARY.contains(&lower.as_str()),
                "{}: {phrase:?} is an ordinary word",
                term.id
            );
            // Ordinary words never hit even in identifier forms.
        }
    }
    for word in ORDINARY {
        let text = format!("{word} {} {}_x x{word}", word.to_uppercase(), word);
        assert!(
            content.matcher.find_all(&text).is_empty(),
            "{word} is spotted"
        );
    }
}
