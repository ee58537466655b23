//! The sign-in flow of `commands`, on real stores: the rules every dialect now reaches through
//! it (the lock, the failures that lead to it, the second factor, the token pair and refresh).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use commands::CommandBus;
use commands::catalog::CatalogService;
use commands::codes::CodeService;
use commands::login::{LoginService, SessionPolicy};
use commands::passwords::{PasswordParams, Passwords};
use commands::ports::{Clock, TokenSigner};
use commands::signin::{
    Dialect, FirstFactor, PartnerVouches, SignInError, SignInFlow, SignInPolicy, SignInServices, SignedIn, TokenPair,
};
use commands::twofactor::TwoFactorService;
use commands::user::{PartnerRef, SignUp, UserService, VerifiedIdentity};
use domain::user::{LockoutPolicy, Profile};
use domain::values::Email;
use std::sync::Arc;
use store::{EventStore, Metadata, StoreOptions};
use tests::{Engine, Scratch, both_engines, database_url, open_store};
use uuid::Uuid;

const TENANT: &str = "demo";
const PASSWORD: &str = "correct horse battery";

/// A clock stopped at one instant.
struct Stopped(DateTime<Utc>);

impl Clock for Stopped {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

struct Fixture {
    flow: SignInFlow,
    services: SignInServices,
    signer: Arc<dyn TokenSigner>,
    now: DateTime<Utc>,
}

async fn fixture(engine: Engine, scratch: &Scratch) -> Fixture {
    let url = database_url(engine, scratch).await;
    let options = StoreOptions { inline: projections::inline(), ..StoreOptions::default() };
    let store: Arc<dyn EventStore> = open_store(engine, &url, options).await;
    let bus = CommandBus::new(store.clone());
    let services = SignInServices {
        users: UserService::new(bus.clone()),
        logins: LoginService::new(bus.clone(), [7u8; 32], SessionPolicy::default()),
        catalog: CatalogService::new(bus.clone()),
        passwords: Passwords::new(PasswordParams { memory_kib: 1024, iterations: 1, parallelism: 1 }).unwrap(),
        codes: CodeService::new(bus.clone(), domain::code::CodePolicy::default()),
        two_factor: TwoFactorService::new(bus),
        store: store.clone(),
        sessions: Arc::new(adapters::sessions::ReadModelSessions(projections::Reads::new(store.as_ref()))),
    };
    let signer: Arc<dyn TokenSigner> = Arc::new(
        adapters::tokens::TokenService::load_or_create(Arc::new(adapters::keys::MemoryKeyStore::default()))
            .await
            .unwrap(),
    );
    let lockout = LockoutPolicy { max_failures: 3, window: Duration::minutes(15), lock_for: Duration::minutes(15) };
    let policy = SignInPolicy { lockout, suite_token_lifetime: Duration::hours(5) };
    let now = Utc::now();
    let flow = SignInFlow::new(services.clone(), signer.clone(), Arc::new(Stopped(now)), policy);
    Fixture { flow, services, signer, now }
}

impl Fixture {
    async fn sign_up(&self, email: &str) -> Uuid {
        let password_hash = self.services.passwords.hash(PASSWORD.into()).await.unwrap();
        let sign_up = SignUp {
            tenant_id: TENANT.into(),
            email: Email::parse(email).unwrap(),
            password_hash,
            profile: Profile::default(),
            created_by: None,
        };
        self.services.users.sign_up_with_email(sign_up, self.now, &Metadata::default()).await.unwrap()
    }

    async fn password(&self, email: &str, password: &str) -> Result<SignedIn, SignInError> {
        let factor = FirstFactor::Password { email: email.into(), password: password.into() };
        self.flow.sign_in(Dialect::Suite, TENANT, factor, Metadata::default()).await
    }

    /// The code the outbox holds for `email`.
    async fn email_code(&self, email: &str) -> String {
        let email = Email::parse(email).unwrap();
        self.services.codes.send_email_code(TENANT, &email, self.now, &Metadata::default()).await.unwrap();
        let rows = self.services.store.due_outbox(10).await.unwrap();
        let row = rows.iter().find(|r| r.recipient == email.as_str()).unwrap();
        row.body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).unwrap().to_owned()
    }

    async fn claims(&self, token: &str, dialect: Dialect) -> commands::ports::AccessClaims {
        self.signer.verify(token, dialect.audience()).await.unwrap()
    }
}

fn tokens(signed_in: SignedIn) -> TokenPair {
    signed_in.into_tokens().unwrap()
}

both_engines!(a_lock_refuses_the_password_and_leaves_codes_and_id_tokens_open, |engine| async move {
    let scratch = Scratch::new();
    let f = fixture(engine, &scratch).await;
    f.sign_up("ann@example.com").await;

    // failures count toward the lockout; the one that locks says so
    assert!(matches!(f.password("ann@example.com", "wrong").await, Err(SignInError::InvalidCredentials)));
    assert!(matches!(f.password("ann@example.com", "wrong").await, Err(SignInError::InvalidCredentials)));
    let locked = f.password("ann@example.com", "wrong").await;
    assert!(matches!(locked, Err(SignInError::Locked { retry_after_secs: 900 })), "{locked:?}");
    // an unknown account is never locked, and never signed in
    assert!(matches!(f.password("bob@example.com", PASSWORD).await, Err(SignInError::InvalidCredentials)));

    // the right password is refused while locked; a right one-time code and a valid ID token
    // prove the account by other means and are not (the lock must not be a weapon)
    assert!(matches!(f.password("ann@example.com", PASSWORD).await, Err(SignInError::Locked { .. })));
    let code = f.email_code("ann@example.com").await;
    let factor = FirstFactor::EmailCode { email: Email::parse("ann@example.com").unwrap(), code };
    let by_code = f.flow.sign_in(Dialect::Suite, TENANT, factor, Metadata::default()).await;
    assert!(matches!(by_code, Ok(SignedIn::Tokens(_))), "{by_code:?}");
    let identity = VerifiedIdentity {
        issuer: "https://idp.example".into(),
        subject: "ann".into(),
        email: Some(Email::parse("ann@example.com").unwrap()),
        email_verified: true,
        profile: Profile::default(),
    };
    let factor = FirstFactor::IdToken { provider: "oidc".into(), identity, sign_up_only: false };
    let by_id_token = f.flow.sign_in(Dialect::Suite, TENANT, factor, Metadata::default()).await;
    assert!(matches!(by_id_token, Ok(SignedIn::Tokens(_))), "{by_id_token:?}");
    assert!(matches!(f.password("ann@example.com", PASSWORD).await, Err(SignInError::Locked { .. })), "still locked");
});

