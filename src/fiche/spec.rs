//! The two forms as printed by CUF (`SPEC.md`): for each kind, the fields in
//! form order with their stable key, printed label, type and the options of
//! choice fields; the other labels people retype (aliases) and the English
//! and Spanish ones of translated forms; the title and the rest of the
//! printed text (headings, instructions), which is the blank form and never
//! an answer. This table is the only place that knows the forms.

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

/// A language forms are translated into by international partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Fr,
    En,
    Es,
    Pt,
}

impl Lang {
    /// The language's name in the warnings staff read.
    pub fn name_fr(self) -> &'static str {
        match self {
            Lang::Fr => "français",
            Lang::En => "anglais",
            Lang::Es => "espagnol",
            Lang::Pt => "portugais",
        }
    }
}

/// One option of a choice field: the label printed on the form, the stored
/// value, shorter ways people write it (the label's head, a time), and how
/// translated forms print it (English, Spanish, Portuguese).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    pub label: &'static str,
    pub value: &'static str,
    pub aliases: &'static [&'static str],
    pub en: &'static [&'static str],
    pub es: &'static [&'static str],
    pub pt: &'static [&'static str],
}

impl Opt {
    /// Every name of the option with its language, the printed label first.
    pub fn names(&self) -> impl Iterator<Item = (&'static str, Lang)> {
        std::iter::once((self.label, Lang::Fr))
            .chain(self.aliases.iter().map(|a| (*a, Lang::Fr)))
            .chain(self.en.iter().map(|a| (*a, Lang::En)))
            .chain(self.es.iter().map(|a| (*a, Lang::Es)))
            .chain(self.pt.iter().map(|a| (*a, Lang::Pt)))
    }

    const fn tr(self, en: &'static [&'static str], es: &'static [&'static str]) -> Opt {
        Opt { en, es, ..self }
    }

    const fn pt(self, pt: &'static [&'static str]) -> Opt {
        Opt { pt, ..self }
    }
}

const fn opt(label: &'static str, value: &'static str) -> Opt {
    Opt {
        label,
        value,
        aliases: &[],
        en: &[],
        es: &[],
        pt: &[],
    }
}

const fn opt_a(label: &'static str, value: &'static str, aliases: &'static [&'static str]) -> Opt {
    Opt {
        label,
        value,
        aliases,
        en: &[],
        es: &[],
        pt: &[],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    /// Other labels seen on older or retyped forms.
    pub aliases: &'static [&'static str],
    /// Labels of the forms translated into English, Spanish and Portuguese.
    pub en: &'static [&'static str],
    pub es: &'static [&'static str],
    pub pt: &'static [&'static str],
    pub ty: FieldType,
    pub required: bool,
}

impl FieldSpec {
    /// Every label of the field with its language, the printed one first.
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, Lang)> {
        std::iter::once((self.label, Lang::Fr))
            .chain(self.aliases.iter().map(|a| (*a, Lang::Fr)))
            .chain(self.en.iter().map(|a| (*a, Lang::En)))
            .chain(self.es.iter().map(|a| (*a, Lang::Es)))
            .chain(self.pt.iter().map(|a| (*a, Lang::Pt)))
    }

    const fn tr(self, en: &'static [&'static str], es: &'static [&'static str]) -> FieldSpec {
        FieldSpec { en, es, ..self }
    }

    const fn pt(self, pt: &'static [&'static str]) -> FieldSpec {
        FieldSpec { pt, ..self }
    }
}

const fn f(key: &'static str, label: &'static str, ty: FieldType, required: bool) -> FieldSpec {
    FieldSpec {
        key,
        label,
        aliases: &[],
        en: &[],
        es: &[],
        pt: &[],
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
        en: &[],
        es: &[],
        pt: &[],
        ty,
        required,
    }
}

const OTHER_EN: &[&str] = &["Other"];
const OTHER_ES: &[&str] = &["Otro", "Otra", "Otros"];
const OTHER_PT: &[&str] = &["Outro", "Outra", "Outros"];
const ANY_EN: &[&str] = &[
    "No preference",
    "Any",
    "Either",
    "Indifferent",
    "Any time",
    "Any slot",
    "Any time slot",
    "Flexible",
    "Whichever",
    "No particular preference",
];
const ANY_ES: &[&str] = &[
    "Indiferente",
    "Sin preferencia",
    "Cualquiera",
    "Cualquier horario",
    "Cualquier franja",
    "Cualquier franja horaria",
    "Me da igual",
    "Indistinto",
    "Sin preferencia de horario",
];
const ANY_PT: &[&str] = &[
    "Indiferente",
    "Sem preferência",
    "Qualquer",
    "Qualquer horário",
    "Qualquer um",
    "Tanto faz",
];
const ASSOCIATION_EN: &[&str] = &["Association / NGO", "NGO", "Association", "Non-profit"];
const ASSOCIATION_ES: &[&str] = &["Asociación / ONG", "Asociación", "ONG"];
const ASSOCIATION_PT: &[&str] = &["Associação / ONG", "Associação", "ONG"];

