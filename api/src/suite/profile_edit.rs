//! What a `PATCH /customers` asks, checked field by field into one `EditProfile` command, and
//! how its refusals read.
use super::profile::{Address, CustomerPatch};
use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use commands::CommandError;
use domain::user::{PersonalDetails, User, UserCommand};
use domain::values::{self, Email, PhoneNumber, ValueError};
use projections::users::UserRow;

/// `Some(Some(v))` checked by `check`, `Some(None)` cleared, `None` kept as `current`.
fn merged<T, U>(
    patch: Option<Option<T>>,
    current: Option<U>,
    check: impl FnOnce(T) -> Result<U, ValueError>,
) -> Result<Option<U>, ApiError> {
    Ok(match patch {
        None => current,
        Some(None) => None,
        Some(Some(value)) => Some(check(value)?),
    })
}

fn birth_date(value: String) -> Result<NaiveDate, ValueError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| ValueError::InvalidBirthDate)
}

fn address(a: Address) -> Result<domain::user::PostalAddress, ValueError> {
    values::postal_address(a.street.as_deref(), a.zip.as_deref(), a.city.as_deref(), a.country.as_deref())
}

/// The one command the patch makes, or the first field it refuses.
pub(super) fn command(
    body: CustomerPatch,
    user: &User,
    row: &UserRow,
    at: DateTime<Utc>,
) -> Result<UserCommand, ApiError> {
    let read_only = [
        ("uuid", body.uuid.is_some()),
        ("emailIsVerified", body.email_is_verified.is_some()),
        ("phoneIsVerified", body.phone_is_verified.is_some()),
        ("paymentState", body.payment_state.is_some()),
        ("blockedByUnpaidInvoices", body.blocked_by_unpaid_invoices.is_some()),
        ("blockState", body.block_state.is_some()),
        ("licenseVerificationState", body.license_verification_state.is_some()),
        ("idVerificationState", body.id_verification_state.is_some()),
        ("manualVerificationState", body.manual_verification_state.is_some()),
    ];
    if let Some((field, _)) = read_only.iter().find(|(_, sent)| *sent) {
        return Err(ApiError::ReadOnlyField((*field).to_owned()));
    }
    let now = user.details().clone();
    let details = PersonalDetails {
        first_name: merged(body.first_name, now.first_name, |v| values::name(&v, false))?,
        last_name: merged(body.last_name, now.last_name, |v| values::name(&v, true))?,
        birth_date: merged(body.birth_date, now.birth_date, birth_date)?,
        address: merged(body.address, now.address, address)?,
        language: merged(body.language, now.language, |v| values::language(&v))?,
        custom_properties: merged(body.custom_properties, Some(now.custom_properties), values::custom_properties)?
            .unwrap_or_default(),
        ..now
    };
    let email = match body.email {
        None => None,
        Some(None) => return Err(ApiError::ReadOnlyField("email (it can be changed, not removed)".into())),
        Some(Some(_)) if row.signed_up_with.as_deref() == Some(domain::login::SignInMethod::IdToken.as_str()) => {
            return Err(ApiError::EmailNotChangeable);
        }
        Some(Some(email)) => Some(Email::parse(&email)?),
    };
    let phone_number = match body.phone_number {
        None => None,
        Some(None) => Some(None),
        Some(Some(phone)) => Some(Some(PhoneNumber::parse(&phone)?)),
    };
    Ok(UserCommand::EditProfile { details, email, phone_number, at })
}

/// A refused edit: a taken email or phone number names itself.
pub(super) fn refusal(e: commands::user::UserCommandError) -> ApiError {
    match e {
        CommandError::Claim { scope, .. } if scope == domain::user::TENANT_EMAIL => ApiError::EmailTaken,
        CommandError::Claim { scope, .. } if scope == domain::user::TENANT_PHONE => ApiError::PhoneTaken,
        other => other.into(),
    }
}
