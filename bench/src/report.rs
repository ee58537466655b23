//! The Markdown table the benchmark prints.
use crate::setup::Summary;

/// One figure: the store's rate beside the raw-sqlx rate measured in the same run.
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
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    None,
    /// store/raw at least this fraction.
    Ratio(f64),
    /// Store events/s at least this.
    EventsPerSec(f64),
}

impl Row {
    fn ratio(&self) -> Option<f64> {
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
