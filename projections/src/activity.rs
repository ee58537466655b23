//! Refresh activity per login session (how often and when a device last refreshed), for
//! operators and analytics: a catch-up projection, kept off the refresh's own transaction so a
//! rotation writes nothing but its event there.
use async_trait::async_trait;
use domain::login::LoginEvent;
use std::collections::BTreeMap;
use store::{Arg, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct LoginActivityProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "login_activity",
    ddl: "create table if not exists {login_activity} (
            session_id        text primary key,
            user_id           text not null,
            tenant_id         text not null,
            started_at        text not null,
            refreshes         bigint not null,
            last_refreshed_at text)",
    indexes: "create index if not exists {login_activity}_user on {login_activity} (user_id)",
}];

#[async_trait]
impl Projector for LoginActivityProjector {
    fn name(&self) -> &'static str {
        "login_activity"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["login"])
    }

    /// The page's new sessions in multi-row inserts, then one update per session that rotated:
    /// its last rotation carries the count (`generation`) and the time.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut started = Vec::new();
        let mut rotated: BTreeMap<&str, (u32, String)> = BTreeMap::new();
        for event in events.iter().filter(|e| e.stream_type == "login") {
            let Some(session_id) = event.stream_id.strip_prefix("login-") else { continue };
            match super::decode::<LoginEvent>(event)? {
                Some(LoginEvent::LoginSessionStarted { user_id, tenant_id, started_at, .. }) => {
                    started.push(args![session_id, user_id.to_string(), tenant_id, format_time(&started_at), 0i64]);
                }
                Some(LoginEvent::RefreshTokenRotated { generation, rotated_at, .. }) => {
                    rotated.insert(session_id, (generation, format_time(&rotated_at)));
                }
                _ => {}
            }
        }
        let table = t.name("login_activity");
        for chunk in started.chunks(super::ROWS_PER_STATEMENT) {
            let sql = format!(
                "insert into {table} (session_id, user_id, tenant_id, started_at, refreshes) values {} \
                 on conflict (session_id) do nothing",
                tx.values(chunk.len(), 5)
            );
            let binds: Vec<Arg> = chunk.iter().flatten().cloned().collect();
            tx.execute(&sql, &binds).await?;
        }
        for (session_id, (generation, at)) in rotated {
            let sql = format!("update {table} set refreshes = $2, last_refreshed_at = $3 where session_id = $1");
            tx.execute(&sql, &args![session_id, i64::from(generation), at]).await?;
        }
        Ok(())
    }
}
