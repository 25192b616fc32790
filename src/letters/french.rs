//! The French of the letters, pure: organisation names with their article
//! and elision ("de la Ville de Grenoble", "du Conseil départemental de
//! l'Isère", "de l'Association…", "des Hauts-de-Seine", "d'Annecy"), the
//! salutation from the civility when the fiche gives it ("Madame Martin",
//! else "Madame, Monsieur"), titles in one pair of
//! guillemets, and the non-breaking spaces French typography puts where a
//! line must not break (inside « », before « : ; ! ? », after "n°").
//!
//! The grammar is small and says where it comes from:
//! - a staff override per proposal ([`Article`], set in the console's
//!   Corriger screen or with `fiches article N`) wins;
//! - a name that starts with an article keeps it ("La Rochelle" → "de La
//!   Rochelle", "Le Havre" → "du Havre", "Les Mureaux" → "des Mureaux");
//! - a name that starts with a known head noun takes that noun's gender and
//!   number ([`HEADS`]: Ville, Commune, Conseil, Région, Association,
//!   Municipalidad, Ayuntamiento…);
//! - a bare French department or region takes its own article
//!   ([`PLACES`]: "Hauts-de-Seine" → "des Hauts-de-Seine", "Isère" → "de
//!   l'Isère");
//! - otherwise the fiche's type of structure names it: a bare commune is
//!   "la commune de X" (in France) or "la ville de X" (abroad), a
//!   bare association "l'association X", a bare region "la région de X";
//! - anything else is a proper name without article: "de Grenoble",
//!   "d'Annecy".

use crate::domain::french::Article;
use crate::fiche::text::fold;

/// Gender and number of a head noun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gn {
    /// Masculine singular.
    M,
    /// Feminine singular.
    F,
    /// Plural.
    P,
}

/// Head nouns of organisation names (folded: lower case, no accents), with
/// their gender and number. French first, then the names partners abroad
/// give themselves.
const HEADS: &[(&str, Gn)] = &[
    // Local governments.
    ("ville", Gn::F),
    ("commune", Gn::F),
    ("communes", Gn::P),
    ("mairie", Gn::F),
    ("municipalite", Gn::F),
    ("metropole", Gn::F),
    ("eurometropole", Gn::F),
    ("communaute", Gn::F),
    ("agglomeration", Gn::F),
    ("intercommunalite", Gn::F),
    ("collectivite", Gn::F),
    ("collectivites", Gn::P),
    ("region", Gn::F),
    ("departement", Gn::M),
    ("conseil", Gn::M),
    ("assemblee", Gn::F),
    ("syndicat", Gn::M),
    ("etablissement", Gn::M),
    ("pole", Gn::M),
    ("pays", Gn::M),
    ("territoire", Gn::M),
    ("parc", Gn::M),
    ("grand", Gn::M),
    ("grande", Gn::F),
    ("province", Gn::F),
    ("prefecture", Gn::F),
    ("gouvernorat", Gn::M),
    ("wilaya", Gn::F),
    ("district", Gn::M),
    ("canton", Gn::M),
    ("cercle", Gn::M),
    ("land", Gn::M),
    ("etat", Gn::M),
    ("comte", Gn::M),
    ("cite", Gn::F),
    ("hotel", Gn::M),
    ("ministere", Gn::M),
    ("gouvernement", Gn::M),
    ("ambassade", Gn::F),
    // Associations and others.
    ("association", Gn::F),
    ("associations", Gn::P),
    ("ong", Gn::F),
    ("federation", Gn::F),
    ("fondation", Gn::F),
    ("union", Gn::F),
    ("coordination", Gn::F),
    ("plateforme", Gn::F),
    ("reseau", Gn::M),
    ("collectif", Gn::M),
    ("comite", Gn::M),
    ("centre", Gn::M),
    ("groupement", Gn::M),
    ("institut", Gn::M),
    ("office", Gn::M),
    ("agence", Gn::F),
    ("universite", Gn::F),
    ("ecole", Gn::F),
    ("chambre", Gn::F),
    ("maison", Gn::F),
    ("mission", Gn::F),
    ("delegation", Gn::F),
    ("direction", Gn::F),
    ("organisation", Gn::F), // not a call key: a French word
    ("cooperative", Gn::F),
    ("entreprise", Gn::F),
    ("societe", Gn::F),
    ("fonds", Gn::M),
    ("bureau", Gn::M),
    ("service", Gn::M),
    ("secretariat", Gn::M),
    ("amis", Gn::P),
    ("villes", Gn::P),
    // Abroad.
    ("municipalidad", Gn::F),
    ("municipio", Gn::M),
    ("alcaldia", Gn::F),
    ("ayuntamiento", Gn::M),
    ("gobierno", Gn::M),
    ("gobernacion", Gn::F),
    ("diputacion", Gn::F),
    ("intendencia", Gn::F),
    ("prefeitura", Gn::F),
    ("camara", Gn::F),
    ("comune", Gn::M),
    ("citta", Gn::F),
    ("city", Gn::F),
    ("commune urbaine", Gn::F),
];

