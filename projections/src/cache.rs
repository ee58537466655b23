//! In-process copies of the rows every authenticated request reads (its login session, its
//! partner, its user), so that a request reads the database only on a miss.
//!
//! A copy is dropped when a commit changes its stream:
//! - this process's commits, synchronously, before the append returns (a store commit hook):
//!   a logout refuses the token on the very next request;
//! - other instances' commits, when PostgreSQL's `NOTIFY` announces them (milliseconds), or at the
//!   latest when the backstop, which pages through the log every `backstop` (a second by default), reaches them.
//!
//! A reader that missed, read the row, and stored it just after a commit dropped it would keep a
//! stale copy; every drop therefore first moves its stream's generation on, and a reader that
//! finds the generation moved since it began drops what it stored.
use crate::catalog::PartnerRow;
use crate::logins::LoginSessionRow;
use crate::users::UserRow;
use quick_cache::Equivalent;
use quick_cache::sync::Cache;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;
use store::commits::{CommitFeed, Heard};
use store::{Checkpoint, EventStore, StoreError};
use tokio::sync::watch;
use uuid::Uuid;

/// Stream ids per backstop page.
const PAGE: i64 = 1_000;
/// Generations kept; streams share one when their hashes meet (a needless miss at worst).
const STRIPES: usize = 1_024;
/// Partners are few: at most this many are kept, whatever the cache's size.
const PARTNERS: usize = 10_000;

pub struct ReadCache {
    sessions: Cache<String, LoginSessionRow>,
    users: Cache<Uuid, Arc<UserRow>>,
    partners: Cache<String, PartnerRow>,
    partners_by_key: Cache<String, PartnerRow>,
    generations: Box<[AtomicU64]>,
    /// Partners are read by id or key, not by their catalog's stream: one generation for all.
    catalog: AtomicU64,
    hasher: RandomState,
}

impl ReadCache {
    /// Keeps up to `entries` sessions and as many users.
    pub fn new(entries: usize) -> Self {
        let entries = entries.max(1);
        Self {
            sessions: Cache::new(entries),
            users: Cache::new(entries),
            partners: Cache::new(entries.min(PARTNERS)),
            partners_by_key: Cache::new(entries.min(PARTNERS)),
            generations: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            catalog: AtomicU64::new(0),
            hasher: RandomState::new(),
        }
    }

    /// The generation of a session's or a user's stream.
    fn generation(&self, of: impl Hash) -> &AtomicU64 {
        let stripe = self.hasher.hash_one(of) as usize % STRIPES;
        &self.generations[stripe]
    }

    /// Drop what a commit to `stream_id` may have changed.
    pub fn invalidate(&self, stream_id: &str) {
        if let Some(session) = stream_id.strip_prefix("login-") {
            self.generation(session).fetch_add(1, SeqCst);
            self.sessions.remove(session);
        } else if let Some(user) = stream_id.strip_prefix("user-").and_then(|u| Uuid::parse_str(u).ok()) {
            self.generation(user).fetch_add(1, SeqCst);
            self.users.remove(&user);
        } else if stream_id.starts_with("catalog-") {
            self.catalog.fetch_add(1, SeqCst);
            self.partners.clear();
            self.partners_by_key.clear();
        }
    }

    /// Drop everything: commits may have gone unheard.
    pub fn invalidate_all(&self) {
        for generation in self.generations.iter() {
            generation.fetch_add(1, SeqCst);
        }
        self.catalog.fetch_add(1, SeqCst);
        self.sessions.clear();
        self.users.clear();
        self.partners.clear();
        self.partners_by_key.clear();
    }

    pub(crate) async fn session(
        &self,
        session_id: &str,
        load: impl AsyncFnOnce() -> Result<Option<LoginSessionRow>, StoreError>,
    ) -> Result<Option<LoginSessionRow>, StoreError> {
        through(&self.sessions, || self.generation(session_id), session_id, load).await
    }

