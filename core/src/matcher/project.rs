//! Whether a project is about LLMs: it depends on an LLM library in one of
//! its manifests. In such a project a marked term ("rate limit", "tool call")
//! means the LLMOps concept in every file, even where no anchor word is near
//! (a TypeScript component three folders away from the OpenAI client).
//!
//! Measured on real repositories: requiring an anchor within 40 lines kept
//! about 80 % of the marked hits in LLMOps repositories (Arize Phoenix,
//! deepeval, ragas, openllmetry, NeMo Guardrails, Portkey gateway) and lost
//! the rest, nearly all real uses; every one of those repositories declares
//! an LLM library, and none of the Rust, Go and Python projects without LLM
//! use does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Manifest files read, by name (besides `requirements*.txt`).
pub const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "requirements.txt",
    "setup.py",
    "setup.cfg",
    "package.json",
    "Cargo.toml",
    "go.mod",
];

/// Dependency names of LLM clients, frameworks, evaluation and observability
/// libraries, as they appear in manifests (lower case). A manifest mentions
/// one when the name stands between non-name characters (`"openai"`,
/// `openai>=1`, `@anthropic-ai/sdk`, `github.com/sashabaranov/go-openai`).
const LIBRARIES: &[&str] = &[
    "openai",
    "anthropic",
    "@anthropic-ai/sdk",
    "langchain",
    "langchain-core",
    "langchain-openai",
    "@langchain/core",
    "langgraph",
    "llama-index",
    "llama_index",
    "llamaindex",
    "litellm",
    "vllm",
    "transformers",
    "sentence-transformers",
    "tiktoken",
    "langfuse",
    "langsmith",
    "arize-phoenix",
    "openinference-instrumentation",
    "openinference-semantic-conventions",
    "deepeval",
    "ragas",
    "guardrails-ai",
    "nemoguardrails",
    "traceloop-sdk",
    "opentelemetry-instrumentation-openai",
    "cohere",
    "mistralai",
    "google-generativeai",
    "google-genai",
    "@google/genai",
    "@google/generative-ai",
    "ollama",
    "groq",
    "dspy",
    "pydantic-ai",
    "crewai",
    "autogen",
    "semantic-kernel",
    "haystack-ai",
    "@ai-sdk/openai",
    "@ai-sdk/anthropic",
    "@ai-sdk/provider",
    "async-openai",
    "rig-core",
    "go-openai",
    "openai-go",
    "anthropic-sdk-go",
    "langchaingo",
    "portkey-ai",
];

/// Folders never searched for manifests: dependencies, build output, VCS.
const SKIP: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "dist",
    "build",
    "venv",
    ".venv",
    "site-packages",
    "__pycache__",
];

/// How deep below the root manifests are looked for (monorepos keep theirs
/// in `packages/<name>/` or `js/packages/<name>/`).
const DEPTH: usize = 3;
/// Larger manifests are generated lock-like files; they are skipped.
const MAX_MANIFEST_BYTES: u64 = 512 * 1024;
/// Most manifests one project check reads, and most bytes in all: a clone
/// of 1,000 `requirements-NNNN.txt` of 512 KiB each once took 30 s to
/// check. Exact manifest names are read before `requirements-*.txt`
/// variants in each folder, so the usual ones always fit.
const MAX_MANIFESTS_READ: usize = 32;
const MAX_BYTES_READ: u64 = 2 * 1024 * 1024;

/// What one project check may still read.
struct Budget {
    files: usize,
    bytes: u64,
}

impl Budget {
    /// Takes one file of `len` bytes from the budget, if it fits.
    fn take(&mut self, len: u64) -> bool {
        if self.files == 0 || len > self.bytes {
            return false;
        }
        self.files -= 1;
        self.bytes -= len;
        true
    }
}

/// Whether the project at `root` depends on an LLM library in a manifest at
/// most [`DEPTH`] folders down. Reads at most [`MAX_MANIFESTS_READ`]
/// manifests and [`MAX_BYTES_READ`] bytes; beyond that the answer is no.
pub fn project_uses_llm(root: &Path) -> bool {
    let mut budget = Budget {
        files: MAX_MANIFESTS_READ,
        bytes: MAX_BYTES_READ,
    };
    search(root, 0, &mut budget)
}

