//! The user view: the one read model of a user that every dialect reads. Coord answers its
//! current user from it, suite its customer, legacy its user model; each picks its fields (and
//! the users it speaks of) when it translates a row. One row per user, from the event that made
//! the user, kept up to date with the vehicle, the external uid, the two-factor state and the
//! identity verifications. Inline:
//! the API reads it right after a write.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::user::{Profile, UserEvent};
use std::collections::HashMap;
use store::{Arg, Col, Projector, RecordedEvent, StoreError, TableSpec, Tables, Tx, args, format_time, json_rows_arg};

mod change;
mod reads;

use change::{BIRTHS, CHANGES};
use reads::SignedUpWith;

pub struct UserViewProjector;

/// A page of at most this many changes and no user's first event (what an inline append brings)
/// is written one `UPDATE` per event, instead of reading the users' rows and upserting them.
const SMALL_PAGE: usize = 8;

// `otp_enabled` has a default so that a row written without it (a stray row of a test, a
// benchmark's raw copy of partner registrations) reads as a user without two-factor sign-in.
const TABLES: &[TableSpec] = &[TableSpec {
    name: "user_view",
    ddl: "create table if not exists {user_view} (
            user_id           text primary key,
            tenant_id         text not null,
            partner_id        text,
            signed_up_with    text,
            email             text,
            phone_number      text,
            external_uid      text,
            test_user         boolean not null,
            first_name        text,
            last_name         text,
            language          text,
            username          text,
            role              text,
            company           text,
            plate_text        text,
            plate_country     text,
            plate_subdivision text,
            otp_enabled       boolean not null default false,
            email_verified    boolean not null default false,
            phone_verified    boolean not null default false,
            birth_date        text,
            address           text,
            custom_properties text,
            license_verification text,
            id_verification   text,
            manual_verification text,
            registered_at     text not null,
            updated_at        text not null,
            stream_version    bigint not null)",
    // the comment changes the fingerprint, so tables made before `UnprovenCredentialsRemoved`
    // cleared `otp_enabled` here are rebuilt once on start (ADR 0012)
    indexes: "create index if not exists {user_view}_tenant on {user_view} (tenant_id) \
              /* otp_enabled follows UnprovenCredentialsRemoved */",
}];

const COLUMNS: &str = "user_id, tenant_id, partner_id, signed_up_with, email, phone_number, external_uid, test_user, \
                       first_name, last_name, language, username, role, company, plate_text, plate_country, \
                       plate_subdivision, otp_enabled, email_verified, phone_verified, birth_date, address, \
                       custom_properties, license_verification, id_verification, manual_verification, \
                       registered_at, updated_at, stream_version";
const WIDTH: usize = 29;

/// `COLUMNS`' types, in order (`test_user`, the three flags and `stream_version` are not text).
const COLUMN_TYPES: [Col; WIDTH] = {
    let mut types = [Col::Text; WIDTH];
    types[7] = Col::Bool;
    types[17] = Col::Bool;
    types[18] = Col::Bool;
    types[19] = Col::Bool;
    types[28] = Col::Int;
    types
};

/// One user, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub user_id: String,
    pub tenant_id: String,
    /// The partner that introduced the user (coord `create_jwt`); `None` for a user who signed up.
    pub partner_id: Option<String>,
    /// How the user signed up, named as the sign-in methods are (`email_password`, `id_token`,
    /// `email_code`, `phone_code`); `None` for a user a partner introduced.
    pub signed_up_with: Option<String>,
    /// `None` only for an account made by a phone-number sign-in.
    pub email: Option<String>,
    /// Only for an account made by a phone-number sign-in.
    pub phone_number: Option<String>,
    pub external_uid: Option<String>,
    pub test_user: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: Option<String>,
    pub username: Option<String>,
    pub role: Option<String>,
    pub company: Option<String>,
    pub plate_text: Option<String>,
    pub plate_country: Option<String>,
    pub plate_subdivision: Option<String>,
    pub otp_enabled: bool,
    /// Whether the email was proven since it was given (a partner's word counts).
    pub email_verified: bool,
    pub phone_verified: bool,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// A JSON object (`street`, `zip`, `city`, `country`).
    pub address: Option<String>,
    /// A JSON object of strings.
    pub custom_properties: Option<String>,
    /// `PENDING`, `VERIFIED` or `REJECTED`; `None` before the first session (or manual check).
    pub license_verification: Option<String>,
    pub id_verification: Option<String>,
    pub manual_verification: Option<String>,
    /// When the user was registered by a partner or signed up.
    pub registered_at: String,
    pub updated_at: String,
    /// The version of the last event of the stream that changed the row.
    pub stream_version: i64,
    /// Erased while folding a page: the row is deleted instead of written.
    #[sqlx(skip)]
    pub erased: bool,
}

