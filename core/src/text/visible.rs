//! Characters that change how text looks without being seen: bidirectional
//! overrides and isolates (which can make a definition read differently from
//! what it says, the "Trojan Source" trick) and zero-width characters (which
//! hide content), and the other control characters but tab and line breaks
//! (ESC starts terminal escape sequences: `scan` output could retitle or
//! recolour a terminal). Pack text comes from any cloned repository, so these
//! are shown as a visible `⟨U+202E⟩` marker wherever pack text reaches people.

use std::borrow::Cow;

/// Whether `c` is a direction control, an invisible zero-width character
/// or a control character other than tab, line feed and carriage return.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' // C0 controls, ESC among them
            | '\u{7F}'..='\u{9F}' // DEL and the C1 controls
            | '\u{061C}'               // Arabic letter mark
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner, LRM, RLM
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{FEFF}' // zero-width no-break space (BOM)
    )
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
}
