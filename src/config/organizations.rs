//! The organizations besides the default one (`ORG_*`, `STRIPE_*`): `ORGANIZATIONS` lists their
//! slugs (`action,fund`), and each slug's variables describe it: `ORG_<SLUG>_NAME` (required),
//! `ORG_<SLUG>_ADDRESS`, `ORG_<SLUG>_EIN`, `ORG_<SLUG>_TIMEZONE` (default: `ORG_TIMEZONE`),
//! `ORG_<SLUG>_TAX_STATUS` (`501c3`, `501c4` or `other`; default `501c3`),
//! `ORG_<SLUG>_RECEIPT_WORDING`, `ORG_<SLUG>_STRIPE_SECRET_KEY` and
//! `ORG_<SLUG>_STRIPE_WEBHOOK_SECRET` (both or neither; both required when the deployment uses
//! Stripe; in sandbox mode the organization uses the sandbox too and the secret key is not
//! used), `ORG_<SLUG>_STRIPE_API_BASE` (tests). `<SLUG>` is the slug in capitals, `-` as `_`.
//! The default organization's own `ORG_TAX_STATUS` and `ORG_RECEIPT_WORDING` are read here too.

use super::mail::Organization;
use super::payments::PaymentsMode;
use super::values::{api_base, is_ein, webhook_secrets};
use super::{ConfigError, err};
use crate::domain::organization::{DEFAULT_ORG, TaxStatus, is_slug};
use crate::domain::zone::Zone;

/// An organization of `ORGANIZATIONS`, with its own Stripe account.
#[derive(Clone)]
pub struct ExtraOrganization {
    pub org: Organization,
    pub payments: PaymentsMode,
    /// Verify `/webhooks/stripe/{slug}`.
    pub webhook_secrets: Vec<String>,
    pub stripe_api_base: Option<String>,
}

impl std::fmt::Debug for ExtraOrganization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraOrganization")
            .field("org", &self.org)
            .field("payments", &self.payments)
            .field(
                "webhook_secrets",
                &format!("<{} redacted>", self.webhook_secrets.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A variable's name made at start-up (`ORG_ACTION_NAME`): kept for the process's life, as
/// [`ConfigError`] names variables by `&'static str`.
fn name_of(slug: &str, suffix: &str) -> &'static str {
    let upper = slug.to_ascii_uppercase().replace('-', "_");
    Box::leak(format!("ORG_{upper}_{suffix}").into_boxed_str())
}

/// `ORG_TAX_STATUS` (or `ORG_<SLUG>_TAX_STATUS`): 501c3 unless set.
fn tax_status(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<TaxStatus, ConfigError> {
    var(name)
        .map(|v| v.parse::<TaxStatus>().map_err(|d| err(name, d)))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Free text of at most 500 characters.
fn wording(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match var(name) {
        Some(v) if v.chars().count() > 500 => Err(err(name, "must be at most 500 characters")),
        v => Ok(v),
    }
}

/// The default organization's tax status and receipt wording.
pub(super) fn default_terms(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<(TaxStatus, Option<String>), ConfigError> {
    Ok((
        tax_status(var, "ORG_TAX_STATUS")?,
        wording(var, "ORG_RECEIPT_WORDING")?,
    ))
}

/// The organizations of `ORGANIZATIONS`; `deployment` is the default organization's payments
/// (an extra one uses the sandbox when it does), `default_zone` its time zone.
pub(super) fn from_vars(
    var: &impl Fn(&str) -> Option<String>,
    deployment: &PaymentsMode,
    default_secrets: &[String],
    default_zone: &Zone,
) -> Result<Vec<ExtraOrganization>, ConfigError> {
    let Some(list) = var("ORGANIZATIONS") else {
        return Ok(Vec::new());
    };
    let mut orgs: Vec<ExtraOrganization> = Vec::new();
    for slug in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !is_slug(slug) {
            return Err(err(
                "ORGANIZATIONS",
                format!(
                    "{slug:?} is not a slug (lowercase letters, digits and -, starting with a \
                     letter, at most 32)"
                ),
            ));
        }
        if slug == DEFAULT_ORG || orgs.iter().any(|o| o.org.slug == slug) {
            return Err(err(
                "ORGANIZATIONS",
                format!("{slug:?} is named twice (\"default\" is the ORG_* organization)"),
            ));
        }
        orgs.push(one(var, slug, deployment, default_secrets, default_zone)?);
    }
    Ok(orgs)
}

fn one(
    var: &impl Fn(&str) -> Option<String>,
    slug: &str,
    deployment: &PaymentsMode,
    default_secrets: &[String],
    default_zone: &Zone,
) -> Result<ExtraOrganization, ConfigError> {
    let name_var = name_of(slug, "NAME");
    let name =
        var(name_var).ok_or_else(|| err(name_var, "is required for each of ORGANIZATIONS"))?;
    let ein_var = name_of(slug, "EIN");
    let ein = match var(ein_var) {
        None => None,
        Some(v) if is_ein(&v) => Some(v),
        Some(_) => return Err(err(ein_var, "must be an EIN such as 12-3456789")),
    };
    let zone_var = name_of(slug, "TIMEZONE");
    let zone = match var(zone_var) {
        None => default_zone.clone(),
        Some(v) => Zone::parse(&v).map_err(|e| err(zone_var, e.to_string()))?,
    };
    let org = Organization {
        slug: slug.to_string(),
        name,
        address: var(name_of(slug, "ADDRESS")).unwrap_or_default(),
        ein,
        zone,
        tax_status: tax_status(var, name_of(slug, "TAX_STATUS"))?,
        receipt_wording: wording(var, name_of(slug, "RECEIPT_WORDING"))?,
    };
    let key_var = name_of(slug, "STRIPE_SECRET_KEY");
    let secret_var = name_of(slug, "STRIPE_WEBHOOK_SECRET");
    let key = var(key_var);
    let secrets = webhook_secrets(var, secret_var)?;
    let payments = match (&key, secrets.is_empty()) {
        (Some(_), true) => return Err(err(secret_var, format!("is required with {key_var}"))),
        (None, false) => return Err(err(key_var, format!("is required with {secret_var}"))),
        (None, true) if !deployment.is_sandbox() => {
            return Err(err(
                key_var,
                "is required when STRIPE_SECRET_KEY is set (each organization has its own \
                 Stripe account)",
            ));
        }
        (_, _) if deployment.is_sandbox() => PaymentsMode::Sandbox,
        (Some(k), false) => {
            let live = k.starts_with("sk_live_") || k.starts_with("rk_live_");
            let test = k.starts_with("sk_test_") || k.starts_with("rk_test_");
            if !(live || test) {
                return Err(err(
                    key_var,
                    "must be a Stripe secret key (sk_test_..., sk_live_...)",
                ));
            }
            if live != deployment.is_live() {
                return Err(err(
                    key_var,
                    "must be in the same mode (live or test) as STRIPE_SECRET_KEY",
                ));
            }
            PaymentsMode::Stripe {
                secret_key: k.clone(),
                live,
            }
        }
        (None, true) => PaymentsMode::Sandbox,
    };
    let webhook_secrets = if secrets.is_empty() {
        default_secrets.to_vec()
    } else {
        secrets
    };
    let stripe_api_base = api_base(var, name_of(slug, "STRIPE_API_BASE"))?;
    Ok(ExtraOrganization {
        org,
        payments,
        webhook_secrets,
        stripe_api_base,
    })
}
