//! Soak: 100,000 random edits over 50 open documents through stdio, with the
//! server's resident memory sampled. After warm-up it must not grow by more
//! than 10 %, no error may come back, and every document's final diagnostics
//! must equal a fresh scan of the text the client holds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use llmops_core::Content;
use llmops_core::text::{Encoding, LineIndex};
use serde_json::{Value, json};

use crate::support::*;

const DOCS: usize = 50;
const PIECES: &[&str] = &[
    "TTFT ",
    "model alias ",
    "x",
    " ",
    "\n",
    "prompt_registry",
    "😀",
    "中",
    "é",
    "quality ",
    "drift ",
    "abc",
    "Registry",
    "\r\n",
    "time to first token ",
];

/// A tiny deterministic generator (xorshift), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// UTF-16 position of a byte offset in `text`.
fn position(text: &str, offset: usize) -> Value {
    let lines = LineIndex::new(text);
    let p = lines.position(text, offset, Encoding::Utf16);
    json!({"line": p.line, "character": p.character})
}

#[test]
fn a_hundred_thousand_edits_over_fifty_documents() {
    // glibc gives each thread that allocates its own malloc arena, and which
    // tokio worker or blocking thread first touches a new arena depends on
    // scheduling: with the ten-module course that showed up as RSS steps of
    // 2 MB that then stayed flat (27 -> 34 MB, flat from 150k to 300k edits),
    // while with one arena RSS stayed at 20.4 MB to within 16 KiB. Two
    // arenas keep the measurement about the program's own memory.
    // A process: resident memory is per process, and MALLOC_ARENA_MAX is
    // read from the environment when the process starts.
    let start = Start::process().env("MALLOC_ARENA_MAX", "2");
    let (mut server, _) = Server::initialized(start, json!({}), Value::Null);
    let pid = server.pid();
    // LLMOPS_SOAK_EDITS makes a longer run to look for slow growth.
    let edits: usize = std::env::var("LLMOPS_SOAK_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // Allocator pools and buffers settle during the first fifth.
    let warm_up = edits / 5;
    let sample_every = edits / 10;
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut texts: Vec<String> = (0..DOCS)
        .map(|i| format!("doc {i}: the TTFT and model alias\n").repeat(40))
        .collect();
    let uris: Vec<String> = (0..DOCS)
        .map(|i| format!("file:///soak/doc{i}.md"))
        .collect();
    let mut versions = vec![1i64; DOCS];
    for (uri, text) in uris.iter().zip(&texts) {
        server.open(uri, "markdown", text);
    }
    let started = Instant::now();
    let mut warm_rss = 0;
    let mut samples = Vec::new();
    let mut latest: HashMap<String, (i64, Vec<Value>)> = HashMap::new();
    let mut errors = Vec::new();
    let mut absorb = |messages: Vec<Value>| {
        for m in messages {
            if m.get("error").is_some() || m["method"] == "window/showMessage" {
                errors.push(m);
            } else if m["method"] == "textDocument/publishDiagnostics" {
                let uri = m["params"]["uri"].as_str().unwrap_or("").to_string();
                let version = m["params"]["version"].as_i64().unwrap_or(-1);
                let diagnostics = m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                latest.insert(uri, (version, diagnostics));
            }
        }
    };
    for n in 0..edits {
        let d = rng.below(DOCS);
        let text = &mut texts[d];
        // Keep sizes steady: delete about as much as is inserted.
        let len = text.len();
        let mut a = rng.below(len + 1);
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (a + rng.below(12)).min(len);
        while !text.is_char_boundary(b) {
            b -= 1;
        }
        // A spot between CR and LF has no LSP position: editors never send it.
        let inside_crlf =
            |i: usize| i > 0 && text[..i].ends_with('\r') && text[i..].starts_with('\n');
        if inside_crlf(a) {
            a -= 1;
        }
        if inside_crlf(b) {
            b -= 1;
        }
        let insert = if text.len() > 3000 {
            ""
        } else {
            PIECES[rng.below(PIECES.len())]
        };
        let (start, end) = (position(text, a), position(text, b));
        text.replace_range(a..b, insert);
        versions[d] += 1;
        server.change(
            &uris[d],
            versions[d],
            json!([{"range": {"start": start, "end": end}, "text": insert}]),
        );
        if n % 1_000 == 0 {
            absorb(server.drain(Duration::from_millis(0)));
        }
        if n == warm_up {
            // Round trip so the server has caught up before measuring.
            server.command_ok("llmops.progress", json!([]));
            warm_rss = rss_kib(pid);
        }
        if n > warm_up && n % sample_every == 0 {
            server.command_ok("llmops.progress", json!([]));
            samples.push(rss_kib(pid));
        }
    }
    server.command_ok("llmops.progress", json!([]));
    samples.push(rss_kib(pid));
    let elapsed = started.elapsed();
    absorb(server.drain(Duration::from_millis(500)));
    assert!(errors.is_empty(), "{errors:#?}");
    eprintln!(
        "soak: {edits} edits over {DOCS} docs in {elapsed:?} ({:.0} edits/s); RSS after warm-up {warm_rss} KiB, samples {samples:?} KiB",
        edits as f64 / elapsed.as_secs_f64()
    );
    let peak = samples.iter().copied().max().unwrap_or(0);
    assert!(warm_rss > 0, "could not read the server's RSS");
    assert!(
        peak as f64 <= warm_rss as f64 * 1.10,
        "RSS grew from {warm_rss} KiB to {peak} KiB (samples {samples:?} KiB)"
    );

    // Every document's last publication is for its last version and holds
    // exactly the hits of the text the client ends up with.
    let content = Content::builtin().unwrap();
    for d in 0..DOCS {
        let (version, diagnostics) = latest.get(&uris[d]).cloned().unwrap_or_default();
        assert_eq!(
            version, versions[d],
            "doc {d} was not published at its last version"
        );
        let text = &texts[d];
        let expected: Vec<Value> = content
            .matcher
            .find_all(text)
            .iter()
            .map(|h| json!({"start": position(text, h.start()), "end": position(text, h.end())}))
            .collect();
        let got: Vec<Value> = diagnostics.iter().map(|d| d["range"].clone()).collect();
        assert_eq!(got, expected, "doc {d}");
    }
}
