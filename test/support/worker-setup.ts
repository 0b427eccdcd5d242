import { spawn } from 'node:child_process';
import { motoEndpoint } from './testbed';

/** PROVISIONAL: one moto_server per worker, started on first use. The test bed takes this over. */
async function isUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

const url = motoEndpoint();
if (!(await isUp(url))) {
  const port = new URL(url).port;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', port], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
  });
  child.unref();
  const deadline = Date.now() + 30_000;
  while (!(await isUp(url))) {
    if (Date.now() > deadline) throw new Error(`moto_server did not start on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
