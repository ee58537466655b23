//! The server's own secrets at rest, wrapped by the master key: the private halves of the
//! access-token signing keys, the refresh-token key, the link-state key and tenants' signature
//! keys. A stored value reads `"sealed:v1:<base64 nonce‖ciphertext>"` (XChaCha20-Poly1305, the
//! associated data names the row, so a value cannot be moved to another row). A copy of the
//! database alone therefore cannot sign a token or forge a refresh token. Values stored in clear
//! by a version before this one still read, and `seal_stored` rewrites them once.
use crate::secrets::{self, signing_keys};
use crate::vault::{open, seal};
use crate::{Db, StoreError, args};
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";

/// Seals and opens server secrets with a key derived from the master key (not the master key
/// itself: the data keys of personal data are wrapped by that).
#[derive(Clone)]
pub struct SecretWrap {
    key: [u8; 32],
}

impl std::fmt::Debug for SecretWrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretWrap(..)")
    }
}

impl SecretWrap {
    pub fn new(master: &[u8; 32]) -> Self {
        Self { key: Sha256::digest([b"users-api secret wrap\0".as_slice(), master].concat()).into() }
    }

    /// `plain`, sealed for the row named `aad`.
    pub fn seal(&self, aad: &str, plain: &str) -> Result<String, StoreError> {
        Ok(format!("{PREFIX}{}", seal(&self.key, aad, plain.as_bytes())?))
    }

    /// The plain value of a stored one: opened when sealed, as is when stored in clear. A value
    /// that does not open (another master key, or moved from another row) is an error: the
    /// server must not start with keys it cannot read.
    pub fn open(&self, aad: &str, stored: &str) -> Result<String, StoreError> {
        let Some(sealed) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_owned()) };
        open(&self.key, aad, sealed).and_then(|p| String::from_utf8(p).ok()).ok_or_else(|| {
            StoreError::Corrupt(format!("{aad} does not open with this master key (USERS_API_MASTER_KEY changed?)"))
        })
    }

    /// Whether `stored` is sealed.
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Seal every signing key and server secret still stored in clear; how many were sealed.
    /// Idempotent, and safe with racing instances (each rewrite only replaces a clear value).
    pub async fn seal_stored(&self, db: &Db) -> Result<usize, StoreError> {
        let mut sealed = 0;
        for key in signing_keys(db).await? {
            if Self::is_sealed(&key.private_der) {
                continue;
            }
            let value = self.seal(&signing_key_aad(&key.kid), &key.private_der)?;
            let sql = "update signing_keys set private_der = $1 where kid = $2 and private_der = $3";
            sealed += db.execute(sql, &args![value, key.kid.as_str(), key.private_der.as_str()]).await?;
        }
        for (name, value) in secrets::all_secrets(db).await? {
            if Self::is_sealed(&value) {
                continue;
            }
            let sealed_value = self.seal(&secret_aad(&name), &value)?;
            let sql = "update server_secrets set value = $1 where name = $2 and value = $3";
            sealed += db.execute(sql, &args![sealed_value, name.as_str(), value.as_str()]).await?;
        }
        Ok(sealed as usize)
    }
}

/// The associated data of signing key `kid`'s private half.
pub fn signing_key_aad(kid: &str) -> String {
    format!("signing-key\u{0}{kid}")
}

/// The associated data of server secret `name`.
pub fn secret_aad(name: &str) -> String {
    format!("server-secret\u{0}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_master_key_and_for_its_row() {
        let wrap = SecretWrap::new(&[1u8; 32]);
        let sealed = wrap.seal(&secret_aad("refresh-token-key"), "c2VjcmV0").expect("seal");
        assert!(SecretWrap::is_sealed(&sealed) && !sealed.contains("c2VjcmV0"));
        assert_eq!(wrap.open(&secret_aad("refresh-token-key"), &sealed).expect("open"), "c2VjcmV0");
        assert!(wrap.open(&secret_aad("link-state-key"), &sealed).is_err(), "moved to another row");
        assert!(SecretWrap::new(&[2u8; 32]).open(&secret_aad("refresh-token-key"), &sealed).is_err());
        assert_eq!(wrap.open("any", "clear value").expect("clear"), "clear value", "stored before sealing");
    }
}
