//! The token signer: EdDSA (Ed25519) JWTs with a `kid`; public keys served as a JWKS.
//! Ed25519 verifies several times faster than ES256, and every authenticated request verifies.
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use commands::ports::tokens::ISSUER;
use commands::ports::{AccessClaims, Clock, KeyStore, SignError, StoredSigningKey, TokenError, TokenSigner};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

/// The keys of one load: the newest signs, all verify.
struct KeySet {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
}

/// Signs and verifies access tokens. Keys live in the key store, so every instance on a database
/// shares them; `users-api keys rotate` adds one. Running instances pick a new key up when a
/// token names a `kid` they do not know, and every `RELOAD_EVERY` in any case.
pub struct TokenService {
    store: Arc<dyn KeyStore>,
    keys: RwLock<Arc<KeySet>>,
    last_reload: Mutex<Instant>,
    /// Tokens whose exact bytes verified before, with their claims and `kid`: one Ed25519 verify
    /// costs about 50 µs here, and every authenticated request would pay it. Bounded; an entry
    /// answers only until the token's `exp` and while its key is still one this service knows.
    verified: quick_cache::sync::Cache<String, (AccessClaims, String)>,
    /// What `exp` and `iat` are held against: the service's clock, the one tokens are signed at.
    clock: Arc<dyn Clock>,
}

/// Seconds a token is still accepted after its `exp`, and how far in the future its `iat` may be.
const LEEWAY_SECS: u64 = 30;

/// How many verified tokens are remembered (a few hundred bytes each).
const VERIFIED_TOKENS: usize = 10_000;

/// How often a running instance looks for new keys.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The least time between two reloads caused by unknown `kid`s (forged tokens cost no queries).
const UNKNOWN_KID_RELOAD: std::time::Duration = std::time::Duration::from_secs(5);

impl TokenService {
    /// Load the signing keys, creating the first one in an empty store.
    pub async fn load_or_create(store: Arc<dyn KeyStore>) -> anyhow::Result<Self> {
        let mut keys = store.signing_keys().await?;
        if keys.is_empty() {
            // two instances starting at once: the first insert wins, both then load the same key
            add_key(store.as_ref(), 1).await?;
            keys = store.signing_keys().await?;
        }
        Ok(Self {
            keys: RwLock::new(Arc::new(key_set(&keys)?)),
            store,
            // the first unknown kid may reload at once
            last_reload: Mutex::new(Instant::now().checked_sub(UNKNOWN_KID_RELOAD).unwrap_or_else(Instant::now)),
            verified: quick_cache::sync::Cache::new(VERIFIED_TOKENS),
            clock: Arc::new(crate::clock::SystemClock),
        })
    }

    /// Hold tokens' `exp` and `iat` against `clock` (the one the service signs them at) rather
    /// than the system's.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Read the keys again (new ones from `keys rotate`).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let set = Arc::new(key_set(&self.store.signing_keys().await?)?);
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = set;
        *self.last_reload.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Ok(())
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The `kid` that signs new tokens.
    pub fn signing_kid(&self) -> String {
        self.current().kid.clone()
    }

    pub fn jwks(&self) -> Value {
        self.current().jwks.clone()
    }

    pub fn mint(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        self.mint_any(claims)
    }

    /// Any serialisable claims, signed with the current key (EdDSA, its `kid` in the header).
    pub fn mint_any<C: serde::Serialize>(&self, claims: &C) -> Result<String, jsonwebtoken::errors::Error> {
        let keys = self.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        jsonwebtoken::encode(&header, claims, &keys.signing)
    }

