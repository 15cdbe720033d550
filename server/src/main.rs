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
mod memory;
mod packs;
mod protocol;
mod publish;
mod render;
mod settings;
mod state;
mod transport;

use tower_lsp_server::LspService;

const USAGE: &str = "\
llmops-lsp: spot LLMOps vocabulary, explain it, teach it.

USAGE:
    llmops-lsp                  run the language server on stdin/stdout
    llmops-lsp scan PATH...     print every spotted term as path:line:col: term: definition
    llmops-lsp check PATH...    check content packs; print errors as path:line:col: message
    llmops-lsp report [--json] PATH...
                                which terms occur where, and how many you have learned
    llmops-lsp --version        print the version
    llmops-lsp --help           print this help

ENVIRONMENT:
    LLMOPS_LSP_DATA_DIR   where progress.json lives (default $XDG_DATA_HOME/llmops-lsp)
    XDG_CONFIG_HOME       user packs are read from $XDG_CONFIG_HOME/llmops-lsp/packs/*.toml
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        None | Some("--stdio") => serve(),
        Some("--version" | "-V") => {
            println!("llmops-lsp {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("--help" | "-h" | "help") => {
            print!("{USAGE}");
            0
        }
        Some("scan") => cli::scan(&args[1..]),
        Some("check") => cli::check(&args[1..]),
        Some("report") => cli::report(&args[1..]),
        Some(other) => {
            eprintln!("llmops-lsp: unknown argument {other:?}\n\n{USAGE}");
            2
        }
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
