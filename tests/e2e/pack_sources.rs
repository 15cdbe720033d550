//! `llmops-lsp pack add|update|list`: a pack shared from another repository
//! (a URL served by a real HTTP server on 127.0.0.1, or a local path) is
//! copied into the user packs folder after it checks, with its source and
//! sha256 recorded, and `scan` then reads it. The real binary, because the
//! commands are a process's: its environment (`XDG_CONFIG_HOME`), its exit
//! code and what it prints.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::*;

const TEAM: &str = "[[term]]\nid = \"zorblax-cache\"\nname = \"Zorblax cache\"\ndefinition = \"A cache in front of the zorblax service.\"\n";
const TEAM_V2: &str = "[[term]]\nid = \"zorblax-cache\"\nname = \"Zorblax cache\"\ndefinition = \"A cache in front of the zorblax service.\"\n\n[[term]]\nid = \"quuxer\"\nname = \"Quuxer\"\ndefinition = \"The thing that quuxes.\"\n";

/// What the server answers for each path: the status line (with any
/// extra header lines) and the body.
type Routes = Arc<Mutex<HashMap<String, (String, Vec<u8>)>>>;

/// A tiny HTTP/1.1 server on 127.0.0.1 answering [`Routes`], changeable
/// while it runs; anything else is a 404. One thread, one connection at a
/// time, `Connection: close`.
struct Server {
    port: u16,
    routes: Routes,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Routes = Arc::default();
        let served = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                // The headers, up to the blank line.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
                    line.clear();
                }
                let path = request.split(' ').nth(1).unwrap_or("").to_string();
                let (head, body) = served
                    .lock()
                    .unwrap()
                    .get(&path)
                    .cloned()
                    .unwrap_or_else(|| ("404 Not Found".into(), b"no".to_vec()));
                // `NO-LENGTH` in the head: no Content-Length, the body
                // ends when the connection closes (curl cannot know its
                // size in advance).
                let _ = match head.strip_suffix(" NO-LENGTH") {
                    Some(head) => write!(stream, "HTTP/1.1 {head}\r\nConnection: close\r\n\r\n"),
                    None => write!(
                        stream,
                        "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    ),
                };
                let _ = stream.write_all(&body);
            }
        });
        Server { port, routes }
    }

    fn serve(&self, path: &str, body: &str) {
        self.serve_raw(path, "200 OK", body.as_bytes());
    }

    fn serve_raw(&self, path: &str, head: &str, body: &[u8]) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_string(), (head.to_string(), body.to_vec()));
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// An isolated home: config (user packs) and data folders of its own.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn packs(&self) -> PathBuf {
        self.dir.path().join("config/llmops-lsp/packs")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("LLMOPS_LSP_DATA_DIR", self.dir.path().join("data"))
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("https_proxy")
            .env_remove("http_proxy")
            .env_remove("all_proxy")
            .output()
            .unwrap()
    }

    fn manifest(&self) -> Value {
        let text = std::fs::read_to_string(self.packs().join("pack-sources.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The names in the user packs folder, sorted, but the manifest's lock
    /// (an empty file every `pack add` leaves, as progress has its own).
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.packs())
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "pack-sources.json.lock")
            .collect();
        names.sort();
        names
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    // sha256sum, independent of the code under test.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&path).output().unwrap();
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// No byte a terminal acts on: no C0 control but the line feed, no DEL,
/// no C1 control.
fn assert_inert(output: &str) {
    for c in output.chars() {
        assert!(
            c == '\n' || !(c.is_control()),
            "raw control U+{:04X} in {output:?}",
            c as u32
        );
    }
}

#[test]
fn pack_add_from_a_url_copies_checks_records_and_scan_reads_it() {
    let server = Server::start();
    server.serve("/team.toml", TEAM);
    let home = Home::new();
    std::fs::write(
        home.dir.path().join("notes.md"),
        "We put a Zorblax cache in front.\n",
    )
    .unwrap();
    // Before: the term is unknown.
    let before = home.run(&["scan", "notes.md"]);
    assert!(
        !text(&before.stdout).contains("Zorblax cache"),
        "{before:?}"
    );

    let url = server.url("/team.toml");
    let out = home.run(&["pack", "add", &url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let copy = home.packs().join("team.toml");
    assert_eq!(std::fs::read(&copy).unwrap(), TEAM.as_bytes());
    let manifest = home.manifest();
    assert_eq!(manifest["packs"]["team.toml"]["source"], url.as_str());
    assert_eq!(
        manifest["packs"]["team.toml"]["sha256"],
        sha256_hex(TEAM.as_bytes()).as_str()
    );
    assert!(
        text(&out.stdout).contains(&sha256_hex(TEAM.as_bytes())[..12]),
        "{out:?}"
    );

    // User packs load: `scan` now finds the pack's term.
    let after = home.run(&["scan", "notes.md"]);
    assert_eq!(after.status.code(), Some(0), "{after:?}");
    assert!(
        text(&after.stdout).contains("notes.md:1:10: Zorblax cache: A cache in front"),
        "{after:?}"
    );

    let list = home.run(&["pack", "list"]);
    let listed = text(&list.stdout);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(
        listed.contains("team.toml") && listed.contains(&url),
        "{listed}"
    );
    assert!(listed.trim_end().ends_with("as fetched"), "{listed}");

    // Plain http anywhere but this machine is refused before any request.
    let out = home.run(&["pack", "add", "http://example.com/team.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("plain http is refused"),
        "{out:?}"
    );
    // A local server's redirect is not followed, not even to a good pack
    // on the same server.
    server.serve_raw(
        "/moved.toml",
        &format!("302 Found\r\nLocation: {}", server.url("/team.toml")),
        b"",
    );
    let out = home.run(&["pack", "add", &server.url("/moved.toml")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("HTTP 302, a redirect, which is not followed"),
        "{out:?}"
    );
    assert!(!home.packs().join("moved.toml").exists());
}

#[test]
fn a_broken_pack_is_refused_with_located_errors_and_nothing_is_written() {
    let server = Server::start();
    server.serve("/broken.toml", "[[term]]\nid = \"x\"\nname = 3\n");
    let home = Home::new();
    let url = server.url("/broken.toml");
    let out = home.run(&["pack", "add", &url]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{url}:3:8: ")), "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(home.files().is_empty(), "{:?}", home.files());

    // A pack that parses but does not merge (a reference to no term) is
    // refused the way `check` refuses it; one over the size cap too.
    server.serve(
        "/dangling.toml",
        "[[term]]\nid = \"a\"\nname = \"Alpha thing\"\ndefinition = \"A.\"\nrelated = [\"no-such-term\"]\n",
    );
    let out = home.run(&["pack", "add", &server.url("/dangling.toml")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("no-such-term"), "{out:?}");
    server.serve_raw("/huge.toml", "200 OK", &vec![b'#'; 16 * 1024 * 1024 + 1]);
    let out = home.run(&["pack", "add", &server.url("/huge.toml")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("larger than"), "{out:?}");
    // The same without a Content-Length: curl cannot refuse it in advance,
    // and the capped read does.
    server.serve_raw(
        "/endless.toml",
        "200 OK NO-LENGTH",
        &vec![b'#'; 16 * 1024 * 1024 + 1],
    );
    let out = home.run(&["pack", "add", &server.url("/endless.toml")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("larger than"), "{out:?}");
    // Exactly at the cap, without a length, is still a pack (it checks:
    // a comment).
    let mut at_cap = vec![b'#'; 16 * 1024 * 1024];
    at_cap[16 * 1024 * 1024 - 1] = b'\n';
    server.serve_raw("/full.toml", "200 OK NO-LENGTH", &at_cap);
    let out = home.run(&["pack", "add", &server.url("/full.toml")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(home.files(), ["full.toml", "pack-sources.json"]);
}

/// Without curl on the PATH a URL is refused with what to do instead;
/// a path still works.
#[test]
fn without_curl_a_url_is_refused_with_what_to_do_instead() {
    let server = Server::start();
    server.serve("/team.toml", TEAM);
    let home = Home::new();
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["pack", "add", &server.url("/team.toml")])
        .current_dir(home.dir.path())
        .env("XDG_CONFIG_HOME", home.dir.path().join("config"))
        .env("LLMOPS_LSP_DATA_DIR", home.dir.path().join("data"))
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("needs curl for URLs (or download the file and pass its path)"),
        "{out:?}"
    );
    assert!(home.files().is_empty(), "{:?}", home.files());
}

#[test]
fn pack_update_refreshes_changed_packs_and_keeps_local_edits_without_force() {
    let server = Server::start();
    server.serve("/team.toml", TEAM);
    let home = Home::new();
    let url = server.url("/team.toml");
    assert_eq!(home.run(&["pack", "add", &url]).status.code(), Some(0));
    let copy = home.packs().join("team.toml");

    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).starts_with("unchanged: team.toml"),
        "{out:?}"
    );

    // The server's copy changes: updated, bytes and checksum follow.
    server.serve("/team.toml", TEAM_V2);
    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).starts_with("updated: team.toml"),
        "{out:?}"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), TEAM_V2.as_bytes());
    assert_eq!(
        home.manifest()["packs"]["team.toml"]["sha256"],
        sha256_hex(TEAM_V2.as_bytes()).as_str()
    );

    // Edited locally, then changed upstream: kept without --force.
    let edited = format!("{TEAM_V2}# our own note\n");
    std::fs::write(&copy, &edited).unwrap();
    server.serve("/team.toml", TEAM);
    let list = home.run(&["pack", "list"]);
    assert!(
        text(&list.stdout).trim_end().ends_with("edited"),
        "{list:?}"
    );
    let out = home.run(&["pack", "update"]);
    assert!(text(&out.stdout).starts_with("kept: team.toml"), "{out:?}");
    assert!(text(&out.stdout).contains("--force"), "{out:?}");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), edited);
    // `pack add` of the same source will not overwrite the edit either.
    let out = home.run(&["pack", "add", &url]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), edited);
    let out = home.run(&["pack", "update", "team.toml", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).starts_with("updated: team.toml"),
        "{out:?}"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), TEAM.as_bytes());

    // Upstream breaks or goes away: failed, exit 1, the copy kept.
    server.serve("/team.toml", "[[term]\n");
    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stdout).starts_with("failed: team.toml"),
        "{out:?}"
    );
    server.serve_raw("/team.toml", "500 Internal Server Error", b"");
    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stdout).contains("500"), "{out:?}");
    assert_eq!(std::fs::read(&copy).unwrap(), TEAM.as_bytes());

    // A corrupt manifest is kept aside with a message, not trusted.
    std::fs::write(home.packs().join("pack-sources.json"), "{ not json").unwrap();
    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("kept aside"), "{out:?}");
    assert!(
        home.files()
            .iter()
            .any(|n| n.starts_with("pack-sources.json.corrupt-")),
        "{:?}",
        home.files()
    );
}

