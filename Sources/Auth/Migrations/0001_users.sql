-- Users, with passwords stored as Django stores them. Ballot's earlier single ledger created
-- this table in 0002_users_and_sessions, together with Web's sessions; a database migrated
-- then records this migration as applied without running it.
-- migrate:replaces 0002_users_and_sessions

-- migrate:up
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    -- "<algorithm>$<parameters>$<salt>$<hash>", as Django's make_password writes it.
    password_hash text NOT NULL,
    is_staff boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- A session's user: ending an account ends its sessions.
ALTER TABLE sessions ADD CONSTRAINT sessions_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

-- migrate:down
ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey;
DROP TABLE users;
