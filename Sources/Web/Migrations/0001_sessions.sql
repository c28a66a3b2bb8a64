-- Sessions, kept server-side: the browser holds a random token, the table its SHA-256.
-- Ballot's earlier single ledger created this table in 0002_users_and_sessions, together with
-- Auth's users; a database migrated then records this migration as applied without running it.
-- migrate:replaces 0002_users_and_sessions

-- migrate:up
CREATE TABLE sessions (
    -- SHA-256 of the cookie's token, so a database leak does not hand out live sessions.
    id text PRIMARY KEY,
    -- The signed-in user, or NULL while anonymous (Auth adds the foreign key to its users).
    user_id bigint,
    csrf_token text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- migrate:down
DROP TABLE sessions;
