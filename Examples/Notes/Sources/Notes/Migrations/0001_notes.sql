-- The notes, and who may see who wrote them.

-- migrate:up
CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO auth_permissions (codename, name) VALUES ('notes.moderate_note', 'See every note with its author');

-- migrate:down
DELETE FROM auth_permissions WHERE codename = 'notes.moderate_note';
DROP TABLE notes;
