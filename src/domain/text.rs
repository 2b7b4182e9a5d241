//! Donor- and staff-entered text. Parse, don't validate: each type can only
//! be built through its parser, so holding one proves the input was checked.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::domain::field_error::Reason;

/// Donor-facing errors: each message completes a sentence that starts with
/// the field name, e.g. "name must not be empty".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacters,
    #[error(
        "must contain only lowercase letters, digits and single hyphens, \
         and must not start or end with a hyphen"
    )]
    InvalidSlug,
    #[error("is not a valid email address")]
    InvalidEmail,
}

impl TextError {
    /// What is wrong as a code, for the donor's language (`FieldError::because`).
    pub fn reason(&self) -> Reason {
        match self {
            TextError::Empty => Reason::new("required"),
            TextError::TooLong { max } => Reason::new("too_long").with("max", max),
            TextError::ControlCharacters => Reason::new("control_characters"),
            TextError::InvalidSlug => Reason::new("invalid_slug"),
            TextError::InvalidEmail => Reason::new("invalid_email"),
        }
    }
}

/// Shared plumbing: `as_str`, `Display`, and serialisation as a plain string.
macro_rules! string_type {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

/// Deserialisation re-runs the parser, so stored or posted JSON cannot
/// smuggle in an unchecked value.
macro_rules! deserialize_via_parse {
    ($name:ident) => {
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $name::parse(&raw).map_err(de::Error::custom)
            }
        }
    };
}

/// Control characters plus the Unicode line/paragraph separators, which
/// `char::is_control` misses but which break lines in emails and logs.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Checks the character limit (chars, not bytes) on already-trimmed text.
fn check_length(text: &str, max: usize) -> Result<(), TextError> {
    if text.is_empty() {
        Err(TextError::Empty)
    } else if text.chars().count() > max {
        Err(TextError::TooLong { max })
    } else {
        Ok(())
    }
}

/// A URL-safe identifier such as a campaign slug: 1–64 of `[a-z0-9]`, with
/// single hyphens between them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 64;

    /// Not trimmed: a slug is an identifier, and " a " is not "a".
    pub fn parse(input: &str) -> Result<Slug, TextError> {
        check_length(input, Self::MAX_CHARS)?;
        let valid = input.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
        });
        if !valid {
            return Err(TextError::InvalidSlug);
        }
        Ok(Slug(input.to_owned()))
    }
}

string_type!(Slug);
deserialize_via_parse!(Slug);

/// A donor's email address that the mailer can send to: it is parsed by the
/// same parsers that build the message (`lettre::Address` for the envelope,
/// `lettre::message::Mailbox` for the `To:` header, which is how
/// `mail::transport` reads the recipient back), so an address accepted here is
/// never refused at send time. Both are pure value parsers (an internationalised
/// domain is checked through IDNA, in memory): no DNS lookup happens here.
///
/// On top of lettre's rules it keeps this service's own: at most 254
/// characters, a local part of at most 64, no whitespace or control
/// characters, and a domain name with at least one dot (no bare hosts such
/// as `localhost`, no IP literals, no trailing dot) whose labels are letters
/// (any script), digits and inner hyphens, each at most 63 characters.
///
/// Kept as entered (trimmed); compare with [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;
    const MAX_LOCAL_CHARS: usize = 64;
    const MAX_LABEL_CHARS: usize = 63;

    pub fn parse(input: &str) -> Result<Email, TextError> {
        let trimmed = input.trim();
        check_length(trimmed, Self::MAX_CHARS)?;
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || is_forbidden_control(c))
        {
            return Err(TextError::InvalidEmail);
        }
        let address: lettre::Address = trimmed.parse().map_err(|_| TextError::InvalidEmail)?;
        // The transport parses the stored text again as a mailbox; it must
        // read back as this very address, with no display name.
        let mailbox: lettre::message::Mailbox =
            trimmed.parse().map_err(|_| TextError::InvalidEmail)?;
        if mailbox.name.is_some() || mailbox.email != address {
            return Err(TextError::InvalidEmail);
        }
        let (local, domain) = (address.user(), address.domain());
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.chars().count() <= Self::MAX_LABEL_CHARS
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let own_rules = local.chars().count() <= Self::MAX_LOCAL_CHARS
            && !domain.starts_with('[')
            && domain.parse::<std::net::IpAddr>().is_err()
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if !own_rules {
            return Err(TextError::InvalidEmail);
        }
        Ok(Email(trimmed.to_owned()))
    }

    /// Lowercased form used to recognise the same donor across gifts.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// `address` as an SMTP envelope can carry it without SMTPUTF8 where possible: the domain in
