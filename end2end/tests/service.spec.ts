// Customer service tools: Now Online updating live while a customer signs in, a visitor browses
// and both go idle; Login as Customer with consent, the banner and "End session", a refusal
// without consent, a role without the permission, and the log.
import { test, expect, hydrated, adminPage, settings, register, customerSignIn, expectAccessible, signIn } from './fixtures';
import type { Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

let n = 0;
const freshEmail = (tag: string) => `${tag}.${Date.now()}.${n++}@example.com`;

/** The open Now Online page's counts, as it shows them. */
async function counts(admin: Page) {
  const summary = admin.getByTestId('online-summary');
  return {
    customers: Number(await summary.getAttribute('data-customers')),
    visitors: Number(await summary.getAttribute('data-visitors')),
  };
}

test('Now Online shows a customer who signs in without a reload, counts visitors, and drops the idle', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const admin = await adminPage(browser);
  await settings(admin, { require_confirmation: false, online_minutes: 1 });
  try {
    await admin.goto('/admin/now-online');
    await hydrated(admin);
    await expectAccessible(admin);
    // Marks this document: a reload would lose it.
    await admin.evaluate(() => ((window as any).__still_here = true));

    // Another browser: a customer registers (signed in at once) and views their account.
    const shopper = await browser.newContext();
    const customer = await shopper.newPage();
    const email = freshEmail('online');
    await register(customer, email);
    await expect(customer).toHaveURL(/\/customer\/account\/\?welcome=1/);
    const row = admin.getByTestId('online-grid').getByRole('row').filter({ hasText: email });
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row).toContainText('Customer');
    // The page they moved to in the browser (no page load): its calls name it.
    await expect(row).toContainText('/customer/account/?welcome=1');
    expect(await admin.evaluate(() => (window as any).__still_here)).toBe(true);

    // A third browser, behind the same address with the same user agent: a visitor browsing
    // pages is counted, as a visitor of their own (the page they are on tells them apart).
    const browsing = await browser.newContext();
    const visitor = await browsing.newPage();
    const tag = `seen${Date.now()}`;
    await visitor.goto('/');
    await visitor.goto(`/customer/account/login?${tag}`);
    const visitorRow = admin.getByTestId('online-grid').getByRole('row').filter({ hasText: tag });
    await expect(visitorRow).toBeVisible({ timeout: 20_000 });
    await expect(visitorRow).toContainText('Visitor');
    // Still the customer: the visitor's first, cookie-less view did not take their row.
    await expect(row).toContainText('Customer');
    const now = await counts(admin);
    expect(now.customers).toBeGreaterThanOrEqual(1);
    expect(now.visitors).toBeGreaterThanOrEqual(1);

    // The dashboard shows the counts too, live.
    const dash = await (await browser.newContext()).newPage();
    await signIn(dash);
    await dash.waitForURL(/\/admin$/);
    await expect(dash.getByTestId('online-customers')).toBeVisible();
    await expect.poll(async () => Number(await dash.getByTestId('online-customers').getAttribute('data-value')), { timeout: 20_000 }).toBeGreaterThan(0);

    // Nobody does anything for the interval (one minute here): the customer drops off the open page.
    await expect(row).toHaveCount(0, { timeout: 100_000 });
    expect(await admin.evaluate(() => (window as any).__still_here)).toBe(true);
    await shopper.close();
    await browsing.close();
    await dash.close();
  } finally {
    await settings(admin, { require_confirmation: true, online_minutes: 15 });
    await admin.close();
  }
  await page.goto('/');
});

