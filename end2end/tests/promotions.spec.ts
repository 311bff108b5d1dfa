// Cart price rules from both sides: staff make a segment-targeted rule in Marketing > Cart Price
// Rules; its member reads it under "Offers for you" in the dashboard's server HTML and sees its
// discount on the cart; someone else does not; staff pricing a cart for the member see the same
// discount and why each other rule did not apply.
import { test, expect, hydrated, adminPage, registerConfirmed, customerSignIn, PASSWORD, expectAccessible } from './fixtures';
import type { Page } from '@playwright/test';

async function post(admin: Page, path: string, data: unknown) {
  const origin = new URL(admin.url()).origin;
  const r = await admin.request.post(path, { headers: { Origin: origin, 'Content-Type': 'application/json' }, data });
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

test('a segment-targeted rule is offered to its member, discounts their cart, and staff see why', async ({ browser, request }) => {
  const stamp = Date.now();
  const domain = `offers${stamp}.example`;
  const member = `member@${domain}`;
  const stranger = `stranger${stamp}@other.example`;
  const sku = `PR-${stamp}`;
  const admin = await adminPage(browser);
  const segmentName = `Offer members ${stamp}`;
  await post(admin, '/api/admin/segments/save', {
    input: { id: null, name: segmentName, description: '', website: '', active: true, apply_to: 'both', conditions: `email_domain = '${domain}'` },
  });
  // A product the storefront can sell, through the shop's API.
  await admin.goto('/admin/integrations');
  await hydrated(admin);
  await admin.getByLabel('Name').fill(`Promotions ${stamp}`);
  await admin.getByRole('checkbox', { name: 'catalog:write' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  const auth = { Authorization: `Bearer ${(await admin.getByTestId('new-token').textContent())!}` };
  const product = await request.post('/api/v1/products/batch', {
    headers: auth, data: { items: [{ sku, name: { en: 'Rain Hat' }, price: 20 }] },
  });
  expect(product.status(), await product.text()).toBe(200);

  // The rule, made in the editor: 10% for the segment's members.
  const label = `Ten percent for you ${stamp}`;
  await admin.goto('/admin');
  await hydrated(admin);
  await admin.getByRole('navigation').getByRole('link', { name: 'Cart Price Rules' }).click();
  await expect(admin).toHaveURL(/\/admin\/promotions$/);
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Add rule' }).click();
  await expect(admin).toHaveURL(/\/admin\/promotions\/rules\/new$/);
  await hydrated(admin);
  await admin.getByLabel('Name', { exact: true }).fill(`Members ten ${stamp}`);
  await admin.getByLabel('Label customers read (empty: the name)').fill(label);
  await admin.getByRole('group', { name: 'Segments' }).getByLabel(segmentName).check();
  await admin.getByLabel('Action', { exact: true }).selectOption({ label: 'Percent of product price discount' });
  // A percentage over 100 is named on its field, nothing saved.
  const amount = admin.getByLabel('Discount amount (percent or amount)');
  await amount.fill('150');
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(amount).toHaveAttribute('aria-invalid', 'true');
  await expect(admin).toHaveURL(/\/admin\/promotions\/rules\/new$/);
  await amount.fill('10');
  await admin.getByLabel('Priority').fill('1');
  await expectAccessible(admin);
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin).toHaveURL(/\/admin\/promotions$/);
  await expect(admin.getByRole('row').filter({ hasText: `Members ten ${stamp}` })).toContainText('Active');
  await expectAccessible(admin);

  // The member: the offer is in the dashboard's first HTML; the cart shows the discount.
  const memberPage = await (await browser.newContext()).newPage();
  await registerConfirmed(memberPage, member);
  await customerSignIn(memberPage, member, PASSWORD);
  await expect(memberPage).toHaveURL(/\/customer\/account\/?$/);
  // The server's HTML, before any script (the new account joins the segment within moments).
  const dashboard = async () => (await memberPage.request.get('/customer/account/')).text();
  await expect.poll(dashboard).toContain(label);
  expect(await dashboard()).toContain('Offers for you');
  await expect(memberPage.getByRole('region', { name: 'Offers for you' })).toContainText(label);
  await memberPage.goto(`/catalog/product/view/sku/${sku}`);
  await hydrated(memberPage);
  await memberPage.getByRole('button', { name: 'Add to Cart Rain Hat' }).click();
  await expect(memberPage.getByTestId('cart-brief')).toContainText('Items in your cart: 1');
  await expect(memberPage.getByTestId('cart-discount')).toContainText('2.00');

  // Someone else has no such offer.
  const strangerPage = await (await browser.newContext()).newPage();
  await registerConfirmed(strangerPage, stranger);
  await customerSignIn(strangerPage, stranger, PASSWORD);
  await expect(strangerPage).toHaveURL(/\/customer\/account\/?$/);
  expect(await (await strangerPage.request.get('/customer/account/')).text()).not.toContain(label);

  // Staff price a cart for the member: the same 10%, and the reasons of the other rules.
  await admin.getByRole('link', { name: 'Price a cart' }).click();
  await expect(admin).toHaveURL(/\/admin\/promotions\/price$/);
  await hydrated(admin);
  await admin.getByLabel('Customer (email or id; empty for a guest)').fill(member);
  await admin.getByLabel('Items, one per line: SKU, quantity, price').fill(`${sku}, 2, 20`);
  await admin.getByRole('button', { name: 'Price', exact: true }).click();
  await expect(admin.getByTestId('priced-discount')).toHaveText('4.00');
  const why = admin.getByRole('table', { name: 'Why' });
  await expect(why.getByRole('row').filter({ hasText: `Members ten ${stamp}` })).toContainText('Applied');
  await expectAccessible(admin);
  // For the stranger the rule says why not.
  await admin.getByLabel('Customer (email or id; empty for a guest)').fill(stranger);
  await admin.getByRole('button', { name: 'Price', exact: true }).click();
  await expect(why.getByRole('row').filter({ hasText: `Members ten ${stamp}` })).toContainText('Not in its segments or audiences');
});