impl UserRow {
    /// Introduced by a partner: the users coord speaks of.
    pub fn introduced_by_partner(&self) -> bool {
        self.partner_id.is_some()
    }

    /// Signed up themselves, by any method: the customers of suite.
    pub fn signed_up(&self) -> bool {
        self.signed_up_with.is_some()
    }

    /// Signed up with an email and a password: the accounts of the legacy user model.
    pub fn signed_up_with_password(&self) -> bool {
        self.signed_up_with.as_deref() == Some(SignedUpWith::Password.as_str())
    }

    fn binds(self) -> [Arg; WIDTH] {
        args![
            self.user_id,
            self.tenant_id,
            self.partner_id,
            self.signed_up_with,
            self.email,
            self.phone_number,
            self.external_uid,
            self.test_user,
            self.first_name,
            self.last_name,
            self.language,
            self.username,
            self.role,
            self.company,
            self.plate_text,
            self.plate_country,
            self.plate_subdivision,
            self.otp_enabled,
            self.email_verified,
            self.phone_verified,
            self.birth_date,
            self.address,
            self.custom_properties,
            self.license_verification,
            self.id_verification,
            self.manual_verification,
            self.registered_at,
            self.updated_at,
            self.stream_version
        ]
    }

    /// A row with nothing but its identity, as of the event that made the user.
    fn new(user_id: &str, tenant_id: String, at: &DateTime<Utc>, version: i64) -> Self {
        let at = format_time(at);
        Self {
            user_id: user_id.to_owned(),
            tenant_id,
            partner_id: None,
            signed_up_with: None,
            email: None,
            phone_number: None,
            external_uid: None,
            test_user: false,
            first_name: None,
            last_name: None,
            language: None,
            username: None,
            role: None,
            company: None,
            plate_text: None,
            plate_country: None,
            plate_subdivision: None,
            otp_enabled: false,
            email_verified: false,
            phone_verified: false,
            birth_date: None,
            address: None,
            custom_properties: None,
            license_verification: None,
            id_verification: None,
            manual_verification: None,
            erased: false,
            registered_at: at.clone(),
            updated_at: at,
            stream_version: version,
        }
    }

    fn signed_up_as(mut self, with: SignedUpWith, profile: Profile) -> Self {
        self.signed_up_with = Some(with.as_str().to_owned());
        self.first_name = profile.first_name;
        self.last_name = profile.last_name;
        self.language = profile.language;
        self.username = profile.username;
        self.role = profile.role;
        self.company = profile.company;
        self
    }

    /// The row of a user's first event, if it is one that makes a user.
    fn born(user_id: &str, event: UserEvent, version: i64) -> Option<Self> {
        let row = match event {
            UserEvent::UserRegistered {
                tenant_id, partner_id, email, external_uid, test_user, registered_at, ..
            } => Self {
                partner_id: Some(partner_id),
                email: Some(email.as_str().to_owned()),
                email_verified: true,
                external_uid: external_uid.map(|u| u.as_str().to_owned()),
                test_user,
                ..Self::new(user_id, tenant_id, &registered_at, version)
            },
            UserEvent::UserRegisteredWithPartnerIdentity {
                tenant_id,
                partner_id,
                email,
                first_name,
                last_name,
                registered_at,
                ..
            } => Self {
                partner_id: Some(partner_id),
                email_verified: email.is_some(),
                email: email.map(|e| e.as_str().to_owned()),
                first_name,
                last_name,
                ..Self::new(user_id, tenant_id, &registered_at, version)
            },
            UserEvent::UserSignedUp { tenant_id, email, profile, signed_up_at, .. } => {
                let row = Self {
                    email: Some(email.as_str().to_owned()),
                    ..Self::new(user_id, tenant_id, &signed_up_at, version)
                };
                row.signed_up_as(SignedUpWith::Password, profile)
            }
            UserEvent::UserSignedUpWithIdentity { tenant_id, email, profile, signed_up_at, .. } => {
                let row = Self {
                    email: Some(email.as_str().to_owned()),
                    email_verified: true,
                    ..Self::new(user_id, tenant_id, &signed_up_at, version)
                };
                row.signed_up_as(SignedUpWith::IdToken, profile)
            }
            UserEvent::UserSignedUpWithEmailCode { tenant_id, email, signed_up_at, .. } => {
                let row = Self {
                    email: Some(email.as_str().to_owned()),
                    email_verified: true,
                    ..Self::new(user_id, tenant_id, &signed_up_at, version)
                };
                row.signed_up_as(SignedUpWith::EmailCode, Profile::default())
            }
            UserEvent::UserSignedUpWithPhoneCode { tenant_id, phone_number, signed_up_at, .. } => {
                let row = Self {
                    phone_number: Some(phone_number.as_str().to_owned()),
                    phone_verified: true,
                    ..Self::new(user_id, tenant_id, &signed_up_at, version)
                };
                row.signed_up_as(SignedUpWith::PhoneCode, Profile::default())
            }
            _ => return None,
        };
        Some(row)
    }

