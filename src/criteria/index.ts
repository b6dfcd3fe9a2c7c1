/** What other folders may use from src/criteria: the criteria language, value-set codes, and their evaluation. */
export { type CodeSelection, codesOf, codingMatches, type Expansion, type Expansions } from './codes.ts';
export type { CriteriaScope, Explanation, PatientRecord } from './explain.ts';
export { codeToken, duration, valueSetUrl } from './fields.ts';
export { type CriteriaExplanation, judgeCriteria } from './judge.ts';
export {
  AgeRange,
  CODES_NEEDED,
  Criterion,
  codeSelection,
  Exclusion,
  hasCodes,
  knownStatuses,
  OPERATORS,
  RecordMatch,
  recordResource,
  statusList,
  ValueTest,
  valueOnObservationsOnly,
} from './schema.ts';
export { type Conversion, convertUnit } from './ucum.ts';
export { testValue, type ValueTestResult } from './value-test.ts';
