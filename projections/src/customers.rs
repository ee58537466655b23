//! The customer view: what suite's `GET /customers` answers for people who signed up
//! themselves (inline: read right after the sign-up).
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Db, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct CustomerViewProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "customer_view",
    ddl: "create table if not exists {customer_view} (
            user_id      text primary key,
            tenant_id    text not null,
            email        text,
            phone_number text,
            first_name   text,
            last_name    text,
            language     text,
            signed_up_at text not null,
            updated_at   text not null)",
    indexes: "create index if not exists {customer_view}_tenant on {customer_view} (tenant_id)",
}];

#[async_trait]
impl Projector for CustomerViewProjector {
    fn name(&self) -> &'static str {
        "customer_view"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("customer_view");
        let wanted =
            ["UserSignedUp", "UserSignedUpWithIdentity", "UserSignedUpWithEmailCode", "UserSignedUpWithPhoneCode"];
        for event in events.iter().filter(|e| wanted.contains(&e.event_type.as_str())) {
            let (user_id, tenant_id, email, phone, profile, signed_up_at) = match super::decode::<UserEvent>(event)? {
                Some(UserEvent::UserSignedUp { user_id, tenant_id, email, profile, signed_up_at, .. })
                | Some(UserEvent::UserSignedUpWithIdentity {
                    user_id, tenant_id, email, profile, signed_up_at, ..
                }) => (user_id, tenant_id, Some(email), None, profile, signed_up_at),
                Some(UserEvent::UserSignedUpWithEmailCode { user_id, tenant_id, email, signed_up_at }) => {
                    (user_id, tenant_id, Some(email), None, domain::user::Profile::default(), signed_up_at)
                }
                Some(UserEvent::UserSignedUpWithPhoneCode { user_id, tenant_id, phone_number, signed_up_at }) => {
                    (user_id, tenant_id, None, Some(phone_number), domain::user::Profile::default(), signed_up_at)
                }
                _ => continue,
            };
            let at = format_time(&signed_up_at);
            let sql = format!(
                "insert into {table} (user_id, tenant_id, email, phone_number, first_name, last_name, language, \
                 signed_up_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8) on conflict (user_id) do nothing"
            );
            let binds = args![
                user_id.to_string(),
                tenant_id,
                email.map(|e| e.as_str().to_owned()),
                phone.map(|p| p.as_str().to_owned()),
                profile.first_name,
                profile.last_name,
                profile.language,
                at
            ];
            tx.execute(&sql, &binds).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CustomerRow {
    pub user_id: String,
    pub tenant_id: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: Option<String>,
    pub signed_up_at: String,
}

pub async fn customer_by_id(db: &Db, user_id: &str) -> Result<Option<CustomerRow>, StoreError> {
    Ok(db
        .fetch_optional(
            "select user_id, tenant_id, email, phone_number, first_name, last_name, language, signed_up_at \
             from customer_view \
             where user_id = $1",
            &args![user_id],
        )
        .await?)
}
