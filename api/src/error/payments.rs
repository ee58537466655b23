//! How the wallet's refusals and the payment provider's answers become API errors.
use super::ApiError;
use commands::CommandError;
use commands::idempotency::IdempotencyError;
use commands::ports::payments::PaymentError;
use commands::wallet::PaymentsError;
use domain::wallet::WalletError;

impl From<PaymentsError> for ApiError {
    fn from(e: PaymentsError) -> Self {
        match e {
            PaymentsError::Wallet(CommandError::Domain(e)) => e.into(),
            PaymentsError::Wallet(CommandError::Claim { .. }) => Self::Internal("a wallet took a claim".into()),
            PaymentsError::Wallet(CommandError::Contended(_)) => Self::Busy,
            PaymentsError::Wallet(CommandError::Store(e)) => e.into(),
            PaymentsError::Provider(e) => e.into(),
        }
    }
}

impl From<WalletError> for ApiError {
    fn from(e: WalletError) -> Self {
        match e {
            WalletError::NoCustomer | WalletError::NoDefaultCard => Self::NoDefaultCard,
            WalletError::CardNotFound => Self::CardNotFound,
            WalletError::SubscriptionNotFound => Self::SubscriptionNotFound,
            WalletError::LastCardWithSubscription => Self::LastCardWithSubscription,
            WalletError::NoCard => Self::NoCardToCharge,
            e @ (WalletError::InvalidAmount | WalletError::InvalidMetadata(_)) => Self::InvalidPayment(e.to_string()),
            e @ WalletError::CustomerExists => Self::Conflict(e.to_string()),
        }
    }
}

impl From<PaymentError> for ApiError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::CardDeclined { message, .. } => Self::CardDeclined(message),
            PaymentError::InvalidToken(message) => Self::InvalidCardToken(message),
            // the wallet checked ownership first: a provider that lost the object is out of step
            e @ PaymentError::NotFound(_) => Self::PaymentProviderFailed(e.to_string()),
            PaymentError::InvalidRequest(message) => Self::InvalidPayment(message),
            e @ PaymentError::Misconfigured(_) => {
                tracing::error!(error = %e, "payment provider configuration");
                Self::PaymentProviderFailed("the payment provider refused this service's credentials".into())
            }
            PaymentError::Unavailable(reason) => {
                tracing::warn!(%reason, "payment provider unavailable");
                Self::PaymentProviderFailed(reason)
            }
        }
    }
}

impl From<IdempotencyError> for ApiError {
    fn from(e: IdempotencyError) -> Self {
        match e {
            IdempotencyError::Mismatch => Self::IdempotencyKeyReused,
            IdempotencyError::InProgress => Self::IdempotencyKeyInUse,
            IdempotencyError::Store(e) => e.into(),
        }
    }
}
