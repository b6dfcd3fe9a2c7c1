/** What other folders may use from doctor: checking a FHIR server against what the active campaigns need. */
export { type Check, type CheckResult, diagnose, type Findings, type Probe, type ProbeFailure, tally } from './checks.ts';
export { type ExamineDependencies, examine, loadTemplateSource, logChecks, type TemplateSource } from './examine.ts';
