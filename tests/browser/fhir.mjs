// FHIR resources the browser tests post: readings at given times (always relative to now,
// so that triage treats them as live).

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

function quantity(value, unit) {
  return { value, unit, system: UCUM, code: unit };
}

export function observation(patient, kind, at, value, value2) {
  const base = { resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${patient}` }, effectiveDateTime: at.toISOString() };
  const code = (c) => ({ coding: [{ system: LOINC, code: c }] });
  switch (kind) {
    case 'glucose': return { ...base, code: code('2339-0'), valueQuantity: quantity(value, 'mg/dL') };
    case 'weight': return { ...base, code: code('29463-7'), valueQuantity: quantity(value, 'kg') };
    case 'heart_rate': return { ...base, code: code('8867-4'), valueQuantity: quantity(value, '/min') };
    case 'spo2': return { ...base, code: code('59408-5'), valueQuantity: quantity(value, '%') };
    case 'steps': return { ...base, code: code('55423-8'), valueQuantity: quantity(value, '/d') };
    case 'blood_pressure': return {
      ...base, code: code('85354-9'),
      component: [
        { code: code('8480-6'), valueQuantity: quantity(value, 'mm[Hg]') },
        { code: code('8462-4'), valueQuantity: quantity(value2, 'mm[Hg]') },
      ],
    };
    default: throw new Error(`unknown kind ${kind}`);
  }
}

export function batch(resources) {
  return {
    resourceType: 'Bundle', type: 'batch',
    entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
  };
}

// A quiet week of readings (nothing a rule would fire on), ending an hour ago.
export function quietWeek(patient, now) {
  const out = [];
  for (let d = 6; d >= 0; d--) {
    const morning = new Date(now - d * 86400000 - 3600000);
    out.push(observation(patient, 'weight', morning, 72 + (d % 3) * 0.2));
    out.push(observation(patient, 'blood_pressure', morning, 128 + (d % 4) * 3, 78 + (d % 3) * 2));
    out.push(observation(patient, 'heart_rate', morning, 70 + (d % 5)));
    out.push(observation(patient, 'spo2', morning, 96 + (d % 2)));
    out.push(observation(patient, 'glucose', morning, 110 + (d % 4) * 8));
    if (d > 0) out.push(observation(patient, 'steps', new Date(now - d * 86400000), 4200 + (d % 3) * 500));
  }
  return out;
}

// An ICOPE step 1 screening (QuestionnaireResponse of icope-step1), every domain negative
// unless `answers` says otherwise: {linkId: value} (null leaves the item out).
export function screening(patient, authored, answers = {}) {
  const base = {
    'cognition.orientation-time': true, 'cognition.orientation-place': true, 'cognition.recall': 3,
    'mobility.chair-rise-completed': true, 'mobility.chair-rise-seconds': 11,
    'nutrition.weight-loss': false, 'nutrition.appetite-loss': false,
    'vision.eye-problems': false,
    'hearing.whisper-right': true, 'hearing.whisper-left': true,
    'mood.feeling-down': false, 'mood.little-interest': false,
    ...answers,
  };
  const value = (k, v) => (typeof v === 'boolean' ? { valueBoolean: v } : k === 'cognition.recall' ? { valueInteger: v } : { valueDecimal: v });
  const groups = ['cognition', 'mobility', 'nutrition', 'vision', 'hearing', 'mood'];
  return {
    resourceType: 'QuestionnaireResponse', questionnaire: 'urn:vigie:questionnaire:icope-step1', status: 'completed',
    subject: { reference: `Patient/${patient}` }, authored,
    item: groups.map((g) => ({
      linkId: g,
      item: Object.entries(base).filter(([k, v]) => k.startsWith(`${g}.`) && v !== null)
        .map(([k, v]) => ({ linkId: k, answer: [value(k, v)] })),
    })),
  };
}
