-- SQLite schema. Same tables and columns as migrations/postgres; money is INTEGER minor units
-- beside a currency code; times are unix seconds.

CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    slug            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    currency        TEXT    NOT NULL,
    goal_minor      INTEGER NOT NULL,
    starts_at       INTEGER,
    ends_at         INTEGER,
    fee_percent     TEXT    NOT NULL,
    fee_fixed_minor INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'active',
    success_url     TEXT,
    cancel_url      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The per-campaign aggregate behind public progress: updated in the same transaction as every
-- change that moves it, so a progress read never scans donations.
CREATE TABLE campaign_progress (
    campaign_id                  INTEGER PRIMARY KEY REFERENCES campaigns (id),
    raised_minor                 INTEGER NOT NULL DEFAULT 0,
    gifts                        INTEGER NOT NULL DEFAULT 0,
    donors                       INTEGER NOT NULL DEFAULT 0,
    recurring_active             INTEGER NOT NULL DEFAULT 0,
    recurring_monthly_gift_minor INTEGER NOT NULL DEFAULT 0,
    recurring_annual_gift_minor  INTEGER NOT NULL DEFAULT 0,
    updated_at                   INTEGER NOT NULL
);

-- How many counted donations each donor has per campaign; `donors` counts keys above zero.
CREATE TABLE campaign_donors (
    campaign_id       INTEGER NOT NULL REFERENCES campaigns (id),
    donor_key         TEXT    NOT NULL,
    counted_donations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, donor_key)
);

CREATE TABLE staff_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX staff_tokens_active_name ON staff_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE donations (
    id                   TEXT    PRIMARY KEY,
    campaign_id          INTEGER NOT NULL REFERENCES campaigns (id),
    source               TEXT    NOT NULL,
    frequency            TEXT    NOT NULL,
    currency             TEXT    NOT NULL,
    gift_minor           INTEGER NOT NULL,
    fee_minor            INTEGER NOT NULL,
    total_minor          INTEGER NOT NULL,
    donor_name           TEXT,
    donor_email          TEXT,
    donor_key            TEXT    NOT NULL,
    anonymous            BOOLEAN NOT NULL DEFAULT 0,
    tribute_kind         TEXT,
    tribute_honoree      TEXT,
    tribute_notify_email TEXT,
    tribute_message      TEXT,
    comment              TEXT,
    status               TEXT    NOT NULL,
    failure_reason       TEXT,
    checkout_session_id  TEXT,
    checkout_url         TEXT,
    subscription_id      TEXT,
    customer_id          TEXT,
    plan_status          TEXT,
    plan_status_at       INTEGER NOT NULL DEFAULT 0,
    plan_status_rank     INTEGER NOT NULL DEFAULT 0,
    cancel_at            INTEGER,
    canceled_at          INTEGER,
    counted_raised_minor INTEGER NOT NULL DEFAULT 0,
    counted_gifts        INTEGER NOT NULL DEFAULT 0,
    counted_donor        INTEGER NOT NULL DEFAULT 0,
    counted_recurring    INTEGER NOT NULL DEFAULT 0,
    refunded_minor       INTEGER NOT NULL DEFAULT 0,
    disputed_minor       INTEGER NOT NULL DEFAULT 0,
    fee_actual_minor     INTEGER,
    offline_method       TEXT,
    note                 TEXT,
    gift_date            INTEGER,
    voided_at            INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX donations_campaign_created ON donations (campaign_id, created_at, id);
CREATE UNIQUE INDEX donations_session ON donations (checkout_session_id);
CREATE UNIQUE INDEX donations_subscription ON donations (subscription_id);

-- Checkout requests replayed by Idempotency-Key.
CREATE TABLE idempotency_keys (
    key           TEXT    PRIMARY KEY,
    request_hash  TEXT    NOT NULL,
    donation_id   TEXT    NOT NULL,
    response_json TEXT,
    created_at    INTEGER NOT NULL
);

-- One row per payment attempt that can count: a one-time gift's payment (id 'donation:<id>')
-- or a recurring installment (id = Stripe invoice id).
CREATE TABLE payments (
    id                TEXT    PRIMARY KEY,
    donation_id       TEXT    REFERENCES donations (id),
    subscription_id   TEXT,
    payment_intent_id TEXT,
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    status_rank       INTEGER NOT NULL,
    amount_minor      INTEGER,
    currency          TEXT,
    failure_reason    TEXT,
    attempt_count     INTEGER NOT NULL DEFAULT 0,
    fee_actual_minor  INTEGER,
    paid_at           INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX payments_donation ON payments (donation_id);
CREATE INDEX payments_subscription ON payments (subscription_id);
CREATE INDEX payments_intent ON payments (payment_intent_id);

-- What Stripe told us about charges: their PaymentIntent, running refunded total and actual fee.
CREATE TABLE charges (
    id                    TEXT    PRIMARY KEY,
    payment_intent_id     TEXT,
    amount_minor          INTEGER NOT NULL,
    amount_refunded_minor INTEGER NOT NULL DEFAULT 0,
    currency              TEXT    NOT NULL,
    fee_actual_minor      INTEGER,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX charges_intent ON charges (payment_intent_id);

CREATE TABLE refunds (
    id                TEXT    PRIMARY KEY,
    charge_id         TEXT,
    payment_intent_id TEXT,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    status_rank       INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX refunds_intent ON refunds (payment_intent_id);
CREATE INDEX refunds_charge ON refunds (charge_id);

CREATE TABLE disputes (
    id                TEXT    PRIMARY KEY,
    charge_id         TEXT,
    payment_intent_id TEXT,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    withdrawn         INTEGER NOT NULL DEFAULT 0,
    reinstated        INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX disputes_intent ON disputes (payment_intent_id);
CREATE INDEX disputes_charge ON disputes (charge_id);

-- Every verified Stripe event, raw, with what became of it.
CREATE TABLE webhook_events (
    id          TEXT    PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    livemode    INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT,
    payload     TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    applied_at  INTEGER
);
CREATE INDEX webhook_events_outcome ON webhook_events (outcome);

-- Things staff should look at: amount or currency mismatches, events that did not parse.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    flag_key    TEXT    NOT NULL UNIQUE,
    donation_id TEXT,
    event_id    TEXT,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