/// French departments and regions written alone, with their article.
const PLACES: &[(&str, Article)] = &[
    ("ain", Article::L),
    ("aisne", Article::L),
    ("allier", Article::L),
    ("alpes de haute provence", Article::Les),
    ("hautes alpes", Article::Les),
    ("alpes maritimes", Article::Les),
    ("ardeche", Article::L),
    ("ardennes", Article::Les),
    ("ariege", Article::L),
    ("aube", Article::L),
    ("aude", Article::L),
    ("aveyron", Article::L),
    ("bouches du rhone", Article::Les),
    ("calvados", Article::Le),
    ("cantal", Article::Le),
    ("charente", Article::La),
    ("charente maritime", Article::La),
    ("cher", Article::Le),
    ("correze", Article::La),
    ("corse du sud", Article::La),
    ("haute corse", Article::La),
    ("cote d or", Article::La),
    ("cotes d armor", Article::Les),
    ("creuse", Article::La),
    ("dordogne", Article::La),
    ("doubs", Article::Le),
    ("drome", Article::La),
    ("eure", Article::L),
    ("eure et loir", Article::L),
    ("finistere", Article::Le),
    ("gard", Article::Le),
    ("haute garonne", Article::La),
    ("gers", Article::Le),
    ("gironde", Article::La),
    ("herault", Article::L),
    ("ille et vilaine", Article::L),
    ("indre", Article::L),
    ("indre et loire", Article::L),
    ("isere", Article::L),
    ("jura", Article::Le),
    ("landes", Article::Les),
    ("loir et cher", Article::Le),
    ("loire", Article::La),
    ("haute loire", Article::La),
    ("loire atlantique", Article::La),
    ("loiret", Article::Le),
    ("lot", Article::Le),
    ("lot et garonne", Article::Le),
    ("lozere", Article::La),
    ("maine et loire", Article::Le),
    ("manche", Article::La),
    ("marne", Article::La),
    ("haute marne", Article::La),
    ("mayenne", Article::La),
    ("meurthe et moselle", Article::La),
    ("meuse", Article::La),
    ("morbihan", Article::Le),
    ("moselle", Article::La),
    ("nievre", Article::La),
    ("nord", Article::Le),
    ("oise", Article::L),
    ("orne", Article::L),
    ("pas de calais", Article::Le),
    ("puy de dome", Article::Le),
    ("pyrenees atlantiques", Article::Les),
    ("hautes pyrenees", Article::Les),
    ("pyrenees orientales", Article::Les),
    ("bas rhin", Article::Le),
    ("haut rhin", Article::Le),
    ("rhone", Article::Le),
    ("haute saone", Article::La),
    ("saone et loire", Article::La),
    ("sarthe", Article::La),
    ("savoie", Article::La),
    ("haute savoie", Article::La),
    ("seine maritime", Article::La),
    ("seine et marne", Article::La),
    ("yvelines", Article::Les),
    ("deux sevres", Article::Les),
    ("somme", Article::La),
    ("tarn", Article::Le),
    ("tarn et garonne", Article::Le),
    ("var", Article::Le),
    ("vaucluse", Article::Le),
    ("vendee", Article::La),
    ("vienne", Article::La),
    ("haute vienne", Article::La),
    ("vosges", Article::Les),
    ("yonne", Article::L),
    ("territoire de belfort", Article::Le),
    ("essonne", Article::L),
    ("hauts de seine", Article::Les),
    ("seine saint denis", Article::La),
    ("val de marne", Article::Le),
    ("val d oise", Article::Le),
    ("guadeloupe", Article::La),
    ("martinique", Article::La),
    ("guyane", Article::La),
    // Regions.
    ("auvergne rhone alpes", Article::L),
    ("bourgogne franche comte", Article::La),
    ("bretagne", Article::La),
    ("centre val de loire", Article::Le),
    ("corse", Article::La),
    ("grand est", Article::Le),
    ("hauts de france", Article::Les),
    ("ile de france", Article::L),
    ("normandie", Article::La),
    ("nouvelle aquitaine", Article::La),
    ("occitanie", Article::L),
    ("pays de la loire", Article::Les),
    ("provence alpes cote d azur", Article::La),
];

