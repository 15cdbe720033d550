//! `[[practice]]` entries of a pack: parsed, checked (pattern compiled
//! under a size limit, every example run) and built into
//! [`Practice`](crate::practice::Practice)s. Errors name the path, line,
//! column and field, like every other pack error.

use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;

use super::{Checker, Owner, Pack, Reference, ReferenceKind, prose, trimmed};
use crate::content::limits;
use crate::practice::{Look, MAX_PACK_SET_BYTES, MAX_REGEX_BYTES, Practice, PracticeSeverity};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPractice {
    id: Spanned<String>,
    name: Spanned<String>,
    pattern: Spanned<String>,
    #[serde(default)]
    languages: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    look_in: Option<Spanned<Vec<Spanned<String>>>>,
    message: Spanned<String>,
    term: Spanned<String>,
    #[serde(default)]
    exercise: Option<Spanned<String>>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
    #[serde(default)]
    examples: Option<Spanned<RawExamples>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(default, rename = "match")]
    matches: Vec<Spanned<String>>,
    #[serde(default)]
    no_match: Vec<Spanned<String>>,
}

/// Compiles a practice pattern with the pack's size limit: at load, and
/// when the built-in course's compiled form is read back.
pub(crate) fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX_BYTES)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "the pattern compiles to more than {limit} bytes; make it simpler (fewer or smaller repetitions)"
            ),
            other => other.to_string().replace('\n', " "),
        })
}

fn look(list: &Option<Spanned<Vec<Spanned<String>>>>) -> Look {
    match list {
        None => Look::default(),
        Some(list) => {
            let has = |name: &str| list.get_ref().iter().any(|v| v.get_ref() == name);
            Look {
                code: has("code"),
                strings: has("strings"),
                comments: has("comments"),
            }
        }
    }
}

