//! How identity verification's refusals and provider failures become API errors.
use super::ApiError;
use commands::ports::identity::VerificationError;
use commands::verification::VerifyError;
use domain::user::UserError;

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::User(e) => e.into(),
            // the pending session was forgotten by the provider (a sandbox restarted): the
            // customer cannot continue it, and an operator must decide it
            VerifyError::Provider(VerificationError::NotFound) => {
                Self::VerificationProviderFailed("the provider does not know the pending session".into())
            }
            VerifyError::Provider(e @ (VerificationError::Refused(_) | VerificationError::Unavailable(_))) => {
                Self::VerificationProviderFailed(e.to_string())
            }
            e @ (VerifyError::Ambiguous | VerifyError::NothingPending) => Self::NoPendingVerification(e.to_string()),
        }
    }
}

/// The User aggregate's refusals of verification commands.
pub(super) fn refusal(e: UserError) -> ApiError {
    match e {
        UserError::AlreadyVerified(kind) => ApiError::AlreadyVerified(kind.to_string()),
        e @ UserError::NoPendingVerification(_) => ApiError::NoPendingVerification(e.to_string()),
        // two starts raced; the next try answers the session that won
        UserError::VerificationPending(_) => ApiError::Busy,
        other => ApiError::Internal(format!("not a verification refusal: {other}")),
    }
}
