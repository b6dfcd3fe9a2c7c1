import { describe, expect, it } from 'vitest';
import { ingredientName, medicineName } from '../../src/render/ingredient-name.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

describe('ingredientName over RxNorm displays', () => {
  it.each([
    // clinical drugs (SCD): ingredient, strength, dose form
    ['atorvastatin 10 MG Oral Tablet', 'atorvastatin'],
    ['lisinopril 10 MG Oral Tablet', 'lisinopril'],
    ['Acetaminophen 325 MG Oral Tablet', 'Acetaminophen'],
    ['nitroglycerin 0.4 MG Sublingual Tablet', 'nitroglycerin'],
    ['albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', 'albuterol'],
    // a quantity or duration in front
    ['24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', 'metformin'],
    ['72 HR fentanyl 0.025 MG/HR Transdermal System', 'fentanyl'],
    ['0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe', 'enoxaparin'],
    // branded drugs (SBD): the brand in brackets goes
    ['atorvastatin 10 MG Oral Tablet [Lipitor]', 'atorvastatin'],
    ['3 ML insulin glargine 100 UNT/ML Pen Injector [Lantus]', 'insulin glargine'],
    ['200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [ProAir HFA]', 'albuterol'],
    ['warfarin sodium 5 MG Oral Tablet [Coumadin]', 'warfarin'],
    // salts go, unless the salt is the medicine
    ['levothyroxine sodium 0.05 MG Oral Tablet', 'levothyroxine'],
    ['losartan potassium 50 MG Oral Tablet', 'losartan'],
    ['fluticasone propionate 0.05 MG/ACTUAT Nasal Spray', 'fluticasone'],
    ['24 HR metoprolol succinate 25 MG Extended Release Oral Tablet', 'metoprolol'],
    ['potassium chloride 20 MEQ Extended Release Oral Tablet', 'potassium chloride'],
    ['calcium carbonate 500 MG Chewable Tablet', 'calcium carbonate'],
    ['sodium chloride 9 MG/ML Injectable Solution', 'sodium chloride'],
    // combinations keep every ingredient
    ['hydrochlorothiazide 12.5 MG / lisinopril 10 MG Oral Tablet', 'hydrochlorothiazide / lisinopril'],
    ['amoxicillin 875 MG / clavulanate potassium 125 MG Oral Tablet', 'amoxicillin / clavulanate'],
    ['acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet', 'acetaminophen / hydrocodone'],
    // packs: the drugs inside, not the inert tablets
    [
      '{21 (ethinyl estradiol 0.035 MG / norethindrone 1 MG Oral Tablet) / 7 (inert ingredients 1 MG Oral Tablet) } Pack [Ortho-Novum 1/35 28 Day]',
      'ethinyl estradiol / norethindrone',
    ],
    // dose forms without a strength (SCDF), ingredients and brands alone, names typed into an EHR
    ['atorvastatin Oral Tablet', 'atorvastatin'],
    ['atorvastatin', 'atorvastatin'],
    ['Lipitor', 'Lipitor'],
    ['metformin ER 500 mg', 'metformin'],
    ['Metformin 500mg tablets', 'Metformin'],
    // nothing but a strength and form: the display stays
    ['500 MG Oral Tablet', '500 MG Oral Tablet'],
  ])('%s → %s', (display, name) => {
    expect(ingredientName(display)).toBe(name);
  });
});

describe('medicineName', () => {
  it('prefers a coding that is already an ingredient name over deriving one', () => {
    const concept = {
      coding: [
        { system: 'http://hl7.org/fhir/sid/ndc', code: '0071-0155-23', display: 'LIPITOR 10MG TAB' },
        { system: RXNORM, code: '83367', display: 'atorvastatin' },
      ],
    };
    expect(medicineName(concept, [])).toBe('atorvastatin');
  });

  it('derives the name from the first display when no coding is bare, and from the text when no coding has one', () => {
    expect(medicineName({ coding: [{ code: '617312', display: 'atorvastatin 10 MG Oral Tablet' }], text: 'Lipitor 10 mg' }, [])).toBe(
      'atorvastatin',
    );
    expect(medicineName({ coding: [{ code: '617312' }], text: 'atorvastatin 10 MG Oral Tablet' }, [])).toBe('atorvastatin');
    expect(medicineName({ coding: [{ code: '617312' }] }, [])).toBeUndefined();
  });

  it('names a medicine by its listed ingredients first', () => {
    const product = { coding: [{ code: '1', display: 'Zestoretic 20/12.5 Oral Tablet' }] };
    const ingredients = [
      { coding: [{ system: RXNORM, code: '29046', display: 'lisinopril' }] },
      { coding: [{ system: RXNORM, code: '5487', display: 'hydrochlorothiazide' }] },
    ];
    expect(medicineName(product, ingredients)).toBe('lisinopril / hydrochlorothiazide');
  });
});