impl Checker<'_> {
    /// Checks every `[[practice]]`: fields, caps, the pattern and the
    /// examples. A rule whose pattern does not compile is not run.
    pub(super) fn practices(&mut self, practices: &[Spanned<RawPractice>]) {
        self.list("pack", "practice", practices, limits::MAX_PRACTICES);
        let errors_before = self.errors.len();
        self.each_practice(practices);
        // The rules together, as they will run: one set, within its cap.
        if self.errors.len() == errors_before
            && let Some(first) = practices.first()
            && practices.len() <= limits::MAX_PRACTICES
        {
            let set = regex::RegexSetBuilder::new(
                practices
                    .iter()
                    .map(|p| p.get_ref().pattern.get_ref().as_str()),
            )
            .size_limit(MAX_PACK_SET_BYTES)
            .build();
            if set.is_err() {
                self.error(
                    first.get_ref().id.span(),
                    format!(
                        "pack: its {} practices together compile to more than {} KiB; use fewer or simpler patterns (every line of every open file goes through them)",
                        practices.len(),
                        MAX_PACK_SET_BYTES / 1024
                    ),
                );
            }
        }
    }

    fn each_practice(&mut self, practices: &[Spanned<RawPractice>]) {
        let mut seen = FxHashMap::default();
        for raw in practices.iter().take(limits::MAX_PRACTICES) {
            let raw = raw.get_ref();
            let owner = Owner("practice", raw.id.get_ref());
            self.id("practice", &raw.id);
            self.seen("practice", &raw.id, &mut seen);
            self.length(owner, "name", &raw.name, limits::MAX_NAME_CHARS);
            self.text(owner, "name", &raw.name);
            if self.length(
                owner,
                "message",
                &raw.message,
                limits::MAX_PRACTICE_MESSAGE_CHARS,
            ) {
                self.text(owner, "message", &raw.message);
            }
            if let Some(severity) = &raw.severity
                && PracticeSeverity::parse(severity.get_ref()).is_none()
            {
                self.error(
                    severity.span(),
                    format!(
                        "{owner}: field `severity` is {:?}; it must be \"hint\", \"information\" or \"warning\"",
                        severity.get_ref()
                    ),
                );
            }
            if let Some(languages) = &raw.languages {
                self.list(
                    owner,
                    "languages",
                    languages.get_ref(),
                    limits::MAX_LIST_ENTRIES,
                );
                for language in languages.get_ref() {
                    let l = language.get_ref();
                    if l.is_empty()
                        || l.len() > limits::MAX_LANGUAGE_CHARS
                        || !l.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#')
                        })
                    {
                        self.error(
                            language.span(),
                            format!(
                                "{owner}: field `languages`: {l:?} is not a language id (such as \"python\" or \"typescript\")"
                            ),
                        );
                    }
                }
            }
            if let Some(list) = &raw.look_in {
                for value in list.get_ref() {
                    if !Look::NAMES.contains(&value.get_ref().as_str()) {
                        self.error(
                            value.span(),
                            format!(
                                "{owner}: field `look_in`: {:?} must be \"code\", \"strings\" or \"comments\"",
                                value.get_ref()
                            ),
                        );
                    }
                }
                if list.get_ref().is_empty() {
                    self.error(
                        list.span(),
                        format!("{owner}: field `look_in` is empty; leave it out to look in code and strings"),
                    );
                }
            }
            let pattern = raw.pattern.get_ref();
            if pattern.is_empty() {
                self.error(
                    raw.pattern.span(),
                    format!("{owner}: field `pattern` must not be empty"),
                );
                continue;
            }
            if !self.length(owner, "pattern", &raw.pattern, limits::MAX_PATTERN_CHARS) {
                continue;
            }
            let regex = match compile(pattern) {
                Ok(regex) => regex,
                Err(reason) => {
                    self.error(
                        raw.pattern.span(),
                        format!("{owner}: field `pattern`: {reason}"),
                    );
                    continue;
                }
            };
            if regex.is_match("") {
                self.error(
                    raw.pattern.span(),
                    format!(
                        "{owner}: field `pattern` matches empty text, so it would flag every line"
                    ),
                );
                continue;
            }
            let Some(examples) = &raw.examples else {
                continue;
            };
            let examples = examples.get_ref();
            let all = examples.matches.len() + examples.no_match.len();
            if all > limits::MAX_PRACTICE_EXAMPLES {
                self.error(
                    raw.id.span(),
                    format!(
                        "{owner}: field `examples` has {all} snippets; at most {} are allowed",
                        limits::MAX_PRACTICE_EXAMPLES
                    ),
                );
                continue;
            }
            let mut too_long = false;
            for example in examples.matches.iter().chain(&examples.no_match) {
                too_long |= !self.length(owner, "examples", example, limits::MAX_SNIPPET_CHARS);
            }
            if too_long {
                continue;
            }
            // Run the rule as it will run: same pattern, languages and zones.
            let practice = Practice {
                id: String::new(),
                name: String::new(),
                pattern: String::new(),
                compiled: regex.into(),
                languages: raw
                    .languages
                    .as_ref()
                    .map(|l| l.get_ref().iter().map(|v| v.get_ref().clone()).collect())
                    .unwrap_or_default(),
                look: look(&raw.look_in),
                message: String::new(),
                term: String::new(),
                exercise: None,
                severity: PracticeSeverity::Hint,
                examples_match: examples
                    .matches
                    .iter()
                    .map(|e| e.get_ref().clone())
                    .collect(),
                examples_no_match: examples
                    .no_match
                    .iter()
                    .map(|e| e.get_ref().clone())
                    .collect(),
                origin: Default::default(),
            };
            for (should, i) in practice.failing_examples() {
                let (field, example) = if should {
                    ("examples.match", &examples.matches[i])
                } else {
                    ("examples.no_match", &examples.no_match[i])
                };
                let verdict = if should {
                    "is not flagged by `pattern`, but it is listed as a match"
                } else {
                    "is flagged by `pattern`, but it is listed as not a match"
                };
                self.error(
                    example.span(),
                    format!(
                        "{owner}: field `{field}`: example {} {verdict} (checked as {} {})",
                        i + 1,
                        practice.example_language(),
                        match (
                            practice.look.code,
                            practice.look.strings,
                            practice.look.comments
                        ) {
                            (true, true, false) => "code and strings",
                            (true, false, false) => "code",
                            _ => "text in `look_in`",
                        }
                    ),
                );
            }
        }
    }
}

