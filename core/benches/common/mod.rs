//! Deterministic test data shared by the benchmarks: a seeded PRNG, realistic
//! prose and source code with glossary terms sprinkled in, text with no terms
//! at all, and a generated glossary of thousands of multi-word phrases.
//!
//! Everything is generated from fixed word lists and a fixed seed, so every
//! run (and every machine) measures the same bytes.

#![allow(dead_code)] // each bench uses a different part of this module

use llmops_core::Content;

/// SplitMix64: tiny, fast and good enough to pick words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// Plain English words: none of them is, or starts, a term of the built-in
/// pack or of the generated pack (checked by the benches before measuring).
pub const ENGLISH: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an",
    "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
    "been", "if", "more", "when", "will", "would", "who", "so", "no", "what", "up", "out", "about",
    "into", "than", "them", "only", "other", "new", "some", "could", "these", "two", "may",
    "first", "then", "do", "any", "like", "my", "now", "over", "such", "our", "man", "me", "even",
    "most", "made", "after", "also", "did", "many", "before", "must", "through", "back", "years",
    "where", "much", "your", "way", "well", "down", "should", "because", "each", "just", "those",
    "people", "how", "too", "little", "state", "good", "very", "make", "world", "still", "own",
    "see", "men", "work", "long", "get", "here", "between", "both", "life", "being", "under",
    "never", "day", "same", "another", "know", "while", "last", "might", "us", "great", "old",
    "year", "off", "come", "since", "against", "go", "came", "right", "used", "take", "three",
    "team", "week", "change", "release", "service", "review", "number", "question", "answer",
    "system", "users", "customer", "support", "report", "meeting", "plan", "issue", "result",
    "value", "small", "large", "early", "late", "often", "usually", "every", "again", "simple",
    "clear", "better", "worse", "above", "below", "around", "inside", "outside", "without",
    "within", "during",
];

/// Words an LLMOps text uses around its terms. Some start a term (`model`,
/// `prompt`, `token`, `vector`, ...), so the matcher has near misses to reject.
pub const DOMAIN: &[&str] = &[
    "model",
    "prompt",
    "token",
    "latency",
    "evaluation",
    "request",
    "response",
    "output",
    "quality",
    "cache",
    "deployment",
    "version",
    "dataset",
    "metric",
    "score",
    "traffic",
    "trace",
    "vector",
    "semantic",
    "streaming",
    "batch",
    "online",
    "offline",
    "judge",
    "embedding",
    "context",
    "cost",
    "budget",
    "production",
    "experiment",
    "baseline",
    "pipeline",
    "gateway",
    "router",
    "shadow",
    "canary",
    "golden",
    "drift",
    "guard",
    "feedback",
    "retrieval",
    "inference",
    "provider",
    "endpoint",
    "throughput",
    "sampling",
];

/// First words of generated phrases.
const GEN_FIRST: &[&str] = &[
    "adaptive",
    "async",
    "batch",
    "cached",
    "canary",
    "cold",
    "composite",
    "contextual",
    "distributed",
    "dynamic",
    "embedded",
    "federated",
    "gated",
    "grounded",
    "hybrid",
    "incremental",
    "latent",
    "layered",
    "managed",
    "offline",
    "online",
    "paged",
    "parallel",
    "pinned",
    "quantized",
    "ranked",
    "replayed",
    "retrieval",
    "rolling",
    "routed",
    "sampled",
    "scored",
    "semantic",
    "shadow",
    "sharded",
    "sparse",
    "staged",
    "streaming",
    "structured",
    "synthetic",
    "tiered",
    "token",
    "tuned",
    "vector",
    "warm",
    "weighted",
    "agentic",
    "annotated",
    "audited",
    "bounded",
    "calibrated",
    "chained",
    "chunked",
    "clustered",
    "compressed",
    "conditional",
    "curated",
    "deduplicated",
    "deterministic",
    "distilled",
    "elastic",
    "ephemeral",
    "filtered",
    "guided",
    "hierarchical",
    "indexed",
    "isolated",
    "labeled",
    "lazy",
    "masked",
    "merged",
    "mirrored",
    "multimodal",
    "nested",
    "normalized",
    "partitioned",
    "persistent",
    "pooled",
    "prefetched",
    "prioritized",
    "private",
    "pruned",
    "queued",
    "reranked",
    "resilient",
    "scheduled",
    "secure",
    "speculative",
    "stateful",
    "stateless",
    "throttled",
    "traced",
    "validated",
    "versioned",
    "windowed",
];

