//! A campaign (its goal, dates, fee rate and display settings) and its progress aggregate: the
//! figures a progress bar shows, kept as sums so that a read is one row.

use serde::Serialize;

use crate::domain::donation::PaymentMethod;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub fee_percent: String,
    pub fee_fixed_minor: i64,
    pub status: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// The public donor wall leaves amounts out.
    pub hide_amounts: bool,
    /// The smallest gift accepted, in minor units.
    pub min_gift_minor: i64,
    /// Donors may pay from a US bank account (ACH Direct Debit) besides cards.
    pub bank_debit: bool,
    /// Membership dues per year, in minor units: a gift to the campaign must be at least this
    /// (monthly: a twelfth, rounded up) and makes its donor a member (`domain::membership`).
    /// `None`: the campaign takes gifts, not dues.
    pub membership_dues_minor: Option<i64>,
    /// Receipts of dues say they are not tax-deductible (dues to a 501(c)(3) may well be, so
    /// this is the nonprofit's call).
    pub dues_not_deductible: bool,
    /// The organization it belongs to (`domain::organization`): its name, tax status and
    /// Stripe account are the campaign's.
    pub organization: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[cfg(test)]
impl Campaign {
    /// A USD campaign with the standard 2.9% + 30¢ fee, for unit tests.
    pub(crate) fn sample(slug: &str, name: &str, goal_minor: i64) -> Campaign {
        Campaign {
            id: 1,
            slug: slug.into(),
            name: name.into(),
            description: String::new(),
            currency: "usd".into(),
            goal_minor,
            starts_at: None,
            ends_at: None,
            fee_percent: "2.9".into(),
            fee_fixed_minor: 30,
            status: "active".into(),
            success_url: None,
            cancel_url: None,
            hide_amounts: false,
            min_gift_minor: 100,
            bank_debit: false,
            membership_dues_minor: None,
            dues_not_deductible: false,
            organization: super::organization::DEFAULT_ORG.into(),
            created_at: 0,
            updated_at: 0,
        }
    }
}

/// Display settings of a campaign, apart from [`CampaignFields`] so that code building those
/// fields (the CLI, benches, tests) keeps compiling as settings are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignOptions {
    pub hide_amounts: bool,
    /// The smallest gift accepted, in minor units (card testers try tiny amounts).
    pub min_gift_minor: i64,
    /// Offer US bank accounts (ACH Direct Debit) beside cards; USD campaigns only.
    pub bank_debit: bool,
    /// Membership dues per year in minor units; `None`: not a membership campaign.
    pub membership_dues_minor: Option<i64>,
    /// Receipts of dues say they are not tax-deductible.
    pub dues_not_deductible: bool,
}

/// A campaign's smallest gift unless staff set one: 100 minor units ($1.00).
pub const DEFAULT_MIN_GIFT_MINOR: i64 = 100;

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions {
            hide_amounts: false,
            min_gift_minor: DEFAULT_MIN_GIFT_MINOR,
            bank_debit: false,
            membership_dues_minor: None,
            dues_not_deductible: false,
        }
    }
}

/// The fields of a campaign that staff set; `id` and times are the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub goal_minor: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub fee_percent: String,
    pub fee_fixed_minor: i64,
    pub status: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
}

impl Campaign {
    pub fn fields(&self) -> CampaignFields {
        CampaignFields {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            currency: self.currency.clone(),
            goal_minor: self.goal_minor,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            fee_percent: self.fee_percent.clone(),
            fee_fixed_minor: self.fee_fixed_minor,
            status: self.status.clone(),
            success_url: self.success_url.clone(),
            cancel_url: self.cancel_url.clone(),
        }
    }

    /// Whether the campaign takes gifts at `now`: active, and inside its dates when it has them.
    pub fn accepts_gifts(&self, now: i64) -> bool {
        self.status == "active"
            && self.starts_at.is_none_or(|s| now >= s)
            && self.ends_at.is_none_or(|e| now < e)
    }

    /// The ways a donor may pay: always by card, and from a US bank account where offered.
    pub fn payment_methods(&self) -> Vec<PaymentMethod> {
        let mut m = vec![PaymentMethod::Card];
        if self.bank_debit {
            m.push(PaymentMethod::UsBankAccount);
        }
        m
    }

    pub fn options(&self) -> CampaignOptions {
        CampaignOptions {
            hide_amounts: self.hide_amounts,
            min_gift_minor: self.min_gift_minor,
            bank_debit: self.bank_debit,
            membership_dues_minor: self.membership_dues_minor,
            dues_not_deductible: self.dues_not_deductible,
        }
    }
}

/// The stored aggregate. Recurring value is kept as two sums so that the monthly figure
/// (monthly + annual / 12) is rounded once, at read time, not once per plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub raised_minor: i64,
    pub gifts: i64,
    pub donors: i64,
    pub recurring_active: i64,
    pub recurring_monthly_gift_minor: i64,
    pub recurring_annual_gift_minor: i64,
}

impl Progress {
    /// Adds `d`, saturating: no stored figure can make this overflow (amounts in are bounded,
    /// `domain::money::AmountBounds`; this only keeps a corrupt row from panicking a read).
    pub fn add(&mut self, d: &Progress) {
        self.raised_minor = self.raised_minor.saturating_add(d.raised_minor);
        self.gifts = self.gifts.saturating_add(d.gifts);
        self.donors = self.donors.saturating_add(d.donors);
        self.recurring_active = self.recurring_active.saturating_add(d.recurring_active);
        self.recurring_monthly_gift_minor = self
            .recurring_monthly_gift_minor
            .saturating_add(d.recurring_monthly_gift_minor);
        self.recurring_annual_gift_minor = self
            .recurring_annual_gift_minor
            .saturating_add(d.recurring_annual_gift_minor);
    }
    /// `self − other`, figure by figure (saturating).
    pub fn minus(&self, other: &Progress) -> Progress {
        Progress {
            raised_minor: self.raised_minor.saturating_sub(other.raised_minor),
            gifts: self.gifts.saturating_sub(other.gifts),
            donors: self.donors.saturating_sub(other.donors),
            recurring_active: self.recurring_active.saturating_sub(other.recurring_active),
            recurring_monthly_gift_minor: self
                .recurring_monthly_gift_minor
                .saturating_sub(other.recurring_monthly_gift_minor),
            recurring_annual_gift_minor: self
                .recurring_annual_gift_minor
                .saturating_sub(other.recurring_annual_gift_minor),
        }
    }
    pub fn is_zero(&self) -> bool {
        *self == Progress::default()
    }
}
