// Audience activation from both sides: a CDP pushes an audience (members by SHA-256 of the email)
// over the API, staff target a block at it in the editor, and its member gets the block in the
// home page's first HTML; then the pull connector: the source set in Settings, Sync now on
// Customers > Audiences, and the report of what changed.
import { test, expect, hydrated, adminPage, registerConfirmed, customerSignIn, PASSWORD, expectAccessible } from './fixtures';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';

async function cdpToken(admin: Page, name: string): Promise<Record<string, string>> {
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(name);
  await admin.getByRole('checkbox', { name: 'audiences:write' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  return { Authorization: `Bearer ${(await admin.getByTestId('new-token').textContent())!}` };
}

test('a pushed audience is targeted by a block that its member gets in the first HTML', async ({ browser, request }) => {
  const stamp = Date.now();
  const member = `aud.member.${stamp}@example.com`;
  const key = `vip-${stamp}`;
  const name = `VIP ${stamp}`;
  const admin = await adminPage(browser);
  const auth = await cdpToken(admin, `CDP ${stamp}`);
  let r = await request.put(`/api/v1/audiences/${key}`, { headers: auth, data: { name, origin: 'e2e-cdp' } });
  expect(r.status(), await r.text()).toBe(201);

  const memberPage = await (await browser.newContext()).newPage();
  await registerConfirmed(memberPage, member);
  const sha = createHash('sha256').update(member).digest('hex');
  r = await request.post(`/api/v1/audiences/${key}/members`, { headers: auth, data: { seq: 1, add: [{ email_sha256: sha }] } });
  expect(r.status(), await r.text()).toBe(200);
  expect((await r.json()).applied).toBe(true);

  // The block, made in the editor with the audience ticked.
  await admin.goto('/admin/content/blocks/new');
  await hydrated(admin);
  await admin.getByLabel('Name', { exact: true }).fill(`For ${name}`);
  await admin.getByLabel('Placement', { exact: true }).fill('home_secondary');
  await admin.getByLabel('Content (en)').fill(`<p>Welcome, ${name} member</p>`);
  await admin.getByLabel('Starts (UTC)').fill('2020-01-01T00:00');
  await admin.getByRole('group', { name: 'CDP audiences' }).getByLabel(name).check();
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin).toHaveURL(/\/admin\/content$/);

  await customerSignIn(memberPage, member, PASSWORD);
  await expect(memberPage).toHaveURL(/\/customer\/account\/?$/);
  expect(await (await memberPage.request.get('/')).text()).toContain(`Welcome, ${name} member`);
  const stranger = await (await browser.newContext()).newPage();
  expect(await (await stranger.request.get('/')).text()).not.toContain(`Welcome, ${name} member`);

  // Customers > Audiences counts the member as matched.
  await admin.goto(`/admin/audiences?q=${encodeURIComponent(name)}`);
  await hydrated(admin);
  const row = admin.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('e2e-cdp');
  await expect(row).toContainText('100%');
  await expectAccessible(admin);
});

test('Sync now pulls the source set in Settings and reports what changed', async ({ browser }) => {
  const stamp = Date.now();
  const key = `pulled-${stamp}`;
  const name = `Pulled ${stamp}`;
  const secret = `feed-${stamp}`;
  const lines = [
    { type: 'audience', key, name, origin: 'e2e-feed' },
    { type: 'member', audience: key, identity: { email: `pulled.${stamp}@example.com` } },
  ];
  const feed = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${secret}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }).end(lines.map((l) => JSON.stringify(l)).join('\n'));
  });
  await new Promise<void>((done) => feed.listen(0, '127.0.0.1', done));
  const port = (feed.address() as AddressInfo).port;
  try {
    const admin = await adminPage(browser);
    await admin.goto('/admin/settings');
    await hydrated(admin);
    await admin.getByLabel('Source URL').fill(`http://127.0.0.1:${port}/feed`);
    await admin.getByLabel('Bearer token').fill(secret);
    await admin.getByRole('button', { name: 'Save source' }).click();
    await expect(admin.getByText('The audience source is saved.')).toBeVisible();
    await expect(admin.getByText(`A token is saved, ending in …${secret.slice(-4)}`)).toBeVisible();
    await expect(admin.getByLabel('Bearer token')).toHaveValue('');
    await expectAccessible(admin);

    await admin.goto('/admin/audiences');
    await hydrated(admin);
    await admin.getByRole('button', { name: 'Sync now' }).click();
    const report = admin.getByLabel('What the sync changed');
    await expect(report).toContainText(key);
    await expect(admin.getByRole('row').filter({ hasText: name })).toContainText('e2e-feed');
    await expectAccessible(admin);
  } finally {
    feed.close();
  }
});
