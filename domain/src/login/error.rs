//! Why a login-session command was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("the session was already started")]
    AlreadyStarted,
    #[error("the session does not exist")]
    NotStarted,
    #[error("the session has been revoked")]
    Revoked,
    #[error("the session has expired")]
    Expired,
    #[error("the session hands out no refresh tokens")]
    NoRefreshToken,
    #[error("the refresh token is not valid")]
    UnknownRefreshToken,
    #[error("the session belongs to another tenant")]
    OtherTenant,
    #[error("the session was opened through another dialect")]
    OtherDialect,
}