#[test]
fn pack_add_from_a_local_path_and_files_it_did_not_write_are_not_overwritten() {
    let home = Home::new();
    let shared = tempfile::tempdir().unwrap();
    let source = shared.path().join("platform.toml");
    std::fs::write(&source, TEAM).unwrap();
    // A pack of the person's own with the same name is there already.
    std::fs::create_dir_all(home.packs()).unwrap();
    std::fs::write(home.packs().join("platform.toml"), "# mine\n").unwrap();
    let out = home.run(&["pack", "add", source.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("not added by `pack add`"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(home.packs().join("platform.toml")).unwrap(),
        "# mine\n"
    );
    // Under another name, it goes in.
    let out = home.run(&[
        "pack",
        "add",
        source.to_str().unwrap(),
        "--name",
        "platform-shared",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read(home.packs().join("platform-shared.toml")).unwrap(),
        TEAM.as_bytes()
    );
    assert_eq!(
        home.manifest()["packs"]["platform-shared.toml"]["source"],
        source.to_str().unwrap()
    );
    // Updated from the path when it changes.
    std::fs::write(&source, TEAM_V2).unwrap();
    let out = home.run(&["pack", "update"]);
    assert!(
        text(&out.stdout).starts_with("updated: platform-shared.toml"),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read(home.packs().join("platform-shared.toml")).unwrap(),
        TEAM_V2.as_bytes()
    );
    // A relative path is recorded absolute.
    std::fs::write(home.dir.path().join("rel.toml"), TEAM).unwrap();
    let out = home.run(&["pack", "add", "rel.toml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let recorded = home.manifest()["packs"]["rel.toml"]["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(Path::new(&recorded).is_absolute(), "{recorded}");
}

#[test]
fn hostile_names_are_written_under_a_safe_name_and_printed_inertly() {
    let server = Server::start();
    // Decoded, the last segment is `../\x1b]0;owned\x07..\nteam.toml`.
    let path = "/x/..%2F%1b%5d0%3bowned%07..%0ateam.toml";
    server.serve(path, TEAM);
    let home = Home::new();
    let out = home.run(&["pack", "add", &server.url(path)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(home.files(), ["0_owned.team.toml", "pack-sources.json"]);
    // Nothing escaped the folder.
    assert!(!home.dir.path().join("config/llmops-lsp/team.toml").exists());
    assert_inert(&text(&out.stdout));
    assert_inert(&text(&out.stderr));

    // A local file whose name holds raw control characters: the same.
    let shared = tempfile::tempdir().unwrap();
    let source = shared.path().join("evil\u{1b}[2J\nname.toml");
    std::fs::write(&source, TEAM_V2).unwrap();
    let out = home.run(&["pack", "add", source.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        home.packs().join("evil_2J_name.toml").is_file(),
        "{:?}",
        home.files()
    );
    let stdout = text(&out.stdout);
    assert_inert(&stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("evil\\u{1B}[2J\\u{A}name.toml"), "{stdout}");
    for args in [&["pack", "list"][..], &["pack", "update"]] {
        let out = home.run(args);
        let stdout = text(&out.stdout);
        assert_inert(&stdout);
        assert_inert(&text(&out.stderr));
        assert_eq!(stdout.lines().count(), 2, "{args:?}: {stdout}");
    }
}

/// The language server never touches the network; only `pack add/update`
/// do, by running `curl` from one module, which only the command line
/// calls. No Rust network code at all (`ureq`, `std::net`, ...) in the
/// server or the core, nor an HTTP client among their dependencies.
#[test]
fn only_the_pack_commands_reach_the_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for manifest in ["core/Cargo.toml", "server/Cargo.toml"] {
        let text = std::fs::read_to_string(root.join(manifest)).unwrap();
        for client in ["ureq", "reqwest", "hyper", "rustls", "curl"] {
            assert!(!text.contains(client), "{manifest} depends on {client}");
        }
    }
    let mut files = Vec::new();
    rust_files(&root.join("server/src"), &mut files);
    rust_files(&root.join("core/src"), &mut files);
    assert!(files.len() > 20, "sources not found");
    let mut runs_curl = Vec::new();
    for (path, text) in &files {
        let name = path.strip_prefix(&root).unwrap_or(path).to_string_lossy();
        if text.contains("Command::new(\"curl\")") {
            runs_curl.push(name.to_string());
        }
        for banned in [
            "ureq",
            "std::net",
            "TcpStream",
            "UdpSocket",
            "reqwest",
            "hyper",
        ] {
            assert!(!text.contains(banned), "{name} mentions {banned}");
        }
        if text.contains("pack_sources") {
            assert!(
                name == "server/src/cli.rs"
                    || name == "server/src/lib.rs"
                    || name == "server/src/pack_sources.rs",
                "{name} calls pack_sources"
            );
        }
    }
    assert_eq!(
        runs_curl,
        ["server/src/pack_sources.rs"],
        "the one module that runs curl"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
}

/// Eight `pack add`s at once, each of another pack: every one is recorded
/// (the manifest is read, changed and written under its lock; without it,
/// concurrent adds lost each other's entries).
#[test]
fn concurrent_pack_adds_each_keep_their_entry() {
    let home = Home::new();
    let shared = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.packs()).unwrap();
    let sources: Vec<PathBuf> = (0..8)
        .map(|i| {
            let path = shared.path().join(format!("team{i}.toml"));
            std::fs::write(
                &path,
                TEAM.replace("zorblax-cache", &format!("zorblax-{i}")),
            )
            .unwrap();
            path
        })
        .collect();
    for round in 0..3 {
        let runs: Vec<_> = sources
            .iter()
            .map(|source| {
                let source = source.to_str().unwrap().to_string();
                let name = format!(
                    "r{round}-{}",
                    Path::new(&source).file_name().unwrap().to_string_lossy()
                );
                let home = &home;
                move || home.run(&["pack", "add", &source, "--name", &name])
            })
            .collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = runs.into_iter().map(|run| s.spawn(run)).collect();
            for h in handles {
                let out = h.join().unwrap();
                assert_eq!(out.status.code(), Some(0), "{out:?}");
            }
        });
        let manifest = home.manifest();
        let recorded = manifest["packs"].as_object().map_or(0, |m| m.len());
        assert_eq!(recorded, 8 * (round + 1), "round {round}: {manifest:#}");
    }
}

/// `pack update` after the person deleted the local copy writes it again
/// and says so.
#[test]
fn pack_update_recreates_a_deleted_local_copy_and_says_so() {
    let home = Home::new();
    let shared = tempfile::tempdir().unwrap();
    let source = shared.path().join("platform.toml");
    std::fs::write(&source, TEAM).unwrap();
    let out = home.run(&["pack", "add", source.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let local = home.packs().join("platform.toml");
    std::fs::remove_file(&local).unwrap();
    let out = home.run(&["pack", "update"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stdout).contains("recreated: platform.toml"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&local).unwrap(), TEAM);
    // Once there again, a second update leaves it as it is.
    let out = home.run(&["pack", "update"]);
    assert!(
        text(&out.stdout).contains("unchanged: platform.toml"),
        "{out:?}"
    );
}
