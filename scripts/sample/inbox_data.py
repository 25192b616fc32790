"""The people, organisations and proposals of the sample inbox.

Everything here is invented for the fixtures: real place names, made-up people,
phone numbers in the ranges France keeps for fiction (01 99 00…, 02 61 91…,
03 53 58…, 04 65 71…, 05 36 49…, 06 39 98…) or in plausible foreign formats.
"""

from sample_lib import BP, MA

# Organisations ---------------------------------------------------------------
# key: name, organisation_type, country, cuf_member, organisation_description,
#      contact (last, first, role, email, phone), tz (UTC offset in hours in
#      May-June 2018), client (mail client), closing.

ORGS = {
    "grenoble": dict(
        name="Ville de Grenoble", type="commune", country="France", member=True,
        desc="Ville de 160 000 habitants, engagée dans des partenariats avec Ouagadougou (Burkina Faso) et Sfax (Tunisie).",
        last="Lefèvre", first="Sophie", role="Chargée de mission coopération internationale",
        email="sophie.lefevre@grenoble.fr", phone="04 65 71 36 36", tz=2),
    "lyon": dict(
        name="Métropole de Lyon", type="intercommunalite", country="France", member=True,
        desc="Collectivité à statut particulier : 59 communes, 1,4 million d'habitants.",
        last="Bérenger", first="Jérôme", role="Responsable du pôle solidarité internationale",
        email="jberenger@grandlyon.com", phone="+33 4 65 71 40 40", tz=2),
    "seine_saint_denis": dict(
        name="Département de la Seine-Saint-Denis", type="departement", country="France", member=True,
        desc="1,6 million d'habitants, plus de 130 nationalités ; une politique de coopération tournée vers la jeunesse.",
        last="Diallo", first="Aïssatou", role="Chargée de projets jeunesse et solidarité internationale",
        email="adiallo@seinesaintdenis.fr", phone="01 99 00 93 93", tz=2),
    "bretagne": dict(
        name="Région Bretagne", type="region", country="France", member=True, desc=None,
        last="Le Goff", first="Yannick", role="Chargé de mission Afrique et océan Indien",
        email="yannick.legoff@bretagne.bzh", phone="02 61 91 10 10", tz=2),
    "chambery": dict(
        name="Ville de Chambéry", type="commune", country="France", member=True,
        desc="Préfecture de la Savoie, 60 000 habitants ; jumelage-coopération avec Ouahigouya depuis 1991.",
        last="Fauré", first="Grégoire", role="Chargé de mission relations internationales",
        email="g.faure@mairie-chambery.fr", phone="04.65.71.20.20", tz=2),
    "strasbourg": dict(
        name="Eurométropole de Strasbourg", type="intercommunalite", country="France", member=True,
        desc="33 communes, 490 000 habitants, siège d'institutions européennes.",
        last="Château", first="Émilie", role="Chargée de mission relations internationales",
        email="emilie.chateau@strasbourg.eu", phone="03 53 58 50 00", tz=2),
    "montreuil": dict(
        name="Ville de Montreuil", type="commune", country="France", member=True,
        desc="105 000 habitants ; une importante communauté malienne, partenariat avec le cercle de Yélimané.",
        last="Kébé", first="Anaïs", role="Chargée de mission coopération décentralisée",
        email="anais.kebe@montreuil.fr", phone="01 99 00 60 00", tz=2),
    "rufisque": dict(
        name="Ville de Rufisque", type="commune", country="Sénégal", member=False,
        desc="Ville historique de la presqu'île du Cap-Vert, 300 000 habitants.",
        last="Ndiaye", first="Mamadou", role="Directeur de la coopération décentralisée",
        email="mamadou.ndiaye@villederufisque.sn", phone="+221 33 836 12 34", tz=0),
    "agadir": dict(
        name="Commune d'Agadir", type="commune", country="Maroc", member=False,
        desc="Capitale de la région Souss-Massa, 420 000 habitants, première station balnéaire du Maroc.",
        last="El Idrissi", first="Fatima-Zahra", role="Chef de la division de la coopération",
        email="fz.elidrissi@agadir.ma", phone="+212 528 84 23 23", tz=0),
    "douala": dict(
        name="Communauté urbaine de Douala", type="intercommunalite", country="Cameroun", member=False,
        desc="Capitale économique du Cameroun : six communes d'arrondissement, 3 millions d'habitants.",
        last="Tchakounté", first="Joël", role="Chef du service de la coopération",
        email="joel.tchakounte@douala-city.org", phone="(+237) 233 42 12 34", tz=1),
    "ouahigouya": dict(
        name="Commune de Ouahigouya", type="commune", country="Burkina Faso", member=False,
        desc="Chef-lieu de la région du Nord, 125 000 habitants.",
        last="Ouédraogo", first="Seydou", role="Secrétaire général de la mairie",
        email="seydou.ouedraogo@yahoo.fr", phone="00226 40 55 12 34", tz=0),
    "sfax": dict(
        name="Municipalité de Sfax", type="commune", country="Tunisie", member=False,
        desc="Deuxième ville de Tunisie, 330 000 habitants.",
        last="Trabelsi", first="Mohamed Ali", role="Directeur de la coopération internationale",
        email="ma.trabelsi@commune-sfax.gov.tn", phone="+216 74 40 12 34", tz=1),
    "chouf": dict(
        name="Union des municipalités du Chouf Souayjani", type="intercommunalite", country="Liban", member=False,
        desc="Seize municipalités du Chouf, 80 000 habitants et plus de 20 000 réfugiés.",
        last="Haddad", first="Rania", role="Coordinatrice des projets",
        email="rania.haddad@chouf-souayjani.org", phone="+961 5 50 12 34", tz=3),
    "antsirabe": dict(
        name="Commune urbaine d'Antsirabe", type="commune", country="Madagascar", member=False,
        desc="Troisième ville de Madagascar, sur les hautes terres du Vakinankaratra.",
        last="Randrianarisoa", first="Voahangy", role="Responsable de la coopération décentralisée",
        email="v.randrianarisoa@antsirabe.mg", phone="+261 20 44 123 45", tz=3),
    "sherbrooke": dict(
        name="Ville de Sherbrooke", type="commune", country="Canada (Québec)", member=False,
        desc="Sixième ville du Québec, 165 000 habitants, ville universitaire.",
        last="Tremblay", first="Marie-Ève", role="Conseillère en relations internationales",
        email="marie-eve.tremblay@ville.sherbrooke.qc.ca", phone="819 821-5500, poste 1234", tz=-4),
    "jacmel": dict(
        name="Mairie de Jacmel", type="commune", country="Haïti", member=False,
        desc=None,
        last="Pierre-Louis", first="Wilner", role="Directeur général de la mairie",
        email="wpierrelouis@mairiedejacmel.ht", phone="+509 37 12 34 56", tz=-4),
    "gyumri": dict(
        name="Ville de Gyumri", type="commune", country="Arménie", member=False,
        desc="Deuxième ville d'Arménie, 120 000 habitants ; coopération avec plusieurs villes françaises.",
        last="Hovhannisyan", first="Anahit", role="Chargée des relations extérieures",
        email="anahit.hovhannisyan@gyumricity.am", phone="+374 312 3 12 34", tz=4),
    "hue": dict(
        name="Comité populaire de la province de Thừa Thiên Huế", type="region", country="Vietnam", member=False,
        desc="Province du centre du Vietnam ; l'ancienne cité impériale est inscrite au patrimoine mondial.",
        last="Nguyễn", first="Thị Lan", role="Service des affaires étrangères",
        email="ntlan@thuathienhue.gov.vn", phone="+84 234 382 1234", tz=7),
    "oaxaca": dict(
        name="Municipio de Oaxaca de Juárez", type="commune", country="Mexique", member=False,
        desc="Capitale de l'État d'Oaxaca, 260 000 habitants.",
        last="Hernández", first="Guadalupe", role="Directora de Asuntos Internacionales",
        email="guadalupe.hernandez@municipiodeoaxaca.gob.mx", phone="+52 951 501 5500", tz=-5),
    "eau_vive": dict(
        name="Eau Vive Internationale", type="association", country="France", member=False,
        desc="ONG de solidarité internationale pour l'accès à l'eau et l'assainissement en Afrique de l'Ouest.",
        last="Lambert", first="Zoé", role="Responsable plaidoyer",
        email="zoe.lambert@eauvive.org", phone="06 39 98 12 34", tz=2),
    "horizons": dict(
        name="Horizons Solidaires", type="association", country="France", member=False,
        desc="Réseau régional multi-acteurs de la coopération internationale en Normandie.",
        last="Garnier", first="Théo", role="Chargé de mission",
        email="theo.garnier@horizons-solidaires.org", phone="02 61 91 12 34", tz=2),
    "besancon": dict(
        name="Ville de Besançon", type="commune", country="France", member=True,
        desc="Capitale comtoise, 117 000 habitants.",
        last="Perrin", first="Élodie", role="Chargée de mission relations internationales",
        email="elodie.perrin@besancon.fr", phone="03 53 58 50 50", tz=2),
    "nantes": dict(
        name="Nantes Métropole", type="intercommunalite", country="France", member=True,
        desc="24 communes, 640 000 habitants.",
        last="Marchand-Roux", first="Hélène", role="Chargée de mission Agenda 2030",
        email="helene.marchand-roux@nantesmetropole.fr", phone="02 61 91 48 48", tz=2),
    "villeurbanne": dict(
        name="Ville de Villeurbanne", type="commune", country="France", member=True,
        desc="150 000 habitants, jumelée avec Abomey (Bénin).",
        last="Clément", first="François", role="Chargé des relations internationales",
        email="francois.clement@mairie-villeurbanne.fr", phone="04 65 71 67 67", tz=2),
    "poitiers": dict(
        name="Ville de Poitiers", type="commune", country="France", member=True,
        desc="Ville de 88 000 habitants, labellisée « Territoire de commerce équitable ».",
        last="Boutin", first="Céline", role="Responsable du service relations internationales",
        email="celine.boutin@poitiers.fr", phone="05 36 49 35 35", tz=2),
    "centre_vdl": dict(
        name="Région Centre-Val de Loire", type="region", country="France", member=True,
        desc="2,6 millions d'habitants ; coopérations au Maroc, au Mali, au Sénégal et en Chine.",
        last="Duchêne", first="Amélie", role="Chargée de mission coopération décentralisée",
        email="amelie.duchene@centrevaldeloire.fr", phone="02 61 91 30 30", tz=2),
    "herault": dict(
        name="Département de l'Hérault", type="departement", country="France", member=False,
        desc="1,1 million d'habitants ; premier département viticole de France.",
        last="Vidal", first="Agnès", role="Chargée de coopération internationale",
        email="avidal@herault.fr", phone="04 65 71 67 00", tz=2),
    "saint_louis": dict(
        name="Commune de Saint-Louis", type="commune", country="Sénégal", member=False,
        desc="Ancienne capitale, île inscrite au patrimoine mondial, 230 000 habitants.",
        last="Sow", first="Ibrahima", role="Chargé de la coopération décentralisée",
        email="ibrahima.sow@villedesaintlouis.sn", phone="77 123 45 67", tz=0),
    "dieppe": dict(
        name="Ville de Dieppe", type="commune", country="France", member=True,
        desc="Port de la Manche, 30 000 habitants.",
        last="Lemaître", first="Benoît", role="Adjoint au maire chargé des relations internationales",
        email="b.lemaitre@mairie-dieppe.fr", phone="02 61 91 61 11", tz=2),
    "pays_basque": dict(
        name="Communauté d'agglomération du Pays Basque", type="intercommunalite", country="France", member=False,
        desc="158 communes, 310 000 habitants, à la frontière espagnole.",
        last="Etcheverry", first="Maïté", role="Chargée de mission coopération transfrontalière",
        email="m.etcheverry@communaute-paysbasque.fr", phone="05 36 49 72 72", tz=2),
    # bourse aux projets
    "val_de_marne": dict(
        name="Conseil départemental du Val-de-Marne", type="departement", country="France", member=True,
        desc="1,4 million d'habitants ; coopérations au Vietnam, au Mali, en Palestine et au Salvador.",
        last="Kerjean", first="Solène", role="Chargée de mission Asie",
        email="solene.kerjean@valdemarne.fr", phone="01 99 00 70 00", tz=2),
    "hauts_de_france": dict(
        name="Région Hauts-de-France", type="region", country="France", member=True, desc=None,
        last="Bréhier", first="Loïc", role="Chargé de mission Afrique subsaharienne",
        email="loic.brehier@hautsdefrance.fr", phone="+33 3 53 58 00 00", tz=2),
    "nancy": dict(
        name="Ville de Nancy", type="commune", country="France", member=True,
        desc="105 000 habitants ; coopérations au Liban et en Palestine.",
        last="Grangé", first="Ophélie", role="Chargée des relations internationales",
        email="ophelie.grange@mairie-nancy.fr", phone="03 53 58 30 00", tz=2),
    "evry": dict(
        name="Ville d'Évry", type="commune", country="France", member=False,
        desc="Préfecture de l'Essonne, 53 000 habitants, forte présence de ressortissants de la région de Kayes.",
        last="Bensaïd", first="Karim", role="Chargé de mission citoyenneté et solidarité internationale",
        email="k.bensaid@mairie-evry.fr", phone="01 99 00 63 00", tz=2),
    "bangangte": dict(
        name="Commune de Bangangté", type="commune", country="Cameroun", member=False,
        desc="Chef-lieu du département du Ndé, région de l'Ouest, 90 000 habitants.",
        last="Mbarga", first="Pauline", role="Secrétaire générale",
        email="pauline.mbarga@bangangte.cm", phone="+237 6 77 12 34 56", tz=1),
    "oriental": dict(
        name="Conseil régional de l'Oriental", type="region", country="Maroc", member=False,
        desc="Région du nord-est du Maroc, 2,3 millions d'habitants.",
        last="Benjelloun", first="Rachid", role="Directeur de la coopération",
        email="r.benjelloun@region-oriental.ma", phone="+212 536 12 34 56", tz=0),
    "koudougou": dict(
        name="Commune de Koudougou", type="commune", country="Burkina Faso", member=False,
        desc="Troisième ville du Burkina Faso, 160 000 habitants.",
        last="Kaboré", first="Awa", role="Chargée de la coopération",
        email="awa.kabore@koudougou.bf", phone="00226 25 44 12 34", tz=0),
    "kairouan": dict(
        name="Municipalité de Kairouan", type="commune", country="Tunisie", member=False,
        desc="Ville sainte, médina inscrite au patrimoine mondial, 190 000 habitants.",
        last="Ben Salah", first="Leïla", role="Chargée de la coopération internationale",
        email="leila.bensalah@commune-kairouan.gov.tn", phone="+216 77 23 12 34", tz=1),
    "haute_matsiatra": dict(
        name="Région Haute Matsiatra", type="region", country="Madagascar", member=False,
        desc="Région des hautes terres du centre-sud, chef-lieu Fianarantsoa.",
        last="Rakotomalala", first="Hery", role="Directeur du développement régional",
        email="hery.rakotomalala@hautematsiatra.mg", phone="+261 34 12 345 67", tz=3),
    "levis": dict(
        name="Ville de Lévis", type="commune", country="Canada (Québec)", member=False,
        desc="145 000 habitants, sur la rive sud du Saint-Laurent, face à Québec.",
        last="Côté", first="Jean-François", role="Conseiller aux affaires internationales",
        email="jfcote@ville.levis.qc.ca", phone="418 839-2002", tz=-4),
    "cayes": dict(
        name="Commune des Cayes", type="commune", country="Haïti", member=False,
        desc="Chef-lieu du département du Sud, 140 000 habitants.",
        last="Joseph", first="Nadège", role="Responsable de la coopération",
        email="nadege.joseph.cayes@gmail.com", phone="+509 3456-7890", tz=-4),
    "goris": dict(
        name="Communauté de Goris", type="commune", country="Arménie", member=False,
        desc="Ville du Syunik, au sud de l'Arménie, 20 000 habitants.",
        last="Sargsyan", first="Armen", role="Adjoint au maire",
        email="armen.sargsyan@goris.am", phone="+374 284 2 12 34", tz=4),
    "lianes": dict(
        name="Lianes coopération", type="association", country="France", member=False,
        desc="Réseau régional multi-acteurs des Hauts-de-France.",
        last="Dubœuf", first="Raphaël", role="Chargé d'accompagnement des collectivités",
        email="raphael.duboeuf@lianescooperation.org", phone="03 53 58 10 96", tz=2),
    "lao_cai": dict(
        name="Comité populaire de la province de Lào Cai", type="region", country="Vietnam", member=False,
        desc="Province montagneuse du nord du Vietnam, frontalière de la Chine.",
        last="Trần", first="Văn Minh", role="Service des affaires étrangères",
        email="tvminh@laocai.gov.vn", phone="+84 214 3 840 123", tz=7),
    # no readable fiche
    "chefchaouen": dict(
        name="Commune de Chefchaouen", type="commune", country="Maroc", member=False, desc=None,
        last="El Amrani", first="Youssef", role="Chef du service de la coopération",
        email="y.elamrani@chefchaouen.ma", phone="+212 539 98 60 00", tz=0),
    "climate_chance": dict(
        name="Association Climate Chance", type="association", country="France", member=False, desc=None,
        last="Mercier", first="Lucie", role="Chargée de projets",
        email="lucie.mercier@climate-chance.org", phone="06 39 98 44 21", tz=2),
    "normandie": dict(
        name="Région Normandie", type="region", country="France", member=True, desc=None,
        last="Vasseur", first="Chloé", role="Chargée de mission coopération",
        email="chloe.vasseur@normandie.fr", phone="02 61 91 14 14", tz=2),
}

