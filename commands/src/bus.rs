use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use domain::{ClaimChange, EventCodec, HasClaims};
use quick_cache::sync::Cache;
use std::any::Any;
use std::sync::Arc;
use store::{AppendRequest, ClaimOp, EventStore, Metadata, NewEvent, OutboxMessage, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    #[error(transparent)]
    Domain(E),
    /// A unique claim the events need belongs to another stream.
    #[error("claim {scope}:{value} is held by {owner}")]
    Claim { scope: String, value: String, owner: String },
    /// Other writers kept winning the race for the stream; nothing was appended.
    #[error("stream {0} kept changing; gave up after retries")]
    Contended(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a command appended (possibly nothing), the stream version after it and the aggregate
/// as it stands then.
pub struct Executed<A: Aggregate> {
    pub stream_version: i64,
    pub events: Vec<A::Event>,
    pub state: Arc<A>,
}

/// Loads, decides, appends; on a concurrency conflict reloads and decides again, a bounded
/// number of times. cqrs-es's `CqrsFramework` is not used: it has no global position, no
/// checkpointed projections and no transaction hook for claims.
///
/// Recently used aggregates stay in memory with their stream version, so a command on a stream
/// this instance has seen reads only the events after that version, and a command that appends
/// decides on the remembered state without reading at all. The store's optimistic lock keeps
/// that safe: events decided on a state that is no longer the stream's head fail to append and
/// the command is decided again on the reloaded stream. A decision that appends nothing (a
/// refusal, or "nothing to do") is final only once a read shows the stream has not moved.
#[derive(Clone)]
pub struct CommandBus {
    store: Arc<dyn EventStore>,
    max_attempts: u32,
    cache: Option<Arc<Cache<String, Remembered>>>,
}

/// An aggregate as of a stream version.
#[derive(Clone)]
struct Remembered {
    version: i64,
    state: Arc<dyn Any + Send + Sync>,
}

/// Aggregates kept in memory per instance (entries, not bytes: a session or user holds a few
/// kilobytes at most).
pub const CACHED_AGGREGATES: usize = 10_000;

impl CommandBus {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        Self::with_cache(store, CACHED_AGGREGATES)
    }

    /// A bus remembering at most `aggregates` aggregates (0: none; every command loads its
    /// stream from the store).
    pub fn with_cache(store: Arc<dyn EventStore>, aggregates: usize) -> Self {
        let cache = (aggregates > 0).then(|| Arc::new(Cache::new(aggregates)));
        Self { store, max_attempts: 5, cache }
    }

    fn remembered<A: Clone + 'static>(&self, stream_id: &str) -> Option<(A, i64)> {
        let entry = self.cache.as_ref()?.get(stream_id)?;
        Some((entry.state.downcast_ref::<A>()?.clone(), entry.version))
    }

    fn remember<A: Send + Sync + 'static>(&self, stream_id: &str, aggregate: Arc<A>, version: i64) {
        let Some(cache) = &self.cache else { return };
        // a slower command must not put back an older state than a faster one remembered
        if cache.get(stream_id).is_none_or(|e| e.version < version) {
            cache.insert(stream_id.to_owned(), Remembered { version, state: aggregate });
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The aggregate as its stream stands, and the stream's version (0: no such stream). For
    /// decisions outside an aggregate's `handle` that need its state (checking a password).
    /// Reads the events after the remembered version only.
    pub async fn load<A>(&self, stream_id: &str) -> Result<(A, i64), StoreError>
    where
        A: Aggregate + Clone + 'static,
        A::Event: EventCodec,
    {
        let (mut aggregate, mut version) = self.remembered::<A>(stream_id).unwrap_or_default();
        let history = self.store.read_stream(stream_id, version).await?;
        if history.is_empty() {
            return Ok((aggregate, version));
        }
        for event in history {
            version = event.stream_version;
            aggregate.apply(A::Event::decode(&event.event_type, event.payload)?);
        }
        self.remember(stream_id, Arc::new(aggregate.clone()), version);
        Ok((aggregate, version))
    }

    pub async fn execute<A>(
        &self,
        stream_id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: &Metadata,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate + Clone + 'static,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        self.execute_with_outbox::<A>(stream_id, command, services, metadata, Vec::new()).await
    }

    /// `execute`, with messages to send that commit with the events (and only with them: a
    /// command that appends nothing sends nothing).
    pub async fn execute_with_outbox<A>(
        &self,
        stream_id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: &Metadata,
        outbox: Vec<OutboxMessage>,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate + Clone + 'static,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        self.execute_all_with_outbox::<A>(stream_id, std::slice::from_ref(&command), services, metadata, outbox).await
    }

    /// Several commands on one stream, decided one after another on the state the previous ones
    /// left, and appended together in one transaction: all their events, or (a refusal of any,
    /// a claim another stream holds) none.
    pub async fn execute_all<A>(
        &self,
        stream_id: &str,
        commands: &[A::Command],
        services: &A::Services,
        metadata: &Metadata,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate + Clone + 'static,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        self.execute_all_with_outbox::<A>(stream_id, commands, services, metadata, Vec::new()).await
    }

    #[tracing::instrument(skip_all, fields(stream = stream_id, aggregate = A::TYPE))]
    async fn execute_all_with_outbox<A>(
        &self,
        stream_id: &str,
        commands: &[A::Command],
        services: &A::Services,
        metadata: &Metadata,
        outbox: Vec<OutboxMessage>,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate + Clone + 'static,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        // the command is what caused its events; retries keep the same id
        let mut metadata = metadata.clone();
        metadata.causation_id.get_or_insert_with(|| Uuid::now_v7().to_string());
        // first the remembered state, unread: right unless another instance moved the stream since
        let mut next = self.remembered::<A>(stream_id).map(|(a, v)| (a, v, false));
        for _ in 0..self.max_attempts {
            let (mut aggregate, version, read) = match next.take() {
                Some(known) => known,
                None => {
                    let (a, v) = self.load::<A>(stream_id).await?;
                    (a, v, true)
                }
            };
            let sink = EventSink::default();
            let mut decided = Ok(());
            for command in commands {
                // each decides on the state the events before it left (the sink applies them)
                decided = aggregate.handle(command.clone(), services, &sink).await;
                if decided.is_err() {
                    break;
                }
            }
            let events = sink.collect().await;
            if events.is_empty() || decided.is_err() {
                // nothing to append, so no lock to check the state with: read what came after it
                if !read {
                    let (fresh, fresh_version) = self.load::<A>(stream_id).await?;
                    if fresh_version != version {
                        next = Some((fresh, fresh_version, true));
                        continue;
                    }
                }
                decided.map_err(CommandError::Domain)?;
                return Ok(Executed { stream_version: version, events, state: Arc::new(aggregate) });
            }
            let request = AppendRequest {
                stream_id: stream_id.to_owned(),
                stream_type: A::TYPE.to_owned(),
                expected_version: version,
                events: encode(&events)?,
                claims: events.iter().flat_map(HasClaims::claim_changes).map(claim_op).collect(),
                metadata: metadata.clone(),
            };
            match self.store.append_with_outbox(request, outbox.clone()).await {
                Ok(appended) => {
                    // `EventSink::write` applied each event to `aggregate`: it is the new head
                    let state = Arc::new(aggregate);
                    self.remember(stream_id, state.clone(), appended.stream_version);
                    return Ok(Executed { stream_version: appended.stream_version, events, state });
                }
                Err(StoreError::Concurrency { .. }) => continue,
                Err(StoreError::Claim { scope, value, owner }) => {
                    return Err(CommandError::Claim { scope, value, owner });
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Contended(stream_id.to_owned()))
    }
}

fn encode<E: EventCodec>(events: &[E]) -> Result<Vec<NewEvent>, StoreError> {
    events
        .iter()
        .map(|e| {
            let (event_type, schema_version, payload) = e.encode()?;
            Ok(NewEvent { event_id: Uuid::now_v7(), event_type, schema_version, payload })
        })
        .collect()
}

fn claim_op(change: ClaimChange) -> ClaimOp {
    match change {
        ClaimChange::Take(c) => ClaimOp::Take { scope: c.scope.to_owned(), value: c.value },
        ClaimChange::Release(c) => ClaimOp::Release { scope: c.scope.to_owned(), value: c.value },
        ClaimChange::ReleaseAll => ClaimOp::ReleaseAll,
    }
}
