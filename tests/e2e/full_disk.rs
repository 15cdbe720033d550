//! Progress on a full disk, through the real binary: the disk "fills up"
//! while the learner answers, then has space again. No root is needed: the
//! test lowers the running server's file size limit (`RLIMIT_FSIZE`, with
//! `prlimit(2)`) so that every write to the progress file fails with
//! `EFBIG`, exactly where a full disk fails with `ENOSPC`, and raises it
//! again later. The server ignores SIGXFSZ, so the write fails instead of
//! killing it. (A small tmpfs or loop mount would need root.)

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::support::*;

/// How long the server may take to notice space is back with nothing else
/// happening: its retry period (2 s) plus a loaded CI machine's slack.
const RETRY_BOUND: Duration = Duration::from_secs(6);

/// Sets the soft file size limit of process `pid` (`None`: unlimited),
/// keeping its hard limit, so that it can be raised again without root.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit reads and writes only the two structs passed in.
    let got = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, std::ptr::null(), &mut old) };
    assert_eq!(
        got,
        0,
        "read the limit: {}",
        std::io::Error::last_os_error()
    );
    let new = libc::rlimit {
        rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY),
        rlim_max: old.rlim_max,
    };
    // SAFETY: as above.
    let set = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, &new, std::ptr::null_mut()) };
    assert_eq!(set, 0, "set the limit: {}", std::io::Error::last_os_error());
}

/// The first `n` exercise ids of the built-in course.
fn exercise_ids(server: &mut Server, n: usize) -> Vec<String> {
    let list = server.command_ok("llmops.listExercises", json!([]));
    let ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .take(n)
        .collect();
    assert_eq!(ids.len(), n, "{list}");
    ids
}

fn answer_right(server: &mut Server, id: &str) -> Value {
    let result = server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": id, "choice": right_choice(id)}]),
    );
    assert_eq!(result["correct"], true, "{result}");
    result
}

/// What `progress.json` holds now: completed exercise ids and known terms.
fn on_disk(dir: &Path) -> (Vec<String>, Vec<String>) {
    let bytes = fs::read(dir.join("progress.json")).expect("progress.json exists");
    let data: Value = serde_json::from_slice(&bytes).expect("progress.json is whole JSON");
    let completed = data["exercises"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, r)| r["completed"] == true)
                .map(|(id, _)| id.clone())
                .collect()
        })
        .unwrap_or_default();
    let known = data["knownTerms"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (completed, known)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Files in the data folder whose names mark a temporary of a save.
fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".progress.json.") && n.ends_with(".tmp"))
        .collect()
}

/// The completed exercises a fresh server reports.
fn completed_after_restart(dir: &Path) -> (Vec<String>, u64) {
    let (mut server, _) = Server::initialized(Start::with_data_dir(dir), json!({}), Value::Null);
    let list = server.command_ok("llmops.listExercises", json!([]));
    let completed = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["completed"] == true)
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    let progress = server.command_ok("llmops.progress", json!([]));
    assert!(progress.get("notSaved").is_none(), "{progress}");
    let known = progress["known"].as_u64().unwrap();
    assert!(server.stop().success());
    (sorted(completed), known)
}

#[test]
fn a_full_disk_then_space_again_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(dir.path()),
        json!({}),
        Value::Null,
    );
    let pid = server.pid();
    let ids = exercise_ids(&mut server, 4);
    let first = answer_right(&mut server, &ids[0]);
    assert!(first.get("notSaved").is_none(), "saved: {first}");
    assert_eq!(on_disk(dir.path()).0, [ids[0].clone()]);

    // The disk is full: every answer and the known mark say they are not
    // saved, counting what is kept in memory; the server lives on.
    limit_file_size(pid, Some(0));
    let second = answer_right(&mut server, &ids[1]);
    assert_eq!(second["notSaved"]["changes"], 1, "{second}");
    let message = second["notSaved"]["message"].as_str().unwrap();
    assert!(message.starts_with("Not saved to disk"), "{message}");
    let reason = second["notSaved"]["reason"].as_str().unwrap();
    assert!(reason.contains("too large"), "EFBIG expected: {reason}");
    let notice = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    let text = notice["params"]["message"].as_str().unwrap();
    assert!(text.contains("cannot save progress"), "{text}");
    let known = server.command_ok("llmops.markKnown", json!([{"termId": "ttft"}]));
    assert_eq!(known["notSaved"]["changes"], 2, "{known}");
    assert_eq!(known["known"], 1, "in effect in memory: {known}");
    let third = answer_right(&mut server, &ids[2]);
    assert_eq!(third["notSaved"]["changes"], 3, "{third}");
    assert_eq!(
        on_disk(dir.path()),
        (vec![ids[0].clone()], vec![]),
        "nothing unsaved reached the file"
    );
    assert!(
        temporaries(dir.path()).is_empty(),
        "failed saves leave no temporary"
    );
    let view = server.command_ok("llmops.progress", json!([]));
    assert_eq!(view["notSaved"]["changes"], 3, "{view}");

    // Space again, and no other answer: the retry timer saves everything.
    limit_file_size(pid, None);
    let space_back = Instant::now();
    let saved = server.wait_for(RETRY_BOUND, |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("saved to"))
    });
    let waited = space_back.elapsed();
    let text = saved["params"]["message"].as_str().unwrap();
    assert!(text.contains("the 3 change(s)"), "{text}");
    assert!(waited <= RETRY_BOUND, "{waited:?}");
    assert_eq!(
        (sorted(on_disk(dir.path()).0), on_disk(dir.path()).1),
        (sorted(ids[..3].to_vec()), vec!["ttft".to_string()])
    );
    let view = server.command_ok("llmops.progress", json!([]));
    assert!(view.get("notSaved").is_none(), "{view}");
    let fourth = answer_right(&mut server, &ids[3]);
    assert!(fourth.get("notSaved").is_none(), "{fourth}");
    assert!(server.stop().success());

    // A restart sees everything that was acknowledged.
    assert_eq!(
        completed_after_restart(dir.path()),
        (sorted(ids.clone()), 1)
    );
    eprintln!("full disk: space back to saved in {waited:?}");
}

