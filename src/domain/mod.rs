//! The domain, free of I/O and importing nothing above it: the records the service keeps (as
//! typed values), money and currencies, fee coverage, donor-facing text, times, supporters'
//! pages, the contribution rules that decide what a donation adds to its campaign's progress,
//! and the membership a donor's dues payments make.

pub mod campaign;
pub mod contribution;
pub mod donation;
pub mod event_log;
pub mod fact;
pub mod fees;
pub mod field_error;
pub mod fundraiser;
pub mod manage_link;
pub mod membership;
pub mod message;
pub mod money;
pub mod notices;
pub mod object_key;
pub mod organization;
pub mod payment;
pub mod settlement;
pub mod staff_access;
pub mod text;
pub mod time;
pub mod zone;
