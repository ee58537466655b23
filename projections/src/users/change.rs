//! What a later event of a user's stream changes in the user's row, said once: applied to a row
//! in memory (the fold of a page) or written as one `UPDATE` (a small page of changes only, as an
//! inline append brings).
use super::UserRow;
use chrono::{DateTime, Utc};
use domain::user::{PersonalDetails, UserEvent, VerificationKind, VerificationResult};
use store::{Arg, StoreError, Tx, format_time};

/// The columns an event sets, beside `updated_at` and `stream_version`.
pub(super) enum Change {
    ExternalUid(String),
    Plate {
        text: String,
        country: String,
        subdivision: Option<String>,
    },
    TwoFactor(bool),
    EmailVerified,
    Email(String),
    Username(String),
    Phone(Option<String>),
    PhoneVerified,
    /// The personal details, all of them; address and custom properties as JSON.
    Details {
        first_name: Option<String>,
        last_name: Option<String>,
        language: Option<String>,
        role: Option<String>,
        company: Option<String>,
        birth_date: Option<String>,
        address: Option<String>,
        custom_properties: Option<String>,
    },
    /// What a partner's token says: the email (the partner vouches for it) and the names.
    PartnerClaims {
        email: Option<String>,
        first_name: Option<String>,
        last_name: Option<String>,
    },
    /// A verification's state (`PENDING`, `VERIFIED`, `REJECTED`) in its column.
    Verification(VerificationColumn, &'static str),
    /// Only the row's time and version move (a removal that found no TOTP).
    Nothing,
    /// The user was erased: the row goes.
    Erased,
}

/// The columns of the identity verifications.
#[derive(Clone, Copy)]
pub(super) enum VerificationColumn {
    License,
    Id,
    Manual,
}

impl VerificationColumn {
    fn of(kind: VerificationKind) -> Self {
        match kind {
            VerificationKind::License => Self::License,
            VerificationKind::Id => Self::Id,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::License => "license_verification",
            Self::Id => "id_verification",
            Self::Manual => "manual_verification",
        }
    }

    fn of_row(self, row: &mut UserRow) -> &mut Option<String> {
        match self {
            Self::License => &mut row.license_verification,
            Self::Id => &mut row.id_verification,
            Self::Manual => &mut row.manual_verification,
        }
    }
}

fn decided(result: VerificationResult) -> &'static str {
    match result {
        VerificationResult::Verified => "VERIFIED",
        VerificationResult::Rejected => "REJECTED",
    }
}

fn details(d: PersonalDetails) -> Change {
    Change::Details {
        first_name: d.first_name,
        last_name: d.last_name,
        language: d.language,
        role: d.role,
        company: d.company,
        birth_date: d.birth_date.map(|b| b.format("%Y-%m-%d").to_string()),
        address: d.address.and_then(|a| serde_json::to_string(&a).ok()),
        custom_properties: (!d.custom_properties.is_empty())
            .then(|| serde_json::to_string(&d.custom_properties).ok())
            .flatten(),
    }
}

