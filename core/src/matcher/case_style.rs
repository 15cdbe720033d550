//! Writing a phrase in the case style of a spot: `prompt_store` becomes
//! `prompt_registry`, `promptStore` `promptRegistry`, "Prompt store"
//! "Prompt registry". The quick fix for an avoided phrase uses it, and so
//! does the completion of term names in code.

use super::words::atom_iter;

/// How a spot joins and cases its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseStyle {
    /// Words as a person writes them; `capital`: the first letter upper.
    Prose {
        capital: bool,
        upper: bool,
    },
    Snake,
    ScreamingSnake,
    Kebab,
    Camel,
    Pascal,
}

impl CaseStyle {
    /// The style of `text`, a phrase as found or an identifier around the
    /// cursor.
    pub fn of(text: &str) -> CaseStyle {
        let letters = || text.chars().filter(|c| c.is_alphabetic());
        let has_lower = letters().any(char::is_lowercase);
        let has_upper = letters().any(char::is_uppercase);
        let first_upper = letters().next().is_some_and(char::is_uppercase);
        if text.chars().any(char::is_whitespace) {
            return CaseStyle::Prose {
                capital: first_upper,
                upper: has_upper && !has_lower,
            };
        }
        if text.contains('_') {
            return if has_upper && !has_lower {
                CaseStyle::ScreamingSnake
            } else {
                CaseStyle::Snake
            };
        }
        if text.contains('-') {
            return CaseStyle::Kebab;
        }
        let inner_upper = text.chars().skip(1).any(char::is_uppercase);
        match (first_upper, has_lower, inner_upper) {
            (false, _, true) => CaseStyle::Camel,
            (true, true, true) => CaseStyle::Pascal,
            (true, false, _) => CaseStyle::Prose {
                capital: true,
                upper: true,
            },
            _ => CaseStyle::Prose {
                capital: first_upper,
                upper: false,
            },
        }
    }

    /// Whether the style writes a phrase as one identifier.
    pub fn is_identifier(self) -> bool {
        !matches!(self, CaseStyle::Prose { .. })
    }

    /// `phrase` (a term's name as written in its pack) in this style.
    pub fn apply(self, phrase: &str) -> String {
        let atoms: Vec<&str> = atom_iter(phrase).collect();
        let join = |sep: &str, f: &dyn Fn(usize, &str) -> String| -> String {
            atoms
                .iter()
                .enumerate()
                .map(|(i, a)| f(i, a))
                .collect::<Vec<_>>()
                .join(sep)
        };
        let lower = |_: usize, a: &str| a.to_lowercase();
        let upper = |_: usize, a: &str| a.to_uppercase();
        let title = |_: usize, a: &str| capitalize(&a.to_lowercase());
        match self {
            CaseStyle::Prose { upper: true, .. } => phrase.to_uppercase(),
            CaseStyle::Prose { capital: true, .. } => capitalize(phrase),
            CaseStyle::Prose { .. } => phrase.to_string(),
            CaseStyle::Snake => join("_", &lower),
            CaseStyle::ScreamingSnake => join("_", &upper),
            CaseStyle::Kebab => join("-", &lower),
            CaseStyle::Pascal => join("", &title),
            CaseStyle::Camel => join("", &|i, a| {
                if i == 0 {
                    a.to_lowercase()
                } else {
                    title(i, a)
                }
            }),
        }
    }
}

/// `text` with its first character in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `preferred` written as `found` was: the replacement for an avoided
/// phrase.
pub fn in_style_of(found: &str, preferred: &str) -> String {
    CaseStyle::of(found).apply(preferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_phrase_takes_the_style_of_the_spot() {
        for (found, expected) in [
            ("prompt store", "prompt registry"),
            ("Prompt store", "Prompt registry"),
            ("PROMPT STORE", "PROMPT REGISTRY"),
            ("prompt_store", "prompt_registry"),
            ("PROMPT_STORE", "PROMPT_REGISTRY"),
            ("prompt-store", "prompt-registry"),
            ("promptStore", "promptRegistry"),
            ("PromptStore", "PromptRegistry"),
            ("promptdb", "prompt registry"),
            ("PDB", "PROMPT REGISTRY"),
        ] {
            assert_eq!(in_style_of(found, "prompt registry"), expected, "{found}");
        }
        assert_eq!(
            in_style_of("ttftMs", "time to first token"),
            "timeToFirstToken"
        );
        assert_eq!(CaseStyle::of("my_var"), CaseStyle::Snake);
        assert!(!CaseStyle::of("a sentence").is_identifier());
    }
}
