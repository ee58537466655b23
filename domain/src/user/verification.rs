//! Identity verification (KYC): a provider checks a person's driving licence or identity
//! document in a session the person completes at the provider; the outcome is recorded when the
//! provider has decided (or an operator decides for it). The rules:
//!
//! - one session per kind at a time: while one is pending, starting again answers that one
//!   (`resumable_verification`), and a second start with another id is refused
//!   (`VerificationPending`): two requests raced, and the first one's session stands;
//! - a verified kind stays verified: starting it again is refused (`AlreadyVerified`);
//! - a rejected kind may start again (a new session);
//! - an outcome is recorded for the pending session only; the same outcome of the same session
//!   again changes nothing (a poll and an operator may both report it);
//! - the manual verification is an operator's word, independent of the sessions.
use super::{User, UserError, UserEvent};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is verified: a driving licence, or an identity document (ID card or passport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationKind {
    License,
    Id,
}

impl VerificationKind {
    pub const ALL: [Self; 2] = [Self::License, Self::Id];

    /// The suite's name: `LICENSE`, `ID`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::License => "LICENSE",
            Self::Id => "ID",
        }
    }

    /// The kind of a suite name (`LICENSE`, `ID`, in any case).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for VerificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decided verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationResult {
    Verified,
    Rejected,
}

/// A session started at a provider and not decided yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingVerification {
    pub verification_id: String,
    /// The adapter that started it (`sandbox`, `veriff`): only it is asked for the outcome.
    pub provider: String,
    /// Where the person completes the provider's flow.
    pub url: String,
    pub started_at: DateTime<Utc>,
}

/// Where one kind of verification stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerificationState {
    #[default]
    NotStarted,
    Pending(PendingVerification),
    Verified {
        verification_id: String,
    },
    Rejected {
        verification_id: String,
        reason: Option<String>,
    },
}

/// The user's verifications: one state per kind, and the operator's manual verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifications {
    license: VerificationState,
    id: VerificationState,
    manual: Option<VerificationResult>,
}

impl Verifications {
    pub fn of(&self, kind: VerificationKind) -> &VerificationState {
        match kind {
            VerificationKind::License => &self.license,
            VerificationKind::Id => &self.id,
        }
    }

    fn of_mut(&mut self, kind: VerificationKind) -> &mut VerificationState {
        match kind {
            VerificationKind::License => &mut self.license,
            VerificationKind::Id => &mut self.id,
        }
    }

    pub fn manual(&self) -> Option<VerificationResult> {
        self.manual
    }

    /// The pending sessions, by kind.
    pub fn pending(&self) -> Vec<(VerificationKind, &PendingVerification)> {
        VerificationKind::ALL
            .into_iter()
            .filter_map(|kind| match self.of(kind) {
                VerificationState::Pending(pending) => Some((kind, pending)),
                _ => None,
            })
            .collect()
    }

    /// `apply` of the verification events; every other event leaves them.
    pub(super) fn evolve(&mut self, event: &UserEvent) {
        match event {
            UserEvent::IdentityVerificationStarted { kind, verification_id, provider, url, started_at } => {
                *self.of_mut(*kind) = VerificationState::Pending(PendingVerification {
                    verification_id: verification_id.clone(),
                    provider: provider.clone(),
                    url: url.clone(),
                    started_at: *started_at,
                });
            }
            UserEvent::IdentityVerificationCompleted { kind, verification_id, result, reason, .. } => {
                let verification_id = verification_id.clone();
                *self.of_mut(*kind) = match result {
                    VerificationResult::Verified => VerificationState::Verified { verification_id },
                    VerificationResult::Rejected => {
                        VerificationState::Rejected { verification_id, reason: reason.clone() }
                    }
                };
            }
            UserEvent::ManualVerificationRecorded { result, .. } => self.manual = Some(*result),
            _ => {}
        }
    }
}

impl User {
    pub fn verifications(&self) -> &Verifications {
        &self.verifications
    }

    /// What a request to start a `kind` verification gets: the pending session to answer again,
    /// `None` when a new one is to be started, or the refusal.
    pub fn resumable_verification(&self, kind: VerificationKind) -> Result<Option<&PendingVerification>, UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        match self.verifications.of(kind) {
            VerificationState::Verified { .. } => Err(UserError::AlreadyVerified(kind)),
            VerificationState::Pending(pending) => Ok(Some(pending)),
            VerificationState::NotStarted | VerificationState::Rejected { .. } => Ok(None),
        }
    }

    pub(super) async fn start_verification(
        &mut self,
        kind: VerificationKind,
        pending: PendingVerification,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        match self.resumable_verification(kind)? {
            Some(current) if current.verification_id == pending.verification_id => return Ok(()),
            Some(_) => return Err(UserError::VerificationPending(kind)),
            None => {}
        }
        let PendingVerification { verification_id, provider, url, started_at } = pending;
        let event = UserEvent::IdentityVerificationStarted { kind, verification_id, provider, url, started_at };
        sink.write(event, self).await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn complete_verification(
        &mut self,
        kind: VerificationKind,
        verification_id: String,
        result: VerificationResult,
        reason: Option<String>,
        decided_by: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        // a verified session has no reason to keep
        let reason = reason.filter(|_| result == VerificationResult::Rejected);
        match self.verifications.of(kind) {
            VerificationState::Pending(p) if p.verification_id == verification_id => {
                let event = UserEvent::IdentityVerificationCompleted {
                    kind,
                    verification_id,
                    result,
                    reason,
                    decided_by,
                    completed_at: at,
                };
                sink.write(event, self).await;
                Ok(())
            }
            VerificationState::Verified { verification_id: done }
                if *done == verification_id && result == VerificationResult::Verified =>
            {
                Ok(())
            }
            VerificationState::Rejected { verification_id: done, .. }
                if *done == verification_id && result == VerificationResult::Rejected =>
            {
                Ok(())
            }
            _ => Err(UserError::NoPendingVerification(kind)),
        }
    }

    pub(super) async fn record_manual_verification(
        &mut self,
        result: VerificationResult,
        reason: Option<String>,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if self.verifications.manual != Some(result) {
            let reason = reason.filter(|_| result == VerificationResult::Rejected);
            sink.write(UserEvent::ManualVerificationRecorded { result, reason, recorded_at: at }, self).await;
        }
        Ok(())
    }
}