/// Whether a word starts with a vowel sound the article elides before
/// (a vowel, or a mute h among the words of the tables: "l'Hérault",
/// "l'Hôtel de ville"; "la Haute-Garonne" keeps its aspirated h).
pub(super) fn elides(word: &str) -> bool {
    let f = fold(word);
    match f.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y') => true,
        Some('h') => f.starts_with("herault") || f.starts_with("hotel"),
        _ => false,
    }
}

/// An organisation as the letters name it: the article and the name that
/// follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName {
    pub article: Article,
    /// What follows the article ("Ville de Grenoble", "commune de Dschang").
    pub name: String,
    /// The article belongs to a place name and keeps its capital ("de La
    /// Rochelle"); otherwise it is written in lower case.
    pub capital: bool,
}

impl OrgName {
    /// "de la Ville de Grenoble", "du Conseil départemental", "de
    /// l'Association…", "des Hauts-de-Seine", "d'Annecy", "de Grenoble".
    pub fn de(&self) -> String {
        let n = &self.name;
        match (self.article, self.capital) {
            (Article::Le, _) => format!("du {n}"),
            (Article::Les, _) => format!("des {n}"),
            (Article::La, false) => format!("de la {n}"),
            (Article::La, true) => format!("de La {n}"),
            (Article::L, false) => format!("de l'{n}"),
            (Article::L, true) => format!("de L'{n}"),
            (Article::Aucun, _) if elides(n) => format!("d'{n}"),
            (Article::Aucun, _) => format!("de {n}"),
        }
    }

    /// "la Ville de Grenoble", "le Conseil départemental", "l'Association…",
    /// "les Hauts-de-Seine", "Grenoble".
    pub fn with_article(&self) -> String {
        let n = &self.name;
        match (self.article, self.capital) {
            (Article::Le, false) => format!("le {n}"),
            (Article::Le, true) => format!("Le {n}"),
            (Article::Les, false) => format!("les {n}"),
            (Article::Les, true) => format!("Les {n}"),
            (Article::La, false) => format!("la {n}"),
            (Article::La, true) => format!("La {n}"),
            (Article::L, false) => format!("l'{n}"),
            (Article::L, true) => format!("L'{n}"),
            (Article::Aucun, _) => n.clone(),
        }
    }
}

fn gn_article(gn: Gn, next: &str) -> Article {
    match gn {
        Gn::P => Article::Les,
        _ if elides(next) => Article::L,
        Gn::M => Article::Le,
        Gn::F => Article::La,
    }
}

/// The article a word calls for when it is the first of the name, with the
/// rest: "La Rochelle" → (La, "Rochelle"); "L'Haÿ-les-Roses" → (L',
/// "Haÿ-les-Roses").
fn leading_article(name: &str) -> Option<(Article, &str)> {
    for (prefix, article) in [
        ("l'", Article::L),
        ("l’", Article::L),
        ("la ", Article::La),
        ("le ", Article::Le),
        ("les ", Article::Les),
    ] {
        if name.len() > prefix.len()
            && name.is_char_boundary(prefix.len())
            && name[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            let rest = name[prefix.len()..].trim_start();
            if !rest.is_empty() {
                return Some((article, rest));
            }
        }
    }
    None
}

