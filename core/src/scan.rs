//! Spotting terms in files on disk, for `llmops-lsp scan` and `report`.
//!
//! Files are found and matched in parallel (the `ignore` crate's parallel
//! walker, which honours `.gitignore` as `rg` does), then put back in a
//! fixed order, so the output is the same on every run and every machine.
//! What is kept of each file is decided by [`crate::policy::findings`], the
//! same function the editor uses.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::content::Content;
use crate::matcher::LlmProjects;
use crate::policy::{self, DocumentRef, Learner, Options};
use crate::practice::policy::practice_findings;
use crate::safe_file::{self, Refusal};
use crate::scopes::ScopedContent;
use crate::text::LineIndex;
use crate::walk;

/// A term found in a file. Line and column are one-based; the column counts
/// characters, as compilers print them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHit {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The term found, or the lesson term of the practice found.
    pub term: usize,
    /// The practice found (index into `content.practices.rules`), if this
    /// is a practice finding rather than a term.
    pub practice: Option<usize>,
    /// The text is a phrase the team avoids for `term` (see
    /// [`crate::policy::Finding::avoided`]).
    pub avoided: bool,
    pub text: String,
    /// In a notebook: the cell and the position inside it (`line` and
    /// `column` are then the `.ipynb` file's, see [`crate::notebook`]).
    pub cell: Option<CellAt>,
}

/// A position inside a notebook cell, all one-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellAt {
    /// The cell's place in the notebook (1: the first cell).
    pub number: usize,
    pub line: usize,
    pub column: usize,
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
            out.push(Err(missing(path)));
            continue;
        }
        if !path.is_dir() {
            out.push(Err(not_regular(path)));
            continue;
        }
        // Ignore files left out only mean more files listed.
        let (walker, _) = walk::walker(path);
        let mut found: Vec<PathBuf> = walker
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

fn missing(path: &Path) -> String {
    format!("{}: no such file or directory", path.display())
}

fn not_regular(path: &Path) -> String {
    format!(
        "{}: {}; it is not read",
        path.display(),
        Refusal::NotRegular
    )
}

/// The findings in one file's text, as the editor would flag them.
/// `llm_project`: the file belongs to a project that depends on an LLM
/// library (see [`crate::matcher::LlmProjects`]), so terms marked
/// `context = "llm"` need no anchor word nearby.
pub fn scan_text(
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
    path: &Path,
    text: &str,
    llm_project: bool,
) -> Vec<FileHit> {
    let language = policy::language_of(path);
    scan_text_as(content, learner, options, path, text, language, llm_project)
}

/// The findings in a notebook's text: each cell scanned as a document in
/// its own language (as an editor opens cells), positions given in the
/// cell and in the file. Cost: one JSON parse, one forward pass to find
/// the cells' lines, and one scan per cell.
pub fn scan_notebook(
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
    path: &Path,
    text: &str,
    llm_project: bool,
) -> Result<Vec<FileHit>, String> {
    let mut out = Vec::new();
    for cell in crate::notebook::cells(text)? {
        let hits = scan_text_as(
            content,
            learner,
            options,
            path,
            &cell.source,
            &cell.language,
            llm_project,
        );
        out.extend(hits.into_iter().map(|mut hit| {
            let at = CellAt {
                number: cell.number,
                line: hit.line,
                column: hit.column,
            };
            // A line that could not be found in the file points at its
            // start rather than at a wrong line.
            let (line, column) = cell.file_position(hit.line, hit.column).unwrap_or((1, 1));
            hit.line = line;
            hit.column = column;
            hit.cell = Some(at);
            hit
        }));
    }
    Ok(out)
}

/// The findings in a file's text read as its name says: a notebook cell by
/// cell ([`scan_notebook`], which fails on a notebook it cannot read), any
/// other file as plain text ([`scan_text`]). The one place that decides it,
/// for `scan` and for counting a workspace's uses alike.
pub fn scan_any(
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
    path: &Path,
    text: &str,
    llm_project: bool,
) -> Result<Vec<FileHit>, String> {
    if is_notebook(path) {
        scan_notebook(content, learner, options, path, text, llm_project)
    } else {
        Ok(scan_text(
            content,
            learner,
            options,
            path,
            text,
            llm_project,
        ))
    }
}

/// Whether `path` is read as a notebook.
pub fn is_notebook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"))
}

/// [`scan_text`] with the language given rather than taken from the path.
pub fn scan_text_as(
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
    path: &Path,
    text: &str,
    language: &str,
    llm_project: bool,
) -> Vec<FileHit> {
    let lines = LineIndex::new(text);
    let mut hits = Vec::new();
    let mut anchors = Vec::new();
    content
        .matcher
        .find_with_anchors(text, 0, text.len(), llm_project, &mut hits, &mut anchors);
    let doc = DocumentRef {
        text,
        lines: &lines,
        hits: &hits,
        silenced: None,
        path: Some(path),
        language,
    };
    let terms = if options.practices.terms() {
        policy::findings(doc, content, learner, options)
    } else {
        Vec::new()
    };
    let set = &content.practices;
    let practices = if options.practices.practices() && !set.is_empty() {
        let hits = set.scan_all(text, doc.language);
        practice_findings(
            doc,
            &hits,
            llm_project,
            set,
            learner,
            options,
            options.max_findings.saturating_sub(terms.len()),
        )
    } else {
        Vec::new()
    };
    let at = |start: usize| {
        let line = lines.line_of(start);
        let line_start = lines.line_start(line).unwrap_or(0);
        (line + 1, text[line_start..start].chars().count() + 1)
    };
    let mut out: Vec<FileHit> = terms
        .into_iter()
        .map(|f| {
            let hit = f.hit;
            let (line, column) = at(hit.start());
            FileHit {
                path: path.to_path_buf(),
                line,
                column,
                term: hit.term as usize,
                practice: None,
                avoided: hit.avoided,
                text: text[hit.start()..hit.end()].to_string(),
                cell: None,
            }
        })
        .collect();
    for f in practices {
        let hit = f.hit;
        let rule = &set.rules[hit.rule as usize];
        let Some(term) = content.term_index_of(&rule.term) else {
            continue;
        };
        let (line, column) = at(hit.start);
        out.push(FileHit {
            path: path.to_path_buf(),
            line,
            column,
            term,
            practice: Some(hit.rule as usize),
            avoided: false,
            text: text[hit.start..hit.end].to_string(),
            cell: None,
        });
    }
    out.sort_by_key(|h| (h.line, h.column, h.practice.is_some()));
    out
}

