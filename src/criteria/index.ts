/** What other folders may use from src/criteria: the criteria language, value-set codes, and their evaluation. */
export { type CodeSelection, codesOf, codingMatches, type Expansion, type Expansions } from './codes.ts';
export { type CriteriaScope, describeMatch, type Explanation, matchingRecords, type PatientRecord } from './explain.ts';
export { codeToken, duration, valueSetUrl } from './fields.ts';
export { type CriteriaExplanation, type CriteriaVerdict, judgeCriteria } from './judge.ts';
export {
  CODES_NEEDED,
  Criterion,
  codeSelection,
  Exclusion,
  GENDERS,
  hasCodes,
  OPERATORS,
  RecordMatch,
  recordResource,
  ValueTest,
  valueOnObservationsOnly,
} from './schema.ts';
export { type Conversion, convertUnit } from './ucum.ts';
export { testValue, type ValueTestResult } from './value-test.ts';
