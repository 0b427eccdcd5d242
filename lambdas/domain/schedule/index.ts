export { type CronFields, parseCronFields } from './cron';
export { parseScheduleExpression, type RateUnit, rateMinutes, type ScheduleExpression } from './expression';
export { assertFires, type FireOptions, formatLocal, minimumIntervalMinutes, nextRuns } from './fires';
