/**
 * 409 on a share of conditional creates, as a PostgreSQL-backed server answers when its SERIALIZABLE transaction
 * loses a race (Medplum: SQLSTATE 40001). The request changes nothing, so asking again is safe. Which creates
 * fail is drawn from a PRNG seeded per server: the same seed and the same order of requests fail the same ones.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { conflict } from '@medplum/core';

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

/** mulberry32: 32 bits of state, uniform enough for picking a share, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
