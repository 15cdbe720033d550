//! The command line: `scan`, `check` and `report` run the same core, and
//! the same policy ([`llmops_core::policy::findings`]), as the server, so
//! what a team sees in CI is what its editors show.
//!
//! Arguments are parsed by `clap` (help per subcommand, unknown flags
//! rejected with exit 2). Output goes through one writer; when the reader
//! goes away (`llmops-lsp scan . | head -1`) the command ends quietly with
//! exit 0, as `grep` and `rg` do. Term names and pack errors are printed
//! with invisible direction and zero-width controls marked (`⟨U+202E⟩`),
//! as the editor shows them: terminals reorder text on them too.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use llmops_core::clock::Clock;
use llmops_core::content::{Content, Scope};
use llmops_core::course;
use llmops_core::learning::DEFAULT_MASTERY;
use llmops_core::packs::{PackSet, Parsed};
use llmops_core::policy::{Learner, Options};
use llmops_core::progress::{ProgressData, ProgressStore, default_data_dir};
use llmops_core::scan::{self, FileHit, MAX_SCAN_BYTES};
use llmops_core::text::visible_controls;
use serde_json::json;

const ENVIRONMENT: &str = "\
ENVIRONMENT:
    LLMOPS_LSP_DATA_DIR   where progress.json lives (default $XDG_DATA_HOME/llmops-lsp)
    XDG_CONFIG_HOME       user packs are read from $XDG_CONFIG_HOME/llmops-lsp/packs/*.toml";

/// llmops-lsp: spot LLMOps vocabulary, explain it, teach it.
///
/// With no command it runs the language server on stdin/stdout.
#[derive(Parser, Debug)]
#[command(name = "llmops-lsp", version, after_help = ENVIRONMENT)]
pub struct Cli {
    /// Speak LSP on stdin/stdout (the default; accepted for clients that pass it).
    #[arg(long)]
    pub stdio: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print every spotted term as path:line:col: term: definition
    Scan(ScanArgs),
    /// Check content packs; print errors as path:line:col: message (exit 1 on any)
    Check(PathArgs),
    /// Which terms occur where, and how many of them you have learned
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub struct PathArgs {
    /// Files or folders (folders honour .gitignore)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// path:line:col: Term: definition
    Text,
    /// One JSON array of findings, for tools
    Json,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Flag each term once per file (the editor's llmops.firstOccurrenceOnly)
    #[arg(long)]
    pub first_occurrence_only: bool,
    /// Worker threads (0: one per core)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// JSON instead of a Markdown table
    #[arg(long)]
    pub json: bool,
}

/// Runs a command; returns the exit code.
pub fn run(command: Command) -> i32 {
    let result = match command {
        Command::Scan(args) => scan(&args),
        Command::Check(args) => check(&args),
        Command::Report(args) => report(&args),
    };
    match result {
        Ok(code) => code,
        // The reader went away: nothing left to say, and not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("llmops-lsp: cannot write the output: {e}");
            2
        }
    }
}

/// Content as the server would have it when started in the current folder.
fn content_here() -> Content {
    let mut packs = crate::builtin::pack_set();
    let roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    for notice in packs.load_roots(&roots, true) {
        eprintln!("{notice}");
    }
    packs.merged().0
}

/// The learner's progress, as the editor on this machine sees it.
fn progress_here() -> ProgressData {
    let (store, _) = ProgressStore::open(default_data_dir().as_deref());
    store.data().clone()
}

/// Scans `paths`; reports read problems on stderr. `true` when one failed.
fn scan_paths(
    paths: &[PathBuf],
    content: &Content,
    learner: &Learner<'_>,
    options: &Options,
    threads: usize,
) -> (Vec<FileHit>, bool) {
    let result = scan::scan_paths(paths, content, learner, options, threads);
    for e in &result.errors {
        eprintln!("llmops-lsp: {e}");
    }
    let hits = result
        .files
        .into_iter()
        .flat_map(|(_, hits)| hits)
        .collect();
    (hits, !result.errors.is_empty())
}

/// `llmops-lsp scan PATH...`
fn scan(args: &ScanArgs) -> io::Result<i32> {
    let content = content_here();
    let progress = progress_here();
    let learner = Learner::new(&progress, DEFAULT_MASTERY, Clock::from_env().now());
    let options = Options {
        first_occurrence_only: args.first_occurrence_only,
        // The editor's 1 MB limit keeps keystrokes fast; a scan has no
        // keystrokes, so it reads everything short of generated data.
        max_file_bytes: MAX_SCAN_BYTES,
        ..Options::default()
    };
    let (hits, failed) = scan_paths(
        &args.paths.paths,
        &content,
        &learner,
        &options,
        args.threads,
    );
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Text => {
            for hit in &hits {
                let term = &content.terms[hit.term];
                writeln!(
                    out,
                    "{}:{}:{}: {}: {}",
                    hit.path.display(),
                    hit.line,
                    hit.column,
                    visible_controls(&term.name),
                    term.summary()
                )?;
            }
        }
        Format::Json => {
            let findings: Vec<_> = hits
                .iter()
                .map(|hit| {
                    let term = &content.terms[hit.term];
                    json!({
                        "path": hit.path,
                        "line": hit.line,
                        "column": hit.column,
                        "text": hit.text,
                        "termId": term.id,
                        "term": visible_controls(&term.name),
                        "summary": term.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &findings)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if failed { 2 } else { 0 })
}

/// `llmops-lsp check PATH...`: validates pack files (or every `.toml` under
/// a folder) together with the built-in pack.
fn check(args: &PathArgs) -> io::Result<i32> {
    let mut files = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            files.extend(
                scan::files(std::slice::from_ref(path))
                    .into_iter()
                    .flatten()
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        } else {
            files.push(path.clone());
        }
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    // The editor's own loading: the safe reader (no FIFO, device or
    // endless file; the size cap), then the merge with the built-in pack.
    let mut pack_set = PackSet::with_builtin();
    for file in &files {
        let scope = pack_set.scope_of(file, &[]).unwrap_or(Scope::Workspace);
        pack_set.apply(Parsed::load(file, scope, &[]));
    }
    pack_set.rebuild();
    let mut errors = 0;
    for file in &files {
        for e in pack_set.errors_for(file) {
            writeln!(out, "{}", visible_controls(&e.to_string()))?;
            errors += 1;
        }
    }
    out.flush()?;
    if errors == 0 {
        eprintln!("llmops-lsp check: {} pack(s) OK", files.len());
        Ok(0)
    } else {
        eprintln!("llmops-lsp check: {errors} error(s)");
        Ok(1)
    }
}

/// `llmops-lsp report [--json] PATH...`
fn report(args: &ReportArgs) -> io::Result<i32> {
    let content = content_here();
    let progress = progress_here();
    let learner = Learner::new(&progress, DEFAULT_MASTERY, Clock::from_env().now());
    // Every term counts in a report, learned or not; ignore markers and the
    // rest of the policy apply as in the editor.
    let options = Options {
        hide_known: false,
        max_file_bytes: MAX_SCAN_BYTES,
        ..Options::default()
    };
    let (hits, failed) = scan_paths(&args.paths.paths, &content, &learner, &options, 0);

    struct Row {
        count: usize,
        files: BTreeMap<PathBuf, usize>,
    }
    let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
    for hit in &hits {
        let row = rows.entry(hit.term).or_insert(Row {
            count: 0,
            files: BTreeMap::new(),
        });
        row.count += 1;
        row.files.entry(hit.path.clone()).or_insert(hit.line);
    }
    let learned = |term: usize| learner.learned(&content, &content.terms[term]);
    let mut ordered: Vec<(&usize, &Row)> = rows.iter().collect();
    ordered.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let learned_count = ordered.iter().filter(|(t, _)| learned(**t)).count();
    let standing = course::standing(&content, &progress);

    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.json {
        let terms: Vec<_> = ordered
            .iter()
            .map(|(t, row)| {
                let term = &content.terms[**t];
                json!({
                    "id": term.id,
                    "name": visible_controls(&term.name),
                    "occurrences": row.count,
                    "files": row.files.iter().map(|(p, line)| json!({"path": p, "firstLine": line})).collect::<Vec<_>>(),
                    "learned": learned(**t),
                })
            })
            .collect();
        let value = json!({
            "terms": terms,
            "termsFound": ordered.len(),
            "termsLearned": learned_count,
            "exercises": standing,
        });
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        writeln!(out, "# LLMOps vocabulary report\n")?;
        writeln!(
            out,
            "{} term(s) found, {} learned; exercises {}/{} completed.\n",
            ordered.len(),
            learned_count,
            standing.completed,
            standing.total
        )?;
        writeln!(out, "| Term | Occurrences | Where (first line) | Learned |")?;
        writeln!(out, "|---|---:|---|:---:|")?;
        for (t, row) in &ordered {
            let term = &content.terms[**t];
            let mut wheres: Vec<String> = row
                .files
                .iter()
                .take(3)
                .map(|(p, line)| format!("{}:{line}", display(p)))
                .collect();
            if row.files.len() > 3 {
                wheres.push(format!("+{} more", row.files.len() - 3));
            }
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                visible_controls(&term.name).replace('|', "\\|"),
                row.count,
                wheres.join(", ").replace('|', "\\|"),
                if learned(**t) { "yes" } else { "no" }
            )?;
        }
    }
    out.flush()?;
    Ok(if failed { 2 } else { 0 })
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
