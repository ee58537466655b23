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
}
