//! The use cases: what donors, staff and Stripe ask of the service, each a plain struct or
//! function over the ports it needs (the store, the payment gateway, settings), taking the time
//! as a value and answering in the domain's words. HTTP, mail and the CLI call these; these call
//! the store, the gateway and the domain, never the other way round.

pub mod actual_fees;
pub mod campaign_admin;
pub mod checkout;
pub mod donation_csv;
pub mod event_refetch;
pub mod fundraisers;
pub mod ledger;
pub mod manage_link_requests;
pub mod membership_report;
pub mod offline_gifts;
pub mod reconcile;
pub mod reporting;
pub mod selfservice;
pub mod staff_accounts;
pub mod staff_tokens;
