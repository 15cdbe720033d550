//! Where words start and end, for prose and for identifiers alike.
//!
//! An *atom* is the smallest word unit the matcher compares: `prompt` in
//! "prompt registry", in `prompt_registry` and in `promptRegistry`. Atom
//! boundaries are the spots a reader would split at: anything that is not a
//! letter or digit, a lower-to-upper case change (`prompt|Registry`), the end
//! of an upper-case run before a capitalised word (`HTTP|Server`), a change
//! between letters and digits (`gpt|4`), and a change between scripts with and
//! without letter case (`使用|TTFT`). Case folding is ASCII-only so that the
//! automaton and the trie agree byte for byte.

use std::borrow::Cow;

/// What kind of character sits on one side of a potential boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Upper,
    Lower,
    Digit,
    /// Letters of scripts without case (CJK, Thai, ...).
    Caseless,
    /// Not part of a word: spaces, punctuation, `_`, symbols, emoji.
    Other,
}

pub(crate) fn class(c: char) -> Class {
    if c.is_ascii() {
        match c {
            'A'..='Z' => Class::Upper,
            'a'..='z' => Class::Lower,
            '0'..='9' => Class::Digit,
            _ => Class::Other,
        }
    } else if c.is_alphanumeric() {
        if c.is_uppercase() {
            Class::Upper
        } else if c.is_lowercase() {
            Class::Lower
        } else if c.is_numeric() {
            Class::Digit
        } else {
            Class::Caseless
        }
    } else {
        Class::Other
    }
}

pub(crate) fn is_word_char(c: char) -> bool {
    class(c) != Class::Other
}

/// Whether an atom boundary lies between `prev` and `next`; `after` is the
/// character following `next` (needed for `HTTP|Server`).
pub(crate) fn is_boundary(prev: Option<char>, next: Option<char>, after: Option<char>) -> bool {
    use Class::*;
    let (Some(p), Some(n)) = (prev, next) else {
        return true;
    };
    match (class(p), class(n)) {
        (Other, _) | (_, Other) => true,
        (Lower, Upper) => true,
        (Digit, Upper | Lower | Caseless) | (Upper | Lower | Caseless, Digit) => true,
        (Caseless, Upper | Lower) | (Upper | Lower, Caseless) => true,
        (Upper, Upper) => after.is_some_and(|a| class(a) == Lower),
        _ => false,
    }
}

pub(crate) fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// Whether an atom starts at byte `at` (which must be a char boundary).
pub(crate) fn is_atom_start(text: &str, at: usize) -> bool {
    let mut rest = text[at..].chars();
    let next = rest.next();
    next.is_some_and(is_word_char) && is_boundary(char_before(text, at), next, rest.next())
}

/// End of the atom that starts at byte `start`.
pub(crate) fn atom_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    // Fast path: runs of ASCII lower-case letters never hold a boundary.
    let mut i = start;
    if i < bytes.len() && bytes[i].is_ascii_alphabetic() {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_lowercase() {
            i += 1;
        }
        if i >= bytes.len() || !bytes[i].is_ascii_alphanumeric() && bytes[i].is_ascii() {
            return i;
        }
        // Fall back to the general rule from the last lower-case letter.
        i -= 1;
    }
    let mut chars = text[i..].char_indices().map(|(o, c)| (i + o, c)).peekable();
    let mut last_end = i;
    while let Some((at, c)) = chars.next() {
        last_end = at + c.len_utf8();
        let mut look = chars.clone();
        let next = look.next().map(|(_, c)| c);
        let after = look.next().map(|(_, c)| c);
        if !is_word_char(c) {
            return at;
        }
        if is_boundary(Some(c), next, after) {
            return last_end;
        }
    }
    last_end
}

/// Splits a phrase such as "Prompt A/B test" or `ttftMs` into its atoms.
#[cfg(test)]
pub(crate) fn atoms(phrase: &str) -> Vec<&str> {
    atom_iter(phrase).collect()
}

/// The atoms of a phrase one by one, with no list allocated (pack loading
/// walks hundreds of thousands of phrases).
pub(crate) fn atom_iter(phrase: &str) -> impl Iterator<Item = &str> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < phrase.len() {
            let c = phrase[at..].chars().next().unwrap_or(' ');
            if is_word_char(c) && is_atom_start(phrase, at) {
                let start = at;
                at = atom_end(phrase, at);
                return Some(&phrase[start..at]);
            }
            at += c.len_utf8();
        }
        None
    })
}

