//! Writing team packs from the editor (issue 20, item 3): the code action
//! "Add '<text>' to the team pack" and the command `llmops.createTeamPack`.
//!
//! A team's vocabulary grows where people meet a word they do not know, so
//! adding it must be one step from the document: select the phrase (or put
//! the cursor on an unknown word), ask for code actions, and the server
//! appends a `[[term]]` with a placeholder definition to the pack that
//! applies to the document (the nearest `.llmops/` folder, as
//! [`llmops_core::scopes`] decides), or creates `.llmops/team.toml` at the
//! workspace folder's root when there is none.
//!
//! What the action writes is TOML built here, not formatted from raw text:
//! every string goes through [`toml_string`], so a name holding quotes, a
//! backslash or any other character still leaves a valid pack. The action
//! is offered only where workspace packs are trusted (`workspacePacks`,
//! the same gate that loads them), for `file:` documents inside a
//! workspace folder, and never as the preferred action: Learn stays first.
//!
//! Cost: the action looks at the line under the cursor and at the paths of
//! the packs already loaded (no disk access); the command does disk work
//! and runs, like every command, off the async workers.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use llmops_core::content::Content;
use llmops_core::text::{Encoding, LineIndex};
use serde::Serialize;
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, range_to_span};
use crate::error::ServerError;
use crate::protocol::{CREATE_TEAM_PACK, CreateTeamPackArgs};
use crate::state::{OpenDoc, Shared, State};

/// Kind of "Add '...' to the team pack": our own, not `quickfix` (which
/// VS Code lists above Learn) nor `refactor` (which editors may apply
/// through refactor shortcuts).
pub const AUTHOR_KIND: &str = "llmops.author";
/// The folder that holds a folder's packs.
pub const PACK_DIR: &str = ".llmops";
/// The pack the action prefers, and the one the command creates.
pub const TEAM_PACK: &str = "team.toml";
/// The JSON schema written beside a new pack, so that the pack's
/// `#:schema ./schema.json` line works in taplo and Even Better TOML
/// without a network or a copy of this repository. Packs are `*.toml`, so
/// it is never read as a pack.
pub const SCHEMA_FILE: &str = "schema.json";
/// From llmops-core: a path out of this crate would be missing from the
/// packaged crate (`cargo install` of the published crates).
const SCHEMA: &str = llmops_core::content::PACK_SCHEMA_JSON;
/// Longest text the action adds, in characters: a term name, not a sentence.
pub const MAX_TERM_CHARS: usize = 60;
/// The definition a new term gets until someone writes it.
pub const PLACEHOLDER: &str = "TODO: what this means in our team";

