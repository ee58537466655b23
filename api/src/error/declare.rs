//! How `ApiError` is declared: each variant once, with its English text and what every dialect
//! answers for it, so adding an error is one row and the dialect error files only format.
use super::suite_codes::SuiteCode;
use axum::http::StatusCode;

/// What the dialects answer for one error.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The status in the coord and suite dialects.
    pub status: StatusCode,
    /// The coord `code`; the legacy `code` is the same.
    pub coord: &'static str,
    /// The suite `errorCode` and its messages.
    pub suite: &'static SuiteCode,
    /// The legacy status: `status`, unless the card-wallet API has its own.
    pub legacy_status: StatusCode,
}

/// Declares `ApiError` and `ApiError::spec`. A row is
///
/// ```text
/// #[error("English text")]
/// Variant => { status: UNAUTHORIZED, coord: "code", suite: A202 },
/// ```
///
/// with `, legacy: BAD_REQUEST` where the legacy status differs; `suite` names a constant of
/// `suite_codes`. A variant that wraps a value whose own kinds decide the codes says
/// `=> by function` instead, where `function(&value) -> Spec`.
// Attributes are taken as raw tokens, not `meta`, so that the derives parse them as written.
macro_rules! api_errors {
    (@legacy $status:ident) => { axum::http::StatusCode::$status };
    (@legacy $status:ident $legacy:ident) => { axum::http::StatusCode::$legacy };
    ($(
        $(#[$($attr:tt)*])*
        $variant:ident $(($(#[$($field_attr:tt)*])* $field:ty))? $({ $($name:ident: $named:ty),* $(,)? })?
        => $({
            status: $status:ident,
            coord: $coord:literal,
            suite: $suite:ident
            $(, legacy: $legacy:ident)?
            $(,)?
        })? $(by $by:path)?,
    )*) => {
        #[derive(Debug, thiserror::Error)]
        pub enum ApiError {
            $($(#[$($attr)*])* $variant $(($(#[$($field_attr)*])* $field))? $({ $($name: $named),* })?,)*
        }

        impl ApiError {
            /// What each dialect answers for this error.
            pub fn spec(&self) -> $crate::error::Spec {
                use axum::http::StatusCode;
                match self {
                    $(
                        $(Self::$variant { .. } => $crate::error::Spec {
                            status: StatusCode::$status,
                            coord: $coord,
                            suite: &$crate::error::suite_codes::$suite,
                            legacy_status: api_errors!(@legacy $status $($legacy)?),
                        },)?
                        $(Self::$variant(value) => $by(value),)?
                    )*
                }
            }
        }
    };
}

pub(crate) use api_errors;
