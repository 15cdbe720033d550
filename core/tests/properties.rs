//! Property tests: the stable-toolchain twins of the `fuzz/` targets, run on
//! every test run. Any input, no panic; incremental results equal a rebuild.

use llmops_core::content::{BUILTIN_FILES, Pack, Scope};
use llmops_core::matcher::{Matcher, Phrase};
use llmops_core::text::{Encoding, LineIndex};
use llmops_core::{Content, Document};
use proptest::prelude::*;

/// Pieces that make interesting text: terms, their parts, case changes,
/// separators, line endings, multi-byte characters.
const PIECES: &[&str] = &[
    "TTFT",
    "ttft",
    "_ms",
    "model",
    " ",
    "alias",
    "Alias",
    "prompt",
    "Registry",
    "_",
    "-",
    "/",
    "A/B",
    " test",
    "quality drift",
    "\n",
    "\r\n",
    "\r",
    "😀",
    "中文",
    "é",
    "x",
    "s",
    "//",
    "#",
    "time to first token",
    "LLM-as-a-judge",
    "\t",
    "\u{0}",
    "PromptRegistry",
    "MODEL_ALIAS",
    "llmops: ignore",
    "-next-line",
    "-file",
    "d",
    " ttft",
    ",",
    " -->",
    "*/",
    "practice:",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<String>(),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn content() -> &'static Content {
    static CONTENT: std::sync::OnceLock<Content> = std::sync::OnceLock::new();
    CONTENT.get_or_init(|| Content::builtin().expect("built-in content"))
}

fn boundary_at(text: &str, fraction: f64) -> usize {
    let mut at = ((text.len() as f64) * fraction) as usize;
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Pieces for the LLM setting: marked phrases, anchors, and many line breaks
/// so that hits move in and out of an anchor's reach.
const SETTING_PIECES: &[&str] = &[
    "feature flag",
    "feature",
    " flag",
    "control group",
    "LLM",
    "OpenAI",
    "TTFT",
    "prompt registry",
    "\n",
    "\n",
    "\n",
    "\r\n",
    " ",
    "x",
    "/",
    "😀",
];

/// A matcher with marked terms (0 and 1) whose anchors count within 2 lines.
fn setting_matcher() -> &'static Matcher {
    static MATCHER: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        Matcher::with_setting(
            [
                ("feature flag", 0),
                ("control group", 1),
                ("TTFT", 2),
                ("prompt registry", 3),
            ]
            .map(|(text, term)| Phrase::of(text, term)),
            |term| term < 2,
        )
        .with_setting_lines(2)
    })
}