/// Killed while the disk is full: the answers given meanwhile were reported
/// as not saved, and a restart claims none of them, only what was saved.
#[test]
fn killed_while_the_disk_is_full_claims_nothing_unsaved() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(dir.path()),
        json!({}),
        Value::Null,
    );
    let ids = exercise_ids(&mut server, 2);
    answer_right(&mut server, &ids[0]);
    limit_file_size(server.pid(), Some(0));
    let unsaved = answer_right(&mut server, &ids[1]);
    assert_eq!(
        unsaved["notSaved"]["changes"], 1,
        "told at answer time: {unsaved}"
    );
    let known = server.command_ok("llmops.markKnown", json!([{"termId": "ttft"}]));
    assert_eq!(known["notSaved"]["changes"], 2, "{known}");
    server.kill(); // SIGKILL: no shutdown, no last retry

    assert!(temporaries(dir.path()).is_empty());
    assert_eq!(on_disk(dir.path()), (vec![ids[0].clone()], vec![]));
    assert_eq!(
        completed_after_restart(dir.path()),
        (vec![ids[0].clone()], 0)
    );
}

/// Space is back and the editor closes at once: the pending answer is on
/// disk when the server has exited (saved by the timer or, at the latest,
/// by the retry at `shutdown`).
#[test]
fn shutdown_writes_pending_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(dir.path()),
        json!({}),
        Value::Null,
    );
    let ids = exercise_ids(&mut server, 1);
    limit_file_size(server.pid(), Some(0));
    assert_eq!(answer_right(&mut server, &ids[0])["notSaved"]["changes"], 1);
    limit_file_size(server.pid(), None);
    assert!(server.stop().success());
    assert_eq!(on_disk(dir.path()).0, [ids[0].clone()]);
}

/// `.progress.json.<pid>.tmp` files left by killed writers are removed when
/// a server starts; one a live writer may still be writing is kept.
#[test]
fn stale_temporaries_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let me = std::process::id();
    // 4294967 is above Linux's largest pid (2^22): that writer is gone.
    let dead = dir.path().join(".progress.json.4294967.tmp");
    let old = dir.path().join(format!(".progress.json.{me}.tmp"));
    fs::write(&dead, b"{\"exerc").unwrap();
    fs::write(&old, b"{").unwrap();
    let two_minutes_ago = SystemTime::now() - Duration::from_secs(120);
    fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_minutes_ago)
        .unwrap();
    let unrelated = dir.path().join("notes.tmp");
    fs::write(&unrelated, b"x").unwrap();
    let (mut server, _) =
        Server::initialized(Start::with_data_dir(dir.path()), json!({}), Value::Null);
    server.command_ok("llmops.progress", json!([]));
    assert!(!dead.exists(), "a dead writer's temporary is removed");
    assert!(!old.exists(), "a minute-old temporary is removed");
    assert!(unrelated.exists(), "other files are left alone");
    assert!(server.stop().success());

    // A live writer's fresh temporary stays (this test process is alive).
    let fresh = dir.path().join(format!(".progress.json.{me}.tmp"));
    fs::write(&fresh, b"{").unwrap();
    let (mut server, _) =
        Server::initialized(Start::with_data_dir(dir.path()), json!({}), Value::Null);
    server.command_ok("llmops.progress", json!([]));
    assert!(fresh.exists(), "a live writer's temporary is kept");
    assert!(server.stop().success());
}
