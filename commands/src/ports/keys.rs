//! The key-store port: where the access-token signing keys and the server secrets (the
//! refresh-token key, tenants' signature keys) are kept. Every instance on one database must see
//! the same keys, so the real adapter is the database; tests may keep them in memory.
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One stored signing key, in the encoding the token signer chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    pub kid: String,
    /// 1 for the first key, +1 per rotation; the highest signs, all verify.
    pub generation: i64,
    /// The private key (PKCS#8 DER, standard base64).
    pub private_der: String,
    /// The public key (raw bytes, standard base64).
    pub public_raw: String,
}

/// The key store could not be read or written: a server fault.
#[derive(Debug, thiserror::Error)]
#[error("key store: {0}")]
pub struct KeyStoreError(pub String);

#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    /// Every signing key, oldest generation first.
    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, KeyStoreError>;
    /// Store `key`; false (and nothing stored) when its generation or kid is taken, so racing
    /// instances or rotations cannot both add one generation.
    async fn add_signing_key(&self, key: &StoredSigningKey) -> Result<bool, KeyStoreError>;
    /// The secret `name`, if stored.
    async fn secret(&self, name: &str) -> Result<Option<String>, KeyStoreError>;
    /// Store `value` as `name` unless a value is stored already: the first writer wins.
    async fn add_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError>;
    /// Store `value` as `name`, replacing a stored one (configuration wins over what is stored).
    async fn set_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError>;

    /// The 32-byte secret `name`, created at random on first use. Two instances starting at once
    /// both end with the one stored first.
    async fn secret_bytes_or_create(&self, name: &str) -> Result<[u8; 32], KeyStoreError> {
        if self.secret(name).await?.is_none() {
            let mut fresh = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut fresh);
            self.add_secret(name, &STANDARD.encode(fresh)).await?;
        }
        let value = self.secret(name).await?.ok_or_else(|| KeyStoreError(format!("server secret {name} missing")))?;
        let bytes = STANDARD.decode(value).map_err(|e| KeyStoreError(format!("server secret {name}: {e}")))?;
        bytes.try_into().map_err(|_| KeyStoreError(format!("server secret {name} is not 32 bytes")))
    }
}
