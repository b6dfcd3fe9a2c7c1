/**
 * A ValueSet as careprompt reads it, from a server's `$expand` or a local file (src/valuesets): its url and
 * version, the codes `compose.include[].concept` lists and those `expansion.contains` holds (nested ones too).
 */
import { z } from 'zod';

const Contains: z.ZodType<{ system?: string | undefined; code?: string | undefined; contains?: unknown[] | undefined }> = z.looseObject({
  system: z.string().optional(),
  code: z.string().optional(),
  get contains() {
    return z.array(Contains).optional();
  },
});

export const ValueSetResource = z.looseObject({
  resourceType: z.literal('ValueSet', { message: 'must be "ValueSet"' }),
  id: z.string().optional(),
  url: z.string().min(1, { message: 'must be the canonical URL campaigns name' }),
  version: z.string().optional(),
  compose: z
    .looseObject({
      include: z.array(
        z.looseObject({
          system: z.string().optional(),
          concept: z.array(z.looseObject({ code: z.string().min(1) })).optional(),
          filter: z.array(z.unknown()).optional(),
          valueSet: z.array(z.string()).optional(),
        }),
      ),
    })
    .optional(),
  expansion: z
    .looseObject({
      identifier: z.string().optional(),
      /** A server's paged `$expand`: the concepts of every page together. */
      total: z.int().nonnegative().optional(),
      contains: z.array(Contains).optional(),
    })
    .optional(),
});
export type ValueSetResource = z.infer<typeof ValueSetResource>;