    pub(crate) async fn user(
        &self,
        user_id: Uuid,
        load: impl AsyncFnOnce() -> Result<Option<UserRow>, StoreError>,
    ) -> Result<Option<UserRow>, StoreError> {
        let load = async || load().await.map(|row| row.map(Arc::new));
        Ok(through(&self.users, || self.generation(user_id), &user_id, load).await?.map(Arc::unwrap_or_clone))
    }

    pub(crate) async fn partner(
        &self,
        partner_id: &str,
        load: impl AsyncFnOnce() -> Result<Option<PartnerRow>, StoreError>,
    ) -> Result<Option<PartnerRow>, StoreError> {
        through(&self.partners, || &self.catalog, partner_id, load).await
    }

    pub(crate) async fn partner_by_key(
        &self,
        access_key_hash: &str,
        load: impl AsyncFnOnce() -> Result<Option<PartnerRow>, StoreError>,
    ) -> Result<Option<PartnerRow>, StoreError> {
        through(&self.partners_by_key, || &self.catalog, access_key_hash, load).await
    }

    /// Rows held now, by kind: sessions, users, partners (by id and by key).
    pub fn len(&self) -> (usize, usize, usize) {
        (self.sessions.len(), self.users.len(), self.partners.len() + self.partners_by_key.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0, 0)
    }
}

/// The cached row, or the loaded one, kept unless a drop of its stream began meanwhile. Absent
/// rows are not kept: an id that names nothing is not asked for twice by honest callers.
async fn through<'g, K, Q, V>(
    cache: &Cache<K, V>,
    generation: impl FnOnce() -> &'g AtomicU64,
    key: &Q,
    load: impl AsyncFnOnce() -> Result<Option<V>, StoreError>,
) -> Result<Option<V>, StoreError>
where
    K: Eq + Hash + Clone,
    Q: Hash + Equivalent<K> + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    if let Some(hit) = cache.get(key) {
        return Ok(Some(hit));
    }
    let generation = generation();
    let before = generation.load(SeqCst);
    let loaded = load().await?;
    if let Some(row) = &loaded {
        cache.insert(key.to_owned(), row.clone());
        // a drop that began after `before` may have run before this insert: undo it
        if generation.load(SeqCst) != before {
            cache.remove(key);
        }
    }
    Ok(loaded)
}

/// The tasks that keep a cache in step with other processes' commits.
pub type CacheFollower = crate::runner::BackgroundTasks;

/// Drop from `cache` what this store commits (at once) and what others commit (announced on
/// PostgreSQL, and found by the backstop every `backstop` on both engines).
pub fn follow(store: Arc<dyn EventStore>, cache: Arc<ReadCache>, backstop: Duration) -> CacheFollower {
    let hook = cache.clone();
    store.on_commit(Arc::new(move |stream_id| hook.invalidate(stream_id)));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = vec![tokio::spawn(page_through(store.clone(), cache.clone(), backstop, stopped.clone()))];
    if let Some(feed) = CommitFeed::new(store.db()) {
        tasks.push(tokio::spawn(hear(feed, cache, stopped)));
    }
    crate::runner::BackgroundTasks { stop, tasks }
}

async fn hear(mut feed: CommitFeed, cache: Arc<ReadCache>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            heard = feed.next() => match heard {
                Heard::Streams(streams) => streams.iter().for_each(|s| cache.invalidate(s)),
                Heard::Anything => cache.invalidate_all(),
            },
            _ = stopped.changed() => return,
        }
    }
}

