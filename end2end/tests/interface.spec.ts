// The interface defects found by trying the back office and the storefront as a new user would
// (issue 12), in English, Italian and Dutch where the language matters.
import { test, expect, hydrated, signIn, settings, adminPage, register, PASSWORD } from './fixtures';
import type { BrowserContext } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

/** Chooses the interface language for every page of this context (the language switch's cookie). */
async function speak(context: BrowserContext, locale: 'en' | 'it' | 'nl') {
  const base = `http://127.0.0.1:${process.env.E2E_PORT ?? '3100'}`;
  await context.addCookies([{ name: 'i18n_pref_locale', value: locale, url: base }]);
}

for (const [locale, resetName, storefront] of [
  ['it', 'Reimposta password', 'Negozio'],
  ['nl', 'Wachtwoord herstellen', 'Webwinkel'],
] as const) {
  test(`email log and customer page speak ${locale}, not template keys`, async ({ page, context }) => {
    // Signed in with the English form (its labels are what the fixture looks for), then the
    // interface switches language.
    await signIn(page);
    await page.waitForURL(/\/admin$/);
    await speak(context, locale);
    await page.goto('/admin/email-log');
    await hydrated(page);
    await expect(page.locator('#el-template option[value=reset_password]')).toHaveText(resetName);
    const table = page.locator('table.grid');
    await expect(table).toBeVisible();
    for (const key of ['confirm_email', 'reset_password', 'password_changed', 'email_changed']) {
      await expect(table).not.toContainText(key);
    }
    // A storefront-made account: "created in" is said in the admin's language.
    await page.goto('/admin/customers?q=example.com&sort=id&dir=desc');
    await hydrated(page);
    await page.locator('tbody tr a').first().click();
    await hydrated(page);
    await expect(page.locator('dl.summary')).toContainText(storefront);
    await expect(page.locator('dl.summary')).not.toContainText('Storefront');
  });
}

test('dashboard and Now Online count with the language\'s plurals', async ({ page, context }) => {
  for (const [locale, one, many] of [
    ['en', /\b1 visitor\b(?!s)/, /\b(\d+) visitors\b/],
    ['it', /\b1 visitatore\b/, /\b(\d+) visitatori\b/],
    ['nl', /\b1 bezoeker\b(?!s)/, /\b(\d+) bezoekers\b/],
  ] as const) {
    if (locale === 'en') {
      await signIn(page);
      await page.waitForURL(/\/admin$/);
    }
    await speak(context, locale);
    const summary = page.getByTestId('online-summary');
    await page.goto('/admin/now-online');
    await hydrated(page);
    const visitors = Number(await summary.getAttribute('data-visitors'));
    const text = await summary.innerText();
    if (visitors === 1) expect(text).toMatch(one);
    else expect(text.match(many)?.[1]).toBe(String(visitors));
    expect(text).not.toMatch(locale === 'en' ? /\b1 visitors\b/ : locale === 'it' ? /\b1 visitatori\b/ : /\b1 bezoekers\b/);
  }
});

test('the customer page shows one tab panel at a time and no empty status bar', async ({ page }) => {
  await signIn(page);
  await page.waitForURL(/\/admin$/);
  await page.goto('/admin/customers/1');
  await hydrated(page);
  await expect(page.locator('.customer-form section:visible')).toHaveCount(1);
  await page.getByRole('tab', { name: 'Addresses' }).click();
  await expect(page.locator('.customer-form section:visible')).toHaveCount(1);
  const status = page.locator('p.notice[role=status]').first();
  await expect(status).toBeEmpty();
  expect((await status.boundingBox())?.height ?? 0).toBe(0);
  await page.goto('/admin/customers');
  await hydrated(page);
  const empty = page.locator('p.notice[role=status]:empty');
  for (const box of await Promise.all((await empty.all()).map((e) => e.boundingBox()))) {
    expect(box?.height ?? 0).toBe(0);
  }
});

