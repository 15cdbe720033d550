//! `llmops-lsp pack add|update|list`: packs shared from another repository,
//! copied into the user packs folder with their source and checksum
//! recorded, so one team pack can serve every repository on a machine.
//!
//! This is the only code in the project that touches the network, and only
//! when a person runs one of these commands: the language server never
//! fetches anything (ARCHITECTURE.md, guarded by
//! `e2e pack_sources::only_the_pack_commands_reach_the_network`).
//!
//! What comes in is treated as hostile until checked:
//! - a source is a local path, an `https://` URL, or plain `http://` to
//!   `127.0.0.1`/`localhost` only (a local server, as the tests use); a
//!   download holds at most [`MAX_PACK_BYTES`] (the cap on reading a pack
//!   file), has timeouts, and follows redirects only to `https://`;
//! - it must load and check as a pack (the editor's parser, merged with the
//!   built-in pack as `check` merges it); otherwise its located errors are
//!   printed and nothing is written;
//! - the file name is derived from the URL or path, reduced to
//!   `[A-Za-z0-9._-]` (no folder, no `..`, no control character), and a
//!   file the commands did not write is never overwritten without
//!   `--force`; nor is a copy edited since it was fetched;
//! - the pack and the manifest are written atomically (a temporary file
//!   created new, then renamed); a manifest that does not parse is kept
//!   aside, never overwritten silently;
//! - everything printed goes through [`quote_for_terminal`], one record per
//!   line.
//!
//! Downloads run the system's `curl` ([`curl_args`]): `--proto =https
//! --proto-redir =https` (every hop https), at most 5 redirects,
//! `--max-filesize`, `--max-time` and `--connect-timeout`, `-q` (no
//! `~/.curlrc`), `--globoff`, the URL after `--`; a local `http://` source
//! follows no redirect. The body is read with a hard cap of
//! [`MAX_PACK_BYTES`] + 1 whatever curl does. Why curl and not an HTTP
//! client in the binary: TLS alone (a Rust client with rustls) grew the stripped
//! release binary from 8.5 MB to 10.3 MB (gzip 3.4 to 4.3 MB), over the
//! 4 MB wheel and .vsix budget in release/check.sh; curl is on every
//! supported platform (macOS, Windows 10 1803+ as `curl.exe`, every Linux
//! distribution's base or CI image). Without curl a URL is refused with a
//! message to download the file and pass its path. The language server
//! itself still never touches the network, nor runs curl.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use llmops_core::content::limits::MAX_PACK_BYTES;
use llmops_core::content::{Pack, Scope};
use llmops_core::packs::{PackSet, Parsed};
use llmops_core::safe_file;
use llmops_core::text::quote_for_terminal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest in the user packs folder. Not `.toml`: every `*.toml` in
/// that folder is loaded as a pack.
pub const MANIFEST: &str = "pack-sources.json";

/// The most a manifest may hold (one line per pack; far more than enough).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// How long a `pack` command waits for another one that holds the
/// manifest's lock (each holds it for one read-modify-write, not while it
/// downloads).
const MANIFEST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Takes the manifest's lock (`pack-sources.json.lock` beside it, the way
/// progress is locked: opened without following a link, regular files
/// only, waiting a bounded time), so two `pack add`s at once cannot each
/// read the manifest, add their entry and write, losing the other's. The
/// lock is released when the returned file is dropped.
fn lock_manifest(dir: &Path) -> Result<std::fs::File, String> {
    let path = dir.join(format!("{MANIFEST}.lock"));
    let lock = safe_file::open_regular(
        &path,
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true),
    )
    .map_err(|e| {
        format!(
            "cannot open the lock {} ({})",
            path.display(),
            refusal_text(&e)
        )
    })?;
    llmops_core::progress::lock_within(&lock, &path, MANIFEST_LOCK_WAIT)
        .map_err(|e| e.to_string())?;
    Ok(lock)
}

/// The longest file name made for a pack, `.toml` included.
const MAX_NAME_CHARS: usize = 64;

