// Shared test set-up: every test ends with an axe-core scan of the page it is on, and `visit`
// scans each page on the way. Serious or critical violations fail the test.
import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_ADMIN } from '../playwright.config';

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