    /// Claims for a token of login session `sid`, valid for `lifetime` from `now`.
    #[allow(clippy::too_many_arguments)] // each is a distinct claim; see `AccessClaims::new`
    pub fn claims(
        user: &str,
        tenant: &str,
        client: &str,
        sid: uuid::Uuid,
        audience: &str,
        test: bool,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> AccessClaims {
        AccessClaims::new(user, tenant, client, sid, audience, test, now, lifetime)
    }

    /// Signature, `kid`, algorithm (EdDSA only: `none` and HS256 are refused), issuer,
    /// audience, expiry and not-before. A `kid` this instance does not know makes it look for
    /// new keys first (at most once per few seconds). The exact bytes of a token that verified
    /// before are recognised without a second signature check, until the token's `exp`.
    pub async fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError> {
        let now = self.clock.now().timestamp();
        if let Some((claims, kid)) = self.verified.get(token)
            && claims.aud == audience
            && now < claims.exp
            && self.current().verifying.contains_key(&kid)
        {
            return Ok(claims);
        }
        let (claims, kid) = self.verify_signature(token, audience).await?;
        // a token inside the leeway after its `exp` is checked afresh every time
        if now < claims.exp {
            self.verified.insert(token.to_owned(), (claims.clone(), kid));
        }
        Ok(claims)
    }

    async fn verify_signature(&self, token: &str, audience: &str) -> Result<(AccessClaims, String), TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let mut keys = self.current();
        if !keys.verifying.contains_key(&kid) && self.may_reload(UNKNOWN_KID_RELOAD) {
            if let Err(e) = self.reload().await {
                tracing::warn!(error = %e, "cannot reload signing keys");
            }
            keys = self.current();
        }
        let key = keys.verifying.get(&kid).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        // `exp` is required, and held against the service's clock below
        validation.validate_exp = false;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation).map(|data| data.claims).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                    TokenError::Malformed
                }
                _ => TokenError::Invalid,
            },
        )?;
        let now = self.clock.now().timestamp();
        if claims.exp < now - LEEWAY_SECS as i64 {
            return Err(TokenError::Expired);
        }
        // not valid yet: this service's tokens carry no `nbf`, they are valid from `iat`
        if claims.iat > now + LEEWAY_SECS as i64 {
            return Err(TokenError::Invalid);
        }
        Ok((claims, kid))
    }

    /// True (and the clock reset) when the last reload is at least `gap` ago.
    fn may_reload(&self, gap: std::time::Duration) -> bool {
        let mut last = self.last_reload.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() < gap {
            return false;
        }
        *last = Instant::now();
        true
    }
}

#[async_trait::async_trait]
impl TokenSigner for TokenService {
    fn sign(&self, claims: &AccessClaims) -> Result<String, SignError> {
        self.mint(claims).map_err(|e| SignError(e.to_string()))
    }

    fn sign_document(&self, claims: &Value) -> Result<String, SignError> {
        self.mint_any(claims).map_err(|e| SignError(e.to_string()))
    }

    async fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError> {
        TokenService::verify(self, token, audience).await
    }

    fn jwks(&self) -> Value {
        TokenService::jwks(self)
    }

    fn signing_kid(&self) -> String {
        TokenService::signing_kid(self)
    }

    async fn reload(&self) -> Result<(), SignError> {
        TokenService::reload(self).await.map_err(|e| SignError(e.to_string()))
    }
}

/// Add a signing key one generation above the newest; returns its `kid`. Tokens of older keys
/// stay valid until they expire: every stored key keeps verifying.
pub async fn rotate(store: &dyn KeyStore) -> anyhow::Result<String> {
    // racing rotations: the unique generation lets one win; the loser tries the next one
    for _ in 0..5 {
        let newest = store.signing_keys().await?.iter().map(|k| k.generation).max().unwrap_or(0);
        if let Some(kid) = add_key(store, newest + 1).await? {
            return Ok(kid);
        }
    }
    anyhow::bail!("could not add a signing key: other rotations kept winning")
}

/// Store a fresh Ed25519 key at `generation`; `None` when that generation exists already.
async fn add_key(store: &dyn KeyStore, generation: i64) -> anyhow::Result<Option<String>> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public = key.verifying_key().to_bytes();
    let kid = hex::encode(&Sha256::digest(public)[..8]);
    let der = key.to_pkcs8_der().map_err(|e| anyhow::anyhow!("cannot encode signing key: {e}"))?;
    let stored = StoredSigningKey {
        kid: kid.clone(),
        generation,
        private_der: STANDARD.encode(der.as_bytes()),
        public_raw: STANDARD.encode(public),
    };
    Ok(store.add_signing_key(&stored).await?.then_some(kid))
}

