//! The generator's people and what they do: each step of a person is a burst of real domain
//! events for one stream (encoded with `EventCodec`, with the claims the events name), decided
//! from the person's state the way the service would have decided it.
use super::Burst;
use chrono::{DateTime, TimeDelta, Utc};
use domain::login::{LoginEvent, RevocationReason, SignInMethod};
use domain::user::{PersonalDetails, Profile, SecondFactor, UserEvent, VerificationKind, VerificationResult};
use domain::values::{Email, LicensePlate, PhoneNumber};
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

mod extras;

const FIRST: [&str; 8] = ["Ann", "Ben", "Chloé", "Dario", "Eva", "Finn", "Gül", "Hugo"];
const LAST: [&str; 6] = ["Meier", "Rossi", "Dubois", "Keller", "Nguyen", "Schmid"];
/// What an argon2id PHC string looks like (sealed in the log like any password hash).
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE";

/// How the person signed up, which decides their first events and their sign-in method.
#[derive(Clone, Copy, PartialEq)]
enum Door {
    Password,
    Partner,
    EmailCode,
    PhoneCode,
    Social,
    PartnerIdentity,
}

struct Session {
    id: Uuid,
    version: i64,
    hash: String,
}

pub(super) struct Person {
    id: Uuid,
    door: Door,
    version: i64,
    email: Option<String>,
    phone: Option<String>,
    proven: bool,
    totp: bool,
    sessions: Vec<Session>,
    wallet: Option<(i64, String, Vec<String>)>,
    links: (i64, Vec<&'static str>),
    /// Steps left before the person goes quiet (or is erased).
    pub(super) steps_left: u32,
}

/// What a writer knows while it makes people: its randomness, its clock, the tenant and partner.
pub(super) struct World {
    pub rng: StdRng,
    pub now: DateTime<Utc>,
    pub tenant: String,
    pub partner: String,
    /// A number unique to this writer and person, for phone numbers.
    pub serial: u64,
    pub writer: u64,
}

fn hex(rng: &mut StdRng) -> String {
    let bytes: [u8; 32] = rng.r#gen();
    hex::encode(bytes)
}

fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
}

fn user_burst(p: &mut Person, events: Vec<UserEvent>) -> anyhow::Result<Burst> {
    let burst = Burst::new(domain::user::stream_id(p.id), "user", p.version, &events)?;
    p.version += events.len() as i64;
    Ok(burst)
}

fn login_burst(s: &mut Session, events: Vec<LoginEvent>) -> anyhow::Result<Burst> {
    let burst = Burst::new(domain::login::stream_id(s.id), "login", s.version, &events)?;
    s.version += events.len() as i64;
    Ok(burst)
}

impl World {
    fn email(&mut self, id: Uuid) -> String {
        let first = FIRST[self.rng.gen_range(0..FIRST.len())].to_lowercase();
        format!("{first}.{}@example.org", &id.simple().to_string()[..12])
    }

    fn phone(&mut self) -> String {
        self.serial += 1;
        format!("+4179{:03}{:07}", self.writer % 1000, self.serial)
    }

    fn profile(&mut self) -> Profile {
        Profile {
            first_name: Some(FIRST[self.rng.gen_range(0..FIRST.len())].to_owned()),
            last_name: Some(LAST[self.rng.gen_range(0..LAST.len())].to_owned()),
            language: Some(["de", "fr", "it", "en"][self.rng.gen_range(0..4)].to_owned()),
            ..Profile::default()
        }
    }

