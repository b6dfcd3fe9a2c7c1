/**
 * 409 on a share of conditional creates, as a PostgreSQL-backed server answers when its SERIALIZABLE transaction
 * loses a race (Medplum: SQLSTATE 40001). The request changes nothing, so asking again is safe. Which creates
 * fail is drawn from a PRNG seeded per server: the same seed and the same order of requests fail the same ones.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { conflict } from '@medplum/core';
import { seededRandom } from '../random/index.ts';

export const SERIALIZATION_FAILURE = conflict('could not serialize access due to read/write dependencies among transactions', '40001');

const TYPE_PATH = /^\/[A-Z][A-Za-z]+$/;

export function isConditionalCreate(method: string, pathname: string, headers: IncomingHttpHeaders): boolean {
  return method === 'POST' && headers['if-none-exist'] !== undefined && TYPE_PATH.test(pathname);
}

export class ConflictInjector {
  private readonly random: () => number;

  constructor(
    private readonly share: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Draws once per conditional create. */
  strikes(): boolean {
    return this.random() < this.share;
  }
}
