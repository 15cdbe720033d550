//! Packs scoped by folder (issue 20): a `.llmops/` folder applies to its
//! own folder and everything below it, the nearest definition of a term id
//! wins, a second workspace folder has packs of its own, and `scan` of the
//! same paths flags exactly the spots the editor flags.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

/// `(path under the top folder, line, start column, end column, term id)`,
/// one-based, columns in characters.
type Spot = (String, u64, u64, u64, String);

fn term(id: &str, name: &str, definition: &str) -> String {
    format!("[[term]]\nid = \"{id}\"\nname = \"{name}\"\ndefinition = \"{definition}\"\n\n")
}

const TEXT: &str = "Notes: the Wombat sits beside the Marsupial gate.\n\
The billing tap feeds the queue broom; a Zebra crossing is elsewhere.\n";

/// `top/mono` (a monorepo with a root pack and two nested ones) and
/// `top/other` (a second workspace folder with its own pack), each file
/// holding [`TEXT`]. Returns the top folder and the files.
fn monorepo() -> (tempfile::TempDir, Vec<PathBuf>) {
    let top = tempfile::tempdir().unwrap();
    let mono = top.path().join("mono");
    let packs: [(&str, String); 4] = [
        (
            "mono/.llmops/team.toml",
            term("wombat", "Wombat", "The root's wombat."),
        ),
        (
            // Overrides the root's `wombat` (a new name) and adds a term.
            "mono/services/a/.llmops/a.toml",
            term("wombat", "Marsupial gate", "Service A's wombat.")
                + &term("billing-tap", "billing tap", "Service A's billing hook."),
        ),
        (
            "mono/services/b/.llmops/b.toml",
            term("queue-broom", "queue broom", "Service B's queue cleaner."),
        ),
        (
            "other/.llmops/other.toml",
            term(
                "zebra-crossing",
                "Zebra crossing",
                "The other repository's term.",
            ),
        ),
    ];
    for (path, source) in &packs {
        let path = top.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, source).unwrap();
    }
    let mut files = Vec::new();
    for file in [
        "mono/README.md",
        "mono/services/a/notes.md",
        "mono/services/a/deep/notes.md",
        "mono/services/b/notes.md",
        "mono/services/c/notes.md",
        "other/notes.md",
    ] {
        let path = top.path().join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, TEXT).unwrap();
        files.push(path);
    }
    assert!(mono.is_dir());
    (top, files)
}

fn relative(top: &Path, path: &Path) -> String {
    path.strip_prefix(top)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `scan --format json` from inside `mono`, naming both folders.
fn scan_spots(top: &Path, config_home: &Path) -> Vec<Spot> {
    let out = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .arg(top.join("mono"))
        .arg(top.join("other"))
        .current_dir(top.join("mono"))
        .env("XDG_CONFIG_HOME", config_home)
        .env("LLMOPS_LSP_DATA_DIR", config_home.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut spots: Vec<Spot> = found
        .iter()
        .map(|f| {
            let column = f["column"].as_u64().unwrap();
            let width = f["text"].as_str().unwrap().chars().count() as u64;
            (
                relative(top, Path::new(f["path"].as_str().unwrap())),
                f["line"].as_u64().unwrap(),
                column,
                column + width,
                f["termId"].as_str().unwrap().to_string(),
            )
        })
        // Pack files are scanned too; the notes are what is compared.
        .filter(|s| s.0.ends_with(".md"))
        .collect();
    spots.sort();
    spots
}

fn start(top: &Path) -> Server {
    let mut server = Server::start(Start::default());
    let folder = |name: &str| json!({"uri": file_uri(&top.join(name)), "name": name});
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(&top.join("mono")),
               "workspaceFolders": [folder("mono"), folder("other")],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
               "initializationOptions": {}}),
    );
    server.notify("initialized", json!({}));
    server
}

