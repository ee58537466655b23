//! The flow: lock check, first factor, failures toward the lockout, the MFA branch.
use super::{Dialect, FirstFactor, SignInError, SignInPolicy, SignedIn};
use crate::catalog::CatalogService;
use crate::codes::CodeService;
use crate::login::LoginService;
use crate::passwords::Passwords;
use crate::ports::{Clock, TokenSigner};
use crate::twofactor::TwoFactorService;
use crate::user::UserService;
use chrono::{DateTime, Utc};
use domain::login::SignInMethod;
use domain::user::User;
use std::sync::Arc;
use store::{EventStore, Metadata};
use uuid::Uuid;

/// The services the flow drives; clones of the ones the rest of the service uses, so caches
/// (the tenant settings) are shared.
#[derive(Clone)]
pub struct SignInServices {
    pub users: UserService,
    pub logins: LoginService,
    pub catalog: CatalogService,
    pub passwords: Passwords,
    pub codes: CodeService,
    pub two_factor: TwoFactorService,
    /// Spent mfaTokens are remembered in the store's seen-signature table.
    pub store: Arc<dyn EventStore>,
    /// A user's sessions, to end them all when the account's credentials are removed.
    pub sessions: Arc<dyn crate::ports::UserSessions>,
}

#[derive(Clone)]
pub struct SignInFlow {
    pub(super) services: SignInServices,
    pub(super) signer: Arc<dyn TokenSigner>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) policy: SignInPolicy,
    pub(super) password_turns: super::gate::PasswordTurns,
}

/// The account a first factor proved, and how.
pub(super) struct Proven {
    pub user_id: Uuid,
    /// The account as read, when the factor read it. A partner's word and a sign-up of this very
    /// request read none: the first is no guess the lockout should stop, and a new account has
    /// neither a lock nor a second factor.
    pub account: Option<User>,
    pub test_user: bool,
    pub method: SignInMethod,
    /// The partner the token is minted for (`azp`); a person's own sign-in has none.
    pub client: Option<String>,
}

impl SignInFlow {
    pub fn new(
        services: SignInServices,
        signer: Arc<dyn TokenSigner>,
        clock: Arc<dyn Clock>,
        policy: SignInPolicy,
    ) -> Self {
        Self { services, signer, clock, policy, password_turns: super::gate::PasswordTurns::new() }
    }

    /// Sign in to `tenant` through `dialect` with `factor`. `request` is the request's audit
    /// metadata; the flow records the dialect, the tenant and who acted.
    #[tracing::instrument(skip_all, fields(dialect = dialect.name(), tenant))]
    pub async fn sign_in(
        &self,
        dialect: Dialect,
        tenant: &str,
        factor: FirstFactor,
        request: Metadata,
    ) -> Result<SignedIn, SignInError> {
        let outcome = self.first_step(dialect, tenant, factor, request).await;
        let label = match &outcome {
            Ok(SignedIn::Tokens(_)) => "signed_in",
            Ok(SignedIn::MfaRequired { .. }) => "mfa_required",
            Err(SignInError::InvalidCredentials) => "invalid_credentials",
            Err(SignInError::InvalidCode) => "invalid_code",
            Err(SignInError::Locked { .. }) => "locked",
            Err(_) => "refused",
        };
        metrics::counter!("users_api_sign_ins_total", "dialect" => dialect.name(), "outcome" => label).increment(1);
        outcome
    }

    async fn first_step(
        &self,
        dialect: Dialect,
        tenant: &str,
        factor: FirstFactor,
        request: Metadata,
    ) -> Result<SignedIn, SignInError> {
        let now = self.clock.now();
        let (proven, metadata) = self.first_factor(dialect, tenant, factor, request, now).await?;
        // the lock guards the password (and the second factor) only: a code or an ID token
        // proves the account by other means, with limits of its own
        if let Some(account) = &proven.account
            && account.totp_secret().is_some()
        {
            let mfa_token = self.mfa_token(tenant, proven.user_id, account.is_test_user(), now)?;
            return Ok(SignedIn::MfaRequired { mfa_token });
        }
        Ok(SignedIn::Tokens(self.open_session(dialect, tenant, &proven, now, &metadata).await?))
    }

    /// Count a failed sign-in of the account toward the lockout: `Locked` when this failure
    /// locked it, else `otherwise`.
    pub(super) async fn failed(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        metadata: &Metadata,
        otherwise: SignInError,
    ) -> SignInError {
        let lockout = self.policy.lockout;
        match self.services.users.record_failed_sign_in(user_id, lockout, now, metadata).await {
            Ok(true) => SignInError::Locked { retry_after_secs: whole_seconds(lockout.lock_for) },
            Ok(false) => otherwise,
            Err(e) => e.into(),
        }
    }
}

impl SignInFlow {
    /// One check of `user_id`'s password, in the account's turn: refused unchecked while the
    /// account is locked, and a wrong password counts toward the lockout. The account as read
    /// inside the turn (after the checks before this one).
    pub(super) async fn check_password(
        &self,
        user_id: Uuid,
        password: String,
        now: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<User, SignInError> {
        let _turn = self.password_turns.take(user_id).await;
        let (account, _) = self.services.users.load(user_id).await?;
        refuse_if_locked(&account, now)?;
        let stored = account.password_hash().map(str::to_owned);
        if !self.services.passwords.verify(password, stored).await {
            return Err(self.failed(user_id, now, metadata, SignInError::InvalidCredentials).await);
        }
        Ok(account)
    }
}

/// `Locked` for an account locked at `now`, with how long it stays locked.
pub(super) fn refuse_if_locked(account: &User, now: DateTime<Utc>) -> Result<(), SignInError> {
    match account.locked_until(now) {
        Some(until) => Err(SignInError::Locked { retry_after_secs: whole_seconds(until - now) }),
        None => Ok(()),
    }
}

/// At least one: `Retry-After: 0` would invite an immediate retry that is refused again.
fn whole_seconds(d: chrono::Duration) -> u64 {
    d.num_seconds().max(1).unsigned_abs()
}

/// The request's metadata, stamped with the dialect, the tenant and who acted.
pub(super) fn stamped(mut request: Metadata, dialect: Dialect, tenant: &str, actor: String) -> Metadata {
    request.dialect = Some(dialect.name().to_owned());
    request.tenant = Some(tenant.to_owned());
    request.actor = Some(actor);
    request
}
