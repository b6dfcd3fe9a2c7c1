import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createFhirGateway, loadRecordsByReference } from '../../src/fhir/index.ts';
import { FHIR_BASE, useMswServer } from '../support/msw.ts';

const server = useMswServer();
const subject = { reference: 'Patient/p1' };
const procedure = (id: string) => ({
  resourceType: 'Procedure',
  id,
  status: 'completed',
  subject,
  code: { coding: [{ system: 'http://snomed.info/sct', code: '18557009' }] },
});
const medication = { resourceType: 'MedicationRequest', id: 'mr-1', status: 'active', subject, authoredOn: '2026-02-01' };

describe('loadRecordsByReference', () => {
  it('reads a batch’s records with one _id search per type; one gone or malformed is missing', async () => {
    const queries: string[] = [];
    server.use(
      http.get(`${FHIR_BASE}/:type`, ({ request, params }) => {
        const url = new URL(request.url);
        queries.push(`${params.type}?_id=${url.searchParams.get('_id')}`);
        const wanted = url.searchParams.get('_id')?.split(',') ?? [];
        const held = params.type === 'Procedure' ? [procedure('s1'), { ...procedure('s2'), subject: 'not a reference' }] : [medication];
        const entry = held.filter((resource) => wanted.includes(resource.id)).map((resource) => ({ resource }));
        return HttpResponse.json({ resourceType: 'Bundle', type: 'searchset', entry });
      }),
    );
    const gateway = createFhirGateway({ baseUrl: FHIR_BASE });

    const found = await loadRecordsByReference(gateway, [
      'Procedure/s1',
      'Procedure/s2',
      'Procedure/gone',
      'MedicationRequest/mr-1',
      'Procedure/s1',
    ]);

    expect(queries).toEqual(['Procedure?_id=s1,s2,gone', 'MedicationRequest?_id=mr-1']);
    expect([...found.keys()]).toEqual(['Procedure/s1', 'MedicationRequest/mr-1']);
    expect(found.get('Procedure/s1')).toMatchObject({ status: 'completed', subject });
  });
});
