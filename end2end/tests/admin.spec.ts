import { test, expect, signIn, hydrated, expectAccessible, DEMO_ADMIN } from './fixtures';
import { DEMO_CUSTOMERS } from '../playwright.config';

test('admin signs in with the demo credentials and sees the seeded customer count', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const count = page.getByTestId('customer-count');
  await expect(count).toHaveAttribute('data-value', String(DEMO_CUSTOMERS));
  await expect(count).toHaveText('1,500');
  await expect(page.getByTestId('new-customers-chart')).toBeVisible();
});

test('a wrong password shows an error and starts no session', async ({ page, context }) => {
  await signIn(page, DEMO_ADMIN.email, 'not the password at all');
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(page).toHaveURL(/\/admin\/login/);
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === 'clientele_admin')).toBeUndefined();
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin/);
});

test('an unauthenticated visit to an admin page lands on the sign-in page and returns there after', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin%2Fusers/);
  await expect(page.getByRole('heading', { name: 'Sign in to Clientele Admin' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('cell', { name: DEMO_ADMIN.email })).toBeVisible();
});

test('the dashboard is hydrated: the chart/table switch works without a page load', async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId('new-customers-chart')).toBeVisible();
  await hydrated(page);
  await page.evaluate(() => ((window as any).__no_reload_marker = 'still here'));
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  await page.getByRole('button', { name: 'Show as table' }).click();
  await expect(page.getByTestId('new-customers-table')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Show as chart' })).toHaveAttribute('aria-pressed', 'true');
  expect(await page.evaluate(() => (window as any).__no_reload_marker)).toBe('still here');
  expect(navigations).toBe(0);
});

test('signing out ends the session and the back button shows nothing private', async ({ page, request }) => {
  await signIn(page);
  await expect(page.getByTestId('customer-count')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/admin\/login\?signed_out=1/);
  await expect(page.getByRole('status')).toContainText('You have signed out.');
  await page.goBack();
  await expect(page).toHaveURL(/\/admin\/login/);
  await expect(page.getByTestId('customer-count')).toHaveCount(0);
  const me = await page.evaluate(async () => (await fetch('/api/admin/me/current', { method: 'POST' })).status);
  expect(me).toBe(401);
});

test('server functions refuse callers without a session, and cross-site callers, over HTTP', async ({ request, baseURL }) => {
  const anonymous = await request.post('/api/admin/users/list', { headers: { Origin: baseURL! } });
  expect(anonymous.status()).toBe(401);
  const crossSite = await request.post('/api/admin/auth/sign_in', {
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    form: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  });
  expect(crossSite.status()).toBe(403);
  expect(crossSite.headers()['set-cookie']).toBeUndefined();
});

test('a role without the Admin Users permission neither sees nor reaches that area', async ({ page, browser }) => {
  const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
  await signIn(page);
  await expect(page.getByTestId('customer-count')).toBeVisible();
  // A role that may only use customers.
  await page.goto('/admin/roles/new');
  await hydrated(page);
  await page.getByLabel('Role name').fill(`Support ${stamp}`);
  await page.getByLabel('All Customers').check();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/admin\/roles$/);
  await expect(page.getByRole('link', { name: `Support ${stamp}` })).toBeVisible();
  // A user with that role.
  await page.goto('/admin/users/new');
  await hydrated(page);
  const email = `support-${stamp}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('First name').fill('Sam');
  await page.getByLabel('Last name').fill('Support');
  await page.getByLabel('Role').selectOption({ label: `Support ${stamp}` });
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('at least 12 characters');
  await page.getByLabel('Password').fill('support staff passphrase');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('cell', { name: email })).toBeVisible();

  const other = await browser.newContext();
  const support = await other.newPage();
  await signIn(support, email, 'support staff passphrase');
  await expect(support.getByTestId('customer-count')).toBeVisible();
  await expect(support.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Admin Users' })).toHaveCount(0);
  const res = await support.goto('/admin/users');
  expect(res?.status()).toBe(403);
  await expect(support.getByRole('heading', { name: 'Access denied' })).toBeVisible();
  await expectAccessible(support);
  await other.close();
});

test('the sign-in page and the dashboard render in Italian and in Dutch', async ({ page }) => {
  await page.goto('/admin/login');
  await hydrated(page);
  await page.getByLabel('Language').selectOption('it');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Accedi a Clientele Admin');
  await expect(page.locator('html')).toHaveAttribute('lang', 'it');
  await expectAccessible(page);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Accedi a Clientele Admin');
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await expect(page.getByRole('heading', { name: 'Clienti', exact: true })).toBeVisible();
  await expect(page.getByTestId('customer-count')).toHaveText('1.500');
  await expect(page.getByRole('button', { name: 'Mostra come tabella' })).toBeVisible();
  await expectAccessible(page);

  await hydrated(page);
  await page.getByLabel('Lingua').selectOption('nl');
  await expect(page.getByRole('heading', { name: 'Klanten', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Toon als tabel' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Nieuwe klanten per dag' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
});

test('the browser language decides when nothing was chosen', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'nl-NL' });
  const page = await context.newPage();
  await page.goto('/admin/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inloggen bij Clientele Beheer');
  await expectAccessible(page);
  await context.close();
});

test('sign-in works with JavaScript disabled, errors included', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/admin/users');
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill('wrong wrong wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/failed=1/);
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Admin Users' })).toBeVisible();
  // axe-core needs scripts to run; these pages are scanned with scripts on in the tests above.
  await context.close();
});
