/** What other folders may use from src/valuesets: reading ValueSets from files and expanding campaigns' value sets. */
export { loadValueSetFiles, parseValueSetFile, ValueSetFileError } from './local-files.ts';
export { createValueSetSource, type ValueSetSourceOptions } from './source.ts';
export { codesOfValueSet, ValueSetResource } from './value-set-file.ts';
