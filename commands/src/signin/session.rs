//! Sessions and their tokens: open a session and sign its pair, refresh it, complete a sign-in
//! with a second factor, and the sessionless tokens (mfaTokens, API-client tokens).
use super::flow::{Proven, refuse_if_locked, stamped};
use super::{
    APP_CLIENT, CLIENT_AUDIENCE, Dialect, HOUR_TOKEN_LIFETIME, MFA_AUDIENCE, MFA_TOKEN_LIFETIME, SignInError,
    SignInFlow, TokenPair, partner_key_matches,
};
use crate::login::SignIn;
use crate::ports::AccessClaims;
use crate::twofactor::TwoFactorError;
use chrono::{DateTime, Duration, Utc};
use domain::login::SignInMethod;
use store::Metadata;
use uuid::Uuid;

/// How long a used mfaToken is remembered: longer than it lives (with the verifier's leeway).
const SPENT_MFA_MEMORY: Duration = Duration::minutes(10);

/// An mfaToken found valid and unspent: whose sign-in it continues. The edge rate-limits on the
/// user before the second factor is checked.
#[derive(Debug, Clone)]
pub struct MfaTicket {
    pub user_id: Uuid,
    tenant: String,
    /// The token's mark in the seen-signature table once a second factor used it.
    spent: String,
}

/// Who an access token is for.
struct Holder<'a> {
    user_id: Uuid,
    client: &'a str,
    session_id: Uuid,
    test: bool,
}

