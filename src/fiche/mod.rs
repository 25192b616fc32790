//! Bytes and a file name → a typed fiche, or a typed error. Pure: no I/O, no
//! database, no clock. Formats are told apart by content (`sniff`), read into a
//! `Grid` of rows and cells by one reader per format (`docx`, `odf`, `sheet`),
//! then interpreted against the printed forms (`form`, `spec`).

pub mod docx;
mod flow;
pub mod limits;
pub mod model;
pub mod odf;
pub mod sniff;
pub mod spec;
pub mod xml;
pub mod zipsafe;

pub use limits::Limits;
pub use model::{Fiche, FicheError, Format, Grid, Kind, Value, Warning};
