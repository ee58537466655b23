//! The user view: what `GET /user/current` answers, read right after a write (inline).
use async_trait::async_trait;
use domain::user::UserEvent;
use store::{Db, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

pub struct UserViewProjector;

const TABLES: &[TableSpec] = &[TableSpec {
    name: "user_view",
    ddl: "create table if not exists {user_view} (
            user_id           text primary key,
            tenant_id         text not null,
            partner_id        text not null,
            email             text not null,
            external_uid      text,
            test_user         boolean not null,
            plate_text        text,
            plate_country     text,
            plate_subdivision text,
            registered_at     text not null,
            updated_at        text not null,
            stream_version    bigint not null)",
    indexes: "",
}];

#[async_trait]
impl Projector for UserViewProjector {
    fn name(&self) -> &'static str {
        "user_view"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    async fn apply(&self, tx: &mut Tx<'_>, t: &Tables, event: &RecordedEvent) -> Result<(), StoreError> {
        if event.stream_type != "user" {
            return Ok(());
        }
        let table = t.name("user_view");
        let user_id = event.stream_id.trim_start_matches("user-");
        let version = event.stream_version;
        // `stream_version < $n` guards keep a replayed event from applying twice
        match super::decode::<UserEvent>(event)? {
            UserEvent::UserRegistered {
                tenant_id, partner_id, email, external_uid, test_user, registered_at, ..
            } => {
                let at = format_time(&registered_at);
                let sql = format!(
                    "insert into {table} (user_id, tenant_id, partner_id, email, external_uid, test_user, \
                     registered_at, updated_at, stream_version) values ($1, $2, $3, $4, $5, $6, $7, $7, $8) \
                     on conflict (user_id) do nothing"
                );
                let uid = external_uid.map(|u| u.as_str().to_owned());
                tx.execute(&sql, &args![user_id, tenant_id, partner_id, email.as_str(), uid, test_user, at, version])
                    .await?;
            }
            UserEvent::PartnerExternalUidLinked { external_uid, linked_at, .. } => {
                let sql = format!(
                    "update {table} set external_uid = coalesce(external_uid, $2), updated_at = $3, stream_version = $4 \
                     where user_id = $1 and stream_version < $4"
                );
                let at = format_time(&linked_at);
                tx.execute(&sql, &args![user_id, external_uid.as_str(), at, version]).await?;
            }
            UserEvent::VehicleChanged { license_plate, changed_at } => {
                let sql = format!(
                    "update {table} set plate_text = $2, plate_country = $3, plate_subdivision = $4, updated_at = $5, \
                     stream_version = $6 where user_id = $1 and stream_version < $6"
                );
                let args = args![
                    user_id,
                    license_plate.text(),
                    license_plate.country(),
                    license_plate.subdivision(),
                    format_time(&changed_at),
                    version
                ];
                tx.execute(&sql, &args).await?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub user_id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub email: String,
    pub external_uid: Option<String>,
    pub test_user: bool,
    pub plate_text: Option<String>,
    pub plate_country: Option<String>,
    pub plate_subdivision: Option<String>,
}

pub async fn user_by_id(db: &Db, user_id: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(db
        .fetch_optional(
            "select user_id, tenant_id, partner_id, email, external_uid, test_user, plate_text, plate_country, \
             plate_subdivision from user_view where user_id = $1",
            &args![user_id],
        )
        .await?)
}