/// `text` as a TOML basic string, quotes included. Quotes and backslashes
/// are escaped, and so is every control character, so the result is valid
/// TOML whatever `text` holds.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A term id for `text`: its ASCII letters and digits in lower case, runs
/// of anything else made one `-` ("Flux Capacitor" becomes
/// `flux-capacitor`), then `-2`, `-3`... until `taken` says no. `term` when
/// nothing is left (a name in another script).
pub fn kebab_id(text: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut base = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let base = match base.trim_end_matches('-') {
        "" => "term".to_string(),
        trimmed => trimmed.to_string(),
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or(base)
}

/// One `[[term]]` with the placeholder definition.
pub fn term_entry(id: &str, name: &str) -> String {
    format!(
        "[[term]]\nid = {}\nname = {}\ndefinition = {}\n",
        toml_string(id),
        toml_string(name),
        toml_string(PLACEHOLDER)
    )
}

/// The head of a new pack: the schema line for TOML language servers, then
/// every field of a term and of an exercise, commented, so a team can write
/// the rest without the README at hand.
const TEMPLATE_HEAD: &str = r#"#:schema ./schema.json
# A team pack for llmops-lsp: the words your team uses, explained where
# they appear. Every `.llmops/*.toml` applies to the folder that holds the
# `.llmops/` folder and everything below it. Check it with
# `llmops-lsp check .llmops/` (run it in CI too).
#
# A term (id, name and definition are required):
#
#   [[term]]
#   id = "acme-gateway"            # letters, digits, - _ . (starts with a letter or digit)
#   name = "Acme gateway"          # shown in hovers, and matched in text
#   definition = "Our proxy in front of every model provider."  # the first sentence shows in hints
#   aliases = ["AGW", { name = "model proxy", deprecated = true }]  # other phrases; deprecated ones are flagged
#   avoid = ["llm proxy"]          # phrases the team does not say; each gets a warning and a fix
#   examples = ["Route the new service through the Acme gateway."]  # usage sentences, shown in the hover
#   related = ["ai-gateway"]       # ids of terms in this or any pack
#   module = "acme-platform"       # id of a [[module]] in this or any pack
#   context = "llm"                # only for phrases that are everyday words outside LLM work
#   not_in = ["AcmeGatewayClient"] # identifiers in which the phrase names something else
#   not_near = ["edge"]            # words that, on the same line, show the phrase means something else
#   exercise = "acme-gateway-1"    # older form: an exercise to offer (exercises name their term instead)
#
# An exercise (every field but why, vocabulary and snippet is required):
#
#   [[exercise]]
#   id = "acme-gateway-1"
#   term = "acme-gateway"          # the term it teaches
#   title = "Where do model calls go?"
#   scenario = "A new service needs a hosted model and plans to call the provider directly."
#   question = "What should the service call?"
#   choices = ["The provider's API", "The Acme gateway", "A second provider"]  # 2 to 8
#   answer = 1                     # zero-based index into choices
#   why = ["Skips quotas and traces.", "Holds the keys and applies quotas.", "Adds a bill, not a gateway."]  # one per choice
#   explanation = "All model traffic goes through the gateway: it owns the keys, quotas and traces."
#   vocabulary = ["acme-gateway"]  # key term ids
#   [exercise.snippet]             # optional, after the exercise's other fields
#   language = "python"
#   code = "client = OpenAI(api_key=KEY)"
#   caption = "app/summarise.py"
#
# Modules group terms into the course: [[module]] with id, name, order and
# summary. Practices (code patterns that open a lesson) are [[practice]];
# see the README.
"#;

/// A new pack holding `terms` (whole `[[term]]` entries) under the
/// commented head.
pub fn template(terms: &str) -> String {
    format!("{TEMPLATE_HEAD}\n{terms}")
}

/// The example term of a pack the command creates: an unlikely phrase, so
/// it flags nothing until the team replaces it.
fn example_term() -> String {
    "[[term]]\nid = \"example-team-term\"\nname = \"example team term\"\ndefinition = \"Replace this entry with a word your team uses.\"\n"
        .to_string()
}

/// What the action would add for this range: the selection (one line, at
/// most [`MAX_TERM_CHARS`] characters once trimmed), or the word under the
/// cursor. `None` for nothing, a known term, or text with control
/// characters (which a name cannot hold).
fn candidate(open: &OpenDoc, range: Range, encoding: Encoding) -> Option<String> {
    let doc = &open.doc;
    let text = doc.text();
    let start = doc.lines().offset(text, from_lsp(range.start), encoding)?;
    let end = doc.lines().offset(text, from_lsp(range.end), encoding)?;
    let (start, end) = if start == end {
        // The word under the cursor: letters, digits, `_` and `-`.
        let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
        let before = text[..start]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word(*c))
            .last()
            .map_or(start, |(i, _)| i);
        let after = text[start..]
            .char_indices()
            .find(|(_, c)| !is_word(*c))
            .map_or(text.len(), |(i, _)| start + i);
        (before, after)
    } else {
        (start.min(end), start.max(end))
    };
    let raw = text.get(start..end)?;
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if !(2..=MAX_TERM_CHARS).contains(&chars)
        || trimmed.chars().any(char::is_control)
        || !trimmed.chars().any(char::is_alphanumeric)
    {
        return None;
    }
    // Already a term: a hit covering the whole text.
    let lead = raw.len() - raw.trim_start().len();
    let (from, to) = (start + lead, start + lead + trimmed.len());
    let span = range_to_span(range);
    let known = doc
        .hits_in(span, encoding)
        .iter()
        .any(|hit| hit.start() <= from && hit.end() >= to);
    (!known).then(|| trimmed.to_string())
}

/// The workspace folder holding `path`, the innermost if they nest.
fn root_of<'a>(roots: &'a [PathBuf], path: &Path) -> Option<&'a PathBuf> {
    roots
        .iter()
        .filter(|root| path.starts_with(root))
        .max_by_key(|root| root.components().count())
}

/// The loaded pack a new term for `path` goes to: in the nearest folder
/// above it (up to `root`) that holds a `.llmops/`, its `team.toml`, or
/// the first by name. Looks only at the paths of loaded packs.
fn target_pack(state: &State, path: &Path, root: &Path) -> Option<PathBuf> {
    let packs: Vec<PathBuf> = state
        .packs
        .paths()
        .into_iter()
        .filter(|p| {
            p.parent().and_then(Path::file_name) == Some(PACK_DIR.as_ref()) && p.starts_with(root)
        })
        .collect();
    path.parent()?
        .ancestors()
        .take_while(|folder| folder.starts_with(root))
        .find_map(|folder| {
            let mut here: Vec<&PathBuf> = packs
                .iter()
                .filter(|p| llmops_core::scopes::scope_folder(p) == Some(folder))
                .collect();
            here.sort();
            here.iter()
                .find(|p| p.file_name() == Some(TEAM_PACK.as_ref()))
                .or(here.first())
                .map(|p| (*p).clone())
        })
}