fn search(dir: &Path, depth: usize, budget: &mut Budget) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
    let mut manifests = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth < DEPTH && !name.starts_with('.') && !SKIP.contains(&name.as_ref()) {
                subdirs.push(entry.path());
            }
        } else if kind.is_file() && is_manifest_name(&name) {
            // Exact names first, then the variants, each in name order.
            manifests.push((!MANIFESTS.contains(&name.as_ref()), entry.path()));
        }
    }
    manifests.sort();
    for (_, path) in manifests {
        if budget.files == 0 {
            return false;
        }
        if read_manifest(&path, budget).is_some_and(|text| manifest_names_llm(&text)) {
            return true;
        }
    }
    subdirs.sort();
    subdirs.into_iter().any(|d| search(&d, depth + 1, budget))
}

/// A manifest's text, if it is a regular file (opened without following a
/// link or blocking) within the per-file cap and the budget, counted again
/// while reading (the file may grow).
fn read_manifest(path: &Path, budget: &mut Budget) -> Option<String> {
    let mut file = crate::safe_file::open_read(path).ok()?;
    let len = file.metadata().ok()?.len();
    if len > MAX_MANIFEST_BYTES || !budget.take(len) {
        return None;
    }
    let bytes = crate::safe_file::read_capped(&mut file, len).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn is_manifest_name(name: &str) -> bool {
    MANIFESTS.contains(&name) || name.starts_with("requirements") && name.ends_with(".txt")
}

/// Whether `path` names a manifest that [`project_uses_llm`] reads.
pub fn is_manifest(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .is_some_and(|name| is_manifest_name(&name))
}

/// Which projects depend on an LLM library, each checked once (until one
/// of its manifests changes, see [`LlmProjects::forget_manifest`]).
#[derive(Debug, Default)]
pub struct LlmProjects {
    checked: HashMap<PathBuf, bool>,
    /// Roots being checked (in the background, by the server).
    checking: std::collections::HashSet<PathBuf>,
}

impl LlmProjects {
    /// Whether `file` belongs to a project that depends on an LLM library.
    /// Its project is [`LlmProjects::root_of`] the file.
    pub fn contains(&mut self, file: &Path, roots: &[PathBuf]) -> bool {
        let Some(root) = Self::root_of(file, roots) else {
            return false;
        };
        *self
            .checked
            .entry(root)
            .or_insert_with_key(|root| project_uses_llm(root))
    }

    /// The project `file` belongs to: the innermost of `roots` (workspace
    /// folders, scanned folders) that holds it, else its nearest ancestor
    /// with a `.git`, else its own folder.
    pub fn root_of(file: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
        roots
            .iter()
            .filter(|r| file.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
            .or_else(|| {
                file.ancestors()
                    .skip(1)
                    .find(|dir| dir.join(".git").exists())
                    .map(Path::to_path_buf)
            })
            .or_else(|| file.parent().map(Path::to_path_buf))
    }

    /// What was found for `root`, if it was checked. A caller that must not
    /// read the disk while holding a lock asks this first, checks with
    /// [`project_uses_llm`] unlocked, then [`LlmProjects::record`]s it.
    pub fn known(&self, root: &Path) -> Option<bool> {
        self.checked.get(root).copied()
    }

    pub fn record(&mut self, root: PathBuf, uses_llm: bool) {
        self.checking.remove(&root);
        self.checked.insert(root, uses_llm);
    }

    /// Notes that `root` is about to be checked; `false` if it already is
    /// (so one check runs per project however many of its files open).
    pub fn start_check(&mut self, root: &Path) -> bool {
        self.checking.insert(root.to_path_buf())
    }

    /// Forgets the projects whose answer a change to `manifest` can alter
    /// (the checked roots above it, within the search depth) and returns
    /// them, so they are checked again.
    pub fn forget_manifest(&mut self, manifest: &Path) -> Vec<PathBuf> {
        let stale: Vec<PathBuf> = self
            .checked
            .keys()
            .filter(|root| {
                manifest
                    .strip_prefix(root)
                    .is_ok_and(|rest| rest.components().count() <= DEPTH + 1)
            })
            .cloned()
            .collect();
        for root in &stale {
            self.checked.remove(root);
        }
        stale
    }
}

/// Whether a manifest's text names an LLM library as a whole name.
pub fn manifest_names_llm(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    LIBRARIES.iter().any(|lib| {
        lower.match_indices(lib).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + lib.len()..].chars().next();
            // `/` before is a path prefix (`github.com/x/go-openai`, `@scope/`).
            before.is_none_or(|c| !name_char(c) || c == '/' && !lib.starts_with('@'))
                && after.is_none_or(|c| !name_char(c) || c == '.' && lib.len() > 3)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_that_name_llm_libraries() {
        for text in [
            "[project]\ndependencies = [\"openai>=1.30\", \"httpx\"]\n",
            "{\"dependencies\": {\"@anthropic-ai/sdk\": \"^0.30\"}}",
            "require github.com/sashabaranov/go-openai v1.20.0\n",
            "[dependencies]\nasync-openai = \"0.24\"\n",
            "langchain-core==0.3\n",
        ] {
            assert!(manifest_names_llm(text), "{text}");
        }
        for text in [
            "[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\n",
            "{\"dependencies\": {\"openai-like-name-x\": \"1\", \"llmish\": \"2\"}}",
            "requests>=2\nflask\n",
            "# not an llm project\n",
        ] {
            assert!(!manifest_names_llm(text), "{text}");
        }
    }

    #[test]
    fn files_belong_to_the_innermost_root() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir_all(app.join("src")).unwrap();
        std::fs::write(
            app.join("pyproject.toml"),
            "dependencies = [\"anthropic\"]\n",
        )
        .unwrap();
        let roots = [dir.path().to_path_buf(), app.clone()];
        let mut projects = LlmProjects::default();
        assert!(projects.contains(&app.join("src/main.py"), &roots));
        // The outer root holds the app three levels down, so it counts too.
        assert!(projects.contains(&dir.path().join("notes.md"), &roots));
        let other = tempfile::tempdir().unwrap();
        assert!(!projects.contains(&other.path().join("a.rs"), &[]));
    }

    #[test]
    fn a_project_is_found_through_nested_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("packages/app");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        assert!(!project_uses_llm(dir.path()));
        std::fs::write(nested.join("requirements.txt"), "litellm==1.50\n").unwrap();
        assert!(project_uses_llm(dir.path()));
        let deps = dir.path().join("node_modules/x");
        std::fs::create_dir_all(&deps).unwrap();
        std::fs::write(deps.join("package.json"), "{\"name\": \"openai\"}").unwrap();
        std::fs::remove_file(nested.join("requirements.txt")).unwrap();
        assert!(!project_uses_llm(dir.path()));
    }

    #[test]
    fn a_changed_manifest_forgets_the_projects_above_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let roots = [root.clone()];
        let mut projects = LlmProjects::default();
        assert!(!projects.contains(&root.join("README.md"), &roots));
        let manifest = root.join("packages/app/package.json");
        assert!(is_manifest(&manifest) && is_manifest(Path::new("requirements-dev.txt")));
        assert!(!is_manifest(Path::new("notes.toml")));
        // Too deep for the search: nothing to forget.
        assert!(
            projects
                .forget_manifest(&root.join("a/b/c/d/go.mod"))
                .is_empty()
        );
        std::fs::create_dir_all(manifest.parent().unwrap()).unwrap();
        std::fs::write(&manifest, "{\"dependencies\": {\"openai\": \"^4\"}}").unwrap();
        assert_eq!(projects.known(&root), Some(false), "cached until told");
        assert_eq!(projects.forget_manifest(&manifest), vec![root.clone()]);
        assert_eq!(projects.known(&root), None);
        assert!(projects.contains(&root.join("README.md"), &roots));
    }

    #[test]
    fn a_check_reads_within_its_budget_exact_manifests_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let filler = "numpy==1.26\n".repeat(1000);
        for i in 0..1000 {
            std::fs::write(root.join(format!("requirements-{i:04}.txt")), &filler).unwrap();
        }
        // Past the budget (the variants are read in name order): not seen.
        std::fs::write(root.join("requirements-zz.txt"), "openai\n").unwrap();
        assert!(!project_uses_llm(root));
        // An exact manifest name is read first, however many variants.
        std::fs::write(root.join("pyproject.toml"), "dependencies = [\"openai\"]\n").unwrap();
        assert!(project_uses_llm(root));
    }
}
