//! The pure core of the Users API: value types, aggregates, their commands, events and errors.
//!
//! Nothing here performs IO or reads a clock: time, ids and hashes arrive inside commands.
#![forbid(unsafe_code)]

pub mod admin;
pub mod cards;
pub mod catalog;
pub mod code;
pub mod codec;
pub mod links;
pub mod login;
pub mod personal;
pub mod user;
pub mod values;
pub mod wallet;

pub use codec::{Claim, ClaimChange, EventCodec, HasClaims};