pub const ORGANISATION_TYPES: &[Opt] = &[
    opt("Commune", "commune")
        .tr(
            &["Municipality", "Town", "City", "Commune", "Local council"],
            &[
                "Municipio",
                "Municipalidad",
                "Comuna",
                "Ayuntamiento",
                "Alcaldía",
            ],
        )
        .pt(&[
            "Município",
            "Câmara Municipal",
            "Comuna",
            "Autarquia",
            "Prefeitura",
        ]),
    opt_a("Intercommunalité", "intercommunalite", &["EPCI"])
        .tr(
            &[
                "Inter-municipality",
                "Intermunicipality",
                "Intermunicipal body",
                "Inter-municipal cooperation",
            ],
            &[
                "Mancomunidad",
                "Intermunicipalidad",
                "Asociación de municipios",
            ],
        )
        .pt(&[
            "Intermunicipalidade",
            "Comunidade intermunicipal",
            "Consórcio intermunicipal",
        ]),
    opt("Département", "departement")
        .tr(&["Department", "County"], &["Departamento", "Provincia"])
        .pt(&["Departamento"]),
    opt("Région", "region")
        .tr(&["Region"], &["Región"])
        .pt(&["Região"]),
    opt_a("Association / ONG", "association", &["Association", "ONG"])
        .tr(ASSOCIATION_EN, ASSOCIATION_ES)
        .pt(ASSOCIATION_PT),
    opt("Autre", "autre").tr(OTHER_EN, OTHER_ES).pt(OTHER_PT),
];

pub const YES_NO: &[Opt] = &[
    opt("Oui", "true").tr(&["Yes"], &["Sí", "Si"]).pt(&["Sim"]),
    opt("Non", "false").tr(&["No"], &["No"]).pt(&["Não"]),
];

pub const THEMES: &[Opt] = &[
    opt_a("ODD / Agenda 2030", "odd", &["ODD", "Agenda 2030"])
        .tr(
            &[
                "SDGs / 2030 Agenda",
                "SDG / 2030 Agenda",
                "SDGs / Agenda 2030",
                "SDGs",
                "SDG",
                "2030 Agenda",
            ],
            &["ODS / Agenda 2030", "ODS", "Agenda 2030"],
        )
        .pt(&["ODS / Agenda 2030", "ODS", "Agenda 2030"]),
    opt("Climat", "climat")
        .tr(
            &["Climate", "Climate change"],
            &["Clima", "Cambio climático"],
        )
        .pt(&["Clima", "Alterações climáticas", "Mudança climática"]),
    opt("Migrations", "migrations")
        .tr(&["Migration", "Migrations"], &["Migraciones", "Migración"])
        .pt(&["Migrações", "Migração"]),
    opt("Jeunesse", "jeunesse")
        .tr(&["Youth", "Young people"], &["Juventud", "Jóvenes"])
        .pt(&["Juventude", "Jovens"]),
    opt("Autre", "autre").tr(OTHER_EN, OTHER_ES).pt(OTHER_PT),
];

