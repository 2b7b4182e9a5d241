//! Supporter pages (peer-to-peer fundraising): a supporter's own page under a campaign, with
//! their name, a title, a plain-text story and a personal goal, that gifts can be made on. Such
//! a gift counts toward the page and toward its campaign, by the one progress rule
//! (`domain::contribution`); the page's figures are kept beside the campaign's
//! (`services::ledger::fundraiser`).
//!
//! Who may see a page is decided here, once: its owner must have confirmed their address (by
//! the emailed link), staff must not have hidden it, and where the campaign asks for review
//! ([`PagePolicy::Review`], the default) staff must have approved it. Gifts are taken only on a
//! page anyone may see.

use serde::Serialize;

use crate::domain::field_error::{FieldError, Reason};
use crate::domain::money::{Currency, Money};
use crate::domain::text::{Email, PersonName, ShortText, Slug, looks_like_contact};

/// A supporter's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fundraiser {
    /// `fr_<uuid>`: never shown to the public (the slug is).
    pub id: String,
    pub campaign_id: i64,
    /// The page's address under its campaign: `/donate/{campaign}/f/{slug}`. Never changes, so
    /// that links already shared keep working.
    pub slug: String,
    /// The supporter's name as the page shows it.
    pub name: String,
    /// A headline; empty: the page says "{name} is raising money for {campaign}".
    pub title: String,
    /// Plain text (paragraphs separated by blank lines); no markup, no pictures.
    pub story: String,
    /// The supporter's own goal, in the campaign's currency (minor units).
    pub goal_minor: i64,
    /// Where the page's links are sent, as the supporter typed it; never shown to the public.
    pub owner_email: String,
    /// `owner_email` lowercased (how the owner's pages are found).
    pub owner_key: String,
    pub review: Review,
    /// When the owner first used the emailed link (proving the address is theirs).
    pub confirmed_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    /// The staff member who last approved or hid the page.
    pub reviewed_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The language the page was started in (a tag such as `en` or `es`): the emails about it
    /// are written in it, and its owner's page is shown in it unless they choose another.
    pub language: String,
}

/// A request for fresh links to an owner's pages, as recorded: whose pages (the lowercased
/// address) and the language of the page it was asked on, which the email is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLinkRequest {
    pub owner_key: String,
    pub language: String,
}

/// Staff's decision about a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Not looked at yet.
    Pending,
    Approved,
    /// Taken down: the page answers 404 and takes no gifts; its gifts still count.
    Hidden,
}

impl Review {
    pub const ALL: [Review; 3] = [Review::Pending, Review::Approved, Review::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Approved => "approved",
            Review::Hidden => "hidden",
        }
    }
}

impl std::str::FromStr for Review {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Review::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown review {s:?}"))
    }
}

/// Whether a campaign takes supporter pages, and how they go public.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PagePolicy {
    /// New pages go public once staff approve them (the default: a supporter's page speaks for
    /// the nonprofit's cause).
    #[default]
    Review,
    /// New pages go public as soon as their owner confirms the address; staff may hide them.
    Open,
    /// No new pages. Pages already public stay so until staff hide them.
    Off,
}

impl PagePolicy {
    pub const ALL: [PagePolicy; 3] = [PagePolicy::Review, PagePolicy::Open, PagePolicy::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            PagePolicy::Review => "review",
            PagePolicy::Open => "open",
            PagePolicy::Off => "off",
        }
    }

    /// Whether supporters may start new pages.
    pub fn takes_sign_ups(self) -> bool {
        self != PagePolicy::Off
    }

    /// Whether staff look at each new page before it goes public.
    pub fn needs_review(self) -> bool {
        !self.public_reviews().contains(&Review::Pending)
    }

    /// The reviews under which a confirmed page is public.
    pub fn public_reviews(self) -> &'static [Review] {
        match self {
            PagePolicy::Open => &[Review::Approved, Review::Pending],
            PagePolicy::Review | PagePolicy::Off => &[Review::Approved],
        }
    }
}

impl std::str::FromStr for PagePolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PagePolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown page policy {s:?}"))
    }
}

/// Where a page stands, as its owner and staff are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The owner has not used the emailed link yet.
    Unconfirmed,
    /// Confirmed, waiting for staff.
    AwaitingReview,
    /// Anyone may see it and give through it.
    Public,
    Hidden,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Unconfirmed => "unconfirmed",
            Standing::AwaitingReview => "awaiting_review",
            Standing::Public => "public",
            Standing::Hidden => "hidden",
        }
    }
}

