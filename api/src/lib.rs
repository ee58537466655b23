//! The HTTP layer: dialect routers, extractors, error formats, startup, CLI.
#![forbid(unsafe_code)]

pub mod admin;
pub mod auth;
pub mod bounded;
pub mod cli;
pub mod cli_admin;
pub mod cli_cards;
pub mod cli_export;
pub mod cli_generate;
pub mod cli_partner;
pub mod cli_rebuild;
pub mod cli_verification;
pub mod cli_wallet;
pub mod client_addr;
pub mod config;
pub mod coord;
pub mod deletion;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod legacy;
pub mod limits;
pub mod linking;
pub mod metrics;
pub mod native;
pub mod oidc;
pub mod openapi;
pub mod payments;
mod request_meta;
pub mod startup;
pub mod state;
pub mod suite;
pub mod tokens;

pub use config::{Config, Settings};
pub use startup::{Application, app, open_store};
