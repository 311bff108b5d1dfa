// Orders from the checkout's side and everyone else's: staff make an integration token, the shop
// posts orders with it, staff see them on the customer's Orders tab and in the grid's Lifetime
// Sales column at once, and the customer sees their own orders under My Orders — never another's;
// their cart and wish list show on the customer page, and My Wish List lets them remove an item.
import { test, expect, hydrated, adminPage, registerConfirmed, customerSignIn, expectAccessible } from './fixtures';

// The wish list test reads the account the first test opens.
test.describe.configure({ mode: 'serial' });

const stamp = Date.now();
const email = `orders.${stamp}@example.com`;

function order(number: string, customer: number | null, total: number, sku: string) {
  return {
    number, customer_id: customer, customer_email: email, currency: 'EUR', status: 'processing',
    created_at: new Date(Date.now() - 3600_000).toISOString(),
    subtotal: total, grand_total: total,
    items: [{ sku, name: `Jacket ${sku}`, qty: 1, price: total, row_total: total }],
    shipping_address: { firstname: 'Ada', lastname: 'Lovelace', street: ['Via Roma 1'], city: 'Milano', postcode: '20100', country_id: 'IT' },
  };
}

test('orders posted with a token show on the customer, in the grid and under My Orders', async ({ page, browser, request }) => {
  const admin = await adminPage(browser);
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(`Checkout ${stamp}`);
  await admin.getByRole('checkbox', { name: 'orders:write' }).check();
  await admin.getByRole('checkbox', { name: 'customers:read' }).check();
  await admin.getByRole('checkbox', { name: 'events:write' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  const token = (await admin.getByTestId('new-token').textContent())!;
  const auth = { Authorization: `Bearer ${token}` };

  // A customer opens an account and confirms it.
  await registerConfirmed(page, email);
  const found = await (await request.get(`/api/v1/customers?q=${encodeURIComponent(email)}`, { headers: auth })).json();
  expect(found.total).toBe(1);
  const id: number = found.items[0].id;
  const other: number = (await (await request.get('/api/v1/customers?size=20', { headers: auth })).json())
    .items.find((c: { id: number }) => c.id !== id).id;

  // The checkout sends two orders of theirs (one as a guest, by email) and one of someone else.
  const posted = await request.post('/api/v1/orders/batch', {
    headers: auth,
    data: { items: [order(`E2E-${stamp}-1`, id, 1234.5, 'MJ01'), order(`E2E-${stamp}-2`, null, 100, 'MJ02'),
      { ...order(`E2E-${stamp}-3`, other, 55, 'MJ03'), customer_email: `other.${stamp}@example.com` }] },
  });
  expect(posted.status()).toBe(200);
  const batch = await posted.json();
  expect(batch.created).toBe(3);
  const othersOrder: number = batch.results[2].id;

  // Staff: the customer's Orders tab and sales statistics, and the grid's columns, at once.
  await admin.goto(`/admin/customers/${id}`);
  await hydrated(admin);
  await expect(admin.getByTestId('sales-statistics')).toContainText('1,334.50');
  await admin.getByRole('tab', { name: 'Orders' }).click();
  const tab = admin.getByRole('tabpanel').filter({ has: admin.getByTestId('orders') });
  await expect(tab.getByTestId('orders-count')).toHaveText('2 orders');
  await expect(tab.getByRole('row').filter({ hasText: `E2E-${stamp}-1` })).toContainText('EUR 1,234.50');
  await expect(tab.getByRole('row').filter({ hasText: `E2E-${stamp}-2` })).toBeVisible();
  await expect(tab).not.toContainText(`E2E-${stamp}-3`);
  await expectAccessible(admin);

  // The shop's cart and wish list of theirs show on the Shopping Cart and Wish List tabs.
  const cart = await request.put('/api/v1/carts', {
    headers: auth,
    data: { customer_id: id, currency: 'EUR', subtotal: 42, grand_total: 42,
      items: [{ sku: 'MH07', name: 'Hoodie MH07', qty: 2, price: 21, row_total: 42 }] },
  });
  expect(cart.status()).toBe(201);
  const wish = await request.put(`/api/v1/customers/${id}/wishlist`, { headers: auth, data: { items: [{ sku: 'WS03' }] } });
  expect(wish.status()).toBe(200);
  await admin.reload();
  await hydrated(admin);
  await admin.getByRole('tab', { name: 'Shopping Cart' }).click();
  const cartTab = admin.getByRole('tabpanel').filter({ has: admin.getByTestId('cart') });
  await expect(cartTab.getByRole('row').filter({ hasText: 'MH07' })).toContainText('Hoodie MH07');
  await expect(cartTab.getByTestId('cart-subtotal')).toContainText('42.00');
  await expectAccessible(admin);
  await admin.getByRole('tab', { name: 'Wish List' }).click();
  await expect(admin.getByRole('tabpanel').filter({ has: admin.getByTestId('wishlist') }).getByRole('row').filter({ hasText: 'WS03' })).toBeVisible();

  await admin.goto(`/admin/customers?q=${encodeURIComponent(email)}&cols=id,email,lifetime_sales,orders,last_order&sort=lifetime_sales&dir=desc`);
  await hydrated(admin);
  const row = admin.getByRole('row').filter({ hasText: email });
  await expect(row).toContainText('1,334.50');
  await expect(admin.getByRole('columnheader', { name: /Lifetime Sales/ })).toBeVisible();

  // The customer: My Orders lists theirs, one opens, someone else's id is not found.
  await customerSignIn(page, email, 'copper kettle lantern');
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  await page.getByRole('navigation', { name: 'My Account' }).getByRole('link', { name: 'My Orders' }).click();
  await expect(page).toHaveURL(/\/sales\/order\/history$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My Orders');
  const mine = page.getByTestId('orders');
  await expect(mine.getByRole('row')).toHaveCount(3);
  await expect(mine).not.toContainText(`E2E-${stamp}-3`);
  await expectAccessible(page);
  await mine.getByRole('link', { name: `E2E-${stamp}-1` }).click();
  await expect(page).toHaveURL(/\/sales\/order\/view\/order_id\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order # E2E-${stamp}-1`);
  await expect(page.getByTestId('order-items')).toContainText('MJ01');
  await expect(page.getByTestId('order-totals')).toContainText('EUR 1,234.50');
  await expectAccessible(page);
  const forged = await page.goto(`/sales/order/view/order_id/${othersOrder}`);
  expect(forged!.status()).toBe(404);
  await expect(page.locator('main')).not.toContainText(`E2E-${stamp}-3`);
  await admin.close();
});

test('My Wish List shows what the shop sent, named in the language, and removes an item', async ({ page, browser, request }) => {
  const admin = await adminPage(browser);
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(`Wishes ${stamp}`);
  for (const scope of ['events:write', 'catalog:write', 'customers:read']) {
    await admin.getByRole('checkbox', { name: scope }).check();
  }
  await admin.getByRole('button', { name: 'Create token' }).click();
  const auth = { Authorization: `Bearer ${(await admin.getByTestId('new-token').textContent())!}` };
  await admin.close();
  const products = await request.post('/api/v1/products/batch', {
    headers: auth,
    data: { items: [{ sku: `WL-${stamp}`, name: { en: 'Rain Jacket', it: 'Giacca da pioggia' }, price: 80 },
      { sku: `WL2-${stamp}`, name: { en: 'Wool Scarf' }, price: 20 }] },
  });
  expect(products.status()).toBe(200);
  const found = await (await request.get(`/api/v1/customers?q=${encodeURIComponent(email)}`, { headers: auth })).json();
  const id: number = found.items[0].id;
  const put = await request.put(`/api/v1/customers/${id}/wishlist`, {
    headers: auth, data: { items: [{ sku: `WL-${stamp}` }, { sku: `WL2-${stamp}` }] },
  });
  expect(put.status()).toBe(200);

  await customerSignIn(page, email, 'copper kettle lantern');
  await page.getByRole('navigation', { name: 'My Account' }).getByRole('link', { name: 'My Wish List' }).click();
  await expect(page).toHaveURL(/\/wishlist$/);
  await hydrated(page);
  const list = page.getByTestId('wishlist');
  await expect(list.getByRole('row').filter({ hasText: `WL-${stamp}` })).toContainText('Rain Jacket');
  await expectAccessible(page);
  await list.getByRole('button', { name: 'Remove Wool Scarf' }).click();
  await expect(list.getByRole('row').filter({ hasText: `WL2-${stamp}` })).toHaveCount(0);
  await expect(list.getByRole('row').filter({ hasText: `WL-${stamp}` })).toBeVisible();
});
