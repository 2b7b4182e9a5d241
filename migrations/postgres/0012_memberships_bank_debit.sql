-- Memberships and US bank debits (issue 14, items 2 and 3).

-- Per campaign: whether donors may pay from a US bank account (ACH Direct Debit) beside cards;
-- membership dues per year (NULL: the campaign takes gifts, not dues); and whether dues
-- receipts say the dues are not tax-deductible.
ALTER TABLE campaigns ADD COLUMN bank_debit BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaigns ADD COLUMN membership_dues_minor BIGINT;
ALTER TABLE campaigns ADD COLUMN dues_not_deductible BOOLEAN NOT NULL DEFAULT FALSE;

-- How a checkout gift is paid: Stripe's payment method type ('card', 'us_bank_account'); NULL
-- for offline gifts (their offline_method says). Every checkout before this was by card.
ALTER TABLE donations ADD COLUMN payment_method TEXT;
UPDATE donations SET payment_method = 'card' WHERE source = 'stripe';
-- The dues a gift pays at least per installment (per year for a one-time or offline gift), as
-- its campaign asked them when it was made; NULL: the gift pays no dues.
ALTER TABLE donations ADD COLUMN dues_minimum_minor BIGINT;

-- A member per donor (by lowercased email), recomputed by the ledger from the donor's dues
-- payments in the same transaction as any change to them: member since the first payment that
-- counts, paid through the end of the periods those payments cover. Lapsed is read, not
-- stored: paid_through is past.
CREATE TABLE memberships (
    donor_key    TEXT    PRIMARY KEY,
    email        TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    since        BIGINT NOT NULL,
    paid_through BIGINT NOT NULL,
    last_paid_at BIGINT NOT NULL,
    payments     BIGINT NOT NULL,
    frequency    TEXT    NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX memberships_paid_through ON memberships (paid_through);
