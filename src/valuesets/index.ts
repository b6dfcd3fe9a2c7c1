/** What other folders may use from src/valuesets: reading ValueSets from files and expanding campaigns' value sets. */
export { loadValueSetFiles, parseValueSetFile, ValueSetFileError } from './local-files.ts';
export {
  type CachedExpansion,
  createValueSetSource,
  type ExpansionCache,
  FRESH_FOR_MS,
  STALE_LIMIT_MS,
  type ValueSetServer,
  type ValueSetSourceOptions,
  ValueSetUnavailableError,
} from './source.ts';
export { codesOfValueSet } from './value-set-codes.ts';
