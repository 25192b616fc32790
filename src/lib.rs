//! fiches: intake, review and publication of the *fiches de renseignement*
//! of the Rencontres de l'internationalisation des collectivités territoriales.

pub mod cli;
pub mod commands;
pub mod config;
pub mod fiche;
pub mod intake;
pub mod store;