/// its ASCII (IDNA, punycode) form, the local part as it is. `ana@bücher.de` becomes
/// `ana@xn--bcher-kva.de`, which any relay takes; lettre itself sends the domain as typed and
/// asks for SMTPUTF8 (failing on a relay without it). An ASCII address, or one whose domain
/// does not convert, comes back unchanged. A non-ASCII local part (`josé@…`) still needs a relay
/// with SMTPUTF8: only the domain has an ASCII form.
pub fn envelope_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
            Ok(ascii) if !ascii.is_empty() => format!("{local}@{ascii}"),
            _ => address.to_owned(),
        },
        _ => address.to_owned(),
    }
}

string_type!(Email);
deserialize_via_parse!(Email);

/// A donor's (or honoree's) name as they wrote it: trimmed, 1–200 chars,
/// on a single line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<PersonName, TextError> {
        // Checked before trimming: trim would silently drop a trailing "\n",
        // and a name containing any control character is suspect input.
        if input.chars().any(is_forbidden_control) {
            return Err(TextError::ControlCharacters);
        }
        let trimmed = input.trim();
        check_length(trimmed, Self::MAX_CHARS)?;
        Ok(PersonName(trimmed.to_owned()))
    }
}

string_type!(PersonName);
deserialize_via_parse!(PersonName);

/// Bounded free text such as a comment or tribute message. Unlike a name it
/// may span paragraphs: "\n" and "\r\n" are allowed, and "\r\n" is stored as
/// "\n" so the limit does not depend on the client's line endings.
///
/// Serialises as a string; it has no `Deserialize` because the limit is
/// chosen per field at parse time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortText(String);

impl ShortText {
    pub const MAX_COMMENT_CHARS: usize = 500;
    pub const MAX_TRIBUTE_CHARS: usize = 1000;

    pub fn parse(input: &str, max_chars: usize) -> Result<ShortText, TextError> {
        let unified = input.replace("\r\n", "\n");
        // A lone '\r' is still rejected: it is not a line ending we accept.
        if unified
            .chars()
            .any(|c| c != '\n' && is_forbidden_control(c))
        {
            return Err(TextError::ControlCharacters);
        }
        let trimmed = unified.trim();
        check_length(trimmed, max_chars)?;
        Ok(ShortText(trimmed.to_owned()))
    }
}

string_type!(ShortText);