/// How long a download may take in all, and to connect, in seconds.
const DOWNLOAD_TIMEOUT_SECS: u32 = 60;
const CONNECT_TIMEOUT_SECS: u32 = 15;

/// The most redirects an `https://` download follows.
const MAX_REDIRECTS: u32 = 5;

/// The most of curl's error output kept, and shown.
const MAX_CURL_STDERR_BYTES: u64 = 64 * 1024;
const MAX_CURL_MESSAGE_CHARS: usize = 200;

/// Where a shared pack comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An `https://` URL, or `http://` to this machine.
    Url(String),
    /// A file on this machine (recorded absolute, so `update` finds it from
    /// any folder).
    Path(PathBuf),
}

impl Source {
    /// Reads a source as a person typed it (or as the manifest recorded it).
    pub fn parse(text: &str) -> Result<Source, String> {
        let lower = text.to_ascii_lowercase();
        if (lower.starts_with("https://") || lower.starts_with("http://"))
            && let Some(c) = text.chars().find(|c| c.is_control() || c.is_whitespace())
        {
            return Err(format!(
                "{}: a URL may not hold spaces or control characters (found U+{:04X})",
                quote_for_terminal(text),
                c as u32
            ));
        }
        if lower.starts_with("https://") {
            return Ok(Source::Url(text.to_string()));
        }
        if let Some(rest) = lower.strip_prefix("http://") {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = match authority.rsplit_once(':') {
                Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
                _ => authority,
            };
            if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Ok(Source::Url(text.to_string()));
            }
            return Err(format!(
                "{}: plain http is refused (anyone on the way could change the pack); use https://",
                quote_for_terminal(text)
            ));
        }
        if let Some((scheme, _)) = text.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(format!(
                "{}: only https:// URLs and local paths are supported",
                quote_for_terminal(text)
            ));
        }
        let path = std::path::absolute(text)
            .map_err(|e| format!("{}: not a usable path ({e})", quote_for_terminal(text)))?;
        Ok(Source::Path(path))
    }

    /// The source as recorded in the manifest and printed (quote it to print).
    pub fn text(&self) -> String {
        match self {
            Source::Url(url) => url.clone(),
            Source::Path(path) => path.to_string_lossy().into_owned(),
        }
    }

    /// The file name the pack gets in the user packs folder.
    pub fn file_name(&self) -> String {
        let last = match self {
            Source::Url(url) => {
                let path = url
                    .split_once("://")
                    .map_or("", |(_, rest)| rest)
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("");
                // After the host: the last non-empty segment.
                let segment = path
                    .split_once('/')
                    .map_or("", |(_, p)| p)
                    .rsplit('/')
                    .find(|s| !s.is_empty())
                    .unwrap_or("");
                percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned()
            }
            Source::Path(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        safe_file_name(&last)
    }

    /// The pack's bytes, at most [`MAX_PACK_BYTES`].
    pub fn fetch(&self) -> Result<Vec<u8>, String> {
        match self {
            Source::Url(url) => download(url),
            Source::Path(path) => {
                // A path a person named may be a link to their own file
                // (as for `check`); still only a regular file, read capped.
                let mut file = safe_file::open_read_following_links(path)
                    .map_err(|e| format!("cannot be opened ({})", refusal_text(&e)))?;
                safe_file::read_capped(&mut file, MAX_PACK_BYTES)
                    .map_err(|e| format!("cannot be read ({})", refusal_text(&e)))
            }
        }
    }
}

fn refusal_text(e: &io::Error) -> String {
    match safe_file::refusal(e) {
        Some(refusal) => refusal.to_string(),
        None => e.to_string(),
    }
}

/// `name` reduced to a file name that is safe anywhere: letters, digits,
/// `-`, and single `.` or `_`; no leading dot (no hidden file, no `..`);
/// at most [`MAX_NAME_CHARS`]; always ending in `.toml` (so the folder
/// loads it). Everything else becomes `_`.
pub fn safe_file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
            c
        } else {
            '_'
        };
        // No `..` anywhere, no leading dot (hidden file), and one `.` or
        // `_` where a run of them (and of stripped characters) was, the dot
        // kept when there is one (so `evil\n.toml` stays a `.toml`).
        if c == '.' && out.ends_with('_') {
            out.pop();
        }
        if (c == '.' || c == '_') && (out.is_empty() || out.ends_with(['.', '_'])) {
            continue;
        }
        out.push(c);
    }
    let stem = out
        .strip_suffix(".toml")
        .unwrap_or(&out)
        .trim_end_matches(['.', '_']);
    let stem: String = stem.chars().take(MAX_NAME_CHARS - ".toml".len()).collect();
    let stem = stem.trim_end_matches(['.', '_']);
    if stem.is_empty() {
        "pack.toml".to_string()
    } else {
        format!("{stem}.toml")
    }
}

