//! What an error may say back of what it was sent. A request id, a method
//! name or a parameter can be megabytes long (serde's messages quote the
//! value they could not take; tower-lsp-server puts an unknown method's name
//! in `data`): echoed whole, a 10 MB id costs 10 MB more per answer, and a
//! client's log fills with it. So every error message and `data` leaves the
//! server cut to [`MAX_ECHO_CHARS`], with the cut said, and a request whose
//! id is not a number or a short string is refused without running.

use std::borrow::Cow;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Response};

/// Longest error message or `data` text sent, in characters (the cut note
/// comes on top).
pub const MAX_ECHO_CHARS: usize = 200;

/// Longest request id accepted, in characters. Clients use small numbers or
/// short strings; JSON-RPC allows any string, and the answer must repeat it.
pub const MAX_ID_CHARS: usize = 256;

/// `text` cut to [`MAX_ECHO_CHARS`] characters, saying how long it was.
pub fn cut(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!(
            "{}… (cut: {} characters in all)",
            &text[..end],
            text.chars().count()
        )),
    }
}

/// Whether `id` may be repeated in an answer: absent (a notification), a
/// number, or a string of at most [`MAX_ID_CHARS`] characters.
pub fn id_is_acceptable(id: &Value) -> bool {
    match id {
        Value::Null | Value::Number(_) => true,
        Value::String(s) => s.len() <= MAX_ID_CHARS || s.chars().count() <= MAX_ID_CHARS,
        _ => false,
    }
}

/// The answer to a request whose id is not [acceptable](id_is_acceptable):
/// JSON-RPC's "invalid request", with a null id (the id cannot be used).
pub fn id_refused() -> String {
    format!(
        "invalid request: the id must be a number or a string of at most {MAX_ID_CHARS} characters"
    )
}

/// Longest `data` that is not a string, in characters of JSON (ours: the
/// list of known commands); longer, it is replaced by its cut JSON text.
pub const MAX_DATA_CHARS: usize = 1_000;

/// `error` with its message and `data` cut (data that is not a string is
/// kept when its JSON is within [`MAX_DATA_CHARS`]).
pub fn bounded_error(mut error: Error) -> Error {
    if let Cow::Owned(message) = cut(&error.message) {
        error.message = message.into();
    }
    error.data = match error.data.take() {
        Some(Value::String(s)) => Some(Value::String(cut(&s).into_owned())),
        Some(other) => {
            let json = other.to_string();
            if json.chars().count() <= MAX_DATA_CHARS {
                Some(other)
            } else {
                Some(Value::String(cut(&json).into_owned()))
            }
        }
        None => None,
    };
    error
}

/// `response` with its error, if any, [bounded](bounded_error).
pub fn bounded_response(response: Response) -> Response {
    match response.into_parts() {
        (id, Err(error)) => Response::from_parts(id, Err(bounded_error(error))),
        (id, ok) => Response::from_parts(id, ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_a_note_and_short_text_kept() {
        assert!(matches!(cut("short"), Cow::Borrowed("short")));
        let long = "é".repeat(10_000);
        let shown = cut(&long);
        assert!(shown.starts_with(&"é".repeat(MAX_ECHO_CHARS)), "{shown}");
        assert!(
            shown.ends_with("… (cut: 10000 characters in all)"),
            "{shown}"
        );
        assert!(shown.chars().count() < MAX_ECHO_CHARS + 40);
    }

    #[test]
    fn errors_keep_short_data_and_cut_long_data() {
        let mut error = Error::invalid_params("x".repeat(5_000));
        error.data = Some(serde_json::json!({"small": 1}));
        let error = bounded_error(error);
        assert!(error.message.len() < 300);
        assert_eq!(error.data, Some(serde_json::json!({"small": 1})));
        let mut error = Error::method_not_found();
        error.data = Some(Value::String("m".repeat(1_000_000)));
        let data = bounded_error(error).data.expect("data");
        assert!(data.as_str().is_some_and(|d| d.len() < 300), "{data}");
    }

    #[test]
    fn ids_are_numbers_or_short_strings() {
        assert!(id_is_acceptable(&Value::Null));
        assert!(id_is_acceptable(&serde_json::json!(7)));
        assert!(id_is_acceptable(&serde_json::json!("abc")));
        assert!(!id_is_acceptable(&Value::String(
            "i".repeat(MAX_ID_CHARS + 1)
        )));
        assert!(!id_is_acceptable(&serde_json::json!([1])));
        assert!(!id_is_acceptable(&serde_json::json!({"a": 1})));
    }
}