/// Head nouns of generated phrases.
const GEN_HEAD: &[&str] = &[
    "adapter",
    "alignment",
    "allocator",
    "annotation",
    "benchmark",
    "bucket",
    "checkpoint",
    "classifier",
    "cluster",
    "corpus",
    "dashboard",
    "decoder",
    "detector",
    "encoder",
    "evaluator",
    "filter",
    "harness",
    "index",
    "ingestion",
    "ledger",
    "limiter",
    "loader",
    "monitor",
    "notebook",
    "optimizer",
    "orchestrator",
    "planner",
    "probe",
    "profiler",
    "ranker",
    "reranker",
    "retriever",
    "rubric",
    "sampler",
    "scheduler",
    "scorer",
    "sentinel",
    "shard",
    "sink",
    "snapshot",
    "tokenizer",
    "tracer",
    "validator",
    "workflow",
    "agent",
    "aggregator",
    "arbiter",
    "auditor",
    "broker",
    "catalog",
    "chunker",
    "collector",
    "compiler",
    "controller",
    "crawler",
    "debugger",
    "dispatcher",
    "distiller",
    "emitter",
    "executor",
    "exporter",
    "extractor",
    "fetcher",
    "generator",
    "grader",
    "indexer",
    "inspector",
    "labeler",
    "linker",
    "logger",
    "manifest",
    "mapper",
    "merger",
    "migrator",
    "mixer",
    "parser",
    "partitioner",
    "publisher",
    "reconciler",
    "recorder",
    "reducer",
    "replicator",
    "reporter",
    "resolver",
    "rotator",
    "scanner",
    "selector",
    "serializer",
    "simulator",
    "splitter",
    "summarizer",
    "supervisor",
    "synthesizer",
    "throttler",
    "translator",
    "verifier",
    "watcher",
    "writer",
];

/// Third words of three-word generated phrases.
const GEN_TAIL: &[&str] = &[
    "latency",
    "drift",
    "policy",
    "score",
    "rate",
    "test",
    "metric",
    "audit",
    "budget",
    "quota",
    "backlog",
    "coverage",
    "error",
    "lag",
    "load",
    "overhead",
    "pressure",
    "queue",
    "ratio",
    "recall",
    "precision",
    "regression",
    "spike",
    "skew",
    "timeout",
    "usage",
    "variance",
    "warmup",
    "window",
    "yield",
];

/// `count` distinct plausible glossary phrases ("sharded reranker",
/// "adaptive token-budget"...), built from fixed word lists with a seeded
/// PRNG: two or three words, some hyphenated.
pub fn generated_phrases(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    let max = GEN_FIRST.len() * GEN_HEAD.len() * (GEN_TAIL.len() + 1);
    assert!(
        count < max / 2,
        "not enough word combinations for {count} phrases"
    );
    while out.len() < count {
        let first = rng.pick(GEN_FIRST);
        let head = rng.pick(GEN_HEAD);
        let phrase = if rng.percent(40) {
            let tail = rng.pick(GEN_TAIL);
            if rng.percent(25) {
                format!("{first} {head}-{tail}")
            } else {
                format!("{first} {head} {tail}")
            }
        } else if rng.percent(10) {
            format!("{first}-{head}")
        } else {
            format!("{first} {head}")
        };
        if seen.insert(phrase.clone()) {
            out.push(phrase);
        }
    }
    out
}

/// Every phrase (name and aliases) of the built-in pack, in pack order.
pub fn builtin_phrases(content: &Content) -> Vec<String> {
    content
        .terms
        .iter()
        .flat_map(|t| t.phrases().map(str::to_string))
        .collect()
}

