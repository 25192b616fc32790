//! The two forms as printed by CUF (`SPEC.md`): for each kind, the fields in
//! form order with their stable key, printed label, type and the options of
//! choice fields. This table is the only place that knows the forms.

use super::model::Kind;

/// The type of a field, which decides how its raw text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    LongText,
    Email,
    /// Kept exactly as written (leading 0 and + kept).
    Phone,
    Choice(&'static [Opt]),
}

/// One option of a choice field: the label printed on the form, the stored
/// value, and shorter ways people write it (the label's head, a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    pub label: &'static str,
    pub value: &'static str,
    pub aliases: &'static [&'static str],
}

const fn opt(label: &'static str, value: &'static str) -> Opt {
    Opt {
        label,
        value,
        aliases: &[],
    }
}

const fn opt_a(label: &'static str, value: &'static str, aliases: &'static [&'static str]) -> Opt {
    Opt {
        label,
        value,
        aliases,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    /// Other labels seen on older or retyped forms.
    pub aliases: &'static [&'static str],
    pub ty: FieldType,
    pub required: bool,
}

const fn f(key: &'static str, label: &'static str, ty: FieldType, required: bool) -> FieldSpec {
    FieldSpec {
        key,
        label,
        aliases: &[],
        ty,
        required,
    }
}

const fn fa(
    key: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    ty: FieldType,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        aliases,
        ty,
        required,
    }
}

pub const ORGANISATION_TYPES: &[Opt] = &[
    opt("Commune", "commune"),
    opt_a("Intercommunalité", "intercommunalite", &["EPCI"]),
    opt("Département", "departement"),
    opt("Région", "region"),
    opt_a("Association / ONG", "association", &["Association", "ONG"]),
    opt("Autre", "autre"),
];

pub const YES_NO: &[Opt] = &[opt("Oui", "true"), opt("Non", "false")];

pub const THEMES: &[Opt] = &[
    opt_a("ODD / Agenda 2030", "odd", &["ODD", "Agenda 2030"]),
    opt("Climat", "climat"),
    opt("Migrations", "migrations"),
    opt("Jeunesse", "jeunesse"),
    opt("Autre", "autre"),
];

pub const FORMATS: &[Opt] = &[
    opt_a(
        "Diaporama (3-4 diapositives maximum)",
        "diaporama",
        &["Diaporama"],
    ),
    opt("Film", "film"),
    opt_a(
        "Démonstration d'un outil ou d'un jeu",
        "demonstration",
        &["Démonstration"],
    ),
    opt("Autre", "autre"),
];

pub const MICRO_SLOTS: &[Opt] = &[
    opt_a("14h00 – 14h20", "14:00", &["14h00", "14h", "14:00"]),
    opt_a("14h20 – 14h40", "14:20", &["14h20", "14:20"]),
    opt_a("14h40 – 15h00", "14:40", &["14h40", "14:40"]),
    opt_a("15h00 – 15h20", "15:00", &["15h00", "15h", "15:00"]),
    opt_a("15h20 – 15h40", "15:20", &["15h20", "15:20"]),
    opt_a(
        "Indifférent",
        "any",
        &["Indifférente", "Peu importe", "Sans préférence"],
    ),
];

pub const REQUEST_TYPES: &[Opt] = &[
    opt_a(
        "Appel à coopération (recherche de partenaires sur un pays ou une thématique)",
        "cooperation",
        &["Appel à coopération"],
    ),
    opt_a(
        "Besoin spécifique (outil, formation, partenariat à négocier…)",
        "specific_need",
        &["Besoin spécifique"],
    ),
];

pub const PARTNERS_SOUGHT: &[Opt] = &[
    opt("Collectivité française", "french_local_government"),
    opt("Collectivité étrangère", "foreign_local_government"),
    opt("Entreprise", "company"),
    opt_a("Association / ONG", "association", &["Association", "ONG"]),
    opt("Autre", "autre"),
];

pub const BOURSE_SLOTS: &[Opt] = &[
    opt_a("12h45 – 13h15", "12:45", &["12h45", "12:45"]),
    opt_a("13h15 – 13h45", "13:15", &["13h15", "13:15"]),
    opt_a("16h30 – 17h00", "16:30", &["16h30", "16:30"]),
    opt_a("17h00 – 17h30", "17:00", &["17h00", "17h", "17:00"]),
    opt_a(
        "Indifférent",
        "any",
        &["Indifférente", "Peu importe", "Sans préférence"],
    ),
];

use FieldType::*;

/// The common head followed by a form's own fields (`N` = 10 + `M`).
const fn with_head<const M: usize, const N: usize>(own: [FieldSpec; M]) -> [FieldSpec; N] {
    let mut out = [COMMON_HEAD[0]; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < COMMON_HEAD.len() {
            COMMON_HEAD[i]
        } else {
            own[i - COMMON_HEAD.len()]
        };
        i += 1;
    }
    out
}