/// The head noun of a name, if it is a known one: the longest entry of
/// [`HEADS`] its folded words start with.
fn head_of(name: &str) -> Option<Gn> {
    let f = fold(name);
    HEADS
        .iter()
        .filter(|(h, _)| {
            f.strip_prefix(h)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
        .max_by_key(|(h, _)| h.len())
        .map(|(_, gn)| *gn)
}

fn place_article(name: &str) -> Option<Article> {
    let f = fold(name);
    PLACES.iter().find(|(p, _)| *p == f).map(|(_, a)| *a)
}

/// How a bare name is named, from the type of structure of the fiche
/// (`organisation_type`) and its country.
fn named_by_type(name: &str, kind: Option<&str>, country: Option<&str>) -> Option<OrgName> {
    let abroad = country.is_some_and(|c| {
        let c = fold(c);
        !c.is_empty() && c != "france"
    });
    let with = |article: Article, noun: &str| {
        let inner = OrgName {
            article: leading_article(name).map_or(Article::Aucun, |(a, _)| a),
            name: leading_article(name).map_or(name, |(_, r)| r).to_string(),
            capital: true,
        };
        Some(OrgName {
            article,
            name: format!("{noun} {}", inner.de()),
            capital: false,
        })
    };
    match kind? {
        "commune" if abroad => with(Article::La, "ville"),
        "commune" => with(Article::La, "commune"),
        "region" => with(Article::La, "région"),
        "association" => Some(OrgName {
            article: Article::L,
            name: format!("association {name}"),
            capital: false,
        }),
        _ => None,
    }
}

/// The organisation of a fiche as the letters name it (see the module doc).
pub fn org_name(
    name: &str,
    org_type: Option<&str>,
    country: Option<&str>,
    article: Option<Article>,
) -> OrgName {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(a) = article {
        // Staff's word; a leading article of the name gives way to it.
        let rest = leading_article(&name).map_or(name.as_str(), |(_, r)| r);
        return OrgName {
            article: a,
            name: rest.to_string(),
            capital: false,
        };
    }
    if let Some((a, rest)) = leading_article(&name) {
        if let Some(gn) = head_of(rest) {
            // "La Ville de Lyon": the article is grammar, not a place name.
            return OrgName {
                article: gn_article(gn, rest),
                name: rest.to_string(),
                capital: false,
            };
        }
        // "La Rochelle", "Le Havre", "Les Mureaux" (a commune named alone:
        // "la commune du Havre").
        if let Some(n) = named_by_type(&name, org_type, country) {
            return n;
        }
        return OrgName {
            article: a,
            name: rest.to_string(),
            capital: true,
        };
    }
    if let Some(gn) = head_of(&name) {
        return OrgName {
            article: gn_article(gn, &name),
            name,
            capital: false,
        };
    }
    if let Some(a) = place_article(&name) {
        return OrgName {
            article: a,
            name,
            capital: false,
        };
    }
    if let Some(n) = named_by_type(&name, org_type, country) {
        return n;
    }
    OrgName {
        article: Article::Aucun,
        name,
        capital: false,
    }
}

/// Madame or Monsieur, when the fiche says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Civility {
    Madame,
    Monsieur,
}

impl Civility {
    pub fn word(self) -> &'static str {
        match self {
            Civility::Madame => "Madame",
            Civility::Monsieur => "Monsieur",
        }
    }

    /// A civility written alone: "Mme", "Madame", "M.", "Monsieur", "Mr",
    /// "Mlle", "Sra.", "Sr."…
    pub fn parse(word: &str) -> Option<Civility> {
        let w = word.trim().trim_end_matches('.').to_lowercase();
        match w.as_str() {
            "mme" | "madame" | "mlle" | "mademoiselle" | "mrs" | "ms" | "sra" | "señora"
            | "senora" | "dona" | "doña" => Some(Civility::Madame),
            "m" | "monsieur" | "mr" | "sr" | "señor" | "senor" | "don" => Some(Civility::Monsieur),
            _ => None,
        }
    }
}