/// The change and its time, or `None` for an event that changes nothing in the row.
pub(super) fn change_of(event: UserEvent) -> Option<(Change, DateTime<Utc>)> {
    Some(match event {
        UserEvent::PartnerExternalUidLinked { external_uid, linked_at, .. } => {
            (Change::ExternalUid(external_uid.as_str().to_owned()), linked_at)
        }
        UserEvent::VehicleChanged { license_plate, changed_at } => {
            let plate = Change::Plate {
                text: license_plate.text().to_owned(),
                country: license_plate.country().to_owned(),
                subdivision: license_plate.subdivision().map(str::to_owned),
            };
            (plate, changed_at)
        }
        UserEvent::TotpEnabled { enabled_at, .. } => (Change::TwoFactor(true), enabled_at),
        UserEvent::TotpDisabled { disabled_at } => (Change::TwoFactor(false), disabled_at),
        UserEvent::UnprovenCredentialsRemoved { totp: true, removed_at, .. } => (Change::TwoFactor(false), removed_at),
        UserEvent::UnprovenCredentialsRemoved { totp: false, removed_at, .. } => (Change::Nothing, removed_at),
        UserEvent::EmailProven { proven_at, .. } => (Change::EmailVerified, proven_at),
        UserEvent::ProfileChanged { details: d, changed_at } => (details(d), changed_at),
        UserEvent::EmailChanged { new_email, changed_at, .. } => {
            (Change::Email(new_email.as_str().to_owned()), changed_at)
        }
        UserEvent::UsernameChanged { new_username, changed_at, .. } => (Change::Username(new_username), changed_at),
        UserEvent::PhoneNumberChanged { new_phone_number, changed_at, .. } => {
            (Change::Phone(new_phone_number.map(|p| p.as_str().to_owned())), changed_at)
        }
        UserEvent::PhoneNumberProven { proven_at } => (Change::PhoneVerified, proven_at),
        UserEvent::UserErased { erased_at, .. } => (Change::Erased, erased_at),
        UserEvent::PartnerIdentityClaimsChanged { email, first_name, last_name, changed_at } => {
            (Change::PartnerClaims { email: email.map(|e| e.as_str().to_owned()), first_name, last_name }, changed_at)
        }
        UserEvent::IdentityVerificationStarted { kind, started_at, .. } => {
            (Change::Verification(VerificationColumn::of(kind), "PENDING"), started_at)
        }
        UserEvent::IdentityVerificationCompleted { kind, result, completed_at, .. } => {
            (Change::Verification(VerificationColumn::of(kind), decided(result)), completed_at)
        }
        UserEvent::ManualVerificationRecorded { result, recorded_at, .. } => {
            (Change::Verification(VerificationColumn::Manual, decided(result)), recorded_at)
        }
        UserEvent::UserRegistered { .. }
        | UserEvent::PasswordChanged { .. }
        | UserEvent::DeletionRequested { .. }
        | UserEvent::UserSignedUp { .. }
        | UserEvent::UserSignedUpWithIdentity { .. }
        | UserEvent::UserSignedUpWithEmailCode { .. }
        | UserEvent::UserSignedUpWithPhoneCode { .. }
        | UserEvent::UserRegisteredWithPartnerIdentity { .. }
        | UserEvent::SignInFailed { .. }
        | UserEvent::AccountLocked { .. }
        | UserEvent::TotpSecretIssued { .. }
        | UserEvent::SecondFactorVerified { .. }
        | UserEvent::IdentityLinked { .. } => return None,
    })
}

impl Change {
    pub(super) fn apply(self, row: &mut UserRow) {
        match self {
            Self::ExternalUid(uid) => row.external_uid = Some(uid),
            Self::Plate { text, country, subdivision } => {
                row.plate_text = Some(text);
                row.plate_country = Some(country);
                row.plate_subdivision = subdivision;
            }
            Self::TwoFactor(on) => row.otp_enabled = on,
            Self::EmailVerified => row.email_verified = true,
            Self::Email(email) => {
                row.email = Some(email);
                row.email_verified = false;
            }
            Self::Username(name) => row.username = Some(name),
            Self::Phone(phone) => {
                row.phone_number = phone;
                row.phone_verified = false;
            }
            Self::PhoneVerified => row.phone_verified = true,
            Self::Details {
                first_name,
                last_name,
                language,
                role,
                company,
                birth_date,
                address,
                custom_properties,
            } => {
                row.first_name = first_name;
                row.last_name = last_name;
                row.language = language;
                row.role = role;
                row.company = company;
                row.birth_date = birth_date;
                row.address = address;
                row.custom_properties = custom_properties;
            }
            Self::PartnerClaims { email, first_name, last_name } => {
                row.email_verified = email.is_some();
                row.email = email;
                row.first_name = first_name;
                row.last_name = last_name;
            }
            Self::Verification(column, state) => *column.of_row(row) = Some(state.to_owned()),
            Self::Nothing => {}
            Self::Erased => row.erased = true,
        }
    }

