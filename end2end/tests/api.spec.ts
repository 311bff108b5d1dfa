// The public API from an integrator's side: staff make a token in Admin > Integrations (shown
// once), the integration calls /api/v1 with it, staff see its last use and revoke it.
import { test, expect, hydrated, adminPage, expectAccessible } from './fixtures';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

test('the OpenAPI document is valid OpenAPI 3.1 by the official schema', async ({ request }, testInfo) => {
  const doc = await request.get('/api/v1/openapi.json');
  expect(doc.status()).toBe(200);
  const file = testInfo.outputPath('openapi.json');
  fs.writeFileSync(file, await doc.text());
  // The validator is ESM only: it runs in its own node process.
  const checker = path.join(__dirname, '..', 'scripts', 'validate-openapi.mjs');
  const out = execFileSync(process.execPath, [checker, file], { encoding: 'utf8' });
  expect(out).toContain('valid OpenAPI 3.1');
});

test('an integration token made in the admin reads customers until it is revoked', async ({ browser, request }) => {
  const admin = await adminPage(browser);
  await admin.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
  await admin.waitForURL(/\/admin\/integrations$/);
  await hydrated(admin);
  await expectAccessible(admin);

  const name = `CDP ${Date.now()}`;
  // Nothing chosen: the form names what is missing, by field.
  await admin.getByRole('button', { name: 'Create token' }).click();
  await expect(admin.locator('#integration-name-error')).not.toBeEmpty();
  await expect(admin.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

  await admin.getByLabel('Name').fill(name);
  await admin.getByRole('checkbox', { name: 'customers:read' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  const shown = admin.getByTestId('new-token');
  await expect(shown).toHaveText(/^clt_[0-9a-f]{64}$/);
  const token = (await shown.textContent())!;
  const row = admin.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('Active');
  await expect(row).not.toContainText(token);

  const auth = { Authorization: `Bearer ${token}` };
  const list = await request.get('/api/v1/customers?size=20', { headers: auth });
  expect(list.status()).toBe(200);
  const page = await list.json();
  expect(page.total).toBeGreaterThan(0);
  expect(page.items[0].email).toContain('@');
  const one = await request.get(`/api/v1/customers/${page.items[0].id}`, { headers: auth });
  expect((await one.json()).input.email).toBe(page.items[0].email);
  const none = await request.get('/api/v1/customers');
  expect(none.status()).toBe(401);
  expect(none.headers()['content-type']).toBe('application/problem+json');

  // The list shows the use; revoking ends the token at once.
  await admin.reload();
  await hydrated(admin);
  await expect(row.getByRole('cell').nth(5)).not.toHaveText('—');
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(row).toContainText('Revoked');
  expect((await request.get('/api/v1/customers', { headers: auth })).status()).toBe(401);
  await expectAccessible(admin);
});
