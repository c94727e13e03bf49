/* Private to the frailty module: the items of the icope-step1 Questionnaire, defined once
 * and read both by the Questionnaire writer and by the response validator. */
#ifndef VIGIE_FRAILTY_INT_H
#define VIGIE_FRAILTY_INT_H

#include "frailty/frailty.h"

enum frailty_item_type {
    FRAILTY_ITEM_GROUP,
    FRAILTY_ITEM_DISPLAY,
    FRAILTY_ITEM_BOOLEAN,
    FRAILTY_ITEM_INTEGER,
    FRAILTY_ITEM_DECIMAL,
};

/* Index of each item in frailty_items, in the Questionnaire's order. */
enum frailty_item_index {
    Q_COGNITION,
    Q_WORDS,
    Q_ORIENTATION_TIME,
    Q_ORIENTATION_PLACE,
    Q_RECALL,
    Q_MOBILITY,
    Q_CHAIR_RISE_COMPLETED,
    Q_CHAIR_RISE_SECONDS,
    Q_NUTRITION,
    Q_WEIGHT_LOSS,
    Q_WEIGHT_LOSS_KG,
    Q_APPETITE_LOSS,
    Q_VISION,
    Q_EYE_PROBLEMS,
    Q_HEARING,
    Q_WHISPER_RIGHT,
    Q_WHISPER_LEFT,
    Q_MOOD,
    Q_FEELING_DOWN,
    Q_LITTLE_INTEREST,
    Q_COUNT,
};

struct frailty_item {
    const char *link_id;
    enum frailty_item_index group; /* the group holding it (a group: itself) */
    enum frailty_item_type type;
    bool required;                       /* when enabled */
    double min_value, max_value;         /* integer and decimal answers, inclusive */
    const char *unit;                    /* UCUM code of a decimal answer, or NULL */
    enum frailty_item_index enable_when; /* boolean item that must be true; Q_COUNT: always */
    const char *text_fr, *text_en;
};

extern const struct frailty_item frailty_items[Q_COUNT];

/* Index of the item with this linkId, or Q_COUNT. */
enum frailty_item_index frailty_item_find(const char *link_id);

/* A number as a reader writes it: at most two decimals, no trailing zeros ("14", "15.25"). */
void frailty_format_number(double value, char out[32]);

/* Appends the names of the domains in `mask` as a JSON array: ["mobility","mood"]. */
int frailty_write_domain_array(buf *out, unsigned mask);

#endif
