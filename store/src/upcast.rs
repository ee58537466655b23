//! Old event schemas stay readable: an upcaster lifts a payload of `(event type, version)` to
//! version + 1, and readers apply them in a chain until the newest version.
use serde_json::Value;
use std::collections::HashMap;

type Upcast = Box<dyn Fn(Value) -> Value + Send + Sync>;

#[derive(Default)]
pub struct Upcasters {
    /// event type → from version → step; looked up by `&str` for every event read
    steps: HashMap<String, HashMap<i32, Upcast>>,
    /// Decrypts the personal fields of what is read (and encrypts them on append).
    vault: Option<std::sync::Arc<crate::vault::Vault>>,
}

impl Upcasters {
    /// Readers decrypt personal fields with `vault`; appends encrypt them.
    pub fn with_vault(mut self, vault: std::sync::Arc<crate::vault::Vault>) -> Self {
        self.vault = Some(vault);
        self
    }

    pub fn vault(&self) -> Option<&std::sync::Arc<crate::vault::Vault>> {
        self.vault.as_ref()
    }

    /// Register how `event_type` at `from_version` becomes `from_version + 1`.
    pub fn register(
        mut self,
        event_type: &str,
        from_version: i32,
        f: impl Fn(Value) -> Value + Send + Sync + 'static,
    ) -> Self {
        self.steps.entry(event_type.to_owned()).or_default().insert(from_version, Box::new(f));
        self
    }

    pub fn upcast(&self, event_type: &str, mut version: i32, mut payload: Value) -> (i32, Value) {
        let Some(steps) = self.steps.get(event_type) else { return (version, payload) };
        // bounded: each step raises the version, so the chain ends
        while let Some(step) = steps.get(&version) {
            payload = step(payload);
            version += 1;
        }
        (version, payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn upcasters_chain_to_the_newest_version() {
        let ups = Upcasters::default()
            .register("VehicleChanged", 1, |mut v| {
                v["plate"] = json!({ "text": v["plate"].take() });
                v
            })
            .register("VehicleChanged", 2, |mut v| {
                v["plate"]["country"] = json!("us");
                v
            });
        let (version, payload) = ups.upcast("VehicleChanged", 1, json!({ "plate": "ABC" }));
        assert_eq!(version, 3);
        assert_eq!(payload, json!({ "plate": { "text": "ABC", "country": "us" } }));
        assert_eq!(ups.upcast("Other", 1, json!({})), (1, json!({})));
    }
}
