//! Who a person is at a partner.
use super::ValueError;
use serde::{Deserialize, Serialize};

/// The partner's own identifier for its end user (coord `external_uid`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalUid(String);

impl ExternalUid {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let ok = !raw.is_empty() && raw.chars().count() <= 128 && !raw.chars().any(char::is_control);
        if ok { Ok(Self(raw.to_owned())) } else { Err(ValueError::InvalidExternalUid) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_uids_are_bounded() {
        assert!(ExternalUid::parse("1234").is_ok());
        assert_eq!(ExternalUid::parse(""), Err(ValueError::InvalidExternalUid));
        assert_eq!(ExternalUid::parse(&"x".repeat(129)), Err(ValueError::InvalidExternalUid));
        assert_eq!(ExternalUid::parse("a\nb"), Err(ValueError::InvalidExternalUid));
    }
}
