//! The data folder as an attacker who can write to it (a shared
//! `LLMOPS_LSP_DATA_DIR`) leaves it: links planted where the server writes,
//! FIFOs where it reads, a lock held for long. Nothing is written or
//! `chmod`ed through a link, nothing hangs, and a held lock delays a command
//! by a bounded time, after which the answer says `notSaved`.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

fn first_exercise(server: &mut Server) -> String {
    let list = server.command_ok("llmops.listExercises", json!([]));
    list[0]["id"].as_str().expect("an exercise id").to_string()
}

fn answer(server: &mut Server, id: &str) -> Value {
    server.command_ok(
        "llmops.answerExercise",
        json!([{"exerciseId": id, "choice": right_choice(id)}]),
    )
}

/// A victim file outside the data folder, with its content and mode.
fn victim(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, b"not yours").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    path
}

fn untouched(path: &Path) {
    assert_eq!(fs::read(path).unwrap(), b"not yours", "{}", path.display());
    let mode = fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "{} was chmod-ed", path.display());
}

/// Links planted at the names the server writes: the temporary name of a
/// save (`.progress.json.<pid>.tmp`, the scheme before this test), a
/// built-in file (which `initialize` used to `chmod` through), a built-in
/// file's temporary. Their targets keep their content and mode; progress
/// is saved; the built-in file is a real read-only file again.
/// (In process: the pid the old scheme used is the test's own.)
#[test]
fn links_planted_in_the_data_folder_are_never_written_through() {
    let outside = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let me = std::process::id();
    let targets = [
        victim(outside.path(), "a"),
        victim(outside.path(), "b"),
        victim(outside.path(), "c"),
    ];
    let builtin = data.path().join("builtin-content");
    fs::create_dir(&builtin).unwrap();
    symlink(
        &targets[0],
        data.path().join(format!(".progress.json.{me}.tmp")),
    )
    .unwrap();
    symlink(&targets[1], builtin.join("latency.toml")).unwrap();
    symlink(&targets[2], builtin.join(format!(".serving.toml.{me}.tmp"))).unwrap();
    symlink(&targets[2], builtin.join(".serving.toml.tmp")).unwrap();

    let (mut server, _) =
        Server::initialized(Start::with_data_dir(data.path()), json!({}), Value::Null);
    let id = first_exercise(&mut server);
    let result = answer(&mut server, &id);
    assert!(result.get("notSaved").is_none(), "{result}");
    assert!(server.stop().success());

    for target in &targets {
        untouched(target);
    }
    let saved = fs::read_to_string(data.path().join("progress.json")).unwrap();
    assert!(saved.contains(&id), "{saved}");
    let latency = fs::symlink_metadata(builtin.join("latency.toml")).unwrap();
    assert!(latency.is_file(), "the link was replaced by our own file");
    assert!(latency.permissions().readonly());
    let text = fs::read_to_string(builtin.join("latency.toml")).unwrap();
    assert!(text.contains("[[term]]"), "{text}");
}

/// `progress.json` as a link (to someone's file, or to `/dev/zero`): not
/// read through, not replaced; a notice says progress stays in memory.
#[test]
fn a_linked_progress_file_is_refused_with_a_notice() {
    let outside = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let target = outside.path().join("theirs.json");
    let planted = "{\"version\": 2, \"knownTerms\": [\"planted\"]}";
    fs::write(&target, planted).unwrap();
    for to in [target.as_path(), Path::new("/dev/zero")] {
        let link = data.path().join("progress.json");
        let _ = fs::remove_file(&link);
        symlink(to, &link).unwrap();
        let started = Instant::now();
        let (mut server, _) =
            Server::initialized(Start::with_data_dir(data.path()), json!({}), Value::Null);
        assert!(started.elapsed() < Duration::from_secs(5));
        let notice = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
        let text = notice["params"]["message"].as_str().unwrap();
        assert!(
            text.contains("symbolic link") && text.contains("memory only"),
            "{text}"
        );
        let progress = server.command_ok("llmops.progress", json!([]));
        assert_eq!(progress["known"], 0, "not read through: {progress}");
        let id = first_exercise(&mut server);
        answer(&mut server, &id);
        assert!(server.stop().success());
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), planted);
}

/// A `builtin-content` planted as a link: the copy is refused (written on
/// a thread of its own since issue 22) and its notice still shows once the
/// client is initialized; a built-in term then has no definition to go to,
/// and what the link points at is untouched.
#[test]
fn a_linked_builtin_folder_is_refused_with_a_notice() {
    let outside = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    symlink(outside.path(), data.path().join("builtin-content")).unwrap();
    let (mut server, _) =
        Server::initialized(Start::with_data_dir(data.path()), json!({}), Value::Null);
    let notice = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    let text = notice["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("built-in pack cannot be written") && text.contains("symbolic link"),
        "{text}"
    );
    // Opens a note saying "TTFT" and asks for the term's definition.
    let definition_of_ttft = |server: &mut Server| {
        let uri = "file:///notes/a.md";
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": "TTFT\n"}}),
        );
        server.result(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        )
    };
    let definition = definition_of_ttft(&mut server);
    assert!(definition.is_null(), "{definition:#}");
    assert!(server.stop().success());
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);

    // The contrast, on a first start: asked at once, the definition waits
    // for the copy and points at a file that is there.
    let fresh = tempfile::tempdir().unwrap();
    let (mut server, _) =
        Server::initialized(Start::with_data_dir(fresh.path()), json!({}), Value::Null);
    let definition = definition_of_ttft(&mut server);
    let target = definition["uri"].as_str().unwrap_or_default();
    assert!(target.contains("builtin-content"), "{definition:#}");
    let path = target.strip_prefix("file://").unwrap();
    assert!(fs::read_to_string(path).unwrap().contains("[[term]]"));
    assert!(server.stop().success());
}

