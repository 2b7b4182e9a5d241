-- Money in every sequence Stripe sends (issue 12).

-- A charge's running refunded total is the one of its latest event (it goes down when a refund
-- fails), not the largest ever seen: the event time of the total kept.
ALTER TABLE charges ADD COLUMN refunded_at BIGINT NOT NULL DEFAULT 0;

-- When a refund's current status was first heard of (a failure heard of after a charge's total
-- means that total may still include it), and Stripe's own creation time of the refund.
ALTER TABLE refunds ADD COLUMN status_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN refund_created BIGINT;
UPDATE refunds SET status_at = updated_at;

-- Charges recorded before this change: their refunded total was the largest ever heard of,
-- joined with their refunds as max(refunds, charge). Keep exactly that figure, dated no earlier
-- than any of their refunds, so that the refunds already in it are not added to it again.
UPDATE charges SET
    amount_refunded_minor = GREATEST(amount_refunded_minor, COALESCE((
        SELECT SUM(r.amount_minor) FROM refunds r
        WHERE r.charge_id = charges.id
          AND r.status IN ('pending', 'requires_action', 'succeeded')
          AND r.amount_minor > 0), 0)),
    refunded_at = GREATEST(updated_at, COALESCE((
        SELECT MAX(r.updated_at) FROM refunds r WHERE r.charge_id = charges.id), 0));

-- A plan's current amount (changed in the billing portal), as of the event that said so, and
-- the gift value a recurring donation now adds to the recurring figures.
ALTER TABLE donations ADD COLUMN plan_amount_minor BIGINT;
ALTER TABLE donations ADD COLUMN plan_amount_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE donations ADD COLUMN counted_recurring_gift_minor BIGINT NOT NULL DEFAULT 0;
UPDATE donations SET counted_recurring_gift_minor = gift_minor WHERE counted_recurring > 0;

-- A dispute inquiry withdraws no funds (it was counted as withdrawn before). What donations
-- count is recomputed from these records by `donations webhooks recount` (README, Upgrading).
UPDATE disputes SET withdrawn = FALSE WHERE status LIKE 'warning%';
