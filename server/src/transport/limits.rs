//! What a message may cost before it is parsed.
//!
//! A parsed JSON value costs far more than its text when the values are
//! tiny: `[0,0,0,…]` takes 2 bytes a value on the wire and about 32 in a
//! `serde_json::Value` (a 25 MB message of them took 0.8 GiB). So besides
//! the framer's size bound, a body's values are counted (one pass, no
//! allocation) and a body with more than [`MAX_VALUES`] is refused unparsed.
//! Documents are single strings and cost one value however long they are.

/// Most JSON values one message may hold: a million values cost about
/// 32 MB once parsed, and no message an editor sends comes near it (a
/// `didChange` of 10,000 edits holds about 100,000).
pub const MAX_VALUES: usize = 1_000_000;

/// Whether `body` holds at most `limit` JSON values, counted as the
/// separators and openers outside strings (`,` `[` `{` `:`). A lower bound
/// of the true count that is within a factor of two of it.
pub fn within_values(body: &[u8], limit: usize) -> bool {
    let mut count = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                // Jump to the end of the string, over escapes.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &body[i.min(body.len())..]) {
                        Some(k) if body[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => return count <= limit,
                    }
                }
                continue;
            }
            b',' | b'[' | b'{' => {
                count += 1;
                if count > limit {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// The request id at the top level of a message's first bytes, if it can be
/// read there and may be repeated (see `echo::id_is_acceptable`): what a
/// refusal of a message too large to parse answers to.
pub fn id_in_head(head: &[u8]) -> Option<serde_json::Value> {
    let mut at = skip_space(head, 0);
    if head.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    loop {
        at = skip_space(head, at);
        let key_end = string_end(head, at)?;
        let key = &head[at..key_end];
        at = skip_space(head, key_end);
        if head.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(head, at + 1);
        let value_end = value_end(head, at)?;
        if key == b"\"id\"" {
            let id: serde_json::Value = serde_json::from_slice(&head[at..value_end]).ok()?;
            return crate::echo::id_is_acceptable(&id).then_some(id);
        }
        at = skip_space(head, value_end);
        if head.get(at) != Some(&b',') {
            return None;
        }
        at += 1;
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The index after the string starting at `at`, if it ends in `bytes`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match *bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index after the value starting at `at`, if it ends in `bytes`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) == Some(&b'"') {
        return string_end(bytes, at);
    }
    let mut depth = 0usize;
    let mut i = at;
    loop {
        match *bytes.get(i)? {
            b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => depth -= 1,
            b',' | b'}' | b']' if depth == 0 => return Some(i),
            c if depth == 0 && c.is_ascii_whitespace() => return Some(i),
            _ => {}
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert!(within_values(br#"{"a":[1,2,3]}"#, 4));
        assert!(!within_values(br#"{"a":[1,2,3]}"#, 3));
        let text = format!(r#"{{"text":"{}"}}"#, ",[{\\\"".repeat(1000));
        assert!(within_values(text.as_bytes(), 1));
        let tiny = format!("[{}0]", "0,".repeat(2_000_000));
        assert!(!within_values(tiny.as_bytes(), MAX_VALUES));
    }

    #[test]
    fn the_id_is_found_at_the_top_level_of_a_head() {
        let id = |s: &str| id_in_head(s.as_bytes());
        assert_eq!(
            id(r#"{"jsonrpc":"2.0","id":7,"method":"x","params":[0,0"#),
            Some(json!(7))
        );
        assert_eq!(
            id(r#"{"params":{"id":1,"x":[{"id":2}]},"id":"a\"b","method"#),
            Some(json!("a\"b"))
        );
        // Only in params, or cut off before it ends: no id.
        assert_eq!(id(r#"{"method":"x","params":{"id":1,"text":"abc"#), None);
        assert_eq!(id(r#"{"jsonrpc":"2.0","id":"iiiiiii"#), None);
        // Too long to repeat: no id.
        let long = format!(r#"{{"id":"{}","method":"x"}}"#, "i".repeat(300));
        assert_eq!(id(&long), None);
    }
}
