//! The checks of personal details: a language is a BCP 47 tag (oxilangtag), a country an ISO
//! 3166-1 alpha-2 code (celes), names and address parts bounded printable text.
use super::ValueError;
use crate::user::PostalAddress;
use std::collections::BTreeMap;

/// Trimmed, 1 to `max` characters, no control characters.
fn text(value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    let ok = !value.is_empty() && value.chars().count() <= max && !value.chars().any(char::is_control);
    ok.then(|| value.to_owned())
}

/// A BCP 47 language tag whose language is an ISO 639 code, normalised (`de`, `fr-CH`,
/// `zh-Hant-TW`).
pub fn language(value: &str) -> Result<String, ValueError> {
    let value = value.trim();
    if value.len() > 35 {
        return Err(ValueError::InvalidLanguage);
    }
    let tag = oxilangtag::LanguageTag::parse_and_normalize(value).map_err(|_| ValueError::InvalidLanguage)?;
    // the primary subtag of a language in use is an ISO 639 code (2 or 3 letters); BCP 47's
    // 4- to 8-letter primary subtags are reserved or unregistered
    if !(2..=3).contains(&tag.primary_language().len()) {
        return Err(ValueError::InvalidLanguage);
    }
    Ok(tag.into_inner())
}

/// An ISO 3166-1 alpha-2 country code, upper case.
pub fn country(value: &str) -> Result<String, ValueError> {
    let code = value.trim().to_ascii_uppercase();
    celes::Country::from_alpha2(&code).map(|c| c.alpha2.to_owned()).map_err(|_| ValueError::InvalidCountry)
}

/// A first (`last: false`) or last name.
pub fn name(value: &str, last: bool) -> Result<String, ValueError> {
    text(value, 100).ok_or(if last { ValueError::InvalidLastName } else { ValueError::InvalidFirstName })
}

/// A postal address with every part: street, zip, city and a known country.
pub fn postal_address(
    street: Option<&str>,
    zip: Option<&str>,
    city: Option<&str>,
    country_code: Option<&str>,
) -> Result<PostalAddress, ValueError> {
    let part = |value: Option<&str>, which: &'static str| -> Result<String, ValueError> {
        let value = value.map(str::trim).filter(|v| !v.is_empty()).ok_or(ValueError::AddressIncomplete(which))?;
        text(value, 200).ok_or(ValueError::InvalidAddress)
    };
    Ok(PostalAddress {
        street: Some(part(street, "street")?),
        zip: Some(part(zip, "zip")?),
        city: Some(part(city, "city")?),
        country: Some(country(&part(country_code, "country")?)?),
    })
}

/// A tenant's own fields: at most 50, keys 1 to 40 characters, values at most 500.
pub fn custom_properties(properties: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, ValueError> {
    let key_ok = |k: &str| (1..=40).contains(&k.chars().count()) && !k.chars().any(char::is_control);
    let value_ok = |v: &str| v.chars().count() <= 500 && !v.chars().any(char::is_control);
    if properties.len() > 50 || !properties.iter().all(|(k, v)| key_ok(k) && value_ok(v)) {
        return Err(ValueError::InvalidCustomProperties);
    }
    Ok(properties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_countries_are_checked_against_their_standards() {
        assert_eq!(language("fr-ch"), Ok("fr-CH".to_owned()));
        assert_eq!(language("de"), Ok("de".to_owned()));
        for bad in ["", "german", "de_CH", "x"] {
            assert_eq!(language(bad), Err(ValueError::InvalidLanguage), "{bad}");
        }
        assert_eq!(country("ch"), Ok("CH".to_owned()));
        for bad in ["XX", "CHE", "", "Switzerland"] {
            assert_eq!(country(bad), Err(ValueError::InvalidCountry), "{bad}");
        }
    }

    #[test]
    fn an_address_needs_every_part_and_a_known_country() {
        let full = postal_address(Some("Bahnhofstrasse 1"), Some("8001"), Some("Zürich"), Some("ch")).expect("ok");
        assert_eq!(full.country.as_deref(), Some("CH"));
        assert_eq!(
            postal_address(None, Some("8001"), Some("Z"), Some("CH")),
            Err(ValueError::AddressIncomplete("street"))
        );
        assert_eq!(
            postal_address(Some("s"), Some(" "), Some("Z"), Some("CH")),
            Err(ValueError::AddressIncomplete("zip"))
        );
        assert_eq!(postal_address(Some("s"), Some("1"), None, Some("CH")), Err(ValueError::AddressIncomplete("city")));
        assert_eq!(
            postal_address(Some("s"), Some("1"), Some("Z"), None),
            Err(ValueError::AddressIncomplete("country"))
        );
        assert_eq!(postal_address(Some("s"), Some("1"), Some("Z"), Some("ZZ")), Err(ValueError::InvalidCountry));
    }

    #[test]
    fn names_and_custom_properties_are_bounded() {
        assert_eq!(name(" Ann ", false), Ok("Ann".to_owned()));
        assert_eq!(name("", true), Err(ValueError::InvalidLastName));
        assert_eq!(name(&"a".repeat(101), false), Err(ValueError::InvalidFirstName));
        let many: BTreeMap<String, String> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(custom_properties(many), Err(ValueError::InvalidCustomProperties));
        let ok: BTreeMap<String, String> = [("club".to_owned(), "gold".to_owned())].into();
        assert!(custom_properties(ok).is_ok());
    }
}
