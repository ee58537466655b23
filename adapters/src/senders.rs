//! Message senders: a file sender (the default: a developer reads the code from
//! `<data dir>/outbox.jsonl`), SMTP (lettre) and an HTTP SMS gateway (`POST {url}` with
//! `{"to", "text"}` and a bearer token).
use async_trait::async_trait;
use commands::ports::{MessageSender, OutgoingMessage, SendError};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Appends each message as a JSON line to a file: for development, and for tests.
pub struct FileSender {
    path: PathBuf,
}

impl FileSender {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

#[async_trait]
impl MessageSender for FileSender {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), SendError> {
        let line = serde_json::json!({
            "id": m.id, "channel": m.channel, "to": m.recipient, "subject": m.subject, "body": m.body,
            "at": store::format_time(&store::now_micros()),
        });
        let mut options = tokio::fs::OpenOptions::new();
        options.create(true).append(true);
        // codes and addresses: owner-only from the first byte written
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options
            .open(&self.path)
            .await
            .map_err(|e| SendError(format!("cannot open {}: {e}", self.path.display())))?;
        file.write_all(format!("{line}\n").as_bytes()).await.map_err(|e| SendError(e.to_string()))?;
        // tokio finishes a write in the background unless flushed: a reader could miss the line
        file.flush().await.map_err(|e| SendError(e.to_string()))?;
        tracing::info!(channel = %m.channel, file = %self.path.display(), "message written to the outbox file");
        Ok(())
    }

    /// Rewrites the file without the lines to `recipient`.
    async fn forget(&self, recipient: &str) -> Result<(), SendError> {
        let text = match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(SendError(e.to_string())),
        };
        let kept: String = text
            .lines()
            .filter(|l| serde_json::from_str::<serde_json::Value>(l).map_or(true, |m| m["to"] != recipient))
            .map(|l| format!("{l}\n"))
            .collect();
        tokio::fs::write(&self.path, kept).await.map_err(|e| SendError(e.to_string()))
    }
}

/// Email over SMTP. The URL follows lettre: `smtp://user:pass@host:587?tls=required`,
/// `smtps://…` for implicit TLS, `smtp://host:2525` for plain SMTP (local relays, tests).
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(10))).build();
        Ok(Self { transport, from: from.parse()? })
    }
}

#[async_trait]
impl MessageSender for SmtpSender {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), SendError> {
        let to: Mailbox = m.recipient.parse().map_err(|e| SendError(format!("recipient: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .body(m.body.clone())
            .map_err(|e| SendError(e.to_string()))?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| SendError(e.to_string()))
    }
}

/// SMS through an HTTP gateway: `POST {url}` with `{"to": "+41…", "text": "…"}` and
/// `Authorization: Bearer {token}`; any 2xx is success.
pub struct SmsGatewaySender {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl SmsGatewaySender {
    pub fn new(url: &str, token: &str) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { http, url: url.to_owned(), token: token.to_owned() }
    }
}

#[async_trait]
impl MessageSender for SmsGatewaySender {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), SendError> {
        let body = serde_json::json!({ "to": m.recipient, "text": m.body });
        let res = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError(e.to_string()))?;
        if res.status().is_success() { Ok(()) } else { Err(SendError(format!("gateway answered {}", res.status()))) }
    }
}

#[cfg(test)]
#[path = "senders_tests.rs"]
mod tests;
