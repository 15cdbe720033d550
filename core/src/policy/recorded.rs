//! Files nobody reads as prose: recorded fixtures (HTTP cassettes, HAR
//! captures, test snapshots, recorded JSON Lines), generated lock files
//! (`poetry.lock`, `package-lock.json`, `*.lock.yml`), minified scripts and
//! key material. They get no hints at all.
//!
//! Why none rather than one: a recording is written by a machine and read by
//! a test. Its terms are header names and payload fields
//! (`anthropic-ratelimit-input-tokens-limit` on every recorded response),
//! so even the first hint points at an arbitrary header that teaches
//! nothing, and it would be the only hint in a file the learner never
//! edits. Measured on LangSmith's SDK, cassettes held 810 hits of one term.
//!
//! Recognised by path, and for the generic folder names (`fixtures/`,
//! `testdata/`) by shape too, because those folders also hold text people
//! write (this project's own precision corpus lives in `tests/fixtures/`);
//! JSON there is data whatever its shape (see [`DATA_DIRS`]). Listings of
//! paths (a `sitemap.yaml`, a `.gitignore`) get none either: their words
//! are file names.
//!
//! Cost: a walk over the path's components, and for a YAML or JSON file
//! under `fixtures/` or `testdata/` a search of its first
//! [`SHAPE_PREFIX`] bytes: bounded per publication, whatever the file's size.

use std::path::Path;

/// Folders whose files are recordings, whatever their shape.
const RECORDING_DIRS: &[&str] = &[
    "cassettes",
    "cassette",
    "vcr_cassettes",
    "__snapshots__",
    "__recordings__",
    "recordings",
    // Relay's compiler output: types and query text copied from the schema,
    // regenerated on every build and never read (Phoenix: 5,300 hits).
    "__generated__",
];

/// Folders of golden files: expected outputs a test compares with, written
/// by the test itself (TruLens keeps dumps of its API under
/// `tests/unit/static/golden/`). Only their data files count (see
/// [`GOLDEN_EXTENSIONS`]); notes written there in Markdown are still read.
const GOLDEN_DIRS: &[&str] = &["golden", "goldens"];

/// Extensions of data files, recordings when under [`GOLDEN_DIRS`].
const GOLDEN_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "jsonl", "txt", "csv"];

/// Folders that hold recordings among other test data: a JSON or JSON
/// Lines file there is a recording, a YAML or text file when it has the
/// shape of a recorded exchange. JSON has no comments, so nothing in it is
/// written to be read: in the precision samples of issue 24 every JSON hit
/// under these folders was a saved trace, a serialized run state or a
/// generated API listing, each with its own shape.
const DATA_DIRS: &[&str] = &["fixtures", "__fixtures__", "testdata", "test_data"];

/// Whether a file name is a generated lock file: `poetry.lock`, `uv.lock`,
/// `Cargo.lock`, `package-lock.json`, `pnpm-lock.yaml`, a compiled GitHub
/// workflow `name.lock.yml`. Their lines are package names and hashes.
fn is_lock_file(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".lock")
        || name.ends_with("-lock.json")
        || name.ends_with("-lock.yaml")
        || name.contains(".lock.")
}

/// Whether a file name is a listing of paths: a site map a docs tool
/// generates (`sitemap.yaml`, with hashes and machine summaries of every
/// page) or an ignore file (`.gitignore`, `.dockerignore`, `.npmignore`),
/// whose lines are globs and file names (`.mcp.json` is not the Model
/// Context Protocol being explained).
fn is_path_listing(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.strip_prefix("sitemap.")
        .is_some_and(|ext| matches!(ext, "yaml" | "yml" | "json" | "xml" | "txt"))
        || (name.starts_with('.') && name.ends_with("ignore"))
}

/// Extensions of recordings and snapshots (`.har` captures, Jest and
/// insta snapshots) and of key material (PEM bodies are base64 that spells
/// words by chance: "...StwRagZrp...").
const RECORDING_EXTENSIONS: &[&str] = &[
    "har", "snap", "pem", "key", "cer", "crt", "csr", "der", "p12", "pfx", "jks", "asc", "gpg",
    "pub",
];

/// Extensions of files a build tool minifies: scripts, style sheets, JSON
/// and source maps.
const MINIFIABLE_EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "css", "json", "map"];

/// Whether a script, style sheet or JSON file is minified: named so
/// (`app.min.js`, `vendor.bundle.js`), or its first [`SHAPE_PREFIX`] bytes
/// hold no line break. A person writing code breaks lines long before
/// 4 KB; a bundler writes a whole module on one line, and its words
/// (`FeatureFlags`, `tokenUsage` of someone else's library) are not the
/// learner's. Prose keeps its long lines: only these extensions count.
fn is_minified(name: &str, ext: &str, text: &str) -> bool {
    if !MINIFIABLE_EXTENSIONS.contains(&ext) {
        return false;
    }
    let name = name.to_ascii_lowercase();
    if name.contains(".min.") || name.contains(".bundle.") || name.contains(".chunk.") {
        return true;
    }
    text.len() > SHAPE_PREFIX && memchr::memchr(b'\n', &text.as_bytes()[..SHAPE_PREFIX]).is_none()
}

/// How much of a fixture file is searched for a recorded exchange's shape.
pub const SHAPE_PREFIX: usize = 4096;

