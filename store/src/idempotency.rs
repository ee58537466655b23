//! The `idempotency_keys` table: a request's key, the hash of its body, and its response once
//! it has one. `begin` decides whether a request runs, waits, replays or is refused; `finish`
//! stores the response; `abandon` lets a retry run again (after a failure worth retrying).
use crate::{Db, Engine, StoreError, args};

/// What `begin` found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The key is new (or expired, or its holder's lease ran out): the caller runs the request
    /// and then calls `finish` or `abandon`.
    Run,
    /// A request with the same key and body is running now.
    Running,
    /// The first request with this key and body answered this.
    Done { status: i64, response: String },
    /// The key was used with another request.
    Mismatch,
}

type Row = (String, String, Option<i64>, Option<String>, i64);

/// Claim `key` in `scope` for a request whose body hashes to `request_hash`, at `now` (unix
/// seconds); the claim is held for `lease` seconds and the answer kept for `keep` seconds.
pub async fn begin(
    db: &Db,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: i64,
    lease: i64,
    keep: i64,
) -> Result<Begun, StoreError> {
    // forget what expired: this key's row first, then a few others (the expiry index keeps it cheap)
    db.execute(
        "delete from idempotency_keys where scope = $1 and idem_key = $2 and expires_at <= $3",
        &args![scope, key, now],
    )
    .await?;
    let sweep = match db.engine() {
        Engine::Postgres => {
            "delete from idempotency_keys where ctid in (select ctid from idempotency_keys \
                             where expires_at <= $1 limit 100)"
        }
        Engine::Sqlite => {
            "delete from idempotency_keys where rowid in (select rowid from idempotency_keys \
                           where expires_at <= $1 limit 100)"
        }
    };
    db.execute(sweep, &args![now]).await?;
    let inserted = db
        .execute(
            "insert into idempotency_keys (scope, idem_key, request_hash, state, locked_until, expires_at) \
             values ($1, $2, $3, 'pending', $4, $5) on conflict do nothing",
            &args![scope, key, request_hash, now + lease, now + keep],
        )
        .await?;
    if inserted == 1 {
        return Ok(Begun::Run);
    }
    let row: Option<Row> = db
        .fetch_optional(
            "select request_hash, state, status, response, locked_until from idempotency_keys \
             where scope = $1 and idem_key = $2",
            &args![scope, key],
        )
        .await?;
    let Some((stored_hash, state, status, response, locked_until)) = row else {
        // it expired and was swept between the insert and the read: the next try inserts
        return Ok(Begun::Running);
    };
    if stored_hash != request_hash {
        return Ok(Begun::Mismatch);
    }
    if let (Some(status), Some(response)) = (status.filter(|_| state == "done"), response) {
        return Ok(Begun::Done { status, response });
    }
    if locked_until > now {
        return Ok(Begun::Running);
    }
    // the holder's lease ran out (it crashed): take it over, unless another caller just did
    let taken = db
        .execute(
            "update idempotency_keys set locked_until = $3 where scope = $1 and idem_key = $2 \
             and state = 'pending' and locked_until = $4",
            &args![scope, key, now + lease, locked_until],
        )
        .await?;
    Ok(if taken == 1 { Begun::Run } else { Begun::Running })
}

/// Store the response of the request that holds `key`.
pub async fn finish(db: &Db, scope: &str, key: &str, status: i64, response: &str) -> Result<(), StoreError> {
    db.execute(
        "update idempotency_keys set state = 'done', status = $3, response = $4 where scope = $1 and idem_key = $2",
        &args![scope, key, status, response],
    )
    .await?;
    Ok(())
}

/// Release `key` without an answer: the next request with it runs again.
pub async fn abandon(db: &Db, scope: &str, key: &str) -> Result<(), StoreError> {
    db.execute(
        "delete from idempotency_keys where scope = $1 and idem_key = $2 and state = 'pending'",
        &args![scope, key],
    )
    .await?;
    Ok(())
}