/// Where the end of `text` is, in the client's position encoding.
fn end_position(text: &str, encoding: Encoding) -> Position {
    let index = LineIndex::new(text);
    crate::convert::to_lsp(index.position(text, text.len(), encoding))
}

/// Whether a term id is taken in `content` (every layer merged).
fn taken(content: &Content, id: &str) -> bool {
    content.term(id).is_some() || content.exercises.iter().any(|e| e.id == id)
}

/// "Add '<text>' to the team pack" for the cursor or selection, if it
/// applies (see the module doc).
pub fn add_term_action(
    state: &State,
    open: &OpenDoc,
    uri: &Uri,
    range: Range,
) -> Option<CodeActionOrCommand> {
    if !state.settings.workspace_packs || !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let path = open.path.as_deref()?;
    // Not in the packs themselves: their words are the definitions.
    if path.parent().and_then(Path::file_name) == Some(PACK_DIR.as_ref()) {
        return None;
    }
    let root = root_of(&state.roots, path)?;
    let name = candidate(open, range, state.encoding)?;
    let id = kebab_id(&name, |id| taken(&state.content, id));
    let entry = term_entry(&id, &name);
    let title = format!(
        "Add '{}' to the team pack",
        llmops_core::text::visible_controls(&name)
    );
    let action = |edit: Option<WorkspaceEdit>, command: Option<Command>| {
        Some(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::new(AUTHOR_KIND)),
            edit,
            command,
            is_preferred: Some(false),
            ..Default::default()
        }))
    };
    if let Some(pack) = target_pack(state, path, root) {
        // The editor's text of an open pack wins over the loaded one.
        let current = state
            .docs
            .values()
            .find(|d| d.path.as_deref() == Some(pack.as_path()))
            .map(|d| d.doc.text().to_string())
            .unwrap_or_else(|| state.packs.text_of(&pack).to_string());
        let newline = if current.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let separator = if current.is_empty() || current.ends_with("\n\n") {
            ""
        } else if current.ends_with('\n') {
            newline
        } else if newline == "\r\n" {
            // No final newline: end the last line, then a blank line.
            "\r\n\r\n"
        } else {
            "\n\n"
        };
        let new_text = format!("{separator}{}", entry.replace('\n', newline));
        let at = end_position(&current, state.encoding);
        let pack_uri = Uri::from_file_path(&pack)?;
        let mut changes = HashMap::new();
        changes.insert(
            pack_uri,
            vec![TextEdit {
                range: Range::new(at, at),
                new_text,
            }],
        );
        return action(
            Some(WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            None,
        );
    }
    let folder_uri = Uri::from_file_path(root)?;
    if !state.create_files {
        // A client that cannot create files through an edit: the command
        // writes the new pack itself (it never overwrites one).
        let args = CreateTeamPackArgs {
            folder: Some(folder_uri.as_str().to_string()),
            name: Some(name),
        };
        let command = Command {
            title: title.clone(),
            command: CREATE_TEAM_PACK.into(),
            arguments: Some(vec![serde_json::to_value(args).ok()?]),
        };
        return action(None, Some(command));
    }
    let dir = root.join(PACK_DIR);
    let pack_uri = Uri::from_file_path(dir.join(TEAM_PACK))?;
    let mut operations = vec![
        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: pack_uri.clone(),
            // Never over a file: a client applying this fails instead.
            options: Some(CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(false),
            }),
            annotation_id: None,
        })),
        insert_all(pack_uri, template(&entry)),
    ];
    // The schema the pack's first line names, unless one is there already
    // (one metadata look-up, when no pack exists yet).
    let schema = dir.join(SCHEMA_FILE);
    if std::fs::symlink_metadata(&schema).is_err() {
        let schema_uri = Uri::from_file_path(&schema)?;
        operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: schema_uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            },
        )));
        operations.push(insert_all(schema_uri, SCHEMA.to_string()));
    }
    action(
        Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..Default::default()
        }),
        None,
    )
}

/// An edit putting `text` at the start of a file just created.
fn insert_all(uri: Uri, text: String) -> DocumentChangeOperation {
    DocumentChangeOperation::Edit(TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
        edits: vec![OneOf::Left(TextEdit {
            range: Range::default(),
            new_text: text,
        })],
    })
}