/// The backstop: every `period`, the stream ids committed since the last look.
async fn page_through(
    store: Arc<dyn EventStore>,
    cache: Arc<ReadCache>,
    period: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut after: Option<Checkpoint> = None;
    loop {
        match after {
            // from the log's head on; what the cache took before that is dropped
            None => {
                after = store::commits::head(store.db()).await.ok();
                if after.is_some() {
                    cache.invalidate_all();
                }
            }
            Some(cp) => after = Some(drop_committed_after(store.as_ref(), &cache, cp).await),
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Drops the streams committed after `cp`; the checkpoint reached (`cp` again if the log is
/// unreadable now).
async fn drop_committed_after(store: &dyn EventStore, cache: &ReadCache, mut cp: Checkpoint) -> Checkpoint {
    loop {
        match store::commits::streams_after(store.db(), cp, PAGE).await {
            Ok(page) => {
                for (_, stream) in &page {
                    cache.invalidate(stream);
                }
                let full = page.len() as i64 >= PAGE;
                if let Some((last, _)) = page.last() {
                    cp = *last;
                }
                if !full {
                    return cp;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "the read cache's backstop cannot read the log now");
                return cp;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn session(id: &str, revoked: bool) -> LoginSessionRow {
        LoginSessionRow {
            session_id: id.into(),
            user_id: "u".into(),
            tenant_id: "t".into(),
            client_id: None,
            dialect: "suite".into(),
            method: "email_password".into(),
            test_user: false,
            started_at: "2026-01-01T00:00:00Z".into(),
            expires_at: "2027-01-01T00:00:00Z".into(),
            revoked_at: revoked.then(|| "2026-06-01T00:00:00Z".into()),
            revoke_reason: None,
        }
    }

    /// Reads `id` through the cache, counting the database reads in `loads`.
    async fn read(cache: &ReadCache, id: &str, row: LoginSessionRow, loads: &AtomicUsize) -> LoginSessionRow {
        let load = async || {
            loads.fetch_add(1, SeqCst);
            Ok(Some(row))
        };
        cache.session(id, load).await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn a_row_is_read_once_until_its_stream_commits() {
        let cache = ReadCache::new(100);
        let loads = AtomicUsize::new(0);
        read(&cache, "s1", session("s1", false), &loads).await;
        read(&cache, "s1", session("s1", false), &loads).await;
        assert_eq!(loads.load(SeqCst), 1, "the second read came from memory");

        cache.invalidate("login-s2");
        cache.invalidate("user-6b0c3d1e-8f51-4c55-9a38-1f1f0c1c2d3e");
        read(&cache, "s1", session("s1", false), &loads).await;
        assert_eq!(loads.load(SeqCst), 1, "other streams' commits leave it");

        cache.invalidate("login-s1");
        assert!(read(&cache, "s1", session("s1", true), &loads).await.is_revoked());
        assert_eq!(loads.load(SeqCst), 2);
        cache.invalidate_all();
        read(&cache, "s1", session("s1", true), &loads).await;
        assert_eq!(loads.load(SeqCst), 3);
    }

    #[tokio::test]
    async fn a_row_read_before_a_commit_that_dropped_it_is_not_kept() {
        let cache = ReadCache::new(100);
        let loads = AtomicUsize::new(0);
        // the database answers the old row, and the commit that changes it lands before the
        // reader stores it
        let stale = async || {
            loads.fetch_add(1, SeqCst);
            cache.invalidate("login-s1");
            Ok(Some(session("s1", false)))
        };
        assert!(!cache.session("s1", stale).await.unwrap().unwrap().is_revoked());
        assert!(read(&cache, "s1", session("s1", true), &loads).await.is_revoked(), "read again, not the stale copy");
        assert_eq!(loads.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn absent_rows_are_not_kept_and_memory_is_bounded() {
        let cache = ReadCache::new(100);
        let loads = AtomicUsize::new(0);
        for _ in 0..2 {
            let absent = async || {
                loads.fetch_add(1, SeqCst);
                Ok(None)
            };
            assert!(cache.session("nobody", absent).await.unwrap().is_none());
        }
        assert_eq!(loads.load(SeqCst), 2);
        for i in 0..5_000 {
            let id = format!("s{i}");
            read(&cache, &id, session(&id, false), &loads).await;
        }
        assert!(cache.len().0 <= 200, "{} sessions kept", cache.len().0);
    }
}
