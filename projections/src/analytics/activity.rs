//! Activity per UTC day and tenant: `analytics_signins_daily` (sign-ins by method),
//! `analytics_activity_daily` (active users, refreshes, revocations) and its grain,
//! `analytics_active_users` (one row per tenant, day and user who signed in or refreshed), with
//! `analytics_sessions` (each session's tenant and user: rotations and revocations name neither).
use super::{Counts, add_counts, day, insert_new, lookup};
use async_trait::async_trait;
use domain::login::LoginEvent;
use std::collections::{BTreeMap, BTreeSet};
use store::{Arg, Col, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, json_rows_arg};

pub struct ActivityProjector;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "analytics_sessions",
        ddl: "create table if not exists {analytics_sessions} (
            session_id text primary key,
            tenant_id  text not null,
            user_id    text not null)",
        indexes: "",
    },
    TableSpec {
        name: "analytics_signins_daily",
        ddl: "create table if not exists {analytics_signins_daily} (
            tenant_id text not null,
            day       text not null,
            method    text not null,
            sign_ins  bigint not null,
            primary key (tenant_id, day, method))",
        indexes: "",
    },
    TableSpec {
        name: "analytics_active_users",
        ddl: "create table if not exists {analytics_active_users} (
            tenant_id text not null,
            day       text not null,
            user_id   text not null,
            primary key (tenant_id, day, user_id))",
        indexes: "",
    },
    TableSpec {
        name: "analytics_activity_daily",
        ddl: "create table if not exists {analytics_activity_daily} (
            tenant_id    text not null,
            day          text not null,
            active_users bigint not null,
            refreshes    bigint not null,
            revocations  bigint not null,
            primary key (tenant_id, day))",
        indexes: "",
    },
];

#[async_trait]
impl Projector for ActivityProjector {
    fn name(&self) -> &'static str {
        "analytics_activity"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["login"])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut decoded = Vec::new();
        // (tenant, user) of the sessions this page starts, then of those it only continues
        let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
        for event in events.iter().filter(|e| e.stream_type == "login") {
            let Some(session) = event.stream_id.strip_prefix("login-") else { continue };
            let Some(login) = crate::decode::<LoginEvent>(event)? else { continue };
            if let LoginEvent::LoginSessionStarted { tenant_id, user_id, .. } = &login {
                owners.insert(session.to_owned(), (tenant_id.clone(), user_id.to_string()));
            }
            decoded.push((session.to_owned(), login));
        }
        let started: Vec<Vec<String>> =
            owners.iter().map(|(s, (t, u))| vec![s.clone(), t.clone(), u.clone()]).collect();
        let unknown: BTreeSet<String> =
            decoded.iter().map(|(s, _)| s.clone()).filter(|s| !owners.contains_key(s)).collect();
        let sessions = t.name("analytics_sessions");
        owners.extend(lookup(tx, &sessions, "session_id", "tenant_id, user_id", unknown.into_iter().collect()).await?);
        insert_new(tx, &sessions, &["session_id", "tenant_id", "user_id"], started).await?;

        let (mut sign_ins, mut activity, mut active) = (Counts::new(), Counts::new(), BTreeSet::new());
        for (session, login) in decoded {
            let Some((tenant, user)) = owners.get(&session) else { continue };
            let (at, counter, method) = match login {
                LoginEvent::LoginSessionStarted { method, started_at, .. } => (started_at, None, Some(method)),
                LoginEvent::RefreshTokenRotated { rotated_at, .. } => (rotated_at, Some(0), None),
                LoginEvent::LoginSessionRevoked { revoked_at, .. } => (revoked_at, Some(1), None),
            };
            let key = vec![tenant.clone(), day(&at)];
            let daily = activity.entry(key.clone()).or_insert_with(|| vec![0, 0]);
            if let Some(i) = counter {
                daily[i] += 1;
            }
            if let Some(method) = method {
                sign_ins.entry([key.clone(), vec![method.as_str().to_owned()]].concat()).or_insert_with(|| vec![0])
                    [0] += 1;
            }
            if counter != Some(1) {
                active.insert([key, vec![user.clone()]].concat());
            }
        }
        let days: BTreeSet<Vec<String>> = active.iter().map(|row| row[..2].to_vec()).collect();
        insert_new(
            tx,
            &t.name("analytics_active_users"),
            &["tenant_id", "day", "user_id"],
            active.into_iter().collect(),
        )
        .await?;
        add_counts(tx, &t.name("analytics_signins_daily"), &["tenant_id", "day", "method"], &["sign_ins"], sign_ins)
            .await?;
        let daily = t.name("analytics_activity_daily");
        let counts = activity.into_iter().map(|(k, v)| (k, vec![0, v[0], v[1]])).collect();
        add_counts(tx, &daily, &["tenant_id", "day"], &["active_users", "refreshes", "revocations"], counts).await?;
        // the distinct users of each day touched: counted from the grain, so never twice
        if days.is_empty() {
            return Ok(());
        }
        let grain = t.name("analytics_active_users");
        let source = tx.json_rows(1, &[Col::Text, Col::Text]);
        let sql = format!(
            "update {daily} set active_users = (select count(*) from {grain} g \
             where g.tenant_id = {daily}.tenant_id and g.day = {daily}.day) \
             where (tenant_id, day) in (select c1, c2 from {source})"
        );
        let days: Vec<Vec<Arg>> = days.into_iter().map(|key| key.into_iter().map(Arg::from).collect()).collect();
        tx.execute(&sql, &[json_rows_arg(&days)]).await?;
        Ok(())
    }
}
