// Only in the two-server pass (E2E_CLUSTER=1, scripts/e2e.sh): the balancer in front sends each
// request to the other app server, so every journey of this pass crossed both; here, that it did.
import { test, expect, adminPage } from './fixtures';

async function served(page: import('@playwright/test').Page): Promise<Record<string, number>> {
  return (await page.request.get('/__balance')).json();
}

test('requests alternate between both app servers, and a session made on one works on the other', async ({ browser }) => {
  const admin = await adminPage(browser);
  const before = await served(admin);
  const ports = Object.keys(before);
  expect(ports).toHaveLength(2);
  // Four loads of the grid's data with the session the sign-in made: both servers answer them.
  const answeredBy = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await admin.request.post('/api/admin/customers/grid', {
      data: { query: 'q=example' },
      headers: { Origin: new URL(admin.url()).origin, 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(r.status()).toBe(200);
    expect((await r.json()).total).toBeGreaterThan(0);
    answeredBy.add(r.headers()['x-balanced-to']);
  }
  expect([...answeredBy].sort()).toEqual([...ports].sort());
  // The balancer alternated: of the requests meanwhile (the page's own too), each server had half.
  const after = await served(admin);
  for (const port of ports) expect(after[port] - before[port]).toBeGreaterThanOrEqual(2);
  // The grid page itself, rendered and hydrated through either server.
  await admin.goto('/admin/customers');
  await expect(admin.getByRole('heading', { name: 'Customers' })).toBeVisible();
});
