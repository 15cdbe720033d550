//! Characters that change how text looks without being seen: bidirectional
//! overrides and isolates (which can make a definition read differently from
//! what it says, the "Trojan Source" trick), zero-width and tag characters
//! (which hide content), line and paragraph separators (which break a line
//! where none is seen), and the other control characters but tab and line
//! breaks (ESC starts terminal escape sequences: `scan` output could retitle
//! a terminal or write its clipboard). Pack text and file names come from
//! any cloned repository, so these are shown as a visible `⟨U+202E⟩` marker
//! wherever pack text reaches an editor, and quoted as `\u{202E}` wherever
//! text reaches a terminal ([`quote_for_terminal`]).

use std::borrow::Cow;

/// Whether `c` is a direction control, an invisible zero-width, tag or
/// annotation character, a line or paragraph separator, or a control
/// character other than tab, line feed and carriage return.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' // C0 controls, ESC among them
            | '\u{7F}'..='\u{9F}' // DEL and the C1 controls (U+0085 next line, U+009B CSI)
            | '\u{061C}'               // Arabic letter mark
            | '\u{180E}'               // Mongolian vowel separator (zero-width)
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner, LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{FEFF}' // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation anchors
            | '\u{E0000}'..='\u{E007F}' // tag characters (invisible ASCII)
    )
}

/// Whether `c` must not reach a terminal raw: an
/// [invisible control](is_invisible_control), or a tab or line break (which
/// would split one finding over lines or forge a `path:line:col:` record).
pub fn is_terminal_hazard(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || is_invisible_control(c)
}

/// `text` with every [invisible control](is_invisible_control) replaced by a
/// visible marker naming it, such as `⟨U+202E⟩`. Borrows when there is none.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_invisible_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_invisible_control(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` as it may reach a terminal: every [hazard](is_terminal_hazard),
/// tab and line breaks included, written as `\u{…}` with its code point in
/// hex (the escape Rust and JavaScript use), so one record stays one line
/// and no escape sequence reaches the terminal. Borrows when there is none.
/// It is a display form: a backslash already in the text is left as it is
/// (tools that need the exact text read `--format json`).
pub fn quote_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_terminal_hazard(c) {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_zero_width_characters_become_visible() {
        assert_eq!(
            visible_controls("ok\u{202E}gnp.exe\u{200B}!"),
            "ok⟨U+202E⟩gnp.exe⟨U+200B⟩!"
        );
        assert!(matches!(visible_controls("plain café"), Cow::Borrowed(_)));
        assert_eq!(
            visible_controls("a\u{1b}]0;PWNED\u{7}b\u{9b}c"),
            "a⟨U+001B⟩]0;PWNED⟨U+0007⟩b⟨U+009B⟩c"
        );
        assert!(matches!(
            visible_controls("tab\tand\r\nlines"),
            Cow::Borrowed(_)
        ));
    }

    /// The hostile code points, listed here from the Unicode charts rather
    /// than taken from the predicate under test.
    const HOSTILE: &[u32] = &[
        0x00, 0x07, 0x08, 0x0B, 0x0C, 0x0E, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9B, 0x9F, 0x061C,
        0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C,
        0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069,
        0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB, 0xE0000, 0xE0001, 0xE0041, 0xE007F,
    ];

    #[test]
    fn every_hostile_code_point_is_caught_and_ordinary_text_is_not() {
        for &cp in HOSTILE {
            let c = char::from_u32(cp).expect("a scalar value");
            assert!(is_invisible_control(c), "U+{cp:04X}");
        }
        for c in "plain café 日本語 — “quotes” ✓ 😀 \u{A0}".chars() {
            assert!(!is_invisible_control(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn terminal_quoting_keeps_one_line_and_no_escape_sequence() {
        assert_eq!(
            quote_for_terminal("a\nb\rc\td\u{1b}]52;c;x\u{7}\u{2028}\u{E0041}"),
            "a\\u{A}b\\u{D}c\\u{9}d\\u{1B}]52;c;x\\u{7}\\u{2028}\\u{E0041}"
        );
        assert!(matches!(
            quote_for_terminal("plain café/path.md"),
            Cow::Borrowed(_)
        ));
        for &cp in HOSTILE.iter().chain(&[0x09, 0x0A, 0x0D]) {
            let c = char::from_u32(cp).expect("a scalar value");
            let text = format!("x{c}y");
            let quoted = quote_for_terminal(&text);
            assert!(
                quoted
                    .chars()
                    .all(|q| q == 'x' || q == 'y' || q.is_ascii_graphic()),
                "{quoted}"
            );
        }
    }
}
