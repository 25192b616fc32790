//! The command line: clap definitions, and clap's own words in French
//! (headings, the help and version flags, its errors). Each subcommand's
//! work is in `commands/`.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "fiches",
    version = crate::version_text(),
    about = "Fiches de renseignement des Rencontres de Cités Unies France : lecture, réception, console, publication"
)]
pub struct Cli {
    /// Fichier de configuration (par défaut ./config.toml, sinon
    /// $XDG_CONFIG_HOME/fiches/config.toml, sinon /etc/fiches/config.toml ;
    /// aussi par la variable d'environnement FICHES_CONFIG).
    #[arg(
        long,
        global = true,
        value_name = "FICHIER",
        env = "FICHES_CONFIG",
        hide_env = true
    )]
    pub config: Option<PathBuf>,

    /// Base de données à utiliser à la place de celle de la configuration
    /// (aussi par la variable d'environnement FICHES_DB).
    #[arg(
        long,
        global = true,
        value_name = "FICHIER",
        env = "FICHES_DB",
        hide_env = true
    )]
    pub db: Option<PathBuf>,

    /// Plus de détails dans le journal d'exécution (-v, -vv ; ou FICHES_LOG=debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lit des fiches (DOCX, XLSX, ODT, ODS, XLS) et affiche ce qui y a été lu.
    Parse {
        /// Fichiers ou dossiers (parcourus avec leurs sous-dossiers).
        #[arg(required = true, value_name = "CHEMIN")]
        paths: Vec<PathBuf>,
        /// Un objet JSON par fichier et par ligne.
        #[arg(long)]
        json: bool,
    },
    Console(commands::console::Args),
    Import(commands::import::Args),
    Messages(commands::messages::Args),
    Proposals(commands::proposals::Args),
    /// Publie le programme retenu (HTML, fragment SPIP, CSV, XLSX, JSON) avec ses changements, et prépare l'envoi aux partenaires.
    Publish(commands::publish::Args),
    Daemon(commands::daemon::Args),
    Outbox(commands::outbox::Args),
    Send(commands::send::Args),
    // Their descriptions are the doc comments of their argument structs.
    Decide(commands::decide::DecideArgs),
    Undo(commands::decide::UndoArgs),
    Move(commands::decide::MoveArgs),
    Swap(commands::decide::SwapArgs),
    Programme(commands::programme::Args),
    Suggest(commands::programme::SuggestArgs),
    Status(commands::status::Args),
    Backup(commands::backup::Args),
    Migrate(commands::migrate::Args),
    Setup(commands::setup::Args),
    /// Affiche ou fixe l'article du nom de l'organisation dans les lettres (le, la, l', les, aucun, auto).
    Article(commands::article::Args),
    /// Enregistre une pièce jointe reçue (--save DOSSIER) ou en affiche le texte (--text), par son numéro (console, À traiter : « PJ N »).
    Attachment(commands::attachment::Args),
    CheckCall(commands::check_call::Args),
    Templates(commands::templates::Args),
}

impl Cli {
    /// The global options the database commands share.
    pub fn globals(&self) -> commands::Globals {
        commands::Globals {
            config: self.config.clone(),
            db: self.db.clone(),
        }
    }
}

/// The help layout of clap with its one English heading ("Usage") in French.
const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

/// The command line as clap would build it, with every word clap adds in
/// French: section headings, `-h/--help`, `-V/--version`, the `help`
/// subcommand, the placeholder of a subcommand.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    // Builds the help flags, the help subcommand and the global options
    // of every subcommand, so that they can be reworded below.
    cmd.build();
    in_french(cmd)
}

fn in_french(cmd: clap::Command) -> clap::Command {
    cmd.help_template(HELP_TEMPLATE)
        .subcommand_help_heading("Commandes ")
        .subcommand_value_name("COMMANDE")
        .mut_args(|arg| {
            // clap writes "Arguments:" and "Options:"; a heading of our own
            // gets the French space before the colon.
            let heading = if arg.is_positional() {
                "Arguments "
            } else {
                "Options "
            };
            let arg = arg.help_heading(heading);
            match arg.get_id().as_str() {
                "help" if arg.get_long_help().is_some() => arg
                    .help("Affiche l'aide")
                    .long_help("Affiche l'aide (un résumé avec -h)"),
                "help" => arg.help("Affiche l'aide"),
                "version" => arg.help("Affiche la version"),
                _ => arg,
            }
        })
        .mut_subcommands(|sub| {
            if sub.get_name() == "help" {
                in_french(sub.about("Affiche cette aide, ou l'aide des commandes nommées"))
            } else {
                in_french(sub)
            }
        })
}

