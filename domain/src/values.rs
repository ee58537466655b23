//! Validated value types: parse, don't validate. Each has a private field and a `parse`.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("email address is not valid")]
    InvalidEmail,
    #[error("external uid must be 1 to 128 printable characters")]
    InvalidExternalUid,
    #[error("license plate text must be 1 to 16 letters, digits, spaces or hyphens")]
    InvalidPlateText,
    #[error("license plate country must be an ISO 3166-1 alpha-2 code such as \"us\"")]
    InvalidPlateCountry,
    #[error("license plate subdivision must be 1 to 3 letters or digits such as \"ny\"")]
    InvalidPlateSubdivision,
    #[error("phone number must be in international form: + and 8 to 15 digits, such as \"+41791234567\"")]
    InvalidPhoneNumber,
}

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

/// A vehicle's license plate as the coord dialect names it: text, ISO country, subdivision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensePlate {
    text: String,
    country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subdivision: Option<String>,
}

impl LicensePlate {
    /// Keeps the text as written (trimmed) and lower-cases the ISO codes, as coord shows them.
    pub fn parse(text: &str, country: &str, subdivision: Option<&str>) -> Result<Self, ValueError> {
        let text = text.trim().to_owned();
        let text_ok = (1..=16).contains(&text.chars().count())
            && text.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
            && text.chars().any(char::is_alphanumeric);
        if !text_ok {
            return Err(ValueError::InvalidPlateText);
        }
        let country = country.trim().to_lowercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(ValueError::InvalidPlateCountry);
        }
        let subdivision = match subdivision.map(|s| s.trim().to_lowercase()) {
            None => None,
            Some(s) if s.is_empty() => None,
            Some(s) if s.len() <= 3 && s.chars().all(|c| c.is_ascii_alphanumeric()) => Some(s),
            Some(_) => return Err(ValueError::InvalidPlateSubdivision),
        };
        Ok(Self { text, country, subdivision })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn country(&self) -> &str {
        &self.country
    }

    pub fn subdivision(&self) -> Option<&str> {
        self.subdivision.as_deref()
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

    #[test]
    fn plates_are_normalised_and_validated() {
        let plate = LicensePlate::parse("123abc", "US", Some("NY")).expect("valid");
        assert_eq!((plate.text(), plate.country(), plate.subdivision()), ("123abc", "us", Some("ny")));
        assert_eq!(LicensePlate::parse("", "us", None), Err(ValueError::InvalidPlateText));
        assert_eq!(LicensePlate::parse("ab$12", "us", None), Err(ValueError::InvalidPlateText));
        assert_eq!(LicensePlate::parse("X".repeat(17).as_str(), "us", None), Err(ValueError::InvalidPlateText));
        assert_eq!(LicensePlate::parse("abc", "usa", None), Err(ValueError::InvalidPlateCountry));
        assert_eq!(LicensePlate::parse("abc", "u1", None), Err(ValueError::InvalidPlateCountry));
        assert_eq!(LicensePlate::parse("abc", "us", Some("new york")), Err(ValueError::InvalidPlateSubdivision));
        assert_eq!(LicensePlate::parse("abc", "de", Some("")).expect("valid").subdivision(), None);
    }

    #[test]
    fn external_uids_are_bounded() {
        assert!(ExternalUid::parse("1234").is_ok());
        assert_eq!(ExternalUid::parse(""), Err(ValueError::InvalidExternalUid));
        assert_eq!(ExternalUid::parse(&"x".repeat(129)), Err(ValueError::InvalidExternalUid));
        assert_eq!(ExternalUid::parse("a\nb"), Err(ValueError::InvalidExternalUid));
    }
}