/// The arguments `curl` gets to download `url` (see the module doc): for
/// `https://`, every hop https and at most [`MAX_REDIRECTS`]; for a local
/// `http://` server, http and no redirect followed. `-w %{http_code}`
/// appends the status (3 digits) to the body, so a redirect not followed
/// is told from an empty pack.
fn curl_args(url: &str) -> Vec<String> {
    let https = url.to_ascii_lowercase().starts_with("https://");
    let mut args: Vec<String> = vec![
        "-q".into(),
        "--globoff".into(),
        "--silent".into(),
        "--show-error".into(),
        "--fail".into(),
    ];
    if https {
        args.extend([
            "--location".into(),
            "--max-redirs".into(),
            MAX_REDIRECTS.to_string(),
            "--proto".into(),
            "=https".into(),
            "--proto-redir".into(),
            "=https".into(),
        ]);
    } else {
        args.extend(["--proto".into(), "=http".into()]);
    }
    args.extend([
        "--max-filesize".into(),
        MAX_PACK_BYTES.to_string(),
        "--max-time".into(),
        DOWNLOAD_TIMEOUT_SECS.to_string(),
        "--connect-timeout".into(),
        CONNECT_TIMEOUT_SECS.to_string(),
        "--user-agent".into(),
        concat!("llmops-lsp/", env!("CARGO_PKG_VERSION")).into(),
        "--write-out".into(),
        "%{http_code}".into(),
        "--".into(),
        url.to_string(),
    ]);
    args
}

/// Downloads `url` (already checked by [`Source::parse`]) by running
/// `curl` with [`curl_args`]; the body at most [`MAX_PACK_BYTES`].
fn download(url: &str) -> Result<Vec<u8>, String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.starts_with('-')
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err("not a URL that can be downloaded".to_string());
    }
    let mut child = Command::new("curl")
        .args(curl_args(url))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                "pack add needs curl for URLs (or download the file and pass its path)".to_string()
            } else {
                format!("curl could not be run ({e})")
            }
        })?;
    // stderr on a thread of its own, so neither pipe can fill and stall curl.
    let stderr = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.take(MAX_CURL_STDERR_BYTES).read_to_end(&mut bytes);
            bytes
        })
    });
    // The body, then the 3-digit status; one byte over the cap is enough to
    // refuse it, whatever curl's --max-filesize knew in advance.
    let cap = MAX_PACK_BYTES + 1 + 3;
    let mut body = Vec::new();
    let read = match child.stdout.take() {
        Some(pipe) => pipe.take(cap).read_to_end(&mut body).map(|_| ()),
        None => Err(io::Error::other("no output from curl")),
    };
    let oversize = body.len() as u64 >= cap;
    if oversize || read.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    let stderr = stderr
        .and_then(|t| t.join().ok())
        .map(|b| curl_message(&b))
        .unwrap_or_default();
    let too_large =
        || format!("the pack is larger than {MAX_PACK_BYTES} bytes, the most a pack may hold");
    if oversize {
        return Err(too_large());
    }
    if let Err(e) = read {
        return Err(format!("curl's output could not be read ({e})"));
    }
    let status = status.map_err(|e| format!("curl could not be waited for ({e})"))?;
    let http = body
        .len()
        .checked_sub(3)
        .and_then(|at| {
            let code = std::str::from_utf8(&body[at..]).ok()?.parse::<u16>().ok()?;
            Some((at, code))
        })
        .map(|(at, code)| {
            body.truncate(at);
            code
        });
    let detail = if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    };
    match status.code() {
        Some(0) => {}
        Some(22) => {
            return Err(match http {
                Some(code) => format!("the server answered HTTP {code}"),
                None => format!("the server answered with an error{detail}"),
            });
        }
        Some(63) => return Err(too_large()),
        // CURLE_UNSUPPORTED_PROTOCOL: with --proto-redir =https, a redirect
        // to plain http (or any other scheme); no request was made there.
        Some(1) => {
            return Err(format!(
                "redirected to a URL that is not https; refused{detail}"
            ));
        }
        Some(47) => {
            return Err(format!(
                "more than {MAX_REDIRECTS} redirects; refused{detail}"
            ));
        }
        Some(code) => return Err(format!("curl failed (exit {code}){detail}")),
        None => return Err(format!("curl was stopped by a signal{detail}")),
    }
    match http {
        Some(200..=299) => {}
        Some(code @ 300..=399) => {
            return Err(format!(
                "the server answered HTTP {code}, a redirect, which is not followed from a plain http:// source"
            ));
        }
        Some(code) => return Err(format!("the server answered HTTP {code}")),
        None => return Err("curl did not report the HTTP status".to_string()),
    }
    if body.len() as u64 > MAX_PACK_BYTES {
        return Err(too_large());
    }
    Ok(body)
}

