use clap::Parser;
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: a request allocates and frees dozens of small blocks
/// across the runtime's threads; measured on the HTTP load figures, about a tenth more requests
/// a second (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = api::cli::Cli::parse();
    api::cli::init_tracing(&cli.settings.log_format);
    match api::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