/// Whether the file at `path`, holding `text`, is a recording or key file
/// that gets no hints.
pub fn is_recording(path: &Path, text: &str) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if RECORDING_EXTENSIONS.contains(&ext.as_str())
        || is_lock_file(name)
        || is_path_listing(name)
        || is_minified(name, &ext, text)
    {
        return true;
    }
    let dirs = || {
        path.parent()
            .into_iter()
            .flat_map(Path::components)
            .filter_map(|c| c.as_os_str().to_str())
    };
    if dirs().any(|d| RECORDING_DIRS.contains(&d)) {
        return true;
    }
    if GOLDEN_EXTENSIONS.contains(&ext.as_str()) && dirs().any(|d| GOLDEN_DIRS.contains(&d)) {
        return true;
    }
    if !dirs().any(|d| DATA_DIRS.contains(&d)) {
        return false;
    }
    match ext.as_str() {
        "json" | "jsonl" | "ndjson" => true,
        "yaml" | "yml" | "txt" | "sse" => recorded_shape(text),
        _ => false,
    }
}

/// Whether the start of a data file reads as a recorded HTTP exchange: a
/// VCR cassette (`interactions:` with a request and a response), a HAR log,
/// a request/response pair with a status and headers, a captured
/// server-sent event stream (`event:` and `data: {...}` lines), or a model
/// API's response object saved whole (an `id`, the `model`, and its
/// `object`, `usage`, `choices` or `stop_reason`).
fn recorded_shape(text: &str) -> bool {
    let mut end = text.len().min(SHAPE_PREFIX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let has = |needle: &str| head.contains(needle);
    let exchange = (has("request") && has("response")) && (has("status") && has("headers"));
    let event_stream = (head.starts_with("event:") || has("\nevent:")) && has("\ndata: {");
    let model_response = has("\"id\"")
        && has("\"model\"")
        && (has("\"object\"") || has("\"usage\"") || has("\"choices\"") || has("\"stop_reason\""));
    (has("interactions") && has("request"))
        || (has("\"log\"") && has("\"entries\""))
        || exchange
        || event_stream
        || model_response
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASSETTE: &str = "interactions:\n- request:\n    body: '{\"model\": \"x\"}'\n    headers: {}\n  response:\n    headers:\n      anthropic-ratelimit-input-tokens-limit: ['40000']\n    status: {code: 200}\n";

    #[test]
    fn recordings_are_known_by_folder_extension_or_shape() {
        let one_line = "a.b(c);".repeat(SHAPE_PREFIX);
        let lines = "a.b(c);\n".repeat(SHAPE_PREFIX);
        for (path, text, recorded) in [
            ("tests/cassettes/chat.yaml", "anything", true),
            ("src/__snapshots__/view.test.ts.snap", "anything", true),
            ("capture.har", "{}", true),
            ("certs/server.key", "-----BEGIN", true),
            ("poetry.lock", "[[package]]", true),
            ("web/package-lock.json", "{}", true),
            (".github/workflows/review.lock.yml", "jobs:", true),
            ("js/src/tests/test_data/stream.jsonl", "[\"event\"]", true),
            ("docs/lock.md", "anything", false),
            ("web/dist/app.min.js", "var a=1;\n", true),
            ("web/dist/index.js", &one_line, true),
            ("web/src/index.js", &lines, false),
            // Prose keeps its long paragraphs.
            ("docs/guide.md", &one_line, false),
            ("tests/fixtures/chat.yaml", CASSETTE, true),
            (
                "pkg/testdata/reply.json",
                "{\"request\": {}, \"response\": {\"status\": 200, \"headers\": {}}}",
                true,
            ),
            (
                "tests/fixtures/stream.txt",
                "event: metadata\ndata: {\"run_id\": 1}\n\nevent: values\ndata: {\"tool_calls\": []}\n",
                true,
            ),
            (
                "tests/fixtures/reply.json",
                "{\n  \"id\": \"resp_1\",\n  \"model\": \"m\",\n  \"object\": \"response\",\n  \"usage\": {\"total_tokens\": 9}\n}\n",
                true,
            ),
            // The same folders hold text people write.
            (
                "tests/fixtures/notes.txt",
                "Each case has an id and the model to call.\n",
                false,
            ),
            ("tests/fixtures/precision/notes.md", CASSETTE, false),
            (
                "tests/fixtures/eval-config.yaml",
                "judge: the LLM judge\nrequest: none\n",
                false,
            ),
            ("docs/cassettes.md", "anything", false),
            (
                "js/app/src/pages/__generated__/Query.graphql.ts",
                "export type Q = {};\n",
                true,
            ),
            ("tests/unit/static/golden/api.yaml", "a: b\n", true),
            ("tests/unit/static/golden/README.md", "notes\n", false),
            ("src/generated/client.ts", "export type Q = {};\n", false),
            ("src/client.py", CASSETTE, false),
            // Issue 24, round 5: JSON under a fixtures folder whatever its
            // shape (a serialized run state), listings of paths.
            (
                "tests/fixtures/run_state/v1_9.json",
                "{\"guardrail_results\": []}\n",
                true,
            ),
            ("docs/config.json", "{\"guardrail_results\": []}\n", false),
            ("sitemap.yaml", "index.md:\n  summary: tool calling\n", true),
            ("docs/sitemap.md", "anything", false),
            ("js/packages/cli/.gitignore", ".mcp.json\n", true),
            (".dockerignore", "node_modules\n", true),
            ("ignore.md", "anything", false),
        ] {
            assert_eq!(is_recording(Path::new(path), text), recorded, "{path}");
        }
    }

    #[test]
    fn the_shape_is_read_from_a_bounded_prefix() {
        let late = format!("{}\n{CASSETTE}", "# pad\n".repeat(SHAPE_PREFIX));
        assert!(!is_recording(Path::new("fixtures/x.yaml"), &late));
        // The prefix ends inside a character (4096 = 3 * 1365 + 1), and
        // the line breaks keep it from reading as minified.
        let multibyte = "é\n".repeat(SHAPE_PREFIX);
        assert!(!is_recording(Path::new("fixtures/x.txt"), &multibyte));
    }
}
