//! How to reach a person: an email address, a phone number.
use super::ValueError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form (`+41791234567`); spaces, dashes, dots and brackets are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let digits = compact.strip_prefix('+').ok_or(ValueError::InvalidPhoneNumber)?;
        let ok =
            (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
        if ok { Ok(Self(compact)) } else { Err(ValueError::InvalidPhoneNumber) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lower-cased so that lookups and uniqueness ignore case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or(ValueError::InvalidEmail)?;
        let well_formed = !local.is_empty()
            && local.len() <= 64
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && email.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
        if well_formed { Ok(Self(email)) } else { Err(ValueError::InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_lower_case() {
        let email = Email::parse("  Foo.Bar@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "foo.bar@example.com");
        assert_eq!(
            PhoneNumber::parse("+41 (79) 123-45.67").map(|p| p.as_str().to_owned()),
            Ok("+41791234567".to_owned())
        );
        for bad in ["0791234567", "+0791234567", "+41 79", "+4179123456789012", "+41abc12345", ""] {
            assert_eq!(PhoneNumber::parse(bad), Err(ValueError::InvalidPhoneNumber), "{bad}");
        }
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in ["", "foo", "@bar.com", "foo@", "foo@bar", "foo@.com", "foo@bar..com", "a b@c.de", "a@b@c.de"] {
            assert_eq!(Email::parse(raw), Err(ValueError::InvalidEmail), "{raw:?}");
        }
    }
}
