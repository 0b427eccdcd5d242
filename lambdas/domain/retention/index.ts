export * from './archive';
export * from './calendar';
export * from './planner';
export * from './policy';
export * from './prune-run';
