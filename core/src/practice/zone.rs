//! Which part of a line an offset is in: code, a string literal or a
//! comment. One line alone is read (a practice looks at one line), so a
//! line inside a multi-line string or block comment reads as code unless it
//! starts like a comment line (`*` in a block comment); rules that must not
//! fire there say so in their pattern.

/// The part of a line a match starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Code,
    String,
    Comment,
}

/// How comments start in a language.
#[derive(Clone, Copy)]
struct Syntax {
    /// `#` starts a comment.
    hash: bool,
    /// `//` and `/* */` are comments.
    slash: bool,
    /// `--` starts a comment.
    dashes: bool,
    /// Backquotes delimit strings (JavaScript templates, Go raw strings).
    backquote: bool,
}

fn syntax(language: &str) -> Syntax {
    let hash = matches!(
        language,
        "python"
            | "ruby"
            | "shellscript"
            | "sh"
            | "bash"
            | "zsh"
            | "perl"
            | "r"
            | "yaml"
            | "toml"
            | "dockerfile"
            | "makefile"
            | "elixir"
            | "julia"
            | "nix"
            | "php"
            | "powershell"
    );
    let dashes = matches!(language, "sql" | "lua" | "haskell" | "ada");
    let slash = !hash && !dashes || language == "php";
    Syntax {
        hash,
        slash,
        dashes,
        backquote: matches!(
            language,
            "javascript"
                | "typescript"
                | "javascriptreact"
                | "typescriptreact"
                | "go"
                | "vue"
                | "svelte"
        ),
    }
}

/// The zone of each offset in `starts` (sorted, ascending) on `line`, in
/// one walk of the line up to the last offset.
pub fn zones(line: &str, starts: &[usize], language: &str) -> Vec<Zone> {
    let syntax = syntax(language);
    let bytes = line.as_bytes();
    let mut out = Vec::with_capacity(starts.len());
    let trimmed = line.trim_start();
    if syntax.slash && trimmed.starts_with('*') && !trimmed.starts_with("*/") {
        // A line inside a block comment.
        out.resize(starts.len(), Zone::Comment);
        return out;
    }
    let mut zone = Zone::Code;
    let mut quote = 0u8;
    let mut i = 0;
    let mut next = 0;
    while i < bytes.len() && next < starts.len() {
        let b = bytes[i];
        let mut advance = 1;
        let mut closes = false;
        // An opening quote or comment marker belongs to what it opens; a
        // closing one to what it closes.
        match zone {
            Zone::Code => {
                if b == b'"' || b == b'\'' || (b == b'`' && syntax.backquote) {
                    zone = Zone::String;
                    quote = b;
                } else if (syntax.hash && b == b'#')
                    || (syntax.dashes && b == b'-' && bytes.get(i + 1) == Some(&b'-'))
                    || (syntax.slash && b == b'/' && bytes.get(i + 1) == Some(&b'/'))
                {
                    zone = Zone::Comment;
                    quote = 0;
                } else if syntax.slash && b == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    zone = Zone::Comment;
                    quote = b'*';
                    advance = 2;
                }
            }
            Zone::String => {
                if b == b'\\' {
                    advance = 2;
                } else if b == quote {
                    closes = true;
                }
            }
            Zone::Comment => {
                if quote == b'*' && b == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    closes = true;
                    advance = 2;
                }
            }
        }
        while next < starts.len() && starts[next] < i + advance {
            out.push(zone);
            next += 1;
        }
        if closes {
            zone = Zone::Code;
            quote = 0;
        }
        i += advance;
    }
    out.resize(starts.len(), zone);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: &str, needle: &str, language: &str) -> Zone {
        let i = line.find(needle).unwrap();
        zones(line, &[i], language)[0]
    }

    #[test]
    fn code_strings_and_comments_are_told_apart() {
        let py = r#"m = "gpt-4o" # gpt-4o note"#;
        assert_eq!(at(py, "m =", "python"), Zone::Code);
        // The opening quote itself is where a string match starts.
        assert_eq!(
            zones(py, &[4, 5, 15], "python"),
            [Zone::String, Zone::String, Zone::Comment]
        );
        let ts = "const a = `x ${b}`; // OpenAI()";
        assert_eq!(at(ts, "x $", "typescript"), Zone::String);
        assert_eq!(at(ts, "OpenAI", "typescript"), Zone::Comment);
        assert_eq!(at(" * new OpenAI()", "new", "typescript"), Zone::Comment);
        assert_eq!(
            at("a = /* c */ OpenAI()", "OpenAI", "typescript"),
            Zone::Code
        );
        assert_eq!(at(r#"s = "a\"b # c" + d"#, "d", "python"), Zone::Code);
        // `#` is not a comment in TypeScript (private fields).
        assert_eq!(
            at("this.#client = new OpenAI()", "new", "typescript"),
            Zone::Code
        );
    }

    #[test]
    fn starts_past_the_end_of_the_walk_keep_the_last_zone() {
        assert_eq!(zones("x # y", &[2, 4, 4], "python"), [Zone::Comment; 3]);
        assert_eq!(zones("", &[0], "python"), [Zone::Code]);
    }
}
