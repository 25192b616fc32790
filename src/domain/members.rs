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

/// The members list, loaded from CSV text: one organisation per record,
/// first column; fields separated by `,`, `;` or a tab (the one the first
/// record uses), quoted as RFC 4180 says (`"Lyon, Ville de"` is one name);
/// `#` lines are comments, blank lines and a byte-order mark are ignored; the
/// first record is a header, skipped, when its first column reads
/// "organisation", "nom", "name" or "collectivité".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    keys: BTreeSet<String>,
}

/// Names a header's first column may carry.
const HEADER_NAMES: &[&str] = &["organisation", "nom", "name", "collectivite"]; // not a call key: members.csv headers

/// The separator of the first record that is not a comment: `;` when it
/// has one outside quotes (a French spreadsheet's export, where names may
/// hold unquoted commas), else a tab, else `,`.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let mut quoted = false;
    let mut seen = [false; 2];
    for b in first.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => seen[0] = true,
            b'\t' if !quoted => seen[1] = true,
            _ => {}
        }
    }
    match seen {
        [true, _] => b';',
        [false, true] => b'\t',
        _ => b',',
    }
}

impl Members {
    pub fn from_csv(text: &str) -> Members {
        let text = text.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .delimiter(sniff_delimiter(text))
            .from_reader(text.as_bytes());
        let mut keys = BTreeSet::new();
        let mut first = true;
        for record in reader.records() {
            // A record the reader cannot take (bad UTF-8 cannot happen from
            // `&str`; an unbalanced quote ends the field at the line end) is
            // skipped, the rest of the list still counts.
            let Ok(record) = record else { continue };
            let name = record.get(0).unwrap_or("").trim();
            if name.is_empty() && record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let key = member_key(name);
            let header = first && HEADER_NAMES.contains(&key.as_str());
            first = false;
            if !header && !key.is_empty() {
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
    fn header_after_comment_lines_is_not_a_member() {
        let m = Members::from_csv(
            "# Liste des adhérents CUF\n# mise à jour 2026\nOrganisation,Adhésion\nVille de Lyon,2001\n",
        );
        assert_eq!(m.len(), 1);
        assert!(m.contains("Lyon"));
        assert!(!m.contains("Organisation"));
    }

    #[test]
    fn quoted_name_with_a_comma_is_one_member() {
        let m = Members::from_csv(
            "nom,adhésion\n\"Lyon, Ville de\",2001\n\"Communauté d'agglomération de Cergy-Pontoise, Val-d'Oise\",2015\n",
        );
        assert_eq!(m.len(), 2);
        assert!(m.contains("Lyon, Ville de"));
        assert!(!m.contains("Lyon"));
        assert!(m.contains("Cergy-Pontoise, Val-d'Oise"));
        // The member keeps its priority.
        assert!(
            m.check(Some("Lyon, Ville de"), Some(true))
                .counts_as_member()
        );
    }

    #[test]
    fn semicolons_tabs_blank_lines_and_bom() {
        let semi = Members::from_csv(
            "\u{feff}Collectivité;Pays\r\n\r\nRégion Bretagne;France\r\n\r\n\"Ville de Paris\";France\r\n",
        );
        assert_eq!(semi.len(), 2);
        assert!(semi.contains("Bretagne"));
        assert!(semi.contains("Paris"));
        assert!(!semi.contains("Collectivité"));
        let comma_in_name = Members::from_csv("nom;adhésion\nLyon, Ville de;2001\n");
        assert!(comma_in_name.contains("Lyon, Ville de"));
        let tabs = Members::from_csv("organisation\tadhésion\nNantes\t1999\n\n  \nRennes\t2003\n");
        assert_eq!(tabs.len(), 2);
        assert!(tabs.contains("Ville de Nantes"));
        // One column, no header, no separator at all.
        let plain = Members::from_csv("Grenoble\n\nBordeaux\n");
        assert_eq!(plain.len(), 2);
        // A name that happens to be "Nom" further down is a name, not a header.
        let later = Members::from_csv("Lille\nNom\n");
        assert_eq!(later.len(), 2);
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
