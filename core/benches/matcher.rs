//! Throughput of the core term matcher, with its practical ceiling and the
//! naive first version as baselines.
//!
//! Corpora (~10 MB each, generated from fixed word lists and seeds):
//! - `prose`: Markdown-like prose with a term every ~50 words;
//! - `code`: mixed Rust/Python/TypeScript-like source, terms mostly in
//!   identifier form (`prompt_registry`, `ttftMs`, `KV_CACHE`);
//! - `no_terms`: plain English with no term at all.
//!
//! Packs: the built-in pack, and 5,000 generated multi-word phrases (the prose
//! and code corpora are generated once per pack, with that pack's terms).
//!
//! Engines: `llmops` (the matcher under test, with the best pre-filter
//! kernel the processor runs), `llmops-sse2` and `llmops-portable` (the same
//! block scan with the SSE2 and the portable `u64` kernel; built-in pack
//! only), `llmops-prev` (the previous pre-filter: eight bytes per step, four
//! fingerprint lookups per word start: the baseline of issue 22's second
//! round), `memmem` (memchr's single
//! literal search over the same bytes: the practical ceiling), `regex` (a
//! case-insensitive, word-bounded alternation of every phrase: what a first
//! version would do). A summary table with MB/s (10^6 bytes per second) and
//! the ratio to the naive regex closes the run.

mod common;

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{builtin_phrases, code, generated_phrases, matcher_for, prose};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use llmops_core::matcher::{Kernel, Prefilter};
use llmops_core::{Content, Matcher};
use regex::{Regex, RegexBuilder};

const CORPUS_BYTES: usize = 10_000_000;
const GENERATED_TERMS: usize = 5_000;
/// A baseline slower than this per iteration is measured on a prefix of the
/// corpus, so the whole run stays within its time budget.
const MAX_ITERATION: Duration = Duration::from_millis(250);

/// Per-iteration times recorded from every measured call, for the summary.
static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

struct Record {
    corpus: &'static str,
    pack: &'static str,
    engine: &'static str,
    bytes: usize,
    /// Wall-clock seconds per iteration, one entry per measured call.
    seconds: Vec<f64>,
    /// On-CPU seconds of this thread per iteration (Linux schedstat): less
    /// sensitive to other processes competing for the cores.
    cpu_seconds: Vec<f64>,
}

struct Pack {
    name: &'static str,
    phrases: Vec<String>,
    matcher: Matcher,
    /// The same phrases with other pre-filters, by engine name.
    variants: Vec<(&'static str, Matcher)>,
    regex: Regex,
}

/// The pre-filters measured beside the default one; the kernels only on the
/// built-in pack (the run stays within its time).
fn variants(name: &str, phrases: &[String]) -> Vec<(&'static str, Matcher)> {
    let mut out = Vec::new();
    if name == "builtin" {
        out.push(("llmops-sse2", Prefilter::Blocks(Kernel::Sse2)));
        out.push(("llmops-portable", Prefilter::Blocks(Kernel::Portable)));
    }
    out.push(("llmops-prev", Prefilter::Eight));
    out.into_iter()
        .map(|(engine, p)| (engine, matcher_for(phrases).with_prefilter(p)))
        .collect()
}

fn naive_regex(phrases: &[String]) -> Regex {
    let alternation: Vec<String> = phrases.iter().map(|p| regex::escape(p)).collect();
    let pattern = format!(r"(?i)\b(?:{})\b", alternation.join("|"));
    RegexBuilder::new(&pattern)
        .size_limit(1 << 30)
        .dfa_size_limit(1 << 30)
        .build()
        .expect("the naive alternation compiles")
}

fn pack(name: &'static str, phrases: Vec<String>) -> Pack {
    let t = Instant::now();
    let matcher = matcher_for(&phrases);
    let matcher_build = t.elapsed();
    let t = Instant::now();
    let regex = naive_regex(&phrases);
    let regex_build = t.elapsed();
    println!(
        "pack {name}: {} phrases; llmops matcher built in {:.1} ms, naive regex in {:.1} ms",
        phrases.len(),
        ms(matcher_build),
        ms(regex_build)
    );
    Pack {
        name,
        variants: variants(name, &phrases),
        phrases,
        matcher,
        regex,
    }
}

/// Time this thread has spent on a CPU, from /proc (Linux); `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The longest prefix (cut at a line end) that `scan` gets through in about
/// `MAX_ITERATION`, or all of `text`.
fn affordable_prefix<'t>(text: &'t str, scan: &dyn Fn(&str) -> usize) -> &'t str {
    let probe = &text[..text.len().min(1_000_000)];
    let probe = &probe[..probe.rfind('\n').map_or(probe.len(), |i| i + 1)];
    let t = Instant::now();
    black_box(scan(probe));
    let per_byte = t.elapsed().as_secs_f64() / probe.len() as f64;
    let affordable = (MAX_ITERATION.as_secs_f64() / per_byte) as usize;
    if affordable >= text.len() {
        return text;
    }
    let cut = text[..affordable.max(probe.len())]
        .rfind('\n')
        .map_or(probe.len(), |i| i + 1);
    &text[..cut]
}

