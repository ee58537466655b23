//! Abuse limits: token buckets per client address and per account on sign-in (governor's
//! GCRA). Over the limit a request gets 429 with `Retry-After` before any password is checked.
//! The buckets live in each instance's memory: with several instances, each allows its quota.
//! An IPv6 client is counted by its /64, the block one subscriber gets: counting whole
//! addresses would give each subscriber 2^64 buckets.
use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Sign-in attempts per minute from one client address.
    pub sign_in_per_address: u32,
    /// Sign-in attempts per minute for one account (tenant and email).
    pub sign_in_per_account: u32,
    /// Refresh-token grants per minute from one client address.
    pub refresh_per_address: u32,
    /// Anonymous writes per minute from one client address: sign-ups, test tokens, password
    /// resets, two-factor set-up.
    pub writes_per_address: u32,
    /// Public profile look-ups per minute from one client address (legacy `show`): fast
    /// enumeration of accounts is what it slows.
    pub lookups_per_address: u32,
    /// Tokens one coord partner mints per minute with its server token.
    pub mints_per_partner: u32,
    /// Cards one user attaches per hour.
    pub card_attaches_per_user: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            sign_in_per_address: 30,
            sign_in_per_account: 10,
            refresh_per_address: 150,
            writes_per_address: 20,
            lookups_per_address: 30,
            mints_per_partner: 600,
            card_attaches_per_user: 10,
        }
    }
}

#[derive(Clone)]
pub struct Limits {
    sign_in_by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    sign_in_by_account: Arc<DefaultKeyedRateLimiter<String>>,
    refresh_by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    writes_by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    lookups_by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    mints_by_partner: Arc<DefaultKeyedRateLimiter<String>>,
    card_attaches_by_user: Arc<DefaultKeyedRateLimiter<uuid::Uuid>>,
}

/// The key an address is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by /64.
fn subscriber(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
        v4 @ IpAddr::V4(_) => v4,
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// Take a token of `key`'s bucket in `limiter` (the limit `name`), or say how long to wait; a
/// refusal counts in `users_api_rate_limited_total{limit}`.
fn check<K: std::hash::Hash + Eq + Clone>(
    name: &'static str,
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        metrics::counter!("users_api_rate_limited_total", "limit" => name).increment(1);
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        // rounded up: a client that waits exactly this long finds a token in the bucket
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::RateLimited { retry_after_secs: secs.max(1) }
    })
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            sign_in_by_address: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.sign_in_per_address))),
            sign_in_by_account: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.sign_in_per_account))),
            refresh_by_address: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.refresh_per_address))),
            writes_by_address: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.writes_per_address))),
            lookups_by_address: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.lookups_per_address))),
            mints_by_partner: Arc::new(DefaultKeyedRateLimiter::keyed(per_minute(settings.mints_per_partner))),
            card_attaches_by_user: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(settings.card_attaches_per_user.max(1)).unwrap_or(NonZeroU32::MIN),
            ))),
        }
    }

    /// One sign-in attempt from `address` for `account` (any stable name of the account).
    pub fn sign_in(&self, address: IpAddr, account: &str) -> Result<(), ApiError> {
        check("sign_in_address", &self.sign_in_by_address, &subscriber(address))?;
        check("sign_in_account", &self.sign_in_by_account, &account.to_owned())
    }

    /// One sign-in attempt from `address` (before the account is known).
    pub fn address(&self, address: IpAddr) -> Result<(), ApiError> {
        check("sign_in_address", &self.sign_in_by_address, &subscriber(address))
    }

    /// One sign-in attempt for `account` (once it is known).
    pub fn account(&self, account: &str) -> Result<(), ApiError> {
        check("sign_in_account", &self.sign_in_by_account, &account.to_owned())
    }

    pub fn refresh(&self, address: IpAddr) -> Result<(), ApiError> {
        check("refresh", &self.refresh_by_address, &subscriber(address))
    }

    /// One anonymous write (a sign-up, a test token, a password reset, two-factor set-up) from
    /// `address`.
    pub fn write(&self, address: IpAddr) -> Result<(), ApiError> {
        check("write", &self.writes_by_address, &subscriber(address))
    }

    /// One public look-up of an account (legacy `show`) from `address`.
    pub fn lookup(&self, address: IpAddr) -> Result<(), ApiError> {
        check("lookup", &self.lookups_by_address, &subscriber(address))
    }

    /// One token minted by `partner` with its server token.
    pub fn mint(&self, partner: &str) -> Result<(), ApiError> {
        check("mint", &self.mints_by_partner, &partner.to_owned())
    }

    /// One card attach by `user` (a card tester tries many cards on one account).
    pub fn card_attach(&self, user: uuid::Uuid) -> Result<(), ApiError> {
        check("card_attach", &self.card_attaches_by_user, &user)
    }

    /// Forget buckets that are full again, so memory follows the active clients.
    pub fn shrink(&self) {
        self.sign_in_by_address.retain_recent();
        self.sign_in_by_account.retain_recent();
        self.refresh_by_address.retain_recent();
        self.writes_by_address.retain_recent();
        self.lookups_by_address.retain_recent();
        self.mints_by_partner.retain_recent();
        self.card_attaches_by_user.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_names_the_wait() {
        let limits =
            Limits::new(LimitSettings { sign_in_per_account: 2, refresh_per_address: 1, ..LimitSettings::default() });
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(limits.sign_in(ip, "demo:a@x.com").is_ok());
        assert!(limits.sign_in(ip, "demo:a@x.com").is_ok());
        match limits.sign_in(ip, "demo:a@x.com") {
            Err(ApiError::RateLimited { retry_after_secs }) => assert!((1..=30).contains(&retry_after_secs)),
            other => panic!("expected a limit, got {other:?}"),
        }
        assert!(limits.sign_in(ip, "demo:b@x.com").is_ok(), "another account has its own bucket");
        assert!(limits.refresh(ip).is_ok());
        assert!(limits.refresh(ip).is_err());
        assert!(limits.refresh([10, 0, 0, 2].into()).is_ok(), "another address has its own bucket");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(subscriber(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(subscriber(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), ip("2001:db8:1:2::"));
        assert_ne!(subscriber(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(subscriber(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(subscriber(ip("192.0.2.7")), ip("192.0.2.7"));
        let limits = Limits::new(LimitSettings { writes_per_address: 1, ..LimitSettings::default() });
        assert!(limits.write(ip("2001:db8::1")).is_ok());
        assert!(limits.write(ip("2001:db8::2")).is_err(), "the same /64 shares a bucket");
        assert!(limits.write(ip("2001:db8:0:1::2")).is_ok(), "the next /64 has its own");
    }
}
