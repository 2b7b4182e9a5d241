-- PostgreSQL schema. Same tables and columns as migrations/sqlite; money is BIGINT minor units
-- beside a currency code; times are unix seconds.

CREATE TABLE campaigns (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    currency        TEXT    NOT NULL,
    goal_minor      BIGINT NOT NULL,
    starts_at       BIGINT,
    ends_at         BIGINT,
    fee_percent     TEXT    NOT NULL,
    fee_fixed_minor BIGINT NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'active',
    success_url     TEXT,
    cancel_url      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- The per-campaign aggregate behind public progress: updated in the same transaction as every
-- change that moves it, so a progress read never scans donations.
CREATE TABLE campaign_progress (
    campaign_id                  BIGINT PRIMARY KEY REFERENCES campaigns (id),
    raised_minor                 BIGINT NOT NULL DEFAULT 0,
    gifts                        BIGINT NOT NULL DEFAULT 0,
    donors                       BIGINT NOT NULL DEFAULT 0,
    recurring_active             BIGINT NOT NULL DEFAULT 0,
    recurring_monthly_gift_minor BIGINT NOT NULL DEFAULT 0,
    recurring_annual_gift_minor  BIGINT NOT NULL DEFAULT 0,
    updated_at                   BIGINT NOT NULL
);

-- How many counted donations each donor has per campaign; `donors` counts keys above zero.
CREATE TABLE campaign_donors (
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id),
    donor_key         TEXT    NOT NULL,
    counted_donations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, donor_key)
);

CREATE TABLE staff_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX staff_tokens_active_name ON staff_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE donations (
    id                   TEXT    PRIMARY KEY,
    campaign_id          BIGINT NOT NULL REFERENCES campaigns (id),
    source               TEXT    NOT NULL,
    frequency            TEXT    NOT NULL,
    currency             TEXT    NOT NULL,
    gift_minor           BIGINT NOT NULL,
    fee_minor            BIGINT NOT NULL,
    total_minor          BIGINT NOT NULL,
    donor_name           TEXT,
    donor_email          TEXT,
    donor_key            TEXT    NOT NULL,
    anonymous            BOOLEAN NOT NULL DEFAULT FALSE,
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
    plan_status_at       BIGINT NOT NULL DEFAULT 0,
    plan_status_rank     BIGINT NOT NULL DEFAULT 0,
    cancel_at            BIGINT,
    canceled_at          BIGINT,
    counted_raised_minor BIGINT NOT NULL DEFAULT 0,
    counted_gifts        BIGINT NOT NULL DEFAULT 0,
    counted_donor        BIGINT NOT NULL DEFAULT 0,
    counted_recurring    BIGINT NOT NULL DEFAULT 0,
    refunded_minor       BIGINT NOT NULL DEFAULT 0,
    disputed_minor       BIGINT NOT NULL DEFAULT 0,
    fee_actual_minor     BIGINT,
    offline_method       TEXT,
    note                 TEXT,
    gift_date            BIGINT,
    voided_at            BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
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
    created_at    BIGINT NOT NULL
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
    status_rank       BIGINT NOT NULL,
    amount_minor      BIGINT,
    currency          TEXT,
    failure_reason    TEXT,
    attempt_count     BIGINT NOT NULL DEFAULT 0,
    fee_actual_minor  BIGINT,
    paid_at           BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX payments_donation ON payments (donation_id);
CREATE INDEX payments_subscription ON payments (subscription_id);
CREATE INDEX payments_intent ON payments (payment_intent_id);

-- What Stripe told us about charges: their PaymentIntent, running refunded total and actual fee.
CREATE TABLE charges (
    id                    TEXT    PRIMARY KEY,
    payment_intent_id     TEXT,
    amount_minor          BIGINT NOT NULL,
    amount_refunded_minor BIGINT NOT NULL DEFAULT 0,
    currency              TEXT    NOT NULL,
    fee_actual_minor      BIGINT,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX charges_intent ON charges (payment_intent_id);

CREATE TABLE refunds (
    id                TEXT    PRIMARY KEY,
    charge_id         TEXT,
    payment_intent_id TEXT,
    amount_minor      BIGINT NOT NULL,
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    status_rank       BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX refunds_intent ON refunds (payment_intent_id);
CREATE INDEX refunds_charge ON refunds (charge_id);

CREATE TABLE disputes (
    id                TEXT    PRIMARY KEY,
    charge_id         TEXT,
    payment_intent_id TEXT,
    amount_minor      BIGINT NOT NULL,
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    withdrawn         BOOLEAN NOT NULL DEFAULT FALSE,
    reinstated        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX disputes_intent ON disputes (payment_intent_id);
CREATE INDEX disputes_charge ON disputes (charge_id);

-- Every verified Stripe event, raw, with what became of it.
CREATE TABLE webhook_events (
    id          TEXT    PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    created     BIGINT NOT NULL,
    livemode    BOOLEAN NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT,
    payload     TEXT    NOT NULL,
    received_at BIGINT NOT NULL,
    applied_at  BIGINT
);
CREATE INDEX webhook_events_outcome ON webhook_events (outcome);

-- Things staff should look at: amount or currency mismatches, events that did not parse.
CREATE TABLE flags (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flag_key    TEXT    NOT NULL UNIQUE,
    donation_id TEXT,
    event_id    TEXT,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
