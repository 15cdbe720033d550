//! Loading content: the built-in course and generated team packs of 10,000
//! and 100,000 terms, parsed and merged as the server does at start
//! (`Pack::parse` then `Content::merge`, which compiles the matcher).
//!
//! Beside each figure it prints a baseline measured in the same process on
//! the same text: `toml::from_str` into a `toml::Value`, the bare TOML parse
//! any loader has to pay for. The gap between the two is what checking,
//! locating and compiling cost on top. Two pack shapes: `minimal` (id, name,
//! definition: the hostile-input test's pack) and `realistic` (distinct
//! names, aliases, modules, some related terms).
//!
//! `cargo bench -p llmops-core --bench pack_load`; run without `--bench`
//! (as `cargo test --benches` does) it checks each case once, quickly.

mod common;

use std::time::{Duration, Instant};

use common::{minimal_pack, realistic_pack};
use llmops_core::content::{BUILTIN_FILES, Content, Pack, Scope, builtin_packs};

/// Median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            work();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// One team pack on top of the built-in packs.
fn team_pack(name: &str, source: &str, runs: usize) {
    let builtin = builtin_packs().expect("the built-in packs parse");
    let baseline = median(runs, || {
        let value: toml::Value = toml::from_str(source).expect("valid TOML");
        drop(value);
    });
    let mut pack = None;
    let parse = median(runs, || {
        pack = Some(Pack::parse("team.toml", Scope::Workspace, source).expect("a good pack"));
    });
    let mut packs = builtin;
    packs.extend(pack);
    let mut terms = 0;
    let merge = median(runs, || {
        let (content, errors) = Content::merge(&packs);
        assert!(errors.is_empty(), "{:?}", errors.first());
        terms = content.terms.len();
    });
    println!(
        "{name:<24} {:>5.1} MB {terms:>7} terms | baseline toml::Value {:>10} | Pack::parse {:>10} + Content::merge {:>10} = {:>10} ({:.1}x the baseline)",
        source.len() as f64 / 1e6,
        ms(baseline),
        ms(parse),
        ms(merge),
        ms(parse + merge),
        (parse + merge).as_secs_f64() / baseline.as_secs_f64()
    );
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let runs = if bench { 7 } else { 1 };

    let text: usize = BUILTIN_FILES.iter().map(|f| f.source.len()).sum();
    let baseline = median(runs * 5, || {
        for file in BUILTIN_FILES {
            let value: toml::Value = toml::from_str(file.source).expect("valid TOML");
            drop(value);
        }
    });
    let load = median(runs * 5, || {
        Content::builtin().expect("the built-in content loads");
    });
    println!(
        "{:<24} {:>5.1} MB {:>7} files | baseline toml::Value {:>10} | Content::builtin (parse + merge) {:>10} ({:.1}x the baseline)",
        "built-in course",
        text as f64 / 1e6,
        BUILTIN_FILES.len(),
        ms(baseline),
        ms(load),
        load.as_secs_f64() / baseline.as_secs_f64()
    );

    let sizes: &[usize] = if bench { &[10_000, 100_000] } else { &[10_000] };
    for &terms in sizes {
        let runs = if terms >= 100_000 { runs.min(5) } else { runs };
        team_pack(
            &format!("minimal, {terms} terms"),
            &minimal_pack(terms),
            runs,
        );
        team_pack(
            &format!("realistic, {terms} terms"),
            &realistic_pack(terms),
            runs,
        );
    }
}
