//! User commands: partners introducing their end users, vehicles.
use crate::bus::{CommandBus, CommandError, Executed};
use chrono::{DateTime, Utc};
use domain::user::{self, LockoutPolicy, Profile, User, UserCommand, UserError, UserEvent};
use domain::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use store::{Metadata, StoreError};
use uuid::Uuid;

/// The partner (API client) a request came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRef {
    pub tenant_id: String,
    pub partner_id: String,
}

/// A sign-up with email and password (already hashed).
#[derive(Debug, Clone)]
pub struct SignUp {
    pub tenant_id: String,
    pub email: Email,
    pub password_hash: String,
    pub profile: Profile,
    /// The API client signing the person up, if any.
    pub created_by: Option<String>,
}

/// What a verified ID token says about its holder.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    /// The token's email, when it has a valid one.
    pub email: Option<Email>,
    /// The provider vouches for the email (`email_verified: true`).
    pub email_verified: bool,
    /// Names and language for a new account.
    pub profile: Profile,
}

/// Which account an ID token signs in to.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Sign-up only: the identity, or the email of a new account, already has an account.
    #[error("the identity or its email already has an account")]
    Exists,
    /// A new account needs an email the provider verified.
    #[error("the ID token has no verified email")]
    NoVerifiedEmail,
    #[error(transparent)]
    Command(#[from] UserCommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How an ID token found its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityOutcome {
    /// The identity was linked to the account already.
    SignedIn,
    /// The identity joined the account of its verified email.
    Linked,
    /// A new account.
    SignedUp,
}

#[derive(Clone)]
pub struct UserService {
    pub(crate) bus: CommandBus,
}

pub type UserCommandError = CommandError<UserError>;