fn bench_scan(
    group: &mut BenchmarkGroup<'_, WallTime>,
    corpus: &'static str,
    pack: &'static str,
    engine: &'static str,
    text: &str,
    scan: &dyn Fn(&str) -> usize,
) {
    let text = if engine == "regex" {
        affordable_prefix(text, scan)
    } else {
        text
    };
    if text.len() < CORPUS_BYTES / 2 {
        println!(
            "note: {corpus}/{engine}/{pack} is slow; measured on the first {:.1} MB",
            text.len() as f64 / 1e6
        );
    }
    group.throughput(Throughput::Bytes(text.len() as u64));
    let slot = {
        let mut records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
        records.push(Record {
            corpus,
            pack,
            engine,
            bytes: text.len(),
            seconds: Vec::new(),
            cpu_seconds: Vec::new(),
        });
        records.len() - 1
    };
    group.bench_function(format!("{engine}/{pack}"), |b| {
        b.iter_custom(|iters| {
            let cpu_start = thread_cpu_seconds();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(scan(black_box(text)));
            }
            let elapsed = start.elapsed();
            let cpu = thread_cpu_seconds().zip(cpu_start).map(|(b, a)| b - a);
            let mut records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
            let record = &mut records[slot];
            let per = |total: f64| total / iters.max(1) as f64;
            record.seconds.push(per(elapsed.as_secs_f64()));
            if let Some(cpu) = cpu {
                record.cpu_seconds.push(per(cpu));
            }
            elapsed
        })
    });
}

