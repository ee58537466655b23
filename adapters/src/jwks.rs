//! The OpenID provider keys over HTTP (and the keys of partners' own token issuers): a JWKS,
//! fetched with a 5-second timeout and at most 256 KiB read, cached for ten minutes, and fetched again sooner when a token names a `kid` the cached set
//! lacks (the provider rotated), at most once per 30 seconds per set so forged `kid`s cost the
//! provider nothing.
use commands::ports::{ProviderKeys, ProviderKeysUnavailable};
use jsonwebtoken::jwk::JwkSet;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a fetched key set is trusted before it is fetched again.
const JWKS_TTL: Duration = Duration::from_secs(600);
/// The least time between two fetches of one key set caused by unknown `kid`s.
const REFETCH_GAP: Duration = Duration::from_secs(30);

/// The most of a JWKS document read: real ones are a few KiB; a larger answer is refused.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Key sets by JWKS URL, with the time each was fetched.
type KeyCache = HashMap<String, (Instant, Arc<JwkSet>)>;

#[derive(Clone)]
pub struct HttpProviderKeys {
    http: reqwest::Client,
    cache: Arc<Mutex<KeyCache>>,
}

impl Default for HttpProviderKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpProviderKeys {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        Self { http, cache: Arc::new(Mutex::new(HashMap::new())) }
    }

    fn cached(&self, url: &str) -> Option<(Instant, Arc<JwkSet>)> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(url).cloned()
    }

    async fn fetch(&self, url: &str) -> Result<Arc<JwkSet>, ProviderKeysUnavailable> {
        let unavailable = |why: String| ProviderKeysUnavailable(format!("{url}: {why}"));
        let mut response = self.http.get(url).send().await.map_err(|e| unavailable(format!("unreachable: {e}")))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("answered {}", response.status())));
        }
        let too_large = || unavailable(format!("larger than {MAX_JWKS_BYTES} bytes"));
        if response.content_length().is_some_and(|n| n > MAX_JWKS_BYTES as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unavailable(format!("unreadable: {e}")))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let set: JwkSet = serde_json::from_slice(&body).map_err(|e| unavailable(format!("not a JWKS: {e}")))?;
        let set = Arc::new(set);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(url.to_owned(), (Instant::now(), set.clone()));
        Ok(set)
    }
}

#[async_trait::async_trait]
impl ProviderKeys for HttpProviderKeys {
    async fn key_set(&self, url: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, ProviderKeysUnavailable> {
        match self.cached(url) {
            Some((at, set)) if at.elapsed() < JWKS_TTL => {
                let known = kid.is_none_or(|k| set.find(k).is_some());
                if known || at.elapsed() < REFETCH_GAP { Ok(set) } else { self.fetch(url).await }
            }
            _ => self.fetch(url).await,
        }
    }
}

/// A JWKS URL as configured for a provider: it must parse, and be http or https.
pub fn check_jwks_url(url: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let parsed = reqwest::Url::parse(url).with_context(|| format!("--jwks-url {url}"))?;
    anyhow::ensure!(matches!(parsed.scheme(), "http" | "https"), "--jwks-url must be an http or https URL");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A provider on a loopback port serving one key set; counts the fetches.
    async fn provider(kid: &'static str) -> (String, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let jwks = serde_json::json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        }]});
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/jwks", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, fetches)
    }

    #[tokio::test]
    async fn a_key_set_is_fetched_once_and_served_from_the_cache() {
        let (url, fetches) = provider("k1").await;
        let keys = HttpProviderKeys::new();
        let set = keys.key_set(&url, Some("k1")).await.expect("keys");
        assert!(set.find("k1").is_some());
        keys.key_set(&url, Some("k1")).await.expect("keys");
        // an unknown kid right after a fetch does not fetch again (forged kids cost nothing)
        keys.key_set(&url, Some("k2")).await.expect("keys");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unreachable_provider_or_a_non_jwks_answer_is_unavailable() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let dead = format!("http://{}/jwks", closed.local_addr().expect("addr"));
        drop(closed);
        assert!(HttpProviderKeys::new().key_set(&dead, None).await.is_err());
        let (url, _) = provider("k1").await;
        let wrong = url.replace("/jwks", "/elsewhere");
        assert!(HttpProviderKeys::new().key_set(&wrong, None).await.is_err());
    }

    #[tokio::test]
    async fn an_oversized_key_set_is_refused() {
        let padding = "x".repeat(MAX_JWKS_BYTES);
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let body = format!(r#"{{"keys": [], "padding": "{padding}"}}"#);
                async move { body }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/jwks", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let refused = HttpProviderKeys::new().key_set(&url, None).await.expect_err("too large");
        assert!(refused.0.contains("larger than"), "{refused}");
    }

    #[test]
    fn only_http_urls_name_key_sets() {
        assert!(check_jwks_url("https://idp.example/jwks").is_ok());
        assert!(check_jwks_url("ftp://idp.example/jwks").is_err());
        assert!(check_jwks_url("not a url").is_err());
    }
}
