import type { TestProject } from 'vitest/node';
import type { TestbedInfo } from './testbed';

/**
 * PROVISIONAL: assumes PostgreSQL and MariaDB are already running with the test bed's admin users.
 * The test bed (scripts/testbed) replaces this with start-if-needed / stop-what-we-started.
 */
export default async function setup(project: TestProject): Promise<void> {
  const info: TestbedInfo = {
    postgres: { host: '127.0.0.1', port: 5432, user: 'strongbox', password: 'strongbox' },
    mysql: { host: '127.0.0.1', port: 3306, user: 'strongbox', password: 'strongbox' },
    motoPortBase: 5100,
  };
  project.provide('testbed', info);
}
