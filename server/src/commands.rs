//! `workspace/executeCommand`: the exercise and progress commands editors
//! call. Arguments are parsed into the types of [`crate::protocol`]; the
//! progress store is written with the state unlocked (see [`crate::state`]).

use llmops_core::content::Content;
use llmops_core::course;
use llmops_core::policy::{Learner, ProgressView};
use llmops_core::progress::{Notice, ProgressData};
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ServerError;
use crate::origin;
use crate::protocol::*;
use crate::state::Shared;

pub struct CommandResult {
    pub value: Value,
    /// The learner's state changed: diagnostics must be recomputed.
    pub changed_learning: bool,
    /// Something the user should hear about (a failed save).
    pub notice: Option<Notice>,
}

fn done(value: impl Serialize) -> Result<CommandResult, ServerError> {
    Ok(CommandResult {
        value: to_json(value)?,
        changed_learning: false,
        notice: None,
    })
}

fn to_json(value: impl Serialize) -> Result<Value, ServerError> {
    serde_json::to_value(value).map_err(|e| ServerError::Internal(e.to_string()))
}

/// The single object argument of a command, as `T`.
fn object_arg<T: DeserializeOwned>(
    command: &str,
    args: &[Value],
    usage: &'static str,
) -> Result<T, ServerError> {
    let usage_error = || ServerError::Usage {
        command: command.to_string(),
        usage,
    };
    let object = args
        .first()
        .filter(|v| v.is_object())
        .ok_or_else(usage_error)?;
    T::deserialize(object).map_err(|e| ServerError::BadArgument(e.to_string()))
}

/// Longest command name taken, in characters (ours are under 30).
pub const MAX_COMMAND_CHARS: usize = 64;
/// Most arguments, array items or object fields in a command's arguments
/// (ours take one object of at most two fields).
pub const MAX_ARG_ITEMS: usize = 16;
/// Deepest nesting of arrays and objects in a command's arguments.
pub const MAX_ARG_DEPTH: usize = 4;
/// Most values in a command's arguments, all levels together.
pub const MAX_ARG_VALUES: usize = 64;
/// Longest string in a command's arguments (ids, choices), in characters:
/// the longest id a pack may define.
pub const MAX_ARG_CHARS: usize = llmops_core::content::limits::MAX_NAME_CHARS;