/// What `llmops.createTeamPack` answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub uri: String,
    pub path: String,
    /// The id of the term it holds (the one named, or the example's).
    pub term_id: String,
}

/// `llmops.createTeamPack`: writes `.llmops/team.toml` (the template with
/// the named term, or an example term) and `.llmops/schema.json` in the
/// given workspace folder or the first one. Refuses when the pack exists:
/// the file is opened with `create_new`, so not even a race overwrites one.
/// The server writes it itself rather than asking the client to apply an
/// edit, so it works the same in every editor; the file watcher (or the
/// reload queued here) loads it.
pub fn create_team_pack(
    shared: &std::sync::Arc<Shared>,
    args: CreateTeamPackArgs,
) -> Result<Created, ServerError> {
    let (roots, content) = {
        let state = shared.lock();
        (state.roots.clone(), state.content.clone())
    };
    let folder = match &args.folder {
        Some(uri) => {
            let path = uri
                .parse::<Uri>()
                .ok()
                .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
                .ok_or_else(|| {
                    ServerError::BadArgument(format!("`folder` is not a file URI: {uri}"))
                })?;
            if root_of(&roots, &path).is_none() {
                return Err(ServerError::BadArgument(format!(
                    "`folder` is not inside a workspace folder: {}",
                    path.display()
                )));
            }
            path
        }
        None => roots
            .first()
            .cloned()
            .ok_or_else(|| ServerError::Refused("no workspace folder is open".into()))?,
    };
    let (term_id, entry) = match &args.name {
        Some(name) => {
            let name = name.trim();
            if name.is_empty()
                || name.chars().count() > MAX_TERM_CHARS
                || name.chars().any(char::is_control)
            {
                return Err(ServerError::BadArgument(format!(
                    "`name` must be one line of 1 to {MAX_TERM_CHARS} characters"
                )));
            }
            let id = kebab_id(name, |id| taken(&content, id));
            let entry = term_entry(&id, name);
            (id, entry)
        }
        None => ("example-team-term".to_string(), example_term()),
    };
    let dir = folder.join(PACK_DIR);
    let refused = ServerError::Refused;
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(refused(format!(
                "{} is not a folder (or is a link); nothing was written",
                dir.display()
            )));
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(&dir)
            .map_err(|e| refused(format!("cannot create {}: {e}", dir.display())))?,
    }
    let pack = dir.join(TEAM_PACK);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&pack)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => refused(format!(
                "{} already exists; it was left as it is",
                pack.display()
            )),
            _ => refused(format!("cannot create {}: {e}", pack.display())),
        })?;
    file.write_all(template(&entry).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| refused(format!("cannot write {}: {e}", pack.display())))?;
    // Best effort: the pack works without it; only the schema line does not.
    if let Ok(mut schema) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(SCHEMA_FILE))
    {
        let _ = schema.write_all(SCHEMA.as_bytes());
    }
    let uri = Uri::from_file_path(&pack)
        .ok_or_else(|| ServerError::Internal(format!("no URI for {}", pack.display())))?;
    // Loaded now, not only when (or if) the client's watcher reports it.
    crate::packs::watched_files_changed(
        shared,
        DidChangeWatchedFilesParams {
            changes: vec![FileEvent::new(uri.clone(), FileChangeType::CREATED)],
        },
    );
    Ok(Created {
        uri: uri.as_str().to_string(),
        path: pack.display().to_string(),
        term_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_survive_any_text() {
        for text in [
            "plain",
            "say \"hi\"",
            r"back\slash",
            "naïve café ✓",
            "tab\tand\u{7}bell\u{7f}",
            "'''",
        ] {
            let source = format!("v = {}\n", toml_string(text));
            let value: toml::Table = toml::from_str(&source).expect(&source);
            assert_eq!(value["v"].as_str(), Some(text), "{source}");
        }
    }

    #[test]
    fn ids_are_kebab_case_and_unique() {
        assert_eq!(kebab_id("Flux Capacitor", |_| false), "flux-capacitor");
        assert_eq!(kebab_id("  __x__y  ", |_| false), "x-y");
        assert_eq!(kebab_id("日本語", |_| false), "term");
        assert_eq!(
            kebab_id("flux", |id| id == "flux" || id == "flux-2"),
            "flux-3"
        );
    }

    #[test]
    fn the_template_with_a_term_is_valid_toml() {
        let source = template(&term_entry("a-b", "say \"a\\b\" ✓"));
        assert!(source.starts_with("#:schema ./schema.json\n"));
        let value: toml::Table = toml::from_str(&source).expect(&source);
        assert_eq!(value["term"][0]["name"].as_str(), Some("say \"a\\b\" ✓"));
    }
}
