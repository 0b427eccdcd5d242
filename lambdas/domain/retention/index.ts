export * from './calendar';
export * from './planner';
export * from './policy';
