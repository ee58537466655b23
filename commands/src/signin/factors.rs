//! First factors: each proves an account (finding or creating it) or fails.
use super::flow::{Proven, stamped};
use super::{Dialect, FirstFactor, PartnerVouches, SignInError, SignInFlow};
use crate::user::IdentityOutcome;
use chrono::{DateTime, Utc};
use domain::login::SignInMethod;
use domain::user::User;
use domain::values::Email;
use store::Metadata;
use uuid::Uuid;

impl SignInFlow {
    /// The account `factor` proves, and the metadata its events (and the session's) carry.
    pub(super) async fn first_factor(
        &self,
        dialect: Dialect,
        tenant: &str,
        factor: FirstFactor,
        request: Metadata,
        now: DateTime<Utc>,
    ) -> Result<(Proven, Metadata), SignInError> {
        let users = &self.services.users;
        let codes = &self.services.codes;
        match factor {
            FirstFactor::Password { email, password } => {
                let known = match Email::parse(&email) {
                    Ok(email) => users.email_account(tenant, &email).await?,
                    Err(_) => None,
                };
                self.password(dialect, tenant, known, password, request, now).await
            }
            FirstFactor::UsernamePassword { username, password } => {
                let name = username.trim();
                let known = match Email::parse(name) {
                    Ok(email) => users.email_account(tenant, &email).await?,
                    Err(_) => users.username_account(tenant, name).await?,
                };
                self.password(dialect, tenant, known, password, request, now).await
            }
            FirstFactor::EmailCode { email, code } => {
                let metadata = stamped(request, dialect, tenant, "email-code".to_owned());
                if !codes.verify_email_code(tenant, &email, &code, now, &metadata).await? {
                    return Err(SignInError::InvalidCode);
                }
                let (user_id, account) = users.account_for_email_code(tenant, &email, now, &metadata).await?;
                let account = self.email_proven(user_id, account, "email-code", now, &metadata).await?;
                Ok((read(user_id, account, SignInMethod::EmailCode), metadata))
            }
            FirstFactor::PhoneCode { phone, code } => {
                let metadata = stamped(request, dialect, tenant, "phone-code".to_owned());
                if !codes.verify_phone_code(tenant, &phone, &code, now, &metadata).await? {
                    return Err(SignInError::InvalidCode);
                }
                let (user_id, account) = users.account_for_phone_code(tenant, &phone, now, &metadata).await?;
                Ok((read(user_id, account, SignInMethod::PhoneCode), metadata))
            }
            FirstFactor::IdToken { provider, identity, sign_up_only } => {
                let metadata = stamped(request, dialect, tenant, format!("idp:{provider}"));
                let (user_id, account, outcome) =
                    users.account_for_identity(tenant, identity, sign_up_only, now, &metadata).await?;
                // linked by its verified email: the provider proved the account's email
                let account = match outcome {
                    IdentityOutcome::Linked => self.email_proven(user_id, account, "id-token", now, &metadata).await?,
                    IdentityOutcome::SignedIn | IdentityOutcome::SignedUp => account,
                };
                Ok((read(user_id, account, SignInMethod::IdToken), metadata))
            }
            FirstFactor::Partner(vouched) => self.partner(dialect, vouched, request, now).await,
            FirstFactor::NewAccount { user_id } => {
                let metadata = stamped(request, dialect, tenant, "register".to_owned());
                let proven = Proven {
                    user_id,
                    account: None,
                    test_user: false,
                    method: SignInMethod::EmailPassword,
                    client: None,
                };
                Ok((proven, metadata))
            }
        }
    }

    /// The password of `known`, the account the name given leads to, if any.
    async fn password(
        &self,
        dialect: Dialect,
        tenant: &str,
        known: Option<(Uuid, User)>,
        password: String,
        request: Metadata,
        now: DateTime<Utc>,
    ) -> Result<(Proven, Metadata), SignInError> {
        let Some((user_id, _)) = known else {
            // as long as a check of a known account's password: the answer tells nothing
            self.services.passwords.verify(password, None).await;
            return Err(SignInError::InvalidCredentials);
        };
        let metadata = stamped(request, dialect, tenant, format!("user:{user_id}"));
        let account = self.check_password(user_id, password, now, &metadata).await?;
        Ok((read(user_id, account, SignInMethod::EmailPassword), metadata))
    }

    async fn partner(
        &self,
        dialect: Dialect,
        vouched: PartnerVouches,
        request: Metadata,
        now: DateTime<Utc>,
    ) -> Result<(Proven, Metadata), SignInError> {
        let PartnerVouches { partner, email, external_uid, test } = vouched;
        let actor = format!("partner:{}", partner.partner_id);
        let metadata = stamped(request, dialect, &partner.tenant_id, actor);
        let users = &self.services.users;
        let user_id =
            users.resolve_through_partner(&partner, &email, external_uid.as_ref(), test, now, &metadata).await?;
        let proven = Proven {
            user_id,
            account: None,
            test_user: test,
            method: if test { SignInMethod::PartnerTestToken } else { SignInMethod::PartnerToken },
            client: Some(partner.partner_id.clone()),
        };
        Ok((proven, metadata))
    }
}

/// An account the factor read: its lock and second factor apply.
fn read(user_id: Uuid, account: User, method: SignInMethod) -> Proven {
    Proven { user_id, test_user: account.is_test_user(), account: Some(account), method, client: None }
}
