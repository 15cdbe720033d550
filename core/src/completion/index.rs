//! Every term name and alias by its phrase key, sorted, so the phrases that
//! start with what is typed are one contiguous run found by two binary
//! searches: a lookup costs `O(log P · |prefix|)` for `P` phrases, never a
//! walk over the glossary.
//!
//! Built on the first completion request a content receives
//! ([`crate::Content::completion_index`]) and kept with it until the packs
//! change: most people leave completion off, and a content that is never
//! asked pays nothing. Keys live in one string (an entry is 16 bytes), so a
//! pack of 150,000 terms costs a few allocations, not one per phrase.

use crate::content::Term;
use crate::matcher::phrase_key;

/// Which phrase of a term an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phrase {
    Name,
    /// Index into the term's `aliases`.
    Alias(u32),
}

/// One name or alias: its key is `keys[start..end]`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: u32,
    end: u32,
    term: u32,
    /// 0 for the name, `i + 1` for alias `i`.
    phrase: u32,
}

/// A phrase that starts with a looked-up prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// Index into `Content::terms`.
    pub term: u32,
    pub phrase: Phrase,
}

/// Term names and aliases (never avoided phrases: a deprecated alias is an
/// `avoid` entry, not an alias) sorted by phrase key.
#[derive(Debug, Default)]
pub struct TermIndex {
    keys: String,
    entries: Vec<Entry>,
}

impl TermIndex {
    /// The index of `terms` (in `Content` order). Phrases whose key would
    /// not fit the 32-bit offsets are left out rather than wrapped (a
    /// glossary is capped far below that at load).
    pub fn build(terms: &[Term]) -> TermIndex {
        let mut keys = String::new();
        let mut entries = Vec::with_capacity(terms.len() * 2);
        for (t, term) in terms.iter().enumerate() {
            let phrases =
                std::iter::once(term.name.as_str()).chain(term.aliases.iter().map(|a| a.as_str()));
            for (p, phrase) in phrases.enumerate() {
                let key = phrase_key(phrase);
                if key.is_empty() {
                    continue;
                }
                let start = keys.len();
                keys.push_str(&key);
                let (Ok(start), Ok(end), Ok(term), Ok(phrase)) = (
                    u32::try_from(start),
                    u32::try_from(keys.len()),
                    u32::try_from(t),
                    u32::try_from(p),
                ) else {
                    keys.truncate(start);
                    continue;
                };
                entries.push(Entry {
                    start,
                    end,
                    term,
                    phrase,
                });
            }
        }
        let key_of = |e: &Entry| &keys[e.start as usize..e.end as usize];
        // Equal keys keep content order (names before aliases of one term).
        entries.sort_by(|a, b| key_of(a).cmp(key_of(b)));
        TermIndex { keys, entries }
    }

    fn key(&self, entry: &Entry) -> &str {
        &self.keys[entry.start as usize..entry.end as usize]
    }

    /// How many phrases the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The phrases whose key starts with `prefix` (a phrase key: atoms,
    /// ASCII lower case, single spaces), in key order.
    pub fn starting_with<'a>(&'a self, prefix: &str) -> impl ExactSizeIterator<Item = Found> + 'a {
        let from = self.entries.partition_point(|e| self.key(e) < prefix);
        let run = self.entries[from..].partition_point(|e| self.key(e).starts_with(prefix));
        self.entries[from..from + run].iter().map(|e| Found {
            term: e.term,
            phrase: match e.phrase {
                0 => Phrase::Name,
                i => Phrase::Alias(i - 1),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Origin;

    fn term(name: &str, aliases: &[&str]) -> Term {
        Term {
            id: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            definition: String::new(),
            related: Vec::new(),
            module: None,
            exercise: None,
            context: None,
            avoid: vec!["never offered".into()],
            examples: Vec::new(),
            not_in: Vec::new(),
            not_near: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn the_phrases_starting_with_a_prefix_are_found_by_key() {
        let terms = [
            term("Prompt registry", &["prompt store"]),
            term("Model alias", &[]),
            term("TTFT", &["time to first token"]),
            term("Prompt template", &[]),
        ];
        let index = TermIndex::build(&terms);
        assert_eq!(index.len(), 6);
        let found = |prefix: &str| -> Vec<(u32, Phrase)> {
            index
                .starting_with(prefix)
                .map(|f| (f.term, f.phrase))
                .collect()
        };
        // Keys are sorted: "prompt registry" < "prompt store" < "prompt template".
        assert_eq!(
            found("prompt "),
            vec![(0, Phrase::Name), (0, Phrase::Alias(0)), (3, Phrase::Name)]
        );
        assert_eq!(found("prompt reg"), vec![(0, Phrase::Name)]);
        assert_eq!(found("model al"), vec![(1, Phrase::Name)]);
        assert_eq!(found("ttf"), vec![(2, Phrase::Name)]);
        assert_eq!(found("time to"), vec![(2, Phrase::Alias(0))]);
        assert_eq!(found("promptr"), vec![]);
        assert_eq!(found("never"), vec![], "avoided phrases are not offered");
        assert_eq!(found("zzz"), vec![]);
    }
}
