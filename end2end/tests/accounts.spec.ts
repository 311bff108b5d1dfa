// Storefront account journeys: register and confirm, sign in, forgot/reset, lockout, the redirect
// setting, change email; and the sign-in, forgot and reset journeys again without JavaScript.
import { test, expect, hydrated, adminPage, settings, register, customerSignIn, mailTo, PASSWORD } from './fixtures';
import type { Browser, Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

let n = 0;
const freshEmail = (tag: string) => `${tag}.${Date.now()}.${n++}@example.com`;

/**
 * The link in the newest message of `template` to `email`. Admin > Email log shows the message
 * with its link withheld; the link itself is only in the email, which the e2e server writes to its
 * mail folder (`mail_dir`) as a text file.
 */
async function mailLink(admin: Page, email: string, template: string): Promise<string> {
  await admin.goto(`/admin/email-log?to=${encodeURIComponent(email)}&template=${template}`);
  await admin.locator('table.grid tbody tr a').first().click();
  const logged = await admin.getByTestId('email-body').innerText();
  expect(logged).not.toMatch(/token=/);
  const link = (await mailTo(email, template)).match(/https?:\/\/\S+token=[0-9a-f]{64}/);
  expect(link).not.toBeNull();
  const url = new URL(link![0]);
  return url.pathname + url.search;
}

/** Registers and confirms an account through the storefront and the email log. */
async function account(page: Page, admin: Page, email: string) {
  await register(page, email);
  await expect(page).toHaveURL(/\/customer\/account\/confirmation\?sent=1/);
  await page.goto(await mailLink(admin, email, 'confirm_email'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my account' }).click();
  await expect(page).toHaveURL(/\/customer\/account\/login\?confirmed=1/);
}

test('register, confirm from the email log, sign in, see the dashboard', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  const email = freshEmail('ada');
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  // Not confirmed yet: the right password says so.
  await customerSignIn(page, email, PASSWORD);
  await expect(page.getByRole('alert').filter({ hasText: 'not confirmed' })).toBeVisible();
  await page.goto(await mailLink(admin, email, 'confirm_email'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my account' }).click();
  await expect(page.getByRole('status')).toContainText('Thank you for confirming');
  await customerSignIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My Account');
  await expect(page.getByTestId('contact-email')).toHaveText(email);
  await admin.close();
});

test('forgot password, reset from the link: the new password works, the old one and the link do not', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  await settings(admin, { reset_protection: 'none' });
  const email = freshEmail('reset');
  await account(page, admin, email);
  await page.goto('/customer/account/forgotpassword');
  await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.getByRole('button', { name: 'Reset My Password' }).click();
  await expect(page.getByRole('status')).toContainText('If there is an account');
  const link = await mailLink(admin, email, 'reset_password');
  await page.goto(link);
  await hydrated(page);
  await page.locator('#f-password').fill('fresh meadow river');
  await page.locator('#f-password_confirmation').fill('fresh meadow river');
  await page.getByRole('button', { name: 'Set New Password' }).click();
  await expect(page).toHaveURL(/\/customer\/account\/login\?reset=1/);
  await expect(page.getByRole('status')).toContainText('You updated your password');
  await customerSignIn(page, email, PASSWORD);
  await expect(page.getByRole('alert')).toContainText('incorrect');
  await customerSignIn(page, email, 'fresh meadow river');
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  // The link is used up.
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('This link is not valid');
  await admin.close();
});

test('lockout after the configured failures, unlocked by a password reset', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  await settings(admin, { reset_protection: 'none', lockout_failures: 3 });
  const email = freshEmail('lock');
  await account(page, admin, email);
  for (let i = 0; i < 3; i++) {
    await customerSignIn(page, email, 'not my password');
    await expect(page.getByRole('alert')).toContainText('incorrect');
  }
  // Locked: the right password gets the very same answer.
  await customerSignIn(page, email, PASSWORD);
  await expect(page.getByRole('alert')).toContainText('incorrect');
  await expect(page).toHaveURL(/\/customer\/account\/login/);
  await page.goto('/customer/account/forgotpassword');
  await hydrated(page);
  await page.locator('#f-email').fill(email);
  await page.getByRole('button', { name: 'Reset My Password' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  await page.goto(await mailLink(admin, email, 'reset_password'));
  await hydrated(page);
  await page.locator('#f-password').fill('unlocked harbour bell');
  await page.locator('#f-password_confirmation').fill('unlocked harbour bell');
  await page.getByRole('button', { name: 'Set New Password' }).click();
  await expect(page).toHaveURL(/reset=1/);
  await customerSignIn(page, email, 'unlocked harbour bell');
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  await settings(admin, { lockout_failures: 10 });
  await admin.close();
});

test('the redirect setting decides where sign-in lands', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  const email = freshEmail('land');
  await account(page, admin, email);
  await settings(admin, { redirect_to_dashboard: false });
  await customerSignIn(page, email, PASSWORD, '/customer/account/login?referer=%2F');
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('button', { name: 'Sign Out' }).click();
  await expect(page).toHaveURL(/signed_out=1/);
  await settings(admin, { redirect_to_dashboard: true });
  await customerSignIn(page, email, PASSWORD, '/customer/account/login?referer=%2F');
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  await settings(admin, { redirect_to_dashboard: false });
  await admin.close();
});

test('changing the email asks for the current password', async ({ page, browser }) => {
  const admin = await adminPage(browser);
  const email = freshEmail('change');
  const newEmail = freshEmail('changed');
  await account(page, admin, email);
  await customerSignIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/customer\/account\/$/);
  await page.goto('/customer/account/edit');
  await hydrated(page);
  await page.locator('#f-change_email').check();
  await page.locator('#f-email').fill(newEmail);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#f-current_password-msg')).toContainText('current password is not correct');
  await page.locator('#f-current_password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page).toHaveURL(/saved=1/);
  await expect(page.getByTestId('contact-email')).toHaveText(newEmail);
  // The old address is told of the change, and the new one that it is now the account's.
  expect(await mailTo(email, 'email_changed')).toContain(newEmail);
  expect(await mailTo(newEmail, 'email_new')).toContain(newEmail);
  await admin.close();
});

test('without JavaScript: sign in (with its error), forgot and reset work as plain forms', async ({ browser }) => {
  // Its own context (as in admin.spec.ts): the page's axe scan after the test needs scripts.
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  {
    const admin = await adminPage(browser);
    await settings(admin, { reset_protection: 'none' });
    const email = freshEmail('nojs');
    // The account is made with scripts on (registration is not part of this journey).
    const scripted = await browser.newPage();
    await account(scripted, admin, email);
    await scripted.close();

    await customerSignIn(page, email, 'wrong password!', undefined, false);
    await expect(page.getByRole('alert')).toContainText('incorrect');
    await page.goto('/customer/account/forgotpassword');
    await page.locator('#f-email').fill(email);
    await page.getByRole('button', { name: 'Reset My Password' }).click();
    await expect(page.getByRole('status')).toContainText('If there is an account');
    const link = await mailLink(admin, email, 'reset_password');
    await page.goto(link);
    await page.locator('#f-password').fill('plain form passphrase');
    await page.locator('#f-password_confirmation').fill('not the same passphrase');
    await page.getByRole('button', { name: 'Set New Password' }).click();
    await expect(page.locator('#f-password_confirmation-msg')).toContainText('not the same');
    await page.locator('#f-password').fill('plain form passphrase');
    await page.locator('#f-password_confirmation').fill('plain form passphrase');
    await page.getByRole('button', { name: 'Set New Password' }).click();
    await expect(page).toHaveURL(/\/customer\/account\/login\?reset=1/);
    await customerSignIn(page, email, 'plain form passphrase', undefined, false);
    await expect(page).toHaveURL(/\/customer\/account\/$/);
    await expect(page.getByTestId('contact-email')).toHaveText(email);
    await admin.close();
  }
});