/// curl's error output as one inert line of at most
/// [`MAX_CURL_MESSAGE_CHARS`] characters.
fn curl_message(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = line.chars().take(MAX_CURL_MESSAGE_CHARS).collect();
    if line.chars().count() > MAX_CURL_MESSAGE_CHARS {
        short.push('…');
    }
    quote_for_terminal(&short).into_owned()
}

/// Checks `bytes` as the pack `name` (the source's text, so errors are
/// located in it): UTF-8, parsed by the editor's parser, merged with the
/// built-in pack as `check` merges it, and free of `imports` (a shared pack
/// is one file; what it imports would not come with it). The error lines,
/// one per problem, `name:line:col: message`.
pub fn validate(name: &str, bytes: &[u8]) -> Result<(), Vec<String>> {
    let source = std::str::from_utf8(bytes).map_err(|e| {
        vec![format!(
            "{name}:1:1: the pack is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )]
    })?;
    match Pack::parse(name, Scope::User, source) {
        Err(errors) => return Err(errors.iter().map(ToString::to_string).collect()),
        Ok(pack) => {
            if let Some(import) = pack.imports.first() {
                let before = source.get(..import.range.start).unwrap_or("");
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                return Err(vec![format!(
                    "{name}:{line}:{column}: imports: a shared pack must be one file; what it imports would not be copied"
                )]);
            }
        }
    }
    let path = Path::new(name);
    let mut set = PackSet::builtin_only();
    set.apply(Parsed::parse(path, Scope::User, source));
    set.rebuild();
    let errors = set.errors_for(path);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.iter().map(ToString::to_string).collect())
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One shared pack in the manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// The URL or absolute path it was fetched from.
    pub source: String,
    /// The SHA-256 of the bytes written, to tell a local edit.
    pub sha256: String,
}

/// `pack-sources.json`: which files of the user packs folder `pack add`
/// wrote, from where, with which bytes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub packs: BTreeMap<String, Entry>,
}

impl Manifest {
    /// The manifest in `dir` (none yet: empty). One that cannot be parsed
    /// is renamed aside (`pack-sources.json.corrupt-<ms>`) and an empty one
    /// used; the message says so.
    fn load(dir: &Path) -> (Manifest, Option<String>) {
        let path = dir.join(MANIFEST);
        let bytes = match safe_file::read(&path, MAX_MANIFEST_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (Manifest::default(), None),
            Err(e) => {
                return (
                    Manifest::default(),
                    Some(set_aside(&path, &refusal_text(&e))),
                );
            }
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(manifest) => (manifest, None),
            Err(e) => (Manifest::default(), Some(set_aside(&path, &e.to_string()))),
        }
    }

