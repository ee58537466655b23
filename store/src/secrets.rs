//! The server's own key tables, beside the event log: the access-token signing keys
//! (`signing_keys`), the 32-byte server secrets and tenants' signature keys (`server_secrets`),
//! and the spent bootstrap signatures and MFA tokens (`seen_signatures`). They are not events:
//! keys must not enter the hash-chained, exportable log, and the replay table forgets on purpose.
use crate::{Db, Engine, StoreError, args, format_time, now_micros};

/// One stored signing key, as the token signer encodes it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    /// 1 for the first key, +1 per rotation; the newest signs.
    pub generation: i64,
    /// PKCS#8 DER of the private key, standard base64.
    pub private_der: String,
    /// The raw public key, standard base64.
    pub public_raw: String,
}

/// Every signing key, oldest first.
pub async fn signing_keys(db: &Db) -> Result<Vec<SigningKeyRow>, StoreError> {
    let sql = "select kid, cast(generation as bigint) as generation, private_der, public_raw \
               from signing_keys order by generation";
    Ok(db.fetch_all(sql, &[]).await?)
}

/// The newest key's generation; 0 when there is no key.
pub async fn newest_key_generation(db: &Db) -> Result<i64, StoreError> {
    let row: Option<(i64,)> =
        db.fetch_optional("select cast(coalesce(max(generation), 0) as bigint) from signing_keys", &[]).await?;
    Ok(row.map_or(0, |(n,)| n))
}

/// Store `key` (algorithm EdDSA); false when its generation (or kid) is taken already, so racing
/// instances cannot both add the same generation.
pub async fn insert_signing_key(db: &Db, key: &SigningKeyRow) -> Result<bool, StoreError> {
    let inserted = db
        .execute(
            "insert into signing_keys (kid, generation, algorithm, private_der, public_raw, created_at) \
             values ($1, cast($2 as integer), 'EdDSA', $3, $4, $5) on conflict do nothing",
            &args![
                key.kid.as_str(),
                key.generation,
                key.private_der.as_str(),
                key.public_raw.as_str(),
                format_time(&now_micros())
            ],
        )
        .await?;
    Ok(inserted == 1)
}

/// The server secret `name`, if stored.
pub async fn secret(db: &Db, name: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        db.fetch_optional("select value from server_secrets where name = $1", &args![name]).await?;
    Ok(row.map(|(v,)| v))
}

/// Every server secret, by name.
pub async fn all_secrets(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    Ok(db.fetch_all("select name, value from server_secrets order by name", &[]).await?)
}

/// Store `value` as the secret `name` unless one is stored already (the first writer wins).
pub async fn add_secret(db: &Db, name: &str, value: &str) -> Result<(), StoreError> {
    let sql = format!(
        "insert into server_secrets (name, value, created_at) values ($1, $2, $3{}) on conflict do nothing",
        timestamp_cast(db)
    );
    db.execute(&sql, &args![name, value, format_time(&now_micros())]).await?;
    Ok(())
}

/// Store `value` as the secret `name`, replacing a stored one.
pub async fn set_secret(db: &Db, name: &str, value: &str) -> Result<(), StoreError> {
    let sql = format!(
        "insert into server_secrets (name, value, created_at) values ($1, $2, $3{}) \
         on conflict (name) do update set value = excluded.value",
        timestamp_cast(db)
    );
    db.execute(&sql, &args![name, value, format_time(&now_micros())]).await?;
    Ok(())
}

/// True when `signature` was remembered (by `EventStore::first_sight_of_signature`) and is not
/// forgotten yet; remembers nothing itself.
pub async fn signature_seen(db: &Db, signature: &str) -> Result<bool, StoreError> {
    let row: Option<(i64,)> =
        db.fetch_optional("select count(*) from seen_signatures where signature = $1", &args![signature]).await?;
    Ok(row.is_some_and(|(n,)| n > 0))
}

/// `server_secrets.created_at` is a `timestamptz` on PostgreSQL and text on SQLite.
fn timestamp_cast(db: &Db) -> &'static str {
    if db.engine() == Engine::Postgres { "::timestamptz" } else { "" }
}
