//! Completion of term names while writing (issue 20, setting
//! `completion`): off by default; names in prose and comments; in code the
//! identifier forms in the style typed; ranges in UTF-16 units; the terms
//! of a folder's `.llmops/` pack only under that folder.

use std::fs;

use serde_json::{Value, json};

use crate::support::*;

const DOC: &str = "file:///notes/completion.md";

fn complete(server: &mut Server, uri: &str, line: u32, character: u32) -> Value {
    server.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    )
}

/// The item labelled `label`, or a panic showing the list.
fn item<'a>(list: &'a Value, label: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["label"] == label))
        .unwrap_or_else(|| panic!("no {label:?} in {list:#}"))
}

/// Opens `text` (one line) and completes at its end.
fn complete_line(server: &mut Server, uri: &str, language: &str, text: &str) -> Value {
    server.open(uri, language, text);
    server.diagnostics(uri, Some(1));
    let column = text.encode_utf16().count() as u32;
    let list = complete(server, uri, 0, column);
    server.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    list
}

fn on() -> Server {
    Server::initialized(
        Start::default(),
        json!({}),
        json!({"llmops": {"completion": true}}),
    )
    .0
}

#[test]
fn completion_is_off_by_default_and_switches_without_a_restart() {
    let (mut server, init) = Server::initialized(Start::default(), json!({}), Value::Null);
    assert!(
        init["capabilities"]["completionProvider"].is_object(),
        "{init:#}"
    );
    server.open(DOC, "markdown", "Keep a prompt regi\n");
    server.diagnostics(DOC, Some(1));
    assert!(
        complete(&mut server, DOC, 0, 18).is_null(),
        "off by default"
    );
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"completion": true}}}),
    );
    assert_eq!(
        completion_labels(&complete(&mut server, DOC, 0, 18)),
        ["prompt registry"]
    );
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"llmops": {"completion": false}}}),
    );
    assert!(complete(&mut server, DOC, 0, 18).is_null(), "off again");
}

#[test]
fn prose_gets_names_that_replace_the_words_typed() {
    let mut server = on();
    let list = complete_line(&mut server, DOC, "markdown", "Keep a prompt regi");
    assert_eq!(list["isIncomplete"], true, "{list:#}");
    let registry = item(&list, "prompt registry");
    assert_eq!(
        registry["textEdit"],
        json!({"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 18}},
               "newText": "prompt registry"}),
        "{registry:#}"
    );
    assert_eq!(registry["filterText"], "prompt registry");
    assert_eq!(registry["detail"], "Prompt registry");
    let doc = registry["documentation"]["value"].as_str().unwrap();
    assert!(
        doc.starts_with("**Prompt registry**") && doc.contains("prompt templates"),
        "{doc}"
    );
    assert_eq!(registry["documentation"]["kind"], "markdown");
    // A sentence's first word keeps the name's capital; an alias is offered
    // as written, naming its term.
    let list = complete_line(&mut server, DOC, "markdown", "Prompt regi");
    assert_eq!(completion_labels(&list), ["Prompt registry"]);
    let list = complete_line(&mut server, DOC, "markdown", "a prompt sto");
    let store = item(&list, "prompt store");
    assert_eq!(store["detail"], "Prompt registry");
    // Comments in code are prose.
    let list = complete_line(
        &mut server,
        "file:///notes/a.py",
        "python",
        "x = 1  # see the model ali",
    );
    assert_eq!(completion_labels(&list), ["model alias"]);
}

