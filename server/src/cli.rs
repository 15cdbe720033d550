//! The command line: `scan`, `check` and `report` run the same core, and
//! the same policy ([`llmops_core::policy::findings`]), as the server, so
//! what a team sees in CI is what its editors show. `pack add|update|list`
//! share packs across repositories (see `pack_sources`).
//!
//! Arguments are parsed by `clap` (help per subcommand, unknown flags
//! rejected with exit 2). Output goes through one writer; when the reader
//! goes away (`llmops-lsp scan . | head -1`) the command ends quietly with
//! exit 0, as `grep` and `rg` do.
//!
//! File names and pack text come from whatever repository is scanned, so
//! text output is inert: every control character (tab and line breaks
//! included), line separator, direction, zero-width or tag character in
//! it is written as `\u{…}` ([`quote_for_terminal`]), so one finding is one
//! line and no escape sequence reaches the terminal, on stdout and stderr
//! alike. JSON output carries the exact strings, with those characters
//! written as JSON `\uXXXX` escapes ([`inert_json`]). The Markdown report
//! also escapes link, image, autolink and HTML syntax.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use llmops_core::clock::Clock;
use llmops_core::content::{Scope, cues};
use llmops_core::course;
use llmops_core::learning::DEFAULT_MASTERY;
use llmops_core::packs::{PackSet, Parsed, read_pack_file, user_pack_dir};
use llmops_core::policy::{Learner, Options};
use llmops_core::practice::policy::PracticeMode;
use llmops_core::progress::{ProgressData, ProgressStore, default_data_dir};
use llmops_core::scan::{self, FileHit, MAX_SCAN_BYTES};
use llmops_core::scopes::ScopedContent;
use llmops_core::text::{is_invisible_control, quote_for_terminal};
use serde_json::{Value, json};

use crate::ci_output::{self, Finding};

