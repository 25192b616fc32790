-- 0012: the Courrier view (every message, newest first, by status) and the
-- links staff make between a message and an existing proposal ("fiche
-- demain", "voici la version corrigée" without a readable fiche).

-- A message linked by hand to a proposal, by its stable number (every
-- revision of the fiche keeps the link). Removing a link deletes the row;
-- both are journaled (message_linked, message_unlinked).
CREATE TABLE message_links (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    number     INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    PRIMARY KEY (message_id, number)
) STRICT;
CREATE INDEX message_links_number ON message_links(number);

-- Courrier lists messages newest first, page by page (keyset on this
-- expression and the id), all of them or of one status.
CREATE INDEX messages_newest
    ON messages(coalesce(received_at, effective_at, imported_at), id);
CREATE INDEX messages_status_newest
    ON messages(status, coalesce(received_at, effective_at, imported_at), id);
