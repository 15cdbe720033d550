//! The `llmops.*` commands and progress that survives restarts.

use std::fs;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

fn wrong_choice(exercise: &str) -> String {
    let right = right_choice(exercise);
    if right == "a" { "b".into() } else { "a".into() }
}

fn choice_ids(view: &Value) -> Vec<String> {
    view["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn open_exercise_by_id_or_term_never_reveals_the_answer_and_shuffles() {
    let mut server = Server::new_default();
    // Never seen: the term opens its first exercise.
    let by_term = server.command_ok("llmops.openExercise", json!([{"termId": "ttft"}]));
    let by_id = server.command_ok("llmops.openExercise", json!([{"exerciseId": "ttft-1"}]));
    for key in [
        "id",
        "title",
        "term",
        "termName",
        "module",
        "moduleName",
        "scenario",
        "question",
        "choices",
        "completed",
        "number",
        "total",
    ] {
        assert!(by_id.get(key).is_some(), "missing {key}: {by_id}");
        if key != "choices" {
            assert_eq!(by_id[key], by_term[key], "{key}");
        }
    }
    assert_eq!(by_id["id"], "ttft-1");
    assert_eq!(by_id["term"], "ttft");
    assert_eq!(by_id["module"], "latency");
    assert_eq!(by_id["moduleName"], "Latency");
    assert_eq!(by_id["completed"], false);
    assert_eq!(by_id["generated"], false);
    assert_eq!(by_id["total"], builtin_total());
    let mut ids = choice_ids(&by_id);
    ids.sort();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let text = by_id.to_string();
    // Nor the vocabulary: its first entry, the term's definition, is what
    // the right choice echoes (it comes with the first answer).
    for leak in [
        "answer",
        "rightChoice",
        "correct",
        "explanation",
        "why",
        "vocabulary",
    ] {
        assert!(
            !text.contains(&format!("\"{leak}\"")),
            "{leak} leaked: {text}"
        );
    }
    // The order changes from one opening to the next; ids stay with texts.
    let mut orders = std::collections::BTreeSet::new();
    let mut texts: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    for _ in 0..12 {
        let view = server.command_ok("llmops.openExercise", json!([{"exerciseId": "ttft-1"}]));
        for c in view["choices"].as_array().unwrap() {
            let previous = texts.insert(c["id"].to_string(), c["text"].clone());
            assert!(previous.is_none_or(|p| p == c["text"]));
        }
        orders.insert(choice_ids(&view));
    }
    assert!(orders.len() > 2, "{orders:?}");
    // Seen just now: the term's other exercise is opened next.
    let next = server.command_ok("llmops.openExercise", json!([{"termId": "ttft"}]));
    assert_eq!(next["id"], "ttft-2");
}

#[test]
fn a_wrong_answer_explains_only_that_choice_and_a_right_one_completes() {
    let mut server = Server::new_default();
    let total = builtin_total();
    let wrong = wrong_choice("model-alias-1");
    let right = right_choice("model-alias-1");
    let r = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "model-alias-1", "choice": wrong}]),
    );
    assert_eq!(r["correct"], false);
    assert_eq!(r["chosen"], wrong.as_str());
    let why = r["why"].as_object().unwrap();
    assert_eq!(why.len(), 1, "{r}");
    assert!(why[&wrong].as_str().unwrap().len() > 20);
    assert!(r.get("rightChoice").is_none(), "{r}");
    assert!(r.get("explanation").is_none(), "{r}");
    assert_eq!(r["completed"], false);
    assert_eq!(r["progress"], json!({"completed": 0, "total": total}));
    // The vocabulary comes with the first try, the exercise's term in it.
    let vocabulary = r["vocabulary"].as_array().unwrap();
    let term = vocabulary.iter().find(|v| v["id"] == "model-alias");
    assert!(
        term.is_some_and(|t| t["definition"].as_str().unwrap().len() > 20),
        "{r}"
    );
    let r = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "model-alias-1", "choice": right}]),
    );
    assert_eq!(r["correct"], true);
    assert_eq!(r["completed"], true);
    assert_eq!(r["rightChoice"], right.as_str());
    assert_eq!(r["why"].as_object().unwrap().len(), 4);
    assert!(r["explanation"].as_str().unwrap().len() > 40);
    assert_eq!(r["progress"], json!({"completed": 1, "total": total}));
    let list = server.command_ok("llmops.listExercises", json!([]));
    let list = list.as_array().unwrap();
    let at = list
        .iter()
        .position(|e| e["id"] == "model-alias-1")
        .unwrap();
    assert_eq!(r["nextExerciseId"], list[at + 1]["id"]);
    // Answering wrong afterwards does not undo completion.
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "model-alias-1", "choice": wrong}]),
    );
    assert_eq!(list.len(), total);
    for e in list {
        for key in [
            "id",
            "title",
            "term",
            "termName",
            "module",
            "moduleName",
            "completed",
            "attempts",
        ] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    assert_eq!(list[at]["module"], "releases");
    let progress = server.command_ok("llmops.progress", json!([]));
    assert_eq!(progress["completed"], 1);
    assert_eq!(progress["total"], total);
    let modules = progress["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 11, "ten topic modules and the practices one");
    assert_eq!(modules[0]["id"], "prompts");
    let releases = modules.iter().find(|m| m["id"] == "releases").unwrap();
    assert_eq!(releases["name"], "Model registry and releases");
    assert_eq!(releases["completed"], 1);
    let in_module = list.iter().filter(|e| e["module"] == "releases").count();
    assert_eq!(releases["total"], in_module);
    let sum: u64 = modules.iter().map(|m| m["total"].as_u64().unwrap()).sum();
    assert_eq!(sum as usize, total);
    let opened = server.command_ok(
        "llmops.openExercise",
        json!([{"exerciseId": "model-alias-1"}]),
    );
    assert_eq!(opened["completed"], true);
}

#[test]
fn reveal_shows_everything_and_the_exercise_waits_for_a_later_review() {
    let mut server = Server::new_default();
    let right = right_choice("ttft-1");
    server.command_ok("llmops.openExercise", json!([{"exerciseId": "ttft-1"}]));
    let shown = server.command_ok("llmops.revealAnswer", json!([{"exerciseId": "ttft-1"}]));
    assert_eq!(shown["rightChoice"], right.as_str());
    assert_eq!(shown["why"].as_object().unwrap().len(), 4);
    assert!(shown["explanation"].as_str().unwrap().len() > 40);
    assert_eq!(shown["completed"], false);
    assert!(
        shown["vocabulary"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == "ttft"),
        "{shown}"
    );
    // Clicking the right choice now is right, but does not complete it.
    let r = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right}]),
    );
    assert_eq!(r["correct"], true);
    assert_eq!(r["completed"], false);
    assert_eq!(r["progress"]["completed"], 0);
    // The reveal counted as a lapse: the term is being learned, not known.
    let progress = server.command_ok("llmops.progress", json!([]));
    assert_eq!(progress["terms"]["ttft"], "learning");
    for (args, message) in [
        (json!([]), "expects arguments"),
        (json!([{}]), "expects arguments"),
        (
            json!([{"exerciseId": "nope"}]),
            "unknown exercise id `nope`",
        ),
    ] {
        let response = server.command("llmops.revealAnswer", args.clone());
        assert_eq!(response["error"]["code"], -32602, "{args}: {response}");
        assert!(
            response["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(message),
            "{args}: {response}"
        );
    }
}