    /// A new person: their sign-up, and the session it opened.
    pub(super) fn sign_up(&mut self) -> anyhow::Result<(Person, Vec<Burst>)> {
        let id = uuid(&mut self.rng);
        let (tenant_id, at) = (self.tenant.clone(), self.now);
        let door = match self.rng.gen_range(0..100) {
            0..35 => Door::Password,
            35..65 => Door::Partner,
            65..75 => Door::EmailCode,
            75..85 => Door::PhoneCode,
            85..95 => Door::Social,
            _ => Door::PartnerIdentity,
        };
        let email = (door != Door::PhoneCode).then(|| self.email(id));
        let parsed = || Email::parse(email.as_deref().unwrap_or_default());
        let mut person = Person {
            id,
            door,
            version: 0,
            email: email.clone(),
            phone: None,
            proven: matches!(door, Door::EmailCode | Door::Social | Door::PhoneCode),
            totp: false,
            sessions: Vec::new(),
            wallet: None,
            links: (0, Vec::new()),
            steps_left: self.rng.gen_range(2..40),
        };
        let first = match door {
            Door::Password => {
                let (profile, created_by) = (self.profile(), None);
                UserEvent::UserSignedUp {
                    user_id: id,
                    tenant_id,
                    email: parsed()?,
                    password_hash: HASH.to_owned(),
                    profile,
                    created_by,
                    signed_up_at: at,
                }
            }
            Door::Partner => UserEvent::UserRegistered {
                user_id: id,
                tenant_id,
                partner_id: self.partner.clone(),
                email: parsed()?,
                external_uid: None,
                test_user: self.rng.gen_bool(0.05),
                registered_at: at,
            },
            Door::EmailCode => {
                UserEvent::UserSignedUpWithEmailCode { user_id: id, tenant_id, email: parsed()?, signed_up_at: at }
            }
            Door::PhoneCode => {
                let phone = self.phone();
                person.phone = Some(phone.clone());
                let phone_number = PhoneNumber::parse(&phone)?;
                UserEvent::UserSignedUpWithPhoneCode { user_id: id, tenant_id, phone_number, signed_up_at: at }
            }
            Door::Social => UserEvent::UserSignedUpWithIdentity {
                user_id: id,
                tenant_id,
                email: parsed()?,
                issuer: "https://accounts.google.com".to_owned(),
                subject: hex(&mut self.rng)[..21].to_owned(),
                profile: self.profile(),
                signed_up_at: at,
            },
            Door::PartnerIdentity => {
                let profile = self.profile();
                UserEvent::UserRegisteredWithPartnerIdentity {
                    user_id: id,
                    tenant_id,
                    partner_id: self.partner.clone(),
                    issuer: "https://idp.partner.example".to_owned(),
                    subject: id.simple().to_string(),
                    email: Some(parsed()?),
                    first_name: profile.first_name,
                    last_name: profile.last_name,
                    registered_at: at,
                }
            }
        };
        let mut events = vec![first];
        if matches!(door, Door::EmailCode | Door::Social) {
            let proven_by = if door == Door::Social { "id-token" } else { "email-code" };
            events.push(UserEvent::EmailProven { proven_by: proven_by.to_owned(), proven_at: at });
        }
        let mut bursts = vec![user_burst(&mut person, events)?];
        bursts.extend(self.sign_in(&mut person)?);
        Ok((person, bursts))
    }

    fn sign_in(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        let mut bursts = Vec::new();
        let method = match p.door {
            _ if p.totp => SignInMethod::TwoFactor,
            Door::Password => SignInMethod::EmailPassword,
            Door::Partner | Door::PartnerIdentity => SignInMethod::PartnerToken,
            Door::EmailCode => SignInMethod::EmailCode,
            Door::PhoneCode => SignInMethod::PhoneCode,
            Door::Social => SignInMethod::IdToken,
        };
        if p.totp {
            let factor = SecondFactor::Totp { step: (self.now.timestamp() / 30) as u64 };
            bursts.push(user_burst(p, vec![UserEvent::SecondFactorVerified { factor, verified_at: self.now }])?);
        }
        let dialect = if method == SignInMethod::PartnerToken { "coord" } else { "suite" };
        let mut session = Session { id: uuid(&mut self.rng), version: 0, hash: hex(&mut self.rng) };
        let started = LoginEvent::LoginSessionStarted {
            session_id: session.id,
            user_id: p.id,
            tenant_id: self.tenant.clone(),
            client_id: None,
            dialect: dialect.to_owned(),
            method,
            test_user: false,
            refresh_hash: Some(session.hash.clone()),
            expires_at: self.now + TimeDelta::days(30),
            started_at: self.now,
        };
        bursts.push(login_burst(&mut session, vec![started])?);
        p.sessions.push(session);
        if p.sessions.len() > 3 {
            let mut oldest = p.sessions.remove(0);
            bursts.push(revoke(&mut oldest, RevocationReason::SignedOut, self.now)?);
        }
        Ok(bursts)
    }