impl Fundraiser {
    /// Where the page stands under its campaign's `policy`.
    pub fn standing(&self, policy: PagePolicy) -> Standing {
        if self.review == Review::Hidden {
            Standing::Hidden
        } else if self.confirmed_at.is_none() {
            Standing::Unconfirmed
        } else if policy.public_reviews().contains(&self.review) {
            Standing::Public
        } else {
            Standing::AwaitingReview
        }
    }

    /// Whether anyone may see the page and give through it.
    pub fn is_public(&self, policy: PagePolicy) -> bool {
        self.standing(policy) == Standing::Public
    }

    /// Whether the owner changed the page since staff last approved it (staff may want to look
    /// again: an edit does not take an approved page down).
    pub fn edited_since_review(&self) -> bool {
        self.review == Review::Approved && self.reviewed_at.is_some_and(|r| self.updated_at > r)
    }
}

/// What a supporter writes on their page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFields {
    pub name: String,
    pub title: String,
    pub story: String,
    pub goal_minor: i64,
}

/// The page as typed (a form or JSON), before it is checked.
#[derive(Debug, Clone, Default)]
pub struct PageInput<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub story: &'a str,
    /// In major units: "500", "500.00".
    pub goal: &'a str,
}

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_STORY_CHARS: usize = 5000;

/// Checks a page's fields for a campaign in `currency` whose smallest gift is `min_minor` and
/// whose goal is `campaign_goal_minor`: a personal goal is at least one smallest gift and at
/// most the campaign's goal. Each error names its field.
pub fn parse_page(
    input: &PageInput<'_>,
    currency: Currency,
    min_minor: i64,
    campaign_goal_minor: i64,
) -> Result<PageFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = match PersonName::parse(input.name) {
        Ok(n) if looks_like_contact(n.as_str()) => {
            errors.push(
                FieldError::new(
                    "name",
                    "must be a name (the page is public), not an email address or phone number",
                )
                .because(Reason::new("name_is_contact")),
            );
            None
        }
        Ok(n) => Some(n.as_str().to_string()),
        Err(e) => {
            errors.push(FieldError::new("name", e.to_string()).because(e.reason()));
            None
        }
    };
    let title = match input.title.trim() {
        "" => Some(String::new()),
        t if t.contains(['\n', '\r']) => {
            errors.push(
                FieldError::new("title", "must be on one line")
                    .because(Reason::new("not_one_line")),
            );
            None
        }
        t => ShortText::parse(t, MAX_TITLE_CHARS)
            .map(|t| t.as_str().to_string())
            .map_err(|e| errors.push(FieldError::new("title", e.to_string()).because(e.reason())))
            .ok(),
    };
    let story = match input.story.trim() {
        "" => Some(String::new()),
        s => ShortText::parse(s, MAX_STORY_CHARS)
            .map(|s| s.as_str().to_string())
            .map_err(|e| errors.push(FieldError::new("story", e.to_string()).because(e.reason())))
            .ok(),
    };
    let most = campaign_goal_minor.max(min_minor);
    let goal = match Money::parse(input.goal, currency, most) {
        Ok(m) if m.minor() < min_minor => {
            let min = crate::domain::money::format_major(min_minor, currency);
            errors.push(
                FieldError::new("goal", format!("must be at least {min}"))
                    .because(Reason::new("below_minimum").with("min", min)),
            );
            None
        }
        Ok(m) => Some(m.minor()),
        Err(e) => {
            errors.push(FieldError::new("goal", e.to_string()).because(e.reason()));
            None
        }
    };
    match (name, title, story, goal) {
        (Some(name), Some(title), Some(story), Some(goal_minor)) if errors.is_empty() => {
            Ok(PageFields {
                name,
                title,
                story,
                goal_minor,
            })
        }
        _ => Err(errors),
    }
}

/// The owner's address, checked as every address the service mails is.
pub fn parse_owner(email: &str) -> Result<Email, FieldError> {
    Email::parse(email).map_err(|e| FieldError::new("email", e.to_string()).because(e.reason()))
}