#[test]
fn bad_ids_and_arguments_get_clear_errors() {
    let mut server = Server::new_default();
    let cases = [
        (
            "llmops.openExercise",
            json!([{"exerciseId": "nope"}]),
            "unknown exercise id `nope`",
        ),
        (
            "llmops.openExercise",
            json!([{"termId": "nope"}]),
            "unknown term id `nope`",
        ),
        ("llmops.openExercise", json!([]), "expects arguments"),
        (
            "llmops.openExercise",
            json!(["ttft-1"]),
            "expects arguments",
        ),
        (
            "llmops.openExercise",
            json!([{"exerciseId": 3}]),
            "must be a string",
        ),
        (
            "llmops.answerExercise",
            json!([{"exerciseId": "ttft-1"}]),
            "expects arguments",
        ),
        (
            "llmops.answerExercise",
            json!([{"exerciseId": "ttft-1", "choice": "z"}]),
            "has no choice `z`",
        ),
        (
            "llmops.answerExercise",
            json!([{"exerciseId": "x", "choice": "a"}]),
            "unknown exercise id",
        ),
        ("llmops.noSuchCommand", json!([]), "unknown command"),
    ];
    for (command, args, message) in cases {
        let response = server.command(command, args.clone());
        let error = &response["error"];
        assert_eq!(error["code"], -32602, "{command} {args}: {response}");
        assert!(
            error["message"].as_str().unwrap_or("").contains(message),
            "{command} {args}: {response}"
        );
    }
    // Still fine afterwards.
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["completed"],
        0
    );
}

