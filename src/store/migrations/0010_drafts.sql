-- 0010: drafts kept while they are typed (issue 14): a fiche entered by
-- hand, a field being corrected, a refusal reason… written as they are
-- typed so that a dropped SSH connection or a killed console loses
-- nothing. One draft per staff member (the acting Unix user); never
-- published, never shown to anyone else, deleted once saved or abandoned.
CREATE TABLE drafts (
    user     TEXT PRIMARY KEY,
    -- The console's draft, as JSON (`console::draft::SavedDraft`).
    payload  TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
