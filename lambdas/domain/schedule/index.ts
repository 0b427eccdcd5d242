export { type CronFields, type DayOfMonth, type DayOfWeek, parseCronFields } from './cron-fields';
export {
  type CronExpression,
  parseScheduleExpression,
  type RateExpression,
  type RateUnit,
  rateMinutes,
  type ScheduleExpression,
} from './expression';
export { assertFires, formatLocal, minimumIntervalMinutes, type NextRunsOptions, nextRuns } from './next-runs';
