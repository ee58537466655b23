//! Transactable systems: the parking operators, bike shares and other back offices a tenant's
//! users transact with, each with what it requires of a user (the Coord Users API's
//! `TransactionRequirements`), and what a user has of those requirements.
use serde::{Deserialize, Serialize};

/// The users-API fields a system may require: the vehicle's plate, and a Stripe customer.
pub const USERS_API_FIELDS: &[&str] = &[LICENSE_PLATE, STRIPE_CUSTOMER_ID];
pub const LICENSE_PLATE: &str = "vehicle.license_plate";
pub const STRIPE_CUSTOMER_ID: &str = "stripe_info.stripe_customer_id";
/// The token claims a system may require: the ones this service can vouch for.
pub const JWT_CLAIMS: &[&str] = &["email", "external_uid"];

/// What a system requires before a user can transact with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRequirements {
    /// Claims the user's token must carry (`email`, `external_uid`).
    #[serde(default)]
    pub jwt_claims: Vec<String>,
    /// The user must link an account at the system first (`link_account`).
    #[serde(default)]
    pub linked_account: bool,
    /// Fields set through this API (`vehicle.license_plate`, `stripe_info.stripe_customer_id`).
    #[serde(default)]
    pub users_api_fields: Vec<String>,
}

/// A system a tenant's users can transact with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactableSystem {
    /// The id clients name it by (`CitiBike`): 1 to 64 letters, digits, `.`, `_` or `-`.
    pub system_id: String,
    /// Its name for people: the consent page of `link_account` shows it.
    pub name: String,
    pub requirements: TransactionRequirements,
}

/// What a user has of the requirements a system may state (besides a linked account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserFacts {
    pub license_plate: bool,
    pub stripe_customer_id: bool,
    pub email: bool,
    pub external_uid: bool,
}

impl UserFacts {
    fn has(&self, requirement: &str) -> bool {
        match requirement {
            LICENSE_PLATE => self.license_plate,
            STRIPE_CUSTOMER_ID => self.stripe_customer_id,
            "email" => self.email,
            "external_uid" => self.external_uid,
            _ => false,
        }
    }
}

impl TransactionRequirements {
    /// The fields and claims the user lacks, in the order the system states them; a linked
    /// account is not among them.
    pub fn unmet(&self, facts: &UserFacts) -> Vec<String> {
        self.users_api_fields.iter().chain(&self.jwt_claims).filter(|r| !facts.has(r)).cloned().collect()
    }

    /// Whether a user with `facts` (and a link, when `linked`) can transact with the system.
    pub fn met_by(&self, facts: &UserFacts, linked: bool) -> bool {
        (linked || !self.linked_account) && self.unmet(facts).is_empty()
    }
}

impl TransactableSystem {
    /// Why the system cannot be configured as it stands, if it cannot. Lists are kept in the
    /// order given, without repeats.
    pub fn check(&self) -> Result<(), String> {
        let id = &self.system_id;
        if !crate::values::is_plain_id(id) {
            return Err(format!("system id {id:?}: 1 to 64 letters, digits, '.', '_' or '-'"));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err("a system name is 1 to 100 characters, without control characters".into());
        }
        let lists =
            [(&self.requirements.users_api_fields, USERS_API_FIELDS), (&self.requirements.jwt_claims, JWT_CLAIMS)];
        for (given, known) in lists {
            if let Some(unknown) = given.iter().find(|g| !known.contains(&g.as_str())) {
                return Err(format!("{unknown:?} is not one of {}", known.join(", ")));
            }
            if given.iter().enumerate().any(|(i, g)| given[..i].contains(g)) {
                return Err("a requirement is listed twice".into());
            }
        }
        Ok(())
    }
}
