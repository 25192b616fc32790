//! The CUF members list (`members.csv` beside the config): organisation
//! names, compared after folding case, accents, punctuation and the usual
//! prefixes ("Ville de", "Commune de", ...), to cross-check the "Membre de
//! Cités Unies France" answer of a fiche.

use std::collections::BTreeSet;

use crate::fiche::text::fold;

/// Words that name the kind of body, not the body: "Ville de Lyon" and
/// "Lyon" are the same member.
const PREFIXES: &[&str] = &[
    "ville de ",
    "ville d ",
    "commune de ",
    "commune d ",
    "mairie de ",
    "mairie d ",
    "conseil departemental de ",
    "conseil departemental du ",
    "conseil departemental des ",
    "conseil departemental d ",
    "departement de ",
    "departement du ",
    "departement des ",
    "region ",
    "conseil regional de ",
    "conseil regional d ",
    "communaute urbaine de ",
    "communaute d agglomeration de ",
    "metropole de ",
    "eurometropole de ",
    "municipalite de ",
    "municipalidad de ",
];

/// The key two spellings of one organisation share.
pub fn member_key(name: &str) -> String {
    let mut f = fold(name);
    for p in PREFIXES {
        if let Some(rest) = f.strip_prefix(p) {
            f = rest.to_string();
            break;
        }
    }
    ["la ", "le ", "les ", "l "]
        .iter()
        .find_map(|a| f.strip_prefix(a))
        .unwrap_or(&f)
        .to_string()
}

/// The members list, loaded from CSV text: one organisation per line, first
/// column; a header line naming "organisation"/"nom" is skipped; `#` lines
/// are comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    keys: BTreeSet<String>,
}

impl Members {
    pub fn from_csv(text: &str) -> Members {
        let mut keys = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let first = line
                .split([';', ',', '\t'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            let key = member_key(first);
            if i == 0
                && matches!(
                    key.as_str(),
                    "organisation" | "nom" | "name" | "collectivite"
                )
            {
                continue;
            }
            if !key.is_empty() {
                keys.insert(key);
            }
        }
        Members { keys }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn contains(&self, organisation: &str) -> bool {
        self.keys.contains(&member_key(organisation))
    }

    /// Cross-checks the fiche's answer with the list.
    pub fn check(&self, organisation: Option<&str>, declared: Option<bool>) -> MemberCheck {
        if self.is_empty() {
            return match declared {
                Some(true) => MemberCheck::Declared,
                _ => MemberCheck::NotMember,
            };
        }
        let listed = organisation.is_some_and(|o| self.contains(o));
        match (declared, listed) {
            (Some(true), true) | (None, true) => MemberCheck::Confirmed,
            (Some(true), false) => MemberCheck::DeclaredNotListed,
            (Some(false), true) => MemberCheck::ListedNotDeclared,
            (_, false) => MemberCheck::NotMember,
        }
    }
}

/// The result of the cross-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberCheck {
    /// Declared and on the list (or on the list and not answered).
    Confirmed,
    /// Declared, and there is no list to check against.
    Declared,
    /// Declared member, but not on the list: staff should check.
    DeclaredNotListed,
    /// On the list, but answered "Non": staff should check.
    ListedNotDeclared,
    NotMember,
}

impl MemberCheck {
    /// Whether the proposal gets members' priority. On a mismatch the list
    /// wins (it is CUF's own record); the mismatch is flagged.
    pub fn counts_as_member(self) -> bool {
        matches!(
            self,
            MemberCheck::Confirmed | MemberCheck::Declared | MemberCheck::ListedNotDeclared
        )
    }

    pub fn is_mismatch(self) -> bool {
        matches!(
            self,
            MemberCheck::DeclaredNotListed | MemberCheck::ListedNotDeclared
        )
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            MemberCheck::Confirmed => "membre (confirmé par la liste)",
            MemberCheck::Declared => "membre (déclaré)",
            MemberCheck::DeclaredNotListed => "se dit membre, absent de la liste des adhérents",
            MemberCheck::ListedNotDeclared => "sur la liste des adhérents, mais a répondu « Non »",
            MemberCheck::NotMember => "non membre",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_across_spellings() {
        assert_eq!(
            member_key("Ville de Saint-Étienne"),
            member_key("SAINT ETIENNE")
        );
        assert_eq!(
            member_key("Conseil départemental de l'Isère"),
            member_key("Isère")
        );
        assert_eq!(
            member_key("Région Nouvelle-Aquitaine"),
            member_key("Nouvelle Aquitaine")
        );
    }

    #[test]
    fn csv_with_header_comments_and_bom() {
        let m = Members::from_csv(
            "\u{feff}organisation;adhésion\n# commentaire\nVille de Saint-Étienne;2012\n\"Région Nouvelle-Aquitaine\";2010\n",
        );
        assert_eq!(m.len(), 2);
        assert!(m.contains("Saint-Etienne"));
    }

    #[test]
    fn cross_check() {
        let m = Members::from_csv("Saint-Étienne\n");
        assert_eq!(
            m.check(Some("Ville de Saint-Étienne"), Some(true)),
            MemberCheck::Confirmed
        );
        assert_eq!(
            m.check(Some("Ville de Lyon"), Some(true)),
            MemberCheck::DeclaredNotListed
        );
        assert_eq!(
            m.check(Some("Saint-Étienne"), Some(false)),
            MemberCheck::ListedNotDeclared
        );
        assert!(MemberCheck::ListedNotDeclared.counts_as_member());
        assert!(!MemberCheck::DeclaredNotListed.counts_as_member());
        assert_eq!(
            Members::default().check(Some("X"), Some(true)),
            MemberCheck::Declared
        );
    }
}
