/**
 * The parts of a FHIR R4 CapabilityStatement that say whether careprompt can work with a server, read leniently:
 * servers fill it in unevenly, so only what identifies an entry is required, and a missing list means "not
 * declared". Whatever else a server puts there is ignored.
 */
import { z } from 'zod';
import { fieldPath } from '../fhir/index.ts';

const Named = z.looseObject({ name: z.string() });
const Coded = z.looseObject({ code: z.string() });

const RestResource = z.looseObject({
  type: z.string(),
  interaction: z.array(Coded).optional(),
  searchParam: z.array(Named).optional(),
  searchRevInclude: z.array(z.string()).optional(),
  conditionalCreate: z.boolean().optional(),
});

const Rest = z.looseObject({
  mode: z.string(),
  resource: z.array(RestResource).optional(),
  /** Parameters every resource type answers; `_id` and `_lastUpdated` are often declared only here. */
  searchParam: z.array(Named).optional(),
});

const CapabilityStatement = z.looseObject({
  resourceType: z.literal('CapabilityStatement'),
  fhirVersion: z.string().optional(),
  software: z.looseObject({ name: z.string().optional(), version: z.string().optional() }).optional(),
  rest: z.array(Rest).optional(),
});

type RestResource = z.infer<typeof RestResource>;

/** What the server declares about one resource type; every question answers false when the type is missing. */
export interface DeclaredResource {
  /** Whether the server lists the type at all. */
  listed: boolean;
  interaction(code: string): boolean;
  searchParam(name: string): boolean;
  revInclude(target: string): boolean;
  conditionalCreate: boolean;
}

export interface ServerDeclaration {
  fhirVersion: string | undefined;
  /** `name version` of the server software, when stated. */
  software: string | undefined;
  resource(type: string): DeclaredResource;
}

export type ParsedStatement = { ok: true; server: ServerDeclaration } | { ok: false; problem: string };

export function parseCapabilityStatement(body: unknown): ParsedStatement {
  const parsed = CapabilityStatement.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    // zod's messages state what was expected, never the value found.
    return { ok: false, problem: `is not a CapabilityStatement: ${fieldPath(issue?.path ?? [])} ${issue?.message ?? 'is invalid'}` };
  }
  const statement = parsed.data;
  const rest = statement.rest?.find((entry) => entry.mode === 'server');
  if (!rest) return { ok: false, problem: 'declares no REST interface with mode "server"' };
  const everyType = new Set((rest.searchParam ?? []).map((param) => param.name));
  const software = [statement.software?.name, statement.software?.version].filter(Boolean).join(' ');
  return {
    ok: true,
    server: {
      fhirVersion: statement.fhirVersion,
      software: software || undefined,
      resource: (type) =>
        declaredResource(
          rest.resource?.find((entry) => entry.type === type),
          everyType,
        ),
    },
  };
}

function declaredResource(entry: RestResource | undefined, everyType: ReadonlySet<string>): DeclaredResource {
  const interactions = new Set((entry?.interaction ?? []).map((interaction) => interaction.code));
  const params = new Set((entry?.searchParam ?? []).map((param) => param.name));
  const revIncludes = entry?.searchRevInclude ?? [];
  return {
    listed: entry !== undefined,
    interaction: (code) => interactions.has(code),
    searchParam: (name) => entry !== undefined && (params.has(name) || everyType.has(name)),
    // `Condition:subject:Patient` names the target type too; `*` offers every reference.
    revInclude: (target) => revIncludes.some((offered) => offered === '*' || offered === target || offered.startsWith(`${target}:`)),
    conditionalCreate: entry?.conditionalCreate === true,
  };
}
