// Customer segments from the staff's side: build a nested segment in the editor and watch the
// exact count change with every condition (no page load), switch to the text form and back, save,
// open Matched Customers and export them (one row per member). A customer who orders through the
// API joins the segment open in the editor within seconds, with no page load.
import { test, expect, hydrated, adminPage, register, expectAccessible } from './fixtures';
import * as fs from 'node:fs';

/** The live count's "N of M customers match": N, once the count has settled on a number. */
async function members(live: import('@playwright/test').Locator): Promise<number> {
  await expect(live).toContainText(/\d+ of \d+ customers match/);
  return Number((await live.textContent())!.match(/(\d+) of \d+ customers match/)![1]);
}

test('a nested segment is counted live, reads as text and back, and lists its members', async ({ browser }) => {
  const page = await adminPage(browser);
  await page.goto('/admin/segments');
  await hydrated(page);
  await page.getByRole('link', { name: 'Add segment' }).click();
  await expect(page).toHaveURL(/\/admin\/segments\/new$/);
  await hydrated(page);
  const loads: string[] = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) loads.push(f.url()); });

  const live = page.getByTestId('live-count');
  const everyone = await members(live);
  expect(everyone).toBeGreaterThan(0);

  // Italians: fewer than everyone.
  await page.getByLabel('Segment name').fill(`Italian women or buyers ${Date.now()}`);
  await page.getByRole('button', { name: 'Add condition' }).click();
  const first = page.getByRole('group', { name: 'Condition', exact: true }).first();
  await first.getByLabel('Field').selectOption('country');
  await first.getByLabel('Value').fill('IT');
  await expect.poll(() => members(live)).toBeLessThan(everyone);
  const italians = await members(live);
  expect(italians).toBeGreaterThan(0);

  // And, nested: ANY of (female, at least one order).
  await page.getByRole('button', { name: 'Add group' }).first().click();
  const inner = page.locator('fieldset fieldset');
  await inner.getByLabel('All or any').selectOption('any');
  const nested = inner.getByRole('group', { name: 'Condition', exact: true });
  await nested.first().getByLabel('Field').selectOption('gender');
  await nested.first().getByLabel('Value').fill('female');
  await expect.poll(() => members(live)).toBeLessThan(italians);
  await inner.getByRole('button', { name: 'Add condition' }).click();
  await nested.nth(1).getByLabel('Field').selectOption({ label: 'Number of orders' });
  await nested.nth(1).getByLabel('Operator').selectOption('>=');
  await nested.nth(1).getByLabel('Value').fill('1');
  const counted = await members(live);
  await expectAccessible(page);
  // A value that does not read says why beside its row, and the count says where.
  await nested.nth(1).getByLabel('Value').fill('one');
  await expect(nested.nth(1)).toContainText('not a whole number');
  await expect(live).toContainText('line 1');
  await nested.nth(1).getByLabel('Value').fill('1');
  expect(await members(live)).toBe(counted);

  // The text form, and back to the tree.
  await page.getByRole('button', { name: 'Text' }).click();
  const text = page.getByLabel('Conditions as text');
  await expect(text).toHaveValue("country = 'IT' AND (gender = 'female' OR number_of_orders >= 1)");
  await text.fill("country = 'IT' AND NOT (gender = 'female' OR number_of_orders >= 1)");
  await expect.poll(() => members(live)).toBe(italians - counted);
  await page.getByRole('button', { name: 'Tree' }).click();
  await expect(page.locator('fieldset fieldset').getByLabel('True or false')).toHaveValue('false');
  await page.locator('fieldset fieldset').getByLabel('True or false').selectOption('true');
  await expect.poll(() => members(live)).toBe(counted);
  expect(loads, 'no page load while editing').toEqual([]);

  // Saved: the grid lists it with its count; Matched Customers lists and exports the members.
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page).toHaveURL(/\/admin\/segments\/\d+$/);
  await page.getByRole('link', { name: 'Matched Customers' }).click();
  await expect(page).toHaveURL(/\/admin\/customers\?segment=\d+/);
  await hydrated(page);
  await expect(page.getByTestId('segment-scope')).toBeVisible();
  await expect(page.locator('p.total')).toHaveAttribute('data-total', String(counted));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const lines = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(lines.length - 1).toBe(counted);

  await page.goto('/admin/segments');
  await hydrated(page);
  const row = page.getByTestId('segments-grid').getByRole('row', { name: /Italian women or buyers/ });
  await expect(row).toContainText(String(counted));
  await expectAccessible(page);
});

