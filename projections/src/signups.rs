//! Sign-ups per tenant and day, for analytics; a catch-up projection (eventually consistent).
use async_trait::async_trait;
use domain::user::UserEvent;
use std::collections::BTreeMap;
use store::{Arg, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args};

pub struct SignupsProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "user_signups_daily",
    ddl: "create table if not exists {user_signups_daily} (
            tenant_id  text not null,
            day        text not null,
            users      bigint not null,
            test_users bigint not null,
            primary key (tenant_id, day))",
    indexes: "",
}];

#[async_trait]
impl Projector for SignupsProjector {
    fn name(&self) -> &'static str {
        "user_signups_daily"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    /// Counts the page in memory and adds the counts with one upsert per 200 (tenant, day) pairs.
    /// Counters are not idempotent on their own: the runner's checkpoint, written in the same
    /// transaction, makes each event count once.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut counts: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        let wanted = [
            "UserRegistered",
            "UserSignedUp",
            "UserSignedUpWithIdentity",
            "UserSignedUpWithEmailCode",
            "UserSignedUpWithPhoneCode",
        ];
        for event in events.iter().filter(|e| wanted.contains(&e.event_type.as_str())) {
            let (tenant_id, test_user, at) = match super::decode(event)? {
                Some(UserEvent::UserRegistered { tenant_id, test_user, registered_at, .. }) => {
                    (tenant_id, test_user, registered_at)
                }
                Some(UserEvent::UserSignedUp { tenant_id, signed_up_at, .. })
                | Some(UserEvent::UserSignedUpWithIdentity { tenant_id, signed_up_at, .. })
                | Some(UserEvent::UserSignedUpWithEmailCode { tenant_id, signed_up_at, .. })
                | Some(UserEvent::UserSignedUpWithPhoneCode { tenant_id, signed_up_at, .. }) => {
                    (tenant_id, false, signed_up_at)
                }
                _ => continue,
            };
            let count = counts.entry((tenant_id, at.format("%Y-%m-%d").to_string())).or_default();
            count.0 += 1;
            count.1 += i64::from(test_user);
        }
        let counts: Vec<_> = counts.into_iter().collect();
        let table = t.name("user_signups_daily");
        for chunk in counts.chunks(super::ROWS_PER_STATEMENT) {
            let sql = format!(
                "insert into {table} (tenant_id, day, users, test_users) values {} \
                 on conflict (tenant_id, day) do update set users = {table}.users + excluded.users, \
                 test_users = {table}.test_users + excluded.test_users",
                tx.values(chunk.len(), 4)
            );
            let binds: Vec<Arg> = chunk
                .iter()
                .flat_map(|((tenant, day), (users, test))| args![tenant.as_str(), day.as_str(), *users, *test])
                .collect();
            tx.execute(&sql, &binds).await?;
        }
        Ok(())
    }
}
