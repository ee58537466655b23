//! `users-api export`: the event history as NDJSON, or a read model's table as CSV or NDJSON, to
//! a file or stdout, with a progress bar when stderr is a terminal.
use anyhow::Context as _;
use commands::EventStore;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use projections::export::{self, TableFormat};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// A read-model table (or a read model with one table) instead of the event history.
    #[arg(long, value_name = "NAME")]
    pub projection: Option<String>,
    /// The format of a table; the event history is always NDJSON.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,
    /// Write to this file (created, or replaced) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
}

fn bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Run the export; what was written, as the JSON line the command prints.
pub async fn export(store: &dyn EventStore, args: &ExportArgs) -> anyhow::Result<Value> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let summary = match run(store, args, &mut out).await {
        Err(e) if e.is_broken_pipe() => return Ok(json!({ "stopped": "the reader closed the output" })),
        other => other?,
    };
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(summary)
}

async fn run(store: &dyn EventStore, args: &ExportArgs, out: &mut dyn Write) -> Result<Value, export::ExportError> {
    Ok(match &args.projection {
        None => {
            let bar = bar(export::event_count(store).await?);
            let written = export::export_events(store, out, &mut |n| bar.inc(n)).await?;
            bar.finish_and_clear();
            json!({ "exported": "events", "events": written })
        }
        Some(name) => {
            let table = export::resolve_table(name)?;
            let format = if args.format == Format::Csv { TableFormat::Csv } else { TableFormat::Ndjson };
            let bar = bar(export::row_count(store.db(), table).await?);
            let written = export::export_table(store.db(), table, format, out, &mut |n| bar.inc(n)).await?;
            bar.finish_and_clear();
            json!({ "exported": table, "rows": written })
        }
    })
}
