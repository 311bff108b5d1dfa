// All Customers and the customer page, in a browser: URL-held grid state, columns and saved views,
// mass actions, inline edit, export, and creating and editing a customer.
import * as fs from 'node:fs';
import { test, expect, signIn, hydrated } from './fixtures';
import type { Page } from '@playwright/test';

// One admin's saved views and shared customers: these run one after another.
test.describe.configure({ mode: 'serial' });

async function openGrid(page: Page, query = '') {
  await page.goto(`/admin/customers${query ? '?' + query : ''}`);
  await hydrated(page);
  await expect(page.locator('p.total')).toBeVisible();
}

async function total(page: Page): Promise<number> {
  return Number(await page.locator('p.total').getAttribute('data-total'));
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/admin$/);
});

test('filter, sort and keyword narrow the grid, and the URL brings the state back', async ({ page }) => {
  await openGrid(page);
  const all = await total(page);
  expect(all).toBeGreaterThanOrEqual(1500);
  await page.locator('#grid-keyword').fill('rossi');
  await page.locator('#grid-keyword').press('Enter');
  await expect(page).toHaveURL(/q=rossi/);
  // The URL changes before the grid's new answer arrives: wait for the total to follow.
  await expect.poll(() => total(page)).toBeLessThan(all);
  const rossi = await total(page);
  expect(rossi).toBeGreaterThan(0);
  expect(rossi).toBeLessThan(all);
  await page.getByLabel('Filter Country').selectOption('IT');
  await expect(page).toHaveURL(/f\.country=IT/);
  await page.locator('th button[data-column=email]').click();
  await expect(page).toHaveURL(/sort=email/);
  await page.locator('th button[data-column=email]').click();
  await expect(page).toHaveURL(/dir=desc/);
  // As above, the URL changes before the grid's answer: wait for the rows to follow it.
  const cells = page.locator('tbody td[data-column=email]');
  await expect.poll(async () => {
    const shown = await cells.allTextContents();
    return shown.length > 1 && [...shown].sort().reverse().join() === shown.join();
  }).toBe(true);
  const emails = await cells.allTextContents();
  expect(emails.length).toBeGreaterThan(1);
  expect(emails.every((e) => e.includes('rossi'))).toBe(true);
  expect([...emails].sort().reverse()).toEqual(emails);
  const countries = await page.locator('tbody td[data-column=country]').allTextContents();
  expect(new Set(countries)).toEqual(new Set(['Italy']));
  const url = page.url();
  const narrowed = await total(page);
  // A reload, and a link opened fresh, restore the same page.
  await page.reload();
  await hydrated(page);
  expect(await total(page)).toBe(narrowed);
  expect(await page.locator('tbody td[data-column=email]').allTextContents()).toEqual(emails);
  await expect(page.locator('#grid-keyword')).toHaveValue('rossi');
  await expect(page.getByLabel('Filter Country')).toHaveValue('IT');
  // Back goes to the previous state of the grid.
  await page.goBack();
  await expect(page).not.toHaveURL(url);
  await page.goForward();
  await expect(page).toHaveURL(url);
  await expect(page.locator('th[aria-sort=descending] button[data-column=email]')).toBeVisible();
});

test('the column chooser and a saved view persist across reloads', async ({ page }) => {
  await openGrid(page);
  await page.locator('summary', { hasText: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'City', exact: true }).check();
  await expect(page).toHaveURL(/cols=.*city/);
  await page.getByRole('checkbox', { name: 'Phone', exact: true }).uncheck();
  await expect(page).not.toHaveURL(/telephone/);
  await expect(page.locator('th button[data-column=city]')).toBeVisible();
  await expect(page.locator('th button[data-column=telephone]')).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(page.locator('th button[data-column=city]')).toBeVisible();
  await expect(page.locator('th button[data-column=telephone]')).toHaveCount(0);
  // Save it as a view that opens by default.
  await page.locator('summary', { hasText: 'Save view as' }).click();
  await page.getByLabel('View name').fill('Cities');
  await page.getByLabel('Open the grid with this view').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#grid-view option', { hasText: 'Cities' })).toHaveCount(1);
  // The plain grid URL now opens the default view.
  await page.goto('/admin/customers');
  await hydrated(page);
  await expect(page).toHaveURL(/cols=.*city/);
  await expect(page.locator('th button[data-column=city]')).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.locator('#grid-view')).toHaveValue(/city/);
  // Choosing the default view and deleting the saved one.
  await page.getByRole('button', { name: 'Delete this view' }).click();
  await expect(page.locator('#grid-view option', { hasText: 'Cities' })).toHaveCount(0);
  await page.goto('/admin/customers');
  await hydrated(page);
  await expect(page.locator('th button[data-column=telephone]')).toBeVisible();
});

