//! The append: events, claims and inline projections in one write transaction.
use super::claims::apply_claims;
use crate::args;
use crate::error::StoreError;
use crate::hash::{HashInput, event_hash};
use crate::model::{AppendRequest, Appended, RecordedEvent, format_time, now_micros};
use crate::projector::{Projector, Tables};
use crate::sql::{Arg, Engine, Tx};
use std::sync::Arc;

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The whole append inside an open write transaction: one multi-row insert of the events (the
/// stream-version unique key is the optimistic lock), the claims, then the inline projectors.
/// `previous` is the hash of the stream's event at the expected version when the caller knows
/// it; otherwise it is read. With the hash of the last event appended.
pub(crate) async fn append_in_tx(
    tx: &mut Tx<'_>,
    req: &AppendRequest,
    previous: Option<String>,
    inline: &[Arc<dyn Projector>],
    vault: Option<&crate::vault::Vault>,
) -> Result<(Appended, String), StoreError> {
    let concurrency =
        || StoreError::Concurrency { stream_id: req.stream_id.clone(), expected_version: req.expected_version };
    let engine = tx.engine();
    let mut previous_hash = if let Some(known) = previous.filter(|_| req.expected_version > 0) {
        known
    } else if req.expected_version > 0 {
        let row: Option<(String,)> = tx
            .fetch_optional(
                "select hash from events where stream_id = $1 and stream_version = $2",
                &args![req.stream_id.as_str(), req.expected_version],
            )
            .await?;
        row.ok_or_else(concurrency)?.0
    } else {
        String::new()
    };

    let recorded_at = now_micros();
    let at = format_time(&recorded_at);
    let metadata = serde_json::to_string(&req.metadata)?;
    let (uuid, json, ts) = match engine {
        Engine::Postgres => ("::uuid", "::json", "::timestamptz"),
        Engine::Sqlite => ("", "", ""),
    };
    let mut sql = String::from(
        "insert into events (event_id, stream_id, stream_type, stream_version, event_type, schema_version, \
         payload, metadata, correlation_id, causation_id, recorded_at, hash) values ",
    );
    let mut binds = Vec::with_capacity(req.events.len() * 12);
    let mut payloads = Vec::with_capacity(req.events.len());
    // what is stored: personal fields encrypted (the inline projectors below see them plain)
    let stored = match vault {
        Some(vault) => vault.seal_request(tx, req).await?,
        None => req.events.iter().map(|e| e.payload.clone()).collect(),
    };
    for (i, (event, stored)) in req.events.iter().zip(&stored).enumerate() {
        let version = req.expected_version + 1 + i as i64;
        let payload = serde_json::to_string(stored)?;
        let event_id = event.event_id.to_string();
        let hash = event_hash(&HashInput {
            previous_hash: &previous_hash,
            stream_id: &req.stream_id,
            stream_type: &req.stream_type,
            stream_version: version,
            event_id: &event_id,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            recorded_at: &at,
            correlation_id: req.metadata.correlation_id.as_deref(),
            causation_id: req.metadata.causation_id.as_deref(),
            metadata: &metadata,
            payload: &payload,
        });
        let n = i * 12;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}{uuid}, ${}, ${}, ${}, ${}, ${}, ${}{json}, ${}{json}, ${}, ${}, ${}{ts}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9,
            n + 10,
            n + 11,
            n + 12
        ));
        binds.extend([
            Arg::Text(event_id),
            Arg::Text(req.stream_id.clone()),
            Arg::Text(req.stream_type.clone()),
            Arg::Int(version),
            Arg::Text(event.event_type.clone()),
            Arg::Int(i64::from(event.schema_version)),
            Arg::Text(payload.clone()),
            Arg::Text(metadata.clone()),
            Arg::OptText(req.metadata.correlation_id.clone()),
            Arg::OptText(req.metadata.causation_id.clone()),
            Arg::Text(at.clone()),
            Arg::Text(hash.clone()),
        ]);
        payloads.push(payload);
        previous_hash = hash;
    }
    sql.push_str(match engine {
        Engine::Postgres => " returning global_position, transaction_id::text::bigint",
        Engine::Sqlite => " returning global_position, 0",
    });
    let mut rows: Vec<(i64, i64)> = tx
        .fetch_all(&sql, &binds)
        .await
        .map_err(|e| if is_unique_violation(&e) { concurrency() } else { StoreError::Database(e) })?;
    rows.sort_unstable();
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => return Err(StoreError::Corrupt("insert returned no positions".into())),
    };

    // claims only after the events: the events insert must be this transaction's first write.
    // It takes the lock that a rebuild's `lock table events in exclusive mode` waits for, so no
    // transaction can hold a transaction id (from a claim) while a rebuild reads past it
    apply_claims(tx, &req.stream_id, &req.claims, vault).await?;

    let interested: Vec<_> = inline.iter().filter(|p| p.wants(&req.stream_type, &req.events)).collect();
    if !interested.is_empty() {
        let recorded = req.events.iter().zip(&rows).enumerate().map(|(i, (event, (position, xid)))| RecordedEvent {
            position: *position,
            tx: *xid,
            event_id: event.event_id.to_string(),
            stream_id: req.stream_id.clone(),
            stream_type: req.stream_type.clone(),
            stream_version: req.expected_version + 1 + i as i64,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: req.metadata.clone(),
            recorded_at,
        });
        let recorded: Vec<_> = recorded.collect();
        let tables = Tables::live();
        for projector in interested {
            projector.apply_batch(tx, &tables, &recorded).await?;
        }
    }

    let appended = Appended {
        stream_version: req.expected_version + req.events.len() as i64,
        first_position: first,
        last_position: last,
    };
    Ok((appended, previous_hash))
}
