//! What the Courrier screen and the link keys ask of the store, performed
//! for `run`'s session: pages of messages (the first again after a change,
//! the next as the selection goes down), a message in full, and the links
//! between a message and a proposal, each asked first with the proposal's
//! organisation shown, refused with who did it when another console was
//! quicker.

use super::app::{Confirm, CourrierDetail, InputPurpose, Level, Overlay, TextInput};
use super::format::stored_datetime;
use super::run::{Session, error_text};
use super::strings as s;
use super::update::Effect;
use crate::intake::message_view;
use crate::safe::terminal_line;
use crate::store::courrier::PageAfter;
use crate::store::{Store, StoreError};

/// Rows loaded at a time.
pub const PAGE: usize = 200;

impl Session {
    /// Performs a Courrier or link effect; returns it back when it is not one.
    pub(super) fn perform_courrier(&mut self, effect: Effect) -> Option<Effect> {
        match effect {
            Effect::LoadCourrier { keep } => self.reload_courrier(keep),
            Effect::MoreCourrier => self.more_courrier(),
            Effect::LoadCourrierMessage(id) => self.load_courrier_message(id),
            Effect::PrepareLink { message_id, number } => self.prepare_link(message_id, number),
            Effect::Link { message_id, number } => self.link(message_id, number),
            Effect::PrepareUnlink { message_id, number } => self.prepare_unlink(message_id, number),
            Effect::Unlink { message_id, number } => self.unlink(message_id, number),
            other => return Some(other),
        }
        None
    }

