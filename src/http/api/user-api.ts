/**
 * Declarations of the accounts (issue 11): users with roles, created by an admin or (with `--allow-signup`) by
 * anyone for themselves, and sessions made by logging in. Handlers in user-routes.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { PASSWORD_CODE_POINTS_MAX, PASSWORD_CODE_POINTS_MIN } from '../../auth/password.ts';
import { expected, Name } from '../../domain/request-bodies.ts';
import { ACCOUNT_ROLES } from '../../store/users.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam, PageQuery } from './inputs.ts';

const tags = ['users'];
const Time = z.string().meta({ description: 'RFC 3339', example: '2026-12-06T20:00:00.000Z' });

const Username = z.string(expected('a string'))
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/, 'must be 3-32 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  .meta({ example: 'ada' });
const Email = z.string(expected('a string')).max(254, 'must be at most 254 characters')
  .regex(/^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/, 'must be an email address')
  .meta({ example: 'ada@example.com' });
// The policy itself (length in code points) is the accounts' (422 weak_password); this only bounds the field.
const Password = z.string(expected('a string')).max(PASSWORD_CODE_POINTS_MAX * 4, 'is too long')
  .meta({ description: `${PASSWORD_CODE_POINTS_MIN}-${PASSWORD_CODE_POINTS_MAX} characters`, example: 'correct horse battery' });
const Role = z.enum(ACCOUNT_ROLES, expected(`one of ${ACCOUNT_ROLES.join(', ')}`));

const objectError = { error: (issue: { code: string }) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) };

export const User = z.strictObject({
  id: z.string(), username: z.string(), email: z.string(), displayName: z.string(), role: Role,
  customerId: z.string().optional().meta({ description: "a user's own customer: its wallet, taps and bookings" }),
  version: z.number().int(), createdAt: Time, updatedAt: Time, disabledAt: Time.optional(),
}).meta({
  id: 'User',
  example: {
    id: 'usr_1', username: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', role: 'user', customerId: 'cus_1',
    version: 1, createdAt: '2026-12-06T20:00:00.000Z', updatedAt: '2026-12-06T20:00:00.000Z',
  },
});

export const NewUserBody = z.strictObject({
  username: Username, email: Email, displayName: Name, password: Password,
  role: Role.optional().meta({ description: 'default user; only an admin may make another role' }),
}, objectError).meta({
  id: 'NewUser',
  example: { username: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', password: 'correct horse battery' },
});

export const UserPatchBody = z.strictObject({
  email: Email.optional(), displayName: Name.optional(), role: Role.optional(),
  disabled: z.boolean(expected('true or false')).optional().meta({ description: 'true ends the account\'s sessions at once' }),
  password: Password.optional().meta({ description: 'a new password; ends the account\'s sessions' }),
}, objectError).meta({ id: 'UserPatch', example: { displayName: 'Ada King', disabled: false } });

export const UserListQuery = PageQuery.extend({
  role: z.enum(ACCOUNT_ROLES, { error: `must be one of ${ACCOUNT_ROLES.join(', ')}` }).optional()
    .meta({ param: { name: 'role', in: 'query' } }),
  q: z.string().max(100, 'must be at most 100 characters').optional()
    .meta({ param: { name: 'q', in: 'query' }, description: 'part of the username, email or display name, any case' }),
});

export const LoginBody = z.strictObject({
  username: z.string(expected('a string')).min(1, 'required').max(254, 'is too long').optional(),
  email: z.string(expected('a string')).min(1, 'required').max(254, 'is too long').optional(),
  password: z.string(expected('a string')).max(PASSWORD_CODE_POINTS_MAX * 4, 'is too long'),
}, objectError).superRefine((login, ctx) => {
  if ((login.username === undefined) === (login.email === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['username'], message: 'give username or email, not both' });
  }
}).meta({ id: 'Login', example: { username: 'ada', password: 'correct horse battery' } });

const SessionAnswer = z.strictObject({
  token: z.string().meta({ description: 'a bearer token for the account\'s role; shown in this answer only' }),
  expiresAt: Time,
  csrfToken: z.string().meta({ description: 'send as X-CSRF-Token with state-changing requests authenticated by the session cookie' }),
  user: User,
}).meta({
  id: 'Session',
  example: {
    token: `tkd_${'x'.repeat(43)}`, expiresAt: '2026-12-07T08:00:00.000Z', csrfToken: 'c'.repeat(43),
    user: {
      id: 'usr_1', username: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', role: 'user', customerId: 'cus_1',
      version: 1, createdAt: '2026-12-06T20:00:00.000Z', updatedAt: '2026-12-06T20:00:00.000Z',
    },
  },
});

export const createUserRoute = createRoute({
  method: 'post', path: '/v1/users', tags, summary: 'Create an account (admins), or sign up (anyone, with --allow-signup)',
  description: 'An admin may create any role. Without a token, and only when the server runs with `--allow-signup`, ' +
    'anyone may create a `user` account, which gets its own customer (an empty wallet). A `user` account acts as its ' +
    'customer; its sessions are customer tokens of that customer.',
  request: { body: body(NewUserBody) },
  responses: responses({ 201: ok(User, 'Created') }, {
    409: ['username_taken', 'email_taken'], 422: ['weak_password'], 503: ['hasher_busy', 'accounts_unavailable'],
  }, { auth: true, body: true }),
});

export const listUsersRoute = createRoute({
  method: 'get', path: '/v1/users', tags, summary: 'The accounts, oldest first, by role and text',
  request: { query: UserListQuery },
  responses: responses({
    200: ok(z.strictObject({ users: z.array(User), nextCursor: z.string().nullable() }), 'One page', {
      users: [{
        id: 'usr_1', username: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', role: 'user', customerId: 'cus_1',
        version: 1, createdAt: '2026-12-06T20:00:00.000Z', updatedAt: '2026-12-06T20:00:00.000Z',
      }],
      nextCursor: null,
    }),
  }, { 400: ['invalid_query', 'invalid_cursor'], 503: ['accounts_unavailable'] }, { auth: true, body: false }),
});

export const getUserRoute = createRoute({
  method: 'get', path: '/v1/users/{id}', tags, summary: 'One account',
  request: { params: IdParam },
  responses: responses({ 200: ok(User, 'The account') }, { 400: ['invalid_field'], 404: ['unknown_user'], 503: ['accounts_unavailable'] }, { auth: true, body: false }),
});

export const patchUserRoute = createRoute({
  method: 'patch', path: '/v1/users/{id}', tags, summary: 'Change an account; disabling or a new password or role ends its sessions',
  request: { params: IdParam, body: body(UserPatchBody) },
  responses: responses({ 200: ok(User, 'The account as it is now') }, {
    404: ['unknown_user'], 409: ['email_taken', 'role_not_changeable'], 422: ['weak_password'], 503: ['hasher_busy', 'accounts_unavailable'],
  }, { auth: true, body: true }),
});

export const deleteUserRoute = createRoute({
  method: 'delete', path: '/v1/users/{id}', tags,
  summary: 'Erase the person: name, email and password go; the customer, wallet, ledger and bookings stay',
  request: { params: IdParam },
  responses: responses({ 204: { description: 'Erased; the account\'s sessions end at once' } },
    { 400: ['invalid_field'], 404: ['unknown_user'], 503: ['accounts_unavailable'] }, { auth: true, body: false }),
});

export const loginRoute = createRoute({
  method: 'post', path: '/v1/sessions', tags: ['sessions'], summary: 'Log in: a bearer token for the account, and a session cookie',
  description: 'Answers the token (for `Authorization: Bearer`) and sets it as an HttpOnly, SameSite=Strict cookie ' +
    '(`Secure` over TLS) for the pages ticketd serves, with a CSRF token that requests authenticated by the cookie must ' +
    'send as `X-CSRF-Token` to change anything. Failed logins are slowed per account and per address (429 with ' +
    'Retry-After); a wrong password and an unknown account get the same 401.',
  request: { body: body(LoginBody) },
  responses: responses({ 200: ok(SessionAnswer, 'Logged in') }, {
    401: ['invalid_credentials'], 403: ['account_disabled'], 429: ['login_throttled'], 503: ['hasher_busy', 'accounts_unavailable'],
  }, { auth: false, body: true }),
});

export const logoutRoute = createRoute({
  method: 'delete', path: '/v1/sessions/current', tags: ['sessions'], summary: 'Log out: the session that sent this ends, with its streams',
  description: 'A session is revoked and its cookies cleared. An API token a page holds in the cookie (`POST ' +
    '/v1/sessions/cookie`) is only forgotten by this browser (cookies cleared, the token stays good); sent in an ' +
    'Authorization header it is `400 not_a_session`: revoke it with `DELETE /v1/tokens/{id}`.',
  responses: responses({ 204: { description: 'Logged out' } }, { 400: ['not_a_session'] }, { auth: true, body: false }),
});

export const tokenCookieRoute = createRoute({
  method: 'post', path: '/v1/sessions/cookie', tags: ['sessions'],
  summary: 'Keep the bearer token of this request as the session cookie, for the pages (open the app with a customer token)',
  description: 'For a page opened with a token rather than an account: an EventSource cannot send an Authorization ' +
    'header, so the token goes into the HttpOnly, SameSite=Strict session cookie (until a session ends, or for an API ' +
    'token until the browser closes), with the CSRF token of it in the answer and the readable cookie.',
  responses: responses({
    200: ok(z.strictObject({ csrfToken: z.string() }), 'Kept', { csrfToken: 'c'.repeat(43) }),
  }, { 400: ['invalid_field'] }, { auth: true, body: false }),
});
