//! Login sessions: every authenticated request checks its token's `sid` here, so a logout or a
//! revoked refresh family takes effect on the next request (inline: read right after a write).
use crate::Reads;
use async_trait::async_trait;
use domain::login::LoginEvent;
use store::{Col, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time, json_rows_arg};

pub struct LoginSessionsProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "login_sessions",
    ddl: "create table if not exists {login_sessions} (
            session_id    text primary key,
            user_id       text not null,
            tenant_id     text not null,
            client_id     text,
            dialect       text not null,
            method        text not null,
            test_user     boolean not null,
            started_at    text not null,
            expires_at    text not null,
            revoked_at    text,
            revoke_reason text,
            updated_at    text not null)",
    indexes: "create index if not exists {login_sessions}_user on {login_sessions} (user_id)",
}];

#[async_trait]
impl Projector for LoginSessionsProjector {
    fn name(&self) -> &'static str {
        "login_sessions"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["login"])
    }

    /// Rotations change nothing the session check reads (their count is `login_activity`'s).
    fn event_types(&self) -> Option<&'static [&'static str]> {
        Some(&["LoginSessionStarted", "LoginSessionRevoked"])
    }

    /// The page's new sessions in multi-row inserts, then its revocations in one update (after
    /// the inserts: a session may start and end in one page). Rotations are not decoded.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("login_sessions");
        let (mut started, mut revoked) = (Vec::new(), Vec::new());
        let mut revoked_ids = std::collections::HashSet::new();
        let wanted = |e: &&RecordedEvent| e.stream_type == "login" && e.event_type != "RefreshTokenRotated";
        for event in events.iter().filter(wanted) {
            let Some(session_id) = event.stream_id.strip_prefix("login-") else { continue };
            match super::decode::<LoginEvent>(event)? {
                Some(LoginEvent::LoginSessionStarted {
                    user_id,
                    tenant_id,
                    client_id,
                    dialect,
                    method,
                    test_user,
                    expires_at,
                    started_at,
                    ..
                }) => {
                    let at = format_time(&started_at);
                    started.push(args![
                        session_id,
                        user_id.to_string(),
                        tenant_id,
                        client_id,
                        dialect,
                        method.as_str(),
                        test_user,
                        at.clone(),
                        format_time(&expires_at),
                        at
                    ]);
                }
                // the first revocation wins (as `revoked_at is null` keeps it across pages)
                Some(LoginEvent::LoginSessionRevoked { reason, revoked_at }) if revoked_ids.insert(session_id) => {
                    revoked.push(args![session_id, format_time(&revoked_at), reason.as_str()]);
                }
                Some(LoginEvent::LoginSessionRevoked { .. } | LoginEvent::RefreshTokenRotated { .. }) | None => {}
            }
        }
        if !started.is_empty() {
            use Col::{Bool, Text};
            let source = tx.json_rows(1, &[Text, Text, Text, Text, Text, Text, Bool, Text, Text, Text]);
            let sql = format!(
                "insert into {table} (session_id, user_id, tenant_id, client_id, dialect, method, test_user, \
                 started_at, expires_at, updated_at) select c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 from {source} \
                 where true on conflict (session_id) do nothing"
            );
            tx.execute(&sql, &[json_rows_arg(&started)]).await?;
        }
        if revoked.is_empty() {
            return Ok(());
        }
        let source = tx.json_rows(1, &[Col::Text, Col::Text, Col::Text]);
        let sql = format!(
            "update {table} set revoked_at = v.c2, revoke_reason = v.c3, updated_at = v.c2 from {source} \
             where {table}.session_id = v.c1 and {table}.revoked_at is null"
        );
        tx.execute(&sql, &[json_rows_arg(&revoked)]).await?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginSessionRow {
    pub session_id: String,
    pub user_id: String,
    pub tenant_id: String,
    pub client_id: Option<String>,
    pub dialect: String,
    pub method: String,
    pub test_user: bool,
    pub started_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
}

impl LoginSessionRow {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

impl Reads {
    /// The session every authenticated request checks, by the token's `sid`, exactly as written.
    pub async fn login_session(&self, session_id: &str) -> Result<Option<LoginSessionRow>, StoreError> {
        let load = async || {
            self.db
                .fetch_optional(
                    "select session_id, user_id, tenant_id, client_id, dialect, method, test_user, started_at, \
                     expires_at, revoked_at, revoke_reason from login_sessions where session_id = $1",
                    &args![session_id],
                )
                .await
                .map_err(StoreError::from)
        };
        match &self.cache {
            Some(cache) => cache.session(session_id, load).await,
            None => load().await,
        }
    }

    /// The sessions of `user_id` that are not revoked (expired ones included: revoking them is
    /// harmless).
    pub async fn live_sessions_of(&self, user_id: uuid::Uuid) -> Result<Vec<uuid::Uuid>, StoreError> {
        let rows: Vec<(String,)> = self
            .db
            .fetch_all(
                "select session_id from login_sessions where user_id = $1 and revoked_at is null",
                &args![user_id.to_string()],
            )
            .await?;
        Ok(rows.into_iter().filter_map(|(id,)| uuid::Uuid::parse_str(&id).ok()).collect())
    }
}
