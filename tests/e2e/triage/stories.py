#!/usr/bin/env python3
"""Writes the patient stories of tests/e2e/triage as NDJSON FHIR resources.

The .ndjson files are the test data; this script only (re)generates them, deterministically.
The expected events beside them (<story>.expected) were read and checked by hand against
docs/triage.md: never regenerate those from the program's own output without reading them.

Usage: tests/e2e/triage/stories.py [DIR]   (default: the script's directory)
"""
import datetime
import json
import os
import sys

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
START = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.timezone.utc)


def at(day, hour=0, minute=0):
    t = START + datetime.timedelta(days=day, hours=hour, minutes=minute)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Story:
    def __init__(self, patient):
        self.patient = patient
        self.entries = []
        self.n = 0
        self.received = None

    def add(self, resource):
        """Resources are written in the order they are received: by clinical time, unless
        `self.received` says when a late upload arrived."""
        when = (resource.get("effectiveDateTime") or resource.get("sent")
                or resource.get("authoredOn") or "")
        key = self.received or when
        self.entries.append((key, len(self.entries),
                             json.dumps(resource, ensure_ascii=False, separators=(",", ":"))))

    @property
    def lines(self):
        return [line for _, _, line in sorted(self.entries)]

    def next_id(self, prefix):
        self.n += 1
        return "%s-%s-%03d" % (prefix, self.patient, self.n)

    def raw(self, line, when):
        """A line as a broken client might send it."""
        self.entries.append((when, len(self.entries), line))

    def patient_resource(self, birth="1941-05-02"):
        self.add({"resourceType": "Patient", "id": self.patient, "birthDate": birth,
                  "gender": "female"})

    def condition(self, code, display):
        self.add({"resourceType": "Condition", "id": self.next_id("c"),
                  "subject": {"reference": "Patient/" + self.patient},
                  "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
                  "clinicalStatus": {"coding": [{"code": "active"}]}})

    def quantity(self, code, when, value, unit, status="final", oid=None):
        oid = oid or self.next_id("o")
        self.add({"resourceType": "Observation", "id": oid, "status": status,
                  "subject": {"reference": "Patient/" + self.patient},
                  "code": {"coding": [{"system": LOINC, "code": code}]},
                  "effectiveDateTime": when,
                  "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}})
        return oid

    def weight(self, when, kg, **kw):
        return self.quantity("29463-7", when, kg, "kg", **kw)

    def spo2(self, when, pct, **kw):
        return self.quantity("59408-5", when, pct, "%", **kw)

    def heart_rate(self, when, bpm, **kw):
        return self.quantity("8867-4", when, bpm, "/min", **kw)

    def resp_rate(self, when, rate, **kw):
        return self.quantity("9279-1", when, rate, "/min", **kw)

    def temperature(self, when, cel, **kw):
        return self.quantity("8310-5", when, cel, "Cel", **kw)

    def glucose(self, when, value, unit="mg/dL", **kw):
        return self.quantity("2339-0", when, value, unit, **kw)

    def steps(self, when, count, **kw):
        return self.quantity("55423-8", when, count, "/d", **kw)

    def blood_pressure(self, when, systolic, diastolic):
        self.add({"resourceType": "Observation", "id": self.next_id("o"), "status": "final",
                  "subject": {"reference": "Patient/" + self.patient},
                  "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
                  "effectiveDateTime": when,
                  "component": [
                      {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                       "valueQuantity": {"value": systolic, "unit": "mm[Hg]", "system": UCUM,
                                         "code": "mm[Hg]"}},
                      {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                       "valueQuantity": {"value": diastolic, "unit": "mm[Hg]", "system": UCUM,
                                         "code": "mm[Hg]"}}]})

    def fall(self, when, immobile_s):
        self.add({"resourceType": "Observation", "id": self.next_id("o"), "status": "final",
                  "subject": {"reference": "Patient/" + self.patient},
                  "code": {"coding": [{"system": SNOMED, "code": "1912002", "display": "Fall"}]},
                  "effectiveDateTime": when, "valueBoolean": True,
                  "component": [{"code": {"coding": [{"system": "urn:vigie:measure",
                                                      "code": "immobile-after-fall"}]},
                                 "valueQuantity": {"value": immobile_s, "unit": "s",
                                                   "system": UCUM, "code": "s"}}]})

    def report(self, when, text, role="caregiver"):
        self.add({"resourceType": "Communication", "id": self.next_id("r"),
                  "status": "completed",
                  "category": [{"coding": [{"system": "urn:vigie:sender-role", "code": role}]}],
                  "subject": {"reference": "Patient/" + self.patient}, "sent": when,
                  "payload": [{"contentString": text}]})

    def request(self, when, priority, text):
        self.add({"resourceType": "ServiceRequest", "id": self.next_id("sr"), "status": "active",
                  "intent": "order", "priority": priority,
                  "subject": {"reference": "Patient/" + self.patient}, "authoredOn": when,
                  "reasonCode": [{"text": text}]})

    def vitals(self, day, hour, rr, spo2, hr, temp):
        """A morning round of a home monitoring kit."""
        self.resp_rate(at(day, hour, 0), rr)
        self.spo2(at(day, hour, 1), spo2)
        self.heart_rate(at(day, hour, 2), hr)
        self.temperature(at(day, hour, 3), temp)


def heart_failure_decompensation():
    s = Story("hf-01")
    s.patient_resource()
    s.condition("84114007", "Heart failure")
    weights = [78.1, 78.0, 78.2, 78.0, 78.1, 78.0, 78.5, 79.3, 80.2, 80.9, 81.3]
    for day, kg in enumerate(weights):
        s.weight(at(day, 0, 10), kg)
        s.blood_pressure(at(day, 0, 12), 128, 76)
    s.report(at(8, 3), "Elle dort assise, les chevilles sont gonflées.", "home-help")
    s.report(at(9, 2), "Très essoufflée en montant l'escalier, pas de douleur thoracique.",
             "caregiver")
    s.request(at(9, 4), "routine", "Adaptation du diurétique ? Prise de poids de 2,5 kg.")
    return s


def hypoglycaemia():
    s = Story("dm-01")
    s.patient_resource("1950-11-20")
    s.condition("44054006", "Type 2 diabetes mellitus")
    values = [(0, 145, 182), (1, 132, 171), (2, 120, 158)]
    for day, morning, evening in values:
        s.glucose(at(day, 0, 30), morning)
        s.glucose(at(day, 11, 30), evening)
    s.glucose(at(3, 0, 30), 3.4, "mmol/L")          # 61 mg/dL: level 1
    s.glucose(at(3, 11, 30), 58)                    # second level-1 within 24 h
    s.report(at(4, 0, 20), "Confuse ce matin, en sueurs.", "caregiver")
    s.glucose(at(4, 0, 25), 0.48, "g/L")            # 48 mg/dL: level 2
    s.glucose(at(4, 1, 30), 96)
    s.glucose(at(5, 0, 30), 131)
    # The meter's reading of the evening before is synced 14 h late: triaged, said late,
    # never category 1.
    s.glucose(at(5, 1, 0), 130)
    s.received = at(5, 1, 0)
    s.glucose(at(4, 11, 0), 51)
    s.received = None
    return s


def copd_exacerbation():
    s = Story("copd-01")
    s.patient_resource("1946-01-15")
    s.condition("13645005", "Chronic obstructive lung disease")
    baseline = [(0, 90), (1, 91), (2, 90), (3, 89), (4, 90), (5, 91), (6, 90)]
    for day, spo2 in baseline:
        # 88-92 % is his target: on scale 2 these score 0; on scale 1 they would score 3.
        s.vitals(day, 1, 18, spo2, 82, 36.8)
    s.vitals(7, 1, 23, 87, 104, 38.3)   # 2 + 1 + 1 + 1 = 5: category 2; drift -3.4
    s.report(at(7, 3), "Plus de crachats, tousse beaucoup, fatigué.", "patient")
    s.vitals(8, 1, 26, 85, 112, 38.6)   # 3 + 2 + 2 + 1 = 8: category 1
    s.resp_rate(at(8, 2), 26)
    return s


def fall_long_lie():
    s = Story("fall-01")
    s.patient_resource("1932-07-08")
    s.fall(at(0, 3), 12)                # got up after 12 s: category 2
    s.report(at(0, 4), "Elle est tombée dans la cuisine mais s'est relevée seule.",
             "home-help")
    s.fall(at(3, 15, 40), 1260)         # 21 min without movement: category 1
    s.report(at(3, 15, 50), "Appel de contrôle après chute : pas de réponse.",
             "tele-assistance")
    return s


def negated_complaints():
    s = Story("neg-01")
    s.patient_resource("1944-03-30")
    notes = [
        (0, "Pas de douleur thoracique, tension correcte."),
        (1, "Sans fièvre. Mange bien."),
        (2, "Patient denies chest pain or shortness of breath."),
        (3, "Pas d'essoufflement ni de malaise. N'a plus de fièvre."),
        (4, "Douleur thoracique : non. Toux : non."),
        (5, "No fever, no confusion, pain-free."),
        (6, "douleur thoracique depuis ce matin"),
    ]
    for day, text in notes:
        s.report(at(day, 2), text, "professional" if day % 2 else "caregiver")
    return s


def device_silence():
    s = Story("silent-01")
    s.patient_resource("1939-09-12")
    s.condition("84114007", "Heart failure")
    for day in range(5):
        s.weight(at(day, 0, 5), 70.2 + 0.1 * (day % 2))
    return s


def quiet_noisy_patient():
    s = Story("quiet-01")
    s.patient_resource("1948-06-18")
    s.condition("84114007", "Heart failure")
    s.condition("44054006", "Type 2 diabetes mellitus")
    for day in range(10):
        kg = 66.0 + (0.3 if day % 3 == 0 else -0.2 if day % 3 == 1 else 0.1)
        oid = s.weight(at(day, 0, 5), round(kg, 1))
        if day == 4:
            # The same reading sent twice (gateway retry).
            s.weight(at(day, 0, 5), round(kg, 1), oid=oid)
        s.glucose(at(day, 0, 40), 118 + 7 * (day % 4))
        s.vitals(day, 1, 16, 96 - day % 2, 72 + day % 5, 36.6 + 0.1 * (day % 3))
        s.steps(at(day, 15), 3200 + 150 * (day % 4))
    s.spo2(at(2, 5), 41)                       # probe off the finger: artefact
    s.heart_rate(at(2, 5, 1), 17)              # the same loose probe
    s.temperature(at(5, 6), 29.4)              # thermometer reading the room
    s.weight(at(6, 9), 92.4)                   # a grandson on the scale
    s.glucose(at(7, 2), 31, status="cancelled")  # cancelled by the nurse: never triaged
    typo = s.weight(at(7, 5), 61.5)            # a typing error, withdrawn half an hour later:
    s.received = at(7, 5, 30)                  # left in, day 8 would read as +2.4 kg
    s.weight(at(7, 5), 61.5, status="entered-in-error", oid=typo)
    s.received = None
    s.blood_pressure(at(8, 1), 134, 82)
    s.blood_pressure(at(8, 1), 134, 82)        # duplicate content, new id
    s.report(at(9, 3), "Tout va bien, pas de plainte, pas mal du tout.", "patient")
    return s


def refused_lines():
    s = Story("bad-01")
    s.patient_resource("1940-02-02")
    s.heart_rate(at(0, 1), 135)
    s.raw("this is not JSON", at(0, 2))
    s.raw('{"resourceType":"Observation","id":"o-nounit","status":"final","subject":'
          '{"reference":"Patient/bad-01"},"code":{"coding":[{"system":"http://loinc.org",'
          '"code":"29463-7"}]},"effectiveDateTime":"2026-03-02T09:00:00Z",'
          '"valueQuantity":{"value":71}}', at(0, 2))
    s.raw('{"resourceType":"Practitioner","id":"dr-1"}', at(0, 2))
    s.raw('{"resourceType":"Observation","id":"o-notz","status":"final","subject":'
          '{"reference":"Patient/bad-01"},"code":{"coding":[{"system":"http://loinc.org",'
          '"code":"8867-4"}]},"effectiveDateTime":"2026-03-02T09:00:00",'
          '"valueQuantity":{"value":140,"unit":"/min","system":"http://unitsofmeasure.org",'
          '"code":"/min"}}', at(0, 2))
    s.glucose(at(0, 3), 45)             # still triaged after the refused lines
    return s


STORIES = {
    "heart_failure_decompensation": (heart_failure_decompensation, []),
    "hypoglycaemia": (hypoglycaemia, []),
    "copd_exacerbation": (copd_exacerbation, []),
    "fall_long_lie": (fall_long_lie, []),
    "negated_complaints": (negated_complaints, []),
    "device_silence": (device_silence, ["--now", "2026-03-11T07:00:00Z"]),
    "quiet_noisy_patient": (quiet_noisy_patient, []),
    "refused_lines": (refused_lines, []),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, (make, args) in STORIES.items():
        story = make()
        with open(os.path.join(out, name + ".ndjson"), "w", encoding="utf-8") as f:
            f.write("\n".join(story.lines) + "\n")
        args_path = os.path.join(out, name + ".args")
        if args:
            with open(args_path, "w", encoding="utf-8") as f:
                f.write(" ".join(args) + "\n")
        elif os.path.exists(args_path):
            os.remove(args_path)


if __name__ == "__main__":
    main()