pub const FORMATS: &[Opt] = &[
    opt_a(
        "Diaporama (3-4 diapositives maximum)",
        "diaporama",
        &["Diaporama"],
    )
    .tr(
        &[
            "Slideshow (3-4 slides maximum)",
            "Slide show (3-4 slides maximum)",
            "Slideshow",
            "Slide show",
            "Slides",
            "PowerPoint presentation",
        ],
        &[
            "Presentación de diapositivas (3-4 diapositivas máximo)",
            "Diaporama (3-4 diapositivas como máximo)",
            "Presentación de diapositivas",
            "Diapositivas",
            "Diaporama",
        ],
    )
    .pt(&[
        "Apresentação de diapositivos (3-4 diapositivos no máximo)",
        "Diaporama (3-4 diapositivos no máximo)",
        "Apresentação de slides (3-4 slides no máximo)",
        "Apresentação de diapositivos",
        "Apresentação de slides",
        "Diapositivos",
    ]),
    opt("Film", "film")
        .tr(
            &["Film", "Video", "Movie"],
            &["Película", "Vídeo", "Video", "Film"],
        )
        .pt(&["Filme", "Vídeo"]),
    opt_a(
        "Démonstration d'un outil ou d'un jeu",
        "demonstration",
        &["Démonstration"],
    )
    .tr(
        &[
            "Demonstration of a tool or a game",
            "Demonstration of a tool or game",
            "Demonstration",
        ],
        &[
            "Demostración de una herramienta o de un juego",
            "Demostración de una herramienta o juego",
            "Demostración",
        ],
    )
    .pt(&[
        "Demonstração de uma ferramenta ou de um jogo",
        "Demonstração de uma ferramenta ou jogo",
        "Demonstração",
    ]),
    opt("Autre", "autre").tr(OTHER_EN, OTHER_ES).pt(OTHER_PT),
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
    )
    .tr(ANY_EN, ANY_ES)
    .pt(ANY_PT),
];

pub const REQUEST_TYPES: &[Opt] = &[
    opt_a(
        "Appel à coopération (recherche de partenaires sur un pays ou une thématique)",
        "cooperation",
        &["Appel à coopération"],
    )
    .tr(
        &[
            "Call for cooperation (search for partners on a country or a theme)",
            "Call for cooperation (looking for partners in a country or on a theme)",
            "Call for cooperation",
            "Call for partners",
        ],
        &[
            "Llamado a la cooperación (búsqueda de socios en un país o una temática)",
            "Convocatoria de cooperación (búsqueda de socios sobre un país o una temática)",
            "Llamado a la cooperación",
            "Llamada a la cooperación",
            "Convocatoria de cooperación",
            "Llamado a cooperación",
        ],
    )
    .pt(&[
        "Apelo à cooperação (procura de parceiros num país ou numa temática)",
        "Chamada à cooperação (busca de parceiros em um país ou uma temática)",
        "Apelo à cooperação",
        "Chamada à cooperação",
        "Chamada para cooperação",
    ]),
    opt_a(
        "Besoin spécifique (outil, formation, partenariat à négocier…)",
        "specific_need",
        &["Besoin spécifique"],
    )
    .tr(
        &[
            "Specific need (tool, training, partnership to negotiate…)",
            "Specific need (tool, training, partnership to be negotiated…)",
            "Specific need",
        ],
        &[
            "Necesidad específica (herramienta, formación, asociación a negociar…)",
            "Necesidad específica",
        ],
    )
    .pt(&[
        "Necessidade específica (ferramenta, formação, parceria a negociar…)",
        "Necessidade específica",
    ]),
];

pub const PARTNERS_SOUGHT: &[Opt] = &[
    opt("Collectivité française", "french_local_government")
        .tr(
            &[
                "French local government",
                "French local authority",
                "French municipality",
            ],
            &[
                "Colectividad francesa",
                "Gobierno local francés",
                "Autoridad local francesa",
            ],
        )
        .pt(&[
            "Coletividade francesa",
            "Autarquia francesa",
            "Governo local francês",
        ]),
    opt("Collectivité étrangère", "foreign_local_government")
        .tr(
            &[
                "Foreign local government",
                "Foreign local authority",
                "Foreign municipality",
            ],
            &[
                "Colectividad extranjera",
                "Gobierno local extranjero",
                "Autoridad local extranjera",
            ],
        )
        .pt(&[
            "Coletividade estrangeira",
            "Autarquia estrangeira",
            "Governo local estrangeiro",
        ]),
    opt("Entreprise", "company")
        .tr(
            &["Company", "Business", "Private company"],
            &["Empresa", "Empresa privada"],
        )
        .pt(&["Empresa", "Empresa privada"]),
    opt_a("Association / ONG", "association", &["Association", "ONG"])
        .tr(ASSOCIATION_EN, ASSOCIATION_ES)
        .pt(ASSOCIATION_PT),
    opt("Autre", "autre").tr(OTHER_EN, OTHER_ES).pt(OTHER_PT),
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
    )
    .tr(ANY_EN, ANY_ES)
    .pt(ANY_PT),
];

