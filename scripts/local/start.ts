import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestbed } from '../testbed/index';
import { startLocalService } from './service';

/**
 * `npm start`: the whole service on this machine. Starts (or reuses) moto_server, PostgreSQL and MariaDB, runs the
 * service on them, writes .strongbox/local.json (URLs and tokens), and stops what it started on Ctrl-C.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** local.json and the local issuer's key; STRONGBOX_LOCAL_DIR runs a second instance without touching the first's. */
const stateDir = process.env.STRONGBOX_LOCAL_DIR ?? join(root, '.strongbox');

async function main(): Promise<void> {
  const motoPort = port('STRONGBOX_MOTO_PORT', 4566);
  const testbed = await startTestbed({ motoPorts: [motoPort] });
  const moto = testbed.info.moto[0];
  if (!moto) throw new Error('the test bed started no moto_server');
  const service = await startLocalService({
    root,
    motoEndpoint: moto.endpoint,
    apiPort: port('STRONGBOX_API_PORT', 4000),
    awsPort: port('STRONGBOX_LOCAL_AWS_PORT', 4567),
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    stateDir,
  });

  const local = {
    apiUrl: service.apiUrl,
    awsEndpointUrl: moto.endpoint,
    stepFunctionsUrl: service.awsUrl,
    lambdaUrl: service.awsUrl,
    region: service.region,
    restoreStateMachineArn: service.restoreStateMachineArn,
    snapshotStateMachineArn: service.snapshotStateMachineArn,
    pruneStateMachineArn: service.pruneStateMachineArn,
    dispatchFunctionArn: service.dispatchFunctionArn,
    rpoSweepFunctionArn: service.rpoSweepFunctionArn,
    eventBusName: service.eventBusName,
    tokens: service.tokens,
    databases: { postgres: testbed.info.postgres, mysql: testbed.info.mysql },
  };
  // moto's Scheduler never fires schedules: the ticker reads them back and fires what fell due, every 15 seconds.
  const ticking = setInterval(() => {
    service.ticker.tick(new Date()).then(
      (fired) => {
        for (const f of fired) console.log(`schedule ${f.group}/${f.name} fired for ${f.scheduledTime}: ${f.outcome}`);
      },
      (error: Error) => console.error(`ticker: ${error.message}`),
    );
  }, 15_000);
  // Lambda's SQS event sources (the webhook deliverer): moto queues the bus's events, this hands them to the function.
  service.queues.start(1000);
  const file = join(stateDir, 'local.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600 });

  console.log(`
Strongbox is running locally.
  API            ${service.apiUrl}   (GET /health; /v1/... with a bearer token)
  AWS emulator   ${moto.endpoint}   (moto_server: S3 vault, DynamoDB catalog, KMS, Secrets Manager)
  Step Functions ${service.awsUrl}   (aws stepfunctions ... --endpoint-url ${service.awsUrl})
  Prune machine  ${service.pruneStateMachineArn}
                 (start-execution --input '{}' prunes now)
  Schedules      policies' schedules and the daily prune live on the emulator's Scheduler; a local ticker fires them
                 (every 15 s, on this machine's clock). Dispatcher: ${service.dispatchFunctionArn}
  Webhooks       events go to tenants' webhooks (http on 127.0.0.1 allowed here), retried after 1 s, 4 s, 16 s…
  PostgreSQL     ${testbed.info.postgres.host}:${testbed.info.postgres.port}   MariaDB ${testbed.info.mysql.host}:${testbed.info.mysql.port}
URLs and tokens (admin, acme, globex) are in ${file}. Try:
  TOKEN=$(node -p "require('${file}').tokens.acme")
  curl -s ${service.apiUrl}/v1/sources -H "authorization: Bearer $TOKEN"
The README's walkthrough goes from there. Ctrl-C stops everything this started.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticking);
    console.log('\nstopping…');
    await service.stop().catch((error: Error) => console.error(`service: ${error.message}`));
    await testbed.stop().catch((error: Error) => console.error(`test bed: ${error.message}`));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: Error) => {
  console.error(`strongbox: ${error.stack ?? error.message}`);
  process.exit(1);
});
