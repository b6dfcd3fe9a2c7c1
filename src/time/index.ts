/** Time zones as IANA names ("America/New_York"): the only form Intl and BullMQ's cron both accept. */
export function isIanaTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    // Intl also accepts offsets such as "+05:00", which are not zones: they ignore daylight saving.
    return /^[A-Za-z]/.test(zone);
  } catch {
    return false;
  }
}
