-- 0002: what the review console needs.

-- Messages with no usable fiche (unsupported, error, no_fiche) that staff
-- have dealt with: read, answered, or entered by hand. One row per message;
-- removing the mark deletes the row (both are journaled).
CREATE TABLE message_handled (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL
) STRICT;

-- One place of the programme holds one proposal: two staff accepting two
-- proposals into the same place at the same moment cannot both succeed,
-- whatever each console had on screen.
CREATE UNIQUE INDEX proposals_place ON proposals(kind, slot, space)
    WHERE status = 'accepted' AND superseded_by IS NULL;

-- "À traiter" lists messages by status.
CREATE INDEX messages_status ON messages(status);
