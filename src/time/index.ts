/** Time zones as IANA names ("America/New_York"): the only form Intl and BullMQ's cron both accept. */
export function isIanaTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