test('mass-assign a group to every row matching a filter', async ({ page }) => {
  await openGrid(page, 'f.id=1..60&f.group=1');
  const n = await total(page);
  expect(n).toBeGreaterThan(10);
  await page.getByLabel('Actions').selectOption('assign_group');
  await page.locator('#mass-group').selectOption({ label: 'Wholesale' });
  await page.getByRole('checkbox', { name: /Select all .* matching/ }).check();
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByRole('alertdialog')).toContainText(`Move ${n} customers to Wholesale?`);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('grid-result')).toHaveText(`${n} customers moved to Wholesale.`);
  await expect(page.locator('p.total')).toHaveAttribute('data-total', '0');
  await openGrid(page, 'f.id=1..60&f.group=2');
  expect(await total(page)).toBeGreaterThanOrEqual(n);
});

test('inline edit with a bad email shows the error and saves nothing', async ({ page }) => {
  await openGrid(page, 'f.id=100..100');
  const row = page.locator('tbody tr[data-id="100"]');
  const before = await row.locator('td[data-column=email]').textContent();
  await row.getByRole('button', { name: 'Quick edit' }).click();
  const email = row.getByLabel('Email');
  await email.fill('not-an-email@');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row.locator('td[data-column=email] .field-error')).toContainText('valid email');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await page.reload();
  await hydrated(page);
  await expect(page.locator('tbody tr[data-id="100"] td[data-column=email]')).toHaveText(before!);
});

test('export downloads a CSV with one row per customer in the grid total', async ({ page }) => {
  await openGrid(page, 'f.country=NL&f.newsletter=yes&cols=id,name,email,country,newsletter');
  const n = await total(page);
  expect(n).toBeGreaterThan(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const file = await download.path();
  const lines = fs.readFileSync(file!, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('ID,Name,Email,Country,Newsletter');
  expect(lines.length - 1).toBe(n);
});

test('a customer created with an address is in the grid at once, and can be edited', async ({ page }) => {
  const email = `e2e.${Date.now()}@example.nl`;
  await page.goto('/admin/customers/new');
  await hydrated(page);
  await page.getByLabel('First Name').fill('Fenna');
  await page.getByLabel('Last Name').fill('Visser');
  await page.getByLabel('Email').fill(email);
  // The same rules as the server, before anything is sent.
  await page.getByLabel('Date of Birth').fill('2099-01-01');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page.locator('#customer-dob-error')).toHaveText('The date of birth must be in the past.');
  await page.getByLabel('Date of Birth').fill('1991-05-17');
  await page.getByRole('tab', { name: 'Addresses' }).click();
  await page.getByRole('button', { name: 'Add New Address' }).click();
  const address = page.locator('fieldset.address').first();
  await address.getByRole('textbox', { name: 'Street Address 1' }).fill('Prinsengracht 263');
  await address.getByLabel('City').fill('Amsterdam');
  await address.getByLabel('Country').selectOption('NL');
  await address.getByLabel('ZIP').fill('1016 GV');
  await address.getByLabel('Phone').fill('+31 20 555 0101');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page).toHaveURL(/\/admin\/customers\/\d+/);
  const id = page.url().match(/customers\/(\d+)/)![1];
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fenna Visser');
  await expect(page.locator('dl.summary')).toContainText('Prinsengracht 263, Amsterdam, 1016 GV, Netherlands');
  // Edit: the address moves to Utrecht.
  await page.getByRole('tab', { name: 'Addresses' }).click();
  await page.locator('fieldset.address').first().getByLabel('City').fill('Utrecht');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page.getByText('The customer is saved.')).toBeVisible();
  // The grid has it straight away, with the new city.
  await openGrid(page, `q=${encodeURIComponent(email)}&cols=id,email,city`);
  await expect(page.locator('p.total')).toHaveAttribute('data-total', '1');
  await expect(page.locator(`tbody tr[data-id="${id}"] td[data-column=city]`)).toHaveText('Utrecht');
});

test('customer groups: add, search, sort, and delete moving customers to the default group', async ({ page }) => {
  const code = `E2E ${Date.now() % 100000}`;
  await page.goto('/admin/groups');
  await hydrated(page);
  await page.getByRole('button', { name: 'Add New Customer Group' }).click();
  await page.getByLabel('Group', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('The customer group is saved.')).toBeVisible();
  await expect(page.getByRole('cell', { name: code, exact: true })).toBeVisible();
  // A duplicate code, in other letter case, is refused with a clear message.
  await page.getByRole('button', { name: 'Add New Customer Group' }).click();
  await page.getByLabel('Group', { exact: true }).fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'already exists' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByLabel('Search').fill('e2e');
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await page.getByLabel('Search').fill('');
  await page.getByRole('button', { name: 'Group', exact: true }).click();
  await page.getByRole('button', { name: 'Group', exact: true }).click();
  await expect(page.locator('th[aria-sort=descending]')).toHaveCount(1);
  await page.getByRole('checkbox', { name: `Select ${code}` }).check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Delete 1 groups?');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Deleted; 0 customers moved to the default group.')).toBeVisible();
  await expect(page.getByRole('cell', { name: code, exact: true })).toHaveCount(0);
});
