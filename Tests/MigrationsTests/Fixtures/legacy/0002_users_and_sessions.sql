-- Staff users and server-side sessions for the polls app.

-- migrate:up
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    -- PBKDF2-SHA256: "pbkdf2_sha256$<iterations>$<salt>$<hash>", as Django stores it.
    password_hash text NOT NULL,
    is_staff boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token, so a database leak does not hand out live sessions.
    id text PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- migrate:down
DROP TABLE sessions;
DROP TABLE users;
