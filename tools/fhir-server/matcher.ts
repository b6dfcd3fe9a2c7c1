/**
 * Medplum's in-memory matcher (`matchesSearchRequest`, @medplum/core 4.5 src/search/match.ts), prepared once per
 * search instead of once per resource. Medplum's own re-parses the parameter's FHIRPath expression, re-splits the
 * filter value and re-parses filter dates for every resource it tests: most of a poll page's CPU. The comparisons
 * below are Medplum's, in the same order, so every search matches exactly what it did; a filter they do not cover
 * goes to Medplum's own matcher. test/unit/fhir-server-matcher.test.ts holds the two side by side.
 */
import {
  convertToSearchableDates,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  evalFhirPathTyped,
  type Filter,
  getSearchParameter,
  matchesSearchRequest,
  Operator,
  type SearchableToken,
  type SearchRequest,
  splitSearchOnComma,
  type TypedValue,
  toPeriod,
  toTypedValue,
} from '@medplum/core';
import type { Period, Resource } from '@medplum/fhirtypes';
import { parsedExpression } from './parameter-values.ts';

type ValuesTest = (typedValues: TypedValue[]) => boolean;
type ResourceTest = (resource: Resource) => boolean;

/**
 * A test equivalent to `matchesSearchRequest(resource, request)`, for resources that all satisfy `satisfied` (one
 * of the request's filters) when it is given: that filter is not tested again.
 */
export function compileMatcher(request: SearchRequest, satisfied?: Filter): ResourceTest {
  const filters = (request.filters ?? []).filter((filter) => filter !== satisfied);
  const tests = filters.map((filter) => compileFilter(request.resourceType, filter));
  return (resource) => resource.resourceType === request.resourceType && tests.every((test) => test(resource));
}

function compileFilter(resourceType: string, filter: Filter): ResourceTest {
  const searchParam = getSearchParameter(resourceType, filter.code);
  const valuesTest = searchParam?.expression ? compileValuesTest(searchParam.type, filter) : undefined;
  if (!valuesTest) {
    const single: SearchRequest = { resourceType: resourceType as SearchRequest['resourceType'], filters: [filter] };
    return (resource) => matchesSearchRequest(resource, single);
  }
  return (resource) => {
    // Looked up at first use, as Medplum does: a search with no candidates never parses.
    const expression = parsedExpression(resourceType, filter.code);
    return expression !== undefined && valuesTest(evalFhirPathTyped(expression, [toTypedValue(resource)]));
  };
}

function compileValuesTest(type: string, filter: Filter): ValuesTest | undefined {
  if (filter.operator === Operator.MISSING || filter.operator === Operator.PRESENT) {
    const desired =
      (filter.operator === Operator.MISSING && filter.value === 'false') ||
      (filter.operator === Operator.PRESENT && filter.value === 'true');
    return (typedValues) => typedValues.length > 0 === desired;
  }
  const negated = filter.operator === Operator.NOT_EQUALS || filter.operator === Operator.NOT;
  const filterValues = splitSearchOnComma(filter.value);
  switch (type) {
    case 'reference':
      return referenceTest(filter, filterValues, negated);
    case 'string':
    case 'uri': {
      const lowered = filterValues.map((value) => value.toLowerCase());
      return anyPair(convertToSearchableStrings, lowered, negated, (resourceValue, filterValue) =>
        resourceValue.toLowerCase().includes(filterValue),
      );
    }
    case 'token':
      return anyPair(convertToSearchableTokens, filterValues.map(tokenTest), negated, (resourceValue, test) => test(resourceValue));
    case 'date':
      return anyPair(convertToSearchableDates, filterValues.map(dateTest(filter.operator)), negated, (resourceValue, test) =>
        test(resourceValue),
      );
    default:
      return undefined;
  }
}

/** True (false when negated) as soon as one resource value matches one filter value, resource values outermost. */
function anyPair<R, F>(convert: (typedValues: TypedValue[]) => R[], filterValues: F[], negated: boolean, match: (r: R, f: F) => boolean) {
  return (typedValues: TypedValue[]): boolean => {
    for (const resourceValue of convert(typedValues)) {
      for (const filterValue of filterValues) {
        if (match(resourceValue, filterValue)) {
          return !negated;
        }
      }
    }
    return negated;
  };
}

function referenceTest(filter: Filter, filterValues: string[], negated: boolean): ValuesTest {
  return (typedValues) => {
    if (filter.value === '' && typedValues.length === 0) {
      return filter.operator === Operator.EQUALS;
    }
    const references = convertToSearchableReferences(typedValues);
    for (const filterValue of filterValues) {
      // Medplum still accepts a bare id in a compartment filter.
      const match =
        references.includes(filterValue) ||
        (filter.code === '_compartment' && references.some((reference) => reference?.endsWith(`/${filterValue}`)));
      if (match) {
        return !negated;
      }
    }
    return negated;
  };
}

/** `[code]`, `system|code`, `|code` or `system|`, all case-insensitive. */
function tokenTest(filterValue: string): (token: SearchableToken) => boolean {
  if (!filterValue.includes('|')) {
    const value = filterValue.toLowerCase();
    return (token) => token.value?.toLowerCase() === value;
  }
  const [system, value] = filterValue.split('|').map((part) => part.toLowerCase());
  if (!system && !value) {
    return () => false;
  }
  if (!system) {
    return (token) => !token.system && token.value?.toLowerCase() === value;
  }
  return (token) => token.system?.toLowerCase() === system && (!value || token.value?.toLowerCase() === value);
}

/** The filter's period is worked out once, the first time a resource has a date to compare (it may throw then). */
function dateTest(operator: Operator): (filterValue: string) => (resourceValue: Period) => boolean {
  return (filterValue) => {
    let filterPeriod: Period | undefined | null = null;
    return (resourceValue) => {
      if (!resourceValue) {
        return false;
      }
      if (filterPeriod === null) {
        filterPeriod = toPeriod(filterValue);
      }
      return filterPeriod !== undefined && comparePeriods(resourceValue, operator, filterPeriod);
    };
  };
}

function comparePeriods(resourceValue: Period, operator: Operator, filterPeriod: Period): boolean {
  const resourceStart = resourceValue.start ?? '0000';
  const resourceEnd = resourceValue.end ?? '9999';
  const filterStart = filterPeriod.start as string;
  const filterEnd = filterPeriod.end as string;
  switch (operator) {
    case Operator.APPROXIMATELY:
    case Operator.EQUALS:
    case Operator.NOT_EQUALS:
      return resourceStart < filterEnd && resourceEnd > filterStart;
    case Operator.LESS_THAN:
      return resourceStart < filterStart;
    case Operator.GREATER_THAN:
      return resourceEnd > filterEnd;
    case Operator.LESS_THAN_OR_EQUALS:
      return resourceStart <= filterEnd;
    case Operator.GREATER_THAN_OR_EQUALS:
      return resourceEnd >= filterStart;
    case Operator.STARTS_AFTER:
      return resourceStart > filterEnd;
    case Operator.ENDS_BEFORE:
      return resourceEnd < filterStart;
    default:
      return false;
  }
}
