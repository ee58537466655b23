//! Mobility systems in memory. Each system is registered with its requirements; a link needs a
//! fact for every one of them, and gets the account id `{system}-acct-{n}`. Linking a linked
//! user returns the same link.
use commands::ports::mobility::{LinkError, LinkRequest, MobilityLinking, Requirement, SystemLink};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Systems {
    requirements: HashMap<String, Vec<Requirement>>,
    links: HashMap<(String, String), SystemLink>,
    next: u64,
}

#[derive(Default)]
pub struct SandboxMobilitySystems {
    systems: Mutex<Systems>,
}

impl SandboxMobilitySystems {
    /// Add (or change) a system and what it requires.
    pub fn with_system(self, system: &str, requirements: &[Requirement]) -> Self {
        self.lock().requirements.insert(system.to_owned(), requirements.to_vec());
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Systems> {
        self.systems.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl MobilityLinking for SandboxMobilitySystems {
    async fn requirements(&self, system: &str) -> Result<Vec<Requirement>, LinkError> {
        self.lock().requirements.get(system).cloned().ok_or(LinkError::UnknownSystem)
    }

    async fn link(&self, request: &LinkRequest) -> Result<SystemLink, LinkError> {
        let mut systems = self.lock();
        let required = systems.requirements.get(&request.system).ok_or(LinkError::UnknownSystem)?;
        let missing: Vec<Requirement> =
            required.iter().filter(|r| request.facts.get(r).is_none_or(|v| v.is_empty())).copied().collect();
        if !missing.is_empty() {
            return Err(LinkError::RequirementsMissing(missing));
        }
        let key = (request.system.clone(), request.user.clone());
        if let Some(link) = systems.links.get(&key) {
            return Ok(link.clone());
        }
        systems.next += 1;
        let link = SystemLink {
            system: request.system.clone(),
            user: request.user.clone(),
            external_account: format!("{}-acct-{}", request.system, systems.next),
        };
        systems.links.insert(key, link.clone());
        Ok(link)
    }

    async fn unlink(&self, system: &str, user: &str) -> Result<(), LinkError> {
        let mut systems = self.lock();
        if !systems.requirements.contains_key(system) {
            return Err(LinkError::UnknownSystem);
        }
        systems.links.remove(&(system.to_owned(), user.to_owned())).map(|_| ()).ok_or(LinkError::NotLinked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn request(facts: &[(Requirement, &str)]) -> LinkRequest {
        LinkRequest {
            system: "parkhaus".into(),
            user: "user-1".into(),
            facts: facts.iter().map(|(r, v)| (*r, (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    fn systems() -> SandboxMobilitySystems {
        SandboxMobilitySystems::default()
            .with_system("parkhaus", &[Requirement::LicensePlate, Requirement::PaymentMethod])
    }

    #[tokio::test]
    async fn a_link_needs_every_requirement_and_names_all_that_are_missing() {
        let systems = systems();
        assert_eq!(
            systems.requirements("parkhaus").await.expect("known"),
            [Requirement::LicensePlate, Requirement::PaymentMethod]
        );
        let missing = systems.link(&request(&[(Requirement::LicensePlate, "")])).await;
        assert_eq!(
            missing,
            Err(LinkError::RequirementsMissing(vec![Requirement::LicensePlate, Requirement::PaymentMethod]))
        );
        assert_eq!(systems.requirements("nowhere").await, Err(LinkError::UnknownSystem));
    }

    #[tokio::test]
    async fn linking_twice_links_once_and_unlinking_ends_it() {
        let systems = systems();
        let facts = [(Requirement::LicensePlate, "ZH 12345"), (Requirement::PaymentMethod, "true")];
        let link = systems.link(&request(&facts)).await.expect("linked");
        assert_eq!(link.external_account, "parkhaus-acct-1");
        assert_eq!(systems.link(&request(&facts)).await.expect("again"), link);
        systems.unlink("parkhaus", "user-1").await.expect("unlinked");
        assert_eq!(systems.unlink("parkhaus", "user-1").await, Err(LinkError::NotLinked));
    }
}
