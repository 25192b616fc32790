//! fiches: intake, review and publication of the *fiches de renseignement*
//! of the Rencontres de l'internationalisation des collectivités territoriales.

pub mod fiche;
pub mod intake;