/// Whether a name or honoree as typed looks like contact details rather than a name: an email
/// address (an `@`) or a phone number (seven or more digits). Public pages never show such a
/// text: a donor or an honoree is named there only by what reads as a name.
pub fn looks_like_contact(text: &str) -> bool {
    text.contains('@') || text.chars().filter(char::is_ascii_digit).count() >= 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_are_told_from_names() {
        for contact in [
            "lynda@example.org",
            "Lynda (lynda@example.org)",
            "+1 (555) 123-4567",
            "555.123.4567",
            "call 5551234",
        ] {
            assert!(looks_like_contact(contact), "{contact}");
        }
        for name in [
            "Lynda Callon",
            "María José O'Neil",
            "Room 101 staff",
            "Class of 2025",
        ] {
            assert!(!looks_like_contact(name), "{name}");
        }
    }
    use proptest::prelude::*;

    #[test]
    fn slug_examples() {
        for ok in [
            "a",
            "7",
            "spring-gala",
            "2025-appeal",
            "a-b-c",
            &"x".repeat(64),
        ] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Slug::parse(""), Err(TextError::Empty));
        assert_eq!(
            Slug::parse(&"x".repeat(65)),
            Err(TextError::TooLong { max: 64 })
        );
        for bad in [
            "-a", "a-", "a--b", "-", "Spring", "a_b", "a b", " a", "a.b", "é", "a/b", "ａ",
        ] {
            assert_eq!(Slug::parse(bad), Err(TextError::InvalidSlug), "{bad:?}");
        }
    }

    #[test]
    fn slug_serde_goes_through_parse() {
        let slug = Slug::parse("spring-gala").unwrap();
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"spring-gala\"");
        assert_eq!(
            serde_json::from_str::<Slug>("\"spring-gala\"").unwrap(),
            slug
        );
        assert!(serde_json::from_str::<Slug>("\"Spring Gala\"").is_err());
        assert_eq!(slug.to_string(), "spring-gala");
    }

    #[test]
    fn email_examples() {
        let email = Email::parse("  Ann.Lee+gifts@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Ann.Lee+gifts@Example.ORG");
        assert_eq!(email.normalized(), "ann.lee+gifts@example.org");
        for ok in [
            "a@b.co",
            "x@mail-1.example.com",
            "o'neil@example.ie",
            "δ@xn--bcher-kva.de",
            "ana@bücher.de",
            "josé@café.example",
            "a.b-c_d@sub.example.co.uk",
        ] {
            assert_eq!(Email::parse(ok).map(|e| e.to_string()), Ok(ok.to_owned()));
        }
        assert_eq!(Email::parse("   "), Err(TextError::Empty));
        let long = format!("a@{}.com", "b".repeat(250));
        assert_eq!(Email::parse(&long), Err(TextError::TooLong { max: 254 }));
        let local_65 = format!("{}@example.com", "a".repeat(65));
        let label_64 = format!("a@{}.com", "b".repeat(64));
        for bad in [
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@@example.com",
            "a@b@example.com",
            "a b@example.com",
            "a\u{0}b@example.com",
            "a@exa mple.com",
            "a@example..com",
            "a@.example.com",
            "a@example.com.",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            // lettre refuses these at send time (issue 17): refused here too.
            "a,b@x.org",
            "a..b@x.org",
            ".a@x.org",
            "a.@x.org",
            "a(b)@x.org",
            "a<b@x.org",
            "Ann <a@x.org>",
            "<a@x.org>",
            "a@x.org>",
            "\"a b\"@x.org",
            "a@[192.0.2.1]",
            "a@192.0.2.1",
            "a@x_y.org",
            &local_65,
            &label_64,
        ] {
            assert_eq!(Email::parse(bad), Err(TextError::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn ascii_addresses_keep_their_normalized_form() {
        for (raw, normal) in [
            ("Ann.Lee@Example.ORG", "ann.lee@example.org"),
            ("o'neil+x@mail-1.EXAMPLE.ie", "o'neil+x@mail-1.example.ie"),
        ] {
            assert_eq!(Email::parse(raw).unwrap().normalized(), normal);
        }
    }

    /// The proof that an accepted internationalised address can be sent to: lettre builds
    /// the message, with the address in `To:` and in the envelope as typed. lettre does not
    /// turn the domain into punycode: over SMTP it asks the server for SMTPUTF8 when an
    /// envelope address is not ASCII (and fails if the server lacks it).
    #[test]
    fn lettre_builds_a_message_to_an_internationalised_address() {
        for raw in ["ana@bücher.de", "ana@xn--bcher-kva.de"] {
            let email = Email::parse(raw).unwrap();
            let to: lettre::message::Mailbox = email.as_str().parse().unwrap();
            let message = lettre::Message::builder()
                .from("Receipts <receipts@example.org>".parse().unwrap())
                .to(to)
                .subject("Thank you")
                .body(String::from("Thank you for your gift."))
                .unwrap();
            let envelope = message.envelope();
            assert_eq!(envelope.to().len(), 1);
            assert_eq!(envelope.to()[0].to_string(), raw);
            assert_eq!(envelope.to()[0].domain().is_ascii(), raw.is_ascii());
            let headers = String::from_utf8(message.formatted()).unwrap();
            assert!(headers.contains("To: "), "{headers}");
        }
    }

    #[test]
    fn envelope_addresses_carry_the_domain_in_ascii() {
        for (typed, envelope) in [
            ("ana@bücher.de", "ana@xn--bcher-kva.de"),
            ("Ana@Bücher.DE", "Ana@xn--bcher-kva.de"),
            ("ana@xn--bcher-kva.de", "ana@xn--bcher-kva.de"),
            ("ana@example.org", "ana@example.org"),
            ("josé@café.example", "josé@xn--caf-dma.example"),
            ("no-at-sign", "no-at-sign"),
        ] {
            assert_eq!(envelope_address(typed), envelope, "{typed}");
        }
        // The envelope form is itself an address this service accepts, and lettre builds a
        // message to it; with an ASCII local part it is all ASCII (no SMTPUTF8 needed).
        let ascii = envelope_address(Email::parse("ana@bücher.de").unwrap().as_str());
        assert!(ascii.is_ascii());
        assert!(Email::parse(&ascii).is_ok());
        let to: lettre::message::Mailbox = ascii.parse().unwrap();
        let message = lettre::Message::builder()
            .from("receipts@example.org".parse().unwrap())
            .to(to)
            .subject("Thank you")
            .body(String::from("Thanks"))
            .unwrap();
        assert!(message.envelope().to()[0].to_string().is_ascii());
    }

    #[test]
    fn email_serde_goes_through_parse() {
        let email: Email = serde_json::from_str("\" A@B.co \"").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"A@B.co\"");
        let err = serde_json::from_str::<Email>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("is not a valid email address"));
    }

    #[test]
    fn person_name_examples() {
        assert_eq!(
            PersonName::parse("  Zoë Ó Dálaigh ").unwrap().as_str(),
            "Zoë Ó Dálaigh"
        );
        assert_eq!(PersonName::parse("李小龍").unwrap().as_str(), "李小龍");
        // 200 multi-byte characters are within the limit even though they
        // are 400 bytes.
        assert!(PersonName::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            PersonName::parse(&"é".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
        assert_eq!(PersonName::parse(" \u{a0} "), Err(TextError::Empty));
        for bad in [
            "Ann\nLee",
            "Ann\tLee",
            "Ann\u{7f}",
            "Ann\n",
            "\r",
            "A\u{2028}B",
            "A\u{85}",
        ] {
            assert_eq!(
                PersonName::parse(bad),
                Err(TextError::ControlCharacters),
                "{bad:?}"
            );
        }
        let name: PersonName = serde_json::from_str("\" Ann \"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"Ann\"");
    }

    #[test]
    fn short_text_examples() {
        let text = ShortText::parse("  First paragraph.\r\n\r\nSecond.\n ", 500).unwrap();
        assert_eq!(text.as_str(), "First paragraph.\n\nSecond.");
        assert_eq!(ShortText::parse(" \n\r\n ", 500), Err(TextError::Empty));
        for bad in ["tab\there", "bell\u{7}", "lone\rcr", "nul\0", "sep\u{2029}"] {
            assert_eq!(
                ShortText::parse(bad, 500),
                Err(TextError::ControlCharacters),
                "{bad:?}"
            );
        }
        let max = ShortText::MAX_COMMENT_CHARS;
        assert!(ShortText::parse(&"a".repeat(max), max).is_ok());
        assert_eq!(
            ShortText::parse(&"a".repeat(max + 1), max),
            Err(TextError::TooLong { max: 500 })
        );
        // "\r\n" counts as one character, like "\n".
        let lines = "ab\r\n".repeat(333);
        assert!(ShortText::parse(&lines, ShortText::MAX_TRIBUTE_CHARS).is_ok());
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            "\"First paragraph.\\n\\nSecond.\""
        );
    }

    #[test]
    fn error_messages_are_sentences() {
        assert_eq!(
            TextError::TooLong { max: 200 }.to_string(),
            "must be at most 200 characters"
        );
        assert_eq!(
            TextError::ControlCharacters.to_string(),
            "must not contain control characters"
        );
        assert_eq!(
            TextError::InvalidEmail.to_string(),
            "is not a valid email address"
        );
    }

    fn control_char() -> impl Strategy<Value = char> {
        prop_oneof![0_u32..=0x1f, 0x7f_u32..=0x9f, 0x2028_u32..=0x2029]
            .prop_map(|c| char::from_u32(c).unwrap())
    }

    proptest! {
        #[test]
        fn parsers_never_panic(input in any::<String>(), max in 0_usize..1200) {
            let _ = Slug::parse(&input);
            let _ = Email::parse(&input);
            let _ = PersonName::parse(&input);
            let _ = ShortText::parse(&input, max);
        }

        #[test]
        fn accepted_slugs_reparse_to_themselves(input in "[a-z0-9-]{1,70}") {
            if let Ok(slug) = Slug::parse(&input) {
                prop_assert_eq!(slug.as_str(), input.as_str());
                prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
            }
        }

        #[test]
        fn well_formed_slugs_are_accepted(input in "[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,6}") {
            prop_assert!(Slug::parse(&input).is_ok());
        }

        #[test]
        fn names_with_control_characters_are_rejected(
            text in any::<String>(),
            control in control_char(),
            at in any::<prop::sample::Index>(),
        ) {
            let mut chars: Vec<char> = text.chars().collect();
            chars.insert(at.index(chars.len() + 1), control);
            let input: String = chars.into_iter().collect();
            prop_assert_eq!(PersonName::parse(&input), Err(TextError::ControlCharacters));
        }

        #[test]
        fn accepted_text_is_trimmed_and_bounded(input in any::<String>(), max in 1_usize..50) {
            if let Ok(name) = PersonName::parse(&input) {
                prop_assert_eq!(name.as_str(), name.as_str().trim());
                prop_assert!(!name.as_str().is_empty());
            }
            if let Ok(text) = ShortText::parse(&input, max) {
                prop_assert!(text.as_str().chars().count() <= max);
                prop_assert!(!text.as_str().contains('\r'));
            }
        }

        /// Whatever mix of address punctuation comes in, an accepted address builds a message.
        #[test]
        fn accepted_emails_can_be_sent_to(
            input in "[a-z.,;:()<>\"\\\\\\[\\] +'ü-]{1,12}@[a-zü.,\\[\\]_-]{1,12}\\.org",
        ) {
            if let Ok(email) = Email::parse(&input) {
                let to: lettre::message::Mailbox = email.as_str().parse().unwrap();
                let built = lettre::Message::builder()
                    .from("receipts@example.org".parse().unwrap())
                    .to(to)
                    .subject("Thank you")
                    .body(String::from("Thanks"));
                prop_assert!(built.is_ok(), "{input:?}");
            }
        }

        #[test]
        fn accepted_emails_have_one_at_and_reparse(input in "[a-zA-Z0-9.+_-]{1,20}@[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,10}){1,3}") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(email.as_str().matches('@').count(), 1);
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            }
        }
    }
}
