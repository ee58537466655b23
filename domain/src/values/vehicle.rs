//! What a person drives.
use super::ValueError;
use serde::{Deserialize, Serialize};

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
}
