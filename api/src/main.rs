use clap::Parser;
use std::process::ExitCode;

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
