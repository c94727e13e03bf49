/* Words of the simulated people: caregivers' and nurses' reports, professionals' requests,
 * and names. The reports are written the way families and home-helps write in a messaging
 * app: short, with the negations that a naive keyword search would misread ("pas de douleur
 * thoracique") next to real red flags ("essoufflé depuis ce matin"). Each group has one
 * clinical meaning that the truth file relies on; keep new phrases within their group's
 * meaning (a reassuring phrase must never hold a real red flag). */
#include "sim/sim_internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Nothing to triage: reassuring, often with negated red flags. */
static const char *const reassuring[] = {
    "RAS aujourd'hui, il a bien mangé et pas de douleur thoracique.",
    "Bonne nuit, pas d'essoufflement, le moral est bon.",
    "Elle va bien, pas de fièvre, pas de chute cette semaine.",
    "Passage de l'aide à domicile : rien à signaler, toilette faite seule.",
    "Il ne se plaint de rien, pas de douleur, il a fait sa promenade.",
    "Tension prise ce matin, elle se sent bien, aucun malaise.",
    "Pas de confusion, il a reconnu tout le monde au repas de famille.",
    "Nuit calme, pas de gêne respiratoire, il a dormi allongé.",
    "Elle a bon appétit, les chevilles ne sont pas gonflées.",
    "Tout va bien, il n'a plus mal au dos depuis la kiné.",
    "RAS. Médicaments pris, pas de saignement des gencives.",
    "Visite de sa fille ce week-end, elle était en forme, sans essoufflement.",
};

/* Minor complaints without a red flag: category 3 ("other complaints"). */
static const char *const complaint[] = {
    "Il se plaint d'être un peu fatigué depuis deux jours.",
    "Petite toux sèche depuis hier, pas de fièvre.",
    "Elle a mal au genou droit quand elle marche.",
    "Il dort mal en ce moment, il est un peu anxieux.",
    "Constipation depuis trois jours, elle demande si elle peut prendre un laxatif.",
    "Elle a moins d'appétit que d'habitude cette semaine.",
    "Il a des démangeaisons sur les bras depuis le nouveau savon.",
    "Douleur à l'épaule gauche depuis qu'il a porté les courses.",
    "Elle a un peu le nez qui coule, pas de fièvre.",
    "Il trouve que ses chaussures serrent un peu le soir.",
};

/* English, both kinds (a carer from abroad, a summer resident's family). */
static const char *const english[] = {
    "No chest pain today, slept well.",
    "She denies any shortness of breath, ate a good lunch.",
    "All fine, no fall this week.",
};

static const char *const heart_failure[] = {
    "Il est essoufflé depuis ce matin, il a du mal à monter l'escalier.",
    "Les chevilles ont bien gonflé depuis deux jours et il s'essouffle vite.",
    "Il a dû dormir assis cette nuit, il n'arrive plus à respirer allongé.",
    "Elle a pris du poids et elle est essoufflée en parlant.",
};

static const char *const hypoglycaemia[] = {
    "On l'a trouvé en sueur et confus, on lui a donné du sucre, ça va un peu mieux.",
    "Malaise avant le repas, il tremblait et ne répondait plus bien.",
    "Elle a fait un malaise ce matin, glycémie très basse, resucrée par sa fille.",
};

static const char *const hyperglycaemia[] = {
    "Il a très soif et urine beaucoup depuis hier.",
    "Elle est fatiguée, bouche sèche, boit sans arrêt.",
};

static const char *const hypertension_red_flag[] = {
    "Elle a une douleur thoracique et très mal à la tête depuis une heure.",
    "Il a une faiblesse du bras droit et parle difficilement depuis 30 minutes.",
    "Elle est confuse et voit trouble depuis ce midi, la tension est très haute.",
};

static const char *const hypertension_plain[] = {
    "Mal de tête ce matin, la tension est haute sur l'appareil.",
    "Il a la tête lourde et des bourdonnements d'oreille.",
};

