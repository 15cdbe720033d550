//! What the command line prints for a repository that attacks the terminal:
//! files named with escape sequences (an OSC 52 clipboard write, a screen
//! clear), a newline that would forge a `path:line:col:` record, direction
//! overrides and line separators; a team pack whose names and definitions
//! carry the same. Text output stays one finding per line with nothing a
//! terminal acts on; JSON stays exact; the Markdown report forms no link,
//! image or HTML. Real files on disk, the real binary.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pulldown_cmark::{Event, Parser, Tag};
use serde_json::Value;

use crate::support::BIN;

/// Code points that must never reach a terminal raw, written out here from
/// the Unicode charts (not taken from the server's own predicate): C0 but
/// line feed (which only ends a line), DEL, C1 (U+0085 among them), the
/// Arabic letter mark, the Mongolian vowel separator, zero-width and
/// direction marks, line and paragraph separators, embeddings and
/// overrides, invisible operators, isolates, the BOM, interlinear
/// annotations and the tag characters.
fn is_hostile(c: char) -> bool {
    let cp = c as u32;
    (cp < 0x20 && c != '\n')
        || (0x7F..=0x9F).contains(&cp)
        || cp == 0x061C
        || cp == 0x180E
        || (0x200B..=0x200F).contains(&cp)
        || (0x2028..=0x202E).contains(&cp)
        || (0x2060..=0x2064).contains(&cp)
        || (0x2066..=0x2069).contains(&cp)
        || cp == 0xFEFF
        || (0xFFF9..=0xFFFB).contains(&cp)
        || (0xE0000..=0xE007F).contains(&cp)
}

/// How the README says a hostile character is shown: `\u{…}`, hex.
fn quoted(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_hostile(c) || c == '\n' {
                format!("\\u{{{:X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A team pack whose names and definitions try to forge records (newline,
/// CR, U+2028) and to drive the terminal (ESC, BEL, U+202E), and whose
/// definition tries links, images, HTML and autolinks.
const PACK: &str = r#"
[[term]]
id = "host-nl"
name = "Newline\nforged.md:1:1: Fake"
aliases = ["HOSTNL"]
definition = "Line one\nforged.md:2:2: Fake: two\rCR\u2028LS \u001B]52;c;aGk=\u0007 \u202Erlo \u2029PS \u0085NEL \U000E0041tag end."

[[term]]
id = "host-esc"
name = "Esc\u001B[2J\u2028\u202Erlo"
aliases = ["HOSTESC"]
definition = "Renew your \\[SSO session\\](https://evil.example/login) ![x](https://evil.example/p.png) <img src=x onerror=alert(1)> www.evil.example mail@evil.example trailing\\"
related = ["host-nl"]
"#;

/// Names of the files the attack plants, each mentioning terms.
fn hostile_names() -> Vec<String> {
    vec![
        // OSC 52 (write the clipboard) ended by BEL, then CSI 2J (clear).
        "x\u{1b}]52;c;aGk=\u{7}\u{1b}[2J.md".into(),
        // A newline then a record of its own.
        "z\nforged.md:1:1: Fake: record.md".into(),
        "rtl\u{202E}dm.txt".into(),
        "sep\u{2028}x.md".into(),
        "cr\rtab\tdel\u{7f}c1\u{9b}2J.md".into(),
        "![x](https:evil.example.p.png).md".into(),
        "<img src=x onerror=alert(1)>.md".into(),
        "[x](command:llmops.openExercise).md".into(),
        "www.evil.example.md".into(),
        "mail@evil.example.md".into(),
    ]
}

struct Planted {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
}

fn plant() -> Planted {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".llmops")).unwrap();
    fs::write(dir.path().join(".llmops/hostile.toml"), PACK).unwrap();
    let files = hostile_names()
        .into_iter()
        .map(|name| {
            let path = dir.path().join("src").join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "HOSTNL and HOSTESC and TTFT\n").unwrap();
            path
        })
        .collect();
    Planted { dir, files }
}

fn run_in(dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("LLMOPS_LSP_DATA_DIR", dir.join("data"))
        .output()
        .expect("run llmops-lsp")
}

