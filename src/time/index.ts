export { DURATION_HINT, MAX_DURATION, parseDurationMs } from './duration.ts';
/** Time zones as IANA names ("America/New_York"): the only form Intl and BullMQ's cron both accept. */
export function isIanaTimezone(zone: string): boolean {
  // Building an Intl.DateTimeFormat costs ~0.1 ms and every rendered prompt asks; the valid zones are few.
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  // Intl also accepts offsets such as "+05:00", which are not zones: they ignore daylight saving.
  if (!/^[A-Za-z]/.test(zone)) return false;
  knownZones.add(zone);
  return true;
}

/** Only zones Intl accepted are remembered, so the set is bounded by the IANA database (~600 names). */
const knownZones = new Set<string>();
