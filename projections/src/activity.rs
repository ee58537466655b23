//! Refresh activity per login session (how often and when a device last refreshed), for
//! operators and analytics: a catch-up projection, kept off the refresh's own transaction so a
//! rotation writes nothing but its event there.
use async_trait::async_trait;
use domain::login::LoginEvent;
use std::collections::BTreeMap;
use store::{Arg, Col, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time, json_rows_arg};

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

    /// The page's new sessions in multi-row inserts, then one update for every session that
    /// rotated: its last rotation carries the count (`generation`) and the time.
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
        if !started.is_empty() {
            let source = tx.json_rows(1, &[Col::Text, Col::Text, Col::Text, Col::Text, Col::Int]);
            let sql = format!(
                "insert into {table} (session_id, user_id, tenant_id, started_at, refreshes) \
                 select c1, c2, c3, c4, c5 from {source} where true on conflict (session_id) do nothing"
            );
            tx.execute(&sql, &[json_rows_arg(&started)]).await?;
        }
        if rotated.is_empty() {
            return Ok(());
        }
        let rows: Vec<[Arg; 3]> = rotated
            .into_iter()
            .map(|(session_id, (generation, at))| args![session_id, i64::from(generation), at])
            .collect();
        let source = tx.json_rows(1, &[Col::Text, Col::Int, Col::Text]);
        let sql = format!(
            "update {table} set refreshes = v.c2, last_refreshed_at = v.c3 from {source} \
             where {table}.session_id = v.c1"
        );
        tx.execute(&sql, &[json_rows_arg(&rows)]).await?;
        Ok(())
    }
}