const COMMON_HEAD: [FieldSpec; 10] = [
    fa(
        "organisation",
        "Nom de la collectivité ou de la structure",
        &[
            "Nom de la collectivité",
            "Nom de la structure",
            "Collectivité ou structure",
        ],
        Text,
        true,
    ),
    f(
        "organisation_type",
        "Type de structure",
        Choice(ORGANISATION_TYPES),
        false,
    ),
    f("country", "Pays", Text, true),
    fa(
        "cuf_member",
        "Membre de Cités Unies France",
        &["Membre de CUF", "Adhérent de Cités Unies France"],
        Choice(YES_NO),
        false,
    ),
    fa(
        "organisation_description",
        "Présentation de votre collectivité ou structure",
        &[
            "Présentation de la collectivité ou structure",
            "Présentation de la structure",
        ],
        LongText,
        false,
    ),
    fa("contact_last_name", "Nom", &["Nom de famille"], Text, true),
    f("contact_first_name", "Prénom", Text, false),
    f("contact_role", "Fonction", Text, false),
    fa(
        "contact_email",
        "Courriel",
        &[
            "Email",
            "E-mail",
            "Mail",
            "Adresse électronique",
            "Adresse mail",
        ],
        Email,
        true,
    ),
    fa(
        "contact_phone",
        "Téléphone",
        &["Tél", "Tel", "Portable"],
        Phone,
        false,
    ),
];

const MICRO_ONLY: [FieldSpec; 8] = [
    fa(
        "project_title",
        "Titre du projet ou de la démarche",
        &["Titre du projet"],
        Text,
        true,
    ),
    fa(
        "theme",
        "Thématique principale",
        &["Thématique"],
        Choice(THEMES),
        false,
    ),
    f("partner_countries", "Pays partenaire(s)", Text, false),
    fa(
        "project_description",
        "Description du projet ou de la démarche",
        &["Description du projet"],
        LongText,
        true,
    ),
    f("partners", "Partenaires associés", LongText, false),
    f(
        "format",
        "Format de la présentation",
        Choice(FORMATS),
        false,
    ),
    f("equipment", "Besoins matériels", Text, false),
    fa(
        "preferred_slot",
        "Créneau horaire souhaité",
        &["Créneau souhaité", "Créneau"],
        Choice(MICRO_SLOTS),
        false,
    ),
];

const BOURSE_ONLY: [FieldSpec; 7] = [
    f(
        "request_type",
        "Type de demande",
        Choice(REQUEST_TYPES),
        true,
    ),
    fa(
        "target_country",
        "Pays ou région concerné(s)",
        &["Pays concerné(s)", "Région concernée"],
        Text,
        false,
    ),
    fa(
        "theme",
        "Thématique",
        &["Thématique principale"],
        Choice(THEMES),
        false,
    ),
    f(
        "partner_sought",
        "Type de partenaire recherché",
        Choice(PARTNERS_SOUGHT),
        false,
    ),
    f(
        "request_description",
        "Description de la demande",
        LongText,
        true,
    ),
    f("difficulties", "Difficultés rencontrées", LongText, false),
    fa(
        "preferred_slot",
        "Créneau horaire souhaité pour le rendez-vous",
        &["Créneau horaire souhaité", "Créneau souhaité", "Créneau"],
        Choice(BOURSE_SLOTS),
        false,
    ),
];

/// The micro-atelier form, in form order.
pub const MICRO_ATELIER: &[FieldSpec] = &with_head::<8, 18>(MICRO_ONLY);

/// The bourse aux projets form, in form order.
pub const BOURSE_PROJETS: &[FieldSpec] = &with_head::<7, 17>(BOURSE_ONLY);

/// The fields of a kind, in form order.
pub fn fields(kind: Kind) -> &'static [FieldSpec] {
    match kind {
        Kind::MicroAtelier => MICRO_ATELIER,
        Kind::BourseProjets => BOURSE_PROJETS,
    }
}

/// The fields both forms share (used when the kind cannot be told).
pub fn common_fields() -> &'static [FieldSpec] {
    &MICRO_ATELIER[..10]
}

pub fn field(kind: Kind, key: &str) -> Option<&'static FieldSpec> {
    fields(kind).iter().find(|f| f.key == key)
}

/// The title line printed at the top of each form.
pub fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::MicroAtelier => "MICRO-ATELIER : FICHE DE RENSEIGNEMENT",
        Kind::BourseProjets => "BOURSE AUX PROJETS : FICHE DE RENSEIGNEMENT",
    }
}

/// Labels only one form has: they tell the kind when the title is gone.
pub fn distinctive_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::MicroAtelier => &[
            "project_title",
            "project_description",
            "format",
            "equipment",
            "partner_countries",
            "partners",
        ],
        Kind::BourseProjets => &[
            "request_type",
            "request_description",
            "partner_sought",
            "difficulties",
            "target_country",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_per_kind() {
        for kind in Kind::ALL {
            let mut keys: Vec<_> = fields(kind).iter().map(|f| f.key).collect();
            keys.sort();
            let n = keys.len();
            keys.dedup();
            assert_eq!(n, keys.len(), "{kind}");
        }
    }

    #[test]
    fn micro_and_bourse_have_spec_field_counts() {
        assert_eq!(fields(Kind::MicroAtelier).len(), 18);
        assert_eq!(fields(Kind::BourseProjets).len(), 17);
    }
}