/// A slug the supporter asked for: a valid slug of at most [`MAX_SLUG_CHARS`].
pub fn parse_slug(v: &str) -> Result<String, FieldError> {
    let v = v.trim();
    if v.chars().count() > MAX_SLUG_CHARS {
        return Err(FieldError::new(
            "slug",
            format!("must be at most {MAX_SLUG_CHARS} characters"),
        )
        .because(Reason::new("too_long").with("max", MAX_SLUG_CHARS)));
    }
    Slug::parse(v)
        .map(|s| s.as_str().to_string())
        .map_err(|e| FieldError::new("slug", e.to_string()).because(e.reason()))
}

/// Page slugs are shorter than campaigns' (a share link should fit a text message).
pub const MAX_SLUG_CHARS: usize = 40;

/// A slug made from a name: lowercase ASCII letters and digits, words joined by single hyphens,
/// Latin accents dropped ("María José Núñez" → `maria-jose-nunez`), at most
/// [`MAX_SLUG_CHARS`] (cut at a word). `None` when nothing is left (a name in another script):
/// the caller picks one.
pub fn slug_from_name(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        match fold(c) {
            Some(a) => {
                if gap && !out.is_empty() {
                    out.push('-');
                }
                gap = false;
                out.push_str(a);
            }
            None => gap = true,
        }
    }
    while out.len() > MAX_SLUG_CHARS {
        match out.rfind('-') {
            Some(i) => out.truncate(i),
            None => out.truncate(MAX_SLUG_CHARS),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A lowercase character as slug text: itself if an ASCII letter or digit, its base letter if
/// an accented Latin one, nothing otherwise.
fn fold(c: char) -> Option<&'static str> {
    const ASCII: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    if c.is_ascii_alphanumeric() {
        let i = ASCII.find(c)?;
        return Some(&ASCII[i..=i]);
    }
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// The `n`th slug to try for a page whose preferred slug is `base` (0: `base` itself; then
/// `base-2`, `base-3`, ...), cut so that it stays within [`MAX_SLUG_CHARS`].
pub fn nth_slug(base: &str, n: u32) -> String {
    if n == 0 {
        return base.to_string();
    }
    let suffix = format!("-{}", n + 1);
    let keep = MAX_SLUG_CHARS.saturating_sub(suffix.len());
    let mut stem = base[..base.len().min(keep)]
        .trim_end_matches('-')
        .to_string();
    if stem.is_empty() {
        stem.push('f');
    }
    stem + &suffix
}

/// The page's headline: its title, or "{name} is raising money for {campaign}" in the
/// template's words when it has none (`None` here).
pub fn headline(f: &Fundraiser) -> Option<&str> {
    (!f.title.trim().is_empty()).then_some(f.title.as_str())
}

/// The story's paragraphs: split at blank lines, each paragraph's lines kept.
pub fn paragraphs(story: &str) -> Vec<Vec<String>> {
    story
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(review: Review, confirmed: bool) -> Fundraiser {
        Fundraiser {
            id: "fr_1".into(),
            campaign_id: 1,
            slug: "ana".into(),
            name: "Ana".into(),
            title: String::new(),
            story: String::new(),
            goal_minor: 50_000,
            owner_email: "Ana@example.org".into(),
            owner_key: "ana@example.org".into(),
            review,
            confirmed_at: confirmed.then_some(10),
            reviewed_at: None,
            reviewed_by: None,
            created_at: 5,
            updated_at: 5,
            language: "en".into(),
        }
    }

    #[test]
    fn a_page_is_public_once_confirmed_and_approved_where_review_is_asked() {
        use Standing::*;
        for (review, confirmed, policy, want) in [
            (Review::Pending, false, PagePolicy::Review, Unconfirmed),
            (Review::Pending, false, PagePolicy::Open, Unconfirmed),
            (Review::Approved, false, PagePolicy::Review, Unconfirmed),
            (Review::Pending, true, PagePolicy::Review, AwaitingReview),
            (Review::Pending, true, PagePolicy::Open, Public),
            (Review::Pending, true, PagePolicy::Off, AwaitingReview),
            (Review::Approved, true, PagePolicy::Review, Public),
            (Review::Approved, true, PagePolicy::Off, Public),
            (Review::Hidden, true, PagePolicy::Open, Hidden),
            (Review::Hidden, false, PagePolicy::Review, Hidden),
        ] {
            let f = page(review, confirmed);
            assert_eq!(
                f.standing(policy),
                want,
                "{review:?} {confirmed} {policy:?}"
            );
            assert_eq!(f.is_public(policy), want == Public);
        }
        assert!(PagePolicy::Open.takes_sign_ups() && !PagePolicy::Off.takes_sign_ups());
        assert!(PagePolicy::Review.needs_review() && !PagePolicy::Open.needs_review());
        assert_eq!(PagePolicy::default(), PagePolicy::Review);
        for p in PagePolicy::ALL {
            assert_eq!(p.as_str().parse::<PagePolicy>(), Ok(p));
        }
        for r in Review::ALL {
            assert_eq!(r.as_str().parse::<Review>(), Ok(r));
        }
        assert!("later".parse::<Review>().is_err());
    }

    #[test]
    fn an_edit_after_approval_is_noticed() {
        let mut f = page(Review::Approved, true);
        f.reviewed_at = Some(20);
        f.updated_at = 20;
        assert!(!f.edited_since_review());
        f.updated_at = 21;
        assert!(f.edited_since_review());
        f.review = Review::Hidden;
        assert!(!f.edited_since_review());
    }

    #[test]
    fn slugs_come_from_names() {
        assert_eq!(
            slug_from_name("María José Núñez").as_deref(),
            Some("maria-jose-nunez")
        );
        assert_eq!(
            slug_from_name("  Ana   Pérez-Ruiz! ").as_deref(),
            Some("ana-perez-ruiz")
        );
        assert_eq!(slug_from_name("O'Neil").as_deref(), Some("o-neil"));
        assert_eq!(slug_from_name("Straße 5").as_deref(), Some("strasse-5"));
        assert_eq!(slug_from_name("李小龍"), None);
        assert_eq!(slug_from_name("---"), None);
        let long = slug_from_name(&"word ".repeat(20)).unwrap();
        assert!(
            long.len() <= MAX_SLUG_CHARS && !long.ends_with('-'),
            "{long}"
        );
        assert_eq!(
            slug_from_name(&"x".repeat(60)).unwrap(),
            "x".repeat(MAX_SLUG_CHARS)
        );
        for name in ["María José Núñez", "Ana", &"word ".repeat(20), "Ça va 2026"] {
            let s = slug_from_name(name).unwrap();
            assert!(parse_slug(&s).is_ok(), "{s}");
        }
        assert_eq!(nth_slug("ana", 0), "ana");
        assert_eq!(nth_slug("ana", 1), "ana-2");
        let cut = nth_slug(&"x".repeat(MAX_SLUG_CHARS), 11);
        assert_eq!(cut.len(), MAX_SLUG_CHARS);
        assert!(cut.ends_with("-12") && parse_slug(&cut).is_ok(), "{cut}");
    }

    #[test]
    fn page_fields_are_checked_and_each_error_named() {
        let ok = PageInput {
            name: " Ana Pérez ",
            title: "Ana runs for the coalition",
            story: "Line one\r\nline two\r\n\r\nSecond paragraph.",
            goal: "500",
        };
        let f = parse_page(&ok, Currency::USD, 100, 10_000_000).unwrap();
        assert_eq!(f.name, "Ana Pérez");
        assert_eq!(f.goal_minor, 50_000);
        assert_eq!(
            paragraphs(&f.story),
            vec![
                vec!["Line one".to_string(), "line two".to_string()],
                vec!["Second paragraph.".to_string()]
            ]
        );
        let bad = PageInput {
            name: "ana@example.org",
            title: "two\nlines",
            story: &"x".repeat(MAX_STORY_CHARS + 1),
            goal: "0.50",
        };
        let errors = parse_page(&bad, Currency::USD, 100, 10_000_000).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["name", "title", "story", "goal"]);
        // A personal goal is at most the campaign's.
        let big = PageInput {
            goal: "100001",
            ..ok.clone()
        };
        let errors = parse_page(&big, Currency::USD, 100, 10_000_000).unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("goal"));
        let empty = PageInput {
            title: "",
            story: "",
            ..ok
        };
        let f = parse_page(&empty, Currency::USD, 100, 10_000_000).unwrap();
        assert_eq!((f.title.as_str(), f.story.as_str()), ("", ""));
        assert!(parse_slug("Ana").is_err() && parse_slug(&"a".repeat(41)).is_err());
        assert!(parse_owner("not an address").is_err());
    }
}
