//! The donor's pages, in one room: the donation page (`donation_page`) and its form
//! (`donation_form`) and the assets they load (`assets`), the thank-you page (`thanks_page`) and the self-service page of a recurring gift reached by a
//! signed link (`manage_page`), and the form that emails a donor fresh links to it
//! (`manage_request_page`); the form's errors (`field_errors`); supporters' pages
//! (`fundraiser_page`), the form that starts one (`fundraiser_signup_page`) and their owners'
//! pages behind a signed link (`fundraiser_manage_page`). Each is in the donor's language
//! (`http::page_language`, `crate::i18n`) with a language switcher, and sends the donor pages'
//! headers (a strict CSP, framing only by `ALLOWED_ORIGINS`).

pub mod assets;
pub mod donation_form;
pub mod donation_page;
pub mod field_errors;
pub mod fundraiser_manage_page;
pub mod fundraiser_page;
pub mod fundraiser_signup_page;
pub mod manage_page;
pub mod manage_request_page;
pub mod thanks_page;
