//! What a person signs in with.
use super::ValueError;
use std::fmt;
use std::ops::RangeInclusive;

/// A password someone chooses at sign-up: 8 to 128 characters. The upper bound refuses a huge
/// "password" before it is hashed, where it would cost the server, not the sender.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    const CHARS: RangeInclusive<usize> = 8..=128;

    /// Counts characters, not bytes: "pässwörd" is 8 long.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if Self::CHARS.contains(&raw.chars().count()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValueError::WeakPassword)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The password in clear, for the hasher.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Never the password itself, so a logged request or error cannot leak it.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_of_8_to_128_characters_are_accepted() {
        for raw in ["12345678", "correct horse battery", "pässwörd", "x".repeat(128).as_str(), "ü".repeat(128).as_str()]
        {
            assert_eq!(NewPassword::parse(raw).map(NewPassword::into_string), Ok(raw.to_owned()), "{raw:?}");
        }
    }

    #[test]
    fn passwords_too_short_or_too_long_are_weak() {
        for raw in ["", "1234567", "pässwö", "x".repeat(129).as_str(), "ü".repeat(129).as_str()] {
            assert_eq!(NewPassword::parse(raw), Err(ValueError::WeakPassword), "{raw:?}");
        }
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let password = NewPassword::parse("correct horse battery").expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
        assert_eq!(password.as_str(), "correct horse battery");
    }
}
