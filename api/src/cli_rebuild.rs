//! `users-api rebuild [NAME]`: every read model (or one) rebuilt in one pass over the log, with a
//! progress bar on a terminal (events replayed / events in the log, events/s) and one JSON line
//! per read model at the end, with the pass's events and events/s.
use commands::EventStore;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::time::Instant;

/// The bar, drawn on stderr only when stderr is a terminal (a pipe or a log file gets none).
fn bar(total: u64) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let style = ProgressStyle::with_template("rebuild {bar:40} {human_pos}/{human_len} events {per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

pub async fn rebuild(store: &dyn EventStore, name: Option<&str>) -> anyhow::Result<()> {
    let total = projections::export::event_count(store).await?;
    let bar = bar(total);
    let started = Instant::now();
    let mut reports = Vec::new();
    let progress = |done: u64| bar.set_position(done);
    projections::rebuild(store, name, &progress, |report| -> anyhow::Result<()> {
        reports.push(report);
        Ok(())
    })
    .await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    for report in reports {
        let line = serde_json::json!({
            "projection": report.projection,
            "events_applied": report.events_applied,
            "matched_live": report.matched_live(),
            "tables": report.tables,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_second": (report.events_applied as f64 / seconds.max(1e-9)).round(),
        });
        println!("{}", serde_json::to_string(&line)?);
    }
    Ok(())
}
