//! The HTTP tests: one test binary (as zero2prod has it), one module per concern, each test
//! against the real server on port 0 with a fresh database, on SQLite and on PostgreSQL
//! (`backend_tests!`). `helpers` is the shared harness: `spawn_app`, the fake Stripe, the pages'
//! helpers and the event scenarios.
//!
//! The suites that are slow or need a process of their own stay separate binaries beside this
//! one and share these helpers through `#[path]`: `tests/storm.rs` (webhook storms, several
//! server processes), `tests/outage.rs` (a private PostgreSQL stopped and restarted),
//! `tests/ledger_order.rs` (the order property, at the ledger level), `tests/browser.rs`
//! (headless Chromium) and `tests/hangups.rs` (installs a process-wide log capture and asserts
//! that its process logged no transaction-state warning).

#[macro_use]
mod helpers;

mod abuse;
mod actual_fees;
mod addresses;
mod bank_debit;
mod campaigns;
mod checkout;
mod donor_mail;
mod fundraiser_languages;
mod fundraisers;
mod hostile;
mod languages;
mod mail;
mod manage;
mod memberships;
mod money;
mod operations;
mod organization_payments;
mod organizations;
mod pages;
mod privacy;
mod public_reads;
mod security;
mod slow_clients;
mod staff_accounts;
mod staff_api;
mod time_zones;
mod webhooks;
