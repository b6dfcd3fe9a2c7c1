// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary FHIR JSON and assert on its shape.
export type FhirJson = Record<string, any>;

/** Small direct reads and writes against the test FHIR server, independent of the engine's own client. */
export async function createResource<T extends { resourceType: string }>(baseUrl: string, resource: T): Promise<T & { id: string }> {
  const response = await fetch(`${baseUrl}/${resource.resourceType}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (response.status !== 201) throw new Error(`creating ${resource.resourceType} answered ${response.status}`);
  return (await response.json()) as T & { id: string };
}

/** Every resource of a search, following next links. */
export async function searchAll(baseUrl: string, query: string, headers: Record<string, string> = {}): Promise<Array<FhirJson>> {
  const resources: Array<FhirJson> = [];
  let url: string | undefined = `${baseUrl}/${query}`;
  while (url) {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`search answered ${response.status}`);
    const bundle = (await response.json()) as {
      entry?: Array<{ resource: FhirJson }>;
      link?: Array<{ relation: string; url: string }>;
    };
    resources.push(...(bundle.entry ?? []).map((entry) => entry.resource));
    url = bundle.link?.find((link) => link.relation === 'next')?.url;
  }
  return resources;
}

export async function communications(baseUrl: string, headers: Record<string, string> = {}) {
  return searchAll(baseUrl, 'Communication?_count=500', headers);
}

/** Identifier values that appear on more than one Communication: must always be empty. */
export function duplicatedIdentifiers(found: Array<FhirJson>): string[] {
  const counts = new Map<string, number>();
  for (const communication of found) {
    const value = communication.identifier?.[0]?.value as string;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts].filter(([, count]) => count > 1).map(([value]) => value);
}

/** A living patient whose wound was closed with stitches just now: due for the wound-care campaign. */
export async function patientWithFreshStitches(baseUrl: string, givenName: string) {
  const patient = await createResource(baseUrl, { resourceType: 'Patient', active: true, name: [{ given: [givenName], family: 'Diaz' }] });
  return { patient, procedure: await freshStitches(baseUrl, patient.id) };
}

/** The patient's wound closed with stitches just now. */
export function freshStitches(baseUrl: string, patientId: string) {
  return createResource(baseUrl, {
    resourceType: 'Procedure',
    status: 'completed',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009', display: 'Closure of wound by suture' }] },
    subject: { reference: `Patient/${patientId}` },
    performedDateTime: new Date().toISOString(),
  });
}