/// Words people type beside an option to say "this one" while leaving its
/// printed box empty ("☐ Commune oui", "☐ Región  sí"), in every language
/// of the forms; compared folded, as a whole word after the option or alone
/// in the next cell. A word that is itself an option of the field (Oui for
/// "Membre de Cités Unies France") is read as that option, never as a mark.
pub const MARK_WORDS: &[(&str, Lang)] = &[
    ("x", Lang::Fr),
    ("oui", Lang::Fr),
    ("ok", Lang::Fr),
    ("choisi", Lang::Fr),
    ("retenu", Lang::Fr),
    ("coché", Lang::Fr),
    ("yes", Lang::En),
    ("selected", Lang::En),
    ("chosen", Lang::En),
    ("sí", Lang::Es),
    ("si", Lang::Es),
    ("elegido", Lang::Es),
    ("seleccionado", Lang::Es),
    ("sim", Lang::Pt),
    ("escolhido", Lang::Pt),
    ("selecionado", Lang::Pt),
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
    )
    .tr(
        &[
            "Name of the local government or organisation",
            "Name of the local government or organization",
            "Name of the local authority or organisation",
            "Name of the local authority or organization",
            "Name of the organisation",
            "Name of the organization",
            "Organisation name",
            "Organization name",
            "Local government or organisation",
            "Local government or organization",
            "Name of the local government or structure",
            "Name of the structure",
            "Name of the entity",
            "Entity name",
            "Name of the institution",
            "Institution name",
            "Name of organisation",
            "Name of organization",
            "Organisation",
            "Organization",
            "Entity",
            "Institution",
            "Local government",
            "Local authority",
            "Organisation / local government",
            "Organization / local government",
        ],
        &[
            "Nombre de la colectividad o de la estructura",
            "Nombre de la colectividad o estructura",
            "Nombre del gobierno local o de la organización",
            "Nombre de la autoridad local o de la organización",
            "Nombre de la entidad",
            "Nombre de la organización",
            "Nombre de la institución",
            "Colectividad o estructura",
            "Nombre de la entidad / organización",
            "Nombre de la entidad u organización",
            "Nombre de la entidad o organización",
            "Nombre de la institución u organización",
            "Nombre de la institución / organización",
            "Nombre del organismo",
            "Nombre de la colectividad",
            "Nombre de la estructura",
            "Nombre del gobierno local",
            "Entidad / organización",
            "Entidad u organización",
            "Entidad",
            "Organización",
            "Institución",
            "Organismo",
            "Gobierno local",
        ],
    )
    .pt(&[
        "Nome da coletividade ou da estrutura",
        "Nome da coletividade ou estrutura",
        "Nome da entidade",
        "Nome da organização",
        "Nome da instituição",
        "Nome da entidade / organização",
        "Nome da entidade ou organização",
        "Nome do governo local ou da organização",
        "Nome da autarquia ou da organização",
        "Nome da autarquia",
        "Nome do município",
        "Coletividade ou estrutura",
        "Entidade / organização",
        "Entidade",
        "Organização",
        "Instituição",
    ]),
    f(
        "organisation_type",
        "Type de structure",
        Choice(ORGANISATION_TYPES),
        false,
    )
    .tr(
        &[
            "Type of organisation",
            "Type of organization",
            "Type of structure",
            "Organisation type",
            "Organization type",
            "Type of entity",
            "Entity type",
            "Type of institution",
            "Kind of organisation",
            "Kind of organization",
        ],
        &[
            "Tipo de estructura",
            "Tipo de organización",
            "Tipo de entidad",
            "Tipo de institución",
            "Tipo de organismo",
            "Tipo de colectividad",
            "Tipo de entidad / organización",
        ],
    )
    .pt(&[
        "Tipo de estrutura",
        "Tipo de organização",
        "Tipo de entidade",
        "Tipo de instituição",
        "Tipo de coletividade",
    ]),
    f("country", "Pays", Text, true)
        .tr(
            &["Country", "Country of origin"],
            &["País", "País de origen"],
        )
        .pt(&["País", "País de origem"]),
    fa(
        "cuf_member",
        "Membre de Cités Unies France",
        &["Membre de CUF", "Adhérent de Cités Unies France"],
        Choice(YES_NO),
        false,
    )
    .tr(
        &[
            "Member of Cités Unies France",
            "Member of Cites Unies France",
            "Member of CUF",
            "Cités Unies France member",
            "CUF member",
            "Member of United Cities France",
            "Member of Cités Unies France (CUF)",
        ],
        &[
            "Miembro de Cités Unies France",
            "Miembro de CUF",
            "Socio de Cités Unies France",
            "Miembro de la CUF",
            "Miembro de Ciudades Unidas Francia",
            "Miembro de Cités Unies France (CUF)",
            "Socio de CUF",
        ],
    )
    .pt(&[
        "Membro de Cités Unies France",
        "Membro da Cités Unies France",
        "Membro de CUF",
        "Membro da CUF",
        "Sócio de Cités Unies France",
        "Membro de Cidades Unidas França",
    ]),
    fa(
        "organisation_description",
        "Présentation de votre collectivité ou structure",
        &[
            "Présentation de la collectivité ou structure",
            "Présentation de la structure",
        ],
        LongText,
        false,
    )
    .tr(
        &[
            "Presentation of your local government or organisation",
            "Presentation of your local government or organization",
            "Presentation of your local authority or organisation",
            "Presentation of your organisation",
            "Presentation of your organization",
            "Description of your organisation",
            "Description of your organization",
            "About your organisation",
            "About your organization",
        ],
        &[
            "Presentación de su colectividad o estructura",
            "Presentación de su gobierno local u organización",
            "Presentación de su entidad",
            "Presentación de su organización",
            "Presentación de la entidad",
            "Descripción de su organización",
            "Presentación de la organización",
            "Descripción de la entidad",
            "Descripción de su entidad",
        ],
    )
    .pt(&[
        "Apresentação da sua coletividade ou estrutura",
        "Apresentação da sua entidade",
        "Apresentação da sua organização",
        "Apresentação da entidade",
        "Apresentação da organização",
        "Descrição da sua organização",
        "Descrição da entidade",
    ]),
    fa("contact_last_name", "Nom", &["Nom de famille"], Text, true)
        .tr(
            &["Last name", "Surname", "Family name", "Last Name"],
            &["Apellido", "Apellidos", "Apellido(s)"],
        )
        .pt(&["Apelido", "Sobrenome", "Último nome", "Nome de família"]),
    f("contact_first_name", "Prénom", Text, false)
        .tr(
            &["First name", "Given name", "Forename"],
            &["Nombre", "Nombre(s)", "Nombre de pila"],
        )
        .pt(&["Nome próprio", "Primeiro nome", "Nome"]),
    f("contact_role", "Fonction", Text, false)
        .tr(
            &[
                "Position",
                "Job title",
                "Role",
                "Function",
                "Position held",
                "Job",
            ],
            &[
                "Cargo",
                "Función",
                "Puesto",
                "Cargo / función",
                "Función / cargo",
                "Cargo que ocupa",
                "Puesto de trabajo",
            ],
        )
        .pt(&["Função", "Cargo", "Função / cargo", "Cargo / função"]),
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
    )
    .tr(
        &["Email address", "E-mail address", "Email"],
        &[
            "Correo electrónico",
            "Correo",
            "Dirección de correo electrónico",
            "Email",
            "E-mail",
            "Correo-e",
        ],
    )
    .pt(&[
        "Correio eletrónico",
        "Correio eletrônico",
        "Endereço de e-mail",
        "Endereço eletrónico",
        "E-mail",
    ]),
    fa(
        "contact_phone",
        "Téléphone",
        &["Tél", "Tel", "Portable"],
        Phone,
        false,
    )
    .tr(
        &[
            "Phone",
            "Telephone",
            "Phone number",
            "Telephone number",
            "Mobile",
            "Mobile phone",
            "Tel",
        ],
        &[
            "Teléfono",
            "Número de teléfono",
            "Celular",
            "Móvil",
            "Teléfono móvil",
            "Teléfono de contacto",
        ],
    )
    .pt(&[
        "Telefone",
        "Número de telefone",
        "Telemóvel",
        "Celular",
        "Telefone de contacto",
    ]),
];