/// Builds a matcher over phrases, one term per phrase.
pub fn matcher_for(phrases: &[String]) -> llmops_core::Matcher {
    llmops_core::Matcher::new(
        phrases
            .iter()
            .enumerate()
            .map(|(i, text)| llmops_core::matcher::Phrase::of(text, i as u32)),
    )
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Appends `word` to a line-wrapped paragraph.
fn push_wrapped(out: &mut String, line_len: &mut usize, lines: &mut usize, word: &str) {
    if *line_len > 0 && *line_len + 1 + word.len() > 72 {
        out.push('\n');
        *lines += 1;
        *line_len = 0;
    } else if *line_len > 0 {
        out.push(' ');
        *line_len += 1;
    }
    out.push_str(word);
    *line_len += word.len();
}

/// Markdown-like prose wrapped at ~72 columns: headings, paragraphs, list
/// items. When `terms` is not empty, one of them comes every ~50 words
/// (30..=70), sometimes capitalised or in backticks; otherwise the text holds
/// plain English and domain words only (`domain` = false: English only).
/// Stops at the first paragraph end past `bytes` or at `max_lines` lines.
pub fn prose(seed: u64, terms: &[String], domain: bool, bytes: usize, max_lines: usize) -> String {
    let mut rng = Rng::new(seed);
    let expected = bytes.min(max_lines.saturating_mul(80)).min(1 << 26);
    let mut out = String::with_capacity(expected.saturating_add(4096));
    let mut lines = 0usize;
    let mut until_term = rng.between(30, 70);
    while out.len() < bytes && lines < max_lines {
        // A heading now and then, a list sometimes, a paragraph otherwise.
        let kind = rng.below(10);
        if kind == 0 {
            let mut heading = String::from("## ");
            for i in 0..rng.between(2, 5) {
                if i > 0 {
                    heading.push(' ');
                }
                let w = rng.pick(ENGLISH);
                heading.push_str(&if i == 0 { capitalize(w) } else { w.to_string() });
            }
            out.push_str(&heading);
            out.push_str("\n\n");
            lines += 2;
            continue;
        }
        let items = if kind <= 2 { rng.between(2, 5) } else { 1 };
        for _ in 0..items {
            let mut line_len = 0;
            if kind <= 2 {
                out.push_str("- ");
                line_len = 2;
            }
            let sentences = if kind <= 2 { 1 } else { rng.between(2, 6) };
            for _ in 0..sentences {
                let words = rng.between(8, 22);
                for i in 0..words {
                    let mut word = if domain && rng.percent(12) {
                        rng.pick(DOMAIN).to_string()
                    } else {
                        rng.pick(ENGLISH).to_string()
                    };
                    if !terms.is_empty() {
                        until_term -= 1;
                        if until_term == 0 {
                            until_term = rng.between(30, 70);
                            let term = &terms[rng.below(terms.len())];
                            word = match rng.below(6) {
                                0 => format!("`{term}`"),
                                1 => capitalize(term),
                                _ => term.clone(),
                            };
                        }
                    }
                    if i == 0 {
                        word = capitalize(&word);
                    }
                    if i + 1 == words {
                        word.push(if rng.percent(90) { '.' } else { '?' });
                    } else if rng.percent(7) {
                        word.push(',');
                    }
                    push_wrapped(&mut out, &mut line_len, &mut lines, &word);
                }
            }
            out.push('\n');
            lines += 1;
        }
        out.push('\n');
        lines += 1;
    }
    out
}

/// Exactly `count` lines of prose with terms (for the document and LSP benches).
pub fn prose_lines(seed: u64, terms: &[String], count: usize) -> String {
    let mut text = prose(seed, terms, true, usize::MAX, count + 64);
    let cut = memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(count.saturating_sub(1))
        .map_or(text.len(), |i| i + 1);
    text.truncate(cut);
    text
}

const CODE_WORDS: &[&str] = &[
    "user", "request", "config", "handler", "buffer", "count", "index", "result", "value", "item",
    "node", "client", "server", "response", "error", "path", "file", "data", "list", "map", "key",
    "name", "id", "size", "len", "offset", "start", "end", "line", "text", "input", "output",
    "reader", "writer", "parser", "options", "context", "event", "queue", "worker", "task", "job",
    "retry", "timeout", "limit", "total", "max", "min", "tmp", "args", "env", "params", "payload",
    "header", "body", "status", "code", "message", "session", "account", "order", "price",
    "amount", "query", "row", "column", "table", "schema",
];

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "def", "return", "if", "else", "for", "while", "match", "async", "await",
    "pub", "self", "this", "import", "from", "class", "struct", "impl", "new",
];

/// An identifier from `words` in one of the usual code styles.
fn identifier(rng: &mut Rng, words: &[&str]) -> String {
    match rng.below(5) {
        0 | 1 => words.join("_"),
        2 => words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.to_string() } else { capitalize(w) })
            .collect(),
        3 => words.iter().map(|w| capitalize(w)).collect(),
        _ => words.join("_").to_uppercase(),
    }
}

fn code_ident(rng: &mut Rng) -> String {
    let n = rng.between(1, 3);
    let words: Vec<&str> = (0..n).map(|_| rng.pick(CODE_WORDS)).collect();
    identifier(rng, &words)
}

/// An identifier spelling a term (`prompt_registry`, `ttftMs`, `KV_CACHE`),
/// sometimes with a suffix word such as `ms` or `count`.
fn term_ident(rng: &mut Rng, term: &str) -> String {
    let mut words: Vec<String> = term
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if rng.percent(40) {
        words.push(
            rng.pick(&["ms", "count", "id", "config", "total", "rate"])
                .to_string(),
        );
    }
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    identifier(rng, &refs)
}

