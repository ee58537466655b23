//! The Markdown tables the benchmark prints: the event-store figures, then the authentication
//! figures (through the HTTP server), then the HTTP load figures, each when there are any.
use crate::setup::Summary;

/// One figure: the store's (or the server's) rate beside the raw baseline measured in the same
/// run.
#[derive(Debug, Clone)]
pub struct Row {
    pub engine: &'static str,
    pub figure: String,
    /// Events per commit (`None` for catch-up figures, which have no commits).
    pub events_per_commit: Option<usize>,
    /// The store's rate in events/s.
    pub store: Summary,
    /// The raw baseline's rate in events/s.
    pub raw: Option<Summary>,
    /// The target for store/raw or for the absolute rate.
    pub target: Target,
    /// The largest share of the machine's CPU that other processes (not this benchmark, not
    /// its PostgreSQL server) used during one of the figure's measured runs.
    pub others: f64,
    /// What `store` and `raw` measure.
    pub kind: Kind,
}

/// What a row's figures measure.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Event-store rates in events/s (the first table).
    Events,
    /// Rates of requests through the HTTP server (`store`) and of the raw baseline (`raw`), per
    /// second, with their units, e.g. "sign-ins/s" beside "verifies/s".
    Rate { unit: &'static str, raw_unit: &'static str },
    /// Request latency in ms: `store` is the p99 under load, `raw` the p99 on an idle server.
    Latency { loaded: Latencies, idle: Option<Latencies> },
    /// A load generator's rate (`store`, in `unit`) against the server's process, beside a
    /// baseline's (`raw`), with their p99 latencies in ms (the HTTP load table).
    Load { connections: usize, p99: Summary, raw_p99: Option<Summary>, unit: &'static str },
    /// Peak resident memory in MB of the server (`store`) and of the baseline's process (`raw`).
    Rss,
}

/// Latency figures of one kind of run (medians over the rounds; `max` over all of them).
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub count: usize,
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    None,
    /// store/raw at least this fraction.
    Ratio(f64),
    /// Store events/s at least this.
    EventsPerSec(f64),
    /// p99 latency at most this many milliseconds.
    P99Ms(f64),
    /// store/raw at least this fraction, and the p99 latency (`Kind::Load`) at most this many ms.
    RatioP99(f64, f64),
    /// At most this many MB.
    MaxMb(f64),
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        if matches!(self.kind, Kind::Latency { .. } | Kind::Rss) {
            return None;
        }
        self.raw.filter(|r| r.median > 0.0).map(|r| self.store.median / r.median)
    }

    fn verdict(&self) -> String {
        match self.target {
            Target::None => "—".into(),
            Target::Ratio(min) => match self.ratio() {
                Some(r) if r >= min => format!("≥ {:.0} % ✅", min * 100.0),
                Some(_) => format!("≥ {:.0} % ❌", min * 100.0),
                None => "?".into(),
            },
            Target::EventsPerSec(min) => {
                if self.store.median >= min {
                    format!("≥ {} ev/s ✅", thousands(min))
                } else {
                    format!("≥ {} ev/s ❌", thousands(min))
                }
            }
            Target::P99Ms(max) => {
                if self.store.median <= max {
                    format!("p99 ≤ {max:.0} ms ✅")
                } else {
                    format!("p99 ≤ {max:.0} ms ❌")
                }
            }
            Target::RatioP99(min, max) => {
                let ratio = self.ratio().is_some_and(|r| r >= min);
                let p99 = match &self.kind {
                    Kind::Load { p99, .. } => p99.median <= max,
                    _ => false,
                };
                let mark = |ok: bool| if ok { "✅" } else { "❌" };
                format!("≥ {:.0} % {}, p99 ≤ {max:.0} ms {}", min * 100.0, mark(ratio), mark(p99))
            }
            Target::MaxMb(max) => {
                format!("≤ {max:.0} MB {}", if self.store.median <= max { "✅" } else { "❌" })
            }
        }
    }
}

/// `1234567.8` → `1,234,568`.
pub fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn commits(rate: f64, per_commit: Option<usize>) -> String {
    match per_commit {
        Some(k) if k > 0 => thousands(rate / k as f64),
        _ => "—".into(),
    }
}

fn spread(s: &Summary) -> String {
    format!("±{:.0} %", s.spread * 50.0)
}

pub fn markdown(rows: &[Row]) -> String {
    let (load, rest): (Vec<&Row>, Vec<&Row>) =
        rows.iter().partition(|r| matches!(r.kind, Kind::Load { .. } | Kind::Rss));
    let (events, auth): (Vec<&Row>, Vec<&Row>) = rest.into_iter().partition(|r| matches!(r.kind, Kind::Events));
    let tables = [
        (!events.is_empty()).then(|| events_table(&events)),
        (!auth.is_empty()).then(|| auth_table(&auth)),
        (!load.is_empty()).then(|| load_table(&load)),
    ];
    tables.into_iter().flatten().collect::<Vec<_>>().join("\n")
}

