//! Rebuilds the crate when a file is added to or removed from `locales/` (the Fluent messages
//! that `src/i18n` embeds at compile time: a new `locales/fr.ftl` is a new language).
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