/// What two phrases must share to be the same phrase to the matcher: their
/// atoms, ASCII lower-cased, joined by single spaces ("TTFT_ms" and "ttft
/// ms" are one phrase). Borrowed when the phrase is written that way
/// already, as most aliases are, so checking a big pack for clashes
/// allocates nothing per phrase.
pub(crate) fn phrase_key(phrase: &str) -> Cow<'_, str> {
    // While the phrase reads as its own key, `phrase[begin..end]` is the key
    // so far; at the first difference the key is written out instead.
    let (mut begin, mut end) = (None, 0);
    let mut owned: Option<String> = None;
    for atom in atom_iter(phrase) {
        if let Some(key) = owned.as_mut() {
            key.push(' ');
            key.extend(atom.chars().map(|c| c.to_ascii_lowercase()));
            continue;
        }
        let start = atom.as_ptr() as usize - phrase.as_ptr() as usize;
        let follows = match begin {
            None => true,
            Some(_) => start == end + 1 && phrase.as_bytes()[end] == b' ',
        };
        if follows && !atom.bytes().any(|b| b.is_ascii_uppercase()) {
            begin.get_or_insert(start);
            end = start + atom.len();
            continue;
        }
        let mut key = begin.map_or(String::new(), |b| phrase[b..end].to_string());
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(atom.chars().map(|c| c.to_ascii_lowercase()));
        owned = Some(key);
    }
    match owned {
        Some(key) => Cow::Owned(key),
        None => Cow::Borrowed(&phrase[begin.unwrap_or(0)..end]),
    }
}

/// The regular English plural of a lower-case word, for matching
/// "prompt registries" with the term "prompt registry".
pub(crate) fn plural(word: &str) -> Option<String> {
    if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let bytes = word.as_bytes();
    let last = bytes[bytes.len() - 1];
    let before = bytes[bytes.len() - 2];
    if word.ends_with("ch") || word.ends_with("sh") || matches!(last, b's' | b'x' | b'z') {
        Some(format!("{word}es"))
    } else if last == b'y' && !matches!(before, b'a' | b'e' | b'i' | b'o' | b'u') {
        Some(format!("{}ies", &word[..word.len() - 1]))
    } else {
        Some(format!("{word}s"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers_and_prose() {
        assert_eq!(atoms("prompt_registry"), ["prompt", "registry"]);
        assert_eq!(atoms("PromptRegistry"), ["Prompt", "Registry"]);
        assert_eq!(atoms("promptRegistry"), ["prompt", "Registry"]);
        assert_eq!(atoms("MODEL_ALIAS"), ["MODEL", "ALIAS"]);
        assert_eq!(atoms("ttft_ms"), ["ttft", "ms"]);
        assert_eq!(atoms("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(atoms("TTFTMs"), ["TTFT", "Ms"]);
        assert_eq!(atoms("Prompt A/B test"), ["Prompt", "A", "B", "test"]);
        assert_eq!(atoms("gpt4o"), ["gpt", "4", "o"]);
        assert_eq!(atoms("使用TTFT指标"), ["使用", "TTFT", "指标"]);
        assert_eq!(atoms("TTFTs"), ["TTF", "Ts"]);
        assert_eq!(atoms("  "), Vec::<&str>::new());
        assert_eq!(atoms("é-naïve"), ["é", "naïve"]);
    }

    #[test]
    fn phrase_keys_are_lower_cased_atoms_borrowed_when_possible() {
        for (phrase, key, borrowed) in [
            ("wombat term", "wombat term", true),
            ("w1x term", "w 1 x term", false),
            ("prompt registry", "prompt registry", true),
            ("  prompt registry ", "prompt registry", true),
            ("Prompt registry", "prompt registry", false),
            ("prompt_registry", "prompt registry", false),
            ("prompt  registry", "prompt registry", false),
            ("PromptRegistry", "prompt registry", false),
            ("TTFT", "ttft", false),
            ("gpt4o", "gpt 4 o", false),
            ("A/B test", "a b test", false),
            ("使用TTFT指标", "使用 ttft 指标", false),
            ("", "", true),
        ] {
            let got = phrase_key(phrase);
            assert_eq!(got, key, "{phrase:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{phrase:?}");
            let by_list: Vec<String> = atoms(phrase)
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect();
            assert_eq!(got, by_list.join(" "), "{phrase:?}");
        }
    }

    #[test]
    fn plurals_follow_english_spelling() {
        assert_eq!(plural("registry").as_deref(), Some("registries"));
        assert_eq!(plural("alias").as_deref(), Some("aliases"));
        assert_eq!(plural("test").as_deref(), Some("tests"));
        assert_eq!(plural("day").as_deref(), Some("days"));
        assert_eq!(plural("cache").as_deref(), Some("caches"));
        assert_eq!(plural("ab"), None);
    }
}
