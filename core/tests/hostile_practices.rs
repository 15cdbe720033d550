//! A hostile pack of 1,000 practice rules (the most a pack may hold),
//! each as costly as the caps let it be, cannot make a keystroke slow: the
//! rules run as one set over the one line an edit touches. The bound here
//! is generous (shared, busy CI cores); `core/benches/practices.rs` measures
//! the real figure, which the README states.

use std::time::{Duration, Instant};

use llmops_core::content::{Content, Pack, Scope, builtin_packs};
use llmops_core::practice::hits::DocPractices;
use llmops_core::text::LineIndex;

/// A pack of `n` rules built to be expensive: wide character classes,
/// bounded repetitions and alternations, all sharing prefixes so the set
/// cannot skip ahead by a literal.
pub fn hostile_pack(n: usize) -> String {
    let mut out = String::from(
        "[[term]]\nid = \"hostile-term\"\nname = \"hostile zzterm\"\ndefinition = \"d\"\n\n",
    );
    for i in 0..n {
        let pattern = match i % 4 {
            0 => format!(r"[a-z_]{{1,12}}\d{{0,3}}(?:client|model|prompt)[a-z]{{0,8}}{i}"),
            1 => format!(r"(?:a|b|c|d|e|f|g|h)+[a-z]{{2,20}}=\s*[\x22'][^\x22']{{0,40}}{i}"),
            2 => format!(r"(?i)(?:open|anth|gem|mis)[a-z]{{0,10}}\(\s*[a-z_.]{{0,30}}{i}\)"),
            _ => format!(r"[A-Za-z0-9_]{{3,30}}\s*[-+*/]\s*[A-Za-z0-9_]{{1,20}}x{i}"),
        };
        out.push_str(&format!(
            "[[practice]]\nid = \"h{i}\"\nname = \"hostile {i}\"\npattern = '''{pattern}'''\n\
             message = \"m\"\nterm = \"hostile-term\"\n\n"
        ));
    }
    out
}

fn document(lines: usize) -> String {
    let mut text = String::new();
    for i in 0..lines {
        text.push_str(&format!(
            "    result_{i} = client.chat.completions.create(model=settings.MODEL, messages=msgs_{i})\n"
        ));
    }
    text
}

#[test]
fn a_thousand_hostile_rules_load_and_keep_a_keystroke_fast() {
    let pack = Pack::parse("hostile.toml", Scope::Workspace, &hostile_pack(1_000))
        .expect("a pack at the rule cap loads");
    let mut packs = builtin_packs().unwrap();
    packs.push(pack);
    let (content, errors) = Content::merge(&packs);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(content.practices.rules.len() >= 1_000);
    // 1,001 rules are refused, at the first one over the cap.
    let over = Pack::parse("hostile.toml", Scope::Workspace, &hostile_pack(1_001)).unwrap_err();
    assert!(over[0].message.contains("at most 1000"), "{over:?}");

    let mut text = document(100_000);
    let mut lines = LineIndex::new(&text);
    let mut hits = DocPractices::scanned(&content.practices, &text, "python");
    let mut slowest = Duration::ZERO;
    let mut times = Vec::new();
    let at0 = text.len() / 2;
    let at0 = text[..at0].rfind('\n').unwrap() + 10;
    for i in 0..50 {
        let at = at0 + i;
        text.insert(at, 'a');
        lines.apply_edit(&text, at, 0, 1);
        let started = Instant::now();
        hits.edited(&content.practices, &text, &lines, at, 0, 1, "python");
        let took = started.elapsed();
        slowest = slowest.max(took);
        times.push(took);
    }
    times.sort();
    let median = times[times.len() / 2];
    eprintln!("1,000 hostile rules: keystroke median {median:?}, slowest {slowest:?}");
    // The budget is 5 ms; allow ten times that on a loaded machine.
    assert!(median < Duration::from_millis(50), "median {median:?}");
    assert_eq!(
        hits,
        DocPractices::scanned(&content.practices, &text, "python")
    );
}