both_engines!(two_factor_sign_in_asks_for_a_second_factor_and_completes_once, |engine| async move {
    let scratch = Scratch::new();
    let f = fixture(engine, &scratch).await;
    let user_id = f.sign_up("ann@example.com").await;
    let meta = Metadata::default();
    let secret = f.services.two_factor.issue_secret(user_id, f.now, &meta).await.unwrap();
    let totp = commands::twofactor::totp(&secret, "Users API", "ann").unwrap();
    let totp_code = totp.generate(f.now.timestamp().unsigned_abs());
    let recovery = f.services.two_factor.enable(user_id, &totp_code, f.now, &meta).await.unwrap();

    // the right password asks for the second factor, and opens no session
    let SignedIn::MfaRequired { mfa_token } = f.password("ann@example.com", PASSWORD).await.unwrap() else {
        panic!("two-factor sign-in is on")
    };
    assert!(f.signer.verify(&mfa_token, Dialect::Suite.audience()).await.is_err(), "opens no door");
    assert!(matches!(f.flow.open_mfa_token("other", &mfa_token).await, Err(SignInError::InvalidMfaToken)));

    // a wrong code is a failure; a recovery code completes the sign-in with a pair
    let ticket = f.flow.open_mfa_token(TENANT, &mfa_token).await.unwrap();
    assert_eq!(ticket.user_id, user_id);
    let wrong = f.flow.second_factor(ticket.clone(), "zzzz-zzzz-zzzz", meta.clone()).await;
    assert!(matches!(wrong, Err(SignInError::InvalidCode)), "{wrong:?}");
    let pair = f.flow.second_factor(ticket, &recovery[0], meta.clone()).await.unwrap();
    assert!(pair.refresh_token.is_some());
    assert_eq!(f.claims(&pair.access_token, Dialect::Suite).await.sub, user_id.to_string());

    // an mfaToken completes one sign-in
    assert!(matches!(f.flow.open_mfa_token(TENANT, &mfa_token).await, Err(SignInError::InvalidMfaToken)));
});

both_engines!(refresh_returns_a_full_pair_from_the_flow_in_every_dialect_that_refreshes, |engine| async move {
    let scratch = Scratch::new();
    let f = fixture(engine, &scratch).await;
    let user_id = f.sign_up("ann@example.com").await;
    let meta = Metadata::default();

    // suite: the tenant's lifetime (the default here), a refresh token that is spent on use
    let first = tokens(f.password("ann@example.com", PASSWORD).await.unwrap());
    assert_eq!(first.expires_at, f.now + Duration::hours(5));
    let spent = first.refresh_token.clone().unwrap();
    let next = f.flow.refresh(Dialect::Suite, TENANT, &spent, meta.clone()).await.unwrap();
    assert_ne!(next.refresh_token, first.refresh_token);
    assert_eq!(next.user_id, user_id);
    let claims = f.claims(&next.access_token, Dialect::Suite).await;
    assert_eq!((claims.sub, claims.azp, claims.exp), (user_id.to_string(), "app".into(), next.expires_at.timestamp()));
    // a refresh token of another tenant is as unknown as a made-up one
    assert!(matches!(
        f.flow.refresh(Dialect::Legacy, "other", &next.refresh_token().unwrap(), meta.clone()).await,
        Err(SignInError::Refresh(_))
    ));

    // legacy: an hour, and refreshed from the same place
    let factor = FirstFactor::NewAccount { user_id };
    let legacy = tokens(f.flow.sign_in(Dialect::Legacy, TENANT, factor, meta.clone()).await.unwrap());
    assert_eq!(legacy.expires_at, f.now + Duration::minutes(60));
    let renewed =
        f.flow.refresh(Dialect::Legacy, TENANT, &legacy.refresh_token().unwrap(), meta.clone()).await.unwrap();
    assert!(renewed.refresh_token.is_some());
    assert_eq!(renewed.expires_at, f.now + Duration::minutes(60));
    assert_eq!(f.claims(&renewed.access_token, Dialect::Legacy).await.sub, user_id.to_string());

    // coord: an hour, for the partner, and nothing to refresh
    let partner = PartnerRef { tenant_id: TENANT.into(), partner_id: "acme".into() };
    let email = Email::parse("carl@example.com").unwrap();
    let vouched = PartnerVouches { partner, email, external_uid: None, test: true };
    let coord = tokens(f.flow.sign_in(Dialect::Coord, TENANT, FirstFactor::Partner(vouched), meta).await.unwrap());
    assert_eq!(coord.refresh_token, None);
    let claims = f.claims(&coord.access_token, Dialect::Coord).await;
    assert_eq!(
        (claims.azp.as_str(), claims.test, claims.exp),
        ("acme", true, (f.now + Duration::minutes(60)).timestamp())
    );
});
