//! How account linking's refusals become API errors.
use super::ApiError;
use commands::CommandError;
use commands::links::LinkError;
use domain::links::AccountLinkError;

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::UnknownSystem => Self::UnknownSystem,
            LinkError::Command(CommandError::Domain(AccountLinkError::NotLinkable)) => Self::SystemNotLinkable,
            LinkError::Command(CommandError::Domain(AccountLinkError::RequirementsMissing(missing))) => {
                Self::LinkRequirementsMissing(missing.join(", "))
            }
            LinkError::Command(CommandError::Claim { .. }) => Self::Internal("an account link took a claim".into()),
            LinkError::Command(CommandError::Contended(_)) => Self::Busy,
            LinkError::Command(CommandError::Store(e)) => e.into(),
        }
    }
}

/// Identity cards change only through the operator's CLI and erasures: on a request path, only
/// an erasure's withdrawals reach here, and they can fail only in the store.
impl From<commands::cards::CardCommandError> for ApiError {
    fn from(e: commands::cards::CardCommandError) -> Self {
        match e {
            CommandError::Contended(_) => Self::Busy,
            CommandError::Store(e) => e.into(),
            other => Self::Internal(format!("identity cards: {other}")),
        }
    }
}