/// The HTTP load figures: a load generator's rate and p99 against the server beside a baseline.
fn load_table(rows: &[&Row]) -> String {
    let mut out = String::from(
        "| Engine | Figure | Connections | Server | Server p99 | Baseline | Baseline p99 | Server/baseline | Spread server / baseline | Other CPU | Target |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---|---:|---|\n",
    );
    let ms = |s: &Summary| format!("{:.2} ms", s.median);
    for row in rows {
        let raw = row.raw.as_ref();
        let (connections, server, p99, baseline, raw_p99) = match &row.kind {
            Kind::Load { connections, p99, raw_p99, unit } => (
                connections.to_string(),
                format!("{} {unit}", thousands(row.store.median)),
                ms(p99),
                raw.map_or_else(|| "—".into(), |r| format!("{}/s", thousands(r.median))),
                raw_p99.as_ref().map_or_else(|| "—".into(), ms),
            ),
            _ => (
                "64, 256".into(),
                format!("{:.1} MB", row.store.median),
                "—".into(),
                raw.map_or_else(|| "—".into(), |r| format!("{:.1} MB", r.median)),
                "—".into(),
            ),
        };
        let ratio = row.ratio().map_or_else(|| "—".into(), |r| format!("{:.0} %", r * 100.0));
        out.push_str(&format!(
            "| {} | {} | {connections} | {server} | {p99} | {baseline} | {raw_p99} | {ratio} | {} / {} | {:.0} % | {} |\n",
            row.engine,
            row.figure,
            spread(&row.store),
            raw.map_or_else(|| "—".into(), spread),
            row.others * 100.0,
            row.verdict(),
        ));
    }
    out
}

fn latencies(l: &Latencies) -> String {
    format!("p99 {:.1} ms (p50 {:.1}, max {:.1}; {} GETs)", l.p99_ms, l.p50_ms, l.max_ms, thousands(l.count as f64))
}

/// The authentication figures: requests through the HTTP server beside their raw baselines.
fn auth_table(rows: &[&Row]) -> String {
    let mut out = String::from(
        "| Engine | Figure | Server | Raw baseline | Server/raw | Spread server / raw | Other CPU | Target |\n\
         |---|---|---:|---:|---:|---|---:|---|\n",
    );
    for row in rows {
        let (server, raw) = match &row.kind {
            Kind::Rate { unit, raw_unit } => (
                format!("{} {unit}", thousands(row.store.median)),
                row.raw.map_or_else(|| "—".into(), |r| format!("{} {raw_unit}", thousands(r.median))),
            ),
            Kind::Latency { loaded, idle } => {
                (latencies(loaded), idle.as_ref().map_or_else(|| "—".into(), |l| format!("idle: {}", latencies(l))))
            }
            Kind::Events | Kind::Load { .. } | Kind::Rss => {
                (thousands(row.store.median), row.raw.map_or_else(|| "—".into(), |r| thousands(r.median)))
            }
        };
        let ratio = row.ratio().map_or_else(|| "—".into(), |r| format!("{:.0} %", r * 100.0));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} / {} | {:.0} % | {} |\n",
            row.engine,
            row.figure,
            server,
            raw,
            ratio,
            spread(&row.store),
            row.raw.as_ref().map_or_else(|| "—".into(), spread),
            row.others * 100.0,
            row.verdict(),
        ));
    }
    out
}

/// The event-store figures.
fn events_table(rows: &[&Row]) -> String {
    let mut out = String::from(
        "| Engine | Figure | Store commits/s | Store events/s | Raw commits/s | Raw events/s | Store/raw | Spread store / raw | Other CPU | Target |\n\
         |---|---|---:|---:|---:|---:|---:|---|---:|---|\n",
    );
    for row in rows {
        let (raw_commits, raw_events, raw_spread) = match &row.raw {
            Some(raw) => (commits(raw.median, row.events_per_commit), thousands(raw.median), spread(raw)),
            None => ("—".into(), "—".into(), "—".into()),
        };
        let ratio = row.ratio().map_or_else(|| "—".into(), |r| format!("{:.0} %", r * 100.0));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} | {:.0} % | {} |\n",
            row.engine,
            row.figure,
            commits(row.store.median, row.events_per_commit),
            thousands(row.store.median),
            raw_commits,
            raw_events,
            ratio,
            spread(&row.store),
            raw_spread,
            row.others * 100.0,
            row.verdict(),
        ));
    }
    out
}
