-- Staff accounts (issue 17, item 4): people with an email and a role, signing in by a one-time
-- emailed link. API tokens belong to a person; tokens made before this change have no person
-- (member_id NULL) and keep the full rights they had (as an admin's) until revoked.

CREATE TABLE staff_members (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- As entered; `email_norm` (lowercased) is what makes one person one row.
    email        TEXT    NOT NULL,
    email_norm   TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'staff')),
    created_at   INTEGER NOT NULL,
    invited_by   INTEGER REFERENCES staff_members (id),
    revoked_at   INTEGER
);

ALTER TABLE staff_tokens ADD COLUMN member_id INTEGER REFERENCES staff_members (id);
CREATE INDEX staff_tokens_member ON staff_tokens (member_id);

-- One-time sign-in links. Only the SHA-256 hash of the link's secret is stored; the secret is
-- derived from the server's link secret and the link's id when the email is rendered, so the
-- outbox row names the link by id and holds no usable secret.
CREATE TABLE staff_signin_links (
    id           TEXT    PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,
    member_id    INTEGER NOT NULL REFERENCES staff_members (id),
    -- 'signin' (asked for on the sign-in page) or 'invite' (sent by an admin's invitation).
    purpose      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX staff_signin_links_member ON staff_signin_links (member_id);

-- A session rides on a token (the token form) or on a person (an emailed link). Sessions are
-- short-lived (8 hours): the ones open at the upgrade end, and their staff sign in again.
DROP TABLE staff_sessions;
CREATE TABLE staff_sessions (
    id_hash      TEXT    PRIMARY KEY,
    token_id     INTEGER REFERENCES staff_tokens (id),
    member_id    INTEGER REFERENCES staff_members (id),
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    CHECK (token_id IS NOT NULL OR member_id IS NOT NULL)
);
CREATE INDEX staff_sessions_token ON staff_sessions (token_id);
CREATE INDEX staff_sessions_member ON staff_sessions (member_id);
