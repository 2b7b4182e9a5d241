-- Ledger transactions in parallel (issue 13). SQLite keeps one writer, so it keeps one shard per
-- campaign and takes no object locks; the schema matches PostgreSQL's.
--
-- 1. Each campaign's aggregate may be spread over several rows (shards), chosen by donation; a
--    read sums them. The existing row becomes shard 0.
CREATE TABLE campaign_progress_shards (
    campaign_id                  INTEGER NOT NULL REFERENCES campaigns (id),
    shard                        INTEGER NOT NULL DEFAULT 0,
    raised_minor                 INTEGER NOT NULL DEFAULT 0,
    gifts                        INTEGER NOT NULL DEFAULT 0,
    donors                       INTEGER NOT NULL DEFAULT 0,
    recurring_active             INTEGER NOT NULL DEFAULT 0,
    recurring_monthly_gift_minor INTEGER NOT NULL DEFAULT 0,
    recurring_annual_gift_minor  INTEGER NOT NULL DEFAULT 0,
    updated_at                   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, shard)
);
INSERT INTO campaign_progress_shards (campaign_id, shard, raised_minor, gifts, donors,
    recurring_active, recurring_monthly_gift_minor, recurring_annual_gift_minor, updated_at)
SELECT campaign_id, 0, raised_minor, gifts, donors, recurring_active,
    recurring_monthly_gift_minor, recurring_annual_gift_minor, updated_at
FROM campaign_progress;
DROP TABLE campaign_progress;
ALTER TABLE campaign_progress_shards RENAME TO campaign_progress;

-- 2. Checkout rate limits in the database (PostgreSQL shares them between servers; SQLite keeps
--    them in the process, and has the table for the same schema and contract tests).
CREATE TABLE rate_allowances (
    allowance_key TEXT    PRIMARY KEY,
    tat_ms        INTEGER NOT NULL
);
