//! How a user signed up, named as the sign-in methods are; and the query of the user view.
use super::{COLUMNS, UserRow};
use crate::Reads;
use store::{StoreError, args};
use uuid::Uuid;

/// How a user signed up; stored under the names of the matching sign-in methods.
#[derive(Debug, Clone, Copy)]
pub(super) enum SignedUpWith {
    Password,
    IdToken,
    EmailCode,
    PhoneCode,
}

impl SignedUpWith {
    pub(super) fn as_str(self) -> &'static str {
        let method = match self {
            Self::Password => domain::login::SignInMethod::EmailPassword,
            Self::IdToken => domain::login::SignInMethod::IdToken,
            Self::EmailCode => domain::login::SignInMethod::EmailCode,
            Self::PhoneCode => domain::login::SignInMethod::PhoneCode,
        };
        method.as_str()
    }
}

impl Reads {
    /// The user of any dialect, by id; each dialect picks the users it speaks of.
    pub async fn user(&self, user_id: Uuid) -> Result<Option<UserRow>, StoreError> {
        let load = async || {
            let sql = format!("select {COLUMNS} from user_view where user_id = $1");
            Ok(self.db.fetch_optional(&sql, &args![user_id.to_string()]).await?)
        };
        match &self.cache {
            Some(cache) => cache.user(user_id, load).await,
            None => load().await,
        }
    }
}
