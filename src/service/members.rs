//! The CUF members list beside the configuration (`members.csv`), read the
//! one way every command and the console read it.

use std::path::PathBuf;

use crate::config::Config;
use crate::domain::members::Members;

/// The members list beside the configuration (`members.csv`), as every
/// command reads it: its entries, or why there are none — missing, or not
/// readable by this user (never told apart as "introuvable").
pub enum MembersFile {
    Read(Members),
    Missing(PathBuf),
    /// Why it cannot be read, in French, with the fix.
    Unreadable(String),
}

impl MembersFile {
    pub fn read(config: &Config) -> MembersFile {
        let path = config.members_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => MembersFile::Read(Members::from_csv(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => MembersFile::Missing(path),
            Err(e) => MembersFile::Unreadable(crate::os_error::path_problem(&path, &e)),
        }
    }

    /// What is wrong with it, for staff; `None` when it was read.
    pub fn problem(&self) -> Option<String> {
        match self {
            MembersFile::Read(_) => None,
            MembersFile::Missing(p) => Some(format!(
                "liste des adhérents {} introuvable : personne n'est reconnu adhérent de CUF ; la créer \
                 (une organisation par ligne, voir README)",
                p.display()
            )),
            MembersFile::Unreadable(why) => Some(format!(
                "liste des adhérents illisible, personne n'est reconnu adhérent de CUF : {why}"
            )),
        }
    }

    /// The entries; none when the file is missing or unreadable.
    pub fn members(self) -> Members {
        match self {
            MembersFile::Read(m) => m,
            _ => Members::default(),
        }
    }
}
