/**
 * Refuses, with 400, searches that Medplum's in-memory matcher would answer wrongly. Left alone it treats an
 * unknown parameter, a chain, `_has` or a modifier it cannot evaluate as "matches nothing", and an unknown
 * modifier as plain equality: a misspelt query would look like an empty population.
 */
import {
  badRequest,
  getSearchParameter,
  type IncludeTarget,
  OperationOutcomeError,
  Operator,
  type SearchRequest,
  splitSearchOnComma,
} from '@medplum/core';

/**
 * What Medplum's matcher evaluates correctly, per parameter type; it cannot match number, quantity, composite or
 * special parameters at all, and it reads `:exact` as "contains".
 */
const MATCHABLE_OPERATORS: Record<string, readonly Operator[]> = {
  token: [Operator.EQUALS, Operator.NOT, Operator.MISSING],
  reference: [Operator.EQUALS, Operator.MISSING],
  string: [Operator.EQUALS, Operator.CONTAINS, Operator.MISSING],
  uri: [Operator.EQUALS, Operator.MISSING],
  date: [
    Operator.EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.GREATER_THAN_OR_EQUALS,
    Operator.LESS_THAN,
    Operator.LESS_THAN_OR_EQUALS,
    Operator.STARTS_AFTER,
    Operator.ENDS_BEFORE,
    Operator.APPROXIMATELY,
    Operator.MISSING,
  ],
};

/** The modifiers Medplum's parser recognises; any other becomes equality, so it is refused before parsing. */
const PARSED_MODIFIERS = new Set([
  'contains',
  'exact',
  'above',
  'below',
  'text',
  'not',
  'in',
  'not-in',
  'of-type',
  'missing',
  'identifier',
  'iterate',
]);

export function assertKnownModifiers(params: URLSearchParams): void {
  for (const key of params.keys()) {
    const modifier = key.split(':')[1];
    if (modifier !== undefined && !PARSED_MODIFIERS.has(modifier)) {
      throw unsupported(`Modifier ':${modifier}' in '${key}' is not supported`);
    }
  }
}

export function assertSupportedSearch(request: SearchRequest): void {
  const refused = [
    request.sortRules && '_sort',
    request.fields && '_elements',
    request.summary && `_summary=${request.summary}`,
    request.cursor && '_cursor',
    request.types && '_type',
  ].find(Boolean);
  if (refused) {
    throw unsupported(`${refused} is not supported by this server`);
  }
  for (const [name, value] of [
    ['_count', request.count],
    ['_offset', request.offset],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw unsupported(`${name} must be a non-negative integer`);
    }
  }
  for (const target of request.include ?? []) {
    if (target.resourceType !== request.resourceType) {
      throw unsupported(`_include=${target.resourceType}:${target.searchParam} must start with ${request.resourceType}`);
    }
    assertIncludeTarget('_include', target);
  }
  for (const target of request.revInclude ?? []) {
    assertIncludeTarget('_revinclude', target);
  }
  for (const filter of request.filters ?? []) {
    assertMatchableFilter(request.resourceType, filter.code, filter.operator, filter.value);
  }
}

function assertIncludeTarget(kind: string, target: IncludeTarget): void {
  const name = `${kind}=${target.resourceType}:${target.searchParam}`;
  if (target.modifier) {
    throw unsupported(`${kind}:${target.modifier} is not supported`);
  }
  if (getSearchParameter(target.resourceType, target.searchParam)?.type !== 'reference') {
    throw unsupported(`${name}: ${target.searchParam} is not a reference parameter of ${target.resourceType}`);
  }
}

function assertMatchableFilter(resourceType: string, code: string, operator: Operator, value: string): void {
  if (code.startsWith('_has')) {
    throw unsupported('_has is not supported');
  }
  if (code.includes('.')) {
    throw unsupported(`Chained parameter '${code}' is not supported`);
  }
  const searchParam = getSearchParameter(resourceType, code);
  if (!searchParam) {
    throw unsupported(`Unknown search parameter '${code}' for ${resourceType}`);
  }
  const operators = MATCHABLE_OPERATORS[searchParam.type];
  if (!operators) {
    throw unsupported(`'${code}': ${searchParam.type} parameters are not supported`);
  }
  if (!operators.includes(operator)) {
    throw unsupported(`'${code}' (${searchParam.type}) with operator '${operator}' is not supported`);
  }
  // Medplum compares whole reference strings: a bare id would match nothing.
  if (searchParam.type === 'reference' && operator !== Operator.MISSING) {
    const bareId = splitSearchOnComma(value).find((reference) => !reference.includes('/'));
    if (bareId !== undefined) {
      throw unsupported(`'${code}=${bareId}': use the form Type/id`);
    }
  }
}

function unsupported(details: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(details));
}
