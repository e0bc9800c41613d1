"""Demo data: the agency "Avignon Joly Jean" with realistic TPE offers, hires and a défi.

Content is fixed; dates are relative to the day of seeding so that the four urgency levels
stay represented whenever the demo runs.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from api.clock import local_today, to_utc, utcnow
from api.demo_history import seed_history
from api.domain import french
from api.models import (
    Agency,
    AgendaAttendance,
    AgendaEvent,
    Announcement,
    CandidateProposal,
    Challenge,
    Contribution,
    EthicsQuestionnaire,
    Hire,
    Offer,
    Staff,
    Tag,
    Testimony,
)
from api.models.agency import DEFAULT_OPENING_HOURS
from api.models.screen import ScreenCreate
from api.models.tag import fold
from api.security.passwords import hash_password
from api.services import agenda, employers, questionnaire, screens
from api.services import tags as tag_service
from api.services.offers import unused_code

AGENCY_CODE = "avignon-joly-jean"
AGENCY_NAME = "Avignon Joly Jean"

# (name, e-mail, role)
PEOPLE = [
    ("Claire Vidal", "claire.vidal@demo.couloir.test", "manager"),
    ("Sophie Marchal", "sophie.marchal@demo.couloir.test", "cde"),
    ("Julien Baptiste", "julien.baptiste@demo.couloir.test", "cde"),
    ("Nadia Benali", "nadia.benali@demo.couloir.test", "cde"),
    ("Thomas Girard", "thomas.girard@demo.couloir.test", "cdde"),
    ("Aurélie Fabre", "aurelie.fabre@demo.couloir.test", "cdde"),
    ("Mehdi Haddad", "mehdi.haddad@demo.couloir.test", "cdde"),
    ("Équipe support", "admin@demo.couloir.test", "admin"),
]

# The employers' criteria of three offers (« mouton à 5 pattes »): the plumber of the field
# study, paid at the SMIC for ten years' experience; an electrician's job open to beginners
# that asks a Bac +2 and four more things; a bakery's fair request, for contrast.
CRITERIA: dict[str, dict[str, object]] = {
    "Plomberie Rhodanienne": {
        "experience_years": 10, "pay_from": 12.02, "pay_to": 12.2, "pay_period": "hour",
        "weekly_hours": 35, "driving_licence": True, "must_haves": ["Soudure cuivre"],
    },
    "Électricité Durance Services": {
        "experience_years": 0, "diploma": "bac2", "pay_from": 1950, "pay_to": 2150,
        "pay_period": "month", "weekly_hours": 35, "driving_licence": True,
        "must_haves": ["Habilitation électrique B1V", "CACES nacelle", "Anglais technique"],
    },
    "Boulangerie Au Pain d'Antan": {
        "experience_years": 0, "diploma": "aucun", "pay_from": 1900, "pay_to": 2000,
        "pay_period": "month", "weekly_hours": 35,
    },
}  # fmt: skip

# (employer, title, contract, commune, tags, description)
OFFERS = [
    (
        "Boulangerie Au Pain d'Antan",
        "Boulanger·ère",
        "CDI",
        "Avignon",
        ["#embaucheenor", "#debutantaccepte"],
        "Fournil au feu de bois, départ 4 h, deux jours de repos consécutifs.",
    ),
    (
        "Boulangerie Saint-Ruf",
        "Vendeur·se en boulangerie",
        "CDD",
        "Avignon",
        ["#antiplome"],
        "Accueil et vente, week-ends en alternance.",
    ),
    (
        "Restaurant Le Cloître des Arts",
        "Commis de cuisine",
        "saisonnier",
        "Avignon",
        ["#festival", "#logementfourni"],
        "Renfort pendant le Festival, service midi et soir.",
    ),
    (
        "Brasserie La Placette",
        "Serveur·se",
        "saisonnier",
        "Avignon",
        ["#festival", "#antiplome"],
        "Terrasse de 80 couverts place de l'Horloge.",
    ),
    (
        "Bistrot du Palais",
        "Plongeur·se",
        "CDD",
        "Avignon",
        ["#antiplome", "#embaucheenor"],
        "Équipe de six, repas fournis.",
    ),
    (
        "Plomberie Rhodanienne",
        "Plombier·ère chauffagiste",
        "CDI",
        "Le Pontet",
        ["#permisB"],
        "Dépannage et installation chez les particuliers, véhicule fourni.",
    ),
    (
        "Électricité Durance Services",
        "Électricien·ne du bâtiment",
        "CDI",
        "Caumont-sur-Durance",
        ["#permisB"],
        "Chantiers de rénovation, habilitation électrique appréciée.",
    ),
    (
        "Domaine des Garrigues",
        "Ouvrier·ère viticole",
        "saisonnier",
        "Châteauneuf-du-Pape",
        ["#antiplome", "#embaucheenor"],
        "Taille et palissage, travail en extérieur.",
    ),
    (
        "Château Roquemaure",
        "Caviste",
        "CDD",
        "Châteauneuf-du-Pape",
        ["#debutantaccepte"],
        "Accueil au caveau et préparation des commandes.",
    ),
    (
        "Salon Émilie Coiffure",
        "Coiffeur·se",
        "CDI",
        "Villeneuve-lès-Avignon",
        ["#embaucheenor"],
        "Salon de trois fauteuils, clientèle fidèle.",
    ),
    (
        "Barbier des Remparts",
        "Barbier",
        "CDD",
        "Avignon",
        ["#debutantaccepte"],
        "Formation au rasage à l'ancienne assurée.",
    ),
    (
        "Aide à domicile Vaucluse Services",
        "Aide à domicile",
        "CDI",
        "Sorgues",
        ["#permisB", "#antiplome"],
        "Accompagnement de personnes âgées, temps de trajet payé.",
    ),
    (
        "Les Mains d'Or Services",
        "Auxiliaire de vie",
        "CDD",
        "Morières-lès-Avignon",
        ["#permisB"],
        "Interventions matin et soir, tutorat à l'arrivée.",
    ),
    (
        "Garage Mistral Auto",
        "Mécanicien·ne automobile",
        "CDI",
        "Montfavet",
        ["#embaucheenor"],
        "Atelier toutes marques, outillage fourni.",
    ),
    (
        "Carrosserie Sud Provence",
        "Carrossier·ère peintre",
        "CDI",
        "Vedène",
        [],
        "Cabine de peinture récente, équipe de quatre.",
    ),
    (
        "Pizzeria Da Luigi",
        "Pizzaïolo",
        "CDI",
        "L'Isle-sur-la-Sorgue",
        ["#debutantaccepte"],
        "Four à bois, fermeture le lundi.",
    ),
    (
        "Fromagerie Les Alpilles",
        "Vendeur·se en fromagerie",
        "CDD",
        "Cavaillon",
        ["#antiplome"],
        "Marchés du mardi et du samedi.",
    ),
    (
        "Maraîchage Bio de la Barthelasse",
        "Maraîcher·ère",
        "saisonnier",
        "Avignon",
        ["#antiplome", "#embaucheenor"],
        "Récolte et préparation des paniers.",
    ),
    (
        "Vergers de la Durance",
        "Cueilleur·se de fruits",
        "saisonnier",
        "Cavaillon",
        ["#antiplome", "#logementfourni"],
        "Saison des cerises et des abricots.",
    ),
    (
        "Hôtel de la Mirande Sud",
        "Femme / valet de chambre",
        "saisonnier",
        "Avignon",
        ["#festival"],
        "Hôtel de 20 chambres, horaires du matin.",
    ),
    (
        "Camping Les Bords du Rhône",
        "Agent·e d'accueil",
        "saisonnier",
        "Villeneuve-lès-Avignon",
        ["#logementfourni"],
        "Accueil des campeurs, anglais apprécié.",
    ),
    (
        "Menuiserie Artisanale Roux",
        "Menuisier·ère poseur",
        "CDI",
        "Entraigues-sur-la-Sorgue",
        ["#permisB"],
        "Pose de fenêtres et cuisines, chantiers à la journée.",
    ),
    (
        "Peinture & Déco Provence",
        "Peintre en bâtiment",
        "intérim",
        "Le Pontet",
        ["#antiplome"],
        "Mission de trois mois, renouvelable.",
    ),
    (
        "Maçonnerie Ventoux",
        "Maçon·ne",
        "CDI",
        "Carpentras",
        ["#embaucheenor", "#permisB"],
        "Maisons individuelles, salaire selon expérience.",
    ),
    (
        "Paysages du Comtat",
        "Jardinier·ère paysagiste",
        "CDD",
        "Carpentras",
        ["#permisB"],
        "Entretien d'espaces verts chez des particuliers.",
    ),
    (
        "Pharmacie des Halles",
        "Préparateur·rice en pharmacie",
        "CDI",
        "Avignon",
        [],
        "Officine de centre-ville, ouverte le samedi.",
    ),
    (
        "Opticien Rive Gauche",
        "Vendeur·se en optique",
        "alternance",
        "Avignon",
        ["#debutantaccepte"],
        "BTS opticien lunetier en alternance.",
    ),
    (
        "Librairie La Mémoire du Monde",
        "Libraire",
        "CDD",
        "Avignon",
        [],
        "Rayon jeunesse, remplacement de congé maternité.",
    ),
    (
        "Crèche Les Petits Papes",
        "Auxiliaire de puériculture",
        "CDI",
        "Avignon",
        [],
        "Micro-crèche de 10 berceaux.",
    ),
    (
        "Traiteur Saveurs du Comtat",
        "Cuisinier·ère",
        "CDI",
        "Sorgues",
        ["#embaucheenor"],
        "Cuisine de production, horaires de journée.",
    ),
    (
        "Food truck La Roulotte",
        "Équipier·ère polyvalent·e",
        "saisonnier",
        "Avignon",
        ["#festival", "#antiplome"],
        "Service du soir pendant le Festival.",
    ),
    (
        "Nettoyage Pro Avignon",
        "Agent·e de propreté",
        "CDD",
        "Le Pontet",
        ["#antiplome"],
        "Bureaux, tôt le matin, 24 h par semaine.",
    ),
    (
        "Transports Rhône Express",
        "Chauffeur·se livreur",
        "CDI",
        "Sorgues",
        ["#permisB"],
        "Tournées locales, pas de découcher.",
    ),
    (
        "Cave Coopérative de Bédarrides",
        "Agent·e de chai",
        "saisonnier",
        "Bédarrides",
        ["#antiplome"],
        "Vendanges et vinification.",
    ),
    (
        "Institut Beauté Zen",
        "Esthéticien·ne",
        "CDI",
        "Avignon",
        [],
        "Soins visage et corps, planning sur quatre jours.",
    ),
    (
        "Atelier Vélo du Rhône",
        "Mécanicien·ne cycles",
        "CDD",
        "Avignon",
        ["#debutantaccepte"],
        "Réparation et location, formation en interne.",
    ),
    (
        "Épicerie fine Le Comptoir",
        "Vendeur·se",
        "CDD",
        "L'Isle-sur-la-Sorgue",
        ["#antiplome"],
        "Marché aux antiquaires le dimanche.",
    ),
    (
        "Glacier Le Pôle Sud",
        "Vendeur·se de glaces",
        "saisonnier",
        "Avignon",
        ["#antiplome", "#festival"],
        "Saison d'avril à septembre.",
    ),
    (
        "Couverture Toitures Vauclusiennes",
        "Couvreur·se",
        "CDI",
        "Monteux",
        ["#embaucheenor"],
        "Tuiles provençales, travail en hauteur.",
    ),
    (
        "Imprimerie des Papes",
        "Conducteur·rice offset",
        "CDI",
        "Avignon",
        [],
        "Machine 4 couleurs, équipe de jour.",
    ),
    (
        "Agence Immobilière du Rocher",
        "Assistant·e d'agence",
        "alternance",
        "Avignon",
        ["#debutantaccepte"],
        "BTS professions immobilières.",
    ),
    (
        "Auto-école Conduite Provence",
        "Secrétaire d'accueil",
        "CDD",
        "Le Pontet",
        [],
        "Accueil, inscriptions et planning des leçons.",
    ),
    (
        "Ferme Pédagogique du Mas",
        "Animateur·rice nature",
        "saisonnier",
        "Morières-lès-Avignon",
        ["#logementfourni"],
        "Accueil des écoles, BAFA apprécié.",
    ),
    (
        "Serrurerie Rapide 84",
        "Serrurier·ère dépanneur",
        "CDI",
        "Avignon",
        ["#permisB", "#embaucheenor"],
        "Astreintes rémunérées un week-end sur quatre.",
    ),
]

# Per urgency target: (days open, days until start or None, candidates)
URGENCY_RECIPES = {
    0: [(1, None, 0), (3, 40, 1), (5, None, 0), (8, 60, 1), (0, 30, 0), (10, None, 2)],
    1: [(16, None, 1), (20, None, 0), (6, 15, 0), (25, 30, 1)],
    2: [(33, None, 0), (38, None, 1), (9, 5, 0), (31, 45, 0)],
    3: [(52, None, 0), (60, None, 1), (12, -3, 0), (47, None, 0)],
}

# The demo's hires are spread over this many weeks, up to this one (la criée's issues).
WEEKS_OF_HIRES = 3
HIRES = [
    (
        "Boulangerie Au Pain d'Antan",
        "Apprenti boulanger",
        "Karim, 19 ans, sans diplôme, a fait une immersion de trois jours au fournil. Le patron l'a embauché en apprentissage le vendredi même.",
    ),
    (
        "Plomberie Rhodanienne",
        "Plombier",
        "Après dix ans dans la marine marchande, Pascal s'est reconverti. Le CDE a convaincu l'artisan de le rencontrer sans CV.",
    ),
    (
        "Restaurant Le Cloître des Arts",
        "Second de cuisine",
        "Offre restée trois semaines sans réponse ; une session de recrutement au restaurant a réuni huit candidats.",
    ),
    (
        "Domaine des Garrigues",
        "Ouvrière viticole",
        "Lina cherchait un travail en extérieur ; la méthode de recrutement par simulation a remplacé l'entretien.",
    ),
    (
        "Salon Émilie Coiffure",
        "Coiffeuse",
        "Retour à l'emploi après un congé parental, avec une adaptation d'horaires négociée par le binôme.",
    ),
    (
        "Garage Mistral Auto",
        "Mécanicien",
        "Une rencontre organisée à l'agence entre le garagiste et trois demandeurs d'emploi : deux embauches.",
    ),
    (
        "Aide à domicile Vaucluse Services",
        "Aide à domicile",
        "Le permis financé par l'agence a débloqué l'embauche en CDI.",
    ),
    (
        "Pizzeria Da Luigi",
        "Pizzaïolo",
        "Luigi voulait quelqu'un d'expérimenté ; il a finalement formé un jeune motivé repéré au forum.",
    ),
]

# The TPE offers filled this month, newest first: the défi counts exactly these. The first ones
# are the offers behind the hires above (same employer and job), so that the gallery, « Offres
# pourvues » and the défi tell one story. (employer, title, contract, commune)
FILLED = [
    ("Boulangerie Au Pain d'Antan", "Apprenti boulanger", "alternance", "Avignon"),
    ("Plomberie Rhodanienne", "Plombier", "CDI", "Le Pontet"),
    ("Restaurant Le Cloître des Arts", "Second de cuisine", "CDI", "Avignon"),
    ("Domaine des Garrigues", "Ouvrière viticole", "saisonnier", "Châteauneuf-du-Pape"),
    ("Salon Émilie Coiffure", "Coiffeuse", "CDI", "Villeneuve-lès-Avignon"),
    ("Garage Mistral Auto", "Mécanicien", "CDI", "Montfavet"),
    ("Aide à domicile Vaucluse Services", "Aide à domicile", "CDI", "Sorgues"),
    ("Pizzeria Da Luigi", "Pizzaïolo", "CDI", "L'Isle-sur-la-Sorgue"),
    ("Fleuriste Les Jardins de Laure", "Fleuriste", "CDD", "Avignon"),
    ("Menuiserie Bois d'Ocre", "Menuisier·ère poseur", "CDI", "Apt"),
    ("Camping Les Rives du Rhône", "Agent·e d'accueil", "saisonnier", "Avignon"),
    ("Boucherie Chez Marcel", "Boucher·ère", "CDI", "Avignon"),
    ("Optique du Rempart", "Vendeur·se en optique", "CDD", "Carpentras"),
    ("Pharmacie des Remparts", "Préparateur·rice en pharmacie", "CDI", "Avignon"),
    ("Jardins de Provence Paysage", "Ouvrier·ère paysagiste", "CDD", "Le Pontet"),
    ("Cordonnerie Saint-Didier", "Cordonnier·ère", "CDD", "Avignon"),
    ("Hôtel du Palais des Papes", "Réceptionniste de nuit", "CDI", "Avignon"),
    ("Maçonnerie Vauclusienne", "Maçon·ne", "CDI", "Sorgues"),
    ("Fromagerie du Marché", "Vendeur·se en fromagerie", "CDD", "Avignon"),
]
# A dozen TPE files told in full (the other employers' files hold their name and commune):
# name → (SIRET or "", sector, size band, professional contact, the CDE's notes). The SIRETs
# are made up, valid only by their check.
EMPLOYER_FILES = {
    "Boulangerie Au Pain d'Antan": (
        "35958580427902", "Boulangerie-pâtisserie", "3-5", "Standard 04 90 00 00 01, le matin",
        "Le patron forme lui-même ses apprentis depuis vingt ans. Préfère une journée d'essai "
        "au fournil à un entretien : c'est là qu'il voit la motivation.",
    ),
    "Plomberie Rhodanienne": (
        "62486476629619", "Plomberie, chauffage", "1-2", "contact@plomberie-rhodanienne.example",
        "Deux associés, beaucoup d'interventions d'urgence. Le permis B est indispensable ; "
        "ils prêtent la camionnette.",
    ),
    "Restaurant Le Cloître des Arts": (
        "", "Restauration traditionnelle", "6-9", "Service du midi à éviter : appeler vers 16 h",
        "Recrute surtout avant le Festival. A déjà accueilli deux personnes en immersion (PMSMP), "
        "très satisfait.",
    ),
    "Domaine des Garrigues": (
        "27827276092959", "Viticulture", "6-9", "Bureau du domaine, 04 90 00 00 04",
        "Vendanges fin août : besoin de renforts saisonniers, logement possible sur place.",
    ),
    "Salon Émilie Coiffure": (
        "", "Coiffure", "1-2", "Émilie, gérante, au salon",
        "Ouverte aux reconversions. Cherche quelqu'un d'autonome le samedi.",
    ),
    "Garage Mistral Auto": (
        "18939983038984", "Entretien et réparation automobile", "3-5", "Accueil atelier",
        "Le chef d'atelier tient à rencontrer les candidats à l'atelier, en bleu de travail.",
    ),
    "Aide à domicile Vaucluse Services": (
        "", "Aide à domicile", "6-9", "Responsable de secteur, 04 90 00 00 07",
        "Beaucoup de turnover ; le temps de trajet entre deux interventions est payé. "
        "Permis B très souhaité.",
    ),
    "Pizzeria Da Luigi": (
        "", "Restauration rapide", "3-5", "Luigi, après 15 h",
        "Forme au four à bois ; horaires du soir uniquement.",
    ),
    "Menuiserie Bois d'Ocre": (
        "11180352449836", "Menuiserie", "3-5", "atelier@bois-docre.example",
        "Chantiers dans tout le Luberon. Recrute sans diplôme si la personne a déjà bricolé.",
    ),
    "Boucherie Chez Marcel": (
        "", "Boucherie-charcuterie", "1-2", "Marcel, au marché des Halles le matin",
        "Départ à la retraite dans trois ans : cherche quelqu'un à former pour reprendre.",
    ),
    "Fromagerie du Marché": (
        "", "Commerce de détail alimentaire", "1-2", "Boutique des Halles",
        "Besoin de renfort en décembre. Aime les profils commerce, même débutants.",
    ),
    "Hôtel du Palais des Papes": (
        "", "Hôtellerie", "6-9", "Direction, par e-mail de l'hôtel",
        "Poste de nuit difficile à pourvoir : la direction est prête à aménager les horaires.",
    ),
}  # fmt: skip

# The questionnaire the bakery's owner went through with his CDE: (answer, note) per default
# question, in order. A conversation, not a score.
QUESTIONNAIRE_ANSWERS = [
    ("En partie", "Le permis n'est finalement pas indispensable : le fournil est en ville."),
    ("Oui", "Le patron forme lui-même, trois mois au fournil avec lui."),
    ("Oui", "Le CAP est un plus, pas une condition."),
    ("Pas encore", "Personne de désigné : il va y réfléchir avec sa vendeuse."),
    ("Oui", "D'accord pour deux semaines d'immersion avant l'été."),
    ("À en parler", "Horaires de nuit : une prime à revoir ensemble."),
    ("Oui", ""),
]

# Which of the filled offers came through a CDDE's proposal (the défi credits that service).
THROUGH_A_PROPOSAL = {1, 3, 6, 8, 11, 13, 16, 18}

# The agency's words, named as the agents write them (offers typed « #antiplome » join
# « antiplôme »): name → description.
TAGS = {
    "antiplôme": "Offres ouvertes sans diplôme : l'employeur recrute sur la motivation et l'essai.",
    "embaucheenor": "Les recrutements exemplaires, à raconter à la réunion thématique du mois.",
    "festival": "Renforts de juillet pour le Festival d'Avignon : logement et horaires décalés.",
    "permisB": "Le permis de conduire est demandé : penser aux aides au permis.",
    "debutantaccepte": "Première expérience bienvenue : l'employeur forme sur place.",
    "logementfourni": "L'employeur loge la personne recrutée : à signaler aux CDDE.",
}
# The hires' tags, by their index in HIRES.
HIRE_TAGS = {
    0: ["#antiplôme", "#embaucheenor"],
    1: ["#antiplôme"],
    2: ["#embaucheenor", "#festival"],
    3: ["#antiplôme"],
    6: ["#permisB", "#embaucheenor"],
    7: ["#debutantaccepte"],
}
# Testimonies (author's e-mail, employer of the offer or hire it is about, tags, text). What
# worked, never who: no job seeker's personal data.
TESTIMONIES = [
    (
        "aurelie.fabre@demo.couloir.test",
        "Boulangerie Au Pain d'Antan",
        ["#antiplôme", "#embaucheenor"],
        "Trois jours d'immersion au fournil ont remplacé l'entretien : le boulanger a jugé sur "
        "le geste, pas sur le CV. À proposer aux artisans qui hésitent.",
    ),
    (
        "julien.baptiste@demo.couloir.test",
        "Plomberie Rhodanienne",
        ["#antiplôme"],
        "L'artisan voulait un diplôme ; je l'ai invité à rencontrer deux candidats sans CV à "
        "l'agence. Le binôme CDE + CDDE a tout changé : il a embauché le jour même.",
    ),
    (
        "mehdi.haddad@demo.couloir.test",
        "Restaurant Le Cloître des Arts",
        ["#festival", "#embaucheenor"],
        "Pour le Festival, une session collective au restaurant un lundi matin : huit personnes "
        "reçues en deux heures, le chef a choisi sur la mise en place.",
    ),
    (
        "aurelie.fabre@demo.couloir.test",
        None,
        ["#permisB"],
        "Les aides au permis débloquent beaucoup d'offres #permisB : en parler dès le premier "
        "rendez-vous, le dossier prend trois semaines.",
    ),
]

ALWAYS_ON = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]


@dataclass
class DemoAccounts:
    """The demo logins, printed by ``couloir demo`` (demo only)."""

    by_role: dict[str, tuple[str, str]]


def _opened(today: date, days_open: int, rng: random.Random) -> datetime:
    local = ZoneInfo("Europe/Paris")
    moment = datetime.combine(
        today - timedelta(days=days_open), time(8 + rng.randrange(9)), tzinfo=local
    )
    return to_utc(moment) if days_open else utcnow() - timedelta(hours=rng.randrange(1, 20))


def _between(start: datetime, end: datetime, rng: random.Random) -> datetime:
    """A working-hours moment between ``start`` and ``end`` (kept inside them)."""
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        return end
    day = (start + (end - start) * rng.uniform(0.1, 0.95)).astimezone(ZoneInfo("Europe/Paris"))
    day -= timedelta(days=max(0, day.weekday() - 4))  # a weekend moment moves to the Friday
    moment = to_utc(
        day.replace(hour=8 + rng.randrange(10), minute=rng.randrange(60), second=0, microsecond=0)
    )
    return min(max(moment, start), end)


def _hire_day(index: int, filled_on: date, today: date) -> date:
    """When the ``index``-th demo hire was signed: spread over this week and the two before,
    so that three weekly issues of la criée have hires; never after its offer was filled."""
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=index % WEEKS_OF_HIRES)
    return min(filled_on, today, monday + timedelta(days=(2 * index) % 5))


def _seed_filled(
    db: Session,
    agency: Agency,
    challenge: Challenge,
    people: dict[str, list[Staff]],
    rng: random.Random,
) -> None:
    """This month's filled TPE offers, each counted once in the défi; the hires told from them.

    Filled between the first of the month and now, newest first; the ones in
    ``THROUGH_A_PROPOSAL`` came from a CDDE's candidate and are credited to that service.
    """
    now = utcnow()
    local = ZoneInfo(agency.timezone)
    month_start = to_utc(
        datetime.combine(local_today(agency.timezone).replace(day=1), time(), local)
    )
    span = max(now - month_start, timedelta(minutes=len(FILLED)))
    today = local_today(agency.timezone)
    for index, (employer, title, contract, commune) in enumerate(FILLED):
        step = span / len(FILLED)
        # ``step * len(FILLED)`` may pass ``span`` by a microsecond: never before the month.
        filled_at = _between(max(month_start, now - step * (index + 1)), now - step * index, rng)
        if index == 0:  # filled just now: this week's issue of la criée has a hire, Mondays too
            filled_at = max(month_start, now - timedelta(minutes=1))
        owner = people["cde"][index % len(people["cde"])]
        offer = Offer(
            agency_id=agency.id,
            code=unused_code(db),
            employer=employer,
            title=title,
            contract=contract,
            commune=commune,
            status="filled",
            positions_filled=1,
            owner_id=owner.id,
            opened_at=filled_at - timedelta(days=6 + (7 * index) % 30, hours=rng.randrange(8)),
            filled_at=filled_at,
            updated_at=filled_at,
        )
        db.add(offer)
        db.flush()
        proposer = None
        if index in THROUGH_A_PROPOSAL:
            proposer = people["cdde"][index % len(people["cdde"])]
            db.add(
                CandidateProposal(
                    agency_id=agency.id,
                    offer_id=offer.id,
                    proposed_by_id=proposer.id,
                    created_at=_between(offer.opened_at, filled_at, rng),
                    outcome="hired",
                    outcome_at=filled_at,
                )
            )
        db.add(
            Contribution(
                agency_id=agency.id,
                challenge_id=challenge.id,
                service=owner.service,
                amount=1,
                label=f"{title} — {employer}",
                staff_id=owner.id,
                offer_id=offer.id,
                # The CDE fills it; a CDDE's candidate hired makes it both services' together.
                shared=proposer is not None,
                created_at=filled_at,
            )
        )
        if index < len(HIRES):
            story = HIRES[index][2]
            hired_on = _hire_day(index, filled_at.astimezone(local).date(), today)
            hire = Hire(
                agency_id=agency.id,
                offer_id=offer.id,
                employer=employer,
                title=title,
                story=story,
                hired_on=hired_on,
                expires_on=today + timedelta(days=60),
                cde_id=owner.id,
                cdde_id=(proposer or people["cdde"][index % len(people["cdde"])]).id,
                status="published",
                published_at=min(filled_at + timedelta(hours=20), now),
                created_by_id=owner.id,
            )
            db.add(hire)
            db.flush()
            assert hire.id is not None
            tag_service.attach(db, "hire", hire.id, agency.id, HIRE_TAGS.get(index, []))


def seed_demo(db: Session, passwords: dict[str, str] | None = None) -> DemoAccounts:
    """Create the demo agency with its people, offers, hires, défi and announcements."""
    rng = random.Random(2018)  # the year of the Avignon residency
    # Who proposed when, and when offers were filled: drawn apart, so the offers stay as they are.
    moments = random.Random(2019)
    agency = Agency(
        code=AGENCY_CODE,
        name=AGENCY_NAME,
        timezone="Europe/Paris",
        opening_hours=DEFAULT_OPENING_HOURS,
    )
    db.add(agency)
    db.flush()
    today = local_today(agency.timezone)
    accounts: dict[str, tuple[str, str]] = {}
    people: dict[str, list[Staff]] = {"cde": [], "cdde": [], "manager": [], "admin": []}
    for name, email, role in PEOPLE:
        # The first account of each role is the demo login; the others get unknown passwords.
        password = secrets.token_urlsafe(9)
        if role not in accounts:
            password = (passwords or {}).get(role) or password
            accounts[role] = (email, password)
        person = Staff(
            agency_id=agency.id,
            name=name,
            email=email,
            role=role,
            password_hash=hash_password(password),
        )
        db.add(person)
        people[role].append(person)
    db.flush()

    for name, description in TAGS.items():
        db.add(Tag(agency_id=agency.id, name=name, slug=fold(name), description=description))
    db.flush()

    turns = {person.id: 0 for person in people["cde"]}
    recipes = [recipe for per_level in URGENCY_RECIPES.values() for recipe in per_level]
    for index, (employer, title, contract, commune, tags, description) in enumerate(OFFERS):
        days_open, to_start, candidates = recipes[index % len(recipes)]
        owner = people["cde"][index % len(people["cde"])]
        offer = Offer(
            agency_id=agency.id,
            code=unused_code(db),
            employer=employer,
            title=title,
            contract=contract,
            commune=commune,
            positions=1 + (index % 5 == 0),
            start_date=None if to_start is None else today + timedelta(days=to_start),
            tags=tags,
            description=description,
            staff_note="Employeur joignable plutôt l'après-midi." if index % 3 == 0 else "",
            owner_id=owner.id,
            opened_at=_opened(today, days_open + index % 2, rng),
            criteria=CRITERIA.get(employer),
        )
        db.add(offer)
        db.flush()
        tag_service.attach_offer(db, offer)
        for _ in range(candidates):
            # Each CDE hears from the CDDEs in turn, at moments between opening and now.
            proposer = people["cdde"][turns[owner.id] % len(people["cdde"])]
            turns[owner.id] += 1
            db.add(
                CandidateProposal(
                    agency_id=agency.id,
                    offer_id=offer.id,
                    proposed_by_id=proposer.id,
                    created_at=_between(offer.opened_at, utcnow(), moments),
                )
            )

    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    challenge = Challenge(
        agency_id=agency.id,
        title=f"30 offres TPE pourvues en {french.month_name(first.month)}",
        unit="offres TPE pourvues",
        goal=30,
        starts_on=first,
        ends_on=last,
    )
    db.add(challenge)
    db.flush()
    _seed_filled(db, agency, challenge, people, moments)
    manager = people["manager"][0]
    now = utcnow()
    for message in (
        "Petit-déjeuner TPE jeudi à 8 h 30 en salle Rhône : venez avec vos offres difficiles !",
        "Forum de l'emploi saisonnier le 12 : les employeurs du Festival seront là.",
    ):
        db.add(
            Announcement(
                agency_id=agency.id,
                message=message,
                urgent=False,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=10),
                created_by_id=manager.id,
            )
        )
    _seed_agenda(db, agency, people, today)
    _seed_testimonies(db, agency)
    seed_history(db, agency, people, today)  # six months of past activity, the chantiers
    _seed_employers(db, agency, people["cde"][0])
    db.commit()
    return DemoAccounts(by_role=accounts)


def _seed_agenda(db: Session, agency: Agency, people: dict[str, list[Staff]], today: date) -> None:
    """The first-Friday petit-déj, a job dating with answers from both services, a meeting."""
    tz = ZoneInfo(agency.timezone)
    cde, cdde, manager = people["cde"], people["cdde"], people["manager"][0]

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return to_utc(datetime.combine(day, time(hour, minute), tz))

    first_friday = today.replace(day=1) + timedelta(days=(4 - today.replace(day=1).weekday()) % 7)
    events = [
        AgendaEvent(
            title="Petit-déj d'échange de pratiques", kind="petit_dej",
            starts_at=at(first_friday, 9), ends_at=at(first_friday, 10, 30),
            place="Salle Rhône, 1er étage", recurrence="monthly_nth",
            host_ids=[cde[0].id, cdde[0].id],
        ),
        AgendaEvent(
            title="Job dating restauration et hôtellerie", kind="job_dating",
            starts_at=at(today + timedelta(days=5), 14), ends_at=at(today + timedelta(days=5), 16),
            place="Salle du rez-de-chaussée", capacity=12, host_ids=[manager.id],
        ),
        AgendaEvent(
            title="#antiplôme : les offres ouvertes sans diplôme", kind="reunion",
            starts_at=at(today + timedelta(days=9), 14), ends_at=at(today + timedelta(days=9), 15),
            place="Salle Durance", host_ids=[cde[1].id],
            tag_id=tag_service.resolve(db, agency.id, ["antiplôme"])[0].id,  # type: ignore[arg-type]
        ),
    ]  # fmt: skip
    for event in events:
        event.agency_id = agency.id  # type: ignore[assignment]
        event.created_by_id = manager.id  # type: ignore[assignment]
        db.add(event)
    db.flush()
    petit_dej, job_dating, meeting = events
    # One later date is cancelled, as a bank holiday would have it: an exception to the rule.
    dates = agenda.occurrences(petit_dej, tz, at(today, 0), at(today + timedelta(days=120), 0))
    if len(dates) >= 3:
        petit_dej.cancelled = [dates[2].occurs_on.isoformat()]
    answers = [
        (job_dating, [*cde[:2], *cdde, manager]),  # both services: the job dating balances
        (petit_dej, [cde[0], cde[2], cdde[0], cdde[1]]),
        (meeting, [cde[1], cdde[2]]),
    ]
    for event, who in answers:
        upcoming = agenda.next_occurrence(event, tz, at(today, 0))
        if upcoming is None:
            continue
        for person in who:
            db.add(
                AgendaAttendance(
                    agency_id=agency.id,  # type: ignore[arg-type]
                    event_id=event.id,  # type: ignore[arg-type]
                    staff_id=person.id,  # type: ignore[arg-type]
                    occurs_on=upcoming.occurs_on,
                    service=person.service,
                )
            )


def _seed_employers(db: Session, agency: Agency, cde: Staff) -> None:
    """Every offer attached to its employer's file; a dozen files told in full."""
    for employer in employers.attach_all(db, agency.id):
        details = EMPLOYER_FILES.get(employer.name)
        if details is None:
            continue
        siret, sector, size_band, contact, notes = details
        employer.siret = siret or None
        employer.sector, employer.size_band = sector, size_band
        employer.contact, employer.notes = contact, notes
        db.add(employer)
    _seed_questionnaire(db, agency, cde)


