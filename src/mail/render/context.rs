//! What rendering needs beyond the records: the organizations (a campaign's emails are its
//! organization's), the public address and the key of self-service links.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, Organization};

/// What rendering needs beyond the records.
#[derive(Clone)]
pub struct MailContext {
    /// The default organization (`ORG_*`): staff emails and anything of no campaign.
    pub org: Organization,
    /// The other organizations (`ORGANIZATIONS`): a campaign's emails are its organization's.
    pub others: Vec<Organization>,
    pub public_base_url: String,
    pub link_secret: Arc<[u8]>,
    pub link_ttl: Duration,
}

impl MailContext {
    pub fn new(config: &Config, link_secret: Arc<[u8]>) -> Self {
        Self {
            org: config.org.clone(),
            others: config.organizations.iter().map(|o| o.org.clone()).collect(),
            public_base_url: config.public_base_url.clone(),
            link_secret,
            link_ttl: config.manage_link_ttl,
        }
    }

    /// The organization of slug `slug`; the default one for a slug no longer configured (its
    /// name is better than none on a receipt).
    pub fn org_of(&self, slug: &str) -> &Organization {
        self.others
            .iter()
            .find(|o| o.slug == slug)
            .unwrap_or(&self.org)
    }
}