# Micro-ateliers ----------------------------------------------------------------
# org: title, theme, partner_countries, description, partners, format, equipment, slot

MICRO_ATELIERS = {
    "grenoble": dict(
        project_title="Budget participatif solidaire : les habitants choisissent les projets de coopération",
        theme="odd", partner_countries="Burkina Faso, Tunisie",
        project_description="Depuis 2016, une part du budget participatif est réservée à des projets conduits avec nos villes partenaires.\n"
        "Les habitants votent ; des associations issues des diasporas accompagnent la mise en œuvre sur place.",
        partners="Maison de l'International, associations de ressortissants burkinabè et tunisiens",
        format="diaporama", equipment="Vidéoprojecteur et micro", preferred_slot="14:00"),
    "lyon": dict(
        project_title="Le 1 % solidaire pour l'eau : dix ans de projets avec nos partenaires",
        theme="odd", partner_countries="Haïti, Arménie, Burkina Faso, Madagascar",
        project_description="La loi Oudin-Santini permet de consacrer jusqu'à 1 % du budget de l'eau à la solidarité internationale.\n"
        "Nous présentons l'appel à projets métropolitain, ses critères de sélection et trois projets suivis depuis 2008.",
        partners="Agence de l'eau Rhône Méditerranée Corse, pS-Eau",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "seine_saint_denis": dict(
        project_title="Jeunes ambassadeurs de la solidarité internationale",
        theme="jeunesse", partner_countries="Mali, Palestine, Vietnam",
        project_description="Chaque année, vingt jeunes du département partent trois semaines chez nos partenaires pour un projet collectif préparé pendant six mois.\n"
        "À leur retour, ils animent des ateliers dans les collèges.",
        partners="France Volontaires, missions locales, collèges du département",
        format="film", equipment="Écran, enceintes, lecteur vidéo (fichier MP4)", preferred_slot="14:00"),
    "bretagne": dict(
        project_title="Adaptation au changement climatique : un plan partagé avec la région Analamanga",
        theme="climat", partner_countries="Madagascar",
        project_description="Diagnostic de vulnérabilité mené avec les techniciens malgaches, puis plan d'actions commun : reboisement, gestion de l'eau, alerte précoce.",
        partners="Région Analamanga, Météo-France, associations bretonnes de solidarité",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "chambery": dict(
        project_title="Plus de 25 ans de jumelage-coopération avec Ouahigouya : ce qui a marché",
        theme="odd", partner_countries="Burkina Faso",
        project_description="Une coopération de ville à ville portée par les habitants : écoles, santé, assainissement, puis appui à la maîtrise d'ouvrage communale.\n"
        "Nous tirons trois leçons de ce partenariat de long terme.",
        partners="Commune de Ouahigouya, Département de la Savoie, association Chambéry-Ouahigouya",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "strasbourg": dict(
        project_title="Villes accueillantes : coordonner l'accueil des personnes migrantes à l'échelle métropolitaine",
        theme="migrations", partner_countries="Maroc, Tunisie, Liban",
        project_description="Un guichet unique, une charte signée par les 33 communes et un réseau d'échanges avec des villes du pourtour méditerranéen.",
        partners="Réseau des villes accueillantes, HCR, associations locales",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "montreuil": dict(
        project_title="Diaspora malienne et co-développement : l'exemple du cercle de Yélimané",
        theme="migrations", partner_countries="Mali",
        project_description="Avec les associations de ressortissants, la Ville cofinance des projets d'eau, de santé et d'éducation dans le cercle de Yélimané.\n"
        "Le film montre comment les décisions se prennent des deux côtés.",
        partners="Associations de ressortissants de Yélimané, FORIM",
        format="film", equipment="Écran et sonorisation", preferred_slot="14:00"),
    "rufisque": dict(
        project_title="Collecte des déchets : les groupements de femmes au cœur du dispositif",
        theme="climat", partner_countries="France",
        project_description="Pré-collecte par charrettes dans douze quartiers, tri et compostage confiés à des groupements de femmes rémunérés par la commune.",
        partners="Ville de Nanterre, Agence de développement municipal",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "agadir": dict(
        project_title="Gérer l'eau dans une ville touristique",
        theme="climat", partner_countries="France, Espagne",
        project_description="Réutilisation des eaux usées pour l'arrosage des espaces verts et des golfs, tarification progressive et campagnes de sensibilisation des hôtels.",
        partners="Régie autonome multi-services d'Agadir, Ville de Nantes",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:40"),
    "douala": dict(
        project_title="Adressage des rues et cadastre participatif",
        theme="autre", partner_countries="France",
        project_description="Une application mobile permet aux habitants de signaler les noms de rues et les repères ; les données alimentent le cadastre fiscal.\n"
        "Démonstration de l'application sur tablette.",
        partners="Agence française de développement, Communauté urbaine de Lille",
        format="demonstration", equipment="Une table, une prise électrique, une connexion internet si possible", preferred_slot="14:00"),
    "ouahigouya": dict(
        project_title="Jardins maraîchers scolaires et cantines",
        theme="jeunesse", partner_countries="France",
        project_description="Vingt écoles disposent d'un jardin entretenu par les élèves ; la récolte approvisionne la cantine deux jours par semaine.",
        partners="Ville de Chambéry, associations de parents d'élèves",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="15:00"),
    "sfax": dict(
        project_title="Un plan de mobilité urbaine durable co-construit avec les habitants",
        theme="climat", partner_countries="France",
        project_description="Ateliers de quartier, enquête ménages et comptages : le plan priorise les transports collectifs et la marche.",
        partners="Grenoble-Alpes Métropole, CODATU",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "chouf": dict(
        project_title="Services municipaux et accueil des réfugiés : tenir dans la durée",
        theme="migrations", partner_countries="France",
        project_description="Comment seize petites municipalités ont mutualisé la collecte des déchets et l'accès à l'eau pour une population augmentée d'un quart.",
        partners="Bureau technique des villes libanaises, Région Île-de-France",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "antsirabe": dict(
        project_title="Cantines scolaires et producteurs locaux",
        theme="odd", partner_countries="France",
        project_description="La commune achète directement aux coopératives de producteurs du Vakinankaratra pour 35 cantines.\n"
        "Le film suit une journée, du champ à l'assiette.",
        partners="Région Auvergne-Rhône-Alpes, coopératives agricoles",
        format="film", equipment="Écran et son", preferred_slot="14:40"),
    "sherbrooke": dict(
        project_title="Laboratoire citoyen des ODD : un outil en ligne pour suivre les engagements",
        theme="odd", partner_countries="France, Sénégal",
        project_description="Plateforme ouverte où chaque service municipal et chaque organisme partenaire déclare ses actions au regard des 17 ODD.",
        partners="Université de Sherbrooke, Ville de Thiès",
        format="demonstration", equipment="Connexion internet et un écran", preferred_slot="14:20"),
    "jacmel": dict(
        project_title="Patrimoine et reconstruction : le centre historique de Jacmel",
        theme="autre", partner_countries="France",
        project_description="Après le séisme de 2010, la mairie a formé des artisans aux techniques traditionnelles pour restaurer les maisons du centre historique.",
        partners="Ville de Lorient, UNESCO",
        format="film", equipment="Écran", preferred_slot="15:00"),
    "gyumri": dict(
        project_title="Former les élus locaux à la gestion budgétaire",
        theme="autre", partner_countries="France",
        project_description="Un cycle de six modules pour les conseillers municipaux des communes fusionnées du Shirak.",
        partners="Ville de Marseille, Centre national de la fonction publique territoriale",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "hue": dict(
        project_title="Patrimoine et montée des eaux : protéger la citadelle de Huế",
        theme="climat", partner_countries="France",
        project_description="Cartographie des zones inondables, restauration des canaux historiques et plan d'alerte pour les habitants de la citadelle.",
        partners="Communauté d'agglomération de Blois, Agence française de développement",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="15:20"),
    "oaxaca": dict(
        project_title="Migrants de retour : les accompagner vers l'emploi local",
        theme="migrations", partner_countries="France, États-Unis",
        project_description="Guichet municipal pour les migrants revenus des États-Unis : reconnaissance des compétences, microcrédit et mise en relation avec les entreprises.",
        partners="Gouvernement de l'État d'Oaxaca, Organisation internationale pour les migrations",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot=None),
    "eau_vive": dict(
        project_title="Un jeu de plateau pour comprendre la gouvernance locale de l'eau",
        theme="odd", partner_countries="Burkina Faso, Niger, Sénégal",
        project_description="Les joueurs incarnent un maire, un comité de gestion, un exploitant et des usagers ; chaque tour pose un dilemme réel.",
        partners="pS-Eau, communes partenaires",
        format="demonstration", equipment="Une table et quatre chaises", preferred_slot="14:40"),
    "horizons": dict(
        project_title="Mesurer les effets des partenariats : une boîte à outils régionale",
        theme="odd", partner_countries=None,
        project_description="Douze fiches-outils et un questionnaire en ligne pour aider les collectivités normandes à évaluer leurs coopérations.",
        partners="Région Normandie, collectivités membres du réseau",
        format="demonstration", equipment="Un écran et une connexion internet", preferred_slot="14:00"),
    "besancon": dict(
        project_title="Service civique international réciproque : accueillir autant qu'envoyer",
        theme="jeunesse", partner_countries="Burkina Faso, Maroc",
        project_description="Chaque année, quatre jeunes de Besançon partent et quatre jeunes de Douroula et de Kénitra sont accueillis dans les services municipaux.",
        partners="France Volontaires, Agence du service civique",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:20"),
    "nantes": dict(
        project_title="Agenda 2030 : un tableau de bord métropolitain des ODD",
        theme="odd", partner_countries=None,
        project_description="Quarante indicateurs suivis chaque année et rapprochés du budget ; le tableau de bord sert aussi au dialogue avec nos partenaires étrangers.",
        partners="Comité 21, Institut national de la statistique",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="any"),
    "villeurbanne": dict(
        project_title="Correspondances scolaires numériques entre Villeurbanne et Abomey",
        theme="jeunesse", partner_countries="Bénin",
        project_description="Six classes échangent chaque mois des vidéos réalisées par les élèves.\nUn court film montre les deux côtés.",
        partners="Commune d'Abomey, Éducation nationale",
        format="film", equipment="Écran et enceintes", preferred_slot="15:00"),
    "poitiers": dict(
        project_title="Achats publics responsables : le commerce équitable dans les cantines de Poitiers",
        theme="odd", partner_countries="Burkina Faso",
        project_description="Depuis 2014, le sucre, le riz et le chocolat des cantines viennent de filières équitables, dont une coopérative partenaire de Koudougou.\n"
        "Nous présentons les clauses des marchés et le coût réel pour la Ville.",
        partners="Commerce équitable France, Ville de Koudougou",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "centre_vdl": dict(
        project_title="« Jeunes solidaires » : un dispositif régional pour les 15-25 ans",
        theme="jeunesse", partner_countries="Maroc, Mali, Sénégal",
        project_description="Appel à projets annuel : la Région finance des projets collectifs de jeunes avec nos régions partenaires et forme les porteurs.",
        partners="Centraider, missions locales",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "herault": dict(
        project_title="Agroécologie : échanges entre paysans héraultais et marocains",
        theme="climat", partner_countries="Maroc",
        project_description="Visites croisées d'exploitations, formation aux techniques de sol vivant et création d'un réseau de fermes de démonstration.",
        partners="Chambre d'agriculture de l'Hérault, Région de Fès-Meknès",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:40"),
    "saint_louis": dict(
        project_title="Recul du trait de côte : reloger les habitants de la Langue de Barbarie",
        theme="climat", partner_countries="France",
        project_description="Plus de 10 000 personnes menacées par l'érosion ; la commune a organisé le relogement avec les familles de pêcheurs.",
        partners="Ville de Lille, Banque mondiale",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="15:20"),
    "dieppe": dict(
        project_title="Un port, des exilés : l'accueil des mineurs non accompagnés",
        theme="migrations", partner_countries="Royaume-Uni",
        project_description="Maraudes, hébergement d'urgence et coopération avec la ville de Newhaven pour les jeunes qui tentent la traversée.",
        partners="Ville de Newhaven, associations locales",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="14:00"),
    "pays_basque": dict(
        project_title="Coopération transfrontalière et langue basque : l'Eurocité basque",
        theme="autre", partner_countries="Espagne",
        project_description="Une structure commune avec Saint-Sébastien pour les transports, la culture et l'enseignement de l'euskara.",
        partners="Diputación Foral de Gipuzkoa, Eurocité basque",
        format="diaporama", equipment="Vidéoprojecteur", preferred_slot="any"),
}

# The first version of Poitiers' fiche (replaced a week later).
POITIERS_V1 = dict(MICRO_ATELIERS["poitiers"],
                   project_title="Marchés publics et commerce équitable",
                   project_description="Depuis 2014, le sucre, le riz et le chocolat des cantines viennent de filières équitables.",
                   preferred_slot="14:20")

# Bourse aux projets ---------------------------------------------------------------

BOURSES = {
    "val_de_marne": dict(
        request_type="cooperation", target_country="Vietnam (province de Yên Bái)", theme="climat",
        partner_sought="french_local_government",
        request_description="Nous souhaitons associer d'autres collectivités françaises à notre programme d'adaptation de l'agriculture de montagne au changement climatique.",
        difficulties="Barrière de la langue, coût des missions.", preferred_slot="12:45"),
    "hauts_de_france": dict(
        request_type="specific_need", target_country="Sénégal", theme="jeunesse",
        partner_sought="association",
        request_description="Recherche d'une association capable d'encadrer des chantiers de jeunes (15-20 participants) dans la région de Kaffrine, en 2019.",
        difficulties="Encadrement sur place et assurance des mineurs.", preferred_slot="13:15"),
    "nancy": dict(
        request_type="cooperation", target_country="Liban", theme=("odd", "climat"),
        partner_sought="french_local_government",
        request_description="Nous cherchons des villes françaises partenaires de municipalités libanaises pour monter un programme commun sur la gestion des déchets.",
        difficulties=None, preferred_slot="16:30"),
    "evry": dict(
        request_type="specific_need", target_country="Mali (région de Kayes)", theme="migrations",
        partner_sought="association",
        request_description="Formation des associations de ressortissants au montage de projets et aux financements du dispositif PRA/OSIM.",
        difficulties="Peu de temps disponible chez les bénévoles.", preferred_slot="12:45"),
    "bangangte": dict(
        request_type="cooperation", target_country="Cameroun (région de l'Ouest)", theme="odd",
        partner_sought="french_local_government",
        request_description="Accès à l'eau potable dans les quartiers périphériques : recherche d'une collectivité française prête à mobiliser le 1 % eau.",
        difficulties="Financement des études préalables.", preferred_slot="12:45"),
    "oriental": dict(
        request_type="cooperation", target_country="Maroc (région de l'Oriental)", theme="jeunesse",
        partner_sought="french_local_government",
        request_description="Insertion professionnelle des jeunes diplômés : nous recherchons une région française pour un programme d'échanges de stagiaires.",
        difficulties="Obtention des visas pour les stagiaires.", preferred_slot="13:15"),
    "koudougou": dict(
        request_type="specific_need", target_country="Burkina Faso", theme="climat",
        partner_sought="company",
        request_description="Électrification solaire de douze centres de santé : recherche d'une entreprise pour l'étude technique et la formation des techniciens communaux.",
        difficulties="Maintenance des installations existantes.", preferred_slot="16:30"),
    "kairouan": dict(
        request_type="cooperation", target_country="Tunisie", theme="autre",
        partner_sought="french_local_government",
        request_description="Valorisation de la médina : recherche d'une ville française à centre historique protégé pour un échange entre services techniques.\n"
        "Nous souhaitons travailler sur la signalétique, la circulation et la réhabilitation des façades.",
        difficulties="Financement des missions d'experts.", preferred_slot="16:30"),
    "haute_matsiatra": dict(
        request_type="specific_need", target_country="Madagascar", theme="odd",
        partner_sought="association",
        request_description="Appui à la mise en place d'un observatoire régional des ODD : outils de collecte de données et formation des agents.",
        difficulties="Connexion internet limitée dans les districts.", preferred_slot="any"),
    "levis": dict(
        request_type="cooperation", target_country="France", theme="jeunesse",
        partner_sought="french_local_government",
        request_description="Échanges de jeunes stagiaires entre services municipaux, dans le cadre de l'Office franco-québécois pour la jeunesse.",
        difficulties=None, preferred_slot="16:30"),
    "cayes": dict(
        request_type="specific_need", target_country="Haïti (département du Sud)", theme="climat",
        partner_sought="french_local_government",
        request_description="Plan communal de gestion des risques cycloniques : recherche d'un appui technique pour l'alerte précoce et les abris.",
        difficulties="Les abris existants ont été endommagés par l'ouragan Matthew.", preferred_slot="12:45"),
    "goris": dict(
        request_type="cooperation", target_country="Arménie (région du Syunik)", theme="autre",
        partner_sought="french_local_government",
        request_description="Développement du tourisme rural : nous cherchons une collectivité de montagne française pour partager son expérience des gîtes et des sentiers.",
        difficulties="Accessibilité en hiver.", preferred_slot="13:15"),
    "lianes": dict(
        request_type="specific_need", target_country="Bénin, Togo", theme="odd",
        partner_sought="foreign_local_government",
        request_description="Nous accompagnons des communes des Hauts-de-France et cherchons des communes béninoises et togolaises intéressées par des partenariats sur l'état civil.",
        difficulties=None, preferred_slot="17:00"),
    "lao_cai": dict(
        request_type="cooperation", target_country="Vietnam", theme="climat",
        partner_sought="french_local_government",
        request_description="Gestion des glissements de terrain dans les districts de montagne.\nNous recherchons un partenaire français pour la cartographie des risques et la formation.",
        difficulties="Langue de travail : vietnamien et anglais.", preferred_slot="13:15"),
    "centre_vdl": dict(
        request_type="cooperation", target_country="Maroc (région de Fès-Meknès)", theme="jeunesse",
        partner_sought="foreign_local_government",
        request_description="Nous souhaitons élargir notre programme « Jeunes solidaires » à une région marocaine et co-financer des projets de jeunes des deux rives.",
        difficulties="Identifier le bon interlocuteur au sein de la région.", preferred_slot="any"),
}

KAIROUAN_V1 = dict(BOURSES["kairouan"],
                   request_description="Valorisation de la médina : recherche d'une ville française à centre historique protégé.",
                   difficulties=None, preferred_slot="17:00")


def fields_of(org_key: str, kind: str, proposal: dict) -> dict:
    o = ORGS[org_key]
    v = {
        "organisation": o["name"],
        "organisation_type": o["type"],
        "country": o["country"],
        "cuf_member": o["member"],
        "organisation_description": o["desc"],
        "contact_last_name": o["last"],
        "contact_first_name": o["first"],
        "contact_role": o["role"],
        "contact_email": o["email"],
        "contact_phone": o["phone"],
    }
    v.update(proposal)
    return v


__all__ = ["ORGS", "MICRO_ATELIERS", "BOURSES", "POITIERS_V1", "KAIROUAN_V1", "fields_of", "MA", "BP"]
