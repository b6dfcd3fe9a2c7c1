/** Who may do what: the three roles of people (and of the API tokens acting for machines). */
import { z } from 'zod';

export const ROLES = ['admin', 'care_manager', 'clinician'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;
