-- Supporter pages (peer-to-peer fundraising, issue 14 item 1).
--
-- A supporter's page under a campaign, reached at /donate/{campaign}/f/{slug}. Its owner signs
-- up with an email address and manages the page through a signed link emailed to it (no
-- password is kept). `review` is staff's decision: 'pending', 'approved' or 'hidden'; a page is
-- public once its owner confirmed the address (`confirmed_at`) and, where the campaign asks for
-- review, staff approved it (src/domain/fundraiser.rs).
CREATE TABLE fundraisers (
    id            TEXT   PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES campaigns (id),
    slug          TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    title         TEXT   NOT NULL DEFAULT '',
    story         TEXT   NOT NULL DEFAULT '',
    goal_minor    BIGINT NOT NULL,
    owner_email   TEXT   NOT NULL,
    owner_key     TEXT   NOT NULL,
    review        TEXT   NOT NULL DEFAULT 'pending',
    confirmed_at  BIGINT,
    reviewed_at   BIGINT,
    reviewed_by   TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (campaign_id, slug)
);
CREATE INDEX fundraisers_owner ON fundraisers (owner_key);

-- A gift made on a supporter's page names it; it counts toward the page and its campaign.
ALTER TABLE donations ADD COLUMN fundraiser_id TEXT REFERENCES fundraisers (id);
CREATE INDEX donations_fundraiser ON donations (fundraiser_id, created_at)
    WHERE fundraiser_id IS NOT NULL;

-- Each page's figures, kept like a campaign's (migration 0011): spread over rows chosen by
-- donation, moved by the ledger in the transaction that recomputes the donation, summed by a read.
CREATE TABLE fundraiser_progress (
    fundraiser_id                TEXT   NOT NULL REFERENCES fundraisers (id),
    shard                        INTEGER NOT NULL DEFAULT 0,
    raised_minor                 BIGINT NOT NULL DEFAULT 0,
    gifts                        BIGINT NOT NULL DEFAULT 0,
    donors                       BIGINT NOT NULL DEFAULT 0,
    recurring_active             BIGINT NOT NULL DEFAULT 0,
    recurring_monthly_gift_minor BIGINT NOT NULL DEFAULT 0,
    recurring_annual_gift_minor  BIGINT NOT NULL DEFAULT 0,
    updated_at                   BIGINT NOT NULL,
    PRIMARY KEY (fundraiser_id, shard)
);

-- How many counted donations each donor has per page (`donors` counts keys above zero), as
-- campaign_donors does for campaigns.
CREATE TABLE fundraiser_donors (
    fundraiser_id     TEXT   NOT NULL REFERENCES fundraisers (id),
    donor_key         TEXT   NOT NULL,
    counted_donations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (fundraiser_id, donor_key)
);

-- Whether a campaign takes supporter pages: 'review' (staff approve each; the default when a
-- campaign has no row), 'open' (public once the owner confirms) or 'off' (no new pages).
CREATE TABLE campaign_fundraising (
    campaign_id  BIGINT PRIMARY KEY REFERENCES campaigns (id),
    pages        TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Each email sent to a supporter's address on request (a sign-up's welcome, fresh links), so
-- that the emails one address is sent can be limited (FUNDRAISER_RATE_PER_EMAIL). The email of
-- a links request is rendered from its row when sent; no link is stored.
CREATE TABLE fundraiser_link_requests (
    id          TEXT   PRIMARY KEY,
    owner_key   TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX fundraiser_link_requests_owner ON fundraiser_link_requests (owner_key, created_at);
