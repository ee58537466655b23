//! Identity verification in memory. A session starts `Pending` and stays so until it is decided
//! in this process (`decide`, for tests and demos); nobody completes a flow at the sandbox's
//! made-up URL. An operator decides a sandbox session with `users-api verification`, which
//! records the outcome in the log: the server then stops asking the sandbox about it.
use commands::ports::identity::{
    IdentityVerification, Verification, VerificationError, VerificationId, VerificationKind, VerificationStatus,
};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Book {
    next: u64,
    sessions: HashMap<VerificationId, VerificationStatus>,
}

#[derive(Default)]
pub struct SandboxIdentityVerification {
    book: Mutex<Book>,
}

impl SandboxIdentityVerification {
    /// The person completed the flow and the sandbox decided `status`; false for an unknown id.
    pub fn decide(&self, id: &str, status: VerificationStatus) -> bool {
        match self.book().sessions.get_mut(&VerificationId(id.to_owned())) {
            Some(session) => {
                *session = status;
                true
            }
            None => false,
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl IdentityVerification for SandboxIdentityVerification {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn start(
        &self,
        _user: &str,
        kind: VerificationKind,
        return_url: &str,
    ) -> Result<Verification, VerificationError> {
        let mut book = self.book();
        book.next += 1;
        let id = VerificationId(format!("vs_sandbox_{}_{}", kind.as_str().to_ascii_lowercase(), book.next));
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("return_url", return_url).finish();
        let url = format!("https://identity.sandbox.invalid/{}?{query}", id.0);
        book.sessions.insert(id.clone(), VerificationStatus::Pending);
        Ok(Verification { id, url })
    }

    async fn status(&self, id: &VerificationId) -> Result<VerificationStatus, VerificationError> {
        self.book().sessions.get(id).cloned().ok_or(VerificationError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_stays_pending_until_it_is_decided() {
        let kyc = SandboxIdentityVerification::default();
        let started =
            kyc.start("user-1", VerificationKind::License, "https://app.example/back?a=1").await.expect("start");
        assert_eq!(started.id.0, "vs_sandbox_license_1");
        assert!(started.url.ends_with("?return_url=https%3A%2F%2Fapp.example%2Fback%3Fa%3D1"), "{}", started.url);
        assert_eq!(kyc.status(&started.id).await, Ok(VerificationStatus::Pending));
        assert_eq!(kyc.status(&started.id).await, Ok(VerificationStatus::Pending), "asking decides nothing");
        assert!(kyc.decide(&started.id.0, VerificationStatus::Verified));
        assert_eq!(kyc.status(&started.id).await, Ok(VerificationStatus::Verified));
    }

    #[tokio::test]
    async fn a_rejection_has_its_reason_and_another_start_is_another_session() {
        let kyc = SandboxIdentityVerification::default();
        let first = kyc.start("user-2", VerificationKind::Id, "https://app.example/back").await.expect("start");
        let rejected = VerificationStatus::Rejected { reason: "document expired".into() };
        assert!(kyc.decide(&first.id.0, rejected.clone()));
        assert_eq!(kyc.status(&first.id).await, Ok(rejected));
        let again = kyc.start("user-2", VerificationKind::Id, "https://app.example/back").await.expect("start again");
        assert_ne!(again.id, first.id);
        let unknown = VerificationId("vs_nope".into());
        assert_eq!(kyc.status(&unknown).await, Err(VerificationError::NotFound));
        assert!(!kyc.decide("vs_nope", VerificationStatus::Verified));
    }
}
