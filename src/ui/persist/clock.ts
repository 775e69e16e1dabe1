/** The time now, ISO 8601 UTC (what save files record). */
export const isoNow = (): string => new Date().toISOString();
