-- Donor mail (issue 15, item 4): refund notices, and fresh self-service links on request.

-- Refunds that succeeded before refund notices existed are not announced now, months later,
-- when some event next recomputes their donation: their notice is recorded as 'skipped' (never
-- claimed by the mail worker; staff may still send one with "resend").
INSERT INTO outbox (message_key, kind, donation_id, payment_id, recipient, payload, status,
                    attempts, next_attempt_at, last_error, created_at)
SELECT 'refund:' || r.id, 'refund', p.donation_id, p.id, d.donor_email, r.id, 'skipped',
       0, r.updated_at, 'refunded before refund notices were sent (migration 0010)', r.updated_at
FROM refunds r
JOIN payments p ON p.payment_intent_id = r.payment_intent_id
JOIN donations d ON d.id = p.donation_id
WHERE r.status = 'succeeded'
  AND p.kind IN ('one_time', 'installment')
  AND d.donor_email IS NOT NULL
ON CONFLICT (message_key) DO NOTHING;

-- A donor asks for fresh links to manage their recurring gifts ("manage my gift", `/manage`):
-- each request that sends an email is kept (by the donor's lowercased address), so that the
-- emails one address is sent can be limited (`MANAGE_LINK_RATE_PER_EMAIL`). The email is
-- rendered from the request when sent, with links signed then; no link is stored.
CREATE TABLE manage_link_requests (
    id          TEXT   PRIMARY KEY,
    donor_key   TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX manage_link_requests_donor ON manage_link_requests (donor_key, created_at);

-- A donor's gifts, found by their lowercased address.
CREATE INDEX donations_donor ON donations (donor_key);
