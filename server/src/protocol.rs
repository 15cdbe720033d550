//! The editor contract in types: command names, command arguments and the
//! `data` of a term diagnostic. Editors (the VS Code and Neovim shims, any
//! other client) depend on these exact shapes; README's "editor contract"
//! documents them.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub const OPEN_EXERCISE: &str = "llmops.openExercise";
pub const ANSWER_EXERCISE: &str = "llmops.answerExercise";
pub const LIST_EXERCISES: &str = "llmops.listExercises";
pub const PROGRESS: &str = "llmops.progress";
pub const MARK_KNOWN: &str = "llmops.markKnown";
pub const FORGET_KNOWN: &str = "llmops.forgetKnown";
/// A term's entry for display: what the Neovim float and the VS Code page
/// show when a learner follows a related term.
pub const TERM_PAGE: &str = "llmops.termPage";
pub const REVEAL_ANSWER: &str = "llmops.revealAnswer";
/// Writes `.llmops/team.toml` from the commented template (see
/// `authoring.rs`); never over an existing file.
pub const CREATE_TEAM_PACK: &str = "llmops.createTeamPack";
/// Only in builds with the `test-hooks` feature: proves that a panicking
/// handler is caught. Release builds and the `.vsix` never have it.
#[cfg(feature = "test-hooks")]
pub const DEBUG_PANIC: &str = "llmops.debug.panic";
/// Only with `test-hooks`: how many rounds the save-retry timer has
/// finished, a positive sync point for tests that check what a retry must
/// not send (instead of waiting a fixed time and hoping a tick fell in it).
#[cfg(feature = "test-hooks")]
pub const DEBUG_RETRY_ROUNDS: &str = "llmops.debug.retryRounds";
/// Only with `test-hooks`: sets how many files a workspace count may read
/// (`[n]`), so a test sees the lens say where a count stopped.
#[cfg(feature = "test-hooks")]
pub const DEBUG_USES_BUDGET: &str = "llmops.debug.usesBudget";

pub const ALL_COMMANDS: &[&str] = &[
    OPEN_EXERCISE,
    ANSWER_EXERCISE,
    LIST_EXERCISES,
    PROGRESS,
    MARK_KNOWN,
    FORGET_KNOWN,
    TERM_PAGE,
    REVEAL_ANSWER,
    CREATE_TEAM_PACK,
    #[cfg(feature = "test-hooks")]
    DEBUG_PANIC,
    #[cfg(feature = "test-hooks")]
    DEBUG_RETRY_ROUNDS,
    #[cfg(feature = "test-hooks")]
    DEBUG_USES_BUDGET,
];

/// Arguments of `llmops.createTeamPack`: the workspace folder (a `file:`
/// URI; the first folder when absent) and the name of a term to put in the
/// new pack (an example term when absent).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTeamPackArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl CreateTeamPackArgs {
    pub const USAGE: &str =
        r#"[] or [{"folder": "<workspace folder URI>", "name": "<term name>"}]"#;
}

/// `data` of a term diagnostic: which term, its exercise, and whether the
/// hint is back because a review is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticData {
    pub term_id: String,
    pub exercise_id: Option<String>,
    pub review_due: bool,
}

/// `data` of an avoided phrase's warning (code `avoid:<term id>`): the
/// term and its name, the phrase to say instead. `kind` is always
/// `"avoid"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvoidDiagnosticData {
    pub kind: String,
    pub term_id: String,
    pub preferred: String,
}

/// `data` of a practice diagnostic (code `practice:<rule id>`): the
/// practice, the term whose lesson it opens, and the exercise Learn opens.
/// `kind` is always `"practice"`, so a client tells it from a term hint
/// without parsing the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PracticeDiagnosticData {
    pub kind: String,
    pub practice_id: String,
    pub term_id: String,
    pub exercise_id: Option<String>,
}

