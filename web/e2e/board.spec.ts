import { mkdirSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import {
  addMember,
  card,
  createProject,
  createTask,
  expectOnline,
  openProject,
  type Person,
  sharedBoard,
  signedUp,
} from './helpers';
import { CuttableProxy, foreignSite } from './network';
import { APP, FOREIGN_PORT, PROXY_PORT, SHORT_TTL_APP, THROTTLED_APP } from './servers';

const people: Person[] = [];
// eslint-disable-next-line no-empty-pattern -- Playwright reads a hook's fixtures from this pattern
test.afterEach(async ({}, testInfo) => {
  // A failure on CI leaves only this log: say what each page of each person showed.
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const person of people) {
      for (const page of person.context.pages()) console.log(await whatItShows(person, page));
    }
  }
  for (const person of people.splice(0)) await person.context.close();
});

async function whatItShows(person: Person, page: Page): Promise<string> {
  const text = (selector: string): Promise<string> =>
    page
      .locator(selector)
      .allInnerTexts()
      .then((all) => all.join(' | ').replace(/\s+/g, ' ').slice(0, 600))
      .catch((err: Error) => `(${err.message})`);
  return [
    `${person.name}, ${page.url()}:`,
    `  status: ${await text('[data-testid="connection-status"]')}`,
    `  notices: ${await text('[data-testid="notice"]')}`,
    `  page: ${await text('body')}`,
  ].join('\n');
}

async function twoPeople(
  browser: Parameters<typeof signedUp>[0],
  baseUrl = APP.url,
): Promise<[Person, Person]> {
  const alice = await signedUp(browser, baseUrl, 'Alice Martin');
  const bob = await signedUp(browser, baseUrl, 'Bob Chen');
  people.push(alice, bob);
  return [alice, bob];
}

const column = (page: Page, status: string) => page.getByTestId(`column-${status}`);

