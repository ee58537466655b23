//! Identity verification in memory. A verification starts `Pending`; the first status query
//! after it finds it decided, as if the person had completed the provider's flow: `Verified`,
//! unless the user was marked with `reject_user` first (then `Rejected` with that reason).
use commands::ports::identity::{
    IdentityVerification, Verification, VerificationError, VerificationId, VerificationStatus,
};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Book {
    next: u64,
    verifications: HashMap<VerificationId, Verification>,
    rejected_users: HashMap<String, String>,
}

#[derive(Default)]
pub struct SandboxIdentityVerification {
    book: Mutex<Book>,
}

impl SandboxIdentityVerification {
    /// Verifications of `user` started from now on end `Rejected { reason }`.
    pub fn reject_user(&self, user: &str, reason: &str) {
        self.book().rejected_users.insert(user.to_owned(), reason.to_owned());
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl IdentityVerification for SandboxIdentityVerification {
    async fn start(&self, user: &str, return_url: &str) -> Result<Verification, VerificationError> {
        let mut book = self.book();
        book.next += 1;
        let id = VerificationId(format!("vs_sandbox_{}", book.next));
        let verification = Verification {
            url: format!("https://identity.sandbox.invalid/{}?return_url={return_url}", id.0),
            id: id.clone(),
            user: user.to_owned(),
            status: VerificationStatus::Pending,
        };
        book.verifications.insert(id, verification.clone());
        Ok(verification)
    }

    async fn status(&self, id: &VerificationId) -> Result<Verification, VerificationError> {
        let mut book = self.book();
        let rejected = book.verifications.get(id).and_then(|v| book.rejected_users.get(&v.user)).cloned();
        let verification = book.verifications.get_mut(id).ok_or(VerificationError::NotFound)?;
        if verification.status == VerificationStatus::Pending {
            verification.status = match rejected {
                Some(reason) => VerificationStatus::Rejected { reason },
                None => VerificationStatus::Verified,
            };
        }
        Ok(verification.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_verification_starts_pending_and_is_then_verified() {
        let kyc = SandboxIdentityVerification::default();
        let started = kyc.start("user-1", "https://app.example/back").await.expect("start");
        assert_eq!((started.id.0.as_str(), &started.status), ("vs_sandbox_1", &VerificationStatus::Pending));
        assert!(started.url.contains("vs_sandbox_1"));
        assert_eq!(kyc.status(&started.id).await.expect("status").status, VerificationStatus::Verified);
    }

    #[tokio::test]
    async fn a_marked_user_is_rejected_with_the_reason_and_may_start_again() {
        let kyc = SandboxIdentityVerification::default();
        kyc.reject_user("user-2", "document expired");
        let first = kyc.start("user-2", "https://app.example/back").await.expect("start");
        let rejected = VerificationStatus::Rejected { reason: "document expired".into() };
        assert_eq!(kyc.status(&first.id).await.expect("status").status, rejected);
        let again = kyc.start("user-2", "https://app.example/back").await.expect("start again");
        assert_ne!(again.id, first.id);
        let unknown = VerificationId("vs_nope".into());
        assert_eq!(kyc.status(&unknown).await, Err(VerificationError::NotFound));
    }
}
