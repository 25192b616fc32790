#!/usr/bin/env python3
"""Write the sample inbox: a Maildir of realistic replies to CUF's call for
micro-ateliers and bourse aux projets (Rencontres du 4 juillet 2018), with a
MANIFEST.json saying what each message is.

    python scripts/sample/make_inbox.py [--out fixtures/inbox]

Deterministic: fixed seeds, fixed dates, stable Message-IDs; running it twice
gives byte-identical files (with the pinned versions of requirements.txt).
The fiches are copies of the real blank templates (fixtures/templates), filled
in with the habits people have (see sample_lib.habits_of).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox_data import BOURSES, KAIROUAN_V1, MICRO_ATELIERS, ORGS, POITIERS_V1, fields_of  # noqa: E402
from mailers import Attachment, Mail, fr_long_date, render  # noqa: E402
from sample_lib import (  # noqa: E402
    BP,
    CORPUS_FICHES,
    MA,
    MIME_OF,
    REPO,
    expected_fields,
    fill,
    habits_of,
)

DEADLINE_NOTE = ("late = the Date header falls after 8 June 2018 in Europe/Paris time; "
                 "every on-time message is dated 7 June or earlier and every late one 11 June or later, "
                 "so any reading of 'avant le 8 juin' agrees")
HOST = "fiches-sample"
CALL_ID = "<cuf-appel-2018@fiches.example>"
LETTRE_ID = "<cuf-lettre-02@fiches.example>"
CALL_SUBJECT = "Rencontres 2018 : appel à micro-ateliers et bourse aux projets"
CALL_DATE = dt.datetime(2018, 5, 9, 10, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))
CALL_TEXT = (
    "Madame, Monsieur,\n\n"
    "Cités Unies France organise le 4 juillet 2018, au Pavillon d'Armenonville à Paris, "
    "les Rencontres de l'internationalisation des collectivités territoriales.\n"
    "Vous pouvez proposer un micro-atelier ou participer à la bourse aux projets en nous renvoyant "
    "la fiche de renseignement ci-jointe (Word ou Excel) avant le 8 juin 2018.\n\n"
    "L'équipe des Rencontres\nCités Unies France"
)

# ---------------------------------------------------------------------------
# The fiches: which form, which format, which habits, which file name
# ---------------------------------------------------------------------------

F = {}


def fiche(key, org, kind, fmt, filename, proposal=None, **habits):
    proposal = proposal if proposal is not None else (MICRO_ATELIERS if kind == MA else BOURSES)[org]
    F[key] = dict(org=org, kind=kind, fmt=fmt, filename=filename, values=fields_of(org, kind, proposal), **habits)


# micro-ateliers
fiche("grenoble", "grenoble", MA, "docx", "Fiche micro-atelier – Ville de Grenoble.docx",
      mark="ballot", split_runs=True, blank_paragraphs=True)
fiche("lyon", "lyon", MA, "xlsx", "fiche-micro-atelier.xlsx", hyperlink_email=True)
fiche("seine_saint_denis", "seine_saint_denis", MA, "docx", "Fiche micro-atelier Jeunes ambassadeurs.docx",
      mark="x_upper", label={"contact_phone": "noaccent"})
fiche("bretagne", "bretagne", MA, "docx", "fiche-micro-atelier_Region-Bretagne.docx",
      mark="check", hyperlink_email=True)
fiche("chambery", "chambery", MA, "docx", "FICHE_MA_CHAMBERY_VDEF.docx", mark="delete", swap_rows=True)
fiche("strasbourg", "strasbourg", MA, "xlsx", "Fiche micro-atelier Eurométropole.xlsx",
      extra_sheet="first", notes=["Notes internes – ne pas diffuser", "Titre validé par le vice-président le 15/05"],
      label={"organisation": "colon_tight"})
fiche("montreuil", "montreuil", MA, "docx", "fiche micro-atelier Montreuil.docx",
      mark="ballot", free={"cuf_member": "Oui, adhérente depuis 2012"},
      extra_rows=[("Élue référente", "Mme Claire Dufresne, adjointe au maire")])
fiche("rufisque", "rufisque", MA, "docx", "Fiche micro-atelier Rufisque.docx", mark="x_lower", inline=["country"])
fiche("agadir", "agadir", MA, "xlsx", "Copie de fiche-micro-atelier.xlsx", number_phone=True,
      retyped={"organisation_type": "commune", "preferred_slot": "14h40-15h00"})
fiche("douala", "douala", MA, "docx", "fiche-micro-atelier CUD.docx", mark="ballot",
      extra_rows=[("Site internet", "www.douala-city.org")], label={"organisation": "colon"})
fiche("ouahigouya", "ouahigouya", MA, "docx", "fiche micro atelier ouahigouya.docx", mark="x_upper",
      label={"contact_first_name": "noaccent", "contact_phone": "noaccent"})
fiche("sfax", "sfax", MA, "xlsx", "MA_Sfax_2018.xlsx", sheet_title="Feuil1",
      insert_top="Fiche complétée par la Direction de la coopération internationale")
fiche("chouf", "chouf", MA, "docx", "Chouf Souayjani - fiche micro-atelier.docx", mark="ballot",
      split_runs=True, hyperlink_email=True)
fiche("antsirabe", "antsirabe", MA, "xlsx", "fiche-micro-atelier-antsirabe.xlsx", retyped={"cuf_member": "non"})
fiche("sherbrooke", "sherbrooke", MA, "docx", "Fiche_micro-atelier_Sherbrooke.docx", mark="check",
      label={"contact_role": "upper"})
fiche("jacmel", "jacmel", MA, "docx", "fiche-micro-atelier.docx", mark="ballot", blank_paragraphs=True)
fiche("gyumri", "gyumri", MA, "xlsx", "Gyumri micro-atelier.xlsx", col_c=["project_title"], hyperlink_email=True)
fiche("hue", "hue", MA, "docx", "Fiche micro-atelier - Thừa Thiên Huế.docx", mark="delete", nbsp=["contact_phone"])
fiche("oaxaca", "oaxaca", MA, "docx", "Ficha micro-atelier Oaxaca.docx", mark="x_upper")
fiche("eau_vive", "eau_vive", MA, "xlsx", "Eau Vive - fiche micro-atelier.xlsx", extra_sheet="last",
      label={"contact_phone": "noaccent"})
fiche("horizons", "horizons", MA, "docx", "fiche-micro-atelier (1).docx", mark="ballot",
      proposal=dict(MICRO_ATELIERS["horizons"], contact_email=None))
fiche("besancon", "besancon", MA, "xlsx", "Fiche micro-atelier Besançon.xlsx", inline=["country"],
      retyped={"cuf_member": "OUI"})
fiche("nantes", "nantes", MA, "docx", "NM_fiche_micro-atelier_ODD.docx", mark="ballot",
      label={"contact_email": "upper"}, nbsp=["organisation_description"])
fiche("villeurbanne", "villeurbanne", MA, "docx", "fiche-micro-atelier.docx", mark="x_lower", br_lines=True)
fiche("poitiers_v1", "poitiers", MA, "docx", "Fiche micro-atelier Poitiers.docx", proposal=POITIERS_V1, mark="ballot")
fiche("poitiers", "poitiers", MA, "docx", "Fiche micro-atelier Poitiers v2.docx", mark="ballot",
      tracked={"project_title": POITIERS_V1["project_title"]})
fiche("centre_vdl_ma", "centre_vdl", MA, "docx", "Fiche micro-atelier – Jeunes solidaires.docx", mark="check")
fiche("herault", "herault", MA, "xlsx", "fiche-micro-atelier-herault.xlsx",
      retyped={"organisation_type": "Departement", "preferred_slot": "14h40 - 15h00"})
fiche("saint_louis", "saint_louis", MA, "docx", "FICHE MICRO ATELIER SAINT-LOUIS.docx", mark="ballot",
      label={"contact_phone": "colon"}, trailing_spaces=True)
fiche("dieppe", "dieppe", MA, "xlsx", "Fiche micro-atelier Dieppe.xlsx")
fiche("pays_basque", "pays_basque", MA, "docx", "Fiche_MA_CAPB.docx", mark="delete",
      extra_rows=[("Élu référent", "M. Peio Etxeberri, vice-président")])

# bourse aux projets
fiche("val_de_marne", "val_de_marne", BP, "docx", "Fiche bourse aux projets - CD94.docx", mark="x_upper",
      inline=["country"])
fiche("hauts_de_france", "hauts_de_france", BP, "xlsx",
      "Fiche de renseignement bourse aux projets_Région Hauts-de-France.xlsx", number_phone=True)
fiche("nancy", "nancy", BP, "docx", "Fiche bourse aux projets – Ville de Nancy (définitive).docx", mark="ballot")
fiche("evry", "evry", BP, "xlsx", "fiche-bourse-aux-projets (2).xlsx", extra_sheet="first",
      notes=["Brouillon", "À faire valider par M. le Maire"])
fiche("bangangte", "bangangte", BP, "docx", "Fiche BP Bangangté.docx", mark="delete", swap_rows=True,
      label={"organisation": "colon"})
fiche("oriental", "oriental", BP, "xlsx", "Fiche bourse aux projets Région de l'Oriental.xlsx",
      retyped={"partner_sought": "collectivité française"})
fiche("koudougou", "koudougou", BP, "docx", "fiche bourse aux projets koudougou.docx", mark="x_lower",
      nbsp=["contact_phone"])
fiche("kairouan_v1", "kairouan", BP, "xlsx", "Fiche bourse aux projets Kairouan.xlsx", proposal=KAIROUAN_V1)
fiche("kairouan", "kairouan", BP, "xlsx", "Fiche bourse aux projets Kairouan - modifiée.xlsx",
      label={"contact_role": "colon_tight"})
fiche("haute_matsiatra", "haute_matsiatra", BP, "docx", "Fiche_BP_Haute_Matsiatra.docx", mark="check")
fiche("levis", "levis", BP, "xlsx", "Lévis - bourse aux projets.xlsx", col_c=["request_type"],
      label={"contact_role": "colon_tight"})
fiche("cayes", "cayes", BP, "docx", "fiche bourse aux projets les Cayes.docx", mark="ballot", split_runs=True,
      hyperlink_email=True)
fiche("goris", "goris", BP, "xlsx", "Goris_bourse_projets.xlsx", sheet_title="Sheet1", number_phone=True)
fiche("lianes", "lianes", BP, "docx", "Lianes coopération – fiche bourse aux projets.docx", mark="ballot",
      extra_rows=[("Site internet", "www.lianescooperation.org")])
fiche("lao_cai", "lao_cai", BP, "xlsx", "Bourse aux projets - Lào Cai.xlsx", retyped={"preferred_slot": "13h15-13h45"})
fiche("centre_vdl_bp", "centre_vdl", BP, "xlsx", "Fiche bourse aux projets – Région Centre-Val de Loire.xlsx",
      label={"theme": "noaccent"})

# ---------------------------------------------------------------------------
# The messages
# ---------------------------------------------------------------------------


def sig(k: str, phone: bool = True) -> str:
    o = ORGS[k]
    s = f"{o['first']} {o['last']}\n{o['role']}\n{o['name']}"
    return s + (f"\nTél. : {o['phone']}" if phone else "")


def outlook_quote(text: str, frm: str, when: dt.datetime, to: str, subject: str) -> str:
    return (f"\n\nDe : {frm}\nEnvoyé : {fr_long_date(when)}\nÀ : {to}\nObjet : {subject}\n\n{text}")


CALL_QUOTE_OUTLOOK = outlook_quote(CALL_TEXT, "Rencontres CUF [mailto:rencontres@cites-unies-france.org]",
                                   CALL_DATE, "Rencontres CUF", CALL_SUBJECT)
CALL_QUOTE_GMAIL = ("\n\nLe mer. 9 mai 2018 à 10:02, Rencontres CUF <rencontres@cites-unies-france.org> a écrit :\n"
                    + "\n".join("> " + line if line else ">" for line in CALL_TEXT.split("\n")))

M = []


def msg(label, when, org, client, status, fiches=(), subject="", body="", **kw):
    M.append(dict(label=label, when=when, org=org, client=client, status=status, fiches=list(fiches),
                  subject=subject, body=body, **kw))


msg("grenoble", "2018-05-14 09:12", "grenoble", "outlook", "fiche", ["grenoble"],
    "Fiche micro-atelier – Ville de Grenoble",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche de renseignement de la Ville de Grenoble pour un micro-atelier "
    "lors des Rencontres du 4 juillet.\n\nNous restons à votre disposition pour tout complément.\n\n"
    "Bien cordialement,\n\n" + sig("grenoble"), logo=True, from_name="LEFEVRE Sophie")
msg("lyon", "2018-05-14 16:47", "lyon", "thunderbird", "fiche", ["lyon"],
    "Proposition de micro-atelier - Métropole de Lyon",
    "Bonjour,\n\nSuite à votre appel à contributions, voici notre proposition de micro-atelier sur le 1 % "
    "solidaire pour l'eau (fiche Excel ci-jointe).\n\nCordialement,\n\n-- \n" + sig("lyon"))
msg("val_de_marne", "2018-05-15 11:05", "val_de_marne", "outlook", "fiche", ["val_de_marne"],
    "RE: " + CALL_SUBJECT,
    "Bonjour,\n\nLe Département du Val-de-Marne souhaite participer à la bourse aux projets. "
    "Vous trouverez notre fiche en pièce jointe.\n\nBien à vous,\n\n" + sig("val_de_marne") + CALL_QUOTE_OUTLOOK,
    in_reply_to=CALL_ID, from_name="KERJEAN Solène")
msg("normandie", "2018-05-16 10:31", "normandie", "outlook_plain", "auto_reply", [],
    "Réponse automatique : La Lettre des Rencontres n°2",
    "Bonjour,\n\nJe suis absente du bureau jusqu'au lundi 28 mai 2018 inclus, sans accès à ma messagerie.\n"
    "Pour toute urgence, vous pouvez contacter le service des relations internationales au 02 61 91 14 00.\n\n"
    "Cordialement,\nChloé Vasseur",
    in_reply_to=LETTRE_ID, auto_reply=True, from_name="VASSEUR Chloé",
    extra_headers=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")])
msg("rufisque", "2018-05-16 12:40", "rufisque", "gmail", "fiche", ["rufisque"],
    "Fiche de renseignement micro-atelier Ville de Rufisque",
    "Bonjour Madame, Monsieur,\n\nJe vous transmets la fiche de la Ville de Rufisque pour les micro-ateliers des "
    "Rencontres du 4 juillet 2018.\nNotre délégation sera conduite par le Maire.\n\nSalutations distinguées,\n\n"
    "Mamadou Ndiaye\nDirecteur de la coopération décentralisée\nVille de Rufisque (Sénégal)")
msg("chambery", "2018-05-16 14:22", "chambery", "apple", "fiche", ["chambery"],
    "Micro-atelier Chambéry / Ouahigouya",
    "Bonjour,\n\nJe vous prie de trouver ci-joint la fiche micro-atelier de la Ville de Chambéry.\n",
    closing="Bien cordialement,\n\nGrégoire Fauré\nVille de Chambéry – Relations internationales\n04.65.71.20.20")
msg("strasbourg", "2018-05-17 09:55", "strasbourg", "outlook", "fiche", ["strasbourg"],
    "Micro-atelier Eurométropole de Strasbourg - villes accueillantes",
    "Bonjour,\n\nJe vous prie de trouver ci-joint notre proposition de micro-atelier sur l'accueil des personnes "
    "migrantes.\nLe créneau de 14h20 nous conviendrait parfaitement.\n\nCordialement,\n\n" + sig("strasbourg"),
    octet_stream=True)
msg("bangangte", "2018-05-17 15:10", "bangangte", "thunderbird", "fiche", ["bangangte"],
    "Bourse aux projets - Commune de Bangangté",
    "Bonjour,\n\nVeuillez recevoir la fiche de la Commune de Bangangté pour la bourse aux projets.\n"
    "Nous cherchons un partenaire pour l'accès à l'eau potable.\n\nRecevez nos salutations distinguées.\n\n"
    "Pauline Mbarga\nSecrétaire générale\nCommune de Bangangté – Cameroun")
msg("seine_saint_denis", "2018-05-18 10:03", "seine_saint_denis", "outlook", "fiche", ["seine_saint_denis"],
    "TR: Fiche micro-atelier Jeunes ambassadeurs",
    "Bonjour,\n\nJe vous transmets la fiche préparée par ma collègue Aïssatou Diallo, qui sera votre interlocutrice.\n\n"
    "Cordialement,\n\nMarc Aubert\nDirecteur des relations internationales\nDépartement de la Seine-Saint-Denis"
    + outlook_quote("Marc,\nVoici la fiche pour les Rencontres de CUF, validée par la vice-présidente. "
                    "Peux-tu la transmettre ?\nMerci,\nAïssatou",
                    "DIALLO Aïssatou",
                    dt.datetime(2018, 5, 17, 16, 40), "AUBERT Marc", "Fiche micro-atelier Jeunes ambassadeurs"),
    from_name="AUBERT Marc", from_addr="maubert@seinesaintdenis.fr",
    note="forwarded inline (TR:) by a colleague: the sender is not the fiche's contact")
msg("chefchaouen", "2018-05-18 13:20", "chefchaouen", "outlook", "unsupported", [],
    "Fiche micro-atelier Commune de Chefchaouen",
    "Bonjour,\n\nCi-joint notre fiche micro-atelier, signée et tamponnée.\n\nCordialement,\n\n" + sig("chefchaouen"),
    raw=[("Fiche micro-atelier Chefchaouen.doc", "07-fiche-micro-atelier-ville-de-chefchaouen.doc", "doc", MA)],
    charset="windows-1252")
msg("bretagne", "2018-05-22 09:40", "bretagne", "zimbra", "fiche", ["bretagne"],
    "Région Bretagne - proposition de micro-atelier",
    "Bonjour,\n\nLa Région Bretagne souhaite présenter son plan climat partagé avec la région Analamanga.\n"
    "Vous trouverez la fiche ci-jointe.\n\nBien cordialement,\n\n" + sig("bretagne"))
msg("poitiers_v1", "2018-05-22 11:30", "poitiers", "outlook", "fiche", ["poitiers_v1"],
    "Fiche micro-atelier - Ville de Poitiers",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche micro-atelier de la Ville de Poitiers.\n\n"
    "Bien cordialement,\n\n" + sig("poitiers"))
msg("agadir", "2018-05-22 15:05", "agadir", "outlook", "fiche", ["agadir"],
    "Proposition micro-atelier - Commune d'Agadir",
    "Bonjour,\n\nNous avons le plaisir de vous adresser la fiche de la Commune d'Agadir pour un micro-atelier "
    "sur la gestion de l'eau.\n\nVeuillez agréer nos salutations distinguées.\n\n" + sig("agadir"),
    charset="windows-1252")
msg("montreuil", "2018-05-22 17:48", "montreuil", "zimbra", "fiche", ["montreuil"],
    "Fiche micro-atelier Ville de Montreuil",
    "Bonjour,\n\nCi-joint notre fiche. Nous projetterons un film de 6 minutes tourné à Yélimané.\n\n"
    "Cordialement,\n\n" + sig("montreuil"))
msg("nancy", "2018-05-23 10:15", "nancy", "apple", "fiche", ["nancy"],
    "Bourse aux projets – Ville de Nancy",
    "Bonjour,\n\nVoici la fiche de la Ville de Nancy pour la bourse aux projets.\n",
    closing="Bien à vous,\n\nOphélie Grangé\nRelations internationales – Ville de Nancy")
msg("douala", "2018-05-23 12:30", "douala", "thunderbird", "fiche", ["douala"],
    "Fiche micro-atelier CUD",
    "Bonjour,\n\nLa Communauté urbaine de Douala propose une démonstration de son application d'adressage.\n"
    "Fiche ci-jointe.\n\nCordialement,\n\n" + sig("douala"))
msg("kairouan_v1", "2018-05-24 09:20", "kairouan", "outlook", "fiche", ["kairouan_v1"],
    "Bourse aux projets - Municipalité de Kairouan",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche de la Municipalité de Kairouan pour la bourse aux projets.\n\n"
    "Cordialement,\n\n" + sig("kairouan"))
msg("sfax", "2018-05-24 14:45", "sfax", "outlook", "fiche", ["sfax"],
    "Micro-atelier : plan de mobilité urbaine durable de Sfax",
    "Bonjour,\n\nJe vous prie de trouver ci-joint notre fiche de renseignement.\n\nBien cordialement,\n\n"
    + sig("sfax"), logo=True)
msg("chouf", "2018-05-25 11:10", "chouf", "gmail", "fiche", ["chouf"],
    "Micro-atelier - Union des municipalités du Chouf Souayjani",
    "Bonjour,\n\nVoici notre fiche pour un micro-atelier sur l'accueil des réfugiés par les municipalités.\n\n"
    "Bien cordialement,\n\nRania Haddad\nCoordinatrice des projets\nUnion des municipalités du Chouf Souayjani – Liban")
msg("hauts_de_france", "2018-05-25 16:02", "hauts_de_france", "outlook", "fiche", ["hauts_de_france"],
    "RE: " + CALL_SUBJECT,
    "Bonjour,\n\nLa Région Hauts-de-France souhaite participer à la bourse aux projets. Fiche jointe.\n\n"
    "Cordialement,\n\n" + sig("hauts_de_france") + CALL_QUOTE_OUTLOOK,
    in_reply_to=CALL_ID)
msg("ouahigouya", "2018-05-26 10:37", "ouahigouya", "yahoo", "fiche", ["ouahigouya"],
    "fiche micro atelier ouahigouya",
    "Bonjour,\n\nje vous envoie la fiche de la commune de Ouahigouya pour les micro ateliers.\n"
    "Merci de confirmer la reception.\n\nSeydou Ouedraogo\nSecretaire general, mairie de Ouahigouya",
    from_name="Seydou Ouedraogo")
msg("poitiers", "2018-05-28 10:12", "poitiers", "outlook", "fiche", ["poitiers"],
    "Fiche micro-atelier - Ville de Poitiers (version corrigée)",
    "Bonjour,\n\nVeuillez trouver ci-joint une version corrigée de notre fiche micro-atelier, qui annule et "
    "remplace celle envoyée le 22 mai : le titre a changé et nous préférerions le créneau de 14h00.\n\n"
    "Merci et bonne journée,\n\n" + sig("poitiers"),
    supersedes="poitiers_v1")
msg("antsirabe", "2018-05-28 13:55", "antsirabe", "thunderbird", "fiche", ["antsirabe"],
    "Fiche micro-atelier - Commune urbaine d'Antsirabe",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche de la Commune urbaine d'Antsirabe.\n"
    "Nous apporterons le film sur clé USB.\n\nMisaotra betsaka,\n\n" + sig("antsirabe"))
msg("kairouan", "2018-05-29 10:40", "kairouan", "outlook", "fiche", ["kairouan"],
    "Bourse aux projets - Municipalité de Kairouan - fiche modifiée",
    "Bonjour,\n\nSuite à notre échange téléphonique, voici notre fiche complétée. Merci de ne pas tenir compte "
    "de la précédente.\n\nCordialement,\n\n" + sig("kairouan"),
    supersedes="kairouan_v1")
msg("sherbrooke", "2018-05-29 08:50", "sherbrooke", "outlook", "fiche", ["sherbrooke"],
    "Proposition de micro-atelier – Ville de Sherbrooke",
    "Bonjour,\n\nVous trouverez ci-joint la fiche de la Ville de Sherbrooke. Nous serons à Paris du 2 au 6 juillet.\n\n"
    "Au plaisir de vous rencontrer,\n\n" + sig("sherbrooke"))
msg("climate_chance", "2018-05-29 17:20", "climate_chance", "apple", "unsupported", [],
    "Fiche bourse aux projets Climate Chance",
    "Bonjour,\n\nVoici notre fiche au format PDF : je n'arrivais pas à ouvrir le fichier Word sur mon ordinateur.\n",
    closing="Belle journée,\nLucie Mercier\nClimate Chance",
    raw=[("Fiche bourse aux projets - Climate Chance.pdf", "08-fiche-bourse-aux-projets-association-climate-chance.pdf",
          "pdf", BP)])
msg("evry", "2018-05-30 11:12", "evry", "gmail", "fiche", ["evry"],
    "Bourse aux projets Ville d'Evry",
    "Bonjour,\n\nci-joint la fiche de la ville d'Évry pour la bourse aux projets.\n\nCordialement\n\nKarim Bensaïd\n"
    "Mairie d'Évry")
msg("besancon_annonce", "2018-05-30 16:35", "besancon", "outlook", "no_fiche", [],
    "Micro-atelier – Ville de Besançon",
    "Bonjour,\n\nNous souhaitons proposer un micro-atelier sur le service civique international réciproque.\n"
    "La fiche est en cours de validation par notre élue : je vous envoie la fiche demain.\n\n"
    "Bien cordialement,\n\n" + sig("besancon"))
msg("besancon", "2018-05-31 09:25", "besancon", "outlook", "fiche", ["besancon"],
    "RE: Micro-atelier – Ville de Besançon",
    "Bonjour,\n\nComme annoncé hier, voici notre fiche.\n\nBien cordialement,\n\n" + sig("besancon"),
    in_reply_to_label="besancon_annonce", quote_label="besancon_annonce")
msg("jacmel", "2018-05-31 14:05", "jacmel", "thunderbird", "fiche", ["jacmel"],
    "Fwd: Fiche micro-atelier Jacmel",
    "Bonjour,\n\nNous vous transférons le message de M. Pierre-Louis avec la fiche de la Mairie de Jacmel.\n\n"
    "Le secrétariat\nMairie de Jacmel",
    from_name="Secrétariat Mairie de Jacmel", from_addr="secretariat@mairiedejacmel.ht",
    forward_inner=dict(when="2018-05-30 17:40", subject="Fiche micro-atelier Jacmel",
                       body="Bonjour,\n\nMerci de transmettre cette fiche à Cités Unies France "
                            "(rencontres@cites-unies-france.org).\n\nW. Pierre-Louis"),
    note="the fiche is inside a forwarded message (message/rfc822)")
msg("gyumri", "2018-05-31 15:30", "gyumri", "gmail", "fiche", ["gyumri"],
    "Micro-atelier Gyumri",
    "Bonjour,\n\nPlease find attached / veuillez trouver ci-joint la fiche de la Ville de Gyumri.\n\n"
    "Cordialement,\nAnahit Hovhannisyan\nVille de Gyumri" + CALL_QUOTE_GMAIL,
    in_reply_to=CALL_ID)
msg("oriental", "2018-06-01 10:48", "oriental", "outlook", "fiche", ["oriental"],
    "Bourse aux projets : Conseil régional de l'Oriental",
    "Madame, Monsieur,\n\nJ'ai l'honneur de vous adresser ci-joint la fiche de renseignement du Conseil régional "
    "de l'Oriental pour la bourse aux projets.\n\nVeuillez agréer l'expression de nos salutations distinguées.\n\n"
    + sig("oriental"), charset="windows-1252")
msg("hue", "2018-06-01 16:20", "hue", "outlook", "fiche", ["hue"],
    "Thừa Thiên Huế – fiche micro-atelier",
    "Bonjour,\n\nNous vous prions de trouver ci-joint la fiche de la province de Thừa Thiên Huế.\n\n"
    "Cordialement,\n\nNguyễn Thị Lan\nService des affaires étrangères")
msg("oaxaca", "2018-06-02 12:15", "oaxaca", "gmail", "fiche", ["oaxaca"],
    "Micro-atelier Oaxaca de Juárez",
    "Bonjour,\n\nJe vous envoie la fiche de la municipalité d'Oaxaca de Juárez. Nous n'avons pas de préférence "
    "pour le créneau horaire.\n\nSaludos cordiales,\n\nGuadalupe Hernández\nDirectora de Asuntos Internacionales\n"
    "Municipio de Oaxaca de Juárez")
msg("eau_vive", "2018-06-04 09:30", "eau_vive", "thunderbird", "fiche", ["eau_vive"],
    "Eau Vive - proposition de micro-atelier (jeu)",
    "Bonjour,\n\nNous aimerions faire tester notre jeu de plateau sur la gouvernance de l'eau. Fiche ci-jointe.\n\n"
    "Bien à vous,\n\n" + sig("eau_vive"))
msg("koudougou", "2018-06-04 10:05", "koudougou", "gmail", "fiche", ["koudougou"],
    "Bourse aux projets Commune de Koudougou",
    "Bonjour,\n\nVeuillez trouver en pièce jointe la fiche de la commune de Koudougou.\n\nCordialement,\n\n"
    "Awa Kaboré\nChargée de la coopération, Commune de Koudougou")
msg("horizons", "2018-06-04 14:40", "horizons", "gmail", "fiche", ["horizons"],
    "Fiche micro-atelier Horizons Solidaires",
    "Bonjour,\n\nVoici notre fiche. J'ai oublié d'y mettre mon adresse : c'est celle de ce message.\n\n"
    "Bonne journée,\nThéo Garnier\nHorizons Solidaires",
    note="the fiche has no Courriel: the sender's address is the fallback")
msg("nantes", "2018-06-05 09:05", "nantes", "outlook", "fiche", ["nantes"],
    "Nantes Métropole – micro-atelier Agenda 2030",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche de Nantes Métropole. Nous n'avons pas de contrainte d'horaire.\n\n"
    "Bien cordialement,\n\n" + sig("nantes"), logo=True)
msg("haute_matsiatra", "2018-06-05 11:45", "haute_matsiatra", "gmail", "fiche", ["haute_matsiatra"],
    "Bourse aux projets - Région Haute Matsiatra",
    "Bonjour,\n\nCi-joint la fiche de la Région Haute Matsiatra pour la bourse aux projets.\n\n"
    "Cordialement,\nHery Rakotomalala")
msg("villeurbanne", "2018-06-05 18:20", "villeurbanne", "iphone", "fiche", ["villeurbanne"],
    "Fiche micro-atelier Villeurbanne",
    "Bonjour,\nCi-joint notre fiche.\nFrançois Clément\n\nEnvoyé de mon iPhone")
msg("centre_vdl", "2018-06-06 10:10", "centre_vdl", "thunderbird", "fiche", ["centre_vdl_ma", "centre_vdl_bp"],
    "Région Centre-Val de Loire : nos deux fiches (micro-atelier et bourse aux projets)",
    "Bonjour,\n\nLa Région Centre-Val de Loire souhaite à la fois animer un micro-atelier et participer à la "
    "bourse aux projets : vous trouverez les deux fiches ci-jointes.\n\nBien cordialement,\n\n" + sig("centre_vdl"))
msg("herault", "2018-06-06 11:58", "herault", "zimbra", "fiche", ["herault"],
    "Fiche micro-atelier Département de l'Hérault",
    "Bonjour,\n\nVeuillez trouver ci-joint la fiche du Département de l'Hérault.\n\nCordialement,\n\n" + sig("herault"))
msg("levis", "2018-06-06 09:15", "levis", "outlook", "fiche", ["levis"],
    "Bourse aux projets – Ville de Lévis",
    "Bonjour,\n\nVoici la fiche de la Ville de Lévis pour la bourse aux projets.\n\nAu plaisir,\n\n" + sig("levis"))
msg("goris", "2018-06-07 10:00", "goris", "thunderbird", "fiche", ["goris"],
    "Bourse aux projets - Goris (Arménie)",
    "Bonjour,\n\nVeuillez trouver la fiche de la communauté de Goris.\n\nCordialement,\nArmen Sargsyan")
msg("lianes", "2018-06-07 12:25", "lianes", "apple", "fiche", ["lianes"],
    "Lianes coopération – fiche bourse aux projets",
    "Bonjour,\n\nCi-joint la fiche de Lianes coopération.\n",
    closing="Bien à vous,\nRaphaël Dubœuf\nLianes coopération")
msg("lao_cai", "2018-06-07 09:40", "lao_cai", "gmail", "fiche", ["lao_cai"],
    "Bourse aux projets - Province de Lào Cai",
    "Bonjour,\n\nNous vous adressons la fiche de la province de Lào Cai.\n\nCordialement,\nTrần Văn Minh")
msg("saint_louis", "2018-06-11 10:22", "saint_louis", "gmail", "fiche", ["saint_louis"],
    "Fiche micro-atelier Saint-Louis (en retard)",
    "Bonjour,\n\nVeuillez excuser notre retard : la fiche a dû être validée en conseil municipal. "
    "Est-il encore possible de proposer un micro-atelier ?\n\nCordialement,\n\n" + sig("saint_louis"))
msg("cayes", "2018-06-12 08:30", "cayes", "gmail", "fiche", ["cayes"],
    "Bourse aux projets - Commune des Cayes",
    "Bonjour,\n\nVoici notre fiche pour la bourse aux projets. Désolée pour le retard, nous avons eu des coupures "
    "d'électricité toute la semaine.\n\nNadège Joseph\nCommune des Cayes")
msg("dieppe", "2018-06-14 15:45", "dieppe", "outlook", "fiche", ["dieppe"],
    "Micro-atelier - Ville de Dieppe",
    "Bonjour,\n\nJe sais que la date est passée, mais nous tenions à vous proposer ce micro-atelier.\n\n"
    "Bien cordialement,\n\n" + sig("dieppe"))
msg("pays_basque", "2018-06-19 11:02", "pays_basque", "thunderbird", "fiche", ["pays_basque"],
    "Fiche micro-atelier - Communauté d'agglomération Pays Basque",
    "Bonjour,\n\nNous avons appris tardivement l'existence des micro-ateliers. Je me permets de vous adresser notre "
    "fiche malgré la date limite passée.\n\nCordialement,\n\n" + sig("pays_basque"))

NEW_FOLDER = {"cayes", "dieppe", "pays_basque"}  # the latest mail, not yet read

# ---------------------------------------------------------------------------


def local(when: str, tz_hours: int) -> dt.datetime:
    naive = dt.datetime.strptime(when, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=tz_hours)))


PARIS = dt.timezone(dt.timedelta(hours=2))  # CEST all through May-June 2018
DEADLINE_END = dt.datetime(2018, 6, 9, 0, 0, tzinfo=PARIS)


def build(out: Path) -> dict:
    for m in M:
        org = ORGS[m["org"]]
        seconds = random.Random(f"sec-{m['label']}").randrange(60)
        m["date"] = local(m["when"], org["tz"]) + dt.timedelta(seconds=seconds)
    M.sort(key=lambda m: m["date"])
    by_label = {}
    for n, m in enumerate(M, 1):
        m["n"] = n
        m["message_id"] = f"<sample-{n:03d}@fiches.example>"
        by_label[m["label"]] = m

    for sub in ("cur", "new", "tmp"):
        d = out / sub
        d.mkdir(parents=True, exist_ok=True)
        for f in d.iterdir():
            if f.name.endswith(HOST) or f".{HOST}:" in f.name:
                f.unlink()
    (out / "tmp" / ".gitkeep").write_bytes(b"")

    manifest = {}
    for m in M:
        rng = random.Random(f"sample-{m['n']}")
        org = ORGS[m["org"]]
        tz = dt.timezone(dt.timedelta(hours=org["tz"]))
        attachments, proposals, unsupported = [], [], []
        for key in m["fiches"]:
            spec = dict(F[key])
            saved_local = m["date"].replace(tzinfo=None) - dt.timedelta(minutes=rng.randrange(12, 240))
            spec["saved"] = saved_local.replace(second=0)
            spec["saved_utc"] = (spec["saved"].replace(tzinfo=tz)).astimezone(dt.timezone.utc).replace(tzinfo=None)
            spec["author"] = f"{org['first']} {org['last']}"
            spec["revision"] = rng.randrange(2, 7)
            data = fill(spec)
            attachments.append(Attachment(spec["filename"], data, MIME_OF[spec["fmt"]]))
            fields, ambiguous = expected_fields(spec)
            p = {"attachment": spec["filename"], "kind": spec["kind"], "format": spec["fmt"],
                 "habits": habits_of(spec), "fields": fields}
            if ambiguous:
                p["ambiguous"] = ambiguous
            proposals.append(p)
        for filename, corpus_name, fmt, kind_hint in m.get("raw", ()):
            attachments.append(Attachment(filename, (CORPUS_FICHES / corpus_name).read_bytes(), MIME_OF[fmt]))
            unsupported.append({"attachment": filename, "format": fmt, "kind_hint": kind_hint})

        from_addr = m.get("from_addr", org["email"])
        from_name = m.get("from_name", f"{org['first']} {org['last']}")
        in_reply_to = m.get("in_reply_to")
        references = None
        if m.get("in_reply_to_label"):
            in_reply_to = by_label[m["in_reply_to_label"]]["message_id"]
        if m.get("supersedes"):
            references = by_label[m["supersedes"]]["message_id"]
        body = m["body"]
        if m.get("quote_label"):
            q = by_label[m["quote_label"]]
            body += outlook_quote(q["body"], f"{org['last'].upper()} {org['first']}", q["date"].replace(tzinfo=None),
                                  "'rencontres@cites-unies-france.org'", q["subject"])
        forwarded = None
        if m.get("forward_inner"):
            fi = m["forward_inner"]
            inner = Mail(
                message_id=f"<sample-{m['n']:03d}.1@fiches.example>",
                date=local(fi["when"], org["tz"]) + dt.timedelta(seconds=rng.randrange(60)),
                from_name=f"{org['first']} {org['last']}", from_addr=org["email"],
                subject=fi["subject"], body=fi["body"], attachments=attachments,
                to_display=address_of("Secrétariat Mairie de Jacmel", m["from_addr"]))
            forwarded, _ = render("outlook", inner, random.Random(f"inner-{m['n']}"), with_delivery=False)
            attachments = []
        mail = Mail(
            message_id=m["message_id"], date=m["date"], from_name=from_name, from_addr=from_addr,
            subject=m["subject"], body=body, attachments=attachments,
            in_reply_to=in_reply_to, references=references if not in_reply_to else None,
            charset=m.get("charset", "utf-8"), octet_stream=m.get("octet_stream", False),
            logo=m.get("logo", False), closing=m.get("closing", ""),
            extra_headers=m.get("extra_headers", []), forwarded=forwarded,
            forwarded_name=f"{m['forward_inner']['subject']}.eml" if forwarded else "",
            auto_reply=m.get("auto_reply", False))
        if references and not in_reply_to:
            mail.extra_headers = mail.extra_headers + [("References", references)]
        data, delay = render(m["client"], mail, rng)
        ts = int(m["date"].timestamp()) + delay
        folder = "new" if m["label"] in NEW_FOLDER else "cur"
        name = f"{ts}.{m['n']:03d}.{HOST}" + ("" if folder == "new" else ":2,S")
        (out / folder / name).write_bytes(data)
        m["file"] = name
        late = m["date"] >= DEADLINE_END
        entry = {
            "folder": folder,
            "message_id": m["message_id"],
            "status": m["status"],
            "kinds": [p["kind"] for p in proposals],
            "organisation": org["name"],
            "late": late,
            "supersedes": by_label[m["supersedes"]]["file"] if m.get("supersedes") else None,
            "supersedes_message_id": by_label[m["supersedes"]]["message_id"] if m.get("supersedes") else None,
            "date": m["date"].isoformat(),
            "from": from_addr,
            "subject": m["subject"],
            "client": m["client"],
            "cuf_member": org["member"],
            "proposals": proposals,
        }
        if unsupported:
            entry["unsupported_attachments"] = unsupported
        if m.get("note"):
            entry["note"] = m["note"]
        manifest[name] = entry
    return manifest


def address_of(name: str, addr: str) -> str:
    from sample_lib import address

    return address(name, addr, "utf-8", "Q")


def summary(manifest: dict) -> dict:
    status, kinds = {}, {}
    for e in manifest.values():
        status[e["status"]] = status.get(e["status"], 0) + 1
        for k in e["kinds"]:
            kinds[k] = kinds.get(k, 0) + 1
    superseded = {e["supersedes"] for e in manifest.values() if e["supersedes"]}
    current = {}
    slots = {}
    for name, e in manifest.items():
        if name in superseded:
            continue
        for p in e["proposals"]:
            current[p["kind"]] = current.get(p["kind"], 0) + 1
            if p["kind"] == MA:
                s = p["fields"].get("preferred_slot", "any")
                slots[s] = slots.get(s, 0) + 1
    return {
        "messages": len(manifest),
        "by_status": dict(sorted(status.items())),
        "fiches_by_kind": dict(sorted(kinds.items())),
        "proposals_after_resubmissions": dict(sorted(current.items())),
        "micro_atelier_preferred_slots": dict(sorted(slots.items())),
        "late": sum(1 for e in manifest.values() if e["late"]),
        "resubmissions": len(superseded),
        "organisations": len({e["organisation"] for e in manifest.values()}),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "fixtures" / "inbox")
    args = ap.parse_args()
    out = args.out
    manifest = build(out)
    doc = {
        "about": "Sample inbox for fiches: what each message of this Maildir is. Made by scripts/sample/make_inbox.py; "
                 "do not edit by hand. 'fields' are what must be read back from each fiche, in the stored form of "
                 "SPEC.md; 'ambiguous' lists fields with two options marked (no value may be guessed).",
        "deadline": "2018-06-08",
        "late_rule": DEADLINE_NOTE,
        "summary": summary(manifest),
        "messages": dict(sorted(manifest.items())),
    }
    (out / "MANIFEST.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n",
                                       encoding="utf-8")
    s = doc["summary"]
    print(f"wrote {s['messages']} messages to {out}: {s['by_status']}, fiches {s['fiches_by_kind']}, "
          f"late {s['late']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