/// Source code in a mix of Rust-, Python- and TypeScript-like lines:
/// snake_case, camelCase, PascalCase and SCREAMING_CASE identifiers, string
/// literals and comments. When `terms` is not empty, roughly one token in 50
/// is a term in identifier form or inside a comment.
pub fn code(seed: u64, terms: &[String], bytes: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(bytes.min(1 << 26).saturating_add(4096));
    let mut until_term = rng.between(30, 70);
    let mut indent = 0usize;
    let next_ident = |rng: &mut Rng, until_term: &mut usize| -> String {
        *until_term = until_term.saturating_sub(1);
        if *until_term == 0 && !terms.is_empty() {
            *until_term = rng.between(30, 70);
            let term = &terms[rng.below(terms.len())];
            term_ident(rng, term)
        } else {
            code_ident(rng)
        }
    };
    while out.len() < bytes {
        for _ in 0..indent {
            out.push_str("    ");
        }
        let line = match rng.below(12) {
            0 => {
                indent = (indent + 1).min(4);
                let f = next_ident(&mut rng, &mut until_term);
                let a = next_ident(&mut rng, &mut until_term);
                let b = next_ident(&mut rng, &mut until_term);
                match rng.below(3) {
                    0 => format!(
                        "fn {f}({a}: &{}, {b}: usize) -> Result<(), Error> {{",
                        capitalize(&a)
                    ),
                    1 => format!("def {f}(self, {a}, {b}=None):"),
                    _ => format!("async function {f}({a}, {b}) {{"),
                }
            }
            1 => {
                indent = indent.saturating_sub(1);
                "}".to_string()
            }
            2 => {
                let words = rng.between(4, 12);
                let mut c = String::from(if rng.percent(50) { "// " } else { "# " });
                for i in 0..words {
                    if i > 0 {
                        c.push(' ');
                    }
                    until_term = until_term.saturating_sub(1);
                    if until_term == 0 && !terms.is_empty() {
                        until_term = rng.between(30, 70);
                        c.push_str(&terms[rng.below(terms.len())]);
                    } else {
                        c.push_str(rng.pick(ENGLISH));
                    }
                }
                c
            }
            3 => {
                let a = next_ident(&mut rng, &mut until_term);
                let k = rng.pick(KEYWORDS);
                format!(
                    "{k} {a} = \"{}-{}\";",
                    rng.pick(CODE_WORDS),
                    rng.below(1000)
                )
            }
            _ => {
                let a = next_ident(&mut rng, &mut until_term);
                let b = next_ident(&mut rng, &mut until_term);
                let c = next_ident(&mut rng, &mut until_term);
                let d = next_ident(&mut rng, &mut until_term);
                match rng.below(4) {
                    0 => format!("let {a} = {b}.{c}({d}, {});", rng.below(100)),
                    1 => format!("{a} = {b}[{c}] + {d}"),
                    2 => format!("if {a} > {b}.{c} {{ return {d}; }}"),
                    _ => format!("const {a} = await {b}.{c}({{ {d}: {} }});", rng.below(10)),
                }
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Peak and current resident set size of a process, from /proc (Linux).
pub fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// The `p`-th percentile (0..=100) of sorted samples, nearest rank.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A team pack of `terms` terms in the smallest shape a pack allows: an id,
/// a name and a one-line definition each (the shape of the hostile-input
/// test's 100,000-term pack: 7 MB at 100,000 terms).
pub fn minimal_pack(terms: usize) -> String {
    (0..terms)
        .map(|i| {
            format!("[[term]]\nid = \"t{i}\"\nname = \"w{i}x term\"\ndefinition = \"Term {i}.\"\n")
        })
        .collect()
}

/// A team pack closer to a real glossary: ten modules, and terms with
/// distinct made-up names (so the matcher has as many different first
/// words as terms), an acronym alias, a definition, a module and, for one
/// term in ten, a related term. 13 MB at 100,000 terms, under the 16 MiB
/// cap on a pack.
pub fn realistic_pack(terms: usize) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua", "bri", "dor", "fen", "gal",
        "hux", "jor", "pel", "wen", "yst", "zor",
    ];
    let word = |mut x: u64, parts: usize| {
        let mut w = String::new();
        for _ in 0..parts {
            w.push_str(SYLLABLES[(x % 20) as usize]);
            x /= 20;
        }
        w
    };
    let mut out = String::new();
    for m in 0..10 {
        out.push_str(&format!(
            "[[module]]\nid = \"m{m}\"\nname = \"Module {m}\"\norder = {m}\nsummary = \"Module {m} of the team glossary.\"\n\n"
        ));
    }
    for i in 0..terms as u64 {
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (a, b) = (word(h, 3), word(h >> 20, 2));
        out.push_str(&format!(
            "[[term]]\nid = \"t{i}\"\nname = \"{a} {b} {i}\"\naliases = [\"{}{i}\"]\n\
             definition = \"Routes {b} calls ({i}).\"\nmodule = \"m{}\"\n",
            a.to_uppercase(),
            i % 10
        ));
        if i % 10 == 0 {
            out.push_str(&format!("related = [\"t{}\"]\n", (i + 1) % terms as u64));
        }
    }
    out
}
