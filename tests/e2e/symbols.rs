//! A glossary search and a term's uses with no plugin: `workspace/symbol`
//! (Neovim's `vim.lsp.buf.workspace_symbol`, Helix's symbol picker, Emacs)
//! and `textDocument/references`.

use std::fs;

use serde_json::{Value, json};

use crate::support::*;

/// LSP SymbolKind numbers.
const KEY: u64 = 20;
const EVENT: u64 = 24;

fn symbols(server: &mut Server, query: &str) -> Vec<Value> {
    server
        .result("workspace/symbol", json!({"query": query}))
        .as_array()
        .cloned()
        .expect("workspace/symbol answered null")
}

/// The line a location points at, read from the file it names.
fn line_at(location: &Value) -> String {
    let path = location["uri"]
        .as_str()
        .unwrap()
        .trim_start_matches("file://")
        .to_string();
    let text = fs::read_to_string(&path).unwrap();
    let line = location["range"]["start"]["line"].as_u64().unwrap() as usize;
    text.lines().nth(line).unwrap().trim().to_string()
}

#[test]
fn workspace_symbol_finds_terms_by_name_alias_or_id_and_exercises_by_title() {
    let (mut server, init) = Server::initialized(Start::default(), json!({}), Value::Null);
    let caps = &init["capabilities"];
    assert_eq!(caps["workspaceSymbolProvider"], true, "{caps}");
    assert_eq!(caps["referencesProvider"], true, "{caps}");

    // By alias, any case: the term first, at its `id` in the pack file.
    let found = symbols(&mut server, "ttft");
    assert_eq!(found[0]["name"], "Time to first token", "{found:?}");
    assert_eq!(found[0]["kind"], KEY);
    assert_eq!(found[0]["containerName"], "Latency");
    assert_eq!(line_at(&found[0]["location"]), "id = \"ttft\"");
    // By name: the term, then its exercises (kind Event, at their `id`),
    // found through their term.
    let found = symbols(&mut server, "Time To First");
    assert_eq!(found[0]["name"], "Time to first token", "{found:?}");
    let exercise = found
        .iter()
        .find(|s| s["kind"] == EVENT)
        .unwrap_or_else(|| panic!("no exercise in {found:?}"));
    assert!(
        line_at(&exercise["location"]).starts_with("id = \"ttft-"),
        "{exercise}"
    );
    assert_eq!(exercise["containerName"], "exercise on Time to first token");
    // By exercise title alone.
    let title = exercise["name"].as_str().unwrap().to_string();
    let by_title = symbols(&mut server, &title);
    assert!(
        by_title
            .iter()
            .any(|s| s["name"] == title.as_str() && s["kind"] == EVENT),
        "{by_title:?}"
    );
    // An exercise by its id.
    let by_id = symbols(&mut server, "ttft-1");
    assert_eq!(by_id[0]["kind"], EVENT, "{by_id:?}");
    assert_eq!(line_at(&by_id[0]["location"]), "id = \"ttft-1\"");
    // A term by id; no match; an empty query lists at most a screenful.
    assert_eq!(symbols(&mut server, "kv-cache")[0]["name"], "KV cache");
    assert_eq!(
        symbols(&mut server, "no-such-term-anywhere"),
        Vec::<Value>::new()
    );
    let all = symbols(&mut server, "");
    assert_eq!(all.len(), 100, "{}", all.len());
}

#[test]
fn references_on_a_term_list_its_uses_in_open_documents() {
    let mut server = Server::new_default();
    let a = "file:///tmp/refs-a.md";
    let b = "file:///tmp/refs-b.md";
    let c = "file:///tmp/refs-c.md";
    server.open(a, "markdown", "TTFT rose. Then TTFT fell.\n");
    server.open(
        b,
        "markdown",
        "# Notes\n\nOur time to first token is fine.\n",
    );
    server.open(c, "markdown", "KV cache only.\n");
    server.diagnostics(a, Some(1));
    server.diagnostics(b, Some(1));
    server.diagnostics(c, Some(1));
    let refs = |s: &mut Server, uri: &str, line: u32, ch: u32, decl: bool| {
        s.result(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": ch},
                   "context": {"includeDeclaration": decl}}),
        )
    };
    let found = refs(&mut server, a, 0, 1, false);
    let spots: Vec<(String, u64, u64, u64)> = found
        .as_array()
        .expect("references answered null")
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
                l["range"]["end"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        spots,
        [
            (a.to_string(), 0, 0, 4),
            (a.to_string(), 0, 16, 20),
            (b.to_string(), 2, 4, 23),
        ],
        "{found}"
    );
    // With the declaration: the glossary entry first, then the same uses.
    let with_decl = refs(&mut server, b, 2, 10, true);
    let with_decl = with_decl.as_array().unwrap();
    assert_eq!(with_decl.len(), 4, "{with_decl:?}");
    assert_eq!(line_at(&with_decl[0]), "id = \"ttft\"");
    // Not on a term: nothing.
    assert_eq!(refs(&mut server, a, 0, 11, false), Value::Null);
}
