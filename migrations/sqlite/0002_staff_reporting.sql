-- Staff reporting and the public donor wall.

-- A campaign may show its donor wall without amounts.
ALTER TABLE campaigns ADD COLUMN hide_amounts INTEGER NOT NULL DEFAULT 0;

-- The staff donation list across campaigns pages newest first by (created_at, id); the
-- per-campaign index (campaign_id, created_at, id) already serves one campaign's list.
CREATE INDEX donations_created ON donations (created_at, id);

-- Flags newest first, and a campaign's flags through their donation.
CREATE INDEX flags_created ON flags (created_at, id);
CREATE INDEX flags_donation ON flags (donation_id);