/// A few lines, each tens of kilobytes of terms, anchors and filler (what
/// minified code and one-line JSON look like), some with an ignore marker.
fn long_line_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(str::to_string),
        2 => prop::sample::select(SETTING_PIECES).prop_map(str::to_string),
    ];
    prop::collection::vec((prop::collection::vec(piece, 1..12), 200..2000usize), 1..4).prop_map(
        |lines| {
            lines
                .into_iter()
                .map(|(pieces, repeat)| {
                    pieces
                        .concat()
                        .replace(['\n', '\r'], " ")
                        .repeat(repeat / 10 + 1)
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
}

fn setting_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(SETTING_PIECES).prop_map(str::to_string),
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// A TOML value of any of the kinds a pack field could hold, written as
/// TOML (a JSON string or array of strings is valid TOML too), so that the
/// generated packs parse and reach the loader's own checks.
fn toml_value() -> impl Strategy<Value = String> {
    let json = |v: serde_json::Value| v.to_string();
    prop_oneof![
        3 => any::<String>().prop_map(move |s| json(s.into())),
        2 => "[a-z][a-z0-9.-]{0,10}".prop_map(move |s| json(s.into())),
        1 => (-3i64..12).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        2 => prop::collection::vec(any::<String>(), 0..5)
            .prop_map(move |v| json(v.into())),
        2 => prop::collection::vec("[a-z][a-z0-9-]{0,8}", 0..5)
            .prop_map(move |v| json(v.into())),
    ]
}

/// Field names of every pack table, and one no table has.
const FIELDS: &[&str] = &[
    "id",
    "name",
    "aliases",
    "definition",
    "related",
    "module",
    "exercise",
    "context",
    "term",
    "title",
    "scenario",
    "question",
    "choices",
    "answer",
    "why",
    "explanation",
    "vocabulary",
    "order",
    "summary",
    "bogus",
];

/// A pack of `[[module]]`, `[[term]]` and `[[exercise]]` tables with
/// arbitrary fields and values, and sometimes a snippet table.
fn toml_pack() -> impl Strategy<Value = String> {
    let table = (
        prop::sample::select(&["module", "term", "exercise"][..]),
        prop::collection::btree_map(prop::sample::select(FIELDS), toml_value(), 0..10),
        prop::option::of(prop::collection::btree_map(
            prop::sample::select(&["language", "code", "caption", "bogus"][..]),
            toml_value(),
            0..4,
        )),
    );
    prop::collection::vec(table, 0..6).prop_map(|tables| {
        let mut out = String::new();
        for (kind, fields, snippet) in tables {
            out.push_str(&format!("[[{kind}]]\n"));
            for (key, value) in fields {
                out.push_str(&format!("{key} = {value}\n"));
            }
            if let (Some(snippet), "exercise") = (snippet, kind) {
                out.push_str("[exercise.snippet]\n");
                for (key, value) in snippet {
                    out.push_str(&format!("{key} = {value}\n"));
                }
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn incremental_edits_equal_a_rebuild_in_the_llm_setting(
        start in setting_text(),
        edits in prop::collection::vec((0.0..=1.0f64, 0.0..=1.0f64, setting_text()), 1..25),
    ) {
        let matcher = setting_matcher();
        let mut doc = Document::new(start, 0, matcher).unwrap();
        for (a, b, insert) in edits {
            let (x, y) = (boundary_at(doc.text(), a), boundary_at(doc.text(), b));
            let (from, to) = (x.min(y), x.max(y));
            doc.replace(from, to, &insert, matcher).unwrap();
            let fresh = Document::new(doc.text().to_string(), 0, matcher).unwrap();
            prop_assert_eq!(doc.hits(), fresh.hits(), "text {:?}", doc.text());
            prop_assert_eq!(doc.anchors(), fresh.anchors(), "text {:?}", doc.text());
        }
    }

    /// What hover finds in a document too big to scan (the lines around
    /// the cursor) is what a scan of the whole text finds there, in an LLM
    /// project and out of one.
    #[test]
    fn hit_at_agrees_with_a_whole_scan(text in setting_text(), llm_project in any::<bool>()) {
        let matcher = setting_matcher();
        let doc = Document::in_project(text.clone(), 0, llm_project, matcher).unwrap();
        for (offset, _) in text.char_indices() {
            let whole = doc.hits().iter().find(|h| h.start() <= offset && offset < h.end()).copied();
            prop_assert_eq!(matcher.hit_at(&text, offset, llm_project), whole, "at {} of {:?}", offset, text);
        }
    }

    #[test]
    fn matcher_hits_are_ordered_disjoint_and_on_char_boundaries(text in text_strategy()) {
        let hits = content().matcher.find_all(&text);
        let mut last_end = 0;
        for hit in hits {
            prop_assert!(hit.start() < hit.end() && hit.end() <= text.len());
            prop_assert!(hit.start() >= last_end);
            prop_assert!(text.is_char_boundary(hit.start()) && text.is_char_boundary(hit.end()));
            prop_assert!((hit.term as usize) < content().terms.len());
            last_end = hit.end();
        }
    }

    #[test]
    fn incremental_edits_equal_a_rebuild(
        start in text_strategy(),
        edits in prop::collection::vec((0.0..=1.0f64, 0.0..=1.0f64, text_strategy()), 1..25),
    ) {
        let matcher = &content().matcher;
        let mut doc = Document::new(start.clone(), 0, matcher).unwrap();
        for (a, b, insert) in edits {
            let (x, y) = (boundary_at(doc.text(), a), boundary_at(doc.text(), b));
            let (from, to) = (x.min(y), x.max(y));
            doc.replace(from, to, &insert, matcher).unwrap();
            let fresh = Document::new(doc.text().to_string(), 0, matcher).unwrap();
            prop_assert_eq!(doc.hits(), fresh.hits(), "text {:?}", doc.text());
            prop_assert_eq!(doc.lines(), fresh.lines());
            prop_assert_eq!(doc.silenced(), fresh.silenced(), "text {:?}", doc.text());
        }
    }

    /// Edits inside lines far longer than what an edit can reach
    /// (`Matcher::edit_reach`), so a keystroke re-spots only the bytes
    /// around it: the hits still equal a rebuild's, with the built-in
    /// course and in the LLM setting.
    #[test]
    fn edits_inside_long_lines_equal_a_rebuild(
        start in long_line_text(),
        edits in prop::collection::vec((0.0..=1.0f64, 0.0..=0.01f64, text_strategy()), 1..8),
        setting in any::<bool>(),
    ) {
        let matcher = if setting { setting_matcher() } else { &content().matcher };
        let mut doc = Document::new(start, 0, matcher).unwrap();
        for (a, width, insert) in edits {
            let x = boundary_at(doc.text(), a);
            let y = boundary_at(doc.text(), (a + width).min(1.0));
            doc.replace(x.min(y), x.max(y), &insert, matcher).unwrap();
            let fresh = Document::new(doc.text().to_string(), 0, matcher).unwrap();
            prop_assert_eq!(doc.hits(), fresh.hits());
            prop_assert_eq!(doc.silenced(), fresh.silenced());
        }
    }

    #[test]
    fn positions_round_trip_in_both_encodings(text in text_strategy()) {
        let lines = LineIndex::new(&text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            for (offset, _) in text.char_indices() {
                let position = lines.position(&text, offset, encoding);
                let back = lines.offset(&text, position, encoding).expect("line exists");
                // A position inside a line break maps to the line's end.
                let (_, line_end) = lines.line_content(&text, position.line as usize).unwrap();
                prop_assert!(back == offset || (offset >= line_end && back == line_end));
            }
        }
    }

    #[test]
    fn the_loader_never_panics_and_locates_errors(text in any::<String>()) {
        if let Err(errors) = Pack::parse("fuzz.toml", Scope::Workspace, &text) {
            for e in errors {
                prop_assert!(e.line >= 1 && e.column >= 1);
                prop_assert!(e.range.start <= text.len());
            }
        }
    }

    /// Packs that are valid TOML with arbitrary fields and values: the
    /// loader's own checks (types, caps, references, snippets) run on each,
    /// never panic, and locate every error inside the text.
    #[test]
    fn the_loader_checks_any_well_formed_pack(text in toml_pack()) {
        prop_assert!(text.parse::<toml::Table>().is_ok(), "not TOML: {text}");
        match Pack::parse("fuzz.toml", Scope::Workspace, &text) {
            Ok(pack) => { let _ = Content::merge(&[pack]); }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.line >= 1 && e.column >= 1);
                    prop_assert!(e.range.start <= text.len());
                    prop_assert!(e.line <= text.lines().count() + 1);
                }
            }
        }
    }

    #[test]
    fn a_damaged_builtin_pack_is_reported_not_fatal(
        file in 0usize..64,
        cuts in prop::collection::vec((0.0..1.0f64, 0usize..40, "[a-z\"=\\[\\]\n ]{0,6}"), 1..4),
    ) {
        let mut source = BUILTIN_FILES[file % BUILTIN_FILES.len()].source.to_string();
        for (at, len, insert) in cuts {
            let from = boundary_at(&source, at);
            let to = boundary_at(&source, ((from + len) as f64 / source.len() as f64).min(1.0)).max(from);
            source.replace_range(from..to, &insert);
        }
        match Pack::parse("damaged.toml", Scope::Builtin, &source) {
            Ok(pack) => { let _ = Content::merge(&[pack]); }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.range.start <= source.len());
                    prop_assert!(e.line <= source.lines().count() + 1);
                }
            }
        }
    }
}
