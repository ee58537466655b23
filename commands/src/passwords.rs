//! Passwords: argon2id (PHC strings), hashed and verified on the blocking pool so that hash
//! cost never stalls the async runtime. An unknown account is checked against a dummy hash made
//! with the same parameters, so a sign-in takes as long whether or not the account exists.
use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};

/// argon2id cost. The default is one of OWASP's recommended rows (m = 19 MiB, t = 2, p = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

#[derive(Clone)]
pub struct Passwords {
    argon: Arc<Argon2<'static>>,
    dummy: Arc<str>,
    /// At most one sign-in verify per CPU at a time: more only queue for the same cores, take
    /// 19 MiB each, and starve the threads that serve everything else.
    permits: Arc<tokio::sync::Semaphore>,
    /// New hashes (sign-ups) have a budget of their own, half the CPUs: a flood of sign-ups
    /// queues behind itself and never takes a sign-in's turn.
    hash_permits: Arc<tokio::sync::Semaphore>,
    /// argon2 work memory kept between verifies: allocating (and page-faulting) 19 MiB afresh for
    /// each one cost about a quarter of its time. At most one buffer per permit.
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Passwords {
    pub fn new(params: PasswordParams) -> Result<Self, PasswordError> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| PasswordError::Params(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        let dummy = hash_with(&argon, "not a password anyone has")?;
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Ok(Self {
            argon: Arc::new(argon),
            dummy: dummy.into(),
            permits: Arc::new(tokio::sync::Semaphore::new(cpus)),
            hash_permits: Arc::new(tokio::sync::Semaphore::new((cpus / 2).max(1))),
            buffers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Hash a new password, within the hashing budget (not the sign-ins').
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let _permit = self.hash_permits.acquire().await.map_err(|e| PasswordError::Hash(e.to_string()))?;
        let argon = self.argon.clone();
        tokio::task::spawn_blocking(move || hash_with(&argon, &password))
            .await
            .map_err(|e| PasswordError::Hash(e.to_string()))?
    }

    /// True when `password` matches `stored`. With no stored hash (unknown account, or an
    /// account without a password) the dummy hash is verified instead and the answer is false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy.to_string());
        let buffers = self.buffers.clone();
        let matched = tokio::task::spawn_blocking(move || {
            let mut memory = buffers.lock().map(|mut b| b.pop()).ok().flatten().unwrap_or_default();
            let matched = verify_into(&phc, password.as_bytes(), &mut memory);
            if let Ok(mut pool) = buffers.lock() {
                pool.push(memory);
            }
            matched
        })
        .await
        .unwrap_or(false);
        known && matched
    }
}

/// Verify `password` against a PHC string (its own algorithm, version and parameters), with
/// `memory` as argon2's work memory (grown when too small).
fn verify_into(phc: &str, password: &[u8], memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon.hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks]).is_err() {
        return false;
    }
    subtle::ConstantTimeEq::ct_eq(out.as_slice(), expected.as_bytes()).into()
}

fn hash_with(argon: &Argon2<'_>, password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Passwords {
        Passwords::new(PasswordParams { memory_kib: 1024, iterations: 1, parallelism: 1 }).expect("params")
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let passwords = fast();
        let hash = passwords.hash("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(passwords.verify("correct horse".into(), Some(hash.clone())).await);
        assert!(!passwords.verify("wrong horse".into(), Some(hash.clone())).await);
        assert_ne!(hash, passwords.hash("correct horse".into()).await.expect("hash"), "salted");
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies_not_even_the_dummy_password() {
        let passwords = fast();
        assert!(!passwords.verify("not a password anyone has".into(), None).await);
        assert!(!passwords.verify("x".into(), Some("not a phc string".into())).await);
    }

    #[test]
    fn reused_memory_verifies_like_the_library_across_parameters() {
        use argon2::password_hash::PasswordVerifier as _;
        let mut memory = Vec::new();
        for (m, t) in [(1024, 1), (2048, 2), (1024, 3)] {
            let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m, t, 1, None).expect("params"));
            let phc = hash_with(&argon, "pässword").expect("hash");
            let parsed = PasswordHash::new(&phc).expect("phc");
            assert!(argon.verify_password("pässword".as_bytes(), &parsed).is_ok());
            // the same buffer, dirty from the last verify, of another size
            assert!(verify_into(&phc, "pässword".as_bytes(), &mut memory), "{phc}");
            assert!(!verify_into(&phc, "passwörd".as_bytes(), &mut memory));
        }
        assert!(!verify_into("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$", b"x", &mut memory));
    }

    #[tokio::test]
    async fn sign_ups_that_use_up_their_hashing_budget_do_not_hold_up_sign_ins() {
        let passwords = fast();
        let stored = passwords.hash("correct horse".into()).await.expect("hash");
        // every sign-up hash slot taken, as by a flood of sign-ups
        let budget = passwords.hash_permits.available_permits() as u32;
        let held = passwords.hash_permits.clone().acquire_many_owned(budget).await.expect("permits");
        let verify = passwords.verify("correct horse".into(), Some(stored));
        let verified = tokio::time::timeout(std::time::Duration::from_secs(30), verify).await;
        assert_eq!(verified.ok(), Some(true), "a sign-in verifies while sign-ups wait");
        let mut queued = std::pin::pin!(passwords.hash("another".into()));
        let waits = std::future::poll_fn(|cx| std::task::Poll::Ready(queued.as_mut().poll(cx).is_pending())).await;
        assert!(waits, "a sign-up waits for its own budget");
        drop(held);
        assert!(queued.await.is_ok());
    }

    #[test]
    fn the_default_is_owasp_argon2id() {
        assert_eq!(PasswordParams::default(), PasswordParams { memory_kib: 19_456, iterations: 2, parallelism: 1 });
        assert!(Passwords::new(PasswordParams { memory_kib: 1, iterations: 0, parallelism: 0 }).is_err());
    }
}