/// Reads the command line. Help and version are printed and end the
/// program with 0; a mistake is told in French on the error output and
/// ends it with 2, as clap does.
pub fn parse() -> Cli {
    let mut cmd = command();
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `fiches help --help`: the help of `help` is the help.
    if args.get(1).is_some_and(|a| a == "help")
        && args.iter().skip(2).any(|a| a == "--help" || a == "-h")
    {
        args.truncate(2);
    }
    let parsed = cmd
        .try_get_matches_from_mut(args.clone())
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    match parsed {
        Ok(cli) => cli,
        Err(err) => match err.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                // Rendered from the French command above.
                let _ = err.print();
                std::process::exit(0);
            }
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = err.print();
                std::process::exit(2);
            }
            _ => {
                let mut text = error_text(&err);
                // An error without a usage line (a value refused by its
                // parser) points to the help of the subcommand typed.
                if let Some(sub) = args
                    .iter()
                    .skip(1)
                    .filter_map(|a| a.to_str())
                    .find(|a| *a != "help" && cmd.find_subcommand(a).is_some())
                {
                    text = text.replace(
                        "Pour en savoir plus : fiches --help",
                        &format!("Pour en savoir plus : fiches {sub} --help"),
                    );
                }
                eprint!("{text}");
                std::process::exit(2);
            }
        },
    }
}

/// A value of the error's context as plain text.
fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(b) => Some(b.to_string()),
        ContextValue::None => None,
        _ => None,
    }
}

/// Quoted the French way: « x ».
fn quoted(text: &str) -> String {
    format!("« {text} »")
}

/// One of several names, quoted and joined by "ou".
fn one_of(err: &clap::Error, kind: ContextKind) -> Option<String> {
    let names: Vec<String> = match err.get(kind)? {
        ContextValue::Strings(v) => v.iter().map(|s| quoted(s)).collect(),
        ContextValue::String(s) => vec![quoted(s)],
        _ => return None,
    };
    (!names.is_empty()).then(|| names.join(" ou "))
}

