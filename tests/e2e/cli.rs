//! The command line as a shell sees it: exit codes, flags, `--version`,
//! output formats, and a reader that goes away early.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::*;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn unknown_flags_and_missing_paths_are_usage_errors() {
    for args in [
        &["scan", "--bogus", "x"][..],
        &["scan"],
        &["report", "--nope", "."],
        &["check"],
        &["frobnicate"],
        &["pack"],
        &["pack", "add"],
        &["pack", "update", "--bogus"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn version_and_help_per_subcommand() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("llmops-lsp {}", env!("CARGO_PKG_VERSION"))
    );
    for sub in [
        "scan",
        "check",
        "report",
        "pack",
        "pack add",
        "pack update",
        "pack list",
    ] {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{sub}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(&format!("llmops-lsp {sub}")), "{help}");
    }
}

#[test]
fn scan_prints_text_or_json_with_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), "TTFT and the prompt registry\n").unwrap();
    let path = dir.path().join("a.md");
    let path = path.to_str().unwrap();
    let text = run(&["scan", path]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&format!("{path}:1:1: Time to first token: ")));
    assert!(lines[1].starts_with(&format!("{path}:1:14: Prompt registry: ")));
    let json = run(&["scan", "--format", "json", path]);
    let found: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[1]["termId"], "prompt-registry");
    assert_eq!(found[1]["line"], 1);
    assert_eq!(found[1]["column"], 14);
    assert_eq!(found[1]["text"], "prompt registry");
}

/// A folder with a lot to say: far more output than a pipe buffers.
fn chatty_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        let text = "TTFT and the prompt registry\n".repeat(400);
        std::fs::write(dir.path().join(format!("f{i:02}.md")), text).unwrap();
    }
    dir
}

/// Runs a command whose reader stops after `keep` bytes (0: at once), as
/// `| head -c` does; returns the exit code and what went to stderr.
fn with_early_reader(args: &[&str], keep: usize) -> (Option<i32>, String) {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(args)
        .env("LLMOPS_LSP_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    if keep > 0 {
        let mut first = vec![0; keep];
        stdout.read_exact(&mut first).unwrap();
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_pipe_ends_scan_and_report_quietly() {
    let dir = chatty_folder();
    let path = dir.path().to_str().unwrap();
    for args in [
        vec!["scan", path],
        vec!["scan", "--format", "json", path],
        vec!["report", path],
        vec!["report", "--json", path],
    ] {
        for keep in [0, 20] {
            let (code, stderr) = with_early_reader(&args, keep);
            assert_eq!(code, Some(0), "{args:?} keep {keep}: {stderr}");
            assert!(stderr.is_empty(), "{args:?} keep {keep}: {stderr}");
        }
    }
}

/// `check` reads packs as the editor does: a FIFO (which would block a plain
/// read forever) or a device is an error on the pack, at once.
#[test]
fn check_refuses_fifos_and_devices_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join(".llmops");
    std::fs::create_dir(&packs).unwrap();
    let fifo = packs.join("fifo.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", packs.join("zero.toml")).unwrap();
    let started = std::time::Instant::now();
    let mut child = Command::new(BIN)
        .arg("check")
        .arg(&fifo)
        .arg(packs.join("zero.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed().as_secs() >= 5 {
            child.kill().unwrap();
            panic!("check blocked for 5 s on a FIFO or device");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("fifo.toml") && stdout.contains("not a regular file"),
        "{stdout}"
    );
    assert!(stdout.contains("zero.toml"), "{stdout}");
}

/// `check .llmops` from the workspace folder: a relative path has its
/// workspace in the current folder (a valid pack is not "outside" it).
#[test]
fn check_accepts_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".llmops")).unwrap();
    std::fs::write(
        dir.path().join(".llmops/team.toml"),
        "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy.\"\n",
    )
    .unwrap();
    for (cwd, arg) in [
        (dir.path().to_path_buf(), ".llmops"),
        (dir.path().to_path_buf(), ".llmops/team.toml"),
        (dir.path().join(".llmops"), "team.toml"),
    ] {
        let out = Command::new(BIN)
            .args(["check", arg])
            .current_dir(&cwd)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{arg}: {out:?}");
    }
}

/// `check --cues` measures a team's packs: the table of cues against chance
/// and bound, the snippet share, and each leaking `why` at its path and
/// line; a cue over its bound or a leak makes it exit 1 where plain `check`
/// passes the same (valid) pack.
#[test]
fn check_cues_prints_the_table_and_locates_leaks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".llmops")).unwrap();
    let pack = dir.path().join(".llmops/team.toml");
    std::fs::write(
        &pack,
        "[[term]]\nid = \"acme-gateway\"\nname = \"Acme gateway\"\ndefinition = \"Our proxy for model calls.\"\n\n\
         [[exercise]]\nid = \"acme-1\"\nterm = \"acme-gateway\"\ntitle = \"Calls\"\nscenario = \"S\"\n\
         question = \"Where do calls go?\"\n\
         choices = [\"To the provider\", \"To a cache\", \"Through the Acme gateway\", \"Nowhere\"]\n\
         answer = 2\n\
         why = [\"Keys leak.\", \"Not the Acme gateway.\", \"It holds the keys.\", \"Calls must go.\"]\n\
         explanation = \"E\"\n",
    )
    .unwrap();
    let path = pack.to_str().unwrap();
    let plain = run(&["check", path]);
    assert_eq!(plain.status.code(), Some(0), "{plain:?}");
    let out = run(&["check", "--cues", path]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "1 exercises, chance 25.0%, bound 32.0%", "{text}");
    // The key alone is the longest and the only one naming the term.
    for (cue, verdict) in [
        ("longest", "100.0%   25.0%   32.0%  OVER"),
        ("names the term", "100.0%   25.0%   32.0%  OVER"),
        ("has rationale", "25.0%   25.0%   32.0%  ok"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.trim_start().starts_with(cue) && l.ends_with(verdict)),
            "{cue}: {verdict} not in:\n{text}"
        );
    }
    assert!(lines.contains(&"snippets: 0 of 1 (0.0%)"), "{text}");
    assert!(
        lines.contains(
            &format!("{path}:7: leak: acme-1: why[1] names the term (Acme gateway)").as_str()
        ),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"leaks: 1"), "{text}");
}