/// Fails when `bytes` holds anything a terminal would act on: a byte below
/// 0x20 but a line's own `\n`, or a hostile code point.
fn assert_inert(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8 output");
    if let Some(c) = text.chars().find(|&c| is_hostile(c)) {
        panic!("{what}: U+{:04X} reaches the terminal in\n{text}", c as u32);
    }
    text
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn scan_prints_one_inert_line_per_finding_and_exact_json() {
    let planted = plant();
    let root = planted.dir.path();
    let src = os("src");
    let json = run_in(root, &[os("scan"), os("--format"), os("json"), src]);
    assert!(json.status.success(), "{json:?}");
    let json_text = assert_inert("scan --format json", &json.stdout);
    let findings: Vec<Value> = serde_json::from_str(&json_text).expect("valid JSON");
    // Every planted file, by its exact name, with the exact pack names.
    let seen: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = planted
        .files
        .iter()
        .map(|p| format!("src/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(seen, expected);
    let names: Vec<&str> = findings
        .iter()
        .map(|f| f["term"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Newline\nforged.md:1:1: Fake"), "{names:?}");
    assert!(
        names.contains(&"Esc\u{1b}[2J\u{2028}\u{202E}rlo"),
        "{names:?}"
    );
    assert_eq!(findings.len(), 3 * planted.files.len());

    let text = run_in(root, &[os("scan"), src]);
    assert!(text.status.success(), "{text:?}");
    let text = assert_inert("scan", &text.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), findings.len(), "one line per finding:\n{text}");
    for (line, finding) in lines.iter().zip(&findings) {
        let record = format!(
            "{}:{}:{}: {}: ",
            quoted(finding["path"].as_str().unwrap()),
            finding["line"],
            finding["column"],
            quoted(finding["term"].as_str().unwrap()),
        );
        assert!(line.starts_with(&record), "{line}\nexpected {record}");
    }
    // The forged record is there as text inside its own line, not as a line.
    assert!(
        lines
            .iter()
            .all(|l| !l.starts_with("forged.md:") && l.starts_with("src/")),
        "{text}"
    );
    assert!(
        text.contains("src/x\\u{1B}]52;c;aGk=\\u{7}\\u{1B}[2J.md:1:1: "),
        "{text}"
    );
}

/// What a Markdown renderer makes of the report: no link, image or HTML.
fn assert_no_markup(what: &str, md: &str) {
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::Html(_)
            | Event::InlineHtml(_) => panic!("{what}: {event:?} in\n{md}"),
            _ => {}
        }
    }
}

#[test]
fn report_is_inert_for_terminals_and_markdown_and_exact_as_json() {
    let planted = plant();
    let root = planted.dir.path();
    // One report per file, so every name shows in the "where" column.
    for file in &planted.files {
        let out = run_in(root, &[os("report"), file.as_os_str()]);
        assert!(out.status.success(), "{out:?}");
        let md = assert_inert("report", &out.stdout);
        assert_no_markup("report", &md);
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
        // The header and one row per term: no row split by a newline.
        assert_eq!(rows.len(), 4, "{md}");
        for row in &rows[1..] {
            assert_eq!(row.matches(" | ").count(), 3, "{row}");
        }
        // GFM autolinks (which pulldown-cmark does not make) are broken by
        // an escape: `www\.`, `\@`.
        assert!(!md.contains("www.evil"), "{md}");
        assert!(!md.contains("mail@evil"), "{md}");

        let json = run_in(root, &[os("report"), os("--json"), file.as_os_str()]);
        let json = assert_inert("report --json", &json.stdout);
        let report: Value = serde_json::from_str(&json).expect("valid JSON");
        let path = report["terms"][0]["files"][0]["path"].as_str().unwrap();
        assert_eq!(Path::new(path), file.as_path());
        let names: Vec<&str> = report["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Newline\nforged.md:1:1: Fake"), "{names:?}");
    }
}

#[test]
fn check_and_stderr_are_inert() {
    let planted = plant();
    let root = planted.dir.path();
    // A path that does not exist, named like an attack: the error quotes it.
    let missing = format!("gone\u{1b}]52;c;aGk=\u{7}\n{}", "forged.md:1:1: x");
    let out = run_in(root, &[os("scan"), os(&missing)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = assert_inert("scan (stderr)", &out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("gone\\u{1B}]52;c;aGk=\\u{7}\\u{A}forged.md"),
        "{stderr}"
    );

    fs::write(
        root.join(".llmops/bad.toml"),
        "[[term]]\nid = \"bad\\u001B]52;c;aGk=\\u0007\\nforged.toml:1:1: x\\u2028\"\nname = \"Bad\\u202Eone\"\ndefinition = \"\"\n",
    )
    .unwrap();
    let out = run_in(root, &[os("check"), os(".llmops")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = assert_inert("check", &out.stdout);
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(line.starts_with(".llmops/bad.toml:"), "{text}");
    }
    assert!(text.contains("]52;c;aGk="), "{text}");
    assert_inert("check (stderr)", &out.stderr);
}
