//! Domain types and rules, free of I/O: money and currencies, fee coverage, donor-facing text, times,
//! and the ledger rules that decide what a donation contributes to its campaign's progress.

pub mod fees;
pub mod ledger;
pub mod manage_link;
pub mod money;
pub mod notices;
pub mod text;
pub mod time;