    /// Writes the manifest into `dir` atomically.
    fn save(&self, dir: &Path) -> io::Result<()> {
        let mut json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        json.push(b'\n');
        write_atomically(dir, MANIFEST, &json, 0o644)
    }
}

/// Renames an unreadable manifest aside; the message for the person.
fn set_aside(path: &Path, why: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".corrupt-{millis}"));
    let aside = PathBuf::from(aside);
    let shown = |p: &Path| quote_for_terminal(&p.to_string_lossy()).into_owned();
    match std::fs::rename(path, &aside) {
        Ok(()) => format!(
            "{}: cannot be read ({}); kept aside as {}, and a new one started: packs added before are no longer known as added",
            shown(path),
            quote_for_terminal(why),
            shown(&aside)
        ),
        Err(e) => format!(
            "{}: cannot be read ({}), nor kept aside ({e})",
            shown(path),
            quote_for_terminal(why)
        ),
    }
}

/// Writes `bytes` to `dir/name` through a new temporary file renamed over
/// it: a reader (the server) sees the old file or the new one, never half
/// of one; a link at `dir/name` is replaced, not written through.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (mut file, tmp) = safe_file::create_temporary(dir, name, mode)?;
    let written = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The SHA-256 of the file now at `path`, `None` when there is none (or it
/// cannot be read: it is not ours to judge then).
fn local_sha256(path: &Path) -> Option<String> {
    safe_file::read(path, MAX_PACK_BYTES)
        .ok()
        .map(|b| sha256(&b))
}

/// The user packs folder (the command line finds it, with
/// `llmops_core::dirs::user_pack_dir`), or the reason there is none.
fn packs_folder(dir: Option<&Path>) -> Result<PathBuf, String> {
    dir.map(Path::to_path_buf)
        .ok_or_else(|| "no user packs folder: set XDG_CONFIG_HOME or HOME".to_string())
}

fn shown(text: &str) -> String {
    quote_for_terminal(text).into_owned()
}

/// Says why `pack <command>` stopped, on stderr, and gives its exit code
/// (1): every refusal of `add`, `update` and `list` reads the same way.
fn refuse(err: &mut impl Write, command: &str, why: impl std::fmt::Display) -> io::Result<i32> {
    writeln!(err, "llmops-lsp pack {command}: {why}")?;
    Ok(1)
}

/// The manifest of `dir`, any notice about it said on stderr first.
fn load_manifest(err: &mut impl Write, command: &str, dir: &Path) -> io::Result<(Manifest, bool)> {
    let (manifest, notice) = Manifest::load(dir);
    if let Some(notice) = &notice {
        writeln!(err, "llmops-lsp pack {command}: {notice}")?;
    }
    Ok((manifest, notice.is_some()))
}

/// `pack add SOURCE [--name NAME] [--force]`. Returns the exit code.
pub fn add(
    out: &mut impl Write,
    err: &mut impl Write,
    folder: Option<&Path>,
    source: &str,
    name: Option<&str>,
    force: bool,
) -> io::Result<i32> {
    let source = match Source::parse(source) {
        Ok(s) => s,
        Err(e) => return refuse(err, "add", e),
    };
    let dir = match packs_folder(folder) {
        Ok(d) => d,
        Err(e) => return refuse(err, "add", e),
    };
    let text = source.text();
    let bytes = match source.fetch() {
        Ok(b) => b,
        Err(e) => return refuse(err, "add", format_args!("{}: {e}", shown(&text))),
    };
    if let Err(errors) = validate(&text, &bytes) {
        for line in &errors {
            writeln!(err, "{}", shown(line))?;
        }
        return refuse(
            err,
            "add",
            format_args!(
                "{} is not a valid pack ({} error(s)); nothing written",
                shown(&text),
                errors.len()
            ),
        );
    }
    let file_name = name.map_or_else(|| source.file_name(), safe_file_name);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let shown_dir = shown(&dir.to_string_lossy());
        return refuse(err, "add", format_args!("cannot create {shown_dir} ({e})"));
    }
    // Held from the manifest's read to its write.
    let _lock = match lock_manifest(&dir) {
        Ok(lock) => lock,
        Err(e) => return refuse(err, "add", shown(&e)),
    };
    let (mut manifest, _) = load_manifest(err, "add", &dir)?;
    let target = dir.join(&file_name);
    let present = std::fs::symlink_metadata(&target).is_ok();
    if present && !force {
        let refusal = match manifest.packs.get(&file_name) {
            None => Some("exists and was not added by `pack add`".to_string()),
            Some(entry) if entry.source != text => {
                Some(format!("was added from {}", shown(&entry.source)))
            }
            Some(entry) if local_sha256(&target).as_deref() != Some(entry.sha256.as_str()) => {
                Some("was edited since it was added".to_string())
            }
            Some(_) => None,
        };
        if let Some(why) = refusal {
            return refuse(
                err,
                "add",
                format_args!(
                    "{} {why}; not overwritten (--force to replace it, or --name to pick another name)",
                    shown(&target.to_string_lossy())
                ),
            );
        }
    }
    let checksum = sha256(&bytes);
    if let Err(e) = write_atomically(&dir, &file_name, &bytes, 0o644) {
        let shown_target = shown(&target.to_string_lossy());
        return refuse(
            err,
            "add",
            format_args!("cannot write {shown_target} ({e})"),
        );
    }
    manifest.packs.insert(
        file_name.clone(),
        Entry {
            source: text.clone(),
            sha256: checksum.clone(),
        },
    );
    if let Err(e) = manifest.save(&dir) {
        let shown_target = shown(&target.to_string_lossy());
        return refuse(
            err,
            "add",
            format_args!(
                "{shown_target} written, but its source could not be recorded in {MANIFEST} ({e})"
            ),
        );
    }
    writeln!(
        out,
        "added: {} from {} (sha256 {})",
        shown(&target.to_string_lossy()),
        shown(&text),
        &checksum[..12]
    )?;
    Ok(0)
}

