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
            ServerError::UnknownCommand(name) => write!(
                f,
                "unknown command `{name}`; known commands: {}",
                crate::protocol::ALL_COMMANDS.join(", ")
            ),
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
        // Arguments echoed back may carry pack text: marked like it.
        let message = llmops_core::text::visible_controls(&e.to_string()).into_owned();
        match e {
            // Unknown commands stay "invalid params" (not "method not
            // found"): the method, workspace/executeCommand, exists.
            ServerError::Usage { .. }
            | ServerError::BadArgument(_)
            | ServerError::Course(_)
            | ServerError::UnknownCommand(_) => jsonrpc::Error::invalid_params(message),
            ServerError::Internal(_) => jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: message.into(),
                data: None,
            },
        }
    }
}