/// The French text of a clap error: what is wrong, with which argument,
/// what to do, then the usage line. clap cannot translate its messages;
/// this maps each kind and its context (the argument, the value, the
/// suggestions) to a sentence.
pub fn error_text(err: &clap::Error) -> String {
    let arg = context(err, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(err, ContextKind::InvalidValue).unwrap_or_default();
    let mut lines = vec![match err.kind() {
        ErrorKind::UnknownArgument if arg.starts_with('-') => {
            format!("option inconnue : {}", quoted(&arg))
        }
        ErrorKind::UnknownArgument
            if context(err, ContextKind::Usage).is_some_and(|u| u.contains("<COMMANDE>")) =>
        {
            format!("commande inconnue : {}", quoted(&arg))
        }
        ErrorKind::UnknownArgument => {
            format!("argument en trop : {}", quoted(&arg))
        }
        ErrorKind::InvalidSubcommand => {
            let name = context(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("commande inconnue : {}", quoted(&name))
        }
        ErrorKind::InvalidValue => {
            let mut line = if value.is_empty() {
                format!("{arg} : une valeur est attendue")
            } else {
                format!("{arg} : valeur non prévue {}", quoted(&value))
            };
            if let Some(valid) = one_of(err, ContextKind::ValidValue) {
                line.push_str(&format!(" ; valeurs possibles : {valid}"));
            }
            line
        }
        ErrorKind::ValueValidation => {
            let why = match std::error::Error::source(err) {
                Some(source) if source.is::<std::num::ParseIntError>() => {
                    "un nombre entier est attendu".to_string()
                }
                Some(source) => source.to_string(),
                None => String::new(),
            };
            if why.contains(&value) && !value.is_empty() {
                format!("{arg} : {why}")
            } else if why.is_empty() {
                format!("{arg} : valeur non valable {}", quoted(&value))
            } else {
                format!("{arg} : valeur non valable {} ({why})", quoted(&value))
            }
        }
        ErrorKind::NoEquals => format!("{arg} : la valeur s'écrit après un « = »"),
        ErrorKind::TooManyValues => {
            format!("{arg} : une valeur de trop, {}", quoted(&value))
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            let expected = context(err, ContextKind::ExpectedNumValues)
                .or_else(|| context(err, ContextKind::MinValues))
                .unwrap_or_default();
            let actual = context(err, ContextKind::ActualNumValues).unwrap_or_default();
            format!(
                "{arg} : {} attendue{}, {} donnée{}",
                crate::domain::french::count(
                    expected.parse::<u64>().unwrap_or(0),
                    "valeur",
                    "valeurs"
                ),
                crate::domain::french::plural_s(expected.parse::<u64>().unwrap_or(0)),
                actual,
                crate::domain::french::plural_s(actual.parse::<u64>().unwrap_or(0)),
            )
        }
        ErrorKind::ArgumentConflict => match context(err, ContextKind::PriorArg) {
            // An option before a subcommand it does not go with.
            Some(prior) if arg.is_empty() => {
                format!("{prior} ne va pas avec cette commande : l'écrire après elle, ou l'enlever")
            }
            Some(prior) if prior != arg => {
                format!("{arg} ne peut pas être donné avec {prior}")
            }
            _ => format!("{arg} ne peut être donné qu'une fois"),
        },
        ErrorKind::MissingRequiredArgument => {
            let missing = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => v.join(", "),
                _ => arg.clone(),
            };
            // A group of which one is needed: "<--save <DOSSIER>|--text>".
            match missing
                .strip_prefix('<')
                .and_then(|m| m.strip_suffix('>'))
                .filter(|m| m.contains('|'))
            {
                Some(group) => format!(
                    "indiquer l'une de ces options : {}",
                    group.split('|').collect::<Vec<_>>().join(" ou ")
                ),
                None => format!("il manque : {missing}"),
            }
        }
        ErrorKind::MissingSubcommand => {
            let name = context(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!(
                "{} attend une commande (voir la liste avec --help)",
                quoted(&name)
            )
        }
        ErrorKind::InvalidUtf8 => {
            "un argument n'est pas du texte UTF-8 valable : le réécrire".to_string()
        }
        _ => "ligne de commande non valable".to_string(),
    }];
    if let Some(suggested) = one_of(err, ContextKind::SuggestedSubcommand)
        .or_else(|| one_of(err, ContextKind::SuggestedArg))
        .or_else(|| one_of(err, ContextKind::SuggestedValue))
    {
        lines.push(format!("  vouliez-vous dire {suggested} ?"));
    }
    if context(err, ContextKind::TrailingArg).as_deref() == Some("true") {
        lines.push(format!(
            "  pour passer {} comme valeur, l'écrire après « -- »",
            quoted(&arg)
        ));
    }
    let mut text = format!("fiches : {}\n", lines.join("\n"));
    let usage = context(err, ContextKind::Usage);
    if let Some(usage) = &usage {
        text.push('\n');
        text.push_str(&french_usage(usage));
        text.push('\n');
    }
    text.push_str(&format!(
        "\nPour en savoir plus : {} --help\n",
        usage.as_deref().map_or("fiches".to_string(), command_of)
    ));
    text
}

/// The command a usage line is about: "Usage: fiches outbox show <N>" →
/// "fiches outbox show".
fn command_of(usage: &str) -> String {
    let first = usage.lines().next().unwrap_or_default();
    let words: Vec<&str> = first
        .trim_start_matches("Usage:")
        .split_whitespace()
        .take_while(|w| !w.starts_with(['<', '[', '-']))
        .collect();
    if words.is_empty() {
        "fiches".into()
    } else {
        words.join(" ")
    }
}

/// clap's usage block ("Usage: fiches …", further forms aligned under the
/// first) with the French heading.
fn french_usage(usage: &str) -> String {
    const HEADING: &str = "Utilisation : ";
    usage
        .lines()
        .map(|line| {
            if let Some(rest) = line.strip_prefix("Usage: ") {
                format!("{HEADING}{rest}")
            } else {
                // Under the first form, as in the help ("Utilisation : ").
                format!("       {}", line.trim_start())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