impl SignInFlow {
    /// Open a login session for the proven account and sign its tokens.
    pub(super) async fn open_session(
        &self,
        dialect: Dialect,
        tenant: &str,
        proven: &Proven,
        now: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<TokenPair, SignInError> {
        let sign_in = SignIn {
            user_id: proven.user_id,
            tenant_id: tenant.to_owned(),
            client_id: proven.client.clone(),
            dialect: dialect.name(),
            method: proven.method,
            test_user: proven.test_user,
            with_refresh: dialect.refreshes(),
        };
        let session = self.services.logins.start(sign_in, now, metadata).await?;
        let client = proven.client.as_deref().unwrap_or(APP_CLIENT);
        let holder = Holder { user_id: proven.user_id, client, session_id: session.session_id, test: proven.test_user };
        let (access_token, expires_at) = self.access_token(dialect, tenant, holder, now).await?;
        Ok(TokenPair { access_token, refresh_token: session.refresh_token, expires_at, user_id: proven.user_id })
    }

    /// Spend a refresh token presented to `tenant` through `dialect` for a new pair.
    #[tracing::instrument(skip_all, fields(dialect = dialect.name(), tenant))]
    pub async fn refresh(
        &self,
        dialect: Dialect,
        tenant: &str,
        refresh_token: &str,
        request: Metadata,
    ) -> Result<TokenPair, SignInError> {
        let now = self.clock.now();
        let actor = if dialect == Dialect::Legacy { "oauth/token" } else { "refresh-token" };
        let metadata = stamped(request, dialect, tenant, actor.to_owned());
        // a token of another tenant or dialect is as unknown here as a made-up one
        let presented_to = (tenant, dialect.name(), dialect.rotates_refresh_tokens());
        let refreshed = self.services.logins.refresh(refresh_token, presented_to, now, &metadata).await?;
        let holder = Holder {
            user_id: refreshed.user_id,
            client: APP_CLIENT,
            session_id: refreshed.session_id,
            test: refreshed.test_user,
        };
        let (access_token, expires_at) = self.access_token(dialect, tenant, holder, now).await?;
        let user_id = refreshed.user_id;
        Ok(TokenPair { access_token, refresh_token: Some(refreshed.refresh_token), expires_at, user_id })
    }

    /// The sign-in an mfaToken continues, if the token is this tenant's, valid and unspent.
    pub async fn open_mfa_token(&self, tenant: &str, mfa_token: &str) -> Result<MfaTicket, SignInError> {
        let claims = self.signer.verify(mfa_token, MFA_AUDIENCE).await.map_err(|_| SignInError::InvalidMfaToken)?;
        if claims.tenant != tenant {
            return Err(SignInError::InvalidMfaToken);
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| SignInError::InvalidMfaToken)?;
        // an mfaToken completes one sign-in: a spent one is refused before any code is checked
        let spent = format!("mfa:{}", claims.sid);
        if crate::replay::SpentProofs::new(self.services.store.clone()).is_spent(&spent).await? {
            return Err(SignInError::InvalidMfaToken);
        }
        Ok(MfaTicket { user_id, tenant: tenant.to_owned(), spent })
    }

    /// Complete an `MfaRequired` sign-in with a TOTP or recovery code. A wrong code counts as a
    /// failed sign-in toward the lockout.
    #[tracing::instrument(skip_all, fields(user = %ticket.user_id))]
    pub async fn second_factor(
        &self,
        ticket: MfaTicket,
        code: &str,
        request: Metadata,
    ) -> Result<TokenPair, SignInError> {
        let MfaTicket { user_id, tenant, spent } = ticket;
        let now = self.clock.now();
        let metadata = stamped(request, Dialect::Suite, &tenant, format!("user:{user_id}"));
        let (account, _) = self.services.users.load(user_id).await?;
        refuse_if_locked(&account, now)?;
        match self.services.two_factor.verify(user_id, code, now, &metadata).await {
            Ok(()) => {}
            Err(TwoFactorError::InvalidCode) => {
                return Err(self.failed(user_id, now, &metadata, SignInError::InvalidCode).await);
            }
            Err(e) => return Err(e.into()),
        }
        if !crate::replay::SpentProofs::new(self.services.store.clone()).spend(&spent, now, SPENT_MFA_MEMORY).await? {
            return Err(SignInError::InvalidMfaToken);
        }
        let proven = Proven {
            user_id,
            test_user: account.is_test_user(),
            account: None,
            method: SignInMethod::TwoFactor,
            client: None,
        };
        self.open_session(Dialect::Suite, &tenant, &proven, now, &metadata).await
    }

    /// A token for an API client of `tenant` that proved its key; `stored` is the hash of the
    /// client's key, `None` for a client the tenant does not have. No session: the client signs
    /// in again when the token expires.
    pub async fn api_client(
        &self,
        tenant: &str,
        client_id: &str,
        key: &str,
        stored: Option<&str>,
    ) -> Result<String, SignInError> {
        if !partner_key_matches(key, stored) {
            return Err(SignInError::InvalidCredentials);
        }
        let now = self.clock.now();
        let lifetime = self.suite_lifetime(tenant).await?;
        let claims =
            AccessClaims::new(client_id, tenant, client_id, Uuid::now_v7(), CLIENT_AUDIENCE, false, now, lifetime);
        Ok(self.signer.sign(&claims)?)
    }

    /// A token that opens nothing but the second-factor step of this sign-in.
    pub(super) fn mfa_token(
        &self,
        tenant: &str,
        user_id: Uuid,
        test: bool,
        now: DateTime<Utc>,
    ) -> Result<String, SignInError> {
        let user = user_id.to_string();
        let sid = Uuid::now_v7();
        let claims = AccessClaims::new(&user, tenant, APP_CLIENT, sid, MFA_AUDIENCE, test, now, MFA_TOKEN_LIFETIME);
        Ok(self.signer.sign(&claims)?)
    }

    /// An access token of `dialect`, and when it expires.
    async fn access_token(
        &self,
        dialect: Dialect,
        tenant: &str,
        holder: Holder<'_>,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), SignInError> {
        let lifetime = match dialect {
            Dialect::Coord | Dialect::Legacy => HOUR_TOKEN_LIFETIME,
            Dialect::Suite => self.suite_lifetime(tenant).await?,
        };
        // the card-wallet API has no sandbox users: its tokens never carry the test flag
        let test = holder.test && dialect != Dialect::Legacy;
        let user = holder.user_id.to_string();
        let audience = dialect.audience();
        let claims = AccessClaims::new(&user, tenant, holder.client, holder.session_id, audience, test, now, lifetime);
        Ok((self.signer.sign(&claims)?, now + lifetime))
    }

    /// The tenant's own suite access-token lifetime, else the service default.
    async fn suite_lifetime(&self, tenant: &str) -> Result<Duration, SignInError> {
        Ok(self
            .services
            .catalog
            .tenant(tenant)
            .await?
            .and_then(|t| t.suite_token_minutes)
            .map_or(self.policy.suite_token_lifetime, |m| Duration::minutes(i64::from(m))))
    }
}