/// FIFOs where the server reads (`progress.json`, its lock, a built-in
/// file) hung `initialize`, every command and `shutdown`. Now each answers
/// within a bound, the FIFO progress file is refused with a notice, and an
/// answer saved against a FIFO lock says `notSaved`. `scan` and `report`
/// with that data folder finish too. (The real binary: a hang would block
/// a thread of the test process for good.)
#[test]
fn fifos_in_the_data_folder_never_hang_the_server() {
    let data = tempfile::tempdir().unwrap();
    mkfifo(&data.path().join("progress.json"));
    fs::create_dir(data.path().join("builtin-content")).unwrap();
    mkfifo(&data.path().join("builtin-content/latency.toml"));
    let started = Instant::now();
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(data.path()),
        json!({}),
        Value::Null,
    );
    let initialized = started.elapsed();
    let notice = server.wait_for(WAIT, |m| m["method"] == "window/showMessage");
    let text = notice["params"]["message"].as_str().unwrap();
    assert!(text.contains("not a regular file"), "{text}");
    let id = first_exercise(&mut server);
    answer(&mut server, &id);
    let started = Instant::now();
    assert!(server.stop().success());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(initialized < Duration::from_secs(5), "{initialized:?}");
    assert!(
        fs::symlink_metadata(data.path().join("builtin-content/latency.toml"))
            .unwrap()
            .is_file()
    );

    let docs = tempfile::tempdir().unwrap();
    fs::write(docs.path().join("a.md"), "TTFT and the KV cache\n").unwrap();
    for command in ["scan", "report"] {
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .arg(command)
            .arg(docs.path())
            .env("LLMOPS_LSP_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{command} hung on a FIFO progress.json");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.code().is_some(), "{command}: {status:?}");
    }

    let data = tempfile::tempdir().unwrap();
    mkfifo(&data.path().join("progress.json.lock"));
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(data.path()),
        json!({}),
        Value::Null,
    );
    let id = first_exercise(&mut server);
    let started = Instant::now();
    let result = answer(&mut server, &id);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(result["notSaved"]["changes"], 1, "{result}");
    let reason = result["notSaved"]["reason"].as_str().unwrap();
    assert!(reason.contains("not a regular file"), "{reason}");
    let started = Instant::now();
    assert!(server.stop().success());
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// Another process holds the progress lock for long (here the test
/// process; the attack held it 20 s): every command used to wait for it. Now an answer gives up after the
/// lock wait (1.5 s) with `notSaved`, commands that save nothing answer at
/// once, and when the lock is released the retry timer saves the answer
/// with nothing else happening. (The real binary, so that the lock is held
/// by another process, as in the attack.)
#[test]
fn a_lock_held_by_another_process_delays_answers_by_a_bounded_time() {
    let data = tempfile::tempdir().unwrap();
    let lock = data.path().join("progress.json.lock");
    let (mut server, _) = Server::initialized(
        Start::process().data_dir(data.path()),
        json!({}),
        Value::Null,
    );
    let id = first_exercise(&mut server);
    // The test process holds the lock, as another server saving would.
    let holder = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .unwrap();
    holder.lock().unwrap();
    let started = Instant::now();
    let result = answer(&mut server, &id);
    let answered = started.elapsed();
    assert_eq!(result["notSaved"]["changes"], 1, "{result}");
    let reason = result["notSaved"]["reason"].as_str().unwrap();
    assert!(reason.contains("held the lock"), "{reason}");
    let started = Instant::now();
    let list = server.command_ok("llmops.listExercises", json!([]));
    let listed = started.elapsed();
    assert_eq!(list["notSaved"], Value::Null, "a list is an array: {list}");
    let progress = server.command_ok("llmops.progress", json!([]));
    assert_eq!(progress["notSaved"]["changes"], 1, "{progress}");
    eprintln!("lock held elsewhere: answer in {answered:?}, list in {listed:?}");
    assert!(answered < Duration::from_secs(5), "{answered:?}");
    assert!(listed < Duration::from_secs(3), "{listed:?}");

    drop(holder);
    server.wait_for(Duration::from_secs(8), |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("saved to"))
    });
    let saved = fs::read_to_string(data.path().join("progress.json")).unwrap();
    assert!(saved.contains(&id), "{saved}");
    assert!(server.stop().success());
}
