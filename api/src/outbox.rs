//! Delivery of outbox messages (one-time codes) through a sender port with three adapters:
//! a file sender (the default: a developer reads the code from `<data dir>/outbox.jsonl`), SMTP
//! (lettre) and an HTTP SMS gateway (`POST {url}` with `{"to", "text"}` and a bearer token).
//! The dispatcher wakes on every commit (and every second), leases due messages, sends them, and
//! retries failures with backoff; a sent message's body is wiped.
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::{EventStore, OutboxRow};
use tokio::io::AsyncWriteExt;

#[async_trait]
pub trait Sender: Send + Sync {
    /// Deliver one message; an error is retried later.
    async fn send(&self, message: &OutboxRow) -> Result<(), String>;
}

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
impl Sender for FileSender {
    async fn send(&self, m: &OutboxRow) -> Result<(), String> {
        let line = serde_json::json!({
            "id": m.id, "channel": m.channel, "to": m.recipient, "subject": m.subject, "body": m.body,
            "at": store::format_time(&store::now_micros()),
        });
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| format!("cannot open {}: {e}", self.path.display()))?;
        file.write_all(format!("{line}\n").as_bytes()).await.map_err(|e| e.to_string())?;
        tracing::info!(channel = %m.channel, file = %self.path.display(), "message written to the outbox file");
        Ok(())
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
impl Sender for SmtpSender {
    async fn send(&self, m: &OutboxRow) -> Result<(), String> {
        let to: Mailbox = m.recipient.parse().map_err(|e| format!("recipient: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .body(m.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
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
impl Sender for SmsGatewaySender {
    async fn send(&self, m: &OutboxRow) -> Result<(), String> {
        let body = serde_json::json!({ "to": m.recipient, "text": m.body });
        let res =
            self.http.post(&self.url).bearer_auth(&self.token).json(&body).send().await.map_err(|e| e.to_string())?;
        if res.status().is_success() { Ok(()) } else { Err(format!("gateway answered {}", res.status())) }
    }
}

/// The sender of each channel.
#[derive(Clone)]
pub struct Senders {
    pub email: Arc<dyn Sender>,
    pub sms: Arc<dyn Sender>,
}

/// Seconds before retry number `attempts + 1`: 2, 4, 8 … capped at an hour.
fn backoff(attempts: i32) -> i64 {
    2i64.saturating_pow(u32::try_from(attempts + 1).unwrap_or(1).min(12)).min(3600)
}

/// Send what is due; returns how many went out.
pub async fn dispatch_once(store: &dyn EventStore, senders: &Senders) -> Result<usize, store::StoreError> {
    let due = store.due_outbox(50).await?;
    let mut sent = 0;
    for message in due {
        let sender = if message.channel == "sms" { &senders.sms } else { &senders.email };
        match sender.send(&message).await {
            Ok(()) => {
                store.outbox_sent(&message.id).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(id = %message.id, channel = %message.channel, %error, "message not sent; will retry");
                let retry_at = store::now_micros() + chrono::Duration::seconds(backoff(message.attempts));
                store.outbox_failed(&message.id, &error, retry_at).await?;
            }
        }
    }
    Ok(sent)
}

/// Run the dispatcher until the task is aborted.
pub fn spawn_dispatcher(store: Arc<dyn EventStore>, senders: Senders) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let notify = store.outbox_notifier();
        loop {
            let woken = notify.notified();
            if let Err(e) = dispatch_once(store.as_ref(), &senders).await {
                tracing::warn!(error = %e, "outbox dispatch failed");
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), woken).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!((backoff(0), backoff(1), backoff(2)), (2, 4, 8));
        assert_eq!(backoff(30), 3600);
        assert_eq!(backoff(-5), 2);
    }
}
