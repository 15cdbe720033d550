//! A completion request costs what it touches: the line prefix and the
//! phrases that match, not the size of the glossary. Guarded by the ratio
//! between a request against 100,000 terms and the same request against
//! the built-in course (~600 terms) in the same run: a walk over the
//! glossary would make it about 150x; binary searches keep it near 1x.

use std::time::{Duration, Instant};

use llmops_core::Content;
use llmops_core::completion::{MAX_ITEMS, offers};
use llmops_core::content::{Pack, Scope};

/// The fastest of a few runs of `rounds` requests each, so a busy machine
/// inflates the ratio less.
fn fastest(rounds: usize, mut request: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..rounds {
                request();
            }
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn big_content(terms: usize) -> Content {
    let mut source = String::with_capacity(terms * 90);
    for i in 0..terms {
        source.push_str(&format!(
            "[[term]]\nid = \"t{i}\"\nname = \"team word {i:06}\"\ndefinition = \"Word {i}.\"\n\n"
        ));
    }
    let pack = Pack::parse("big.toml", Scope::Workspace, &source).expect("the pack parses");
    let (content, errors) = Content::merge(&[pack]);
    assert!(errors.is_empty(), "{errors:?}");
    content
}

#[test]
fn a_request_costs_the_same_against_100000_terms_as_against_the_builtin_course() {
    let builtin = Content::builtin().expect("the built-in course loads");
    let big = big_content(100_000);
    let t = Instant::now();
    let phrases = big.completion_index().len();
    let build = t.elapsed();
    assert_eq!(phrases, 100_000);
    builtin.completion_index();
    // Prefixes that match a few phrases in each content, as typing does.
    let small_prefix = "registry = prompt_regi";
    let big_prefix = "w = team_word_012345";
    assert_eq!(
        offers(&builtin, small_prefix, None, "python").items.len(),
        1
    );
    assert_eq!(offers(&big, big_prefix, None, "python").items.len(), 1);
    // A prefix matching a thousand phrases is cut at MAX_ITEMS.
    let many = offers(&big, "w = team_word_01", None, "python");
    assert_eq!(many.items.len(), MAX_ITEMS);
    assert!(many.incomplete);
    let rounds = 2_000;
    let small = fastest(rounds, || {
        std::hint::black_box(offers(&builtin, small_prefix, None, "python"));
    });
    let large = fastest(rounds, || {
        std::hint::black_box(offers(&big, big_prefix, None, "python"));
    });
    let per_request = large / rounds as u32;
    println!(
        "index of 100,000 terms built in {build:?}; a request: {:?} (built-in) vs {per_request:?} (100,000 terms)",
        small / rounds as u32
    );
    // One item each: 170x the phrases, a few more steps of binary search.
    assert!(
        large < small * 8,
        "100,000 terms: {large:?} vs built-in {small:?} for {rounds} requests"
    );
    assert!(per_request < Duration::from_millis(2), "{per_request:?}");
}