static const char *const copd[] = {
    "Il tousse beaucoup plus, crachats verdâtres, plus essoufflé que d'habitude.",
    "Essoufflé au moindre effort depuis hier, il n'arrive plus à finir ses phrases.",
    "Elle est très essoufflée depuis ce matin malgré ses aérosols.",
};

static const char *const infection[] = {
    "Il a de la fièvre depuis hier soir, 38,7, et des frissons.",
    "Fièvre et brûlures en urinant depuis ce matin.",
    "Elle tousse et a de la fièvre, elle mange peu.",
};

static const char *const infection_confused[] = {
    "Il a de la fièvre depuis hier soir et il est confus, il ne sait plus où il est.",
    "Fièvre à 39 et elle est désorientée, elle ne nous reconnaît pas bien.",
};

static const char *const fall[] = {
    "Elle est tombée dans la salle de bain, elle s'est relevée seule, pas de douleur.",
    "Chute dans le jardin ce matin, il s'est relevé, juste un bleu au genou.",
    "Il a glissé en sortant du lit, relevé tout de suite.",
};

static const char *const long_lie[] = {
    "Chute cette nuit, retrouvée au sol ce matin par l'aide à domicile.",
    "Il est resté au sol plus d'une heure avant qu'on le trouve, il a froid et mal à la hanche.",
};

static const char *const no_answer[] = {
    "Détection de chute : pas de réponse au rappel de la téléassistance.",
    "Alarme de chute déclenchée, pas de réponse au téléphone, personne sur place.",
};

static const char *const activity[] = {
    "Il ne sort plus de chez lui, il reste au fauteuil toute la journée.",
    "Elle marche beaucoup moins depuis quelques jours, elle dit qu'elle n'a pas envie.",
};

static const char *const silence[] = {
    "La box ne s'allume plus depuis la coupure de courant.",
    "Il a débranché la balance et le tensiomètre pour faire le ménage.",
};

static const char *const request_routine[] = {
    "Avis sur l'adaptation du traitement diurétique, poids stable, oedèmes modérés.",
    "Demande d'avis sur une plaie du pied chez un patient diabétique.",
    "Bilan de chute : avis sur la réévaluation des traitements sédatifs.",
    "Avis sur le renouvellement de l'oxygénothérapie.",
    "Glycémies du soir un peu hautes, avis sur l'insuline lente.",
    "Avis sur une éruption cutanée depuis le nouvel antibiotique.",
};

static const char *const request_urgent[] = {
    "Glycémies instables depuis une semaine, avis souhaité aujourd'hui.",
    "Oedèmes des membres inférieurs en augmentation, avis sur le traitement aujourd'hui.",
    "Plaie du talon qui s'étend, avis aujourd'hui pour l'antibiothérapie.",
};

static const char *const request_stat[] = {
    "Patient avec une douleur thoracique depuis 20 minutes, avis immédiat.",
    "Patiente confuse et somnolente à mon arrivée, avis immédiat.",
};

static const char *const request_heart_failure[] = {
    "Prise de poids rapide et oedèmes, avis aujourd'hui sur le diurétique.",
};

static const char *const request_copd[] = {
    "Exacerbation probable de BPCO, avis aujourd'hui sur corticoïdes et antibiotiques.",
};