/// Refuses a command whose name or arguments are over the bounds above,
/// before anything looks them up or quotes them in an error. Cost: at most
/// `MAX_ARG_VALUES` values are looked at, strings by length.
fn within_bounds(command: &str, args: &[Value]) -> Result<(), ServerError> {
    let too_large = |what: String| ServerError::TooLarge(what);
    if command.chars().count() > MAX_COMMAND_CHARS {
        return Err(too_large(format!(
            "the command name is {} characters long; at most {MAX_COMMAND_CHARS} are allowed",
            command.chars().count()
        )));
    }
    let over = |what: String| too_large(format!("{command}: {what}"));
    if args.len() > MAX_ARG_ITEMS {
        return Err(over(format!(
            "{} arguments; at most {MAX_ARG_ITEMS} are allowed",
            args.len()
        )));
    }
    let mut stack: Vec<(&Value, usize)> = args.iter().map(|v| (v, 1)).collect();
    let mut seen = 0;
    while let Some((value, depth)) = stack.pop() {
        seen += 1;
        if seen > MAX_ARG_VALUES {
            return Err(over(format!(
                "arguments hold more than {MAX_ARG_VALUES} values"
            )));
        }
        let children: Vec<&Value> = match value {
            Value::String(s) if s.len() > MAX_ARG_CHARS => {
                let chars = s.chars().count();
                if chars > MAX_ARG_CHARS {
                    return Err(over(format!(
                        "an argument string is {chars} characters long; at most {MAX_ARG_CHARS} are allowed"
                    )));
                }
                continue;
            }
            Value::Array(items) => items.iter().collect(),
            Value::Object(fields) => {
                if let Some(key) = fields.keys().find(|k| k.chars().count() > MAX_ARG_CHARS) {
                    return Err(over(format!(
                        "an argument field name is {} characters long; at most {MAX_ARG_CHARS} are allowed",
                        key.chars().count()
                    )));
                }
                fields.values().collect()
            }
            _ => continue,
        };
        if children.len() > MAX_ARG_ITEMS {
            return Err(over(format!(
                "an argument list or object has {} entries; at most {MAX_ARG_ITEMS} are allowed",
                children.len()
            )));
        }
        if depth >= MAX_ARG_DEPTH && !children.is_empty() {
            return Err(over(format!(
                "arguments nest deeper than {MAX_ARG_DEPTH} levels"
            )));
        }
        stack.extend(children.into_iter().map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// What `llmops.progress` (and the known-term commands) answer.
fn progress_view(content: &Content, data: &ProgressData, mastery: u32, now: u64) -> ProgressView {
    ProgressView::new(content, &Learner::new(data, mastery, now))
}

/// Runs a command. Blocking: it may write the progress file, so callers
/// run it off the async workers.
///
/// While changes are kept in memory only (the last save failed: full disk,
/// read-only folder), every object result carries `notSaved`, so the
/// learner is told at each answer, not only by the one-time notice, that
/// what they just did is not on disk yet (see [`NotSaved`]).
pub fn execute(
    shared: &Arc<Shared>,
    command: &str,
    args: &[Value],
) -> Result<CommandResult, ServerError> {
    within_bounds(command, args)?;
    let mut result = run(shared, command, args)?;
    crate::render::mark_invisible_in_json(&mut result.value);
    if let (Some((changes, reason)), Some(object)) =
        (shared.unsaved(), result.value.as_object_mut())
    {
        let not_saved = NotSaved::new(changes, &reason);
        object.insert("notSaved".into(), to_json(not_saved)?);
    }
    Ok(result)
}

fn run(shared: &Arc<Shared>, command: &str, args: &[Value]) -> Result<CommandResult, ServerError> {
    let (content, mastery, clock) = {
        let state = shared.lock();
        (
            state.content.clone(),
            state.settings.mastery,
            state.clock.clone(),
        )
    };
    match command {
        OPEN_EXERCISE => {
            let usage = OpenExerciseArgs::USAGE;
            let args: OpenExerciseArgs = object_arg(command, args, usage)?;
            if args.exercise_id.is_none() && args.term_id.is_none() {
                return Err(ServerError::Usage {
                    command: command.into(),
                    usage,
                });
            }
            shared.refresh_progress();
            let progress = shared.lock().progress.clone();
            let exercise = course::find(
                &content,
                &progress,
                args.exercise_id.as_deref(),
                args.term_id.as_deref(),
            )?;
            // Opening records when the exercise was seen (a review opens the
            // one seen least recently) and shuffles its choices afresh.
            let (view, notice) = shared.with_store(|store| {
                course::open(
                    &content,
                    store,
                    exercise,
                    clock.now(),
                    course::random_seed(),
                )
            });
            let mut value = to_json(view)?;
            // The line it was opened from, made inert again. Not for a
            // generated question: its choices are term names, and the line
            // holds the one it asks for.
            let from = args.from.as_ref().and_then(origin::from_argument);
            if let (Some(from), false, Some(fields)) =
                (from, exercise.generated, value.as_object_mut())
            {
                fields.insert("origin".into(), to_json(from)?);
            }
            Ok(CommandResult {
                value,
                changed_learning: false,
                notice,
            })
        }
        ANSWER_EXERCISE => {
            let usage = AnswerExerciseArgs::USAGE;
            let usage_error = || ServerError::Usage {
                command: command.into(),
                usage,
            };
            let args: AnswerExerciseArgs = object_arg(command, args, usage)?;
            let exercise_id = args.exercise_id.ok_or_else(usage_error)?;
            let choice = match args.choice {
                Some(ChoiceArg::Id(s)) => s,
                Some(ChoiceArg::Number(n)) => n.to_string(),
                _ => return Err(usage_error()),
            };
            let exercise =
                course::find(&content, &ProgressData::default(), Some(&exercise_id), None)?;
            let (answer, notice) = shared.with_store(|store| {
                course::answer(&content, store, exercise, &choice, clock.now())
            })?;
            Ok(CommandResult {
                value: to_json(answer)?,
                changed_learning: true,
                notice,
            })
        }
        REVEAL_ANSWER => {
            let usage = RevealAnswerArgs::USAGE;
            let args: RevealAnswerArgs = object_arg(command, args, usage)?;
            let exercise_id = args.exercise_id.ok_or_else(|| ServerError::Usage {
                command: command.into(),
                usage,
            })?;
            let exercise =
                course::find(&content, &ProgressData::default(), Some(&exercise_id), None)?;
            let (revealed, notice) =
                shared.with_store(|store| course::reveal(&content, store, exercise, clock.now()));
            Ok(CommandResult {
                value: to_json(revealed)?,
                changed_learning: true,
                notice,
            })
        }
        LIST_EXERCISES => {
            shared.refresh_progress();
            let progress = shared.lock().progress.clone();
            done(course::list(&content, &progress))
        }
        PROGRESS => {
            shared.refresh_progress();
            let progress = shared.lock().progress.clone();
            done(progress_view(&content, &progress, mastery, clock.now()))
        }
        MARK_KNOWN | FORGET_KNOWN => {
            let usage_error = || ServerError::Usage {
                command: command.into(),
                usage: TermArgs::USAGE,
            };
            let args: TermArgs = if args.is_empty() {
                TermArgs::default()
            } else {
                object_arg(command, args, TermArgs::USAGE)?
            };
            if let Some(id) = &args.term_id
                && content.term(id).is_none()
                && !crate::practices::is_known_key(&content, id)
            {
                return Err(ServerError::Course(course::CourseError::UnknownTerm(
                    id.clone(),
                )));
            }
            let mark = command == MARK_KNOWN;
            if mark && args.term_id.is_none() {
                return Err(usage_error());
            }
            let term_id = args.term_id;
            let notice = shared.with_store(|store| {
                store.update(move |data| match &term_id {
                    Some(id) if mark => {
                        data.known_terms.insert(id.clone());
                    }
                    Some(id) => {
                        data.known_terms.remove(id);
                    }
                    None => data.known_terms.clear(),
                })
            });
            let progress = shared.lock().progress.clone();
            Ok(CommandResult {
                value: to_json(progress_view(&content, &progress, mastery, clock.now()))?,
                changed_learning: true,
                notice,
            })
        }
        TERM_PAGE => {
            let args: TermArgs = object_arg(command, args, TermArgs::USAGE)?;
            let id = args.term_id.ok_or_else(|| ServerError::Usage {
                command: command.into(),
                usage: TermArgs::USAGE,
            })?;
            shared.refresh_progress();
            let progress = shared.lock().progress.clone();
            done(crate::term_page::page(
                &content,
                &progress,
                mastery,
                clock.now(),
                &id,
            )?)
        }
        CREATE_TEAM_PACK => {
            let args: CreateTeamPackArgs = if args.is_empty() {
                CreateTeamPackArgs::default()
            } else {
                object_arg(command, args, CreateTeamPackArgs::USAGE)?
            };
            done(crate::authoring::create_team_pack(shared, args)?)
        }
        #[cfg(feature = "test-hooks")]
        // Panics holding the progress store's lock and the state lock, so
        // the test that calls it proves poisoned locks are survived.
        DEBUG_PANIC => shared.with_store(|_store| {
            let _state = shared.lock();
            panic!("debug panic requested by a test")
        }),
        #[cfg(feature = "test-hooks")]
        DEBUG_RETRY_ROUNDS => done(
            shared
                .retry_rounds
                .load(std::sync::atomic::Ordering::SeqCst),
        ),
        #[cfg(feature = "test-hooks")]
        DEBUG_USES_BUDGET => {
            let files = args.first().and_then(Value::as_u64).unwrap_or(0) as usize;
            shared.lock().uses.budget.files = files;
            done(files)
        }
        other => Err(ServerError::UnknownCommand(other.to_string())),
    }
}
