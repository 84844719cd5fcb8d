// Usage for billing and dashboards: how session time is split into days and report
// ranges, and how it is added up (pure functions; the database reads are in
// @avatar/persistence's UsageRepository).
export * from './usage-segments';
export * from './usage-report';
export * from './usage-range';
export * from './usage-csv';