const ENVIRONMENT: &str = "\
ENVIRONMENT:
    LLMOPS_LSP_DATA_DIR   where progress.json lives (default $XDG_DATA_HOME/llmops-lsp)
    XDG_CONFIG_HOME       user packs are read from $XDG_CONFIG_HOME/llmops-lsp/packs/*.toml
                          (`pack add` writes there, recording sources in pack-sources.json)";

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
    /// Print every spotted term as path:line:col: term: definition, and every
    /// practice as path:line:col: practice <rule id>: message
    Scan(ScanArgs),
    /// Check content packs; print errors as path:line:col: message (exit 1 on any)
    Check(CheckArgs),
    /// Which terms occur where, and how many of them you have learned
    Report(ReportArgs),
    /// Share a pack across repositories: copy one into the user packs
    /// folder from a path or an https URL, refresh the copies, list them
    /// (the only commands that use the network; the server never does)
    #[command(subcommand)]
    Pack(PackCommand),
}

#[derive(Subcommand, Debug)]
pub enum PackCommand {
    /// Fetch a pack (a local path or an https:// URL), check it, and copy
    /// it into the user packs folder with its source and sha256 recorded
    Add(PackAddArgs),
    /// Fetch every added pack again (or only NAME); a copy edited since it
    /// was added is kept unless --force (exit 1 if any pack failed)
    Update(PackUpdateArgs),
    /// The packs added: name, source, sha256 (short), and whether the local
    /// copy is as fetched, edited or missing
    List,
    /// Every workspace pack file under DIR the server would read (nested
    /// `.llmops/` folders and imported files included), as JSON
    /// `{"files": [...]}`: what an editor trusting packs by hash must hash
    Files(PackFilesArgs),
}

#[derive(Args, Debug)]
pub struct PackFilesArgs {
    /// The workspace folder (default: the current folder)
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PackAddArgs {
    /// A pack file's path, or an https:// URL, downloaded with curl
    /// (http:// only to 127.0.0.1 or localhost)
    #[arg(value_name = "PATH_OR_URL")]
    pub source: String,
    /// The file name in the user packs folder (default: from the URL or path)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Replace a file of that name not added by `pack add`, or edited since
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PackUpdateArgs {
    /// Only this pack (its file name, as `pack list` shows it)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Overwrite copies edited since they were added
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PathArgs {
    /// Files or folders (folders honour .gitignore)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Also measure the packs' exercises for surface cues: how often a rule
    /// that never reads the domain (longest choice, names the term, ...)
    /// picks the right choice, against chance + 7 points; and wrong-choice
    /// `why`s that give the key away (exit 1 on a cue over or a leak)
    #[arg(long)]
    pub cues: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// path:line:col: Term: definition
    Text,
    /// One JSON array of findings, for tools
    Json,
    /// A SARIF 2.1.0 log (code scanning)
    Sarif,
    /// GitHub workflow annotations (::notice file=…)
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// path:line:col: message
    Text,
    /// A SARIF 2.1.0 log (code scanning)
    Sarif,
    /// GitHub workflow annotations (::error file=…)
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A Markdown table (a CI job summary)
    Markdown,
    /// One JSON object, for tools
    Json,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Flag each term once per file (the editor's llmops.firstOccurrenceOnly = true)
    #[arg(long, conflicts_with = "first_occurrence_in_code")]
    pub first_occurrence_only: bool,
    /// Flag each term once per file in code, every time in prose
    /// (llmops.firstOccurrenceOnly = "code", the editor's default)
    #[arg(long)]
    pub first_occurrence_in_code: bool,
    /// Most findings per file (llmops.maxDiagnostics)
    #[arg(long, value_name = "N")]
    pub max_findings: Option<usize>,
    /// Skip files larger than this (llmops.maxFileBytes; default: 16 MiB)
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Language ids to leave out (llmops.languages.deny), e.g. sql
    #[arg(long = "exclude-language", value_name = "ID")]
    pub exclude_languages: Vec<String>,
    /// Worker threads (0: one per core)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Practices (rules that recognise an LLMOps practice in code) beside
    /// terms, alone, or not at all
    #[arg(long, value_enum, default_value_t = PracticesArg::On, value_name = "MODE")]
    pub practices: PracticesArg,
    /// Exit 1 when a finding of this kind is found: `avoid`, a phrase the
    /// team avoids (a term's `avoid` list or a deprecated alias)
    #[arg(long, value_enum, value_name = "KIND")]
    pub fail_on: Option<FailOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A phrase the team avoids
    Avoid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PracticesArg {
    On,
    Only,
    Off,
}

impl From<PracticesArg> for PracticeMode {
    fn from(arg: PracticesArg) -> PracticeMode {
        match arg {
            PracticesArg::On => PracticeMode::On,
            PracticesArg::Only => PracticeMode::Only,
            PracticesArg::Off => PracticeMode::Off,
        }
    }
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// JSON instead of a Markdown table (the same as --format json)
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

/// Runs a command; returns the exit code.
pub fn run(command: Command) -> i32 {
    let result = match command {
        Command::Scan(args) => scan(&args),
        Command::Check(args) => check(&args),
        Command::Report(args) => report(&args),
        Command::Pack(command) => pack(&command),
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

/// `llmops-lsp pack add|update|list` (see `pack_sources`).
fn pack(command: &PackCommand) -> io::Result<i32> {
    let folder = user_pack_dir();
    let folder = folder.as_deref();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut err = io::stderr().lock();
    let code = match command {
        PackCommand::Add(args) => crate::pack_sources::add(
            &mut out,
            &mut err,
            folder,
            &args.source,
            args.name.as_deref(),
            args.force,
        )?,
        PackCommand::Update(args) => crate::pack_sources::update(
            &mut out,
            &mut err,
            folder,
            args.name.as_deref(),
            args.force,
        )?,
        PackCommand::List => crate::pack_sources::list(&mut out, &mut err, folder)?,
        PackCommand::Files(args) => pack_files(&mut out, args.dir.as_deref())?,
    };
    out.flush()?;
    Ok(code)
}

/// `llmops-lsp pack files [DIR]`: the workspace pack files of DIR as JSON
/// (paths may hold any character, so no line format an editor would have to
/// split). Exit 2 when DIR is not a folder.
fn pack_files(out: &mut impl Write, dir: Option<&Path>) -> io::Result<i32> {
    let dir = dir.unwrap_or(Path::new("."));
    let Ok(root) = std::fs::canonicalize(dir) else {
        eprintln!(
            "llmops-lsp: {}: no such folder",
            quote_for_terminal(&dir.to_string_lossy())
        );
        return Ok(2);
    };
    if !root.is_dir() {
        eprintln!(
            "llmops-lsp: {}: not a folder",
            quote_for_terminal(&root.to_string_lossy())
        );
        return Ok(2);
    }
    let files: Vec<String> = llmops_core::packs::workspace_trust_files(&[root])
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    writeln!(out, "{}", inert_json(&json!({ "files": files }))?)?;
    Ok(0)
}

/// Content as the server would have it when started in the current folder,
/// scoped by folder (see `llmops_core::scopes`): the current folder is the
/// workspace, and each path named outside it is a workspace of its own, so
/// `scan` of any path sees the `.llmops/` folders the editor would.
fn content_here(paths: &[PathBuf]) -> ScopedContent {
    // The user's own packs too, as the editor reads them (the compiled
    // built-in set has no user folder of its own).
    let mut packs = crate::builtin::pack_set().with_user_dir(user_pack_dir());
    let mut roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    for path in paths {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        if !roots.iter().any(|r| absolute.starts_with(r)) {
            let root = if absolute.is_dir() {
                absolute
            } else {
                absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
            };
            roots.push(root);
        }
    }
    for notice in packs.load_roots(&roots, true) {
        eprintln!("{}", quote_for_terminal(&notice.to_string()));
    }
    packs.rebuild_scoped()
}

/// The learner's progress, as the editor on this machine sees it.
fn progress_here() -> ProgressData {
    let (store, _) = ProgressStore::open(default_data_dir().as_deref());
    store.data().clone()
}

/// Scans `paths`; reports read problems on stderr. `true` when one failed.
fn scan_paths(
    paths: &[PathBuf],
    content: &ScopedContent,
    learner: &Learner<'_>,
    options: &Options,
    threads: usize,
) -> (Vec<FileHit>, bool) {
    let result = scan::scan_paths(paths, content, learner, options, threads);
    for e in &result.errors {
        eprintln!("llmops-lsp: {}", quote_for_terminal(&e.to_string()));
    }
    for n in &result.notices {
        eprintln!("llmops-lsp: note: {}", quote_for_terminal(n));
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
    let scoped = content_here(&args.paths.paths);
    let progress = progress_here();
    let learner = Learner::new(&progress, DEFAULT_MASTERY, Clock::from_env().now());
    let defaults = Options::default();
    let options = Options {
        first_occurrence_only: args.first_occurrence_only,
        first_occurrence_in_code_only: args.first_occurrence_in_code,
        max_findings: args.max_findings.unwrap_or(defaults.max_findings),
        // The editor's 1 MB limit keeps keystrokes fast; a scan has no
        // keystrokes, so it reads everything short of generated data.
        max_file_bytes: args.max_file_bytes.unwrap_or(MAX_SCAN_BYTES),
        languages_deny: args.exclude_languages.clone(),
        practices: args.practices.into(),
        ..defaults
    };
    let (hits, failed) = scan_paths(&args.paths.paths, &scoped, &learner, &options, args.threads);
    // A hit indexes the content its file sees.
    let content_of = |hit: &FileHit| scoped.for_file(&hit.path).clone();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        Format::Text => {
            for hit in &hits {
                let content = content_of(hit);
                let term = &content.terms[hit.term];
                // In a notebook, the file's line and column, then where
                // the user sees it: the cell and the line inside it.
                let cell = hit.cell.map_or_else(String::new, |c| {
                    format!(" cell {}, line {}, col {}:", c.number, c.line, c.column)
                });
                if let Some(rule) = hit.practice.map(|p| &content.practices.rules[p]) {
                    let line = format!(
                        "{}:{}:{}:{cell} practice {}: {} (lesson: {})",
                        hit.path.display(),
                        hit.line,
                        hit.column,
                        rule.id,
                        rule.message,
                        term.name,
                    );
                    writeln!(out, "{}", quote_for_terminal(&line))?;
                    continue;
                }
                let line = if hit.avoided {
                    format!(
                        "{}:{}:{}:{cell} avoid: say '{}', not '{}'",
                        hit.path.display(),
                        hit.line,
                        hit.column,
                        term.name,
                        hit.text
                    )
                } else {
                    format!(
                        "{}:{}:{}:{cell} {}: {}",
                        hit.path.display(),
                        hit.line,
                        hit.column,
                        term.name,
                        term.summary()
                    )
                };
                writeln!(out, "{}", quote_for_terminal(&line))?;
            }
        }
        Format::Json => {
            let findings: Vec<_> = hits
                .iter()
                .map(|hit| {
                    let content = content_of(hit);
                    let mut finding = json_finding(hit, &content);
                    if let (Some(cell), Some(object)) = (hit.cell, finding.as_object_mut()) {
                        object.insert("cell".into(), json!(cell.number));
                        object.insert("cellLine".into(), json!(cell.line));
                        object.insert("cellColumn".into(), json!(cell.column));
                    }
                    if hit.avoided {
                        finding["avoid"] = json!(true);
                    }
                    finding
                })
                .collect();
            writeln!(out, "{}", inert_json(&findings)?)?;
        }
        Format::Sarif | Format::Github => {
            let findings: Vec<Finding> = hits
                .iter()
                .map(|hit| Finding::from_hit(hit, &content_of(hit)))
                .collect();
            ci_output::write(&mut out, &findings, args.format == Format::Sarif)?;
        }
    }
    out.flush()?;
    let fail = args.fail_on == Some(FailOn::Avoid) && hits.iter().any(|h| h.avoided);
    Ok(if failed {
        2
    } else if fail {
        1
    } else {
        0
    })
}

/// One finding of `scan --format json` (a notebook's cell is added).
fn json_finding(hit: &FileHit, content: &llmops_core::Content) -> Value {
    let term = &content.terms[hit.term];
    if let Some(rule) = hit.practice.map(|p| &content.practices.rules[p]) {
        return json!({
            "path": hit.path,
            "line": hit.line,
            "column": hit.column,
            "text": hit.text,
            "practiceId": rule.id,
            "practice": rule.name,
            "message": rule.message,
            "termId": term.id,
            "exerciseId": rule.exercise,
        });
    }
    json!({
        "path": hit.path,
        "line": hit.line,
        "column": hit.column,
        "text": hit.text,
        "termId": term.id,
        "term": term.name,
        "summary": term.summary(),
    })
}

/// `llmops-lsp check [--cues] [--format text|sarif|github] PATH...`:
/// validates pack files (or every `.toml` under a folder) together with the
/// built-in pack; with `--cues`, measures their exercises too (see
/// [`print_cues`]).
fn check(args: &CheckArgs) -> io::Result<i32> {
    let mut files = Vec::new();
    for path in &args.paths.paths {
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
    // The current folder is the workspace of the packs inside it (what
    // their imports may reach); a pack elsewhere is bound to the folder
    // holding its `.llmops/`.
    let here: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    for file in &files {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        let roots: &[PathBuf] = if here.iter().any(|r| absolute.starts_with(r)) {
            &here
        } else {
            &[]
        };
        let scope = pack_set.scope_of(file, &[]).unwrap_or(Scope::Workspace);
        pack_set.apply(Parsed::load(file, scope, roots));
    }
    pack_set.rebuild();
    let mut errors = 0;
    let mut findings = Vec::new();
    for file in &files {
        for e in pack_set.errors_for(file) {
            match args.format {
                CheckFormat::Text => writeln!(out, "{}", quote_for_terminal(&e.to_string()))?,
                _ => findings.push(Finding::from_pack_error(&e)),
            }
            errors += 1;
        }
    }
    if args.format != CheckFormat::Text {
        ci_output::write(&mut out, &findings, args.format == CheckFormat::Sarif)?;
    }
    let cues_pass = if args.cues {
        print_cues(&mut out, &pack_set, &files)?
    } else {
        true
    };
    out.flush()?;
    if errors == 0 {
        eprintln!("llmops-lsp check: {} pack(s) OK", files.len());
    } else {
        eprintln!("llmops-lsp check: {errors} error(s)");
    }
    Ok(if errors == 0 && cues_pass { 0 } else { 1 })
}

/// `check --cues`: the cue table of the packs `files` read together (see
/// [`cues`]), each leak as `path:line: exercise: message`. The files are
/// read again the safe way; one that cannot be read was reported above.
/// Returns whether every cue is within the bound and nothing leaks.
fn print_cues(out: &mut impl Write, pack_set: &PackSet, files: &[PathBuf]) -> io::Result<bool> {
    let mut sources = Vec::new();
    for file in files {
        let scope = pack_set.scope_of(file, &[]).unwrap_or(Scope::Workspace);
        if let Ok(source) = read_pack_file(file, scope, &[]) {
            sources.push((display(file), source));
        }
    }
    let named: Vec<(&str, &str)> = sources
        .iter()
        .map(|(path, source)| (path.as_str(), source.as_str()))
        .collect();
    let report = cues::measure(&named);
    for problem in &report.unreadable {
        writeln!(out, "{}: not measured", quote_for_terminal(problem))?;
    }
    writeln!(
        out,
        "{} exercises, chance {}, bound {}",
        report.exercises,
        cues::percent(report.chance),
        cues::percent(report.bound())
    )?;
    writeln!(
        out,
        "  {:26} {:>6}  {:>6}  {:>6}",
        "cue", "rate", "chance", "bound"
    )?;
    for cue in &report.cues {
        writeln!(
            out,
            "  {:26} {:>6}  {:>6}  {:>6}  {}",
            cue.name,
            cues::percent(cue.rate),
            cues::percent(report.chance),
            cues::percent(report.bound()),
            if report.within(cue.rate) {
                "ok"
            } else {
                "OVER"
            }
        )?;
    }
    writeln!(
        out,
        "snippets: {} of {} ({})",
        report.snippets,
        report.exercises,
        cues::percent(report.snippet_share())
    )?;
    for leak in &report.leaks {
        let line = format!(
            "{}:{}: leak: {}: {}",
            leak.path, leak.line, leak.exercise, leak.message
        );
        writeln!(out, "{}", quote_for_terminal(&line))?;
    }
    writeln!(out, "leaks: {}", report.leaks.len())?;
    Ok(report.passes())
}

/// `llmops-lsp report [--json] PATH...`
fn report(args: &ReportArgs) -> io::Result<i32> {
    let scoped = content_here(&args.paths.paths);
    // Terms are counted by id across folders, named as the whole workspace
    // merged names them.
    let content = scoped.all().clone();
    let progress = progress_here();
    let learner = Learner::new(&progress, DEFAULT_MASTERY, Clock::from_env().now());
    // Every term counts in a report, learned or not; ignore markers and the
    // rest of the policy apply as in the editor.
    // The options the lens on a pack's terms counts with too
    // (`llmops_core::usage`): a report counts terms; practices are
    // findings, not vocabulary.
    let options = llmops_core::usage::counting_options();
    let (hits, failed) = scan_paths(&args.paths.paths, &scoped, &learner, &options, 0);

    struct Row {
        count: usize,
        files: BTreeMap<PathBuf, usize>,
    }
    let mut rows: BTreeMap<usize, Row> = BTreeMap::new();
    for hit in &hits {
        let id = &scoped.for_file(&hit.path).terms[hit.term].id;
        let Some(term) = content.term_index_of(id) else {
            continue;
        };
        let row = rows.entry(term).or_insert(Row {
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
    if args.json || args.format == ReportFormat::Json {
        let terms: Vec<_> = ordered
            .iter()
            .map(|(t, row)| {
                let term = &content.terms[**t];
                json!({
                    "id": term.id,
                    "name": term.name,
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
        writeln!(out, "{}", inert_json(&value)?)?;
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
                .map(|(p, line)| format!("{}:{line}", markdown_cell(&display(p))))
                .collect();
            if row.files.len() > 3 {
                wheres.push(format!("+{} more", row.files.len() - 3));
            }
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                markdown_cell(&term.name),
                row.count,
                wheres.join(", "),
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

/// Text for a cell of the Markdown report: quoted for the terminal, then
/// escaped so a file or term name cannot open a link, an image, an
/// autolink or HTML where the report is rendered, nor end the cell (`|`).
fn markdown_cell(text: &str) -> String {
    crate::render::escape_markdown(&quote_for_terminal(text))
}

/// `value` as pretty JSON whose strings are exact but whose bytes are
/// inert: every [invisible control](is_invisible_control) is written as a
/// `\uXXXX` escape (serde_json already escapes those below U+0020; DEL, the
/// C1 controls, separators, direction and tag characters it writes raw).
/// Such characters only occur inside strings, so escaping them anywhere in
/// the output is exact.
fn inert_json(value: &impl serde::Serialize) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    if !text.chars().any(is_invisible_control) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_invisible_control(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}
