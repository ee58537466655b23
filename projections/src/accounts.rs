//! Accounts of people who signed up with a password: the user model of the legacy dialect
//! (`isLogged`), with username, role, company and whether two-factor sign-in is on (inline).
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Db, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct AccountsProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "accounts",
    ddl: "create table if not exists {accounts} (
            user_id      text primary key,
            tenant_id    text not null,
            email        text not null,
            username     text,
            role         text,
            company      text,
            otp_enabled  boolean not null,
            signed_up_at text not null,
            updated_at   text not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for AccountsProjector {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("accounts");
        let wanted = ["UserSignedUp", "TotpEnabled", "TotpDisabled"];
        for event in events.iter().filter(|e| wanted.contains(&e.event_type.as_str())) {
            let Some(user_id) = event.stream_id.strip_prefix("user-") else { continue };
            match super::decode::<UserEvent>(event)? {
                Some(UserEvent::UserSignedUp { tenant_id, email, profile, signed_up_at, .. }) => {
                    let at = format_time(&signed_up_at);
                    let sql = format!(
                        "insert into {table} (user_id, tenant_id, email, username, role, company, otp_enabled, \
                         signed_up_at, updated_at) values ($1, $2, $3, $4, $5, $6, false, $7, $7) \
                         on conflict (user_id) do nothing"
                    );
                    let binds =
                        args![user_id, tenant_id, email.as_str(), profile.username, profile.role, profile.company, at];
                    tx.execute(&sql, &binds).await?;
                }
                Some(UserEvent::TotpEnabled { enabled_at: at, .. }) => {
                    let sql = format!("update {table} set otp_enabled = true, updated_at = $2 where user_id = $1");
                    tx.execute(&sql, &args![user_id, format_time(&at)]).await?;
                }
                Some(UserEvent::TotpDisabled { disabled_at: at }) => {
                    let sql = format!("update {table} set otp_enabled = false, updated_at = $2 where user_id = $1");
                    tx.execute(&sql, &args![user_id, format_time(&at)]).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub user_id: String,
    pub tenant_id: String,
    pub email: String,
    pub username: Option<String>,
    pub role: Option<String>,
    pub company: Option<String>,
    pub otp_enabled: bool,
    pub signed_up_at: String,
}

pub async fn account_by_id(db: &Db, user_id: &str) -> Result<Option<AccountRow>, StoreError> {
    Ok(db
        .fetch_optional(
            "select user_id, tenant_id, email, username, role, company, otp_enabled, signed_up_at from accounts \
             where user_id = $1",
            &args![user_id],
        )
        .await?)
}
