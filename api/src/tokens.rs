//! Access tokens: EdDSA (Ed25519) JWTs with a `kid`; public keys served as a JWKS.
//! Ed25519 verifies several times faster than ES256, and every authenticated request verifies.
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use store::{Db, args, format_time, now_micros};

pub const ISSUER: &str = "users-api";

/// The claims of every access token this service signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub tenant: String,
    /// The partner or API client the token was minted for (`app` for a person's own sign-in).
    pub azp: String,
    /// The login session; every authenticated request checks that it is still live.
    pub sid: String,
    /// A test token: its user is a sandbox user.
    pub test: bool,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

pub struct TokenService {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_der: String,
    public_raw: String,
}

impl TokenService {
    /// Load the signing keys, creating the first one on a fresh database. The newest key signs;
    /// every stored key verifies.
    pub async fn load_or_create(db: &Db) -> anyhow::Result<Self> {
        let select = "select kid, private_der, public_raw from signing_keys order by generation";
        let mut rows: Vec<KeyRow> = db.fetch_all(select, &[]).await?;
        if rows.is_empty() {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let public = key.verifying_key().to_bytes();
            let kid = hex::encode(&Sha256::digest(public)[..8]);
            let der = key.to_pkcs8_der().map_err(|e| anyhow::anyhow!("cannot encode signing key: {e}"))?;
            // two instances starting at once: the first insert wins, both then load the same key
            db.execute(
                "insert into signing_keys (kid, generation, algorithm, private_der, public_raw, created_at) \
                 values ($1, 1, 'EdDSA', $2, $3, $4) on conflict do nothing",
                &args![kid, STANDARD.encode(der.as_bytes()), STANDARD.encode(public), format_time(&now_micros())],
            )
            .await?;
            rows = db.fetch_all(select, &[]).await?;
        }
        let newest = rows.last().ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        let signing = EncodingKey::from_ed_der(&STANDARD.decode(&newest.private_der)?);
        let mut verifying = HashMap::new();
        let mut keys = Vec::new();
        for row in &rows {
            let x = URL_SAFE_NO_PAD.encode(STANDARD.decode(&row.public_raw)?);
            verifying.insert(row.kid.clone(), DecodingKey::from_ed_components(&x)?);
            keys.push(json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": row.kid, "x": x }));
        }
        Ok(Self { kid: newest.kid.clone(), signing, verifying, jwks: json!({ "keys": keys }) })
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    pub fn mint(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing)
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
        AccessClaims {
            sub: user.to_owned(),
            tenant: tenant.to_owned(),
            azp: client.to_owned(),
            sid: sid.to_string(),
            test,
            iss: ISSUER.to_owned(),
            aud: audience.to_owned(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
        }
    }

    /// Signature, `kid`, algorithm (EdDSA only: `none` and HS256 are refused), issuer,
    /// audience, expiry and not-before.
    pub fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let key = header.kid.as_deref().and_then(|kid| self.verifying.get(kid)).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        jsonwebtoken::decode::<AccessClaims>(token, key, &validation).map(|data| data.claims).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                    TokenError::Malformed
                }
                _ => TokenError::Invalid,
            }
        })
    }
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
