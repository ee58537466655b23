use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use domain::{ClaimChange, EventCodec, HasClaims};
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

/// What a command appended (possibly nothing) and the stream version after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed<E> {
    pub stream_version: i64,
    pub events: Vec<E>,
}

/// Loads, decides, appends; on a concurrency conflict reloads and decides again, a bounded
/// number of times. cqrs-es's `CqrsFramework` is not used: it has no global position, no
/// checkpointed projections and no transaction hook for claims.
#[derive(Clone)]
pub struct CommandBus {
    store: Arc<dyn EventStore>,
    max_attempts: u32,
}

impl CommandBus {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        Self { store, max_attempts: 5 }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The aggregate as its stream stands, and the stream's version (0: no such stream). For
    /// decisions outside an aggregate's `handle` that need its state (checking a password).
    pub async fn load<A>(&self, stream_id: &str) -> Result<(A, i64), StoreError>
    where
        A: Aggregate,
        A::Event: EventCodec,
    {
        let history = self.store.read_stream(stream_id, 0).await?;
        let version = history.last().map_or(0, |e| e.stream_version);
        let mut aggregate = A::default();
        for event in history {
            aggregate.apply(A::Event::decode(&event.event_type, event.payload)?);
        }
        Ok((aggregate, version))
    }

    pub async fn execute<A>(
        &self,
        stream_id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: &Metadata,
    ) -> Result<Executed<A::Event>, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        self.execute_with_outbox::<A>(stream_id, command, services, metadata, Vec::new()).await
    }

    /// `execute`, with messages to send that commit with the events (and only with them: a
    /// command that appends nothing sends nothing).
    #[tracing::instrument(skip_all, fields(stream = stream_id, aggregate = A::TYPE))]
    pub async fn execute_with_outbox<A>(
        &self,
        stream_id: &str,
        command: A::Command,
        services: &A::Services,
        metadata: &Metadata,
        outbox: Vec<OutboxMessage>,
    ) -> Result<Executed<A::Event>, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
        A::Event: EventCodec + HasClaims,
    {
        // the command is what caused its events; retries keep the same id
        let mut metadata = metadata.clone();
        metadata.causation_id.get_or_insert_with(|| Uuid::now_v7().to_string());
        for _ in 0..self.max_attempts {
            let (mut aggregate, version) = self.load::<A>(stream_id).await?;
            let sink = EventSink::default();
            aggregate.handle(command.clone(), services, &sink).await.map_err(CommandError::Domain)?;
            let events = sink.collect().await;
            if events.is_empty() {
                return Ok(Executed { stream_version: version, events });
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
                    return Ok(Executed { stream_version: appended.stream_version, events });
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
    }
}
