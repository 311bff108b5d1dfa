// Dynamic blocks from both sides: staff create a segment-targeted block in Content > Dynamic
// Blocks; a member of the segment gets it in the home page's server HTML (before any script
// runs), everyone else the fallback; a click on it and its impression show on the block's page;
// Preview as says why.
import { test, expect, hydrated, adminPage, registerConfirmed, customerSignIn, PASSWORD, expectAccessible } from './fixtures';
import type { Page } from '@playwright/test';

async function post(admin: Page, path: string, data: unknown) {
  const origin = new URL(admin.url()).origin;
  const r = await admin.request.post(path, { headers: { Origin: origin, 'Content-Type': 'application/json' }, data });
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

test('a segment-targeted block is in the member\'s first HTML, others see the fallback, and it is counted', async ({ browser }) => {
  const stamp = Date.now();
  const domain = `blocks${stamp}.example`;
  const member = `member@${domain}`;
  const stranger = `stranger${stamp}@other.example`;
  const admin = await adminPage(browser);
  const segmentName = `Block members ${stamp}`;
  const segment: number = await post(admin, '/api/admin/segments/save', {
    input: { id: null, name: segmentName, description: '', website: '', active: true, apply_to: 'both', conditions: `email_domain = '${domain}'` },
  });
  expect(segment).toBeGreaterThan(0);

  // The block, made in the editor: a start in the past, the segment ticked.
  const blockName = `Members corner ${stamp}`;
  await admin.goto('/admin/content');
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Add block' }).click();
  await expect(admin).toHaveURL(/\/admin\/content\/blocks\/new$/);
  await hydrated(admin);
  await admin.getByLabel('Name', { exact: true }).fill(blockName);
  await admin.getByLabel('Placement', { exact: true }).fill('home_secondary');
  await admin.getByLabel('Content (en)').fill(`<p>Hello member ${stamp}! <a href="/customer/account/">Your offers</a></p><script>alert(1)</script>`);
  await admin.getByLabel('Starts (UTC)').fill('2020-01-01T00:00');
  await admin.getByRole('group', { name: 'Segments' }).getByLabel(segmentName).check();
  await expectAccessible(admin);
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin).toHaveURL(/\/admin\/content$/);
  const row = admin.getByRole('row').filter({ hasText: blockName });
  await expect(row).toContainText('Live');
  await expectAccessible(admin);
  // The fallback for everyone else, through the same server function.
  await post(admin, '/api/admin/content/save', {
    id: null,
    input: {
      name: `Everyone corner ${stamp}`, active: true, placement: 'home_secondary', content: { en: `<p>Hello everyone ${stamp}</p>` },
      starts: '', ends: '', priority: '0', weight: '1', fallback: true, cap_per_day: '', who: 'everyone', mode: 'any',
      segments: [], groups: [], audiences: [],
    },
  });

  const memberPage = await (await browser.newContext()).newPage();
  await registerConfirmed(memberPage, member);
  await customerSignIn(memberPage, member, PASSWORD);
  await expect(memberPage).toHaveURL(/\/customer\/account\/?$/);
  // The server's HTML, before any script: the block is already there.
  const html = await (await memberPage.request.get('/')).text();
  expect(html).toContain(`Hello member ${stamp}!`);
  expect(html).not.toContain(`Hello everyone ${stamp}`);
  expect(html).not.toContain('alert(1)');

  const strangerPage = await (await browser.newContext()).newPage();
  await registerConfirmed(strangerPage, stranger);
  await customerSignIn(strangerPage, stranger, PASSWORD);
  await expect(strangerPage).toHaveURL(/\/customer\/account\/?$/);
  const other = await (await strangerPage.request.get('/')).text();
  expect(other).toContain(`Hello everyone ${stamp}`);
  expect(other).not.toContain(`Hello member ${stamp}!`);

  // The member clicks the block's link: counted, and on to where it points.
  await memberPage.goto('/');
  await hydrated(memberPage);
  await memberPage.getByRole('link', { name: 'Your offers' }).click();
  await expect(memberPage).toHaveURL(/\/customer\/account\/$/);

  // The block's page shows the impressions and the click.
  await admin.goto('/admin/content');
  await hydrated(admin);
  await admin.getByRole('link', { name: blockName }).click();
  await hydrated(admin);
  await expect(admin.getByTestId('clicks')).toHaveText('1');
  expect(Number(await admin.getByTestId('impressions').textContent())).toBeGreaterThanOrEqual(2);
  await expect(admin.getByRole('img', { name: 'Impressions and clicks per day' })).toBeVisible();
  await expectAccessible(admin);

  // Preview as the stranger: the member's block does not qualify, and says why.
  await admin.goto('/admin/content/preview');
  await hydrated(admin);
  await admin.getByLabel(/^Customer/).fill(stranger);
  await admin.getByRole('button', { name: 'Preview' }).click();
  const table = admin.getByRole('table', { name: 'home_secondary' });
  await expect(table.getByRole('row').filter({ hasText: blockName })).toContainText('Not in its segments, groups or audiences');
  await expect(table.getByRole('row').filter({ hasText: `Everyone corner ${stamp}` })).toContainText('Qualifies');
  await expectAccessible(admin);
});