/// What `pack update` did with one pack.
enum Outcome {
    Unchanged,
    /// Written; the checksum of the bytes written.
    Updated(String),
    /// The local copy was gone (deleted by its owner); written again.
    Recreated(String),
    /// Edited locally since it was added; not overwritten (no `--force`).
    Kept,
    Failed(String),
}

/// `pack update [NAME] [--force]`. Returns the exit code: 1 when a pack
/// failed (could not be fetched, did not check, could not be written).
pub fn update(
    out: &mut impl Write,
    err: &mut impl Write,
    folder: Option<&Path>,
    only: Option<&str>,
    force: bool,
) -> io::Result<i32> {
    let dir = match packs_folder(folder) {
        Ok(d) => d,
        Err(e) => return refuse(err, "update", e),
    };
    let (manifest, mut failed) = load_manifest(err, "update", &dir)?;
    let names: Vec<String> = match only {
        Some(name) if manifest.packs.contains_key(name) => vec![name.to_string()],
        Some(name) => {
            let shown_name = shown(name);
            return refuse(
                err,
                "update",
                format_args!("{shown_name} was not added with `pack add`"),
            );
        }
        None => manifest.packs.keys().cloned().collect(),
    };
    // Entries written, recorded under the lock at the end (downloads are
    // not made while holding it).
    let mut updated: Vec<(String, Entry)> = Vec::new();
    for name in names {
        let Some(entry) = manifest.packs.get(&name).cloned() else {
            continue;
        };
        let outcome = update_one(&dir, &name, &entry, force);
        let line = match &outcome {
            Outcome::Unchanged => format!("unchanged: {name} ({})", entry.source),
            Outcome::Updated(_) => format!("updated: {name} ({})", entry.source),
            Outcome::Recreated(_) => format!(
                "recreated: {name} ({}): the local copy was missing",
                entry.source
            ),
            Outcome::Kept => format!(
                "kept: {name} ({}): edited since it was added; not overwritten (--force to replace it)",
                entry.source
            ),
            Outcome::Failed(why) => format!("failed: {name} ({}): {why}", entry.source),
        };
        writeln!(out, "{}", shown(&line))?;
        match outcome {
            Outcome::Updated(checksum) | Outcome::Recreated(checksum) => {
                updated.push((
                    name.clone(),
                    Entry {
                        source: entry.source.clone(),
                        sha256: checksum,
                    },
                ));
            }
            Outcome::Failed(_) => failed = true,
            Outcome::Unchanged | Outcome::Kept => {}
        }
    }
    if !updated.is_empty() {
        // Read again under the lock: a `pack add` meanwhile is kept.
        let saved = lock_manifest(&dir).and_then(|_lock| {
            let (mut manifest, _) = Manifest::load(&dir);
            manifest.packs.extend(updated);
            manifest.save(&dir).map_err(|e| e.to_string())
        });
        if let Err(e) = saved {
            writeln!(
                err,
                "llmops-lsp pack update: the new checksums could not be recorded in {MANIFEST} ({})",
                shown(&e)
            )?;
            failed = true;
        }
    }
    Ok(if failed { 1 } else { 0 })
}