const MICRO_ONLY: [FieldSpec; 8] = [
    fa(
        "project_title",
        "Titre du projet ou de la démarche",
        &["Titre du projet"],
        Text,
        true,
    )
    .tr(
        &[
            "Title of the project or initiative",
            "Title of the project or approach",
            "Project title",
            "Title of the project",
        ],
        &[
            "Título del proyecto o de la iniciativa",
            "Título del proyecto o iniciativa",
            "Título del proyecto",
            "Nombre del proyecto",
        ],
    )
    .pt(&[
        "Título do projeto ou da iniciativa",
        "Título do projeto ou iniciativa",
        "Título do projeto",
        "Título do projecto",
        "Nome do projeto",
    ]),
    fa(
        "theme",
        "Thématique principale",
        &["Thématique"],
        Choice(THEMES),
        false,
    )
    .tr(
        &[
            "Main theme",
            "Main topic",
            "Main thematic",
            "Theme",
            "Topic",
        ],
        &["Temática principal", "Tema principal", "Temática", "Tema"],
    )
    .pt(&["Temática principal", "Tema principal", "Temática", "Tema"]),
    f("partner_countries", "Pays partenaire(s)", Text, false)
        .tr(
            &[
                "Partner country(ies)",
                "Partner countries",
                "Partner country",
                "Partner country/ies",
            ],
            &[
                "País(es) socio(s)",
                "Países socios",
                "País socio",
                "País(es) asociado(s)",
                "Países asociados",
            ],
        )
        .pt(&["País(es) parceiro(s)", "Países parceiros", "País parceiro"]),
    fa(
        "project_description",
        "Description du projet ou de la démarche",
        &["Description du projet"],
        LongText,
        true,
    )
    .tr(
        &[
            "Description of the project or initiative",
            "Description of the project or approach",
            "Project description",
            "Description of the project",
        ],
        &[
            "Descripción del proyecto o de la iniciativa",
            "Descripción del proyecto o iniciativa",
            "Descripción del proyecto",
        ],
    )
    .pt(&[
        "Descrição do projeto ou da iniciativa",
        "Descrição do projeto ou iniciativa",
        "Descrição do projeto",
        "Descrição do projecto",
    ]),
    f("partners", "Partenaires associés", LongText, false)
        .tr(
            &["Associated partners", "Partners involved", "Partners"],
            &["Socios asociados", "Socios", "Socios involucrados"],
        )
        .pt(&["Parceiros associados", "Parceiros", "Parceiros envolvidos"]),
    f(
        "format",
        "Format de la présentation",
        Choice(FORMATS),
        false,
    )
    .tr(
        &[
            "Presentation format",
            "Format of the presentation",
            "Format",
        ],
        &[
            "Formato de la presentación",
            "Formato de presentación",
            "Formato",
        ],
    )
    .pt(&["Formato da apresentação", "Formato"]),
    f("equipment", "Besoins matériels", Text, false)
        .tr(
            &[
                "Equipment needs",
                "Material needs",
                "Equipment needed",
                "Technical requirements",
            ],
            &[
                "Necesidades materiales",
                "Material necesario",
                "Necesidades técnicas",
                "Necesidades de material",
            ],
        )
        .pt(&[
            "Necessidades materiais",
            "Material necessário",
            "Necessidades técnicas",
        ]),
    fa(
        "preferred_slot",
        "Créneau horaire souhaité",
        &["Créneau souhaité", "Créneau"],
        Choice(MICRO_SLOTS),
        false,
    )
    .tr(
        &[
            "Preferred time slot",
            "Preferred slot",
            "Time slot",
            "Preferred time",
            "Slot",
        ],
        &[
            "Horario deseado",
            "Franja horaria deseada",
            "Franja horaria preferida",
            "Horario preferido",
            "Franja horaria",
            "Horario",
        ],
    )
    .pt(&[
        "Horário desejado",
        "Horário preferido",
        "Faixa horária desejada",
        "Faixa horária preferida",
        "Faixa horária",
        "Horário",
    ]),
];

