//! A sign-in in one request, for a dialect with no second-factor step (legacy's password grant):
//! when the account has TOTP on, its code (or a recovery code) comes with the first factor.
use super::{Dialect, FirstFactor, SignInError, SignInFlow, TokenPair};
use crate::twofactor::TwoFactorError;
use domain::login::SignInMethod;
use store::Metadata;

impl SignInFlow {
    /// Sign in with `factor`, and with `code` when the account has TOTP on: without a code the
    /// answer is `TwoFactorRequired` (the first factor was right, and counted nothing); a wrong
    /// code counts toward the lockout, as at the suite's second step.
    #[tracing::instrument(skip_all, fields(dialect = dialect.name(), tenant))]
    pub async fn sign_in_one_step(
        &self,
        (dialect, tenant): (Dialect, &str),
        factor: FirstFactor,
        code: Option<String>,
        request: Metadata,
    ) -> Result<TokenPair, SignInError> {
        let now = self.clock.now();
        let (mut proven, metadata) = self.first_factor(dialect, tenant, factor, request, now).await?;
        if proven.account.as_ref().is_some_and(|account| account.totp_secret().is_some()) {
            let code = code.filter(|c| !c.trim().is_empty()).ok_or(SignInError::TwoFactorRequired)?;
            let user_id = proven.user_id;
            match self.services.two_factor.verify(user_id, code.trim(), now, &metadata).await {
                Ok(()) => {}
                Err(TwoFactorError::InvalidCode) => {
                    return Err(self.failed(user_id, now, &metadata, SignInError::InvalidCode).await);
                }
                Err(e) => return Err(e.into()),
            }
            proven.method = SignInMethod::TwoFactor;
        }
        self.open_session(dialect, tenant, &proven, now, &metadata).await
    }
}
