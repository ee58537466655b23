//! The generator's less frequent steps: wallets and charges, account links, and erasures.
use super::{Burst, Person, World, hex, revoke, user_burst};
use domain::links::{AccountLinkEvent, LinkVia};
use domain::login::RevocationReason;
use domain::user::UserEvent;
use domain::wallet::{ChargeFailure, PaymentCard, WalletEvent};
use rand::Rng;

const SYSTEMS: [&str; 4] = ["CitiBike", "MeterPark", "PlateGarage", "StripeLot"];

impl World {
    pub(super) fn wallet(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        let at = self.now;
        let stream = domain::wallet::stream_id(p.id);
        let Some((version, _, cards)) = &mut p.wallet else {
            let card = self.card();
            let customer_id = format!("cus_{}", &hex(&mut self.rng)[..14]);
            let events = vec![
                WalletEvent::PaymentCustomerCreated {
                    user_id: p.id,
                    tenant_id: self.tenant.clone(),
                    provider: "sandbox".to_owned(),
                    customer_id: customer_id.clone(),
                    created_at: at,
                },
                WalletEvent::PaymentCardAttached { card: card.clone(), made_default: true, attached_at: at },
            ];
            p.wallet = Some((2, customer_id, vec![card.id]));
            return Ok(vec![Burst::new(stream, domain::wallet::STREAM_TYPE, 0, &events)?]);
        };
        let card_id = cards[0].clone();
        let (charge_id, reference) =
            (format!("ch_{}", &hex(&mut self.rng)[..14]), format!("parking-{}", &hex(&mut self.rng)[..10]));
        let (amount_minor, currency, description) =
            (self.rng.gen_range(150..4_000), "chf".to_owned(), "Parking".to_owned());
        let mut events = vec![WalletEvent::ChargeSucceeded {
            charge_id,
            card_id,
            amount_minor,
            currency,
            description,
            reference,
            charged_at: at,
        }];
        if self.rng.gen_bool(0.1) {
            let failed = WalletEvent::ChargeFailed {
                charge_id: format!("ch_{}", &hex(&mut self.rng)[..14]),
                card_id: cards[0].clone(),
                amount_minor,
                currency: "chf".to_owned(),
                description: "Parking".to_owned(),
                reference: format!("parking-{}", &hex(&mut self.rng)[..10]),
                failure: ChargeFailure {
                    code: "insufficient_funds".to_owned(),
                    message: "Your card has insufficient funds.".to_owned(),
                },
                failed_at: at,
            };
            // settled at once by the charge after it (its reference differs: a new parking)
            events.insert(0, failed);
        }
        let burst = Burst::new(stream, domain::wallet::STREAM_TYPE, *version, &events)?;
        *version += events.len() as i64;
        Ok(vec![burst])
    }

    fn card(&mut self) -> PaymentCard {
        PaymentCard {
            id: format!("pm_{}", &hex(&mut self.rng)[..14]),
            brand: ["visa", "mastercard", "amex"][self.rng.gen_range(0..3)].to_owned(),
            last4: format!("{:04}", self.rng.gen_range(0..10_000)),
            exp_month: self.rng.gen_range(1..=12),
            exp_year: self.rng.gen_range(2027..2032),
            fingerprint: hex(&mut self.rng)[..16].to_owned(),
            funding: "credit".to_owned(),
            country: Some("CH".to_owned()),
        }
    }

    pub(super) fn link(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        let system = SYSTEMS[self.rng.gen_range(0..SYSTEMS.len())];
        let (version, linked) = &mut p.links;
        let event = if let Some(i) = linked.iter().position(|s| *s == system) {
            linked.remove(i);
            AccountLinkEvent::AccountUnlinked {
                system_id: system.to_owned(),
                unlinked_at: self.now,
                via: LinkVia::Consent,
            }
        } else {
            linked.push(system);
            AccountLinkEvent::AccountLinked { system_id: system.to_owned(), linked_at: self.now, via: LinkVia::Consent }
        };
        let burst = Burst::new(domain::links::stream_id(p.id), domain::links::STREAM_TYPE, *version, &[event])?;
        *version += 1;
        Ok(vec![burst])
    }

    /// The person asks for their account's deletion, and it is erased as the service erases
    /// one: every session ends, every link, the wallet's personal data, then the user.
    pub(in crate::cli_generate) fn erase(&mut self, p: &mut Person) -> anyhow::Result<Vec<Burst>> {
        let at = self.now;
        let mut bursts = Vec::new();
        for mut session in std::mem::take(&mut p.sessions) {
            bursts.push(revoke(&mut session, RevocationReason::AccountErased, at)?);
        }
        let (version, linked) = &mut p.links;
        let unlinks: Vec<AccountLinkEvent> = linked
            .drain(..)
            .map(|s| AccountLinkEvent::AccountUnlinked {
                system_id: s.to_owned(),
                unlinked_at: at,
                via: LinkVia::Erasure,
            })
            .collect();
        if !unlinks.is_empty() {
            bursts.push(Burst::new(domain::links::stream_id(p.id), domain::links::STREAM_TYPE, *version, &unlinks)?);
        }
        if let Some((version, _, _)) = p.wallet.take() {
            let erased = [WalletEvent::PaymentDetailsErased { erased_at: at }];
            bursts.push(Burst::new(domain::wallet::stream_id(p.id), domain::wallet::STREAM_TYPE, version, &erased)?);
        }
        let requested = UserEvent::DeletionRequested { requested_at: at };
        bursts.push(user_burst(
            p,
            vec![requested, UserEvent::UserErased { requested_by: "customer".to_owned(), erased_at: at }],
        )?);
        Ok(bursts)
    }
}
