// Shared test set-up: every test ends with an axe-core scan of the page it is on, and `visit`
// scans each page on the way. Serious or critical violations fail the test.
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_ADMIN, MAIL_DIR } from '../playwright.config';

export { expect, DEMO_ADMIN };

export async function expectAccessible(page: Page) {
  await page.waitForLoadState('load');
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${page.url()}`).toEqual([]);
}

/** Waits until the wasm bundle has hydrated the page (the app marks <body> when it has). */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__clientele_hydrated === true);
}

export const test = base.extend<{ visit: (path: string) => Promise<void>; axeAfter: void }>({
  visit: async ({ page }, use) => {
    await use(async (path: string) => {
      await page.goto(path);
      await hydrated(page);
      await expectAccessible(page);
    });
  },
  axeAfter: [
    async ({ page }, use) => {
      await use();
      if (page.url().startsWith('http')) await expectAccessible(page);
    },
    { auto: true },
  ],
});

/** Signs in through the form, from the keyboard. */
export async function signIn(page: Page, email = DEMO_ADMIN.email, password = DEMO_ADMIN.password) {
  await page.goto('/admin/login');
  await hydrated(page);
  await page.getByLabel(/email/i).focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

/** The storefront test customers' password. */
export const PASSWORD = 'copper kettle lantern';

/** A signed-in admin page, for the email log and the settings. */
export async function adminPage(browser: Browser): Promise<Page> {
  // Its own context (not browser.newPage()), so an axe scan can run on it.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin);
  await admin.waitForURL(/\/admin$/);
  return admin;
}

/** Changes customer settings through the admin Settings server functions. */
export async function settings(admin: Page, changes: Record<string, unknown>) {
  const origin = new URL(admin.url()).origin;
  const got = await admin.request.post('/api/admin/settings/get', { headers: { Origin: origin } });
  expect(got.status()).toBe(200);
  const [current] = await got.json();
  const saved = await admin.request.post('/api/admin/settings/save', {
    headers: { Origin: origin, 'Content-Type': 'application/json' },
    data: { settings: { ...current, ...changes } },
  });
  expect(saved.status(), await saved.text()).toBe(200);
}

export async function register(page: Page, email: string, password = PASSWORD) {
  await page.goto('/customer/account/create');
  await hydrated(page);
  await page.locator('#f-firstname').fill('Ada');
  await page.locator('#f-lastname').fill('Lovelace');
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await page.locator('#f-password_confirmation').fill(password);
  await page.getByRole('button', { name: 'Create an Account' }).click();
}

/** Registers at `email` and confirms through the mailed link: the account is ready to sign in. */
export async function registerConfirmed(page: Page, email: string) {
  await register(page, email);
  await expect(page).toHaveURL(/\/customer\/account\/confirmation\?sent=1/);
  const link = (await mailTo(email, 'confirm_email')).match(/https?:\/\/\S+token=[0-9a-f]{64}/)![0];
  await page.goto(new URL(link).pathname + new URL(link).search);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my account' }).click();
  await expect(page).toHaveURL(/\/customer\/account\/login\?confirmed=1/);
}

export async function customerSignIn(page: Page, email: string, password: string, path = '/customer/account/login', scripts = true) {
  await page.goto(path);
  if (scripts) await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await page.getByRole('button', { name: 'Sign In', exact: true }).click();
}

/**
 * The newest email of `template` to `email`, as the e2e server wrote it to its mail folder
 * (`mail_dir`: one text file a message, with the live links the email log never shows).
 */
export async function mailTo(email: string, template: string): Promise<string> {
  let found = '';
  await expect
    .poll(() => {
      const files = fs.existsSync(MAIL_DIR) ? fs.readdirSync(MAIL_DIR).sort().reverse() : [];
      for (const f of files) {
        const text = fs.readFileSync(path.join(MAIL_DIR, f), 'utf8');
        if (text.includes(`To: ${email}\n`) && text.includes(`Template: ${template}\n`)) {
          found = text;
          return true;
        }
      }
      return false;
    }, { message: `a ${template} email to ${email} in ${MAIL_DIR}` })
    .toBe(true);
  return found;
}
