// Visitor segments: a visitor who adds a product to the cart matches a segment for visitors (as
// the shop's API sees it, tested on the request), and keeps it after signing in: the visit's cart
// carries over to the customer, whose kept membership follows within seconds.
import { test, expect, hydrated, adminPage, registerConfirmed, customerSignIn, PASSWORD } from './fixtures';
import { createHash } from 'node:crypto';

test('a visitor who adds a product to the cart matches a visitor segment and keeps it after signing in', async ({ browser, request }) => {
  const stamp = Date.now();
  const email = `visitor.${stamp}@example.com`;
  const sku = `VS-${stamp}`;
  // A price no other cart in the suite has: the segment is this visitor's alone.
  const price = (9000 + (stamp % 997)) / 100;
  const admin = await adminPage(browser);
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(`Visitor segments ${stamp}`);
  for (const scope of ['catalog:write', 'segments:read', 'customers:read']) {
    await admin.getByRole('checkbox', { name: scope }).check();
  }
  await admin.getByRole('button', { name: 'Create token' }).click();
  const auth = { Authorization: `Bearer ${(await admin.getByTestId('new-token').textContent())!}` };
  const product = await request.post('/api/v1/products/batch', {
    headers: auth, data: { items: [{ sku, name: { en: 'Storm Jacket' }, price }] },
  });
  expect(product.status(), await product.text()).toBe(200);

  // Staff save a segment for visitors and registered customers: "this jacket in the cart" (a
  // product condition: the SKU, and the catalog's name for it).
  await admin.goto('/admin/segments/new');
  await hydrated(admin);
  await admin.getByLabel('Segment name').fill(`Storm jacket in cart ${stamp}`);
  await admin.getByLabel('Apply to').selectOption({ label: 'Visitors and registered customers' });
  await admin.getByRole('button', { name: 'Text' }).click();
  await admin.getByLabel('Conditions as text').fill(`products_in_cart MATCHES (sku = '${sku}', product_name = 'Storm Jacket') AND cart_subtotal = ${price.toFixed(2)}`);
  await admin.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(admin).toHaveURL(/\/admin\/segments\/\d+$/);
  const segment = Number(admin.url().match(/\/admin\/segments\/(\d+)$/)![1]);

  // The shopper opens an account (not signed in yet), then browses as a visitor.
  const shopper = await browser.newContext();
  const page = await shopper.newPage();
  await registerConfirmed(page, email);

  await page.goto(`/catalog/product/view/sku/${sku}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Storm Jacket' })).toBeVisible();
  await page.getByRole('button', { name: 'Add to Cart Storm Jacket' }).click();
  await expect(page.getByRole('status')).toContainText('Added to your cart');
  await expect(page.getByTestId('cart-brief')).toContainText('Items in your cart: 1');

  // The shop asks which segments this visitor is in: the one above.
  const vid = (await shopper.cookies()).find((c) => c.name === 'clientele_vid')!.value;
  const visitor = createHash('sha256').update(vid.slice(0, 32).toLowerCase()).digest('hex');
  const segmentsOf = async (path: string) => {
    const r = await request.get(path, { headers: auth });
    expect(r.status(), await r.text()).toBe(200);
    return (await r.json()) as number[];
  };
  expect(await segmentsOf(`/api/v1/visitors/${visitor}/segments`)).toContain(segment);
  const found = await (await request.get(`/api/v1/customers?q=${encodeURIComponent(email)}`, { headers: auth })).json();
  const id: number = found.items[0].id;
  expect(await segmentsOf(`/api/v1/customers/${id}/segments`)).not.toContain(segment);

  // Signing in: the cart is the customer's now, and so is the segment, within seconds.
  const signedIn = Date.now();
  await customerSignIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/customer\/account\/?$/);
  await expect.poll(() => segmentsOf(`/api/v1/customers/${id}/segments`), { timeout: 10_000 }).toContain(segment);
  expect(Date.now() - signedIn).toBeLessThan(10_000);
  expect(await segmentsOf(`/api/v1/visitors/${visitor}/segments`)).not.toContain(segment);
  await page.goto(`/catalog/product/view/sku/${sku}`);
  await expect(page.getByTestId('cart-brief')).toContainText('Items in your cart: 1');
  await shopper.close();
});