static const struct {
    const char *const *texts;
    unsigned count;
} groups[TXT_GROUP_COUNT] = {
    [TXT_REASSURING] = {reassuring, COUNT(reassuring)},
    [TXT_COMPLAINT] = {complaint, COUNT(complaint)},
    [TXT_ENGLISH] = {english, COUNT(english)},
    [TXT_HEART_FAILURE] = {heart_failure, COUNT(heart_failure)},
    [TXT_HYPOGLYCAEMIA] = {hypoglycaemia, COUNT(hypoglycaemia)},
    [TXT_HYPERGLYCAEMIA] = {hyperglycaemia, COUNT(hyperglycaemia)},
    [TXT_HYPERTENSION_RED_FLAG] = {hypertension_red_flag, COUNT(hypertension_red_flag)},
    [TXT_HYPERTENSION_PLAIN] = {hypertension_plain, COUNT(hypertension_plain)},
    [TXT_COPD] = {copd, COUNT(copd)},
    [TXT_INFECTION] = {infection, COUNT(infection)},
    [TXT_INFECTION_CONFUSED] = {infection_confused, COUNT(infection_confused)},
    [TXT_FALL] = {fall, COUNT(fall)},
    [TXT_LONG_LIE] = {long_lie, COUNT(long_lie)},
    [TXT_NO_ANSWER] = {no_answer, COUNT(no_answer)},
    [TXT_ACTIVITY] = {activity, COUNT(activity)},
    [TXT_SILENCE] = {silence, COUNT(silence)},
    [TXT_REQUEST_ROUTINE] = {request_routine, COUNT(request_routine)},
    [TXT_REQUEST_URGENT] = {request_urgent, COUNT(request_urgent)},
    [TXT_REQUEST_STAT] = {request_stat, COUNT(request_stat)},
    [TXT_REQUEST_HEART_FAILURE] = {request_heart_failure, COUNT(request_heart_failure)},
    [TXT_REQUEST_COPD] = {request_copd, COUNT(request_copd)},
};

uint16_t sim_text_pick(sim_rng *r, enum sim_text_group group)
{
    return (uint16_t)((unsigned)group << 8 | sim_rng_below(r, groups[group].count));
}

const char *sim_text(uint16_t id)
{
    unsigned group = id >> 8, index = id & 0xff;
    if (group >= TXT_GROUP_COUNT || index >= groups[group].count) return "";
    return groups[group].texts[index];
}

enum sim_text_group sim_text_group_of(uint16_t id)
{
    return (enum sim_text_group)(id >> 8);
}

/* Common French given names and surnames (INSEE name statistics list them among the most
 * frequent); synthetic people only. */
const char *const sim_given_names_female[] = {
    "Marie",  "Jeanne",  "Françoise", "Monique",   "Catherine", "Nathalie", "Isabelle", "Sylvie",
    "Anne",   "Martine", "Nicole",    "Christine", "Sophie",    "Josette",  "Colette",  "Simone",
    "Odette", "Yvette",  "Paulette",  "Camille",   "Chantal",   "Claire",   "Hélène",   "Brigitte",
    "Élodie", "Aurélie", "Julie",     "Léa",       "Manon",     "Émilie",   "Céline",   "Sandrine"};
const char *const sim_given_names_male[] = {
    "Jean",      "Pierre",  "Michel",  "André",   "Philippe", "René",    "Louis",  "Alain",
    "Jacques",   "Bernard", "Marcel",  "Daniel",  "Roger",    "Robert",  "Paul",   "Claude",
    "Christian", "Henri",   "Georges", "Nicolas", "François", "Patrick", "Gérard", "Thierry",
    "Julien",    "Thomas",  "Maxime",  "Antoine", "Lucas",    "Mathieu", "Yves",   "Guy"};
const char *const sim_family_names[] = {
    "Martin",   "Bernard", "Thomas",   "Petit",     "Robert",   "Richard",   "Durand",   "Dubois",
    "Moreau",   "Laurent", "Simon",    "Michel",    "Lefebvre", "Leroy",     "Roux",     "David",
    "Bertrand", "Morel",   "Fournier", "Girard",    "Bonnet",   "Dupont",    "Lambert",  "Fontaine",
    "Rousseau", "Vincent", "Muller",   "Lefèvre",   "Faure",    "André",     "Mercier",  "Blanc",
    "Guérin",   "Boyer",   "Garnier",  "Chevalier", "François", "Legrand",   "Gauthier", "Garcia",
    "Perrin",   "Robin",   "Clément",  "Morin",     "Nicolas",  "Henry",     "Roussel",  "Mathieu",
    "Gautier",  "Masson",  "Marchand", "Duval",     "Denis",    "Dumont",    "Marie",    "Lemaire",
    "Noël",     "Meyer",   "Dufour",   "Meunier",   "Brun",     "Blanchard", "Giraud",   "Joly"};
const unsigned sim_given_names_female_count = COUNT(sim_given_names_female);
const unsigned sim_given_names_male_count = COUNT(sim_given_names_male);
const unsigned sim_family_names_count = COUNT(sim_family_names);
