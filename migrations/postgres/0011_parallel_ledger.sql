-- Ledger transactions in parallel (issue 13).
--
-- 1. Each campaign's aggregate is spread over several rows (shards), chosen by donation, so
--    concurrent ledger transactions of different donations seldom update the same row; a read
--    sums them. The existing row becomes shard 0.
ALTER TABLE campaign_progress ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_progress DROP CONSTRAINT campaign_progress_pkey;
ALTER TABLE campaign_progress ADD PRIMARY KEY (campaign_id, shard);

-- 2. Per-object locks instead of one lock for every ledger transaction: the ids of the objects
--    a transaction touches, comma-separated, each locked until the transaction ends, in the
--    order given (the caller sorts them; see src/store/sql/ledger_tx.rs).
CREATE FUNCTION ledger_lock(ids TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    id TEXT;
BEGIN
    FOREACH id IN ARRAY string_to_array(ids, ',') LOOP
        PERFORM pg_advisory_xact_lock(id::BIGINT);
    END LOOP;
    RETURN 0;
END
$$;

-- 3. Checkout rate limits shared by every server (GCRA: the theoretical arrival time of the
--    next allowed request, in milliseconds, per hashed key). Unlogged: a crash forgets recent
--    requests, which only lets a few more through once.
CREATE UNLOGGED TABLE rate_allowances (
    allowance_key TEXT   PRIMARY KEY,
    tat_ms        BIGINT NOT NULL
);