def _seed_questionnaire(db: Session, agency: Agency, cde: Staff) -> None:
    """The ethics questionnaire's default questions, and one taken with a recruiter."""
    asked = questionnaire.add_default_questions(db, agency.id)
    bakery = employers.find(db, agency.id, "Boulangerie Au Pain d'Antan")
    assert bakery is not None
    answers = []
    for question, (choice, note) in zip(asked, QUESTIONNAIRE_ANSWERS, strict=True):
        answers.append(
            {
                "question_id": question.id,
                "question": question.text,
                "hint": question.hint,
                "choices": list(question.choices),
                "choice": choice,
                "note": note,
            }
        )
    taken_on = utcnow() - timedelta(days=12)
    db.add(
        EthicsQuestionnaire(
            agency_id=agency.id,
            employer_id=bakery.id,
            conducted_by_id=cde.id,
            started_at=taken_on,
            completed_at=taken_on + timedelta(minutes=25),
            answers=answers,
        )
    )


def _seed_testimonies(db: Session, agency: Agency) -> None:
    """The staff's testimonies, each about the hire (else the offer) of its employer."""
    for index, (email, employer, words, text) in enumerate(TESTIMONIES):
        author = db.exec(select(Staff).where(Staff.email == email)).one()
        hire = db.exec(
            select(Hire).where(Hire.agency_id == agency.id, Hire.employer == employer)
        ).first()
        offer = db.exec(
            select(Offer).where(Offer.agency_id == agency.id, Offer.employer == employer)
        ).first()
        written = utcnow() - timedelta(days=2 + 5 * index, hours=3)
        testimony = Testimony(
            agency_id=agency.id,
            author_id=author.id,
            text=text,
            hire_id=hire.id if hire else None,
            offer_id=offer.id if offer else None,
            created_at=written,
            updated_at=written,
        )
        db.add(testimony)
        db.flush()
        assert testimony.id is not None
        tag_service.attach(db, "testimony", testimony.id, agency.id, words)


# The demo's screen runs this version: it shows the agenda and the activity too (scenes left
# out of a new screen's default playlist, for screens of older versions).
NEWER_SCENES = [{"scene": "agenda", "duration_s": 15}, {"scene": "activity", "duration_s": 15}]


def demo_screen_token(db: Session) -> str:
    """Register a screen for the demo agency and return its token."""
    agency = db.exec(select(Agency).where(Agency.code == AGENCY_CODE)).one()
    screen, token = screens.create_screen(
        db, None, agency.id, ScreenCreate(name="Couloir 1er étage")
    )
    # A demo is shown at any hour: this screen never sleeps (real ones follow opening hours).
    screen.schedule = ALWAYS_ON
    screen.playlist = [*screen.playlist, *NEWER_SCENES]
    db.commit()
    return token


def is_seeded(db: Session) -> bool:
    """True when the demo agency exists."""
    return db.exec(select(Agency.id).where(Agency.code == AGENCY_CODE)).first() is not None
