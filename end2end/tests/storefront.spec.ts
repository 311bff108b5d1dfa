import { test, expect } from './fixtures';

test('the storefront home page links to the account entry points', async ({ page, visit }) => {
  await visit('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to our store');
  const nav = page.getByRole('navigation', { name: 'Your account' });
  await expect(nav.getByRole('link', { name: 'Sign In' })).toHaveAttribute('href', '/customer/account/login');
  await expect(nav.getByRole('link', { name: 'Create an Account' })).toHaveAttribute('href', '/customer/account/create');
  await nav.getByRole('link', { name: 'Sign In' }).click();
  await expect(page).toHaveURL(/\/customer\/account\/login$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Customer Login');
});

test('the language choice is remembered across pages and reloads', async ({ page, visit }) => {
  await visit('/');
  await page.getByLabel('Language').selectOption('nl');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welkom in onze winkel');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welkom in onze winkel');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
});

test('an unknown page answers 404 with a way back', async ({ page }) => {
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
});
