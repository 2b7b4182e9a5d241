-- Several organizations in one deployment (issue 14, item 4): a campaign belongs to one
-- organization (its slug: 'default' is the one of ORG_*, the others are ORGANIZATIONS), whose
-- name, tax status and Stripe account its pages, receipts and payments use; a staff member and
-- an API token belong to one too, and see only its campaigns. Everything made before belongs to
-- the default organization.
ALTER TABLE campaigns ADD COLUMN organization TEXT NOT NULL DEFAULT 'default';
ALTER TABLE staff_members ADD COLUMN organization TEXT NOT NULL DEFAULT 'default';
ALTER TABLE staff_tokens ADD COLUMN organization TEXT NOT NULL DEFAULT 'default';
CREATE INDEX campaigns_organization ON campaigns (organization);
