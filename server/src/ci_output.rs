//! Output for CI systems: SARIF 2.1.0 (code scanning, IDE viewers) and
//! GitHub workflow annotations (`::notice …::…` lines a runner turns into
//! comments on the diff). `scan` and `check` map their results to
//! [`Finding`]s; this module only writes them, so both commands speak the
//! same formats.
//!
//! Pack text (term names, definitions, error messages) and file names are
//! untrusted: in SARIF they are JSON strings; in annotations every value is
//! escaped the way the runner decodes it (`%`, CR and LF in the message;
//! also `:` and `,` in properties), so a definition cannot end the line and
//! forge a second workflow command. Invisible controls are made visible as
//! in the text output. Cost: one pass over the findings; rules are collected
//! in a map keyed by rule id.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use llmops_core::content::{Content, PackError};
use llmops_core::scan::FileHit;
use llmops_core::text::visible_controls;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

/// How serious a finding is; maps to SARIF `level` and the annotation kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A term spotted in prose: information, not a defect.
    Note,
    /// A phrase the team avoids (`avoid`, deprecated aliases).
    Warning,
    /// A broken pack.
    Error,
}

impl Level {
    fn sarif(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    fn annotation(self) -> &'static str {
        match self {
            Level::Note => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// What a finding is an instance of: a term, or a kind of pack error.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    /// Shown as the rule's name and the annotation title.
    pub name: String,
    pub description: String,
}

/// One located result, from `scan` or `check`.
#[derive(Clone, Debug)]
pub struct Finding {
    pub path: PathBuf,
    /// One-based line and column, the column in characters.
    pub line: usize,
    pub column: usize,
    /// Characters the finding spans on its line (0: unknown).
    pub length: usize,
    pub rule: Rule,
    pub message: String,
    pub level: Level,
}

impl Finding {
    /// A finding of `scan`: a term spotted (its rule is the term), or a
    /// practice (its rule is the practice, `practice:<id>` as the editor's
    /// diagnostic code, with the practice's message; the lesson term is
    /// named in the message). In a notebook the message starts with the
    /// cell and the line inside it.
    pub fn from_hit(hit: &FileHit, content: &Content) -> Self {
        let term = &content.terms[hit.term];
        if hit.avoided {
            return Finding {
                path: hit.path.clone(),
                line: hit.line,
                column: hit.column,
                length: hit.text.chars().count(),
                rule: Rule {
                    id: format!("avoid:{}", term.id),
                    name: format!("Say {}", term.name),
                    description: format!(
                        "A phrase the team avoids; the team's word is {}.",
                        term.name
                    ),
                },
                message: format!("Team vocabulary: say '{}', not '{}'", term.name, hit.text),
                level: Level::Warning,
            };
        }
        let (rule, message) = match hit.practice.and_then(|p| content.practices.rules.get(p)) {
            Some(practice) => (
                Rule {
                    id: format!("practice:{}", practice.id),
                    name: practice.name.to_string(),
                    description: practice.message.to_string(),
                },
                // As the editor's message: the rule id in brackets.
                format!(
                    "{} [{}] (lesson: {})",
                    practice.message, practice.id, term.name
                ),
            ),
            None => (
                Rule {
                    id: term.id.to_string(),
                    name: term.name.to_string(),
                    description: term.summary().to_string(),
                },
                format!("{}: {}", term.name, term.summary()),
            ),
        };
        let message = match hit.cell {
            Some(cell) => format!("cell {}, line {}: {message}", cell.number, cell.line),
            None => message,
        };
        Finding {
            path: hit.path.clone(),
            line: hit.line,
            column: hit.column,
            length: hit.text.chars().count(),
            rule,
            message,
            level: Level::Note,
        }
    }

    /// A pack error found by `check`. Pack errors carry no kind of their
    /// own, so they share one rule.
    pub fn from_pack_error(error: &PackError) -> Self {
        Finding {
            path: PathBuf::from(&*error.path),
            line: error.line,
            column: error.column,
            length: 0,
            rule: Rule {
                id: "pack-error".to_string(),
                name: "Pack error".to_string(),
                description: "A content pack that cannot be loaded as written.".to_string(),
            },
            message: error.message.clone(),
            level: Level::Error,
        }
    }
}

/// Writes `findings` in `format` (`sarif` or `github`) for the current
/// folder.
pub fn write(out: &mut impl Write, findings: &[Finding], sarif: bool) -> io::Result<()> {
    let cwd = std::env::current_dir().ok();
    if sarif {
        write_sarif(out, findings, cwd.as_deref())
    } else {
        write_github(out, findings, cwd.as_deref())
    }
}

/// Characters kept as they are in a URI path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `path` as GitHub and SARIF want it: relative to `cwd` when it is under
/// it (or already relative), with `.` components dropped; `None` when it
/// is an absolute path elsewhere.
fn relative_to(path: &Path, cwd: Option<&Path>) -> Option<PathBuf> {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd?).ok()?.to_path_buf()
    } else {
        path.to_path_buf()
    };
    Some(
        relative
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect(),
    )
}

