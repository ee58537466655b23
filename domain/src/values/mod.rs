//! Validated value types: parse, don't validate. Each has a private field and a `parse`, and
//! lives with its family: `contact` (Email, PhoneNumber), `identity` (ExternalUid), `vehicle`
//! (LicensePlate), `credentials` (NewPassword), `profile` (the checks of personal details).
mod contact;
mod credentials;
mod error;
mod identity;
mod profile;
mod vehicle;

pub use contact::{Email, PhoneNumber};
pub use credentials::NewPassword;
pub use error::ValueError;
pub use identity::ExternalUid;
pub use profile::{country, custom_properties, language, name, postal_address};
pub use vehicle::LicensePlate;

/// Whether `id` is an operator-chosen id of the catalog (a system, a branch, a card): 1 to 64
/// ASCII letters, digits, `.`, `_` or `-`, so it is safe in URLs, claims and logs.
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