#[test]
fn code_gets_identifier_forms_in_the_style_typed() {
    let mut server = on();
    // (document, language, line, where the replaced text starts, item)
    for (uri, language, line, typed, expect) in [
        (
            "file:///w/a.py",
            "python",
            "registry = prompt_regi",
            "prompt_",
            "prompt_registry",
        ),
        (
            "file:///w/a.ts",
            "typescript",
            "const r = promptRegi",
            "promptR",
            "promptRegistry",
        ),
        (
            "file:///w/a.rs",
            "rust",
            "let r: PromptRegi",
            "PromptR",
            "PromptRegistry",
        ),
        (
            "file:///w/b.py",
            "python",
            "if MODEL_AL",
            "MODEL_",
            "MODEL_ALIAS",
        ),
        // Kebab case where the language writes it; the leading `--` stays.
        (
            "file:///w/a.css",
            "css",
            "  --model-al",
            "model-",
            "model-alias",
        ),
        // One word with no style takes the language's.
        ("file:///w/c.py", "python", "x = ttf", "ttf", "ttft"),
        (
            "file:///w/c.ts",
            "typescript",
            "x = modelAl",
            "modelA",
            "modelAlias",
        ),
    ] {
        let list = complete_line(&mut server, uri, language, line);
        let found = completion_labels(&list);
        assert!(found.contains(&expect.to_string()), "{line}: {found:?}");
        let edit = &item(&list, expect)["textEdit"];
        let start = line.rfind(typed).unwrap() as u64;
        assert_eq!(
            edit["range"],
            json!({"start": {"line": 0, "character": start},
                   "end": {"line": 0, "character": line.len()}}),
            "{line}"
        );
        assert_eq!(edit["newText"], expect, "{line}");
        assert_eq!(item(&list, expect)["filterText"], expect, "{line}");
        // Code gets identifiers only, in that one style.
        assert!(found.iter().all(|l| !l.contains(' ')), "{line}: {found:?}");
    }
    // The task's own example: `prompt_reg` offers the registry first.
    let list = complete_line(&mut server, "file:///w/d.py", "python", "x = prompt_reg");
    assert_eq!(completion_labels(&list)[0], "prompt_registry", "{list:#}");
    // Inside a word, and in a word no term starts with: nothing offered.
    server.open("file:///w/e.py", "python", "x = prompt_regxyz\n");
    server.diagnostics("file:///w/e.py", Some(1));
    assert!(complete(&mut server, "file:///w/e.py", 0, 14).is_null());
    assert!(complete(&mut server, "file:///w/e.py", 0, 17).is_null());
}

#[test]
fn ranges_count_utf16_units_before_the_cursor() {
    let mut server = on();
    // `é` is one unit, `😀` two (four bytes in UTF-8).
    let line = "Café 😀 notes: the model ali";
    let list = complete_line(&mut server, DOC, "markdown", line);
    let edit = &item(&list, "model alias")["textEdit"];
    let start = line[..line.find("model").unwrap()].encode_utf16().count() as u64;
    // 19 UTF-16 units, 22 bytes, 18 characters before `model`.
    assert_eq!((start, line.find("model")), (19, Some(22)));
    assert_eq!(
        edit["range"]["start"],
        json!({"line": 0, "character": start})
    );
    assert_eq!(
        edit["range"]["end"],
        json!({"line": 0, "character": line.encode_utf16().count()})
    );
    // A client that negotiates UTF-8 gets byte columns.
    let (mut server, init) = Server::initialized(
        Start::default(),
        json!({"general": {"positionEncodings": ["utf-8"]}}),
        json!({"llmops": {"completion": true}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    server.open(DOC, "markdown", line);
    server.diagnostics(DOC, Some(1));
    let list = complete(&mut server, DOC, 0, line.len() as u32);
    let edit = &item(&list, "model alias")["textEdit"];
    assert_eq!(edit["range"]["start"], json!({"line": 0, "character": 22}));
    assert_eq!(
        edit["range"]["end"],
        json!({"line": 0, "character": line.len()})
    );
}

#[test]
fn a_folders_pack_terms_complete_only_under_that_folder() {
    let top = tempfile::tempdir().unwrap();
    let pack = top.path().join("svc/.llmops/team.toml");
    fs::create_dir_all(pack.parent().unwrap()).unwrap();
    fs::write(
        &pack,
        "[[term]]\nid = \"wombat-gateway\"\nname = \"Wombat gateway\"\naliases = [\"wombat gw\"]\ndefinition = \"The service's own gateway.\"\n",
    )
    .unwrap();
    fs::create_dir_all(top.path().join("other")).unwrap();
    let mut server = Server::start(Start::default());
    server.result(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(top.path()),
               "workspaceFolders": [{"uri": file_uri(top.path()), "name": "top"}],
               "capabilities": {}, "initializationOptions": {"llmops": {"completion": true}}}),
    );
    server.notify("initialized", json!({}));
    let inside = file_uri(&top.path().join("svc/src/notes.md"));
    let outside = file_uri(&top.path().join("other/notes.md"));
    let list = complete_line(&mut server, &inside, "markdown", "the wombat g");
    assert_eq!(
        completion_labels(&list),
        ["wombat gateway", "wombat gw"],
        "{list:#}"
    );
    let code = complete_line(&mut server, &inside, "go", "gw := wombatGate");
    assert_eq!(completion_labels(&code), ["wombatGateway"]);
    // Outside the folder: no wombat (the `g` alone is too short to look up,
    // so the client is told to ask again).
    let list = complete_line(&mut server, &outside, "markdown", "the wombat g");
    assert_eq!(list, json!({"isIncomplete": true, "items": []}));
    let code = complete_line(&mut server, &outside, "go", "gw := wombatGate");
    assert!(code.is_null(), "{code:#}");
}
