//! Each sender against a stand-in its test starts: a scratch file, an HTTP gateway and an SMTP
//! server on loopback ports.
use super::*;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, BufReader};

fn message(channel: &str, to: &str) -> OutgoingMessage {
    OutgoingMessage {
        id: "m1".into(),
        channel: channel.into(),
        recipient: to.into(),
        subject: "Your code".into(),
        body: "Your code is 123456".into(),
        attempts: 0,
    }
}

#[tokio::test]
async fn the_file_sender_appends_one_json_line_per_message() {
    let path = std::env::temp_dir().join(format!("adapters-outbox-{}.jsonl", uuid::Uuid::new_v4()));
    let sender = FileSender::new(path.clone());
    sender.send(&message("email", "a@example.com")).await.expect("sent");
    sender.send(&message("sms", "+41790000000")).await.expect("sent");
    let text = std::fs::read_to_string(&path).expect("file");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["to"].as_str(), lines[0]["body"].as_str()),
        (Some("a@example.com"), Some("Your code is 123456"))
    );
    assert_eq!(lines[1]["channel"], "sms");
    let _ = std::fs::remove_file(path);
}

/// A stand-in gateway answering `status`; keeps the authorization header and body of each call.
async fn gateway(status: u16) -> (String, Arc<Mutex<Vec<(String, serde_json::Value)>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let kept = calls.clone();
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                kept.lock().unwrap_or_else(|e| e.into_inner()).push((auth, body));
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, calls)
}

#[tokio::test]
async fn the_sms_gateway_sender_posts_the_text_with_its_bearer_token() {
    let (url, calls) = gateway(202).await;
    SmsGatewaySender::new(&url, "gw-token").send(&message("sms", "+41790000000")).await.expect("sent");
    let calls = calls.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "Bearer gw-token");
    assert_eq!(calls[0].1, serde_json::json!({"to": "+41790000000", "text": "Your code is 123456"}));
}

#[tokio::test]
async fn a_gateway_error_is_a_failed_send() {
    let (url, _) = gateway(500).await;
    let error = SmsGatewaySender::new(&url, "t").send(&message("sms", "+41790000000")).await.expect_err("refused");
    assert!(error.0.contains("500"), "{error}");
}

/// A stand-in SMTP server: accepts every message and keeps its DATA.
async fn smtp_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("smtp://{}", listener.local_addr().expect("addr"));
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move { smtp_session(socket, kept).await });
        }
    });
    (url, mails)
}

async fn smtp_session(socket: tokio::net::TcpStream, kept: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 stand-in ESMTP\r\n").await?;
    let mut data: Option<String> = None;
    while let Some(line) = lines.next_line().await? {
        if let Some(body) = data.as_mut() {
            if line == "." {
                kept.lock().unwrap_or_else(|e| e.into_inner()).push(std::mem::take(body));
                data = None;
                write.write_all(b"250 queued\r\n").await?;
            } else {
                body.push_str(&line);
                body.push('\n');
            }
            continue;
        }
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-stand-in\r\n250 8BITMIME\r\n",
            "DATA" => {
                data = Some(String::new());
                b"354 go ahead\r\n"
            }
            "QUIT" => return write.write_all(b"221 bye\r\n").await,
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

#[tokio::test]
async fn the_smtp_sender_delivers_with_its_from_address() {
    let (url, mails) = smtp_server().await;
    let sender = SmtpSender::new(&url, "Codes <codes@users-api.test>").expect("sender");
    sender.send(&message("email", "mail@example.com")).await.expect("sent");
    let mails = mails.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: mail@example.com"), "{}", mails[0]);
    assert!(mails[0].contains("From: Codes <codes@users-api.test>"), "{}", mails[0]);
    assert!(mails[0].contains("Your code is 123456"), "{}", mails[0]);
}

#[test]
fn an_invalid_smtp_url_or_from_address_is_refused() {
    assert!(SmtpSender::new("smtp://localhost:2525", "not an address").is_err());
    assert!(SmtpSender::new("nonsense://", "a@example.com").is_err());
}
