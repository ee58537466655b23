//! Personal data in event payloads, encrypted with one data key per person (crypto-shredding).
//!
//! The domain says which top-level payload fields of which events are personal
//! (`PersonalData`), which stream types belong to a person (and how a stream id names them),
//! and which event erases a person. On append, the vault encrypts those fields with the person's
//! data key (XChaCha20-Poly1305; the associated data binds the stream id and the field name) and
//! stores `"enc:v1:<base64 nonce‖ciphertext>"` in their place; the inline projectors still see
//! the plain event. Data keys live in `data_keys`, wrapped by the master key. An erasing event
//! deletes its person's key in the same transaction. On read, fields are decrypted again; a
//! field whose key is gone reads as the placeholder the domain gave, so old events of an erased
//! person still decode (and say nothing). Hashes are over the stored (encrypted) payloads, so
//! the chain verifies before and after an erasure. Keys are never cached: an erasure takes
//! effect on every instance at once.
use crate::model::{AppendRequest, RecordedEvent, format_time, now_micros};
use crate::sql::{Arg, Db, Tx};
use crate::{StoreError, args};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde_json::Value;
use std::collections::HashMap;

const PREFIX: &str = "enc:v1:";

/// What the domain declares personal.
#[derive(Debug, Clone, Default)]
pub struct PersonalData {
    /// Stream types that belong to a person, and the prefix before the person's id in their
    /// stream ids (`user` → `user-`).
    pub streams: Vec<(&'static str, &'static str)>,
    /// Per event type: its personal top-level fields and what each reads as once erased.
    pub fields: HashMap<&'static str, Vec<(&'static str, Value)>>,
    /// Event types that erase their person: their append destroys the data key.
    pub erasing: Vec<&'static str>,
}

pub struct Vault {
    master: [u8; 32],
    personal: PersonalData,
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.into())
}

pub(crate) fn seal(key: &[u8; 32], aad: &str, plain: &[u8]) -> Result<String, StoreError> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad: aad.as_bytes() })
        .map_err(|_| StoreError::Corrupt("encryption failed".into()))?;
    Ok(B64.encode([nonce.as_slice(), sealed.as_slice()].concat()))
}

pub(crate) fn open(key: &[u8; 32], aad: &str, text: &str) -> Option<Vec<u8>> {
    let bytes = B64.decode(text).ok()?;
    let (nonce, sealed) = (bytes.get(..24)?, bytes.get(24..)?);
    let nonce: [u8; 24] = nonce.try_into().ok()?;
    cipher(key).decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: aad.as_bytes() }).ok()
}

impl Vault {
    pub fn new(master: [u8; 32], personal: PersonalData) -> Self {
        Self { master, personal }
    }