test('a customer who orders through the API joins the open segment within seconds', async ({ page, browser, request }) => {
  const stamp = Date.now();
  const email = `segment.buyer.${stamp}@example.com`;
  const admin = await adminPage(browser);
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(`Segments checkout ${stamp}`);
  await admin.getByRole('checkbox', { name: 'orders:write' }).check();
  await admin.getByRole('checkbox', { name: 'customers:read' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  const auth = { Authorization: `Bearer ${(await admin.getByTestId('new-token').textContent())!}` };

  // A new customer, who has not ordered yet.
  await register(page, email);
  await expect(page).toHaveURL(/\/customer\/account\/confirmation\?sent=1/);
  const found = await (await request.get(`/api/v1/customers?q=${encodeURIComponent(email)}`, { headers: auth })).json();
  expect(found.total).toBe(1);
  const id: number = found.items[0].id;

  // Staff save "this customer, once they have ordered" and keep the editor open.
  await admin.goto('/admin/segments/new');
  await hydrated(admin);
  await admin.getByLabel('Segment name').fill(`First order ${stamp}`);
  await admin.getByRole('button', { name: 'Text' }).click();
  await admin.getByLabel('Conditions as text').fill(`email = '${email}' AND number_of_orders >= 1 AND products_purchased MATCHES (sku = 'MJ01', date >= -1d, status = processing)`);
  await admin.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(admin).toHaveURL(/\/admin\/segments\/\d+$/);
  await hydrated(admin);
  const live = admin.getByTestId('live-count');
  expect(await members(live)).toBe(0);
  const loads: string[] = [];
  admin.on('framenavigated', (f) => { if (f === admin.mainFrame()) loads.push(f.url()); });

  // The checkout posts their first order.
  const posted = await request.post('/api/v1/orders', {
    headers: auth,
    data: {
      number: `SEG-${stamp}`, customer_id: id, customer_email: email, currency: 'EUR', status: 'processing',
      created_at: new Date().toISOString(), subtotal: 80, grand_total: 80,
      items: [{ sku: 'MJ01', name: 'Jacket MJ01', qty: 1, price: 80, row_total: 80 }],
    },
  });
  expect(posted.status(), await posted.text()).toBeLessThan(300);
  const ordered = Date.now();
  await expect.poll(() => members(live), { timeout: 10_000 }).toBe(1);
  await expect(live.getByRole('list')).toContainText(email);
  expect(Date.now() - ordered).toBeLessThan(10_000);
  expect(loads, 'no page load: the open editor follows the members').toEqual([]);
  await expectAccessible(admin);

  // The customer's page lists the segment and the join, with why (the history kept in the database).
  const section = admin.getByTestId('customer-segments');
  await expect.poll(async () => {
    await admin.goto(`/admin/customers/${id}`);
    await hydrated(admin);
    return (await section.textContent()) ?? '';
  }, { timeout: 10_000 }).toContain(`joined First order ${stamp} (customer changed)`);
  await expect(section.getByRole('link', { name: `First order ${stamp}` })).toBeVisible();
});

test('the segment report compares chosen segments: members in common and size by day', async ({ browser }) => {
  const stamp = Date.now();
  const admin = await adminPage(browser);
  const names = [`Report buyers ${stamp}`, `Report Italians ${stamp}`];
  const texts = ['number_of_orders >= 1', "country = 'IT'"];
  for (const [i, name] of names.entries()) {
    await admin.goto('/admin/segments/new');
    await hydrated(admin);
    await admin.getByLabel('Segment name').fill(name);
    await admin.getByRole('button', { name: 'Text' }).click();
    await admin.getByLabel('Conditions as text').fill(texts[i]);
    await admin.getByRole('button', { name: 'Save and Continue Edit' }).click();
    await expect(admin).toHaveURL(/\/admin\/segments\/\d+$/);
  }

  await admin.goto('/admin/segments');
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Report', exact: true }).click();
  await expect(admin).toHaveURL(/\/admin\/segments\/report$/);
  await hydrated(admin);
  await expect(admin.getByText('Choose segments to compare.')).toBeVisible();
  const report = admin.getByTestId('segment-report');
  const size = async (name: string) =>
    Number((await report.getByRole('row', { name: new RegExp(name) }).getByRole('cell').last().textContent())!.trim());
  const sizes = [await size(names[0]), await size(names[1])];
  await admin.getByRole('checkbox', { name: `Compare ${names[0]}` }).check();
  await admin.getByRole('checkbox', { name: `Compare ${names[1]}` }).check();

  // Each one's size on the diagonal; fewer (or as many) in common off it.
  const overlap = admin.getByTestId('segment-overlap');
  await expect(overlap.getByRole('row')).toHaveCount(3);
  // Rows and columns in the order chosen.
  const first = overlap.locator('tbody tr').nth(0).getByRole('cell');
  const second = overlap.locator('tbody tr').nth(1).getByRole('cell');
  await expect(overlap.locator('tbody tr').nth(0).getByRole('rowheader')).toHaveText(names[0]);
  await expect(first.nth(0)).toHaveText(String(sizes[0]));
  await expect(second.nth(1)).toHaveText(String(sizes[1]));
  const both = Number(await first.nth(1).textContent());
  expect(both).toBeLessThanOrEqual(Math.min(...sizes));
  await expect(second.nth(0)).toHaveText(String(both));
  await expect(admin.getByTestId('segment-sizes')).toBeVisible();
  await expectAccessible(admin);

  // Drill-down: a segment's count opens its members in the customers grid.
  await report.getByRole('row', { name: new RegExp(names[1]) }).getByRole('link', { name: String(sizes[1]), exact: true }).click();
  await expect(admin).toHaveURL(/\/admin\/customers\?segment=\d+/);
  await expect(admin.getByTestId('segment-scope')).toBeVisible();
});