/// A name that starts with a civility ("Mme Claire Martin", "M. Tchinda"):
/// the civility and the rest.
pub fn split_civility(name: &str) -> (Option<Civility>, &str) {
    let name = name.trim();
    let mut it = name.splitn(2, [' ', '\u{a0}']);
    let first = it.next().unwrap_or("");
    let rest = it.next().unwrap_or("").trim();
    match Civility::parse(first) {
        // "M." alone is a civility only with a name after it, or with its dot.
        Some(c) if !rest.is_empty() || first.ends_with('.') || first.len() > 2 => (Some(c), rest),
        _ => (None, name),
    }
}

/// The salutation: "Madame Martin", "Monsieur", or "Madame, Monsieur"
/// when the civility is not known.
pub fn salutation(civility: Option<Civility>, last_name: Option<&str>) -> String {
    match (civility, last_name.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(c), Some(n)) => format!("{} {n}", c.word()),
        (Some(c), None) => c.word().to_string(),
        (None, _) => "Madame, Monsieur".to_string(),
    }
}

/// Quotation marks people put around a title themselves.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '«' | '»' | '"' | '“' | '”' | '„' | '‟' | '‹' | '›' | '\'' | '‘' | '’' | '`'
    )
}

/// Whether the guillemets and straight double quotes of `t` pair up.
fn balanced(t: &str) -> bool {
    t.matches('«').count() == t.matches('»').count() && t.matches('"').count().is_multiple_of(2)
}

/// A title in one pair of guillemets with non-breaking spaces inside. The
/// quotes the sender put around the whole title are dropped first (only as
/// a pair: « "Jeunes solidaires" : un dispositif » keeps its inner quote);
/// quotes inside it become the inner ones of French typography, “ ”, so
/// that guillemets never nest.
pub fn quoted(title: &str) -> String {
    let mut t = title.trim();
    while let (Some(first), Some(last)) = (t.chars().next(), t.chars().next_back()) {
        if t.chars().count() < 2 || !is_quote(first) || !is_quote(last) {
            break;
        }
        let inner = t[first.len_utf8()..t.len() - last.len_utf8()].trim();
        if !balanced(inner) {
            break;
        }
        t = inner;
    }
    let mut out = String::with_capacity(t.len() + 8);
    let mut straight_open = false;
    for c in t.chars() {
        let c = match c {
            '«' => '“',
            '»' => '”',
            '"' => {
                straight_open = !straight_open;
                if straight_open { '“' } else { '”' }
            }
            c => c,
        };
        if c == '”' {
            while out.ends_with([' ', NBSP, '\u{202f}']) {
                out.pop();
            }
        }
        if (c == ' ' || c == NBSP || c == '\u{202f}') && out.ends_with('“') {
            continue;
        }
        out.push(c);
    }
    format!("«\u{a0}{out}\u{a0}»")
}

const NBSP: char = '\u{a0}';

