//! Why a value was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("email address is not valid")]
    InvalidEmail,
    #[error("external uid must be 1 to 128 printable characters")]
    InvalidExternalUid,
    #[error("license plate text must be 1 to 16 letters, digits, spaces or hyphens")]
    InvalidPlateText,
    #[error("license plate country must be an ISO 3166-1 alpha-2 code such as \"us\"")]
    InvalidPlateCountry,
    #[error("license plate subdivision must be 1 to 3 letters or digits such as \"ny\"")]
    InvalidPlateSubdivision,
    #[error("phone number must be in international form: + and 8 to 15 digits, such as \"+41791234567\"")]
    InvalidPhoneNumber,
    #[error("the password must be 8 to 128 characters long")]
    WeakPassword,
    #[error("language must be a BCP 47 tag such as \"de\" or \"fr-CH\"")]
    InvalidLanguage,
    #[error("country must be an ISO 3166-1 alpha-2 code such as \"CH\"")]
    InvalidCountry,
    #[error("the birth date must be a past date written YYYY-MM-DD")]
    InvalidBirthDate,
    #[error("the first name must be 1 to 100 characters without control characters")]
    InvalidFirstName,
    #[error("the last name must be 1 to 100 characters without control characters")]
    InvalidLastName,
    /// An address needs all its parts; the missing one: `street`, `zip`, `city` or `country`.
    #[error("the address has no {0}")]
    AddressIncomplete(&'static str),
    #[error("an address part is longer than 200 characters or has control characters")]
    InvalidAddress,
    #[error("custom properties: at most 50, keys 1 to 40 characters, values at most 500 printable characters")]
    InvalidCustomProperties,
}
