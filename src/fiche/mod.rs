//! Bytes and a file name → a typed fiche, or a typed error. Pure: no I/O, no
//! database, no clock. Formats are told apart by content (`sniff`), read into a
//! `Grid` of rows and cells by one reader per format (`docx`, `odf`, `sheet`),
//! then interpreted against the printed forms (`form`, `spec`).

// TEMPORARY (intake branch): stand-in for the reader being written on main.
mod api_stub;
pub mod limits;
pub mod model;
pub mod spec;

/// TEMPORARY (intake branch): `fiche::sniff::sniff` path of main's API.
pub mod sniff {
    pub use super::api_stub::sniff;
}

pub use api_stub::{parse, parse_with};
pub use limits::Limits;
pub use model::{Fiche, FicheError, Format, Grid, Kind, Value, Warning};
pub use sniff::sniff;