fn update_one(dir: &Path, name: &str, entry: &Entry, force: bool) -> Outcome {
    let source = match Source::parse(&entry.source) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(e),
    };
    let bytes = match source.fetch() {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(e),
    };
    if let Err(errors) = validate(&entry.source, &bytes) {
        return Outcome::Failed(format!(
            "not a valid pack, kept as it was: {}",
            errors.join("; ")
        ));
    }
    let target = dir.join(name);
    let missing =
        std::fs::symlink_metadata(&target).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
    let local = local_sha256(&target);
    let edited = local.as_deref().is_some_and(|l| l != entry.sha256);
    if edited && !force {
        return Outcome::Kept;
    }
    let fetched = sha256(&bytes);
    if local.as_deref() == Some(fetched.as_str()) && fetched == entry.sha256 {
        return Outcome::Unchanged;
    }
    match write_atomically(dir, name, &bytes, 0o644) {
        Ok(()) if missing => Outcome::Recreated(fetched),
        Ok(()) => Outcome::Updated(fetched),
        Err(e) => Outcome::Failed(format!("cannot write it ({e})")),
    }
}

/// `pack list`: one line per pack added, `name  source  sha256[..12]
/// state`, the state being `as fetched`, `edited` or `missing`.
pub fn list(out: &mut impl Write, err: &mut impl Write, folder: Option<&Path>) -> io::Result<i32> {
    let dir = match packs_folder(folder) {
        Ok(d) => d,
        Err(e) => return refuse(err, "list", e),
    };
    let (manifest, _) = load_manifest(err, "list", &dir)?;
    for (name, entry) in &manifest.packs {
        let state = match local_sha256(&dir.join(name)) {
            None => "missing",
            Some(sha) if sha == entry.sha256 => "as fetched",
            Some(_) => "edited",
        };
        let short: String = entry.sha256.chars().take(12).collect();
        let line = format!("{name}  {}  {short}  {state}", entry.source);
        writeln!(out, "{}", shown(&line))?;
    }
    if manifest.packs.is_empty() {
        writeln!(
            err,
            "llmops-lsp pack list: no pack added yet (llmops-lsp pack add <path-or-https-url>)"
        )?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_no_folder_dot_dot_or_control_character() {
        assert_eq!(safe_file_name("team.toml"), "team.toml");
        assert_eq!(safe_file_name("../../etc/passwd"), "etc_passwd.toml");
        assert_eq!(safe_file_name("..\u{1b}[31mevil\n.toml"), "31mevil.toml");
        assert_eq!(safe_file_name(".hidden.toml"), "hidden.toml");
        assert_eq!(safe_file_name(""), "pack.toml");
        assert_eq!(safe_file_name(".."), "pack.toml");
        assert_eq!(safe_file_name("a..b.toml"), "a.b.toml");
        assert!(safe_file_name(&"x".repeat(500)).len() <= MAX_NAME_CHARS);
        let url = Source::Url("https://h.example/a/%2e%2e%2F%1b%5d0%3bx%07team.toml?x=1".into());
        assert_eq!(url.file_name(), "0_x_team.toml");
        assert_eq!(safe_file_name("a_.b__c"), "a.b_c.toml");
        let bare = Source::Url("https://h.example".into());
        assert_eq!(bare.file_name(), "pack.toml");
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(Source::parse("http://127.0.0.1:8080/t.toml").is_ok());
        assert!(Source::parse("http://localhost/t.toml").is_ok());
        assert!(Source::parse("https://example.com/t.toml").is_ok());
        for refused in [
            "http://example.com/t.toml",
            "http://127.0.0.1.evil.com/t.toml",
            "http://localhost@evil.com/t.toml",
            "ftp://example.com/t.toml",
            "file:///etc/passwd",
        ] {
            assert!(Source::parse(refused).is_err(), "{refused}");
        }
        assert!(matches!(Source::parse("team.toml"), Ok(Source::Path(p)) if p.is_absolute()));
    }

    /// An `https://` download: only https on every hop (a redirect to plain
    /// http is refused by curl before any request), capped and timed; a
    /// local `http://` one follows no redirect. The URL always comes last,
    /// after `--`, and `-q` first (curl reads no ~/.curlrc).
    #[test]
    fn curl_is_told_https_only_and_local_http_follows_no_redirect() {
        let https = curl_args("https://h.example/team.toml");
        let joined = https.join(" ");
        assert_eq!(https[0], "-q");
        assert!(
            joined.contains("--proto =https --proto-redir =https"),
            "{joined}"
        );
        assert!(joined.contains("--location --max-redirs 5"), "{joined}");
        assert!(joined.contains("--max-filesize 16777216"), "{joined}");
        assert!(
            joined.contains("--globoff") && joined.contains("--fail"),
            "{joined}"
        );
        assert!(
            joined.ends_with(" -- https://h.example/team.toml"),
            "{joined}"
        );
        let local = curl_args("http://127.0.0.1:8080/team.toml");
        let joined = local.join(" ");
        assert_eq!(local[0], "-q");
        assert!(joined.contains("--proto =http "), "{joined}");
        assert!(!joined.contains("--location"), "{joined}");
        assert!(!joined.contains("-L"), "{joined}");
        assert!(
            joined.ends_with(" -- http://127.0.0.1:8080/team.toml"),
            "{joined}"
        );
    }

    #[test]
    fn urls_with_spaces_or_controls_are_refused_before_curl() {
        for refused in [
            "https://h.example/a b.toml",
            "https://h.example/\u{1b}[2J.toml",
            "https://h.example/a\n-K/etc/passwd",
        ] {
            assert!(Source::parse(refused).is_err(), "{refused:?}");
        }
        assert!(download("-K/etc/passwd").is_err());
    }

    #[test]
    fn validation_locates_errors_and_refuses_imports() {
        let good = "[[term]]\nid = \"w\"\nname = \"Wombat\"\ndefinition = \"An animal.\"\n";
        assert!(validate("https://h/t.toml", good.as_bytes()).is_ok());
        let errors = validate("https://h/t.toml", b"[[term]]\nid = \"w\"\nname = 3\n").unwrap_err();
        assert!(errors[0].starts_with("https://h/t.toml:3:"), "{errors:?}");
        let imports = format!("imports = [\"x.toml\"]\n{good}");
        let errors = validate("t.toml", imports.as_bytes()).unwrap_err();
        assert!(errors[0].contains("imports"), "{errors:?}");
        assert!(validate("t.toml", b"\xff").is_err());
    }
}
