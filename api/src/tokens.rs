//! Access tokens: EdDSA (Ed25519) JWTs with a `kid`; public keys served as a JWKS.
//! Ed25519 verifies several times faster than ES256, and every authenticated request verifies.
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use store::{Db, args, format_time, now_micros};

pub use commands::ports::tokens::ISSUER;

pub use commands::ports::{AccessClaims, TokenError};

/// The keys of one load: the newest signs, all verify.
struct KeySet {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
}

/// Signs and verifies access tokens. Keys live in the `signing_keys` table, so every instance on
/// a database shares them; `users-api keys rotate` adds one. Running instances pick a new key up
/// when a token names a `kid` they do not know, and every `RELOAD_EVERY` in any case.
pub struct TokenService {
    db: Db,
    keys: RwLock<Arc<KeySet>>,
    last_reload: Mutex<Instant>,
}

/// How often a running instance looks for new keys.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The least time between two reloads caused by unknown `kid`s (forged tokens cost no queries).
const UNKNOWN_KID_RELOAD: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_der: String,
    public_raw: String,
}

const SELECT_KEYS: &str = "select kid, private_der, public_raw from signing_keys order by generation";

impl TokenService {
    /// Load the signing keys, creating the first one on a fresh database.
    pub async fn load_or_create(db: &Db) -> anyhow::Result<Self> {
        let mut rows: Vec<KeyRow> = db.fetch_all(SELECT_KEYS, &[]).await?;
        if rows.is_empty() {
            // two instances starting at once: the first insert wins, both then load the same key
            insert_key(db, 1).await?;
            rows = db.fetch_all(SELECT_KEYS, &[]).await?;
        }
        Ok(Self {
            db: db.clone(),
            keys: RwLock::new(Arc::new(key_set(&rows)?)),
            // the first unknown kid may reload at once
            last_reload: Mutex::new(Instant::now().checked_sub(UNKNOWN_KID_RELOAD).unwrap_or_else(Instant::now)),
        })
    }

    /// Read the keys again (new ones from `keys rotate`).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let rows: Vec<KeyRow> = self.db.fetch_all(SELECT_KEYS, &[]).await?;
        let set = Arc::new(key_set(&rows)?);
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
        let keys = self.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        jsonwebtoken::encode(&header, claims, &keys.signing)
    }

    /// Claims for a token of login session `sid`, valid for `lifetime` from `now`.
    #[allow(clippy::too_many_arguments)]
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
    /// new keys first (at most once per few seconds).
    pub async fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError> {
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
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation).map(|data| data.claims).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                    TokenError::Malformed
                }
                _ => TokenError::Invalid,
            },
        )?;
        // not valid yet: this service's tokens carry no `nbf`, they are valid from `iat`
        if claims.iat > Utc::now().timestamp() + 30 {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
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

    /// Reload every `RELOAD_EVERY` until the service stops, so a rotated key starts signing
    /// on every instance without a restart; the same tick lets the rate limiters forget idle
    /// clients.
    pub fn spawn_reloader(self: &Arc<Self>, limits: crate::limits::Limits) -> tokio::task::JoinHandle<()> {
        let tokens = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELOAD_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                limits.shrink();
                if let Err(e) = tokens.reload().await {
                    tracing::warn!(error = %e, "cannot reload signing keys");
                }
            }
        })
    }
}

/// Add a signing key one generation above the newest; returns its `kid`. Tokens of older keys
/// stay valid until they expire: every stored key keeps verifying.
pub async fn rotate(db: &Db) -> anyhow::Result<String> {
    // racing rotations: the unique generation lets one win; the loser tries the next one
    for _ in 0..5 {
        let (newest,): (i64,) = db
            .fetch_optional("select cast(coalesce(max(generation), 0) as bigint) from signing_keys", &[])
            .await?
            .unwrap_or((0,));
        if let Some(kid) = insert_key(db, newest + 1).await? {
            return Ok(kid);
        }
    }
    anyhow::bail!("could not add a signing key: other rotations kept winning")
}