const BOURSE_ONLY: [FieldSpec; 7] = [
    f(
        "request_type",
        "Type de demande",
        Choice(REQUEST_TYPES),
        true,
    )
    .tr(
        &["Type of request", "Request type", "Kind of request"],
        &["Tipo de solicitud", "Tipo de demanda", "Tipo de petición"],
    )
    .pt(&["Tipo de pedido", "Tipo de solicitação", "Tipo de demanda"]),
    fa(
        "target_country",
        "Pays ou région concerné(s)",
        &["Pays concerné(s)", "Région concernée"],
        Text,
        false,
    )
    .tr(
        &[
            "Country or region concerned",
            "Country(ies) or region(s) concerned",
            "Countries or regions concerned",
            "Target country or region",
        ],
        &[
            "País o región concernido(s)",
            "País(es) o región(es) concernido(s)",
            "País o región de interés",
            "País o región",
            "País o región en cuestión",
        ],
    )
    .pt(&[
        "País ou região em causa",
        "País(es) ou região(ões) em causa",
        "País ou região de interesse",
        "País ou região",
    ]),
    fa(
        "theme",
        "Thématique",
        &["Thématique principale"],
        Choice(THEMES),
        false,
    )
    .tr(
        &["Theme", "Topic", "Main theme"],
        &["Temática", "Tema", "Temática principal"],
    )
    .pt(&["Temática", "Tema", "Temática principal"]),
    f(
        "partner_sought",
        "Type de partenaire recherché",
        Choice(PARTNERS_SOUGHT),
        false,
    )
    .tr(
        &[
            "Type of partner sought",
            "Type of partner wanted",
            "Partner sought",
        ],
        &[
            "Tipo de socio buscado",
            "Tipo de socio que se busca",
            "Socio buscado",
        ],
    )
    .pt(&[
        "Tipo de parceiro procurado",
        "Tipo de parceiro pretendido",
        "Parceiro procurado",
    ]),
    f(
        "request_description",
        "Description de la demande",
        LongText,
        true,
    )
    .tr(
        &["Description of the request", "Request description"],
        &[
            "Descripción de la solicitud",
            "Descripción de la demanda",
            "Descripción de la petición",
        ],
    )
    .pt(&[
        "Descrição do pedido",
        "Descrição da solicitação",
        "Descrição da demanda",
    ]),
    f("difficulties", "Difficultés rencontrées", LongText, false)
        .tr(
            &[
                "Difficulties encountered",
                "Challenges encountered",
                "Difficulties",
            ],
            &["Dificultades encontradas", "Dificultades"],
        )
        .pt(&["Dificuldades encontradas", "Dificuldades"]),
    fa(
        "preferred_slot",
        "Créneau horaire souhaité pour le rendez-vous",
        &["Créneau horaire souhaité", "Créneau souhaité", "Créneau"],
        Choice(BOURSE_SLOTS),
        false,
    )
    .tr(
        &[
            "Preferred time slot for the meeting",
            "Preferred time slot for the appointment",
            "Preferred time slot",
            "Time slot",
            "Preferred meeting time",
            "Preferred time for the meeting",
            "Preferred slot",
            "Slot",
        ],
        &[
            "Horario deseado para la cita",
            "Horario deseado para la reunión",
            "Franja horaria deseada para la cita",
            "Horario deseado",
            "Horario preferido para la cita",
            "Horario preferido para la reunión",
            "Franja horaria deseada para la reunión",
            "Franja horaria preferida para la cita",
            "Franja horaria preferida para la reunión",
            "Horario de la cita",
            "Horario de la reunión",
            "Horario preferido",
            "Franja horaria",
            "Horario",
        ],
    )
    .pt(&[
        "Horário desejado para a reunião",
        "Horário desejado para o encontro",
        "Horário preferido para a reunião",
        "Horário pretendido para a reunião",
        "Faixa horária desejada para a reunião",
        "Horário desejado",
        "Horário preferido",
        "Faixa horária",
        "Horário",
    ]),
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

/// Words that name a form in its title line, in French and in the
/// translations people make (compared folded, as whole words).
pub fn title_names(kind: Kind) -> &'static [(&'static str, Lang)] {
    match kind {
        Kind::MicroAtelier => &[
            ("micro atelier", Lang::Fr),
            ("micro ateliers", Lang::Fr),
            ("micro workshop", Lang::En),
            ("micro workshops", Lang::En),
            ("microworkshop", Lang::En),
            ("micro taller", Lang::Es),
            ("micro talleres", Lang::Es),
            ("microtaller", Lang::Es),
            ("micro oficina", Lang::Pt),
            ("micro oficinas", Lang::Pt),
            ("mini oficina", Lang::Pt),
        ],
        Kind::BourseProjets => &[
            ("bourse aux projets", Lang::Fr),
            ("bourse de projets", Lang::Fr),
            ("project exchange", Lang::En),
            ("projects exchange", Lang::En),
            ("project fair", Lang::En),
            ("project marketplace", Lang::En),
            ("project market", Lang::En),
            ("bolsa de proyectos", Lang::Es),
            ("feria de proyectos", Lang::Es),
            ("mercado de proyectos", Lang::Es),
            ("bolsa de projetos", Lang::Pt),
            ("bolsa de projectos", Lang::Pt),
            ("feira de projetos", Lang::Pt),
        ],
    }
}