/// Reads a file for scanning: `None` for binary, non-UTF-8 or huge files.
/// Opened without blocking, regular files only (a FIFO or device named on
/// the command line is an error, not a hang), and read at most
/// [`MAX_SCAN_BYTES`] counted while reading: a file whose size lies
/// (`/proc/self/pagemap` says 0 and never ends) is cut there and skipped.
pub fn read_text(path: &Path) -> std::io::Result<Option<String>> {
    let mut file = safe_file::open_read_following_links(path)?;
    if file.metadata()?.len() > MAX_SCAN_BYTES {
        return Ok(None);
    }
    let bytes = match safe_file::read_capped(&mut file, MAX_SCAN_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if matches!(safe_file::refusal(&e), Some(Refusal::TooLarge(_))) => return Ok(None),
        Err(e) => return Err(e),
    };
    if bytes.contains(&0) {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok())
}

/// One file's findings.
pub type FileHits = (PathBuf, Vec<FileHit>);

/// What a scan found: the findings of every file in order (paths in the
/// order given, files of a folder sorted by path), and the problems met.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub files: Vec<FileHits>,
    pub errors: Vec<String>,
    /// Ignore files that were not applied (see [`crate::walk`]): worth
    /// saying, not a failure.
    pub notices: Vec<String>,
}

/// Scans files and folders with `threads` threads (0: one per core). Each
/// file is matched against the content its folder sees
/// ([`ScopedContent::for_path`], the rule the editor follows too); a hit's
/// `term` and `practice` index that content.
pub fn scan_paths(
    paths: &[PathBuf],
    scoped: &ScopedContent,
    learner: &Learner<'_>,
    options: &Options,
    threads: usize,
) -> ScanResult {
    let mut result = ScanResult::default();
    // Each folder given is a project; a file given alone belongs to its
    // nearest `.git` ancestor's project (or its folder's).
    let mut projects = LlmProjects::default();
    let llm: Vec<bool> = paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                projects.contains(&p.join("_"), std::slice::from_ref(p))
            } else {
                projects.contains(p, &[])
            }
        })
        .collect();
    let scan_one = |path: &Path, llm_project: bool| -> Result<Option<Vec<FileHit>>, String> {
        match read_text(path) {
            Ok(Some(text)) => scan_any(
                scoped.for_file(path),
                learner,
                options,
                path,
                &text,
                llm_project,
            )
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
            Ok(None) => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    };
    for (path, &llm_project) in paths.iter().zip(&llm) {
        if path.is_file() {
            match scan_one(path, llm_project) {
                Ok(Some(hits)) => result.files.push((path.clone(), hits)),
                Ok(None) => {}
                Err(e) => result.errors.push(e),
            }
            continue;
        }
        if !path.exists() {
            result.errors.push(missing(path));
            continue;
        }
        if !path.is_dir() {
            result.errors.push(not_regular(path));
            continue;
        }
        let found: Mutex<Vec<FileHits>> = Mutex::new(Vec::new());
        let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let (mut walker, rules) = walk::walker(path);
        walker.threads(threads).build_parallel().run(|| {
            // Each thread gathers into its own list and hands it over once.
            struct Local<'s> {
                found: Vec<FileHits>,
                errors: Vec<String>,
                into: (&'s Mutex<Vec<FileHits>>, &'s Mutex<Vec<String>>),
            }
            impl Drop for Local<'_> {
                fn drop(&mut self) {
                    let (found, errors) = self.into;
                    found
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .append(&mut self.found);
                    errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .append(&mut self.errors);
                }
            }
            let mut local = Local {
                found: Vec::new(),
                errors: Vec::new(),
                into: (&found, &errors),
            };
            let scan_one = &scan_one;
            Box::new(move |entry| {
                // Entries the walker cannot read (permissions, broken
                // links) are skipped, as they always were.
                let Ok(entry) = entry else {
                    return ignore::WalkState::Continue;
                };
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    match scan_one(entry.path(), llm_project) {
                        Ok(Some(hits)) => local.found.push((entry.into_path(), hits)),
                        Ok(None) => {}
                        Err(e) => local.errors.push(e),
                    }
                }
                ignore::WalkState::Continue
            })
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_by(|a, b| a.0.cmp(&b.0));
        result.files.extend(found);
        let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
        errors.sort();
        result.errors.extend(errors);
        result.notices.extend(rules.notices());
    }
    result
}