impl Pack {
    /// Builds the checked practices, recording their references.
    pub(super) fn build_practices(&mut self, check: &Checker, raw: Vec<Spanned<RawPractice>>) {
        for raw in raw {
            let raw = raw.into_inner();
            let origin = check.origin(&raw.id.span());
            let id = raw.id.into_inner();
            let owner = Owner("practice", &id).to_string();
            self.references.push(Reference {
                kind: ReferenceKind::Term,
                target: raw.term.get_ref().clone(),
                field: "term",
                owner: owner.clone(),
                range: raw.term.span(),
            });
            if let Some(exercise) = &raw.exercise {
                self.references.push(Reference {
                    kind: ReferenceKind::Exercise,
                    target: exercise.get_ref().clone(),
                    field: "exercise",
                    owner,
                    range: exercise.span(),
                });
            }
            let pattern = raw.pattern.into_inner();
            // Checked to compile in the first pass.
            let Ok(regex) = compile(&pattern) else {
                continue;
            };
            let look = look(&raw.look_in);
            let (examples_match, examples_no_match) = match raw.examples {
                Some(e) => {
                    let e = e.into_inner();
                    (
                        e.matches.into_iter().map(Spanned::into_inner).collect(),
                        e.no_match.into_iter().map(Spanned::into_inner).collect(),
                    )
                }
                None => (Vec::new(), Vec::new()),
            };
            self.practices.push(Practice {
                name: prose(raw.name),
                pattern,
                compiled: regex.into(),
                languages: raw
                    .languages
                    .map(|l| {
                        l.into_inner()
                            .into_iter()
                            .map(|v| trimmed(v.into_inner()))
                            .collect()
                    })
                    .unwrap_or_default(),
                look,
                message: prose(raw.message),
                term: raw.term.into_inner(),
                exercise: raw.exercise.map(Spanned::into_inner),
                severity: raw
                    .severity
                    .and_then(|s| PracticeSeverity::parse(s.get_ref()))
                    .unwrap_or_default(),
                examples_match,
                examples_no_match,
                origin,
                id,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::content::{Pack, Scope};

    const TERM: &str = "[[term]]\nid = \"gw\"\nname = \"Acme gateway\"\ndefinition = \"d\"\n\n";

    fn errors(practice: &str) -> Vec<String> {
        let source = format!("{TERM}[[practice]]\n{practice}");
        match Pack::parse("team.toml", Scope::Workspace, &source) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_good_rule_loads_with_its_defaults() {
        let source = format!(
            "{TERM}[[practice]]\nid = \"direct-openai\"\nname = \"n\"\npattern = '''\\bOpenAI\\('''\nmessage = \"m\"\nterm = \"gw\"\n"
        );
        let pack = Pack::parse("team.toml", Scope::Workspace, &source).unwrap();
        let rule = &pack.practices[0];
        assert!(
            rule.languages.is_empty() && rule.look.code && rule.look.strings && !rule.look.comments
        );
        assert_eq!(rule.origin.line, 6);
    }

    #[test]
    fn a_bad_pattern_and_failing_examples_are_located() {
        let bad = errors(
            "id = \"x\"\nname = \"n\"\npattern = '''(unclosed'''\nmessage = \"m\"\nterm = \"gw\"\n",
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            bad[0].starts_with("team.toml:9:11: practice `x`: field `pattern`:"),
            "{bad:?}"
        );

        let examples = errors(
            "id = \"x\"\nname = \"n\"\npattern = '''\\bOpenAI\\(\\)'''\nmessage = \"m\"\nterm = \"gw\"\n\
             examples.match = ['''client = OpenAI(timeout=5)''']\n\
             examples.no_match = ['''x = 1''', '''c = OpenAI()''']\n",
        );
        assert_eq!(examples.len(), 2, "{examples:?}");
        assert!(
            examples[0].starts_with(
                "team.toml:12:19: practice `x`: field `examples.match`: example 1 is not flagged"
            ),
            "{examples:?}"
        );
        assert!(
            examples[1].starts_with(
                "team.toml:13:35: practice `x`: field `examples.no_match`: example 2 is flagged"
            ),
            "{examples:?}"
        );
    }

    #[test]
    fn caps_and_bad_values_are_errors_at_the_field() {
        let long = "a".repeat(1_001);
        let found = errors(&format!(
            "id = \"x\"\nname = \"n\"\npattern = '''{long}'''\nmessage = \"m\"\nterm = \"gw\"\nseverity = \"loud\"\nlook_in = [\"docs\"]\n"
        ));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found
                .iter()
                .any(|e| e.contains("field `pattern` is 1001 characters long"))
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("field `severity` is \"loud\""))
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("field `look_in`: \"docs\""))
        );
        let big = errors(
            "id = \"x\"\nname = \"n\"\npattern = '''\\w{500}\\w{500}'''\nmessage = \"m\"\nterm = \"gw\"\n",
        );
        assert!(big[0].contains("compiles to more than"), "{big:?}");
        let empty = errors(
            "id = \"x\"\nname = \"n\"\npattern = '''a*'''\nmessage = \"m\"\nterm = \"gw\"\n",
        );
        assert!(empty[0].contains("matches empty text"), "{empty:?}");
    }
}
