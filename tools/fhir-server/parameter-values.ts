/**
 * Evaluates one search parameter of a resource with its FHIRPath expression parsed once, for the wrapper's own
 * indexes, includes and matcher (Medplum's matcher re-parses on every call).
 */
import {
  convertToSearchableReferences,
  convertToSearchableTokens,
  evalFhirPathTyped,
  type FhirPathAtom,
  getSearchParameter,
  parseFhirPath,
  toTypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

const parsedExpressions = new Map<string, FhirPathAtom | undefined>();

/** The parameter's FHIRPath expression, parsed on first use; undefined when it has none. */
export function parsedExpression(resourceType: string, code: string): FhirPathAtom | undefined {
  const key = `${resourceType}?${code}`;
  if (!parsedExpressions.has(key)) {
    const expression = getSearchParameter(resourceType, code)?.expression;
    parsedExpressions.set(key, expression ? parseFhirPath(expression) : undefined);
  }
  return parsedExpressions.get(key);
}

/** `Type/id` strings the resource holds for a reference parameter, as Medplum's matcher compares them. */
export function referenceValues(resource: Resource, code: string): string[] {
  const expression = parsedExpression(resource.resourceType, code);
  return expression ? convertToSearchableReferences(evalFhirPathTyped(expression, [toTypedValue(resource)])) : [];
}

/** `system|value` keys, lower-cased because Medplum's token match ignores case; tokens without a system are left out. */
export function systemTokenKeys(resource: Resource, code: string): string[] {
  const expression = parsedExpression(resource.resourceType, code);
  if (!expression) {
    return [];
  }
  const tokens = convertToSearchableTokens(evalFhirPathTyped(expression, [toTypedValue(resource)]));
  return tokens.filter((token) => token.system && token.value).map((token) => systemTokenKey(token.system, token.value));
}

export function systemTokenKey(system: string | undefined, value: string | undefined): string {
  return `${system}|${value}`.toLowerCase();
}
