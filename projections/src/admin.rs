//! The admin keys and the record of admin reads (inline): a key is checked against its row on
//! every admin request, and a recorded read is listed for auditors as soon as it is recorded.
use crate::Reads;
use async_trait::async_trait;
use domain::admin::{AdminKeyEvent, AdminReadEvent, KEYS_STREAM_TYPE, READ_STREAM_TYPE};
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct AdminProjector;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "admin_keys",
        ddl: "create table if not exists {admin_keys} (
            key_id     text primary key,
            role       text not null,
            label      text not null,
            key_hash   text not null,
            created_at text not null,
            revoked_at text)",
        indexes: "",
    },
    TableSpec {
        name: "admin_reads",
        ddl: "create table if not exists {admin_reads} (
            position bigint primary key,
            read_id  text not null,
            key_id   text not null,
            action   text not null,
            subject  text,
            query    text,
            read_at  text not null)",
        indexes: "create index if not exists {admin_reads}_subject on {admin_reads} (subject)",
    },
];

#[async_trait]
impl Projector for AdminProjector {
    fn name(&self) -> &'static str {
        "admin"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&[KEYS_STREAM_TYPE, READ_STREAM_TYPE])
    }

    /// Rare events: one statement each.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let (keys, reads) = (t.name("admin_keys"), t.name("admin_reads"));
        for event in events {
            let (sql, binds) = if event.stream_type == KEYS_STREAM_TYPE {
                match super::decode::<AdminKeyEvent>(event)? {
                    Some(AdminKeyEvent::AdminKeyCreated { key_id, role, label, key_hash, created_at }) => (
                        format!(
                            "insert into {keys} (key_id, role, label, key_hash, created_at) values ($1, $2, $3, $4, $5)"
                        ),
                        args![key_id, role.as_str(), label, key_hash, format_time(&created_at)].to_vec(),
                    ),
                    Some(AdminKeyEvent::AdminKeyRevoked { key_id, revoked_at }) => (
                        format!("update {keys} set revoked_at = $2 where key_id = $1"),
                        args![key_id, format_time(&revoked_at)].to_vec(),
                    ),
                    None => continue,
                }
            } else if event.stream_type == READ_STREAM_TYPE {
                let Some(read_id) = event.stream_id.strip_prefix("admin-read-") else { continue };
                let Some(AdminReadEvent::AdminReadRecorded { key_id, action, subject, query, read_at }) =
                    super::decode::<AdminReadEvent>(event)?
                else {
                    continue;
                };
                (
                    format!(
                        "insert into {reads} (position, read_id, key_id, action, subject, query, read_at) \
                         values ($1, $2, $3, $4, $5, $6, $7)"
                    ),
                    args![event.position, read_id, key_id, action, subject, query, format_time(&read_at)].to_vec(),
                )
            } else {
                continue;
            };
            tx.execute(&sql, &binds).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminKeyRow {
    pub key_id: String,
    pub role: String,
    pub label: String,
    pub key_hash: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AdminReadRow {
    pub position: i64,
    pub read_id: String,
    pub key_id: String,
    pub action: String,
    pub subject: Option<String>,
    pub query: Option<String>,
    pub read_at: String,
}

impl Reads {
    pub async fn admin_key(&self, key_id: &str) -> Result<Option<AdminKeyRow>, StoreError> {
        let sql = "select key_id, role, label, key_hash, created_at, revoked_at from admin_keys where key_id = $1";
        Ok(self.db.fetch_optional(sql, &args![key_id]).await?)
    }

    pub async fn admin_keys(&self) -> Result<Vec<AdminKeyRow>, StoreError> {
        let sql = "select key_id, role, label, key_hash, created_at, revoked_at from admin_keys order by created_at";
        Ok(self.db.fetch_all(sql, &[]).await?)
    }

    /// Recorded admin reads after `after` (a position), oldest first; of `subject` only if named.
    pub async fn admin_reads(
        &self,
        after: i64,
        limit: i64,
        subject: Option<&str>,
    ) -> Result<Vec<AdminReadRow>, StoreError> {
        let sql = "select position, read_id, key_id, action, subject, query, read_at from admin_reads \
                   where position > $1 and ($2 is null or subject = $2) order by position limit $3";
        Ok(self.db.fetch_all(sql, &args![after, subject, limit]).await?)
    }
}
