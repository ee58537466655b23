//! What a later event of a user's stream changes in the user's row, said once: applied to a row
//! in memory (the fold of a page) or written as one `UPDATE` (a small page of changes only, as an
//! inline append brings).
use super::UserRow;
use chrono::{DateTime, Utc};
use domain::user::UserEvent;
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
    /// Only the row's time and version move (a removal that found no TOTP).
    Nothing,
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
        UserEvent::UserRegistered { .. }
        | UserEvent::UserSignedUp { .. }
        | UserEvent::UserSignedUpWithIdentity { .. }
        | UserEvent::UserSignedUpWithEmailCode { .. }
        | UserEvent::UserSignedUpWithPhoneCode { .. }
        | UserEvent::SignInFailed { .. }
        | UserEvent::AccountLocked { .. }
        | UserEvent::TotpSecretIssued { .. }
        | UserEvent::SecondFactorVerified { .. }
        | UserEvent::IdentityLinked { .. }
        | UserEvent::EmailProven { .. } => return None,
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
            Self::Nothing => {}
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
            Self::Nothing => (vec![], vec![]),
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
