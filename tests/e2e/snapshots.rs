//! What the server says, as data: fixtures with `$0` markers and inline
//! snapshots of diagnostics, hovers and code actions (see
//! `support::fixture`; `UPDATE_EXPECT=1` rewrites the snapshots).

use expect_test::expect;
use serde_json::{Value, json};

use crate::support::fixture::*;

#[test]
fn identifier_forms_and_ignore_markers() {
    check_diagnostics(
        "python",
        Value::Null,
        "ttft_ms = measure()  # TTFT per request\nregistry = PromptRegistry()  # llmops: ignore\n# llmops: ignore-next-line\nalias = MODEL_ALIAS\n",
        expect![[r#"
            ttft_ms = measure()  # TTFT per request
            ^^^^ ttft (sev 4): Time to first token (LLMOps term)
                                   ^^^^ ttft (sev 4): Time to first token (LLMOps term)
            registry = PromptRegistry()  # llmops: ignore
            # llmops: ignore-next-line
            alias = MODEL_ALIAS
        "#]],
    );
}

#[test]
fn first_occurrence_only_and_severity_from_settings() {
    check_diagnostics(
        "markdown",
        json!({"firstOccurrenceOnly": true, "severity": "warning"}),
        "TTFT, TTFT and the prompt registry.\nThe prompt registry again.\n",
        expect![[r#"
            TTFT, TTFT and the prompt registry.
            ^^^^ ttft (sev 2): Time to first token (LLMOps term)
                               ^^^^^^^^^^^^^^^ prompt-registry (sev 2): Prompt registry (LLMOps term)
            The prompt registry again.
        "#]],
    );
}

#[test]
fn hover_on_a_term_and_beside_it() {
    check_hover(
        "Our 😀 T$0TFT budget",
        expect![[r#"
            {"character":7,"line":0} {"character":11,"line":0}
            **Time to first token** · also: TTFT, first-token latency"#]],
    );
    check_hover("Our$0 TTFT budget", expect!["null"]);
}

#[test]
fn code_actions_for_a_term_under_the_cursor() {
    check_code_actions(
        "x = 1\nlatency = ttft$0_ms\n",
        expect![[r#"
            Learn: Time to first token (exercise 60 of 330) -> llmops.openExercise [{"exerciseId":"ttft-1","from":{"character":10,"line":1,"path":"doc.md","text":"latency = ttft_ms","uri":"file:///fixture/doc.md"}}]
            I know this term: Time to first token -> llmops.markKnown [{"termId":"ttft"}]
            Ignore LLMOps terms on this line -> edit
            Ignore LLMOps terms in this file -> edit
        "#]],
    );
}