/// Words of a title line that say it is the form (not a sentence that
/// happens to name it).
pub const FORM_WORDS: &[&str] = &[
    "fiche de renseignement",
    "fiche de renseignements",
    "fiche d inscription",
    "information form",
    "information sheet",
    "registration form",
    "application form",
    "ficha de informacion",
    "ficha de inscripcion",
    "formulario",
    "ficha de informacao",
    "ficha de informacoes",
    "ficha de inscricao",
];

/// The rest of the printed text of the blank forms (both kinds): headings,
/// instructions, address. Never an answer, never "text beyond the form".
/// Compared folded; a cell that starts with one of the longer ones (the
/// instructions) is the form's too.
pub const FORM_TEXT: &[&str] = &[
    "Cités Unies France",
    "Rencontres de l'internationalisation des collectivités territoriales",
    "4 juillet 2018 – Pavillon d'Armenonville, Paris",
    "Les micro-ateliers vous permettent de présenter un projet, une démarche qui a fonctionné.",
    "La bourse aux projets vous permet d'obtenir une réponse à des besoins spécifiques",
    "Merci de renvoyer cette fiche complétée avant le 8 juin 2018",
    "1. Votre collectivité ou structure",
    "2. Personne à contacter",
    "3. Le projet présenté",
    "3. Votre demande",
    "4. Votre présentation",
    "4. Rendez-vous",
    "Cités Unies France – 9, rue Christiani – 75018 Paris",
    // Headings of translated forms.
    "1. Your local government or organisation",
    "1. Your local government or organization",
    "1. Your organisation",
    "1. Your organization",
    "2. Contact person",
    "3. The project presented",
    "3. The project",
    "3. Your request",
    "4. Your presentation",
    "4. Meeting",
    "4. Appointment",
    "1. Su colectividad o estructura",
    "1. Su entidad",
    "1. Su organización",
    "2. Persona de contacto",
    "3. El proyecto presentado",
    "3. El proyecto",
    "3. Su solicitud",
    "4. Su presentación",
    "4. Cita",
    "4. Reunión",
    "1. A sua coletividade ou estrutura",
    "1. Sua coletividade ou estrutura",
    "1. A sua entidade",
    "1. A sua organização",
    "2. Pessoa de contacto",
    "2. Pessoa de contato",
    "3. O projeto apresentado",
    "3. O projeto",
    "3. O seu pedido",
    "4. A sua apresentação",
    "4. Reunião",
    "4. Encontro",
];

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

    /// One table, no clash: a label (in any language, folded as the reader
    /// folds it) names one field of a form, and is never an option's name
    /// (a printed option alone in a cell must not read as a label).
    #[test]
    fn translated_labels_and_choice_words_never_clash() {
        use crate::fiche::text::{fold, fold_label};
        use std::collections::HashMap;
        let mut options = HashMap::new();
        for kind in Kind::ALL {
            for s in fields(kind) {
                if let FieldType::Choice(opts) = s.ty {
                    for o in opts {
                        for (n, _) in o.names() {
                            options.insert(fold(n), (s.key, o.value));
                        }
                    }
                }
            }
        }
        for kind in Kind::ALL {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for s in fields(kind) {
                for (label, _) in s.labels() {
                    let f = fold_label(label);
                    if let Some(other) = seen.insert(f.clone(), s.key) {
                        assert_eq!(other, s.key, "{kind}: « {label} » names two fields");
                    }
                    assert!(
                        !options.contains_key(&f),
                        "{kind}: label « {label} » is also the option {:?}",
                        options[&f]
                    );
                }
            }
        }
        // Within a field, no option name is another option's.
        for kind in Kind::ALL {
            for s in fields(kind) {
                if let FieldType::Choice(opts) = s.ty {
                    let mut seen: HashMap<String, &str> = HashMap::new();
                    for o in opts {
                        for (n, _) in o.names() {
                            if let Some(v) = seen.insert(fold(n), o.value) {
                                assert_eq!(v, o.value, "{}: « {n} » names two options", s.key);
                            }
                        }
                    }
                }
            }
        }
        // A mark word that is an option is read as the option (Oui, Sí…).
        for (w, _) in MARK_WORDS {
            assert!(!fold(w).is_empty());
        }
    }

    #[test]
    fn micro_and_bourse_have_spec_field_counts() {
        assert_eq!(fields(Kind::MicroAtelier).len(), 18);
        assert_eq!(fields(Kind::BourseProjets).len(), 17);
    }
}
