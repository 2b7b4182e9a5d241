-- Actual Stripe fees and recovery by default (issue 15, items 1 and 2).

-- A charge's balance transaction, as its events name it (an id; webhooks never expand it), and
-- what that balance transaction said: the fee (`fee_actual_minor`, already here) and the net.
-- `settlement_currency` is set when the balance transaction is in another currency than the
-- charge (Stripe converted it): its fee and net are then kept out of the charge's figures.
ALTER TABLE charges ADD COLUMN balance_transaction_id TEXT;
ALTER TABLE charges ADD COLUMN net_actual_minor INTEGER;
ALTER TABLE charges ADD COLUMN settlement_currency TEXT;
-- The charges whose actual fee is still to be asked of Stripe.
CREATE INDEX charges_fee_unknown ON charges (id)
    WHERE fee_actual_minor IS NULL AND settlement_currency IS NULL;

-- What Stripe's net of a donation's charges came to (beside `fee_actual_minor`).
ALTER TABLE donations ADD COLUMN net_actual_minor INTEGER;

-- Follow-up requests to Stripe that failed, and when to try each again: a charge's balance
-- transaction (kind 'balance_transaction', object_id the charge) or the object of an event that
-- did not parse (kind 'event', object_id the event). A row goes when its request succeeds.
CREATE TABLE stripe_fetches (
    kind            TEXT    NOT NULL,
    object_id       TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (kind, object_id)
);
