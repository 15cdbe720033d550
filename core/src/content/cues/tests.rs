//! The cue figures of a small bank worked out by hand (and checked against
//! the reference script, `cues.py`, which gives the same table).

use super::*;

/// Three exercises measured (one with a single choice is left out); the
/// hits of each cue are worked out next to each exercise.
const BANK: &str = r#"
[[term]]
id = "kv-cache"
name = "KV cache"
aliases = ["key-value cache"]
definition = "Keeps attention keys and values of earlier tokens so decoding reuses them."

# Key 1. Lengths 14, 25, 43, 34. Question words {chat, service, cache, hold}.
# longest {2}: 0; shortest {0}: 0; rationale {2}: 0; no rationale {0,1,3}: 1/3;
# names the term {3}: 0; question overlap [0,0,1,2] -> {3}: 0;
# definition overlap [0,3,0,1] -> {1}: 1; hedges {3}: 0;
# absolutes {0} -> no absolutes {1,2,3}: 1/3.
[[exercise]]
id = "e1"
term = "kv-cache"
title = "Cache"
scenario = "A chat service"
question = "What does the cache hold?"
choices = [
  "Nothing at all",
  "Attention keys and values",
  "The cache holds prompts because they repeat",
  "It may hold the KV cache of tokens",
]
answer = 1
why = [
  "Right: no",
  "It holds keys and values of attention",
  "Holds prompts; the KV cache holds tensors",
  "Attention keys and values are what the KV cache holds",
]
explanation = "E"

# Key 0. Lengths 24, 19, 17, 16. Question words {latency, budget, change, helps}.
# longest {0}: 1; shortest {3}: 0; no rationale anywhere: 1/4 twice;
# names the term: none, 1/4; question overlap all 0: 1/4;
# definition overlap [1,0,1,0] -> {0,2}: 1/2 (a tie); hedges none: 1/4;
# no absolutes anywhere: 1/4.
[[exercise]]
id = "e2"
term = "kv-cache"
title = "T"
scenario = "Latency budget"
question = "Which change helps latency?"
choices = ["Cache the earlier prefix", "Batch more requests", "Stream the tokens", "Route to a model"]
answer = 0
why = ["Correct.", "Not a KEY-VALUE cache matter", "Say kv caches", "CORRECT - no"]
explanation = "E"
[exercise.snippet]
language = "python"
code = "x = 1"
"#;

/// A second file: its exercise's term is in no pack measured, so the term's
/// id is its only phrase and its definition is empty.
const OTHER: &str = r#"
# Key 1. Lengths 18, 19. longest {1}: 1; shortest {0}: 0; rationale none: 1/2
# twice; names none: 1/2; no question words: 1/2; no definition: 1/2;
# hedges {0,1}, every choice: 1/2; absolutes {0} -> no absolutes {1}: 1.
[[exercise]]
id = "e3"
term = "other"
scenario = "S"
question = "Q"
choices = ["It can always help", "It might help often"]
answer = 1
why = ["Another view", "fine"]
explanation = "E"
snippet = {}

[[exercise]]
id = "single"
term = "other"
scenario = "S"
question = "Q"
choices = ["only"]
answer = 0
explanation = "E"
"#;

fn report() -> CueReport {
    measure(&[("bank.toml", BANK), ("other.toml", OTHER)])
}

