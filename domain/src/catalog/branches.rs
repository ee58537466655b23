//! Branches: the parts of a tenant's service (a city, a region) an app resolves a person to,
//! before sign-up (the suite's `branches/resolve`). A branch serves a circular area around a
//! centre and answers to hints (a city name, a code in a link).
use serde::{Deserialize, Serialize};

/// Earth's mean radius, for great-circle distances.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// The largest area a branch may serve (a radius), and the most hints it may answer to.
pub const MAX_RADIUS_KM: f64 = 2000.0;
pub const MAX_HINTS: usize = 20;

/// A position in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
}

impl Position {
    /// A position, when both coordinates are finite and in range.
    pub fn new(latitude: f64, longitude: f64) -> Option<Self> {
        let valid = latitude.is_finite()
            && longitude.is_finite()
            && (-90.0..=90.0).contains(&latitude)
            && (-180.0..=180.0).contains(&longitude);
        valid.then_some(Self { latitude, longitude })
    }

    /// The great-circle distance to `other` in kilometres (haversine).
    pub fn distance_km(&self, other: &Position) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// A branch of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    /// The id clients name it by (`zurich`): 1 to 64 letters, digits, `.`, `_` or `-`.
    pub branch_id: String,
    /// Its name for people.
    pub name: String,
    /// The centre of the area it serves, and the area's radius.
    pub center: Position,
    pub radius_km: f64,
    /// What else it answers to (compared without case): city names, codes in links.
    #[serde(default)]
    pub hints: Vec<String>,
}

impl Branch {
    /// Why the branch cannot be configured, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if !crate::values::is_plain_id(&self.branch_id) {
            return Err("a branch id is 1 to 64 letters, digits, '.', '_' or '-'".into());
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            return Err("a branch name is 1 to 200 characters".into());
        }
        if Position::new(self.center.latitude, self.center.longitude).is_none() {
            return Err("the centre must be a latitude in [-90, 90] and a longitude in [-180, 180]".into());
        }
        if !(self.radius_km.is_finite() && self.radius_km > 0.0 && self.radius_km <= MAX_RADIUS_KM) {
            return Err(format!("the radius must be more than 0 and at most {MAX_RADIUS_KM} km"));
        }
        if self.hints.len() > MAX_HINTS || self.hints.iter().any(|h| h.trim().is_empty() || h.chars().count() > 100) {
            return Err(format!("at most {MAX_HINTS} hints of 1 to 100 characters"));
        }
        Ok(())
    }

    /// Whether `position` lies in the branch's area.
    pub fn serves(&self, position: &Position) -> bool {
        self.center.distance_km(position) <= self.radius_km
    }

    /// Whether the branch answers to `hint` (its id, its name or one of its hints, without case).
    pub fn answers_to(&self, hint: &str) -> bool {
        let hint = hint.trim().to_lowercase();
        [&self.branch_id, &self.name].into_iter().chain(&self.hints).any(|h| h.trim().to_lowercase() == hint)
    }
}

/// The branch for `position` among `branches`: of those whose area holds it, the one whose
/// centre is nearest (a city branch inside a region's wins for the city).
pub fn resolve_position<'a>(branches: &'a [Branch], position: &Position) -> Option<&'a Branch> {
    branches
        .iter()
        .filter(|b| b.serves(position))
        .min_by(|a, b| a.center.distance_km(position).total_cmp(&b.center.distance_km(position)))
}

/// The branch that answers to `hint`, the first configured one when several do.
pub fn resolve_hint<'a>(branches: &'a [Branch], hint: &str) -> Option<&'a Branch> {
    branches.iter().find(|b| b.answers_to(hint))
}
