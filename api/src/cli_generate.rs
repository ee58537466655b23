//! `users-api generate --events N [--tenant T] [--seed S]`: fills the database with a realistic
//! mix of real domain events, for load tests and `rebuild` at scale.
//!
//! Writers (`--writers`, 64 by default) each keep a small pool of people and move a random one a
//! step at a time (`mix.rs`): sign-ups by every door (password, partner, email or phone code,
//! social, partner identity), sign-ins and refresh-token rotations, sign-outs, profile, vehicle,
//! email and phone changes, email proofs, TOTP, identity verifications, wallets with cards and
//! charges, account links, and erasures. So a person's events spread over the log as they do in
//! production, and the log is in time order (a year up to now). Every step is appended through
//! the store's own append path (`EventStore::append`, as the command bus appends: the events'
//! claims, the inline read models in the same transaction, personal fields sealed by the vault,
//! the hash chain), so `users-api verify` passes and `users-api rebuild` finds the live tables
//! equal (the catch-up read models are brought to the head at the end, as a server's runners
//! would have). Concurrent writers go through the store's group commit, many appends per transaction.
//! Memory is the writers' pools, whatever `--events`.
//!
//! The same `--seed` makes the same people; their ids then exist already, so a second run on the
//! same database needs another seed.
mod mix;

use anyhow::Context as _;
use commands::{AppendRequest, ClaimOp, EventStore, Metadata, NewEvent};
use domain::{ClaimChange, EventCodec, HasClaims};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// How many events to append (a few more when the last writers end on a sign-up).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// The tenant of every generated person.
    #[arg(long = "tenant", default_value = "demo")]
    pub tenant: String,
    /// The partner of the partner-registered people.
    #[arg(long = "partner", default_value = "demo-partner")]
    pub partner: String,
    /// Seeds the people and what they do.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Concurrent writers (appends in flight).
    #[arg(long, default_value_t = 64)]
    pub writers: u64,
}

/// People a writer moves at a time: their events interleave in the log.
const POOL: usize = 24;
/// Of the people who go quiet, the share who have their account erased.
const ERASED: f64 = 0.08;
/// Below this many events left, a writer appends one event at a time, to end on `--events`.
const TAIL: u64 = 24;

/// One append: a stream's events of one step, with the claims they take or release.
pub struct Burst {
    stream_id: String,
    stream_type: String,
    expected_version: i64,
    events: Vec<NewEvent>,
    claims: Vec<ClaimOp>,
}

impl Burst {
    fn new<E: EventCodec + HasClaims>(
        stream_id: String,
        stream_type: &str,
        expected_version: i64,
        events: &[E],
    ) -> anyhow::Result<Self> {
        let mut encoded = Vec::with_capacity(events.len());
        for event in events {
            let (event_type, schema_version, payload) = event.encode()?;
            encoded.push(NewEvent { event_id: Uuid::now_v7(), event_type, schema_version, payload });
        }
        let claims = events.iter().flat_map(HasClaims::claim_changes).map(claim_op).collect();
        Ok(Self { stream_id, stream_type: stream_type.to_owned(), expected_version, events: encoded, claims })
    }
}

fn claim_op(change: ClaimChange) -> ClaimOp {
    match change {
        ClaimChange::Take(c) => ClaimOp::Take { scope: c.scope.to_owned(), value: c.value },
        ClaimChange::Release(c) => ClaimOp::Release { scope: c.scope.to_owned(), value: c.value },
        ClaimChange::ReleaseAll => ClaimOp::ReleaseAll,
    }
}

/// What a writer appended: events by type, people signed up and erased.
#[derive(Default)]
struct Tally {
    types: BTreeMap<String, u64>,
    events: u64,
    people: u64,
    erased: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        for (event_type, n) in other.types {
            *self.types.entry(event_type).or_default() += n;
        }
        (self.events, self.people, self.erased) =
            (self.events + other.events, self.people + other.people, self.erased + other.erased);
    }
}