#[test]
fn progress_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = Start::with_data_dir(dir.path());
    let (mut server, _) = Server::initialized(start.clone(), json!({}), Value::Null);
    let right = right_choice("ttft-1");
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right}]),
    );
    assert!(server.stop().success());
    let stored: Value =
        serde_json::from_slice(&fs::read(dir.path().join("progress.json")).unwrap()).unwrap();
    assert_eq!(stored["exercises"]["ttft-1"]["completed"], true);

    let (mut again, _) = Server::initialized(start, json!({}), Value::Null);
    let progress = again.command_ok("llmops.progress", json!([]));
    assert_eq!(progress["completed"], 1);
    assert_eq!(
        again.command_ok("llmops.openExercise", json!([{"exerciseId": "ttft-1"}]))["completed"],
        true
    );
}

#[test]
fn a_corrupt_progress_file_is_set_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"{\"exercises\": {\"ttft-1\": tru";
    fs::write(dir.path().join("progress.json"), garbage).unwrap();
    let start = Start::with_data_dir(dir.path());
    let (mut server, _) = Server::initialized(start, json!({}), Value::Null);
    let shown = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("corrupt") && text.contains("progress.json.corrupt-"),
        "{text}"
    );
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["completed"],
        0
    );
    let aside: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("progress.json.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(fs::read(aside[0].path()).unwrap(), garbage);
    // New answers go to a fresh file; the set-aside copy is untouched.
    let right = right_choice("ttft-1");
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": "ttft-1", "choice": right}]),
    );
    assert_eq!(fs::read(aside[0].path()).unwrap(), garbage);
    assert!(
        fs::read_to_string(dir.path().join("progress.json"))
            .unwrap()
            .contains("ttft-1")
    );
    assert!(server.stop().success());
}

#[test]
fn two_windows_answering_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let start = Start::with_data_dir(dir.path());
    let (mut a, _) = Server::initialized(start.clone(), json!({}), Value::Null);
    let (mut b, _) = Server::initialized(start.clone(), json!({}), Value::Null);
    let ids = [
        "prompt-registry-1",
        "model-alias-1",
        "ttft-1",
        "prompt-ab-test-1",
        "quality-drift-1",
    ];
    // Interleave answers from both servers without waiting for each other.
    let mut pending = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let server = if i % 2 == 0 { &mut a } else { &mut b };
        let req = server.send_request(
            "workspace/executeCommand",
            json!({"command": "llmops.answerExercise",
                   "arguments": [{"exerciseId": id, "choice": right_choice(id)}]}),
        );
        pending.push((i % 2, req));
    }
    for (which, id) in pending {
        let server = if which == 0 { &mut a } else { &mut b };
        let response = server.wait_for(WAIT, |m| m["id"] == id && m.get("method").is_none());
        assert_eq!(response["result"]["correct"], true, "{response}");
    }
    drop(a);
    drop(b);
    let (mut c, _) = Server::initialized(start, json!({}), Value::Null);
    assert_eq!(c.command_ok("llmops.progress", json!([]))["completed"], 5);
}

#[test]
#[cfg_attr(not(feature = "test-hooks"), ignore = "needs --features test-hooks")]
fn a_read_only_data_dir_is_reported_once_and_progress_kept_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let mut perms = fs::metadata(&data).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&data, perms).unwrap();
    // Root ignores permission bits; detect that and use a path under a file instead.
    let probe = fs::write(data.join("probe"), b"x").is_ok();
    let data = if probe {
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"x").unwrap();
        file.join("data")
    } else {
        data
    };
    let start = Start::with_data_dir(data);
    let (mut server, _) = Server::initialized(start, json!({}), Value::Null);
    for id in ["ttft-1", "model-alias-1"] {
        server.command_ok(
            "llmops.answerExercise",
            json!([{"exerciseId": id, "choice": right_choice(id)}]),
        );
    }
    assert_eq!(
        server.command_ok("llmops.progress", json!([]))["completed"],
        2
    );
    // A positive sync point: two more rounds of the save-retry timer have
    // finished (each retries the pending save and fails again), and their
    // count is answered after anything they sent.
    let rounds = |server: &mut Server| {
        server
            .command_ok("llmops.debug.retryRounds", json!([]))
            .as_u64()
            .expect("a count")
    };
    let first = rounds(&mut server);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while rounds(&mut server) < first + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the retry timer stopped"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let messages = std::mem::take(&mut server.inbox);
    let warnings: Vec<&Value> = messages
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .filter(|m| {
            m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("cannot save progress")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{messages:#?}");
}
