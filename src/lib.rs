//! `donations`: a donation campaign backend. Donors check out through Stripe Checkout (or the
//! built-in sandbox), staff follow progress toward each campaign's goal, and Stripe's webhooks
//! reconcile every record.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod payments;
pub mod probe;
pub mod services;
pub mod store;
pub mod webhooks;

/// The Stripe API version async-stripe 1.0.0-rc.10 is generated for and sends on every request.
/// A webhook endpoint must be configured with it, or event objects may fail to parse.
pub const STRIPE_API_VERSION: &str = "2026-09-30.endive";

#[cfg(test)]
mod tests {
    #[test]
    fn documented_api_version_is_the_one_async_stripe_pins() {
        assert_eq!(
            stripe_shared::version::VERSION.as_str(),
            super::STRIPE_API_VERSION
        );
    }
}
