//! The HTTP load figures' baseline: a bare axum server on the same Tokio runtime defaults as
//! `users-api` (`#[tokio::main]`), whose every route answers 200 with a fixed JSON document,
//! serialized afresh per request, of exactly the byte size given as the first argument (the size
//! of the suite customer answer the bench measured). Prints `url: http://ADDR` once it listens
//! on 127.0.0.1 (port 0 picks a free one; a second argument sets the address).
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

/// A JSON object (an id and an email) whose serialization is exactly `bytes` long.
fn document(bytes: usize) -> Result<Value> {
    let mut doc = json!({ "id": "0192f0c4-7b1e-7d2a-9c1e-4f3b2a1d0e9f", "email": "" });
    let base = serde_json::to_vec(&doc)?.len();
    if bytes < base + 3 {
        bail!("a document of {bytes} bytes is too small: the smallest is {}", base + 3);
    }
    doc["email"] = Value::String(format!("{}@x", "b".repeat(bytes - base - 2)));
    Ok(doc)
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let bytes: usize = args.next().context("usage: bare BYTES [ADDR]")?.parse().context("BYTES")?;
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let doc = Arc::new(document(bytes)?);
    let app = Router::new().fallback(move || {
        let doc = doc.clone();
        async move { Json(Value::clone(&doc)) }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("url: http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn the_document_has_the_asked_size() {
        for bytes in [60, 105, 1000] {
            let doc = super::document(bytes).unwrap();
            assert_eq!(serde_json::to_vec(&doc).unwrap().len(), bytes);
        }
        assert!(super::document(10).is_err());
    }
}
