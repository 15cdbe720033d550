//! A storm of pack reloads: a 20,000-term workspace pack rewritten and
//! announced every 50 ms. The server answers hovers throughout, ends up
//! serving the last version, and gives the memory back once the storm is
//! over. (The real binary: resident memory and its peak, `VmHWM`, are the
//! process's.)

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// A pack of `terms` terms whose first definition carries `marker`.
fn pack(terms: usize, marker: &str) -> String {
    let mut out = format!(
        "[[term]]\nid = \"storm-term\"\nname = \"Storm term\"\ndefinition = \"STORM-{marker} marks this version.\"\n"
    );
    for i in 0..terms {
        out.push_str(&format!(
            "[[term]]\nid = \"filler-{i}\"\nname = \"Filler phrase number {i}\"\ndefinition = \"A filler term, number {i}, that makes the pack heavy to parse and merge.\"\n"
        ));
    }
    out
}

fn announce(server: &mut Server, path: &Path) {
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(path), "type": 2}]}),
    );
}

fn hover_text(server: &mut Server, uri: &str) -> String {
    server.hover(uri, 0, 1).to_string()
}

#[test]
fn a_storm_of_pack_reloads_keeps_answering_and_gives_memory_back() {
    let ws = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let team = ws.path().join(".llmops/team.toml");
    std::fs::create_dir_all(team.parent().unwrap()).unwrap();
    std::fs::write(&team, pack(20_000, "0")).unwrap();
    let doc_path = ws.path().join("a.md");
    std::fs::write(&doc_path, "Storm term\n").unwrap();
    let doc = file_uri(&doc_path);
    let mut server = Server::start(Start::process().data_dir(data.path()));
    let root = file_uri(ws.path());
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": root,
               "workspaceFolders": [{"uri": root, "name": "ws"}],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    server.notify("initialized", json!({}));
    server.open(&doc, "markdown", "Storm term\n");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !hover_text(&mut server, &doc).contains("STORM-0") {
        assert!(Instant::now() < deadline, "the pack never loaded");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    let pid = server.pid();
    let before = rss_kib(pid);

    // The storm: 8 s of rewrites every 50 ms, a hover every 10th.
    let storm = Instant::now();
    let mut version = 0;
    let mut slowest = Duration::ZERO;
    while storm.elapsed() < Duration::from_secs(8) {
        version += 1;
        // Written aside and renamed over, as editors save.
        let aside = team.with_extension("toml.new");
        std::fs::write(&aside, pack(20_000, &version.to_string())).unwrap();
        std::fs::rename(&aside, &team).unwrap();
        announce(&mut server, &team);
        if version % 10 == 0 {
            let asked = Instant::now();
            let hover: Value = server.hover(&doc, 0, 1);
            slowest = slowest.max(asked.elapsed());
            assert!(hover.to_string().contains("STORM-"), "{hover}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The last version is served in the end.
    let last = format!("STORM-{version} ");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !hover_text(&mut server, &doc).contains(&last) {
        assert!(Instant::now() < deadline, "version {version} never served");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let after = rss_kib(pid);
    let peak = peak_kib(pid);
    eprintln!(
        "{version} rewrites: {} -> {} MiB resident, peak {} MiB, slowest hover {slowest:?}",
        before / 1024,
        after / 1024,
        peak / 1024
    );
    // Here: 49 -> 73 MiB (+24), peak 172 MiB; without the trim after the
    // reloads, 49 -> 169 MiB (+120). By hand over a 15 s storm: 39 -> 216
    // MiB before the trim, 39 -> 83 after.
    assert!(
        after < before + 64 * 1024,
        "{} -> {} MiB",
        before / 1024,
        after / 1024
    );
    assert!(peak < 320 * 1024, "peak {} MiB", peak / 1024);
    assert!(
        slowest < Duration::from_secs(5),
        "slowest hover {slowest:?}"
    );
    let _ = server.stop();
}