    /// The first page of the filter again (with `keep`, down to the
    /// selected row and a page more), the selected message kept selected
    /// when still listed.
    pub fn reload_courrier(&mut self, keep: bool) {
        let c = &self.app.courrier;
        let (filter, query) = (c.filter, c.query.clone());
        let sel = c.current().map(|r| r.id);
        // Through the selected row and a page more: what the screen can show.
        let limit = if keep { c.selected + PAGE } else { PAGE };
        let loaded = self.store.courrier_count(filter, &query).and_then(|total| {
            Ok((
                total,
                self.store.courrier_page(filter, &query, None, limit)?,
            ))
        });
        match loaded {
            Ok((total, rows)) => {
                let c = &mut self.app.courrier;
                c.end = rows.len() < limit;
                c.rows = rows;
                c.total = total;
                c.loaded = true;
                c.selected = match sel.and_then(|id| c.rows.iter().position(|r| r.id == id)) {
                    Some(p) if keep => p,
                    _ => {
                        c.offset = 0;
                        0
                    }
                };
                self.app.clamp_courrier();
                if self.app.courrier.full
                    && let Some(id) = self.app.courrier.current().map(|r| r.id)
                {
                    self.load_courrier_message(id);
                }
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn more_courrier(&mut self) {
        let c = &self.app.courrier;
        if c.end {
            return;
        }
        let Some(after) = c.rows.last().map(|r| PageAfter {
            sort_key: r.sort_key.clone(),
            id: r.id,
        }) else {
            return;
        };
        match self
            .store
            .courrier_page(c.filter, &c.query.clone(), Some(&after), PAGE)
        {
            Ok(rows) => {
                let c = &mut self.app.courrier;
                c.end = rows.len() < PAGE;
                c.rows.extend(rows);
                self.app.clamp_courrier();
            }
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    fn load_courrier_message(&mut self, id: i64) {
        let load = |st: &Store| -> Result<CourrierDetail, StoreError> {
            let record = st.message(id)?;
            let view = message_view(&st.raw_message(id).unwrap_or_default());
            let links = st.message_links(id)?;
            Ok(CourrierDetail {
                id,
                record,
                view,
                links,
            })
        };
        match load(&self.store) {
            Ok(d) => self.app.courrier.detail = Some(d),
            Err(e) => self.app.notify(Level::Error, error_text(&e)),
        }
    }

    /// Plain words for a refused link or unlink (who did it, when).
    fn link_refusal(&self, e: &StoreError) -> String {
        let zone = self.app.zone;
        match e {
            StoreError::LinkExists {
                message,
                number,
                by,
                at,
            } => s::n_refused(&format!(
                "le message {message} est déjà lié à la proposition n° {number} (par {} le {})",
                terminal_line(by),
                stored_datetime(zone, at)
            )),
            StoreError::LinkMissing {
                message,
                number,
                removed_by: Some((by, at)),
            } => s::n_refused(&format!(
                "le lien entre le message {message} et la proposition n° {number} a déjà été retiré par {} le {}",
                terminal_line(by),
                stored_datetime(zone, at)
            )),
            StoreError::LinkMissing { .. } | StoreError::NumberNotFound(_) => {
                s::n_refused(&terminal_line(&e.to_string()))
            }
            e => error_text(e),
        }
    }

    fn prepare_link(&mut self, message_id: i64, number: i64) {
        let found = self.store.proposal_by_number(number).and_then(|p| {
            let m = self.store.message(message_id)?;
            let links = self.store.message_links(message_id)?;
            Ok((p, m, links))
        });
        let (p, m, links) = match found {
            Ok(x) => x,
            Err(e) => {
                let text = self.link_refusal(&e);
                self.app.notify(Level::Error, text);
                return;
            }
        };
        if let Some(l) = links.iter().find(|l| l.number == number) {
            let e = StoreError::LinkExists {
                message: message_id,
                number,
                by: l.actor.clone(),
                at: l.at.clone(),
            };
            let text = self.link_refusal(&e);
            self.app.notify(Level::Warn, text);
            return;
        }
        let from = m.from_name.as_deref().or(m.from.as_deref()).unwrap_or("?");
        let text = s::link_confirm(
            message_id,
            &terminal_line(from),
            &terminal_line(m.subject.as_deref().unwrap_or("")),
            number,
            &terminal_line(
                p.text(crate::call::roles().organisation.as_str())
                    .unwrap_or("?"),
            ),
            s::kind_long(p.kind),
            &terminal_line(&p.state().describe_fr()),
        );
        self.app.overlay = Overlay::Confirm(Confirm::Link {
            message_id,
            number,
            text,
        });
    }

    fn link(&mut self, message_id: i64, number: i64) {
        let user = self.app.user.clone();
        let done = super::run::retry(&mut self.store, |st| {
            st.link_message(message_id, number, &user)
        });
        self.refresh(false);
        self.reload_after_link(message_id);
        match done {
            Ok(l) => self
                .app
                .notify(Level::Ok, s::n_linked(message_id, number, l.handled_now)),
            Err(e) => {
                let text = self.link_refusal(&e);
                self.app.notify(Level::Error, text);
            }
        }
    }

    fn prepare_unlink(&mut self, message_id: i64, number: Option<i64>) {
        let links = match self.store.message_links(message_id) {
            Ok(l) => l,
            Err(e) => {
                self.app.notify(Level::Error, error_text(&e));
                return;
            }
        };
        let numbers: Vec<i64> = links.iter().map(|l| l.number).collect();
        let number = match (number, numbers.as_slice()) {
            (_, []) => {
                let read: Vec<i64> = self
                    .app
                    .courrier
                    .rows
                    .iter()
                    .find(|r| r.id == message_id)
                    .map(|r| r.proposals.clone())
                    .unwrap_or_default();
                self.app
                    .notify(Level::Info, s::n_no_links(message_id, &read));
                return;
            }
            (None, [only]) => *only,
            (None, _) => {
                self.app.input = Some((
                    InputPurpose::UnlinkNumber {
                        message_id,
                        links: numbers,
                    },
                    TextInput::default(),
                ));
                return;
            }
            (Some(n), _) if numbers.contains(&n) => n,
            (Some(n), _) => {
                let e = StoreError::LinkMissing {
                    message: message_id,
                    number: n,
                    removed_by: None,
                };
                let text = self.link_refusal(&e);
                self.app.notify(Level::Warn, text);
                return;
            }
        };
        let organisation = self
            .store
            .proposal_by_number(number)
            .ok()
            .and_then(|p| {
                p.text(crate::call::roles().organisation.as_str())
                    .map(terminal_line)
            })
            .unwrap_or_else(|| "?".to_string());
        self.app.overlay = Overlay::Confirm(Confirm::Unlink {
            message_id,
            number,
            text: s::unlink_confirm(message_id, number, &organisation),
        });
    }

    fn unlink(&mut self, message_id: i64, number: i64) {
        let user = self.app.user.clone();
        let done = super::run::retry(&mut self.store, |st| {
            st.unlink_message(message_id, number, &user)
        });
        self.refresh(false);
        self.reload_after_link(message_id);
        match done {
            Ok(reopened) => self
                .app
                .notify(Level::Ok, s::n_unlinked(message_id, number, reopened)),
            Err(e) => {
                let text = self.link_refusal(&e);
                self.app.notify(Level::Error, text);
            }
        }
    }

    /// After a link changed: the screens showing that message show it now.
    fn reload_after_link(&mut self, message_id: i64) {
        if self.app.courrier.loaded {
            self.reload_courrier(true);
        }
        if self
            .app
            .courrier
            .detail
            .as_ref()
            .is_some_and(|d| d.id == message_id)
        {
            self.load_courrier_message(message_id);
        }
    }
}
