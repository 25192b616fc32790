//! `fiches article N [ARTICLE]`: the article the letters give an
//! organisation's name ("de la Ville de…", "du Conseil…", "d'Annecy"),
//! shown, or set by staff for the odd case the letters' grammar gets wrong.

use anyhow::bail;

use super::Globals;
use super::output::say;
use crate::domain::french::Article;
use crate::letters::french::org_name;
use crate::safe::terminal_line as clean;

/// L'article du nom de l'organisation dans les lettres d'une proposition.
///
/// Sans ARTICLE : montre comment les lettres nomment l'organisation
/// (« de la Ville de Grenoble »). Avec : le fixe pour toutes les lettres de
/// cette proposition — le, la, l', les, aucun (nom propre : « de Grenoble »,
/// « d'Annecy ») — ou `auto` pour revenir à la règle des lettres.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Numéro de la proposition.
    #[arg(value_name = "NUMÉRO")]
    pub number: i64,
    /// le, la, l', les, aucun, ou auto.
    pub article: Option<String>,
}

pub fn run(globals: &Globals, args: &Args) -> anyhow::Result<bool> {
    let config = globals.require_config()?;
    let mut store = globals.open_store(Some(&config))?;
    let p = match &args.article {
        None => store.proposal_by_number(args.number)?,
        Some(a) => {
            let article = match a.trim() {
                "auto" | "automatique" => None,
                other => match Article::parse(other) {
                    Some(x) => Some(x),
                    None => bail!(
                        "article « {other} » inconnu : le, la, l', les, aucun, ou auto pour la règle des lettres"
                    ),
                },
            };
            store.set_article(args.number, article, &crate::system::acting_user())?
        }
    };
    let Some(name) = p.text(crate::call::roles().organisation.as_str()) else {
        say(&format!(
            "proposition n° {} : pas de nom d'organisation dans la fiche (les lettres disent « votre collectivité »)",
            p.number
        ))?;
        return Ok(true);
    };
    let o = org_name(
        name,
        p.text(crate::call::roles().organisation_type.as_str()),
        p.text(crate::call::roles().country.as_str()),
        p.article,
    );
    let how = match p.article {
        Some(a) => format!("article fixé : {a}"),
        None => "article choisi automatiquement".to_string(),
    };
    // "l'" before a consonant ("l'Ville de Grenoble") is allowed but said.
    let elided_before_consonant = p.article.is_some_and(|a| a.to_string() == "l'")
        && crate::fiche::text::fold(name)
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiouyh".contains(c));
    say(&format!(
        "proposition n° {} ({how}) : « la proposition {} », « proposée par {} »",
        p.number,
        clean(&o.de()),
        clean(&o.with_article())
    ))?;
    if elided_before_consonant {
        say(&format!(
            "attention : « l' » devant « {} », qui commence par une consonne ; \
             `fiches article {} auto` pour revenir au choix automatique",
            clean(name),
            p.number
        ))?;
    }
    Ok(true)
}