fn main() {
    let t = Instant::now();
    let content = Content::builtin().expect("the built-in pack loads");
    let builtin = pack("builtin", builtin_phrases(&content));
    let generated = pack("gen5000", generated_phrases(GENERATED_TERMS, 0x5eed_0001));
    let packs = [&builtin, &generated];

    // Corpora: prose and code once per pack (with that pack's terms), and one
    // term-free text shared by both.
    let no_terms = prose(0xC0FFEE, &[], false, CORPUS_BYTES, usize::MAX);
    let corpora: Vec<(&'static str, [String; 2])> = vec![
        (
            "prose",
            [
                prose(11, &builtin.phrases, true, CORPUS_BYTES, usize::MAX),
                prose(12, &generated.phrases, true, CORPUS_BYTES, usize::MAX),
            ],
        ),
        (
            "code",
            [
                code(21, &builtin.phrases, CORPUS_BYTES),
                code(22, &generated.phrases, CORPUS_BYTES),
            ],
        ),
        ("no_terms", [no_terms.clone(), no_terms]),
    ];
    println!("corpora generated in {:.0} ms", ms(t.elapsed()));
    for (name, texts) in &corpora {
        for (p, text) in packs.iter().zip(texts) {
            let hits = p.matcher.find_all(text).len();
            for (engine, m) in &p.variants {
                assert_eq!(m.find_all(text).len(), hits, "{engine} on {name}");
            }
            let regex_hits = p.regex.find_iter(&text[..1_000_000]).count();
            println!(
                "corpus {name} for {}: {:.2} MB, {} lines, {hits} llmops hits ({:.0}/MB), naive regex {regex_hits} hits in its first MB",
                p.name,
                text.len() as f64 / 1e6,
                text.lines().count(),
                hits as f64 / (text.len() as f64 / 1e6),
            );
            if *name == "no_terms" {
                assert_eq!(hits, 0, "the no-terms corpus holds a term of {}", p.name);
            }
        }
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let needle = memchr::memmem::Finder::new("prompt registry");
    for (name, texts) in &corpora {
        let mut group = criterion.benchmark_group(*name);
        group.sampling_mode(SamplingMode::Flat);
        for (p, text) in packs.iter().zip(texts) {
            bench_scan(&mut group, name, p.name, "llmops", text, &|t| {
                p.matcher.find_all(t).len()
            });
            for (engine, m) in &p.variants {
                bench_scan(&mut group, name, p.name, engine, text, &|t| {
                    m.find_all(t).len()
                });
            }
        }
        bench_scan(&mut group, name, "1 literal", "memmem", &texts[0], &|t| {
            needle.find_iter(t.as_bytes()).count()
        });
        for (p, text) in packs.iter().zip(texts) {
            bench_scan(&mut group, name, p.name, "regex", text, &|t| {
                p.regex.find_iter(t).count()
            });
        }
        group.finish();
    }
    criterion.final_summary();
    summary();
    println!(
        "matcher bench finished in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then(|| v[v.len() / 2])
}

/// Prints MB/s per corpus, pack and engine, the ratio to the naive regex,
/// and whether each target holds.
fn summary() {
    let records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
    if records.iter().all(|r| r.seconds.len() < 3) {
        return; // test mode or a filter that skipped everything: no figures
    }
    let find = |corpus: &str, pack: &str, engine: &str| {
        records
            .iter()
            .find(|r| r.corpus == corpus && r.pack == pack && r.engine == engine)
    };
    // MB/s from the median wall-clock and on-CPU time per iteration.
    let wall = |c: &str, p: &str, e: &str| -> Option<f64> {
        let r = find(c, p, e)?;
        Some(r.bytes as f64 / median(&r.seconds)? / 1e6)
    };
    let cpu = |c: &str, p: &str, e: &str| -> Option<f64> {
        let r = find(c, p, e)?;
        Some(r.bytes as f64 / median(&r.cpu_seconds)? / 1e6)
    };
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!();
    println!("## Matcher throughput");
    println!();
    println!(
        "MB/s = 10^6 bytes/s from the median time per iteration, wall-clock (on-CPU in brackets: \
         less sensitive to other processes; load average now {}).",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    println!(
        "| corpus | pack | llmops | naive regex | llmops / regex | memmem, 1 literal (ceiling) |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for corpus in ["prose", "code", "no_terms"] {
        for pack in ["builtin", "gen5000"] {
            let both = |e: &str, p: &str| {
                format!("{} ({})", show(wall(corpus, p, e)), show(cpu(corpus, p, e)))
            };
            let ratio = cpu(corpus, pack, "llmops")
                .zip(cpu(corpus, pack, "regex"))
                .or_else(|| wall(corpus, pack, "llmops").zip(wall(corpus, pack, "regex")))
                .map_or("-".into(), |(a, b)| format!("{:.1}x", a / b));
            println!(
                "| {corpus} | {pack} | {} | {} | {ratio} | {} |",
                both("llmops", pack),
                both("regex", pack),
                both("memmem", "1 literal"),
            );
        }
    }
    println!();
    println!(
        "Pre-filters in this run (MB/s as above): the default kernel, the others, and the previous eight-byte path."
    );
    println!();
    println!(
        "| corpus | pack | llmops ({:?}) | SSE2 | portable | previous (8 bytes, 4 lookups) | llmops / previous |",
        Kernel::best()
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for corpus in ["prose", "code", "no_terms"] {
        for pack in ["builtin", "gen5000"] {
            let both = |e: &str| {
                format!(
                    "{} ({})",
                    show(wall(corpus, pack, e)),
                    show(cpu(corpus, pack, e))
                )
            };
            let ratio = cpu(corpus, pack, "llmops")
                .zip(cpu(corpus, pack, "llmops-prev"))
                .or_else(|| wall(corpus, pack, "llmops").zip(wall(corpus, pack, "llmops-prev")))
                .map_or("-".into(), |(a, b)| format!("{:.2}x", a / b));
            println!(
                "| {corpus} | {pack} | {} | {} | {} | {} | {ratio} |",
                both("llmops"),
                both("llmops-sse2"),
                both("llmops-portable"),
                both("llmops-prev"),
            );
        }
    }
    println!();
    // Targets are judged on on-CPU figures where available.
    let best = |c: &str, p: &str, e: &str| cpu(c, p, e).or_else(|| wall(c, p, e));
    let check = |what: &str, value: Option<f64>, target: f64, unit: &str| {
        let verdict = match value {
            Some(v) if v >= target => "met",
            Some(_) => "MISSED",
            None => "not measured",
        };
        let value = value.map_or("-".to_string(), |v| format!("{v:.1}"));
        println!("target {what}: {value} {unit} (target >= {target} {unit}): {verdict}");
    };
    for pack in ["builtin", "gen5000"] {
        check(
            &format!("no_terms, {pack}"),
            best("no_terms", pack, "llmops"),
            1000.0,
            "MB/s",
        );
    }
    check(
        "dense prose, builtin",
        best("prose", "builtin", "llmops"),
        400.0,
        "MB/s",
    );
    check(
        "dense prose, gen5000",
        best("prose", "gen5000", "llmops"),
        300.0,
        "MB/s",
    );
    for corpus in ["prose", "code", "no_terms"] {
        for pack in ["builtin", "gen5000"] {
            let ratio = best(corpus, pack, "llmops")
                .zip(best(corpus, pack, "regex"))
                .map(|(a, b)| a / b);
            check(&format!("{corpus}, {pack} vs naive regex"), ratio, 5.0, "x");
        }
    }
}
