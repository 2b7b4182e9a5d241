-- Money in every sequence Stripe sends (issue 12).

-- A charge's running refunded total is the one of its latest event (it goes down when a refund
-- fails), not the largest ever seen: the event time of the total kept.
ALTER TABLE charges ADD COLUMN refunded_at BIGINT NOT NULL DEFAULT 0;

-- When a refund's current status was first heard of (a failure heard of after a charge's total
-- means that total may still include it), and Stripe's own creation time of the refund.
ALTER TABLE refunds ADD COLUMN status_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN refund_created BIGINT;
UPDATE refunds SET status_at = updated_at;

-- A plan's current amount (changed in the billing portal), as of the event that said so, and
-- the gift value a recurring donation now adds to the recurring figures.
ALTER TABLE donations ADD COLUMN plan_amount_minor BIGINT;
ALTER TABLE donations ADD COLUMN plan_amount_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE donations ADD COLUMN counted_recurring_gift_minor BIGINT NOT NULL DEFAULT 0;
UPDATE donations SET counted_recurring_gift_minor = gift_minor WHERE counted_recurring > 0;