/// Insert a fresh Ed25519 key at `generation`; `None` when that generation exists already.
async fn insert_key(db: &Db, generation: i64) -> anyhow::Result<Option<String>> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let public = key.verifying_key().to_bytes();
    let kid = hex::encode(&Sha256::digest(public)[..8]);
    let der = key.to_pkcs8_der().map_err(|e| anyhow::anyhow!("cannot encode signing key: {e}"))?;
    let inserted = db
        .execute(
            "insert into signing_keys (kid, generation, algorithm, private_der, public_raw, created_at) \
             values ($1, cast($2 as integer), 'EdDSA', $3, $4, $5) on conflict do nothing",
            &args![
                kid.as_str(),
                generation,
                STANDARD.encode(der.as_bytes()),
                STANDARD.encode(public),
                format_time(&now_micros())
            ],
        )
        .await?;
    Ok((inserted == 1).then_some(kid))
}

fn key_set(rows: &[KeyRow]) -> anyhow::Result<KeySet> {
    let newest = rows.last().ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let signing = EncodingKey::from_ed_der(&STANDARD.decode(&newest.private_der)?);
    let mut verifying = HashMap::new();
    let mut keys = Vec::new();
    for row in rows {
        let x = URL_SAFE_NO_PAD.encode(STANDARD.decode(&row.public_raw)?);
        verifying.insert(row.kid.clone(), DecodingKey::from_ed_components(&x)?);
        keys.push(json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": row.kid, "x": x }));
    }
    // newest first: clients that take the first key take the one that signs
    keys.reverse();
    Ok(KeySet { kid: newest.kid.clone(), signing, verifying, jwks: json!({ "keys": keys }) })
}

/// A 32-byte secret shared by every instance on the database, created on first use.
pub async fn load_or_create_secret(db: &Db, name: &str) -> anyhow::Result<[u8; 32]> {
    let select = "select value from server_secrets where name = $1";
    let mut row: Option<(String,)> = db.fetch_optional(select, &args![name]).await?;
    if row.is_none() {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        let ts = if db.engine() == store::Engine::Postgres { "::timestamptz" } else { "" };
        db.execute(
            &format!(
                "insert into server_secrets (name, value, created_at) values ($1, $2, $3{ts}) on conflict do nothing"
            ),
            &args![name, STANDARD.encode(secret), format_time(&now_micros())],
        )
        .await?;
        row = db.fetch_optional(select, &args![name]).await?;
    }
    let (value,) = row.ok_or_else(|| anyhow::anyhow!("server secret {name} missing"))?;
    let bytes = STANDARD.decode(value)?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("server secret {name} is not 32 bytes"))
}

/// Store `value` as the secret `name` (configuration wins over what is stored).
pub async fn set_secret(db: &Db, name: &str, value: &str) -> anyhow::Result<()> {
    let ts = if db.engine() == store::Engine::Postgres { "::timestamptz" } else { "" };
    db.execute(
        &format!(
            "insert into server_secrets (name, value, created_at) values ($1, $2, $3{ts}) \
             on conflict (name) do update set value = excluded.value"
        ),
        &args![name, value, format_time(&now_micros())],
    )
    .await?;
    Ok(())
}

/// The secret `name` as stored, if any.
pub async fn secret(db: &Db, name: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> =
        db.fetch_optional("select value from server_secrets where name = $1", &args![name]).await?;
    Ok(row.map(|(v,)| v))
}

#[async_trait::async_trait]
impl commands::ports::TokenSigner for TokenService {
    fn sign(&self, claims: &AccessClaims) -> Result<String, commands::ports::SignError> {
        self.mint(claims).map_err(|e| commands::ports::SignError(e.to_string()))
    }

    async fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError> {
        TokenService::verify(self, token, audience).await
    }

    fn jwks(&self) -> Value {
        TokenService::jwks(self)
    }
}
