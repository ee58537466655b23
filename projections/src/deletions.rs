//! Deletion requests waiting for their holds to clear: what the deletion completer looks at.
//! A row from `DeletionRequested` until `UserErased` (inline).
use crate::Reads;
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};
use uuid::Uuid;

pub struct DeletionRequestsProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "deletion_requests",
    ddl: "create table if not exists {deletion_requests} (
            user_id      text primary key,
            requested_at text not null)",
    indexes: "create index if not exists {deletion_requests}_at on {deletion_requests} (requested_at)",
}];

#[async_trait]
impl Projector for DeletionRequestsProjector {
    fn name(&self) -> &'static str {
        "deletion_requests"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    fn event_types(&self) -> Option<&'static [&'static str]> {
        Some(&["DeletionRequested", "UserErased"])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("deletion_requests");
        for event in events.iter().filter(|e| e.stream_type == "user") {
            let Some(user_id) = event.stream_id.strip_prefix("user-") else { continue };
            match super::decode::<UserEvent>(event)? {
                Some(UserEvent::DeletionRequested { requested_at }) => {
                    let sql = format!(
                        "insert into {table} (user_id, requested_at) values ($1, $2) on conflict (user_id) do nothing"
                    );
                    tx.execute(&sql, &args![user_id, format_time(&requested_at)]).await?;
                }
                Some(UserEvent::UserErased { .. }) => {
                    tx.execute(&format!("delete from {table} where user_id = $1"), &args![user_id]).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Reads {
    /// Users who asked for deletion and are not erased yet, oldest request first.
    pub async fn pending_deletions(&self, limit: i64) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<(String,)> = self
            .db
            .fetch_all("select user_id from deletion_requests order by requested_at limit $1", &args![limit])
            .await?;
        Ok(rows.into_iter().filter_map(|(id,)| Uuid::parse_str(&id).ok()).collect())
    }
}