    /// The person's next step: most are refreshes and sign-ins, then profile, vehicle, wallet,
    /// links, two-factor, verification and email changes.
    pub(super) fn step(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        p.steps_left = p.steps_left.saturating_sub(1);
        let at = self.now;
        let roll = self.rng.gen_range(0..100);
        if roll < 40 && !p.sessions.is_empty() {
            let i = self.rng.gen_range(0..p.sessions.len());
            return Ok(vec![self.refresh(&mut p.sessions[i], 6)?]);
        }
        let events = match roll {
            0..65 => return self.sign_in(p),
            65..70 if !p.sessions.is_empty() => {
                let mut session = p.sessions.remove(0);
                return Ok(vec![revoke(&mut session, RevocationReason::SignedOut, at)?]);
            }
            70..73 => vec![UserEvent::SignInFailed { failed_at: at }],
            73..77 => {
                let profile = self.profile();
                let details = PersonalDetails {
                    birth_date: chrono::NaiveDate::from_ymd_opt(1990, 5, 17),
                    ..PersonalDetails::from_profile(&profile)
                };
                vec![UserEvent::ProfileChanged { details, changed_at: at }]
            }
            77..81 => {
                let text = format!("ZH{}", self.rng.gen_range(10_000..999_999));
                vec![UserEvent::VehicleChanged {
                    license_plate: LicensePlate::parse(&text, "ch", None)?,
                    changed_at: at,
                }]
            }
            81..90 => return self.wallet(p),
            90..93 => return self.link(p),
            93..95 if !p.totp => {
                p.totp = true;
                let secret = hex(&mut self.rng)[..32].to_uppercase();
                let recovery_code_hashes = (0..8).map(|_| hex(&mut self.rng)).collect();
                let step = (at.timestamp() / 30) as u64;
                let enabled = UserEvent::TotpEnabled { step, recovery_code_hashes, enabled_at: at };
                vec![UserEvent::TotpSecretIssued { secret, issued_at: at }, enabled]
            }
            95..97 if !p.proven && p.email.is_some() => {
                p.proven = true;
                vec![UserEvent::EmailProven { proven_by: "email-code".to_owned(), proven_at: at }]
            }
            97 if p.email.is_some() && p.door == Door::Password => {
                let fresh = uuid(&mut self.rng);
                let new_email = self.email(fresh);
                let old = p.email.replace(new_email.clone());
                let old_email = old.as_deref().map(Email::parse).transpose()?;
                p.proven = false;
                let tenant_id = self.tenant.clone();
                vec![UserEvent::EmailChanged {
                    tenant_id,
                    old_email,
                    new_email: Email::parse(&new_email)?,
                    changed_at: at,
                }]
            }
            98 => {
                let (verification_id, kind) = (hex(&mut self.rng)[..16].to_owned(), VerificationKind::License);
                let url = format!("https://sandbox.example/verify/{verification_id}");
                let provider = "sandbox".to_owned();
                let result =
                    if self.rng.gen_bool(0.8) { VerificationResult::Verified } else { VerificationResult::Rejected };
                vec![
                    UserEvent::IdentityVerificationStarted {
                        kind,
                        verification_id: verification_id.clone(),
                        provider,
                        url,
                        started_at: at,
                    },
                    UserEvent::IdentityVerificationCompleted {
                        kind,
                        verification_id,
                        result,
                        reason: None,
                        decided_by: "provider".to_owned(),
                        completed_at: at,
                    },
                ]
            }
            _ => {
                let phone = self.phone();
                let old_phone_number = p.phone.replace(phone.clone()).as_deref().map(PhoneNumber::parse).transpose()?;
                let new_phone_number = Some(PhoneNumber::parse(&phone)?);
                vec![UserEvent::PhoneNumberChanged {
                    tenant_id: self.tenant.clone(),
                    old_phone_number,
                    new_phone_number,
                    changed_at: at,
                }]
            }
        };
        Ok(vec![user_burst(p, events)?])
    }

    /// Up to `most` rotations of a session's refresh token, each from the last.
    fn refresh(&mut self, s: &mut Session, most: u32) -> anyhow::Result<Burst> {
        let mut events = Vec::new();
        for i in 0..self.rng.gen_range(1..=most) {
            let to_hash = hex(&mut self.rng);
            let from_hash = std::mem::replace(&mut s.hash, to_hash.clone());
            // the start is version 1; the first rotation, generation 1, is version 2
            let generation = u32::try_from(s.version).unwrap_or(u32::MAX).saturating_add(i);
            events.push(LoginEvent::RefreshTokenRotated { from_hash, to_hash, generation, rotated_at: self.now });
        }
        login_burst(s, events)
    }

    /// One rotation of any open session (the generator's last events, one at a time).
    pub(super) fn single(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        match p.sessions.first_mut() {
            Some(session) => Ok(vec![self.refresh(session, 1)?]),
            None => Ok(vec![user_burst(p, vec![UserEvent::SignInFailed { failed_at: self.now }])?]),
        }
    }
}

fn revoke(s: &mut Session, reason: RevocationReason, at: DateTime<Utc>) -> anyhow::Result<Burst> {
    login_burst(s, vec![LoginEvent::LoginSessionRevoked { reason, revoked_at: at }])
}