test('the server serves the app at / and any path outside the API, with a strict CSP; the API keeps its JSON 404', async ({
  request,
}) => {
  for (const path of ['/', '/projects/anything']) {
    const res = await request.get(`${APP.url}${path}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<div id="root"></div>');
    expect(res.headers()['cache-control']).toBe('no-cache');
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  }
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await request.get(APP.url)).text())![1];
  const asset = await request.get(`${APP.url}${script}`);
  expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  const api = await request.get(`${APP.url}/api/nothing-here`);
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ statusCode: 404 });
});

test('shares a project live: it appears when Alice adds Bob and goes when she removes him', async ({
  browser,
}) => {
  const [alice, bob] = await twoPeople(browser);
  const projectId = await createProject(alice.page, 'Launch plan');
  const item = bob.page.locator(`[data-testid="project-item"][data-project-id="${projectId}"]`);
  await expect(item).toHaveCount(0);
  await addMember(alice.page, bob.email);
  await expect(item).toHaveText(/Launch plan/);
  await openProject(bob.page, projectId);
  // Both online on the board, each shown once.
  await expect(alice.page.getByTestId('presence-user')).toHaveCount(2);
  await expect(bob.page.getByTestId('presence-user')).toHaveCount(2);

  // Alice opens the member list (by keyboard, as it must be usable that way) and removes Bob.
  await expect(alice.page.getByTestId('members-toggle')).toHaveText('2 members');
  await alice.page.getByTestId('members-toggle').focus();
  await alice.page.keyboard.press('Enter');
  const members = alice.page.getByTestId('member-item');
  await expect(members).toHaveCount(2);
  await expect(members.filter({ hasText: 'Owner' })).toContainText('Alice');
  const bobsRow = members.filter({ hasText: bob.email });
  // Only the owner's view offers Remove, and never for the owner's own row.
  await expect(alice.page.getByTestId('member-remove')).toHaveCount(1);
  // Tab reaches it; Escape closes the list and gives the focus back to the count.
  await alice.page.keyboard.press('Tab');
  await expect(bobsRow.getByTestId('member-remove')).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(members).toHaveCount(0);
  await expect(alice.page.getByTestId('members-toggle')).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await expect(members).toHaveCount(2);
  await bob.page.getByTestId('members-toggle').click();
  await expect(bob.page.getByTestId('member-item')).toHaveCount(2);
  await expect(bob.page.getByTestId('member-remove')).toHaveCount(0);
  if (process.env.UPDATE_SCREENSHOTS) {
    mkdirSync('../docs/screenshots', { recursive: true });
    await alice.page.screenshot({ path: '../docs/screenshots/members.png' });
  }
  await bobsRow.getByTestId('member-remove').click();
  await expect(item).toHaveCount(0);
  await expect(bob.page.getByTestId('notice').filter({ hasText: 'removed' })).toBeVisible();
  await expect(bob.page.getByTestId('column-todo')).toHaveCount(0);
  await expect(alice.page.getByTestId('presence-user')).toHaveCount(1);
  await expect(alice.page.getByTestId('member-item')).toHaveCount(1);
  await expect(alice.page.getByTestId('members-toggle')).toHaveText('1 member');
});

test('shows every change to the other user: a new card, a keyboard move and a drag-and-drop move, with versions', async ({
  browser,
}) => {
  const [alice, bob] = await twoPeople(browser);
  await sharedBoard(alice, bob, 'Sprint 12');
  for (const title of ['Write the brief', 'Design review', 'Ship it']) {
    await createTask(alice.page, title);
    await expect(card(bob.page, title)).toBeVisible();
  }
  await expect(column(bob.page, 'todo').getByTestId('task-card')).toHaveText([
    /Write the brief/,
    /Design review/,
    /Ship it/,
  ]);

  // Keyboard: focus the card, Alt+ArrowRight moves it to "In progress".
  const brief = card(alice.page, 'Write the brief');
  await brief.focus();
  await alice.page.keyboard.press('Alt+ArrowRight');
  await expect(column(alice.page, 'in-progress').getByTestId('task-card')).toHaveText([
    /Write the brief/,
  ]);
  await expect(card(bob.page, 'Write the brief')).toHaveAttribute('data-version', '2');
  await expect(column(bob.page, 'in-progress')).toContainText('Write the brief');
  // The focus stays on the moved card; Alt+ArrowDown within a column reorders.
  await expect(card(alice.page, 'Write the brief')).toBeFocused();
  await card(alice.page, 'Design review').focus();
  await alice.page.keyboard.press('Alt+ArrowDown');
  await expect(column(bob.page, 'todo').getByTestId('task-card')).toHaveText([
    /Ship it/,
    /Design review/,
  ]);

  // Drag and drop: Bob drags "Ship it" onto the "Done" column.
  const ship = card(bob.page, 'Ship it');
  await dragTo(bob.page, ship, column(bob.page, 'done'));
  await expect(column(alice.page, 'done')).toContainText('Ship it');
  await expect(card(alice.page, 'Ship it')).toHaveAttribute('data-version', '2');
  // ...and onto the top half of another card: placed before it.
  await dragTo(bob.page, card(bob.page, 'Design review'), card(bob.page, 'Write the brief'), 'top');
  await expect(column(alice.page, 'in-progress').getByTestId('task-card')).toHaveText([
    /Design review/,
    /Write the brief/,
  ]);
  await expect(card(alice.page, 'Design review')).toHaveAttribute('data-version', '3');

  if (process.env.UPDATE_SCREENSHOTS) {
    await card(alice.page, 'Write the brief').getByTestId('task-edit').click();
    await expect(card(bob.page, 'Write the brief').getByTestId('task-locked-by')).toBeVisible();
    mkdirSync('../docs/screenshots', { recursive: true });
    await bob.page.screenshot({ path: '../docs/screenshots/board-two-users.png' });
  }
});

test('the editor takes the lock: the other side sees who is editing and cannot move the card', async ({
  browser,
}) => {
  const [alice, bob] = await twoPeople(browser);
  const projectId = await sharedBoard(alice, bob, 'Locks');
  await createTask(alice.page, 'Contract draft');
  await card(alice.page, 'Contract draft').getByTestId('task-edit').click();
  const lockedBy = card(bob.page, 'Contract draft').getByTestId('task-locked-by');
  await expect(lockedBy).toHaveText(/Alice Martin is editing/);
  // A board opened after the lock was taken shows it too (it comes with the join).
  await bob.page.reload();
  await openProject(bob.page, projectId);
  await expect(lockedBy).toHaveText(/Alice Martin is editing/);

  // Bob tries to move it by keyboard and by dragging: refused, with a message, nothing moves.
  await card(bob.page, 'Contract draft').focus();
  await bob.page.keyboard.press('Alt+ArrowRight');
  await expect(
    bob.page.getByTestId('notice').filter({ hasText: 'Alice Martin is editing' }),
  ).toBeVisible();
  await dragTo(bob.page, card(bob.page, 'Contract draft'), column(bob.page, 'done'));
  await expect(column(bob.page, 'todo')).toContainText('Contract draft');
  await expect(card(bob.page, 'Contract draft')).toHaveAttribute('data-version', '1');
  // Opening the editor on his side is refused too.
  await card(bob.page, 'Contract draft').getByTestId('task-edit').click();
  await expect(
    bob.page.getByTestId('notice').filter({ hasText: 'is editing this task right now' }),
  ).toBeVisible();

  // Alice saves: the title changes for Bob and the lock is gone.
  await alice.page.getByTestId('task-title-input').fill('Contract, final draft');
  await alice.page.getByTestId('task-save').click();
  await expect(card(bob.page, 'Contract, final draft')).toHaveAttribute('data-version', '2');
  await expect(card(bob.page, 'Contract, final draft').getByTestId('task-locked-by')).toHaveCount(
    0,
  );
  // Bob can now edit and delete it; Alice sees it go.
  await card(bob.page, 'Contract, final draft').getByTestId('task-edit').click();
  await bob.page.getByTestId('task-delete').click();
  await expect(card(alice.page, 'Contract, final draft')).toHaveCount(0);
});

test('a tab left idle for 20 s with 5-second access tokens still works, without a reload', async ({
  browser,
}) => {
  const [alice, bob] = await twoPeople(browser, SHORT_TTL_APP.url);
  await sharedBoard(alice, bob, 'Idle');
  let reloads = 0;
  alice.page.on('load', () => reloads++);
  const refreshes: number[] = [];
  alice.page.on(
    'response',
    (r) => r.url().endsWith('/api/auth/refresh') && refreshes.push(r.status()),
  );
  await alice.page.waitForTimeout(20_000);
  await expectOnline(alice.page);
  await createTask(alice.page, 'Still here');
  await expect(card(bob.page, 'Still here')).toBeVisible();
  expect(reloads).toBe(0);
  // About one refresh per token lifetime, all accepted.
  expect(refreshes.length).toBeGreaterThanOrEqual(3);
  expect(refreshes.every((status) => status === 200)).toBe(true);
});

test.describe('behind a network the test can cut', () => {
  let proxy: CuttableProxy;
  test.beforeEach(async () => {
    proxy = new CuttableProxy(PROXY_PORT, APP.port);
    await proxy.listen();
  });
  test.afterEach(() => proxy.close());

  test('a person whose network drops catches up with every change when it comes back', async ({
    browser,
  }) => {
    const [alice, bob] = await bobBehind(proxy, browser);
    await sharedBoard(alice, bob, 'Field trip');
    for (const title of ['Tickets', 'Permission slips', 'Lunch'])
      await createTask(alice.page, title);
    await expect(bob.page.getByTestId('task-card')).toHaveCount(3);

    // The status dot says it in colour too: green when live, amber while reconnecting.
    const dot = (page: Page) =>
      page
        .getByTestId('connection-status')
        .locator('.status-dot')
        .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await dot(bob.page)).toBe('rgb(22, 163, 74)');
    proxy.goOffline();
    await bob.context.setOffline(true);
    await expect(bob.page.getByTestId('connection-status')).toHaveAttribute(
      'data-state',
      'reconnecting',
    );
    expect(await dot(bob.page)).toBe('rgb(217, 119, 6)');
    // Meanwhile Alice adds, moves, edits and deletes.
    await createTask(alice.page, 'Bus');
    await card(alice.page, 'Tickets').focus();
    await alice.page.keyboard.press('Alt+ArrowRight');
    await card(alice.page, 'Lunch').getByTestId('task-edit').click();
    await alice.page.getByTestId('task-title-input').fill('Packed lunch');
    await alice.page.getByTestId('task-save').click();
    await card(alice.page, 'Permission slips').getByTestId('task-edit').click();
    await alice.page.getByTestId('task-delete').click();
    await expect(alice.page.getByTestId('task-card')).toHaveCount(3);

    proxy.goOnline();
    await bob.context.setOffline(false);
    await expectOnline(bob.page);
    expect(await dot(bob.page)).toBe('rgb(22, 163, 74)');
    const board = async (page: Page) =>
      page
        .getByTestId('task-card')
        .evaluateAll((cards) =>
          cards.map((c) => `${c.textContent}@${c.getAttribute('data-version')}`),
        );
    await expect.poll(() => board(bob.page), { timeout: 15_000 }).toEqual(await board(alice.page));
    await expect(column(bob.page, 'in-progress')).toContainText('Tickets');
  });

  test('a move made while offline on a card someone else moved meanwhile is refused with CONFLICT; the board shows their move', async ({
    browser,
  }) => {
    const [alice, bob] = await bobBehind(proxy, browser);
    await sharedBoard(alice, bob, 'Conflicts');
    await createTask(alice.page, 'Venue');
    await expect(card(bob.page, 'Venue')).toHaveAttribute('data-version', '1');

    proxy.goOffline();
    await expect(bob.page.getByTestId('connection-status')).toHaveAttribute(
      'data-state',
      'reconnecting',
    );
    await card(alice.page, 'Venue').focus();
    await alice.page.keyboard.press('Alt+ArrowRight');
    await expect(column(alice.page, 'in-progress')).toContainText('Venue');
    // Bob, still seeing version 1, moves it to... the same column: it waits for the connection.
    await card(bob.page, 'Venue').focus();
    await bob.page.keyboard.press('Alt+ArrowRight');
    proxy.goOnline();
    await expect(
      bob.page
        .getByTestId('notice')
        .filter({ hasText: 'Someone changed this task just before you' }),
    ).toBeVisible();
    await expect(card(bob.page, 'Venue')).toHaveAttribute('data-version', '2');
    await expect(card(alice.page, 'Venue')).toHaveAttribute('data-version', '2');
  });
});

test('a full board refuses one more card with a short LIMIT_EXCEEDED message', async ({
  browser,
}) => {
  const alice = await signedUp(browser, SHORT_TTL_APP.url, 'Alice Martin');
  people.push(alice);
  await createProject(alice.page, 'Small board');
  for (const title of ['One', 'Two', 'Three']) await createTask(alice.page, title);
  await alice.page.getByTestId('task-new-title').fill('Four');
  await alice.page.getByTestId('task-create').click();
  await expect(alice.page.getByTestId('notice')).toContainText('Limit reached');
  await expect(alice.page.getByTestId('task-card')).toHaveCount(3);
  // What was typed is kept, to try again later.
  await expect(alice.page.getByTestId('task-new-title')).toHaveValue('Four');
});

test('works from the keyboard alone: add a card, open it, rename it, move it', async ({
  browser,
}) => {
  const alice = await signedUp(browser, APP.url, 'Alice Martin');
  people.push(alice);
  await createProject(alice.page, 'Keyboard');
  const { page } = alice;
  await page.getByTestId('task-new-title').focus();
  await page.keyboard.type('Typed card');
  await page.keyboard.press('Enter');
  await expect(card(page, 'Typed card')).toBeVisible();
  // Tab from the form reaches the card; Enter opens it; the title field has the focus.
  await page.keyboard.press('Tab');
  await expect(card(page, 'Typed card')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('task-title-input')).toBeFocused();
  await expect(page.getByTestId('task-save')).toBeEnabled();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Renamed by keyboard');
  await page.keyboard.press('Enter');
  await expect(card(page, 'Renamed by keyboard')).toHaveAttribute('data-version', '2');
  // The focus comes back to the card; Escape closes an editor without saving.
  await expect(card(page, 'Renamed by keyboard')).toBeFocused();
  await page.keyboard.press('Alt+ArrowRight');
  await expect(column(page, 'in-progress')).toContainText('Renamed by keyboard');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(card(page, 'Renamed by keyboard')).toHaveAttribute('data-version', '3');
  // Every form control has a name a screen reader can say.
  for (const control of await page.locator('input, textarea, button').all()) {
    expect(
      await control.evaluate(
        (el) =>
          (el as HTMLElement).innerText ||
          el.getAttribute('aria-label') ||
          (el as HTMLInputElement).labels?.[0]?.textContent ||
          '',
      ),
    ).not.toBe('');
  }
});

test('says why it is not connected when the server limits handshakes, and still lists projects', async ({
  browser,
}) => {
  const alice = await signedUp(browser, THROTTLED_APP.url, 'Alice Martin');
  people.push(alice);
  await createProject(alice.page, 'Behind a NAT');
  // Sign-up was the first handshake of the minute, this reload the second, the next is refused.
  await alice.page.reload();
  await expectOnline(alice.page);
  await alice.page.reload();
  const status = alice.page.getByTestId('connection-status');
  await expect(status).toContainText('too many connections from your network');
  await expect(status).not.toHaveAttribute('data-state', 'online');
  // REST needs no socket: the list is there.
  await expect(alice.page.getByTestId('project-item')).toHaveText(/Behind a NAT/);
});

test('tabs opened at the same moment take turns refreshing the shared cookie: nobody is signed out', async ({
  browser,
}) => {
  const alice = await signedUp(browser, APP.url, 'Alice Martin');
  people.push(alice);
  // Each tab signs in again from the one refresh cookie; at once, two would present the same
  // token and the server would revoke the session as stolen. (Two tabs: each holds two sockets,
  // and WS_MAX_CONNECTIONS_PER_USER allows five.)
  // A race: eight rounds of two tabs opened at once. A token presented twice revokes the whole
  // session, so the next round (or the project made at the end) could not sign in again; the
  // rounds open no board, which would spend the per-user budget of joins (10 in 10 s).
  await alice.page.close();
  let tabs: Page[] = [];
  for (let round = 1; round <= 8; round++) {
    await Promise.all(tabs.map((tab) => tab.close()));
    tabs = await Promise.all([1, 2].map(() => alice.context.newPage()));
    await Promise.all(tabs.map((tab) => tab.goto('/')));
    for (const tab of tabs) await expectOnline(tab);
  }
  // Both tabs of the last round still have a good session.
  await createProject(tabs[0], 'Made by the first tab');
  await createProject(tabs[1], 'Made by the second tab');
  await expect(tabs[1].getByTestId('project-item')).toHaveText([/first tab/, /second tab/]);
});

test('a project created while the list is still loading stays in the list and open', async ({
  browser,
}) => {
  const alice = await signedUp(browser, APP.url, 'Alice Martin');
  people.push(alice);
  // The page's first listing is read at once but answered late: the create comes between.
  let slowed = false;
  await alice.page.route('**/api/projects', async (route) => {
    if (route.request().method() !== 'GET' || slowed) return route.continue();
    slowed = true;
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.fulfill({ response });
  });
  await alice.page.reload();
  await expectOnline(alice.page);
  await createProject(alice.page, 'Made early');
  await alice.page.waitForTimeout(2_000); // the slow listing has come and gone
  await expect(alice.page.getByTestId('project-item')).toHaveText([/Made early/]);
  await expect(alice.page.getByRole('heading', { level: 1, name: 'Made early' })).toBeVisible();
});

test('signing out in one tab signs out the other tab of that session', async ({ browser }) => {
  const alice = await signedUp(browser, APP.url, 'Alice Martin');
  people.push(alice);
  const otherTab = await alice.context.newPage();
  await otherTab.goto('/');
  await expectOnline(otherTab);
  await expect(otherTab.locator('.account-name')).toHaveText('Alice Martin');

  await alice.page.getByTestId('signout').click();
  await expect(alice.page.getByTestId('auth-login')).toBeVisible();
  await expect(otherTab.getByTestId('connection-status')).toHaveAttribute(
    'data-state',
    'signedOut',
  );
  await expect(otherTab.getByTestId('auth-login')).toBeVisible();
  await expect(otherTab.locator('.banner')).toContainText('signed out in another tab');
  // And a reload does not bring the session back: the cookie is gone.
  await otherTab.reload();
  await expect(otherTab.getByTestId('auth-login')).toBeVisible();
});

test('a page from another origin cannot open a socket or refresh with the cookie; the app itself can', async ({
  browser,
}) => {
  const site = await foreignSite(FOREIGN_PORT);
  try {
    const alice = await signedUp(browser, APP.url, 'Alice Martin');
    people.push(alice);
    const cookie = async () =>
      (await alice.context.cookies(`${APP.url}/api/auth/refresh`)).find(
        (c) => c.name === 'collabcampus_refresh',
      );
    const before = await cookie();
    expect(before).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });

    const attempt = (page: Page) =>
      page.evaluate(async (api) => {
        const result = { refresh: '', socket: '' };
        try {
          const res = await fetch(`${api}/api/auth/refresh`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json', 'X-Refresh-Mode': 'cookie' },
            body: '{}',
          });
          result.refresh = String(res.status);
        } catch {
          result.refresh = 'blocked';
        }
        // A "simple" request needs no preflight: the browser sends it, cookie and all.
        await fetch(`${api}/api/auth/refresh`, {
          method: 'POST',
          credentials: 'include',
          mode: 'no-cors',
          body: '{}',
        }).catch(() => undefined);
        result.socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(
            `${api.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
          );
          ws.onopen = () => {
            ws.close();
            resolve('open');
          };
          ws.onerror = () => resolve('refused');
        });
        return result;
      }, APP.url);

    const hostile = await alice.context.newPage();
    for (const origin of [`http://localhost:${FOREIGN_PORT}`, `http://127.0.0.1:${FOREIGN_PORT}`]) {
      await hostile.goto(origin);
      expect(await attempt(hostile)).toEqual({ refresh: 'blocked', socket: 'refused' });
    }
    // Nothing was rotated or revoked: the cookie is the same and the app still works.
    expect((await cookie())?.value).toBe(before!.value);
    await createProject(alice.page, 'Still mine');

    // The control: the app's own origin can do both (and rotates the cookie).
    expect(await attempt(alice.page)).toEqual({ refresh: '200', socket: 'open' });
    expect((await cookie())?.value).not.toBe(before!.value);
  } finally {
    site.close();
  }
});

/** Alice on the app, Bob reaching it through `proxy`: his network is the test's to cut. */
async function bobBehind(
  proxy: CuttableProxy,
  browser: Parameters<typeof signedUp>[0],
): Promise<[Person, Person]> {
  const alice = await signedUp(browser, APP.url, 'Alice Martin');
  const bob = await signedUp(browser, `http://localhost:${proxy.port}`, 'Bob Chen');
  people.push(alice, bob);
  return [alice, bob];
}

/** A real pointer drag: press, move in steps (dnd-kit starts after 5 px), release. */
async function dragTo(
  page: Page,
  from: ReturnType<Page['locator']>,
  to: ReturnType<Page['locator']>,
  where: 'top' | 'middle' = 'middle',
): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + 12);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 10, a.y + 20, { steps: 5 });
  const y = where === 'top' ? b.y + 4 : b.y + b.height / 2;
  await page.mouse.move(b.x + b.width / 2, y, { steps: 15 });
  await page.mouse.up();
}