test('an impossible date of birth is refused, and dates read the language\'s way', async ({ page, context }) => {
  await signIn(page);
  await page.waitForURL(/\/admin$/);
  await page.goto('/admin/customers/1');
  await hydrated(page);
  await page.getByRole('tab', { name: 'Account Information' }).click();
  // 30 February, typed into the date field (month, day, year in this browser's locale).
  const dob = page.getByLabel('Date of Birth');
  await dob.click();
  await dob.pressSequentially('02301990');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page.locator('#customer-dob-error')).toHaveText('Enter a valid date (YYYY-MM-DD).');
  await expect(page.getByText('The customer is saved.')).toHaveCount(0);
  for (const [locale, pattern] of [['it', /^\d{2}\/\d{2}\/\d{4}/], ['nl', /^\d{2}-\d{2}-\d{4}/]] as const) {
    await speak(context, locale);
    await page.goto('/admin/customers?cols=id,created_at,dob&sort=id');
    await hydrated(page);
    const since = await page.locator('tbody td[data-column=created_at]').first().innerText();
    expect(since).toMatch(pattern);
  }
});

test('addresses: postcodes follow the country, cities are words, messages are tied to their fields', async ({ page }) => {
  await signIn(page);
  await page.waitForURL(/\/admin$/);
  await page.goto('/admin/customers/1');
  await hydrated(page);
  await page.getByRole('tab', { name: 'Addresses' }).click();
  await page.getByRole('button', { name: 'Add New Address' }).click();
  const address = page.locator('fieldset.address').last();
  // Nothing filled in: each required field's message is its accessible description.
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(address.getByLabel('City')).toHaveAccessibleDescription('This field is required.');
  await expect(address.getByLabel('Country')).toHaveAccessibleDescription('Choose a country from the list.');
  await expect(address.getByRole('textbox', { name: 'Street Address 1' })).toHaveAccessibleDescription('This field is required.');
  await address.getByRole('textbox', { name: 'Street Address 1' }).fill('1 Main Street');
  await address.getByLabel('City').fill('!!!###');
  await address.getByLabel('Country').selectOption('US');
  await address.getByLabel('State/Province').fill('New York');
  await address.getByLabel('ZIP').fill('ABCDE');
  await address.getByLabel('Phone').fill('+1 212 555 0100');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(address.getByLabel('ZIP')).toHaveAccessibleDescription('This postcode does not have the format used in the chosen country.');
  await expect(address.getByLabel('City')).toHaveAccessibleDescription(/name of a city or town/);
  await address.getByLabel('Country').selectOption('NL');
  await address.getByLabel('ZIP').fill('12345678');
  await address.getByLabel('City').fill('Amsterdam');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(address.getByLabel('ZIP')).toHaveAccessibleDescription('This postcode does not have the format used in the chosen country.');
  await address.getByLabel('ZIP').fill('1016 GV');
  await page.getByRole('button', { name: 'Save and Continue Edit' }).click();
  await expect(page.getByText('The customer is saved.')).toBeVisible();
});

test('the storefront address book hydrates once it holds an address', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  await settings(admin, { require_confirmation: false });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && /unreachable|hydrat/i.test(m.text())) errors.push(m.text()); });
  const email = `book.${Date.now()}@example.com`;
  await register(page, email, PASSWORD);
  // Without confirmation the new customer is signed in and lands on the dashboard.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My Account');
  await page.goto('/customer/address/new');
  await hydrated(page);
  await page.locator('#f-street0').fill('Via Roma 1');
  await page.locator('#f-city').fill('Milano');
  await page.locator('#f-region').fill('Lombardia');
  await page.locator('#f-postcode').fill('20121');
  await page.locator('#f-country_id').selectOption('IT');
  const phone = page.locator('#f-telephone');
  if (await phone.count()) await phone.fill('+39 02 1234');
  await page.getByRole('button', { name: 'Save Address' }).click();
  await page.waitForURL(/\/customer\/address\/?(\?|$)/);
  await page.goto('/customer/address/');
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Delete' })).toBeVisible();
  expect(errors).toEqual([]);
  await settings(admin, { require_confirmation: true });
  await admin.close();
});
