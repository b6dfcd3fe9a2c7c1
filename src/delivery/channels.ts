/** The channels careprompt can deliver through: what a campaign's `channel:` may name and a prompt row records. */
export const CHANNELS = ['fhir-communication'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DEFAULT_CHANNEL: Channel = 'fhir-communication';