fn key_set(keys: &[StoredSigningKey]) -> anyhow::Result<KeySet> {
    let newest = keys.last().ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let signing = EncodingKey::from_ed_der(&STANDARD.decode(&newest.private_der)?);
    let mut verifying = HashMap::new();
    let mut jwks = Vec::new();
    for key in keys {
        let x = URL_SAFE_NO_PAD.encode(STANDARD.decode(&key.public_raw)?);
        verifying.insert(key.kid.clone(), DecodingKey::from_ed_components(&x)?);
        jwks.push(json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key.kid, "x": x }));
    }
    // newest first: clients that take the first key take the one that signs
    jwks.reverse();
    Ok(KeySet { kid: newest.kid.clone(), signing, verifying, jwks: json!({ "keys": jwks }) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MemoryKeyStore;

    fn claims(now: DateTime<Utc>) -> AccessClaims {
        AccessClaims::new("u", "t", "app", uuid::Uuid::nil(), "aud", false, now, Duration::minutes(5))
    }

    #[tokio::test]
    async fn a_token_verifies_and_a_rotated_key_keeps_the_old_ones_valid() {
        let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::default());
        let tokens = TokenService::load_or_create(store.clone()).await.expect("keys");
        let old = tokens.mint(&claims(Utc::now())).expect("sign");
        let new_kid = rotate(store.as_ref()).await.expect("rotate");
        tokens.reload().await.expect("reload");
        assert_eq!(tokens.signing_kid(), new_kid);
        assert_eq!(tokens.verify(&old, "aud").await.expect("old token").sub, "u");
        assert_eq!(tokens.jwks()["keys"][0]["kid"], new_kid.as_str(), "the signing key comes first");
        assert_eq!(tokens.verify(&old, "other").await, Err(TokenError::Invalid));
        assert_eq!(tokens.verify("not.a.jwt", "aud").await, Err(TokenError::Malformed));
    }

    #[tokio::test]
    async fn a_token_verified_before_is_recognised_until_it_expires_and_only_for_its_audience() {
        let tokens = TokenService::load_or_create(Arc::new(MemoryKeyStore::default())).await.expect("keys");
        let token = tokens.mint(&claims(Utc::now())).expect("sign");
        assert_eq!(tokens.verify(&token, "aud").await.expect("token").sub, "u");
        assert_eq!(tokens.verified.len(), 1, "remembered");
        assert_eq!(tokens.verify(&token, "aud").await.expect("again").sub, "u");
        assert_eq!(tokens.verify(&token, "other").await, Err(TokenError::Invalid), "another audience checks afresh");
        // one byte changed is another token: checked, and refused
        let mut forged = token.clone().into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).expect("ascii");
        assert!(tokens.verify(&forged, "aud").await.is_err());
        // past its exp (inside the verifier's leeway) a token is never served from memory
        let late = tokens.mint(&claims(Utc::now() - Duration::minutes(5) - Duration::seconds(10))).expect("sign");
        assert!(tokens.verify(&late, "aud").await.is_ok(), "inside the leeway");
        assert_eq!(tokens.verified.len(), 1, "not remembered");
        // a remembered token whose key this service no longer knows is checked afresh
        tokens.verified.insert(forged.clone(), (claims(Utc::now()), "gone".into()));
        assert!(tokens.verify(&forged, "aud").await.is_err());
    }

    #[tokio::test]
    async fn an_expired_token_is_refused() {
        let tokens = TokenService::load_or_create(Arc::new(MemoryKeyStore::default())).await.expect("keys");
        let token = tokens.mint(&claims(Utc::now() - Duration::hours(1))).expect("sign");
        assert_eq!(tokens.verify(&token, "aud").await, Err(TokenError::Expired));
    }

    #[tokio::test]
    async fn expiry_and_issue_time_are_held_against_the_service_clock() {
        let clock = Arc::new(crate::clock::FixedClock::at(Utc::now()));
        let store = Arc::new(MemoryKeyStore::default());
        let tokens = TokenService::load_or_create(store).await.expect("keys").with_clock(clock.clone());
        let token = tokens.mint(&claims(clock.now())).expect("sign");
        assert!(tokens.verify(&token, "aud").await.is_ok(), "remembered now");
        clock.advance(Duration::minutes(5) + Duration::seconds(31));
        assert_eq!(tokens.verify(&token, "aud").await, Err(TokenError::Expired), "the remembered token too");
        // a token signed at the service's time, hours ahead of the system's, is valid
        let ahead = tokens.mint(&claims(clock.now())).expect("sign");
        clock.advance(Duration::hours(2));
        let later = tokens.mint(&claims(clock.now())).expect("sign");
        assert!(tokens.verify(&later, "aud").await.is_ok());
        assert_eq!(tokens.verify(&ahead, "aud").await, Err(TokenError::Expired));
        let future = tokens.mint(&claims(clock.now() + Duration::minutes(1))).expect("sign");
        assert_eq!(tokens.verify(&future, "aud").await, Err(TokenError::Invalid), "issued in the future");
    }
}