/// Declares a deserializer for an optional string field whose error names
/// the field, so a client sees "`termId` must be a string, not 3".
macro_rules! optional_string {
    ($name:ident, $key:literal) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
            match Option::<Value>::deserialize(d)? {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(D::Error::custom(format!(
                    "`{}` must be a string, not {other}",
                    $key
                ))),
            }
        }
    };
}
optional_string!(exercise_id_field, "exerciseId");
optional_string!(term_id_field, "termId");

/// `llmops.openExercise`: `[{"exerciseId": id}]` or `[{"termId": id}]`,
/// optionally with `"from"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenExerciseArgs {
    #[serde(
        default,
        deserialize_with = "exercise_id_field",
        skip_serializing_if = "Option::is_none"
    )]
    pub exercise_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "term_id_field",
        skip_serializing_if = "Option::is_none"
    )]
    pub term_id: Option<String>,
    /// Where the exercise is opened from (see [`crate::origin`]): put there
    /// by the Learn code action and the hover's Learn link, handed back in
    /// the view as `origin`. Checked on the way back; a malformed one is
    /// left out rather than refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
}

impl OpenExerciseArgs {
    pub const USAGE: &str = r#"[{"exerciseId": "<id>"}] or [{"termId": "<id>"}], optionally with "from": {"uri", "line", "character", "path", "text"}"#;
}

/// A choice as clients send it: its letter id, or a number some clients
/// send for the same thing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChoiceArg {
    Id(String),
    Number(serde_json::Number),
    /// Anything else: reported as a usage error.
    Other(Value),
}

/// `llmops.answerExercise`: `[{"exerciseId": id, "choice": "b"}]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerExerciseArgs {
    #[serde(default, deserialize_with = "exercise_id_field")]
    pub exercise_id: Option<String>,
    #[serde(default)]
    pub choice: Option<ChoiceArg>,
}

impl AnswerExerciseArgs {
    pub const USAGE: &str = r#"[{"exerciseId": "<id>", "choice": "<choice id>"}]"#;
}

/// `llmops.revealAnswer`: `[{"exerciseId": id}]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealAnswerArgs {
    #[serde(default, deserialize_with = "exercise_id_field")]
    pub exercise_id: Option<String>,
}

impl RevealAnswerArgs {
    pub const USAGE: &str = r#"[{"exerciseId": "<id>"}]"#;
}

/// `llmops.markKnown` (`termId` required) and `llmops.forgetKnown`
/// (`termId` optional: without it, every known term comes back).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermArgs {
    #[serde(
        default,
        deserialize_with = "term_id_field",
        skip_serializing_if = "Option::is_none"
    )]
    pub term_id: Option<String>,
}

impl TermArgs {
    pub const USAGE: &str = r#"[{"termId": "<id>"}]"#;
}

/// What a client told us it can do, in `initializationOptions.client`
/// (beside the `llmops` settings): `{"commandLinks": true}` when it runs
/// `command:` links in hovers (the VS Code shim, whose hovers trust our
/// own commands only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientFeatures {
    #[serde(default)]
    pub command_links: bool,
}

impl ClientFeatures {
    /// Reads `initializationOptions.client`; anything else means none.
    pub fn from_init_options(options: Option<&Value>) -> ClientFeatures {
        options
            .and_then(|o| o.get("client"))
            .and_then(|c| ClientFeatures::deserialize(c).ok())
            .unwrap_or_default()
    }
}

/// `notSaved` in a command's result: the progress file could not be
/// written, so this many changes (the one just made included, if the
/// command made one) live only in this server's memory. They are saved as
/// soon as the disk accepts a write (the server retries every
/// [`crate::backend::SAVE_RETRY_EVERY`]); if the editor closes or the
/// server is killed first, they are lost. Absent when everything is saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSaved {
    pub changes: usize,
    /// Why the last save failed (the operating system's words).
    pub reason: String,
    /// One sentence for the learner.
    pub message: String,
}

impl NotSaved {
    pub fn new(changes: usize, reason: &str) -> NotSaved {
        NotSaved {
            changes,
            reason: reason.to_string(),
            message: format!(
                "Not saved to disk ({reason}): {changes} change(s) are kept in memory only and are saved when the disk accepts writes again; they are lost if the editor closes first."
            ),
        }
    }
}