/// The editor's spots in `files` (ASCII text: UTF-16 columns are characters).
fn editor_spots(server: &mut Server, top: &Path, files: &[PathBuf]) -> Vec<Spot> {
    let mut spots = Vec::new();
    for path in files {
        let uri = file_uri(path);
        server.open(&uri, "markdown", TEXT);
        for d in server.diagnostics(&uri, Some(1)) {
            let start = &d["range"]["start"];
            let end = &d["range"]["end"];
            assert_eq!(start["line"], end["line"], "{d}");
            spots.push((
                relative(top, path),
                start["line"].as_u64().unwrap() + 1,
                start["character"].as_u64().unwrap() + 1,
                end["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap().to_string(),
            ));
        }
    }
    spots.sort();
    spots
}

/// The team terms each file sees, by path.
fn terms_by_file(spots: &[Spot]) -> Vec<(String, Vec<String>)> {
    let team = ["wombat", "billing-tap", "queue-broom", "zebra-crossing"];
    let mut files: Vec<(String, Vec<String>)> = Vec::new();
    for spot in spots.iter().filter(|s| team.contains(&s.4.as_str())) {
        let text = &TEXT.lines().nth(spot.1 as usize - 1).unwrap()
            [spot.2 as usize - 1..spot.3 as usize - 1];
        let entry = format!("{}={text}", spot.4);
        match files.iter_mut().find(|(f, _)| *f == spot.0) {
            Some((_, terms)) => terms.push(entry),
            None => files.push((spot.0.clone(), vec![entry])),
        }
    }
    files
}

#[test]
fn each_subtree_sees_its_own_packs_and_scan_agrees_with_the_editor() {
    let (top, files) = monorepo();
    let config_home = tempfile::tempdir().unwrap();
    let mut server = start(top.path());
    let shown = editor_spots(&mut server, top.path(), &files);
    let scanned = scan_spots(top.path(), config_home.path());
    assert_eq!(scanned, shown, "scan and the editor disagree");
    let seen = terms_by_file(&shown);
    let expect = |pairs: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(f, t)| (f.to_string(), t.iter().map(|t| t.to_string()).collect()))
            .collect()
    };
    assert_eq!(
        seen,
        expect(&[
            ("mono/README.md", &["wombat=Wombat"]),
            (
                "mono/services/a/deep/notes.md",
                &["wombat=Marsupial gate", "billing-tap=billing tap"]
            ),
            (
                "mono/services/a/notes.md",
                &["wombat=Marsupial gate", "billing-tap=billing tap"]
            ),
            (
                "mono/services/b/notes.md",
                &["wombat=Wombat", "queue-broom=queue broom"]
            ),
            ("mono/services/c/notes.md", &["wombat=Wombat"]),
            ("other/notes.md", &["zebra-crossing=Zebra crossing"]),
        ])
    );
    // The hover tells the nearest definition.
    let hover = server.hover(&file_uri(&files[1]), 0, 40);
    let text = hover.to_string();
    assert!(text.contains("Service A's wombat."), "{text}");
    let hover = server.hover(&file_uri(&files[0]), 0, 13);
    let text = hover.to_string();
    assert!(text.contains("The root's wombat."), "{text}");

    // A pack folder made later (reported by the file watcher) scopes its
    // subtree at once; the open notes there pick its term up.
    let c_pack = top.path().join("mono/services/c/.llmops/c.toml");
    fs::create_dir_all(c_pack.parent().unwrap()).unwrap();
    fs::write(
        &c_pack,
        term("billing-tap", "billing tap", "Service C's billing hook."),
    )
    .unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&c_pack), "type": 1}]}),
    );
    let c_notes = file_uri(&files[4]);
    let found =
        server.diagnostics_until(&c_notes, |d| d.iter().any(|d| d["code"] == "billing-tap"));
    assert!(found.iter().any(|d| d["code"] == "wombat"), "{found:?}");
    // Service B still does not see it.
    let b_notes = file_uri(&files[3]);
    server.change(
        &b_notes,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": " "}]),
    );
    let b = server.diagnostics(&b_notes, Some(2));
    assert!(b.iter().all(|d| d["code"] != "billing-tap"), "{b:?}");
    assert!(b.iter().any(|d| d["code"] == "queue-broom"), "{b:?}");
    // And `scan` agrees after the change too.
    let scanned = scan_spots(top.path(), config_home.path());
    let c = terms_by_file(&scanned);
    assert!(
        c.iter().any(|(f, t)| f == "mono/services/c/notes.md"
            && t.contains(&"billing-tap=billing tap".to_string())),
        "{c:?}"
    );
}

#[test]
fn the_same_id_in_two_folders_is_an_override_not_a_clash() {
    let (top, _) = monorepo();
    let out = Command::new(BIN)
        .arg("check")
        .arg(top.path().join("mono/.llmops/team.toml"))
        .arg(top.path().join("mono/services/a/.llmops/a.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // Two packs of one folder may not share an id.
    let a = top.path().join("mono/services/a/.llmops");
    fs::write(a.join("again.toml"), term("wombat", "Wombat two", "Again.")).unwrap();
    let mut server = start(top.path());
    let again = a.join("again.toml");
    server.open(
        &file_uri(&again),
        "toml",
        &fs::read_to_string(&again).unwrap(),
    );
    let errors = server.diagnostics_until(&file_uri(&again), |d| !d.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("also defined in"), "{message}");
    // On the `id` line of the second definition.
    assert_eq!(errors[0]["range"]["start"]["line"], 1, "{errors:?}");
}
