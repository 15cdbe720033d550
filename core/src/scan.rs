//! Spotting terms in files on disk, for `llmops-lsp scan` and `report`.

use std::path::{Path, PathBuf};

use crate::content::Content;
use crate::text::LineIndex;

/// A term found in a file. Line and column are one-based; the column counts
/// characters, as compilers print them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHit {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub term: usize,
    pub text: String,
}

/// Files larger than this are skipped by the scanners (they are generated
/// data, not prose a person reads).
pub const MAX_SCAN_BYTES: u64 = 16 * 1024 * 1024;

/// Every file under `paths` (a file or a folder, honouring `.gitignore`),
/// sorted, skipping files that are not UTF-8 text.
pub fn files(paths: &[PathBuf]) -> Vec<Result<PathBuf, String>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            out.push(Ok(path.clone()));
            continue;
        }
        if !path.exists() {
            out.push(Err(format!(
                "{}: no such file or directory",
                path.display()
            )));
            continue;
        }
        let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(path)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .collect();
        found.sort();
        out.extend(found.into_iter().map(Ok));
    }
    out
}

/// Spots terms in one file's text, as an editor shows them: terms marked
/// `context = "llm"` need an LLM project (`llm_project`, see
/// [`crate::matcher::LlmProjects`]) or an anchor word nearby.
pub fn scan_text(content: &Content, path: &Path, text: &str, llm_project: bool) -> Vec<FileHit> {
    let lines = LineIndex::new(text);
    let mut hits = Vec::new();
    let mut anchors = Vec::new();
    content
        .matcher
        .find_with_anchors(text, 0, text.len(), llm_project, &mut hits, &mut anchors);
    hits.into_iter()
        .map(|hit| {
            let line = lines.line_of(hit.start);
            let start = lines.line_start(line).unwrap_or(0);
            FileHit {
                path: path.to_path_buf(),
                line: line + 1,
                column: text[start..hit.start].chars().count() + 1,
                term: hit.term as usize,
                text: text[hit.start..hit.end].to_string(),
            }
        })
        .collect()
}

/// Reads a file for scanning: `None` for binary, non-UTF-8 or huge files.
pub fn read_text(path: &Path) -> std::io::Result<Option<String>> {
    if std::fs::metadata(path)?.len() > MAX_SCAN_BYTES {
        return Ok(None);
    }
    let bytes = std::fs::read(path)?;
    if bytes.contains(&0) {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok())
}
