//! Why a code command was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code was sent moments ago; retry in {retry_after_secs} s")]
    Cooldown { retry_after_secs: u64 },
    /// No code is waiting: none was sent, it expired, was used, or ran out of attempts.
    #[error("no valid code is waiting")]
    NoActiveCode,
}