fn rate(report: &CueReport, name: &str) -> f64 {
    report
        .cues
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no cue {name}"))
        .rate
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn each_cue_scores_its_hand_computed_rate() {
    let report = report();
    assert_eq!(report.exercises, 3);
    assert!(close(report.chance, 1.0 / 3.0), "{}", report.chance);
    let expected = [
        ("longest", (0.0 + 1.0 + 1.0) / 3.0),
        ("shortest", 0.0),
        ("has rationale", (0.0 + 0.25 + 0.5) / 3.0),
        ("no rationale", (1.0 / 3.0 + 0.25 + 0.5) / 3.0),
        ("names the term", (0.0 + 0.25 + 0.5) / 3.0),
        ("most question overlap", (0.0 + 0.25 + 0.5) / 3.0),
        ("most definition overlap", (1.0 + 0.5 + 0.5) / 3.0),
        ("hedges", (0.0 + 0.25 + 0.5) / 3.0),
        ("no absolutes", (1.0 / 3.0 + 0.25 + 1.0) / 3.0),
    ];
    let names: Vec<&str> = report.cues.iter().map(|c| c.name).collect();
    assert_eq!(names, CUES);
    for (name, want) in expected {
        let got = rate(&report, name);
        assert!(close(got, want), "{name}: {got} != {want}");
    }
    // Bound 40.3 %: longest and definition overlap (66.7 %) and no
    // absolutes (52.8 %) are over it.
    let over: Vec<&str> = report.over().iter().map(|c| c.name).collect();
    assert_eq!(over, ["longest", "most definition overlap", "no absolutes"]);
    assert!(!report.passes());
    // An empty snippet table is no snippet.
    assert_eq!(report.snippets, 1);
    assert!(close(report.snippet_share(), 1.0 / 3.0));
    assert_eq!(percent(report.snippet_share()), "33.3%");
}

#[test]
fn ties_share_the_hit_and_a_cue_marking_all_or_none_is_chance() {
    let key = 1;
    let two: BTreeSet<usize> = [0, 1].into();
    assert!(close(hit(&two, key, 4), 0.5));
    assert!(close(hit(&[0, 2].into(), key, 4), 0.0));
    assert!(close(hit(&BTreeSet::new(), key, 4), 0.25));
    assert!(close(hit(&(0..4).collect(), key, 4), 0.25));
    assert!(close(hit(&[1].into(), key, 2), 1.0));
    assert_eq!(argmax_set(&[0, 0, 0]), BTreeSet::new());
    assert_eq!(argmax_set(&[2, 1, 2]), [0, 2].into());
}

#[test]
fn leaks_are_located_and_worded_as_the_reference_words_them() {
    let report = report();
    let line_of = |source: &str, id: &str| {
        source
            .lines()
            .position(|l| l == format!("id = \"{id}\""))
            .unwrap()
            + 1
    };
    let found: Vec<(String, usize, &str, &str)> = report
        .leaks
        .iter()
        .map(|l| {
            (
                l.path.clone(),
                l.line,
                l.exercise.as_str(),
                l.message.as_str(),
            )
        })
        .collect();
    let e1 = line_of(BANK, "e1");
    let e2 = line_of(BANK, "e2");
    let at = |line: usize, id: &'static str, message: &'static str| {
        ("bank.toml".to_owned(), line, id, message)
    };
    assert_eq!(
        found,
        [
            at(e1, "e1", "why[0] starts with a verdict"),
            // Its own choice does not name the term: the why gives it away.
            at(e1, "e1", "why[2] names the term (KV cache)"),
            // Its own choice names the term: saying so gives nothing away.
            at(
                e1,
                "e1",
                "why[3] shares 'attention keys and values' with the key"
            ),
            // The key's own why may open with a verdict no more than others.
            at(e2, "e2", "why[0] starts with a verdict"),
            // Aliases count, case-insensitively; "kv caches" is another word.
            at(e2, "e2", "why[1] names the term (key-value cache)"),
            at(e2, "e2", "why[3] starts with a verdict"),
        ]
    );
    // "Another" does not name the term `other` of e3.
    assert!(report.leaks.iter().all(|l| l.exercise != "e3"));
}

#[test]
fn phrases_need_non_alphanumeric_neighbours_at_some_occurrence() {
    let cache = Regex::new("(?i)kv cache").unwrap();
    assert!(phrase_in(&cache, "the KV Cache."));
    assert!(!phrase_in(&cache, "kv caches"));
    assert!(!phrase_in(&cache, "xkv cache"));
    // The first occurrence is inside a word, a later one stands alone.
    assert!(phrase_in(&cache, "kv caches and a kv cache"));
    assert!(phrase_in(&cache, "é kv cache é"));
    let aa = Regex::new("(?i)aa").unwrap();
    assert!(!phrase_in(&aa, "aaa"));
    assert!(phrase_in(&aa, "aaa-aa"));
}

#[test]
fn words_are_lowercased_ascii_runs_and_stop_words_do_not_overlap() {
    assert_eq!(words("TTFT_ms, p95 (Élan)"), ["ttft", "ms", "p95", "lan"]);
    let content = content_words("The cache is for the KV of all tokens");
    let mut sorted: Vec<&str> = content.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    assert_eq!(sorted, ["cache", "tokens"]);
    let runs = runs("one two three four five");
    assert_eq!(runs.len(), 2);
}

#[test]
fn a_file_that_is_not_a_pack_is_reported_and_the_rest_measured() {
    let report = measure(&[("bad.toml", "[[exercise]]\nid = 1\n"), ("bank.toml", BANK)]);
    assert_eq!(report.unreadable.len(), 1);
    assert!(
        report.unreadable[0].starts_with("bad.toml: "),
        "{:?}",
        report.unreadable
    );
    assert_eq!(report.exercises, 2);
    // Nothing measured: no division by zero, nothing over.
    let empty = measure(&[]);
    assert_eq!(empty.exercises, 0);
    assert!(empty.over().is_empty());
}

#[test]
fn percentages_round_ties_to_even_as_the_reference_prints_them() {
    assert_eq!(percent(0.28125), "28.1%");
    assert_eq!(percent(2.5 / 8.0), "31.2%");
    assert_eq!(percent(1.0 / 3.0), "33.3%");
}
