//! The user view: what `GET /user/current` answers, read right after a write (inline).
use async_trait::async_trait;
use domain::user::UserEvent;
use std::collections::HashMap;
use store::{Arg, Db, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time};

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

const COLUMNS: &str = "user_id, tenant_id, partner_id, email, external_uid, test_user, plate_text, plate_country, \
                       plate_subdivision, registered_at, updated_at, stream_version";

/// One row of the view, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct ViewRow {
    user_id: String,
    tenant_id: String,
    partner_id: String,
    email: String,
    external_uid: Option<String>,
    test_user: bool,
    plate_text: Option<String>,
    plate_country: Option<String>,
    plate_subdivision: Option<String>,
    registered_at: String,
    updated_at: String,
    stream_version: i64,
}

impl ViewRow {
    fn binds(self) -> [Arg; 12] {
        args![
            self.user_id,
            self.tenant_id,
            self.partner_id,
            self.email,
            self.external_uid,
            self.test_user,
            self.plate_text,
            self.plate_country,
            self.plate_subdivision,
            self.registered_at,
            self.updated_at,
            self.stream_version
        ]
    }

    /// Copy one event of this user's stream; an event at or below the row's version was
    /// applied already.
    fn copy(&mut self, event: UserEvent, version: i64) {
        if version <= self.stream_version {
            return;
        }
        match event {
            UserEvent::UserRegistered { .. }
            | UserEvent::UserSignedUp { .. }
            | UserEvent::SignInFailed { .. }
            | UserEvent::AccountLocked { .. }
            | UserEvent::TotpSecretIssued { .. }
            | UserEvent::TotpEnabled { .. }
            | UserEvent::SecondFactorVerified { .. }
            | UserEvent::TotpDisabled { .. }
            | UserEvent::UserSignedUpWithIdentity { .. }
            | UserEvent::IdentityLinked { .. }
            | UserEvent::UserSignedUpWithEmailCode { .. }
            | UserEvent::UserSignedUpWithPhoneCode { .. } => return,
            UserEvent::PartnerExternalUidLinked { external_uid, linked_at, .. } => {
                self.external_uid = Some(external_uid.as_str().to_owned());
                self.updated_at = format_time(&linked_at);
            }
            UserEvent::VehicleChanged { license_plate, changed_at } => {
                self.plate_text = Some(license_plate.text().to_owned());
                self.plate_country = Some(license_plate.country().to_owned());
                self.plate_subdivision = license_plate.subdivision().map(str::to_owned);
                self.updated_at = format_time(&changed_at);
            }
        }
        self.stream_version = version;
    }
}

fn registered(user_id: &str, event: UserEvent, version: i64) -> Option<ViewRow> {
    match event {
        UserEvent::UserRegistered { tenant_id, partner_id, email, external_uid, test_user, registered_at, .. } => {
            let at = format_time(&registered_at);
            Some(ViewRow {
                user_id: user_id.to_owned(),
                tenant_id,
                partner_id,
                email: email.as_str().to_owned(),
                external_uid: external_uid.map(|u| u.as_str().to_owned()),
                test_user,
                plate_text: None,
                plate_country: None,
                plate_subdivision: None,
                registered_at: at.clone(),
                updated_at: at,
                stream_version: version,
            })
        }
        _ => None,
    }
}

#[async_trait]
impl Projector for UserViewProjector {
    fn name(&self) -> &'static str {
        "user_view"
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    fn stream_types(&self) -> Option<&'static [&'static str]> {
        Some(&["user"])
    }

    /// Folds the page per user in memory, starting from the stored rows of the users it touches,
    /// and writes every changed row back: one read and one upsert per 200 users.
    async fn apply_batch(&self, tx: &mut Tx<'_>, t: &Tables, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let table = t.name("user_view");
        let user_events: Vec<_> = events.iter().filter(|e| e.stream_type == "user").collect();
        // the stored rows of users whose page starts after their registration; a replayed
        // registration cannot replace a stored row: the upsert below only moves versions forward
        let mut wanted: Vec<&str> = user_events
            .iter()
            .filter(|e| e.event_type != "UserRegistered")
            .map(|e| e.stream_id.trim_start_matches("user-"))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut rows: HashMap<String, ViewRow> = HashMap::new();
        for chunk in wanted.chunks(super::ROWS_PER_STATEMENT) {
            let sql = format!("select {COLUMNS} from {table} where user_id in {}", tx.values(1, chunk.len()));
            let binds: Vec<Arg> = chunk.iter().map(|id| Arg::from(*id)).collect();
            for row in tx.fetch_all::<ViewRow>(&sql, &binds).await? {
                rows.insert(row.user_id.clone(), row);
            }
        }
        let mut changed: Vec<String> = Vec::new();
        for event in user_events {
            let Some(decoded) = super::decode::<UserEvent>(event)? else { continue };
            let user_id = event.stream_id.trim_start_matches("user-");
            match rows.get_mut(user_id) {
                Some(row) => row.copy(decoded, event.stream_version),
                None => match registered(user_id, decoded, event.stream_version) {
                    Some(row) => {
                        rows.insert(user_id.to_owned(), row);
                    }
                    None => continue,
                },
            }
            changed.push(user_id.to_owned());
        }
        changed.sort_unstable();
        changed.dedup();
        let changed: Vec<ViewRow> = changed.into_iter().filter_map(|id| rows.remove(&id)).collect();
        for chunk in changed.chunks(super::ROWS_PER_STATEMENT) {
            let sql = format!(
                "insert into {table} ({COLUMNS}) values {} on conflict (user_id) do update set \
                 tenant_id = excluded.tenant_id, partner_id = excluded.partner_id, email = excluded.email, \
                 external_uid = excluded.external_uid, test_user = excluded.test_user, \
                 plate_text = excluded.plate_text, plate_country = excluded.plate_country, \
                 plate_subdivision = excluded.plate_subdivision, registered_at = excluded.registered_at, \
                 updated_at = excluded.updated_at, stream_version = excluded.stream_version \
                 where {table}.stream_version < excluded.stream_version",
                tx.values(chunk.len(), 12)
            );
            let binds: Vec<Arg> = chunk.iter().cloned().flat_map(ViewRow::binds).collect();
            tx.execute(&sql, &binds).await?;
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
