//! Profile edits: the person's details, sign-in email, username, phone number and password,
//! each a `UserCommand` the User aggregate decides (and whose claims the store enforces).
use crate::bus::Executed;
use crate::user::{UserCommandError, UserService};
use domain::user::{self, User, UserCommand};
use store::{Metadata, StoreError};
use uuid::Uuid;

impl UserService {
    /// Run a profile command (`ChangeProfile`, `ChangeEmail`, `ChangeUsername`,
    /// `ChangePhoneNumber`, `ProvePhoneNumber`, `ChangePassword`) on the user's stream. A value
    /// another user of the tenant holds (email, username, phone number) is a `Claim` error, and
    /// nothing is written.
    pub async fn change(
        &self,
        user_id: Uuid,
        command: UserCommand,
        metadata: &Metadata,
    ) -> Result<Executed<User>, UserCommandError> {
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await
    }
}

impl UserService {
    /// Several profile commands on the user's stream, appended together: all of them, or, when
    /// any is refused or takes a value another user holds, none.
    pub async fn change_all(
        &self,
        user_id: Uuid,
        commands: &[UserCommand],
        metadata: &Metadata,
    ) -> Result<Executed<User>, UserCommandError> {
        self.bus.execute_all::<User>(&user::stream_id(user_id), commands, &(), metadata).await
    }
}

impl UserService {
    /// The account whose username (any case) is `username` in this tenant (legacy sign-in).
    pub async fn username_account(&self, tenant_id: &str, username: &str) -> Result<Option<(Uuid, User)>, StoreError> {
        let claim = user::tenant_username_claim(tenant_id, username);
        let Some(owner) = self.bus.store().claim_owner(claim.scope, &claim.value).await? else { return Ok(None) };
        let user_id = owner
            .strip_prefix("user-")
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("claim owner {owner} is not a user stream")))?;
        Ok(Some((user_id, self.bus.load::<User>(&owner).await?.0)))
    }
}
