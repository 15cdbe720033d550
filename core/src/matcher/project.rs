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

use std::path::Path;

/// Manifest files read, by name.
const MANIFESTS: &[&str] = &[
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

/// Whether the project at `root` depends on an LLM library in a manifest at
/// most [`DEPTH`] folders down.
pub fn project_uses_llm(root: &Path) -> bool {
    search(root, 0)
}

fn search(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
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
        } else if kind.is_file()
            && (MANIFESTS.contains(&name.as_ref())
                || name.starts_with("requirements") && name.ends_with(".txt"))
            && entry
                .metadata()
                .is_ok_and(|m| m.len() <= MAX_MANIFEST_BYTES)
            && std::fs::read_to_string(entry.path()).is_ok_and(|text| manifest_names_llm(&text))
        {
            return true;
        }
    }
    subdirs.sort();
    subdirs.into_iter().any(|d| search(&d, depth + 1))
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
}