/// The path as a URI reference: percent-encoded segments joined by `/`,
/// relative when [`relative_to`] allows, else a `file://` URI.
fn uri(path: &Path, cwd: Option<&Path>) -> (String, bool) {
    let (path, relative) = match relative_to(path, cwd) {
        Some(p) => (p, true),
        None => (path.to_path_buf(), false),
    };
    let segments: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => {
                Some(utf8_percent_encode(&s.to_string_lossy(), SEGMENT).to_string())
            }
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect();
    let joined = segments.join("/");
    if relative {
        (joined, true)
    } else {
        (format!("file:///{joined}"), false)
    }
}

/// A SARIF 2.1.0 log with one run of `llmops-lsp`: a rule per term (or
/// pack error kind) that occurs, a result per finding. Relative URIs are
/// resolved against `SRCROOT`, the folder the command ran in. Columns count
/// Unicode code points, which the run declares.
pub fn sarif(findings: &[Finding], cwd: Option<&Path>) -> Value {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for f in findings {
        if let Entry::Vacant(slot) = rule_index.entry(&f.rule.id) {
            slot.insert(rules.len());
            rules.push(json!({
                "id": f.rule.id,
                "name": visible_controls(&f.rule.name),
                "shortDescription": { "text": visible_controls(&f.rule.name) },
                "fullDescription": { "text": visible_controls(&f.rule.description) },
            }));
        }
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (uri, relative) = uri(&f.path, cwd);
            let mut location = json!({ "uri": uri });
            if relative {
                location["uriBaseId"] = json!("SRCROOT");
            }
            let mut region = json!({
                "startLine": f.line.max(1),
                "startColumn": f.column.max(1),
            });
            if f.length > 0 {
                region["endColumn"] = json!(f.column.max(1) + f.length);
            }
            json!({
                "ruleId": f.rule.id,
                "ruleIndex": rule_index[f.rule.id.as_str()],
                "level": f.level.sarif(),
                "message": { "text": visible_controls(&f.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": region,
                    }
                }],
            })
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "llmops-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(cwd) = cwd {
        let (root, _) = uri(cwd, None);
        run["originalUriBaseIds"] = json!({ "SRCROOT": { "uri": format!("{root}/") } });
    }
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

/// Writes the SARIF log, pretty-printed, with a final newline.
pub fn write_sarif(
    out: &mut impl Write,
    findings: &[Finding],
    cwd: Option<&Path>,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif(findings, cwd))?;
    writeln!(out)
}

/// An annotation's message, escaped as the runner decodes it.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// An annotation property value (`file=`, `title=`): also `:` and `,`,
/// which would end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one workflow command per finding:
/// `::notice file=…,line=…,col=…,endColumn=…,title=…::message`.
pub fn write_github(
    out: &mut impl Write,
    findings: &[Finding],
    cwd: Option<&Path>,
) -> io::Result<()> {
    for f in findings {
        let path = relative_to(&f.path, cwd).unwrap_or_else(|| f.path.clone());
        write!(
            out,
            "::{} file={},line={},col={}",
            f.level.annotation(),
            escape_property(&visible_controls(&path.to_string_lossy())),
            f.line.max(1),
            f.column.max(1),
        )?;
        if f.length > 0 {
            write!(out, ",endColumn={}", f.column.max(1) + f.length)?;
        }
        writeln!(
            out,
            ",title={}::{}",
            escape_property(&visible_controls(&f.rule.name)),
            escape_data(&visible_controls(&f.message)),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_each_annotation_on_one_line() {
        let data = escape_data("50% off\r\n::error::forged");
        assert_eq!(data, "50%25 off%0D%0A::error::forged");
        assert!(!data.contains('\n') && !data.contains('\r'));
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn uris_are_relative_to_the_folder_and_percent_encoded() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            uri(Path::new("/work/repo/docs/a b#.md"), Some(cwd)),
            ("docs/a%20b%23.md".to_string(), true)
        );
        assert_eq!(
            uri(Path::new("./docs/a.md"), Some(cwd)),
            ("docs/a.md".to_string(), true)
        );
        assert_eq!(
            uri(Path::new("/elsewhere/a.md"), Some(cwd)),
            ("file:///elsewhere/a.md".to_string(), false)
        );
    }
}
