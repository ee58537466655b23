//! Why a user command was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("the user is already registered")]
    AlreadyRegistered,
    #[error("the user does not exist")]
    NotRegistered,
    #[error("the user already has another external uid at this partner")]
    ExternalUidConflict,
    #[error("two-factor sign-in is already on")]
    TotpAlreadyEnabled,
    #[error("no two-factor secret was issued, or it is on already")]
    NoPendingTotpSecret,
    #[error("two-factor sign-in is off")]
    TotpNotEnabled,
    #[error("the code was used already")]
    SecondFactorReplayed,
    #[error("the phone number changed since the code was sent")]
    PhoneNumberChanged,
    #[error("the account has holds: {}", .0.join(", "))]
    Held(Vec<String>),
    #[error("an email address or a phone number must be set")]
    NeedEmailOrPhone,
    #[error("the birth date is in the future")]
    BirthDateInFuture,
    #[error("the person is younger than {0}")]
    TooYoung(u32),
    #[error("the person would be older than {0}")]
    TooOld(u32),
    #[error("the {0} verification is done already")]
    AlreadyVerified(super::VerificationKind),
    #[error("another {0} verification is pending")]
    VerificationPending(super::VerificationKind),
    #[error("no {0} verification is pending")]
    NoPendingVerification(super::VerificationKind),
}
