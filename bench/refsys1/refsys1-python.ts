/**
 * What running reference system 1's Python programs here takes, shared by `npm run bench:refsys1` and
 * `npm run interop:refsys1`: a python3 that imports pika, a RabbitMQ that listens, and a Python prelude that points
 * every pika connection at that broker (the reference's code says `host='localhost'` and nothing else).
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

/** Where the reference's connections go: host, port, credentials and vhost. */
export interface PikaTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  vhost: string;
}

const PYTHON_PROBE_TIMEOUT_MS = 10_000;

/** Where to look for a python with pika when none is named: pyenv's python3 has none, Debian's python3-pika goes to /usr/bin. */
export const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'];

/**
 * The first of `candidates` that imports pika, with pika's version; undefined when none does.
 *
 * @example
 * const found = findPythonWithPika(PYTHON_CANDIDATES); // { python: '/usr/bin/python3', pikaVersion: '1.2.0' }
 */
export function findPythonWithPika(candidates: readonly string[]): { python: string; pikaVersion: string } | undefined {
  for (const python of candidates) {
    try {
      const pikaVersion = execFileSync(python, ['-c', 'import pika; print(pika.__version__)'], { encoding: 'utf8', timeout: PYTHON_PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { python, pikaVersion };
    } catch {
      // no python there, or no pika in it: try the next
    }
  }
  return undefined;
}

/**
 * Whether something accepts TCP connections on host:port within `timeoutMs`.
 *
 * @example
 * if (!(await brokerListening('127.0.0.1', 5672, 3_000))) console.error('no RabbitMQ');
 */
export function brokerListening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Python source to put before anything that imports the reference's modules: it replaces
 * `pika.ConnectionParameters` so that every connection the reference opens goes to `target`, leaving its files
 * unchanged. JSON string literals are Python string literals, so the values are quoted with JSON.stringify.
 *
 * @example
 * const prelude = pikaAtBroker({ host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest', vhost: '/' });
 */
export function pikaAtBroker(target: PikaTarget): string {
  const q = (value: string) => JSON.stringify(value);
  return String.raw`
import pika

_parameters = pika.ConnectionParameters

def _at_broker(*args, **kwargs):
    # Reference system 1 hard-codes host='localhost'; every connection here goes to the broker given.
    kwargs.update(host=${q(target.host)}, port=${target.port}, virtual_host=${q(target.vhost)},
                  credentials=pika.PlainCredentials(${q(target.user)}, ${q(target.password)}))
    return _parameters(*args, **kwargs)

pika.ConnectionParameters = _at_broker
`;
}