    /// The `SET` list of the change's own columns, `$1` on, and their values.
    fn assignments(self) -> (Vec<&'static str>, Vec<Arg>) {
        match self {
            Self::ExternalUid(uid) => (vec!["external_uid"], vec![Arg::from(uid)]),
            Self::Plate { text, country, subdivision } => (
                vec!["plate_text", "plate_country", "plate_subdivision"],
                vec![Arg::from(text), Arg::from(country), Arg::from(subdivision)],
            ),
            Self::TwoFactor(on) => (vec!["otp_enabled"], vec![Arg::from(on)]),
            Self::EmailVerified => (vec!["email_verified"], vec![Arg::from(true)]),
            Self::Email(email) => (vec!["email", "email_verified"], vec![Arg::from(email), Arg::from(false)]),
            Self::Username(name) => (vec!["username"], vec![Arg::from(name)]),
            Self::Phone(phone) => (vec!["phone_number", "phone_verified"], vec![Arg::from(phone), Arg::from(false)]),
            Self::PhoneVerified => (vec!["phone_verified"], vec![Arg::from(true)]),
            Self::Details {
                first_name,
                last_name,
                language,
                role,
                company,
                birth_date,
                address,
                custom_properties,
            } => (
                vec![
                    "first_name",
                    "last_name",
                    "language",
                    "role",
                    "company",
                    "birth_date",
                    "address",
                    "custom_properties",
                ],
                vec![
                    Arg::from(first_name),
                    Arg::from(last_name),
                    Arg::from(language),
                    Arg::from(role),
                    Arg::from(company),
                    Arg::from(birth_date),
                    Arg::from(address),
                    Arg::from(custom_properties),
                ],
            ),
            Self::PartnerClaims { email, first_name, last_name } => (
                vec!["email_verified", "email", "first_name", "last_name"],
                vec![Arg::from(email.is_some()), Arg::from(email), Arg::from(first_name), Arg::from(last_name)],
            ),
            Self::Verification(column, state) => (vec![column.name()], vec![Arg::from(state)]),
            Self::Nothing | Self::Erased => (vec![], vec![]),
        }
    }
}

/// Write one event's change to the stored row, unless the row is at or past its version.
pub(super) async fn update(
    tx: &mut Tx<'_>,
    table: &str,
    user_id: &str,
    change: Change,
    at: &DateTime<Utc>,
    version: i64,
) -> Result<(), StoreError> {
    if matches!(change, Change::Erased) {
        let sql = format!("delete from {table} where user_id = $1 and stream_version < $2");
        tx.execute(&sql, &[Arg::from(user_id), Arg::from(version)]).await?;
        return Ok(());
    }
    let (columns, mut binds) = change.assignments();
    let mut set: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let n = columns.len();
    set.push(format!("updated_at = ${}", n + 1));
    set.push(format!("stream_version = ${}", n + 2));
    binds.extend([Arg::from(format_time(at)), Arg::from(version), Arg::from(user_id), Arg::from(version)]);
    let sql =
        format!("update {table} set {} where user_id = ${} and stream_version < ${}", set.join(", "), n + 3, n + 4);
    tx.execute(&sql, &binds).await?;
    Ok(())
}

/// The events that make a user: each user has exactly one of them, first in their stream.
pub(super) const BIRTHS: &[&str] = &[
    "UserRegistered",
    "UserSignedUp",
    "UserSignedUpWithIdentity",
    "UserSignedUpWithEmailCode",
    "UserSignedUpWithPhoneCode",
    "UserRegisteredWithPartnerIdentity",
];
/// The later events that change a row; the others (sign-in failures, locks, pending TOTP
/// secrets, used second factors, linked identities) change nothing here.
pub(super) const CHANGES: &[&str] = &[
    "PartnerExternalUidLinked",
    "VehicleChanged",
    "TotpEnabled",
    "TotpDisabled",
    "UnprovenCredentialsRemoved",
    "EmailProven",
    "ProfileChanged",
    "EmailChanged",
    "UsernameChanged",
    "PhoneNumberChanged",
    "PhoneNumberProven",
    "UserErased",
    "PartnerIdentityClaimsChanged",
    "IdentityVerificationStarted",
    "IdentityVerificationCompleted",
    "ManualVerificationRecorded",
];