    /// A claim's stored value: a keyed hash (a blind index), so `unique_claims` holds no email,
    /// phone number or username in clear, and no one without the master key can test a guess.
    pub fn blind(&self, scope: &str, value: &str) -> String {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        let index_key = Sha256::digest([b"users-api claim index\0".as_slice(), &self.master].concat());
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&index_key) else { return value.to_owned() };
        mac.update(scope.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Claims stored in clear by a version before blind indexes are rewritten once, in one
    /// transaction that also records that it was done (racing instances: one does it).
    pub(crate) async fn blind_stored_claims(&self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        let cast = if tx.engine() == crate::Engine::Postgres { "::timestamptz" } else { "" };
        let sql = format!(
            "insert into server_secrets (name, value, created_at) values ('claims-blind-index', 'v1', $1{cast}) \
             on conflict do nothing"
        );
        let marked = tx.execute(&sql, &args![format_time(&now_micros())]).await?;
        if marked == 0 {
            return Ok(());
        }
        let claims: Vec<(String, String)> = tx.fetch_all("select scope, value from unique_claims", &[]).await?;
        for (scope, value) in claims {
            let blind = self.blind(&scope, &value);
            tx.execute(
                "update unique_claims set value = $3 where scope = $1 and value = $2",
                &args![scope, value, blind],
            )
            .await?;
        }
        Ok(())
    }

    /// Whether appending `req` touches a data key (it has personal fields, or erases).
    pub(crate) fn concerns(&self, req: &AppendRequest) -> bool {
        self.person(&req.stream_type, &req.stream_id).is_some()
            && req.events.iter().any(|e| {
                self.personal.fields.contains_key(e.event_type.as_str())
                    || self.personal.erasing.contains(&e.event_type.as_str())
            })
    }

    /// The person a stream belongs to, if it belongs to one.
    fn person(&self, stream_type: &str, stream_id: &str) -> Option<String> {
        let (_, prefix) = self.personal.streams.iter().find(|(t, _)| *t == stream_type)?;
        stream_id.strip_prefix(prefix).map(str::to_owned)
    }

    fn unwrap_key(&self, key_id: &str, wrapped: &str) -> Option<[u8; 32]> {
        open(&self.master, &format!("data-key:{key_id}"), wrapped)?.try_into().ok()
    }

    /// The person's data key, made on first use (racing appends: the first insert wins).
    async fn key_for_append(&self, tx: &mut Tx<'_>, key_id: &str) -> Result<[u8; 32], StoreError> {
        let select = "select wrapped from data_keys where key_id = $1";
        if let Some((wrapped,)) = tx.fetch_optional::<(String,)>(select, &args![key_id]).await? {
            return self.unwrap_key(key_id, &wrapped).ok_or_else(|| StoreError::Corrupt(format!("data key {key_id}")));
        }
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let wrapped = seal(&self.master, &format!("data-key:{key_id}"), &key)?;
        let insert = "insert into data_keys (key_id, wrapped, created_at) values ($1, $2, $3) on conflict do nothing";
        tx.execute(insert, &args![key_id, wrapped, format_time(&now_micros())]).await?;
        let (wrapped,) = tx
            .fetch_optional::<(String,)>(select, &args![key_id])
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("data key {key_id} vanished")))?;
        self.unwrap_key(key_id, &wrapped).ok_or_else(|| StoreError::Corrupt(format!("data key {key_id}")))
    }

    /// The payloads to store for `req`: personal fields encrypted. An erasing event destroys
    /// the person's key (after its own payload, which holds nothing personal).
    pub(crate) async fn seal_request(&self, tx: &mut Tx<'_>, req: &AppendRequest) -> Result<Vec<Value>, StoreError> {
        let person = self.person(&req.stream_type, &req.stream_id);
        let mut payloads = Vec::with_capacity(req.events.len());
        for event in &req.events {
            let mut payload = event.payload.clone();
            let fields = self.personal.fields.get(event.event_type.as_str());
            if let (Some(key_id), Some(fields)) = (&person, fields) {
                let key = self.key_for_append(tx, key_id).await?;
                for (field, _) in fields {
                    if let Some(value) = payload.get_mut(*field).filter(|v| !v.is_null()) {
                        let aad = format!("{}\u{0}{field}", req.stream_id);
                        *value = Value::String(format!("{PREFIX}{}", seal(&key, &aad, &serde_json::to_vec(value)?)?));
                    }
                }
            }
            if let (Some(key_id), true) = (&person, self.personal.erasing.contains(&event.event_type.as_str())) {
                tx.execute("delete from data_keys where key_id = $1", &args![key_id.as_str()]).await?;
            }
            payloads.push(payload);
        }
        Ok(payloads)
    }

    fn key_ids(&self, events: &[RecordedEvent]) -> Vec<String> {
        let mut ids: Vec<String> = events
            .iter()
            .filter(|e| self.personal.fields.contains_key(e.event_type.as_str()))
            .filter_map(|e| self.person(&e.stream_type, &e.stream_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn select_keys(n: usize) -> String {
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        format!("select key_id, wrapped from data_keys where key_id in ({})", marks.join(", "))
    }

    /// Decrypt the personal fields of `events` read through `db`.
    pub(crate) async fn reveal(&self, db: &Db, events: &mut [RecordedEvent]) -> Result<(), StoreError> {
        let ids = self.key_ids(events);
        let mut keys = Vec::new();
        for chunk in ids.chunks(200) {
            let binds: Vec<Arg> = chunk.iter().map(|id| Arg::from(id.as_str())).collect();
            keys.extend(db.fetch_all::<(String, String)>(&Self::select_keys(chunk.len()), &binds).await?);
        }
        self.reveal_with(keys, events);
        Ok(())
    }

    /// `reveal`, inside a transaction.
    pub(crate) async fn reveal_in(&self, tx: &mut Tx<'_>, events: &mut [RecordedEvent]) -> Result<(), StoreError> {
        let ids = self.key_ids(events);
        let mut keys = Vec::new();
        for chunk in ids.chunks(200) {
            let binds: Vec<Arg> = chunk.iter().map(|id| Arg::from(id.as_str())).collect();
            keys.extend(tx.fetch_all::<(String, String)>(&Self::select_keys(chunk.len()), &binds).await?);
        }
        self.reveal_with(keys, events);
        Ok(())
    }

    fn reveal_with(&self, wrapped: Vec<(String, String)>, events: &mut [RecordedEvent]) {
        let keys: HashMap<String, [u8; 32]> =
            wrapped.into_iter().filter_map(|(id, w)| self.unwrap_key(&id, &w).map(|k| (id, k))).collect();
        for event in events.iter_mut() {
            let Some(fields) = self.personal.fields.get(event.event_type.as_str()) else { continue };
            let key = self.person(&event.stream_type, &event.stream_id).and_then(|id| keys.get(&id).copied());
            for (field, placeholder) in fields {
                let Some(value) = event.payload.get_mut(*field) else { continue };
                let Some(sealed) = value.as_str().and_then(|s| s.strip_prefix(PREFIX)) else { continue };
                let aad = format!("{}\u{0}{field}", event.stream_id);
                let plain = key.and_then(|k| open(&k, &aad, sealed)).and_then(|p| serde_json::from_slice(&p).ok());
                *value = plain.unwrap_or_else(|| placeholder.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_associated_data() {
        let (key, other) = ([7u8; 32], [8u8; 32]);
        let sealed = seal(&key, "user-1\u{0}email", b"\"ann@example.com\"").expect("seal");
        assert!(!sealed.contains("ann"));
        assert_eq!(open(&key, "user-1\u{0}email", &sealed).as_deref(), Some(b"\"ann@example.com\"".as_slice()));
        assert_eq!(open(&other, "user-1\u{0}email", &sealed), None, "another key");
        assert_eq!(open(&key, "user-2\u{0}email", &sealed), None, "moved to another stream");
        assert_eq!(open(&key, "user-1\u{0}phone", &sealed), None, "moved to another field");
        assert_ne!(seal(&key, "a", b"x").expect("seal"), seal(&key, "a", b"x").expect("seal"), "fresh nonces");
    }
}
