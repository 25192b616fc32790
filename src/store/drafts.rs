//! Drafts being typed in the console, one per staff member (the acting
//! Unix user): written as they are typed so that a killed console or a
//! dropped SSH connection loses nothing, offered again to the same user's
//! next console, deleted once saved or abandoned. Never published, never
//! read for anyone else than their author.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

/// A draft as stored: the console's JSON and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub payload: String,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

impl Store {
    /// Writes (or replaces) `user`'s draft.
    pub fn save_draft(&mut self, user: &str, payload: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO drafts (user, payload, saved_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user) DO UPDATE SET payload = excluded.payload,
                                                  saved_at = excluded.saved_at",
            )?
            .execute(params![user, payload, super::now()])?;
        Ok(())
    }

    /// `user`'s draft, if one was left.
    pub fn draft(&self, user: &str) -> Result<Option<StoredDraft>> {
        Ok(self
            .conn
            .prepare_cached("SELECT payload, saved_at FROM drafts WHERE user = ?1")?
            .query_row([user], |r| {
                Ok(StoredDraft {
                    payload: r.get(0)?,
                    saved_at: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// Forgets `user`'s draft (saved or abandoned).
    pub fn delete_draft(&mut self, user: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM drafts WHERE user = ?1")?
            .execute([user])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_kept_per_user_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(dir.path().join("f.db")).unwrap();
        assert_eq!(st.draft("alice").unwrap(), None);
        st.save_draft("alice", "{\"a\":1}").unwrap();
        st.save_draft("alice", "{\"a\":2}").unwrap();
        st.save_draft("bob", "{\"b\":1}").unwrap();
        assert_eq!(st.draft("alice").unwrap().unwrap().payload, "{\"a\":2}");
        assert_eq!(st.draft("bob").unwrap().unwrap().payload, "{\"b\":1}");
        st.delete_draft("alice").unwrap();
        assert_eq!(st.draft("alice").unwrap(), None);
        assert!(st.draft("bob").unwrap().is_some());
    }
}
