import {
  type Browser,
  type BrowserContext,
  expect,
  type Locator,
  type Page,
} from '@playwright/test';

let counter = 0;

export interface Person {
  name: string;
  email: string;
  password: string;
  context: BrowserContext;
  page: Page;
}

/** A person with their own browser context (their own cookies), signed up on `baseUrl`. */
export async function signedUp(browser: Browser, baseUrl: string, name: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}.${counter++}@example.com`;
  const person = { name, email, password: 'correct horse battery', context, page };
  await page.goto('/');
  await page.getByRole('button', { name: 'Create account' }).first().click();
  await page.getByTestId('auth-name').fill(name);
  await page.getByTestId('auth-email').fill(email);
  await page.getByTestId('auth-password').fill(person.password);
  await page.getByTestId('auth-register').click();
  await expectOnline(page);
  return person;
}

export const expectOnline = (page: Page): Promise<void> =>
  expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'online');

/** Creates a project from the sidebar; resolves with its id once its board is open. */
export async function createProject(page: Page, name: string): Promise<string> {
  await page.getByTestId('project-new-name').fill(name);
  await page.getByTestId('project-create').click();
  const item = page.locator('[data-testid="project-item"][aria-current="page"]');
  await expect(item).toHaveText(new RegExp(name));
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  return (await item.getAttribute('data-project-id'))!;
}

export async function openProject(page: Page, projectId: string): Promise<void> {
  await page.locator(`[data-testid="project-item"][data-project-id="${projectId}"]`).click();
  await expect(page.getByTestId('column-todo')).toBeVisible();
}

export async function addMember(page: Page, email: string): Promise<void> {
  await page.getByTestId('member-email').fill(email);
  await page.getByTestId('member-add').click();
  await expect(page.getByTestId('notice').filter({ hasText: email })).toBeVisible();
}

export async function createTask(page: Page, title: string): Promise<Locator> {
  await page.getByTestId('task-new-title').fill(title);
  await page.getByTestId('task-create').click();
  const created = card(page, title);
  await expect(created).toBeVisible();
  return created;
}

export const card = (page: Page, title: string): Locator =>
  page.getByTestId('task-card').filter({ hasText: title });

/** A shared board: Alice owns it, Bob was added by email; both have it open. */
export async function sharedBoard(alice: Person, bob: Person, name: string): Promise<string> {
  const projectId = await createProject(alice.page, name);
  await addMember(alice.page, bob.email);
  const item = bob.page.locator(`[data-testid="project-item"][data-project-id="${projectId}"]`);
  await expect(item).toBeVisible();
  await openProject(bob.page, projectId);
  return projectId;
}