/// The bar, drawn on stderr only when stderr is a terminal.
fn bar(total: u64) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let style = ProgressStyle::with_template("generate {bar:40} {human_pos}/{human_len} events {per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Run the generator; prints one JSON line with what it appended.
pub async fn generate(store: Arc<dyn EventStore>, args: &GenerateArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.writers > 0, "--writers must be at least 1");
    // every read model's tables, as `migrate` and a server make them
    projections::create_tables(store.as_ref()).await?;
    let bar = bar(args.events);
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for index in 0..args.writers {
        let share = args.events / args.writers + u64::from(index < args.events % args.writers);
        let world = mix::World {
            rng: rand::rngs::StdRng::seed_from_u64(args.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index),
            now: chrono::Utc::now(),
            tenant: args.tenant.clone(),
            partner: args.partner.clone(),
            serial: 0,
            writer: index + args.seed.wrapping_mul(args.writers),
        };
        writers.spawn(write(store.clone(), world, share, bar.clone()));
    }
    let mut tally = Tally::default();
    while let Some(done) = writers.join_next().await {
        tally.add(done.context("a writer stopped")??);
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    projections::catch_up_to_head(store.as_ref()).await?;
    let line = serde_json::json!({
        "generated": tally.events,
        "people": tally.people,
        "erased": tally.erased,
        "tenant": args.tenant,
        "seed": args.seed,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "events_per_second": (tally.events as f64 / seconds.max(1e-9)).round(),
        "event_types": tally.types,
    });
    println!("{line}");
    Ok(())
}

/// One writer: `share` events from its pool of people, in time order over the last year.
async fn write(
    store: Arc<dyn EventStore>,
    mut world: mix::World,
    share: u64,
    bar: ProgressBar,
) -> anyhow::Result<Tally> {
    let year_ago = world.now - chrono::TimeDelta::days(365);
    let mut pool: Vec<mix::Person> = Vec::with_capacity(POOL);
    let mut tally = Tally::default();
    while tally.events < share {
        let progress = tally.events as f64 / share as f64;
        let jitter = world.rng.gen_range(0..600);
        world.now = year_ago
            + chrono::TimeDelta::seconds((progress * 365.0 * 86_400.0) as i64)
            + chrono::TimeDelta::seconds(jitter);
        let bursts = if share - tally.events < TAIL && !pool.is_empty() {
            let i = world.rng.gen_range(0..pool.len());
            world.single(&mut pool[i])?
        } else if pool.is_empty() || (pool.len() < POOL && world.rng.gen_bool(0.5)) {
            let (person, bursts) = world.sign_up()?;
            pool.push(person);
            tally.people += 1;
            bursts
        } else {
            let i = world.rng.gen_range(0..pool.len());
            if pool[i].steps_left > 0 {
                world.step(&mut pool[i])?
            } else {
                let mut person = pool.swap_remove(i);
                if !world.rng.gen_bool(ERASED) {
                    continue;
                }
                tally.erased += 1;
                world.erase(&mut person)?
            }
        };
        for burst in bursts {
            let n = append(store.as_ref(), burst, &world.tenant, &mut tally).await?;
            bar.inc(n);
        }
    }
    Ok(tally)
}

/// Append one burst as the command bus does; the number of events.
async fn append(store: &dyn EventStore, burst: Burst, tenant: &str, tally: &mut Tally) -> anyhow::Result<u64> {
    let dialect = if burst.stream_type == "login" { "suite" } else { "native" };
    let metadata = Metadata {
        actor: Some("system:generate".to_owned()),
        tenant: Some(tenant.to_owned()),
        dialect: Some(dialect.to_owned()),
        request_id: Some(Uuid::now_v7().to_string()),
        user_agent: Some("users-api generate".to_owned()),
        correlation_id: None,
        causation_id: Some(Uuid::now_v7().to_string()),
    };
    for event in &burst.events {
        *tally.types.entry(event.event_type.clone()).or_default() += 1;
    }
    let n = burst.events.len() as u64;
    let request = AppendRequest {
        stream_id: burst.stream_id,
        stream_type: burst.stream_type,
        expected_version: burst.expected_version,
        events: burst.events,
        claims: burst.claims,
        metadata,
    };
    let stream = request.stream_id.clone();
    store
        .append(request)
        .await
        .with_context(|| format!("appending to {stream} (a second run needs another --seed)"))?;
    tally.events += n;
    Ok(n)
}
