//! Profile edits: the person's details, sign-in email, username, phone number and password,
//! each a `UserCommand` the User aggregate decides (and whose claims the store enforces).
use crate::bus::Executed;
use crate::user::{UserCommandError, UserService};
use domain::user::{self, User, UserCommand};
use store::Metadata;
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
