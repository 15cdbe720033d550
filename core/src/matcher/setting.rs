//! The LLM setting: where a term marked `context = "llm"` ("feature flag",
//! "control group", "vector store") means the LLMOps concept rather than the
//! everyday one (a Cargo feature, a Linux cgroup, a CPU store instruction).
//!
//! The setting shows through *anchors*: words that are about large language
//! models in any text (LLM, GPT, OpenAI, LangChain, prompt, ...) and every hit
//! of a term that is not marked, since the pack says those phrases always mean
//! the concept. An anchor counts when it is within [`SETTING_LINES`] lines of
//! the hit. Anchors are hidden phrases of the same matcher, found in the same
//! pass as terms, so the check costs nothing on text without marked terms.

/// Term number given to anchor phrases; never shown.
pub(crate) const ANCHOR: u32 = u32::MAX;

/// How many lines above and below a marked hit are searched for an anchor.
/// Measured on real text: see the README's "Matching rules".
pub const SETTING_LINES: usize = 40;
/// Words that put text in the LLM setting. Each was counted in real
/// repositories: common in LLMOps documentation and code, absent or nearly
/// so in Rust, Go and Python projects without LLM dependencies. "Token",
/// "model", "completion", "inference" and "embedding" are everyday words of
/// parsers, type systems and struct layout, and "prompt" is a shell prompt or
/// a verb ("will prompt us"): measured, it woke marked terms in fzf and the
/// Rust book, so none of them is an anchor. Anchors whose first word is
/// common English or code ("large", "fine", "vertex", "AI") are left out
/// too: every such word would be a candidate the matcher must look at
/// ("language model" still finds "large language model").
pub(crate) const ANCHORS: &[&str] = &[
    "LLM",
    "LLMs",
    "language model",
    "GPT",
    "ChatGPT",
    "OpenAI",
    "Anthropic",
    "Claude",
    "Gemini",
    "Mistral",
    "Llama",
    "LangChain",
    "LangGraph",
    "LlamaIndex",
    "Hugging Face",
    "HuggingFace",
    "vLLM",
    "Ollama",
    "LiteLLM",
    "Langfuse",
    "LangSmith",
    "GenAI",
    "gen_ai",
    "generative AI",
    "chatbot",
    "agentic",
    "Bedrock",
    "DeepSeek",
    "embeddings",
];
