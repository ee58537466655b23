//! Key stores: the database (every instance on it shares the keys) and memory (tests, tools).
use commands::ports::{KeyStore, KeyStoreError, StoredSigningKey};
use std::collections::BTreeMap;
use std::sync::Mutex;
use store::Db;
use store::secrets::{self, SigningKeyRow};
use store::wrap::{SecretWrap, secret_aad, signing_key_aad};

/// The `signing_keys` and `server_secrets` tables; private keys and secrets are stored sealed
/// by the master key (`store::wrap`).
#[derive(Clone)]
pub struct SqlKeyStore {
    db: Db,
    wrap: SecretWrap,
}

impl SqlKeyStore {
    pub fn new(db: Db, master_key: &[u8; 32]) -> Self {
        Self { db, wrap: SecretWrap::new(master_key) }
    }

    /// The key tables of `store`'s database.
    pub fn for_store(store: &dyn store::EventStore, master_key: &[u8; 32]) -> Self {
        Self::new(store.db().clone(), master_key)
    }

    /// Seal what a version before sealing stored in clear; how many values were sealed.
    pub async fn seal_stored(&self) -> Result<usize, KeyStoreError> {
        self.wrap.seal_stored(&self.db).await.map_err(fault)
    }
}

fn fault(e: store::StoreError) -> KeyStoreError {
    KeyStoreError(e.to_string())
}

#[async_trait::async_trait]
impl KeyStore for SqlKeyStore {
    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, KeyStoreError> {
        let rows = secrets::signing_keys(&self.db).await.map_err(fault)?;
        rows.into_iter()
            .map(|r| {
                Ok(StoredSigningKey {
                    private_der: self.wrap.open(&signing_key_aad(&r.kid), &r.private_der).map_err(fault)?,
                    kid: r.kid,
                    generation: r.generation,
                    public_raw: r.public_raw,
                })
            })
            .collect()
    }

    async fn add_signing_key(&self, key: &StoredSigningKey) -> Result<bool, KeyStoreError> {
        let row = SigningKeyRow {
            kid: key.kid.clone(),
            generation: key.generation,
            private_der: self.wrap.seal(&signing_key_aad(&key.kid), &key.private_der).map_err(fault)?,
            public_raw: key.public_raw.clone(),
        };
        secrets::insert_signing_key(&self.db, &row).await.map_err(fault)
    }

    async fn secret(&self, name: &str) -> Result<Option<String>, KeyStoreError> {
        let stored = secrets::secret(&self.db, name).await.map_err(fault)?;
        stored.map(|v| self.wrap.open(&secret_aad(name), &v).map_err(fault)).transpose()
    }

    async fn add_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        let sealed = self.wrap.seal(&secret_aad(name), value).map_err(fault)?;
        secrets::add_secret(&self.db, name, &sealed).await.map_err(fault)
    }

    async fn set_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        let sealed = self.wrap.seal(&secret_aad(name), value).map_err(fault)?;
        secrets::set_secret(&self.db, name, &sealed).await.map_err(fault)
    }
}

/// Keys in memory, gone with the process: for tests, and tools that need no persistence.
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<Vec<StoredSigningKey>>,
    secrets: Mutex<BTreeMap<String, String>>,
}

#[async_trait::async_trait]
impl KeyStore for MemoryKeyStore {
    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, KeyStoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner()).clone();
        keys.sort_by_key(|k| k.generation);
        Ok(keys)
    }

    async fn add_signing_key(&self, key: &StoredSigningKey) -> Result<bool, KeyStoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.iter().any(|k| k.generation == key.generation || k.kid == key.kid) {
            return Ok(false);
        }
        keys.push(key.clone());
        Ok(true)
    }

    async fn secret(&self, name: &str) -> Result<Option<String>, KeyStoreError> {
        Ok(self.secrets.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned())
    }

    async fn add_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_owned())
            .or_insert_with(|| value.to_owned());
        Ok(())
    }

    async fn set_secret(&self, name: &str, value: &str) -> Result<(), KeyStoreError> {
        self.secrets.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_owned(), value.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_secret_stored_wins_and_set_replaces_it() {
        let keys = MemoryKeyStore::default();
        let first = keys.secret_bytes_or_create("refresh").await.expect("secret");
        assert_eq!(keys.secret_bytes_or_create("refresh").await.expect("secret"), first);
        keys.add_secret("tenant", "a").await.expect("add");
        keys.add_secret("tenant", "b").await.expect("add");
        assert_eq!(keys.secret("tenant").await.expect("read").as_deref(), Some("a"));
        keys.set_secret("tenant", "c").await.expect("set");
        assert_eq!(keys.secret("tenant").await.expect("read").as_deref(), Some("c"));
    }

    #[tokio::test]
    async fn a_taken_generation_is_refused() {
        let keys = MemoryKeyStore::default();
        let key = |kid: &str, generation| StoredSigningKey {
            kid: kid.into(),
            generation,
            private_der: String::new(),
            public_raw: String::new(),
        };
        assert!(keys.add_signing_key(&key("a", 2)).await.expect("add"));
        assert!(!keys.add_signing_key(&key("b", 2)).await.expect("add"));
        assert!(keys.add_signing_key(&key("c", 1)).await.expect("add"));
        let kids: Vec<_> = keys.signing_keys().await.expect("keys").into_iter().map(|k| k.kid).collect();
        assert_eq!(kids, ["c", "a"]);
    }
}
