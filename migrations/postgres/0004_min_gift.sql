-- Card testing: the smallest gift a campaign accepts, in minor units ($1.00 by default).
ALTER TABLE campaigns ADD COLUMN min_gift_minor BIGINT NOT NULL DEFAULT 100;