impl UserService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus }
    }

    /// The user a partner means by this email (and external uid), created on first sight.
    /// Unique claims make concurrent calls for the same person resolve to one user.
    #[tracing::instrument(skip_all, fields(partner = %partner.partner_id, test_user))]
    pub async fn resolve_through_partner(
        &self,
        partner: &PartnerRef,
        email: &Email,
        external_uid: Option<&ExternalUid>,
        test_user: bool,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, UserCommandError> {
        let store = self.bus.store();
        // a lost race (another request claimed first) is resolved by looking again
        for _ in 0..3 {
            if let Some(uid) = external_uid {
                let claim = user::partner_external_uid_claim(&partner.partner_id, test_user, uid);
                if let Some(owner) = store.claim_owner(claim.scope, &claim.value).await? {
                    return user_id_of(&owner);
                }
            }
            let claim = user::partner_email_claim(&partner.partner_id, test_user, email);
            if let Some(owner) = store.claim_owner(claim.scope, &claim.value).await? {
                let user_id = user_id_of(&owner)?;
                let Some(uid) = external_uid else {
                    return Ok(user_id);
                };
                let link = UserCommand::LinkPartnerExternalUid {
                    partner_id: partner.partner_id.clone(),
                    external_uid: uid.clone(),
                    at,
                };
                match self.bus.execute::<User>(&owner, link, &(), metadata).await {
                    Ok(_) => return Ok(user_id),
                    Err(CommandError::Claim { .. }) => continue,
                    Err(e) => return Err(e),
                }
            }
            let user_id = Uuid::now_v7();
            let register = UserCommand::RegisterThroughPartner {
                user_id,
                tenant_id: partner.tenant_id.clone(),
                partner_id: partner.partner_id.clone(),
                email: email.clone(),
                external_uid: external_uid.cloned(),
                test_user,
                at,
            };
            match self.bus.execute::<User>(&user::stream_id(user_id), register, &(), metadata).await {
                Ok(_) => return Ok(user_id),
                Err(CommandError::Claim { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(CommandError::Contended(format!("partner {} user {email}", partner.partner_id)))
    }

    /// A person signs up in a tenant with email and an already hashed password (or an API client
    /// signs them up, `created_by`). The
    /// tenant-email claim refuses a second account for the same email (`CommandError::Claim`).
    #[tracing::instrument(skip_all, fields(tenant = %sign_up.tenant_id))]
    pub async fn sign_up_with_email(
        &self,
        sign_up: SignUp,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, UserCommandError> {
        let user_id = Uuid::now_v7();
        let command = UserCommand::SignUpWithEmail {
            user_id,
            tenant_id: sign_up.tenant_id,
            email: sign_up.email,
            password_hash: sign_up.password_hash,
            profile: sign_up.profile,
            created_by: sign_up.created_by,
            at,
        };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(user_id)
    }

    /// The account that signs in with this email in this tenant, and its password hash.
    pub async fn email_account(&self, tenant_id: &str, email: &Email) -> Result<Option<(Uuid, User)>, StoreError> {
        self.account_by_claim(user::tenant_email_claim(tenant_id, email)).await
    }

    /// The user that holds `claim`, and its state.
    async fn account_by_claim(&self, claim: domain::Claim) -> Result<Option<(Uuid, User)>, StoreError> {
        let Some(owner) = self.bus.store().claim_owner(claim.scope, &claim.value).await? else { return Ok(None) };
        let user_id = user_id_of(&owner).map_err(|_| StoreError::Corrupt(format!("claim owner {owner}")))?;
        Ok(Some((user_id, self.bus.load::<User>(&owner).await?.0)))
    }

    /// The account linked to an OpenID identity in this tenant.
    pub async fn identity_account(
        &self,
        tenant_id: &str,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<(Uuid, User)>, StoreError> {
        self.account_by_claim(user::tenant_identity_claim(tenant_id, issuer, subject)).await
    }

    /// A person signs up with a verified ID token; the email and the identity are claimed.
    #[allow(clippy::too_many_arguments)]
    pub async fn sign_up_with_identity(
        &self,
        tenant_id: &str,
        email: &Email,
        issuer: &str,
        subject: &str,
        profile: Profile,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, UserCommandError> {
        let user_id = Uuid::now_v7();
        let command = UserCommand::SignUpWithIdentity {
            user_id,
            tenant_id: tenant_id.to_owned(),
            email: email.clone(),
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
            profile,
            at,
        };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(user_id)
    }

    /// The account that signs in with this phone number in this tenant.
    pub async fn phone_account(
        &self,
        tenant_id: &str,
        phone: &PhoneNumber,
    ) -> Result<Option<(Uuid, User)>, StoreError> {
        self.account_by_claim(user::tenant_phone_claim(tenant_id, phone)).await
    }

    /// An account for a phone number just proven with a one-time code.
    pub async fn sign_up_with_phone_code(
        &self,
        tenant_id: &str,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, UserCommandError> {
        let user_id = Uuid::now_v7();
        let command = UserCommand::SignUpWithPhoneCode {
            user_id,
            tenant_id: tenant_id.to_owned(),
            phone_number: phone.clone(),
            at,
        };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(user_id)
    }

    /// An account for an email just proven with a one-time code.
    pub async fn sign_up_with_email_code(
        &self,
        tenant_id: &str,
        email: &Email,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, UserCommandError> {
        let user_id = Uuid::now_v7();
        let command =
            UserCommand::SignUpWithEmailCode { user_id, tenant_id: tenant_id.to_owned(), email: email.clone(), at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(user_id)
    }

    pub async fn link_identity(
        &self,
        user_id: Uuid,
        issuer: &str,
        subject: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), UserCommandError> {
        let command = UserCommand::LinkIdentity { issuer: issuer.to_owned(), subject: subject.to_owned(), at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(())
    }

    /// The account an ID token signs in to, linked or created as needed:
    /// 1. the identity's account, if it has one (`sign_up_only`: `Exists`);
    /// 2. else, with a verified email, the tenant's account of that email, which the identity joins;
    /// 3. else, with a verified email, a new account;
    /// 4. else `NoVerifiedEmail`, and nothing is created.
    pub async fn account_for_identity(
        &self,
        tenant_id: &str,
        identity: VerifiedIdentity,
        sign_up_only: bool,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(Uuid, User, IdentityOutcome), IdentityError> {
        let VerifiedIdentity { issuer, subject, email, email_verified, profile } = identity;
        if let Some((user_id, user)) = self.identity_account(tenant_id, &issuer, &subject).await? {
            if sign_up_only {
                return Err(IdentityError::Exists);
            }
            return Ok((user_id, user, IdentityOutcome::SignedIn));
        }
        let email = email.filter(|_| email_verified).ok_or(IdentityError::NoVerifiedEmail)?;
        if let Some((user_id, _)) = self.email_account(tenant_id, &email).await? {
            self.link_identity(user_id, &issuer, &subject, at, metadata).await?;
            let (user, _) = self.load(user_id).await?;
            return Ok((user_id, user, IdentityOutcome::Linked));
        }
        match self.sign_up_with_identity(tenant_id, &email, &issuer, &subject, profile, at, metadata).await {
            Ok(user_id) => Ok((user_id, self.load(user_id).await?.0, IdentityOutcome::SignedUp)),
            // the email or the identity was taken a moment ago
            Err(CommandError::Claim { .. }) => Err(IdentityError::Exists),
            Err(e) => Err(e.into()),
        }
    }

    /// The account of an email just proven with a one-time code; created when there is none.
    pub async fn account_for_email_code(
        &self,
        tenant_id: &str,
        email: &Email,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(Uuid, User), UserCommandError> {
        let claim = user::tenant_email_claim(tenant_id, email);
        self.account_or_sign_up(claim, self.sign_up_with_email_code(tenant_id, email, at, metadata)).await
    }

    /// The account of a phone number just proven with a one-time code; created when there is none.
    pub async fn account_for_phone_code(
        &self,
        tenant_id: &str,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(Uuid, User), UserCommandError> {
        let claim = user::tenant_phone_claim(tenant_id, phone);
        self.account_or_sign_up(claim, self.sign_up_with_phone_code(tenant_id, phone, at, metadata)).await
    }

    /// The holder of `claim`, or else the account `sign_up` creates (it is run only then). When a
    /// concurrent request took the claim first, its account.
    async fn account_or_sign_up(
        &self,
        claim: domain::Claim,
        sign_up: impl Future<Output = Result<Uuid, UserCommandError>>,
    ) -> Result<(Uuid, User), UserCommandError> {
        if let Some(found) = self.account_by_claim(claim.clone()).await? {
            return Ok(found);
        }
        match sign_up.await {
            Ok(user_id) => Ok((user_id, self.load(user_id).await?.0)),
            Err(CommandError::Claim { .. }) => self
                .account_by_claim(claim.clone())
                .await?
                .ok_or_else(|| CommandError::Contended(format!("{}:{}", claim.scope, claim.value))),
            Err(e) => Err(e),
        }
    }

    /// The user as its stream stands (for decisions like checking a second factor).
    pub async fn load(&self, user_id: Uuid) -> Result<(User, i64), StoreError> {
        self.bus.load::<User>(&user::stream_id(user_id)).await
    }

    /// The account's email was just proven (`by`: `email-code` or `id-token`). True when this
    /// first proof removed credentials nobody had proven (its sessions must end).
    #[tracing::instrument(skip_all, fields(user = %user_id))]
    pub async fn prove_email(
        &self,
        user_id: Uuid,
        by: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, UserCommandError> {
        let command = UserCommand::ProveEmail { by: by.to_owned(), at };
        let done = self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(done.events.iter().any(|e| matches!(e, UserEvent::UnprovenCredentialsRemoved { .. })))
    }

    /// Record a failed password sign-in; true when the account is locked now.
    #[tracing::instrument(skip_all, fields(user = %user_id))]
    pub async fn record_failed_sign_in(
        &self,
        user_id: Uuid,
        policy: LockoutPolicy,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, UserCommandError> {
        let command = UserCommand::RecordFailedSignIn { policy, at };
        let done = self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(done.events.iter().any(|e| matches!(e, UserEvent::AccountLocked { .. })))
    }

    #[tracing::instrument(skip_all, fields(user = %user_id))]
    pub async fn change_vehicle(
        &self,
        user_id: Uuid,
        license_plate: LicensePlate,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Executed<User>, UserCommandError> {
        let command = UserCommand::ChangeVehicle { license_plate, at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await
    }
}

pub(crate) fn user_id_of(stream_id: &str) -> Result<Uuid, UserCommandError> {
    stream_id
        .strip_prefix("user-")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("claim owner {stream_id} is not a user stream")).into())
}