test('Login as Customer: consent, banner, end session, refusals and the log', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const admin = await adminPage(browser);
  await settings(admin, { require_confirmation: false, assist_enabled: true, assist_consent_required: true });
  try {
    // A customer who allows remote shopping assistance, and one who does not.
    const yes = freshEmail('assist-yes');
    const no = freshEmail('assist-no');
    const c1 = await browser.newContext();
    const p1 = await c1.newPage();
    await p1.goto('/customer/account/create');
    await hydrated(p1);
    await p1.locator('#f-firstname').fill('Ada');
    await p1.locator('#f-lastname').fill('Consenting');
    await p1.locator('#f-email').fill(yes);
    await p1.locator('#f-password').fill('copper kettle lantern');
    await p1.locator('#f-password_confirmation').fill('copper kettle lantern');
    await p1.getByLabel('Allow remote shopping assistance').check();
    await p1.getByRole('button', { name: 'Create an Account' }).click();
    await expect(p1).toHaveURL(/\/customer\/account\/\?welcome=1/);
    const c2 = await browser.newContext();
    const p2 = await c2.newPage();
    await register(p2, no);
    await expect(p2).toHaveURL(/\/customer\/account\/\?welcome=1/);

    // From the grid's row action: a refusal without consent, shown where the admin is.
    await admin.goto(`/admin/customers?q=${encodeURIComponent(no)}`);
    await hydrated(admin);
    await admin.getByRole('row').filter({ hasText: no }).getByTestId('login-as-customer').click();
    await expect(admin.getByTestId('assist-refused')).toContainText('has not enabled "Allow remote shopping assistance"');

    // With consent: confirm, and the storefront opens in a new tab as that customer.
    await admin.goto(`/admin/customers?q=${encodeURIComponent(yes)}`);
    await hydrated(admin);
    await admin.getByRole('row').filter({ hasText: yes }).getByRole('link', { name: 'Edit' }).click();
    await expect(admin).toHaveURL(/\/admin\/customers\/\d+$/);
    const customerPath = new URL(admin.url()).pathname;
    await hydrated(admin);
    await admin.getByTestId('login-as-customer').click();
    await expect(admin.getByRole('alertdialog')).toContainText(yes);
    await expectAccessible(admin);
    const [tab] = await Promise.all([admin.context().waitForEvent('page'), admin.getByTestId('assist-open').click()]);
    await tab.waitForLoadState();
    await expect(tab).toHaveURL(/\/customer\/account\/$/);
    await hydrated(tab);
    await expect(tab.getByTestId('assist-banner')).toContainText('You are connected as Ada Consenting');
    await expect(tab.getByRole('heading', { name: 'My Account' })).toBeVisible();
    await expectAccessible(tab);
    // Every page carries the banner.
    await tab.goto('/');
    await expect(tab.getByTestId('assist-banner')).toBeVisible();
    // End session returns to the customer in the back office; the storefront is the admin's own again.
    await tab.getByTestId('assist-end').click();
    await expect(tab).toHaveURL(new RegExp(`${customerPath}$`));
    await tab.goto('/');
    await expect(tab.getByTestId('assist-banner')).toHaveCount(0);
    await tab.close();

    // The log lists the session with its start and end.
    await admin.goto(`/admin/login-as-customer-log?customer=${encodeURIComponent(yes)}`);
    await hydrated(admin);
    const logged = admin.getByTestId('assist-log-row').filter({ hasText: yes });
    await expect(logged).toHaveCount(1);
    await expect(logged).toHaveAttribute('data-active', 'false');
    await expect(logged).toContainText('ended by staff');
    // Who, when it started and ended (a date and time each), and from which address.
    await expect(logged.locator('td').nth(0)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await expect(logged.locator('td').nth(1)).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await expect(logged.locator('td').nth(2)).toContainText('admin@example.com');
    await expect(logged.locator('td').nth(4)).toHaveText(/127\.0\.0\.1|::1/);
    await expectAccessible(admin);

    // A role without the Login as Customer permission: no button, and the server functions refuse.
    const stamp = Date.now().toString(36);
    await admin.goto('/admin/roles/new');
    await hydrated(admin);
    await admin.getByLabel('Role name').fill(`Service ${stamp}`);
    await admin.getByLabel('All Customers').check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await expect(admin).toHaveURL(/\/admin\/roles$/);
    await admin.goto('/admin/users/new');
    await hydrated(admin);
    const staff = `service-${stamp}@example.com`;
    await admin.getByLabel('Email').fill(staff);
    await admin.getByLabel('First name').fill('Sam');
    await admin.getByLabel('Last name').fill('Service');
    await admin.getByLabel('Role').selectOption({ label: `Service ${stamp}` });
    await admin.getByLabel('Password').fill('service staff passphrase');
    await admin.getByRole('button', { name: 'Save' }).click();
    await expect(admin).toHaveURL(/\/admin\/users$/);
    const other = await browser.newContext();
    const limited = await other.newPage();
    await signIn(limited, staff, 'service staff passphrase');
    await limited.waitForURL(/\/admin$/);
    await limited.goto(customerPath);
    await hydrated(limited);
    await expect(limited.getByRole('button', { name: 'Save Customer' })).toBeVisible();
    await expect(limited.getByTestId('login-as-customer')).toHaveCount(0);
    const id = Number(customerPath.split('/').pop());
    const origin = new URL(limited.url()).origin;
    const check = await limited.request.post('/api/admin/login-as-customer/check', {
      headers: { Origin: origin, 'Content-Type': 'application/json' },
      data: { customer: id },
    });
    expect(check.status()).toBe(403);
    const start = await limited.request.post('/api/admin/login-as-customer/start', {
      headers: { Origin: origin, Accept: 'application/json' },
      form: { customer: String(id) },
    });
    expect(start.status()).toBe(403);
    await other.close();
    await c1.close();
    await c2.close();
  } finally {
    await settings(admin, { require_confirmation: true, assist_enabled: false });
    await admin.close();
  }
  await page.goto('/');
});