    /// Copy one later event of this user's stream; an event at or below the row's version was
    /// applied already.
    fn copy(&mut self, event: UserEvent, version: i64) {
        if version <= self.stream_version {
            return;
        }
        let Some((change, at)) = change::change_of(event) else { return };
        change.apply(self);
        self.updated_at = format_time(&at);
        self.stream_version = version;
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
        let user_events: Vec<_> = events
            .iter()
            .filter(|e| e.stream_type == "user")
            .filter(|e| BIRTHS.contains(&e.event_type.as_str()) || CHANGES.contains(&e.event_type.as_str()))
            .collect();
        if user_events.len() <= SMALL_PAGE && !user_events.iter().any(|e| BIRTHS.contains(&e.event_type.as_str())) {
            for event in user_events {
                let Some(decoded) = super::decode::<UserEvent>(event)? else { continue };
                let Some((change, at)) = change::change_of(decoded) else { continue };
                let user_id = event.stream_id.trim_start_matches("user-");
                change::update(tx, &table, user_id, change, &at, event.stream_version).await?;
            }
            return Ok(());
        }
        // the stored rows of users whose page starts after their first event; a replayed first
        // event cannot replace a stored row: the upsert below only moves versions forward
        let mut wanted: Vec<&str> = user_events
            .iter()
            .filter(|e| !BIRTHS.contains(&e.event_type.as_str()))
            .map(|e| e.stream_id.trim_start_matches("user-"))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut rows: HashMap<String, UserRow> = HashMap::new();
        if !wanted.is_empty() {
            let source = tx.json_rows(1, &[Col::Text]);
            let sql = format!("select {COLUMNS} from {table} where user_id in (select c1 from {source})");
            let ids: Vec<[Arg; 1]> = wanted.iter().map(|id| [Arg::from(*id)]).collect();
            for row in tx.fetch_all::<UserRow>(&sql, &[json_rows_arg(&ids)]).await? {
                rows.insert(row.user_id.clone(), row);
            }
        }
        let mut changed: Vec<String> = Vec::new();
        for event in user_events {
            let Some(decoded) = super::decode::<UserEvent>(event)? else { continue };
            let user_id = event.stream_id.trim_start_matches("user-");
            match rows.get_mut(user_id) {
                Some(row) => row.copy(decoded, event.stream_version),
                None => match UserRow::born(user_id, decoded, event.stream_version) {
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
        let (erased, changed): (Vec<UserRow>, Vec<UserRow>) =
            changed.into_iter().filter_map(|id| rows.remove(&id)).partition(|row| row.erased);
        for row in erased {
            tx.execute(&format!("delete from {table} where user_id = $1"), &args![row.user_id]).await?;
        }
        if changed.is_empty() {
            return Ok(());
        }
        let updates: Vec<String> = COLUMNS.split(", ").skip(1).map(|c| format!("{c} = excluded.{c}")).collect();
        let cells: Vec<String> = (1..=WIDTH).map(|c| format!("c{c}")).collect();
        let sql = format!(
            "insert into {table} ({COLUMNS}) select {} from {} where true on conflict (user_id) do update set {} \
             where {table}.stream_version < excluded.stream_version",
            cells.join(", "),
            tx.json_rows(1, &COLUMN_TYPES),
            updates.join(", ")
        );
        let rows: Vec<[Arg; WIDTH]> = changed.into_iter().map(UserRow::binds).collect();
        tx.execute(&sql, &[json_rows_arg(&rows)]).await?;
        Ok(())
    }
}
