//! `llmops-lsp`: with no command it speaks LSP on stdin/stdout; `scan`,
//! `check` and `report` run the same core from a shell.

use clap::Parser;
use llmops_lsp::cli;

fn main() {
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
    let code = runtime.block_on(llmops_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    // Do not wait for the blocking stdin reader: the client may keep the
    // pipe open after `exit`.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
