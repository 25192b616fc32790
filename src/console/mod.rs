//! The review console staff use over SSH (ratatui + crossterm), in the Elm
//! style of gitui: `app` is the state, `action` turns keys into actions
//! (pure), `update` turns state + action into new state + effects (pure),
//! `view` draws the state (pure, one file per screen), `strings` holds all
//! the French text, `run` performs the effects against the store and runs
//! the terminal loop. `rows` is the in-memory listing (search, filters,
//! sort), `format` the text and date helpers, `theme` the styles
//! (`NO_COLOR`).
//!
//! Screens: Propositions (1), Décider (2), Programme (3), À traiter (4),
//! Corriger (5), Envoi (6: the outbox, sent on a thread of its own), help on `?`. Every decision goes through
//! `domain::check_decision` and then `Store::decide` with the version the
//! screen showed.

pub mod action;
pub mod app;
pub mod draft;
pub mod format;
pub mod rows;
pub mod run;
pub mod strings;
pub mod theme;
pub mod update;
pub mod view;

pub use app::{App, Screen};
pub use run::{Options, Session, restore_terminal};
