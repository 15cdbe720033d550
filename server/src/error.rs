//! Errors a request can end with, and the JSON-RPC error each becomes.

use llmops_core::course::CourseError;
use tower_lsp_server::jsonrpc;

#[derive(Debug)]
pub enum ServerError {
    /// The arguments do not have the documented shape.
    Usage {
        command: String,
        usage: &'static str,
    },
    /// An argument field has the wrong type (the text names the field).
    BadArgument(String),
    /// An exercise, term or choice that the content does not have.
    Course(CourseError),
    UnknownCommand(String),
    /// A command name or argument over its bound (the text says which).
    TooLarge(String),
    /// The request cannot be done as asked (a pack that already exists).
    Refused(String),
    /// A bug on our side (a result that could not be serialized).
    Internal(String),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Usage { command, usage } => {
                write!(f, "{command} expects arguments {usage}")
            }
            ServerError::BadArgument(why) => f.write_str(why),
            ServerError::Course(e) => write!(f, "{e}"),
            // The known ones go in the error's `data`, so the message stays
            // within the length every error is cut to (`echo`).
            ServerError::UnknownCommand(name) => write!(
                f,
                "unknown command `{}`; the known ones are in this error's data",
                crate::echo::cut(name)
            ),
            ServerError::TooLarge(why) => write!(f, "too large: {why}"),
            ServerError::Refused(why) => f.write_str(why),
            ServerError::Internal(why) => write!(f, "internal error: {why}"),
        }
    }
}

impl From<CourseError> for ServerError {
    fn from(e: CourseError) -> Self {
        ServerError::Course(e)
    }
}

impl From<ServerError> for jsonrpc::Error {
    fn from(e: ServerError) -> jsonrpc::Error {
        // Arguments echoed back may carry pack text: marked like it, and
        // cut to a short prefix (see `echo`).
        let message = e.to_string();
        let message = crate::echo::cut(&llmops_core::text::visible_controls(&message)).into_owned();
        match e {
            // Unknown commands stay "invalid params" (not "method not
            // found"): the method, workspace/executeCommand, exists.
            ServerError::Usage { .. }
            | ServerError::BadArgument(_)
            | ServerError::Course(_)
            | ServerError::TooLarge(_) => jsonrpc::Error::invalid_params(message),
            ServerError::UnknownCommand(_) => jsonrpc::Error {
                data: Some(serde_json::json!({ "knownCommands": crate::protocol::ALL_COMMANDS })),
                ..jsonrpc::Error::invalid_params(message)
            },
            // LSP's RequestFailed: valid arguments, refused on the merits.
            ServerError::Refused(_) => jsonrpc::Error {
                code: jsonrpc::ErrorCode::ServerError(-32803),
                message: message.into(),
                data: None,
            },
            ServerError::Internal(_) => jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: message.into(),
                data: None,
            },
        }
    }
}
