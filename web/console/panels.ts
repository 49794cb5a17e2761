/**
 * The console's lists, read from the API with the staff session: dead letters (by reason, each with a Replay button
 * that shows what the replay decided), shows with their sales, and for admins the accounts and tokens. Also the
 * gate scanner: a pasted ticket secret (or one read by the camera) checked in, its answer in large type.
 */
import { api, ApiError, el, money } from '../shared/api.ts';
import { CameraScanner } from './camera-scanner.ts';

interface DeadLetter { id: number; tapId: string; reason: string; attempts: number; status: 'open' | 'replayed'; lastAt: string; tap: { customerId: string; rideId: string } }
interface TapState { tapId: string; status: string; reason?: string; ticket?: { price: number; balanceAfter: number } }
interface Category { id: string; name: string; price: number; capacity: number; available: number; held: number; sold: number }
interface Show { id: string; name: string; venue: string; startsAt: string; status: string; categories: Category[] }
interface User { id: string; username: string; displayName: string; role: string; disabledAt?: string }
interface Token { id: string; role: string; customerId?: string; machineId?: string; userId?: string; createdAt: string; revokedAt?: string }
interface CheckInAnswer { result: string; firstCheckIn?: { at: string; gateId: string } }

const DEAD_LETTERS_PAGE = 50;
const byId = (id: string) => document.getElementById(id)!;
const problem = (error: unknown) => (error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
const empty = (text: string) => el('li', { class: 'empty' }, text);

/** Fills the reason filter from the API's own description, so it lists exactly the reasons the server knows. */
export async function loadReasons(): Promise<void> {
  type OpenApi = { paths: Record<string, { get?: { parameters?: Array<{ name: string; schema?: { enum?: string[] } }> } }> };
  const description = await api<OpenApi>('GET', '/openapi.json');
  const reasons = description.paths['/v1/dead-letters']?.get?.parameters?.find((p) => p.name === 'reason')?.schema?.enum ?? [];
  byId('reason').append(...reasons.map((reason) => el('option', { value: reason }, reason.replaceAll('_', ' '))));
}

/** Lists the newest dead letters, of the chosen reason if any. */
export async function loadDeadLetters(): Promise<void> {
  const reason = (byId('reason') as HTMLSelectElement).value;
  const query = new URLSearchParams({ limit: String(DEAD_LETTERS_PAGE), ...(reason !== '' && { reason }) });
  const { deadLetters } = await api<{ deadLetters: DeadLetter[] }>('GET', `/v1/dead-letters?${query}`);
  byId('dead-letters').replaceChildren(...(deadLetters.length === 0 ? [empty('No dead letters.')] : deadLetters.map(deadLetterItem)));
}

function deadLetterItem(letter: DeadLetter): HTMLElement {
  const item = el('li', { class: `row ${letter.status}`, 'data-tap-id': letter.tapId },
    el('span', {}, el('strong', {}, `${letter.tapId}`), ` ${letter.reason.replaceAll('_', ' ')}`,
      el('span', { class: 'meta' }, `#${letter.id} · ${letter.tap.customerId} on ${letter.tap.rideId} · ${letter.attempts} attempt(s) · ${letter.status}`)));
  if (letter.status === 'open') {
    const button = el('button', { type: 'button', 'aria-label': `Replay ${letter.tapId}` }, 'Replay') as HTMLButtonElement;
    button.addEventListener('click', () => void replay(letter, button));
    item.append(button);
  }
  return item;
}

async function replay(letter: DeadLetter, button: HTMLButtonElement): Promise<void> {
  const outcome = byId('dead-letter-outcome');
  button.disabled = true;
  try {
    const state = await api<TapState>('POST', `/v1/dead-letters/${letter.id}/replay`);
    const issued = state.status === 'issued';
    outcome.className = `outcome ${issued ? 'good' : 'bad'}`;
    outcome.textContent = issued
      ? `${state.tapId} replayed: issued, ${money(state.ticket?.price ?? 0)}`
      : `${state.tapId} replayed: ${state.status}${state.reason === undefined ? '' : `, ${state.reason.replaceAll('_', ' ')}`}`;
  } catch (error) {
    outcome.className = 'outcome bad';
    outcome.textContent = `${letter.tapId} not replayed: ${problem(error)}`;
  }
  await loadDeadLetters();
}

/** Lists the shows with each category's sold, held and available places, and how many tickets were checked in. */
export async function loadShows(): Promise<void> {
  const { shows } = await api<{ shows: Show[] }>('GET', '/v1/shows?limit=50');
  // Each show's check-in list (the scanners' own read): its valid tickets and those let in.
  const lists = await Promise.all(shows.map((show) =>
    api<{ ticketIds: string[]; voidedTicketIds: string[]; checkedInTicketIds: string[] }>('GET', `/v1/shows/${encodeURIComponent(show.id)}/check-in-list`)
      .catch(() => undefined)));
  byId('shows').replaceChildren(...(shows.length === 0 ? [empty('No shows.')] : shows.map((show, i) => {
    const sold = show.categories.reduce((sum, c) => sum + c.sold * c.price, 0);
    const list = lists[i];
    const checkedIn = list === undefined ? '' : ` · checked in ${list.checkedInTicketIds.length} of ${list.ticketIds.length - list.voidedTicketIds.length}`;
    return el('li', { 'data-show': show.id },
      el('strong', {}, show.name), ` · ${show.status.replaceAll('_', ' ')} · sales ${money(sold)}`, el('span', { class: 'checked-in' }, checkedIn),
      el('span', { class: 'meta' }, `${show.venue}, ${new Date(show.startsAt).toLocaleString()}`),
      el('ul', { class: 'places' }, ...show.categories.map((c) =>
        el('li', {}, `${c.name}: ${c.sold} sold, ${c.held} held, ${c.available} of ${c.capacity} left`))));
  })));
}

/** For admins: the accounts and the tokens (never their secrets). */
export async function loadAdmin(): Promise<void> {
  const [{ users }, { tokens }] = await Promise.all([
    api<{ users: User[] }>('GET', '/v1/users?limit=100'), api<{ tokens: Token[] }>('GET', '/v1/tokens'),
  ]);
  byId('users').replaceChildren(...users.map((u) => el('li', {}, el('strong', {}, u.username), ` ${u.displayName} · ${u.role}`,
    ...(u.disabledAt === undefined ? [] : [el('span', { class: 'meta' }, `disabled ${new Date(u.disabledAt).toLocaleString()}`)]))));
  byId('tokens').replaceChildren(...tokens.map((t) => el('li', {}, el('strong', {}, t.id), ` ${t.role}`,
    ` ${t.machineId ?? t.customerId ?? (t.userId === undefined ? '' : 'session')}`,
    el('span', { class: 'meta' }, `created ${new Date(t.createdAt).toLocaleString()}${t.revokedAt === undefined ? '' : ' · revoked'}`))));
}

const ANSWERS: Readonly<Record<string, string>> = {
  ok: 'ADMIT', already_checked_in: 'ALREADY USED', unknown_ticket: 'UNKNOWN TICKET', invalid_signature: 'FORGED SECRET',
  voided: 'VOIDED', wrong_show: 'WRONG SHOW', not_yet_open: 'NOT YET OPEN',
};

/**
 * The scanner form: each check-in has its own nonce, so a second press is a second scan. The camera, where the
 * browser has one, fills the secret and submits this same form; it is stopped when the page is hidden (a phone put
 * in a pocket keeps no camera open) and on logging out.
 */
export function startScanner(): void {
  const form = byId('scanner-form') as HTMLFormElement;
  const camera = new CameraScanner({
    form, secret: byId('secret') as HTMLInputElement, video: byId('camera-video') as HTMLVideoElement,
    startButton: byId('camera-start') as HTMLButtonElement, stopButton: byId('camera-stop') as HTMLButtonElement, status: byId('camera-status'),
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) camera.stop('camera stopped while the page was hidden: press Scan with the camera to go on');
  });
  byId('logout').addEventListener('click', () => camera.stop());
  const answer = byId('scan-answer');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      secret: (byId('secret') as HTMLInputElement).value.trim(), gateId: (byId('gate') as HTMLInputElement).value.trim(),
      scannedAt: new Date().toISOString(), nonce: crypto.randomUUID(),
    };
    answer.className = 'scan-answer';
    answer.textContent = 'checking…';
    void api<CheckInAnswer>('POST', '/v1/check-ins', body).then((result) => {
      answer.className = `scan-answer ${result.result === 'ok' ? 'good' : 'bad'}`;
      const first = result.firstCheckIn;
      answer.textContent = `${ANSWERS[result.result] ?? result.result}${first === undefined ? '' : ` (first at ${first.gateId}, ${new Date(first.at).toLocaleTimeString()})`}`;
    }, (error: unknown) => {
      answer.className = 'scan-answer bad';
      answer.textContent = problem(error);
    });
  });
}
