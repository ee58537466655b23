//! Sign-ups per tenant and day, for analytics; a catch-up projection (eventually consistent).
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Db, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args};

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

    async fn apply(&self, tx: &mut Tx<'_>, t: &Tables, event: &RecordedEvent) -> Result<(), StoreError> {
        if event.event_type != "UserRegistered" {
            return Ok(());
        }
        // exactly once: the runner writes the checkpoint in this same transaction
        if let UserEvent::UserRegistered { tenant_id, test_user, registered_at, .. } = super::decode(event)? {
            let sql = format!(
                "insert into {t} (tenant_id, day, users, test_users) values ($1, $2, 1, $3) \
                 on conflict (tenant_id, day) do update set users = {t}.users + 1, \
                 test_users = {t}.test_users + excluded.test_users",
                t = t.name("user_signups_daily")
            );
            let day = registered_at.format("%Y-%m-%d").to_string();
            tx.execute(&sql, &args![tenant_id, day, i64::from(test_user)]).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SignupDay {
    pub tenant_id: String,
    pub day: String,
    pub users: i64,
    pub test_users: i64,
}

pub async fn signups(db: &Db, tenant_id: &str) -> Result<Vec<SignupDay>, StoreError> {
    Ok(db
        .fetch_all(
            "select tenant_id, day, users, test_users from user_signups_daily where tenant_id = $1 order by day",
            &args![tenant_id],
        )
        .await?)
}
