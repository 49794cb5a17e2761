/**
 * The operator's console (issue 13): for admin and manager accounts, logged in with the session cookie like the
 * customer's app. Live charts from `GET /metrics` once a second (uPlot, bundled), the actor mailboxes, dead letters
 * with replay, shows with their sales, the gate scanner, and for admins the accounts and tokens. Anyone else who
 * logs in is told the console is for staff.
 */
import 'uplot/dist/uPlot.min.css';
import { api, ApiError } from '../shared/api.ts';
import { MetricsPanel } from './metrics-panel.ts';
import { loadAdmin, loadDeadLetters, loadReasons, loadShows, startScanner } from './panels.ts';

interface Me { role: string; user?: { username: string; displayName: string } }

const READ_EVERY_MS = 1_000;
const byId = (id: string) => document.getElementById(id)!;
let metrics: MetricsPanel | undefined;
let reading: ReturnType<typeof setTimeout> | undefined;

function show(view: 'login' | 'not-staff' | 'staff'): void {
  for (const id of ['login', 'not-staff', 'staff']) byId(id).hidden = id !== view;
  byId('logout').hidden = view === 'login';
}

async function start(): Promise<void> {
  let me: Me;
  try {
    me = await api<Me>('GET', '/v1/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return show('login');
    throw error;
  }
  byId('who').textContent = `${me.user?.displayName ?? me.role} (${me.role})`;
  if (me.role !== 'admin' && me.role !== 'manager') return show('not-staff');
  show('staff');
  const admin = me.role === 'admin';
  byId('admin').hidden = !admin;
  byId('admin-link').hidden = !admin;
  metrics ??= new MetricsPanel(document);
  clearTimeout(reading);
  readMetrics();
  await Promise.all([loadReasons().then(loadDeadLetters), loadShows(), admin ? loadAdmin() : undefined]);
}

/** One reading at a time: the next is asked for a second after the last one answered. */
function readMetrics(): void {
  const scrape = byId('scrape');
  void metrics!.read().then(() => {
    scrape.textContent = 'live';
    scrape.className = 'live on';
  }, (error: unknown) => {
    // A session that ended (expired, or logged out elsewhere) goes back to the login form.
    if (error instanceof ApiError && error.status === 401) return show('login');
    scrape.textContent = `metrics unavailable: ${error instanceof Error ? error.message : String(error)}`;
    scrape.className = 'live';
  }).finally(() => {
    if (!byId('staff').hidden) reading = setTimeout(readMetrics, READ_EVERY_MS);
  });
}

byId('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const login = (byId('login-name') as HTMLInputElement).value.trim();
  const body = { [login.includes('@') ? 'email' : 'username']: login, password: (byId('login-password') as HTMLInputElement).value };
  byId('login-error').textContent = '';
  void api('POST', '/v1/sessions', body).then(start).catch((error: unknown) => {
    byId('login-error').textContent = error instanceof ApiError && error.status === 401 ? 'Wrong username or password.' : String(error);
  });
});

byId('logout').addEventListener('click', () => {
  clearTimeout(reading);
  void api('DELETE', '/v1/sessions/current').finally(() => {
    byId('who').textContent = '';
    show('login');
  });
});

byId('dead-letter-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadDeadLetters();
});

startScanner();
void start();
