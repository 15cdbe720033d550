//! `llmops-lsp`: a language server that spots LLMOps vocabulary, explains it
//! on hover and teaches it with exercises. With no arguments it speaks LSP on
//! stdin/stdout; `scan`, `check` and `report` run the same core from a shell.

mod backend;
mod cli;
mod code_actions;
mod commands;
mod convert;
mod definition;
mod error;
mod inlay_hints;
mod packs;
mod protocol;
mod publish;
mod render;
mod settings;
mod state;
mod transport;

use tower_lsp_server::LspService;

fn main() {
    use clap::Parser;
    let cli = cli::Cli::parse();
    let code = match cli.command {
        None => serve(),
        Some(command) => cli::run(command),
    };
    std::process::exit(code);
}

fn serve() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("llmops-lsp: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let code = runtime.block_on(async {
        let (outbox, queued) = transport::Outbox::new();
        let for_backend = outbox.clone();
        let (service, socket) =
            LspService::new(move |client| backend::Backend::new(client, for_backend));
        transport::serve(
            tokio::io::stdin(),
            tokio::io::stdout(),
            service,
            socket,
            outbox,
            queued,
        )
        .await
    });
    // Do not wait for the blocking stdin reader: the client may keep the
    // pipe open after `exit`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
