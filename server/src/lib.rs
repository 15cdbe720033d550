//! `llmops-lsp`: a language server that spots LLMOps vocabulary, explains it
//! on hover and teaches it with exercises, and the command line beside it.
//! The binary (`main.rs`) only picks between the two; the library is what the
//! in-process tests and the benchmarks drive. See ARCHITECTURE.md for the map.

mod authoring;
mod backend;
mod builtin;
mod builtin_copy;
mod ci_output;
pub mod cli;
mod code_actions;
mod commands;
mod convert;
mod definition;
mod diagnostics_json;
mod echo;
mod error;
mod inlay_hints;
mod memory;
mod origin;
mod pack_ids;
mod pack_lens;
mod pack_outline;
mod pack_places;
mod pack_sources;
mod packs;
pub mod pipes;
mod practices;
mod projects;
pub mod protocol;
mod publish;
mod render;
mod settings;
mod state;
mod symbols;
mod term_completion;
mod term_page;
pub mod warm_start;
mod workspace_uses;

pub use state::Config;
pub mod transport;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::LspService;

/// Serves one client over the given streams until `exit` or end of input;
/// returns the exit code (0 after `shutdown`, else 1). Must run inside a
/// Tokio runtime. The binary serves stdin/stdout with it; tests serve an
/// in-memory pipe.
pub async fn serve<R, W>(input: R, output: W) -> i32
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_with(input, output, Config::from_env()).await
}

/// [`serve`] with the directories given instead of taken from the
/// environment (so tests in one process can run servers side by side).
pub async fn serve_with<R, W>(input: R, output: W, config: Config) -> i32
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (outbox, queued) = transport::Outbox::new();
    let for_backend = outbox.clone();
    let (service, socket) =
        LspService::new(move |client| backend::Backend::new(client, for_backend, config));
    transport::serve(input, output, service, socket, outbox, queued).await
}
