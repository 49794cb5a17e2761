/**
 * A RabbitMQ virtual host of its own for a test file, so test files never meet on the reference system's fixed
 * exchange and queue names: made with `rabbitmqctl` (guest gets every permission on it) and deleted afterwards.
 *
 * Where no broker answers on 127.0.0.1:5672, a developer's `npm test` skips these tests and says why; in CI
 * (`CI=true`) a broker that cannot be reached is a failure: `.ci/run` starts one.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

export const BROKER = { host: '127.0.0.1', port: 5672 } as const;

export interface TestVhost {
  name: string;
  /** `amqp://guest:guest@127.0.0.1:5672/<vhost>` */
  url: string;
  remove(): void;
}

/** Why the broker tests cannot run here, or undefined when they can (checked once per file, before its tests). */
export async function brokerUnavailable(): Promise<string | undefined> {
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect(BROKER.port, BROKER.host);
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!reachable) return `no RabbitMQ on ${BROKER.host}:${BROKER.port} (start it with: rabbitmq-server -detached)`;
  try {
    execFileSync('rabbitmqctl', ['--version'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    return 'rabbitmqctl is not on the PATH: the tests make a vhost of their own with it';
  }
  return undefined;
}

/**
 * In CI an unavailable broker fails the file (`.ci/run` must have started one); elsewhere the caller skips and the
 * reason is printed.
 */
export async function requireBrokerOrSkip(): Promise<string | undefined> {
  const why = await brokerUnavailable();
  if (why !== undefined && process.env.CI === 'true') throw new Error(`RabbitMQ is required in CI: ${why}`);
  if (why !== undefined) console.warn(`skipping the RabbitMQ tests: ${why}`);
  return why;
}

/** A fresh vhost named after the test and the process, so parallel files and repeated runs never share one. */
export function makeVhost(label: string): TestVhost {
  const name = `ticketd-test-${label}-${process.pid}-${Date.now().toString(36)}`;
  const ctl = (...args: string[]) => execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
  ctl('add_vhost', name);
  ctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@${BROKER.host}:${BROKER.port}/${encodeURIComponent(name)}`,
    remove: () => {
      try {
        ctl('delete_vhost', name);
      } catch {
        // Best effort: a vhost left behind holds nothing another run reads.
      }
    },
  };
}
