-- Card testing: the smallest gift a campaign accepts, in minor units ($1.00 by default).
ALTER TABLE campaigns ADD COLUMN min_gift_minor INTEGER NOT NULL DEFAULT 100;