/// A reason staff gave (a refusal's, a cancellation's) as a sentence of
/// the letter: "En effet, " and the reason, its first letter lowercased
/// (not an acronym's, nor a name's: `names` are the organisation's and the
/// event's, which keep their capital), ending with a full stop. A reason
/// that already starts with "En effet" or ends with a stop is kept so.
pub fn reason_sentence(reason: &str, names: &[&str]) -> String {
    let r = reason.trim().trim_end_matches([' ', NBSP, ',', ';', ':']);
    let r = r
        .strip_prefix("Motif")
        .map(|x| x.trim_start_matches([' ', NBSP]))
        .and_then(|x| x.strip_prefix(':'))
        .map(str::trim_start)
        .unwrap_or(r);
    if r.is_empty() {
        return String::new();
    }
    let body = if r.to_lowercase().starts_with("en effet") {
        r.to_string()
    } else {
        let first: String = r
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '\'')
            .collect();
        let keep = first.chars().skip(1).any(char::is_uppercase)
            || first.chars().count() == 1 && r.chars().nth(1).is_some_and(|c| c == '.')
            || names
                .iter()
                .any(|n| !first.is_empty() && n.trim_start().starts_with(&first));
        let mut chars = r.chars();
        let head = chars.next().unwrap_or(' ');
        let head: String = if keep {
            head.to_string()
        } else {
            head.to_lowercase().collect()
        };
        format!("En effet, {head}{}", chars.as_str())
    };
    if body.ends_with(['.', '!', '?', '…']) {
        body
    } else {
        format!("{body}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::french::typography;

    #[test]
    fn reasons_read_as_a_sentence() {
        assert_eq!(
            reason_sentence(
                "Un micro-atelier sur le même sujet est déjà au programme",
                &[]
            ),
            "En effet, un micro-atelier sur le même sujet est déjà au programme."
        );
        assert_eq!(
            reason_sentence("CUF ne finance pas de projets.", &[]),
            "En effet, CUF ne finance pas de projets."
        );
        assert_eq!(
            reason_sentence("Saint-Étienne présente déjà un atelier", &["Saint-Étienne"]),
            "En effet, Saint-Étienne présente déjà un atelier."
        );
        assert_eq!(
            reason_sentence(
                "Motif : la table ne peut être tenue : programme réduit",
                &[]
            ),
            "En effet, la table ne peut être tenue : programme réduit."
        );
        assert_eq!(
            reason_sentence("En effet, trop tard", &[]),
            "En effet, trop tard."
        );
    }

    #[test]
    fn dates_and_percent_do_not_break() {
        assert_eq!(
            typography("le 4 juillet 2018 et le 1er juin, 1 % solidaire"),
            "le 4\u{a0}juillet\u{a0}2018 et le 1er\u{a0}juin, 1\u{a0}% solidaire"
        );
        assert_eq!(typography("mai 2018 : x"), "mai\u{a0}2018\u{a0}: x");
        assert_eq!(typography("je mai"), "je mai");
        assert_eq!(typography("(4 juillet 2018)"), "(4\u{a0}juillet\u{a0}2018)");
    }

    fn de(name: &str, t: Option<&str>, country: Option<&str>) -> String {
        org_name(name, t, country, None).de()
    }

    #[test]
    fn articles_and_elision() {
        assert_eq!(
            de("Ville de Grenoble", Some("commune"), None),
            "de la Ville de Grenoble"
        );
        assert_eq!(
            de("Conseil départemental du Val-de-Marne", None, None),
            "du Conseil départemental du Val-de-Marne"
        );
        assert_eq!(
            de("Association Solidarité Eau Europe", None, None),
            "de l'Association Solidarité Eau Europe"
        );
        assert_eq!(de("Hauts-de-Seine", None, None), "des Hauts-de-Seine");
        assert_eq!(de("Isère", Some("departement"), None), "de l'Isère");
        assert_eq!(de("Nord", Some("departement"), None), "du Nord");
        assert_eq!(
            de("Haute-Garonne", Some("departement"), None),
            "de la Haute-Garonne"
        );
        assert_eq!(
            de("Grenoble", Some("commune"), Some("France")),
            "de la commune de Grenoble"
        );
        assert_eq!(
            de("Quito", Some("commune"), Some("Équateur")),
            "de la ville de Quito"
        );
        assert_eq!(
            de("Municipalidad de Quito", Some("commune"), Some("Équateur")),
            "de la Municipalidad de Quito"
        );
        assert_eq!(
            de("Ayuntamiento de Barcelona", None, None),
            "de l'Ayuntamiento de Barcelona"
        );
        assert_eq!(de("Annecy", None, None), "d'Annecy");
        assert_eq!(de("Grenoble", None, None), "de Grenoble");
        assert_eq!(de("La Rochelle", None, None), "de La Rochelle");
        assert_eq!(de("Le Havre", None, None), "du Havre");
        assert_eq!(de("Les Mureaux", None, None), "des Mureaux");
        assert_eq!(
            de("Le Havre", Some("commune"), None),
            "de la commune du Havre"
        );
        assert_eq!(de("La Ville de Lyon", None, None), "de la Ville de Lyon");
        assert_eq!(
            de("Région Nouvelle-Aquitaine", Some("region"), None),
            "de la Région Nouvelle-Aquitaine"
        );
        assert_eq!(de("Bretagne", Some("region"), None), "de la Bretagne");
        assert_eq!(
            de("Kayes", Some("region"), Some("Mali")),
            "de la région de Kayes"
        );
        assert_eq!(
            de(
                "Communauté urbaine de Dunkerque",
                Some("intercommunalite"),
                None
            ),
            "de la Communauté urbaine de Dunkerque"
        );
        assert_eq!(de("Grand Poitiers", None, None), "du Grand Poitiers");
        assert_eq!(
            de("ONG Kinshasa Solidaire", None, None),
            "de l'ONG Kinshasa Solidaire"
        );
        assert_eq!(
            de("Eau Vive", Some("association"), None),
            "de l'association Eau Vive"
        );
        assert_eq!(
            de("Hôtel de ville de Paris", None, None),
            "de l'Hôtel de ville de Paris"
        );
        assert_eq!(de("  Ville   de  Lyon ", None, None), "de la Ville de Lyon");
    }

    #[test]
    fn staff_override_wins() {
        let n = org_name("Pays de Retz", None, None, Some(Article::Le));
        assert_eq!(n.de(), "du Pays de Retz");
        let n = org_name("La Réunion", None, None, Some(Article::La));
        assert_eq!(n.de(), "de la Réunion");
        let n = org_name("Ville de Grenoble", None, None, Some(Article::Aucun));
        assert_eq!(n.de(), "de Ville de Grenoble");
        let n = org_name("Union des villes", None, None, Some(Article::Aucun));
        assert_eq!(n.de(), "d'Union des villes");
        assert_eq!(
            org_name("Landes", None, None, None).with_article(),
            "les Landes"
        );
        for a in Article::ALL {
            assert_eq!(Article::parse(a.as_str()), Some(a));
        }
        assert_eq!(Article::parse("L’"), Some(Article::L));
        assert_eq!(Article::parse("du"), None);
    }

    #[test]
    fn civility_and_salutation() {
        assert_eq!(
            split_civility("Mme Claire Martin"),
            (Some(Civility::Madame), "Claire Martin")
        );
        assert_eq!(
            split_civility("M. Tchinda"),
            (Some(Civility::Monsieur), "Tchinda")
        );
        assert_eq!(split_civility("Martin"), (None, "Martin"));
        assert_eq!(split_civility("M"), (None, "M"));
        assert_eq!(split_civility("Madame"), (Some(Civility::Madame), ""));
        assert_eq!(
            salutation(Some(Civility::Madame), Some("Martin")),
            "Madame Martin"
        );
        assert_eq!(salutation(None, Some("Martin")), "Madame, Monsieur");
        assert_eq!(salutation(Some(Civility::Monsieur), None), "Monsieur");
    }

    #[test]
    fn guillemets_and_spaces() {
        assert_eq!(quoted("« Eau potable »"), "«\u{a0}Eau potable\u{a0}»");
        assert_eq!(quoted("\"Eau\""), "«\u{a0}Eau\u{a0}»");
        // Quotes inside the title: the inner ones of French typography.
        assert_eq!(
            quoted("« Jeunes solidaires » : un dispositif régional"),
            "«\u{a0}“Jeunes solidaires” : un dispositif régional\u{a0}»"
        );
        assert_eq!(
            quoted("« Le programme \"Eau pour tous\" »"),
            "«\u{a0}Le programme “Eau pour tous”\u{a0}»"
        );
        assert_eq!(
            quoted("L'eau, un bien commun"),
            "«\u{a0}L'eau, un bien commun\u{a0}»"
        );
        assert_eq!(
            typography("la fiche (« «\u{a0}Eau\u{a0}» », n° 12) : ok ; 14h20 – 14h40 à 14:20"),
            "la fiche («\u{a0}Eau\u{a0}», n°\u{a0}12)\u{a0}: ok\u{a0}; 14h20\u{a0}– 14h40 à 14:20"
        );
        assert_eq!(typography("Objet : x"), "Objet\u{a0}: x");
        assert_eq!(typography("http://x"), "http://x");
        assert_eq!(crate::domain::ordinal_fr(1i64), "1re");
        assert_eq!(crate::domain::ordinal_fr(2i64), "2e");
    }
}
