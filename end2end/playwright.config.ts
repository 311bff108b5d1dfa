// Playwright drives Debian's Chromium (a downloaded browser cannot work on machines that reach
// package registries only). scripts/e2e.sh picks a free port and a fresh database directory.
import { defineConfig } from '@playwright/test';
import * as path from 'node:path';

const port = process.env.E2E_PORT ?? '3100';
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, '..');
export const DEMO_ADMIN = { email: 'admin@example.com', password: 'e2e-demo-password-42' };
export const DEMO_CUSTOMERS = 1500;
const data = process.env.E2E_DATA ?? path.join(root, 'target/e2e-data');
/** Where the e2e server writes its emails (one text file each): the links are only there. */
export const MAIL_DIR = path.join(data, 'mail');


/**
 * `E2E_CLUSTER=1` (scripts/e2e.sh's second pass): a real `surreal` server, two app servers on it
 * over ws:// and a balancer in front that alternates requests between them; the browser only
 * sees the balancer.
 */
const cluster = process.env.E2E_CLUSTER === '1';

/** One `clientele serve` on `listen`, answering as `baseURL` (the balancer's, in a cluster). */
function appServer(listen: string, database: string, demo: boolean, more: Record<string, string> = {}) {
  return {
    command: `${process.env.E2E_BIN ?? path.join(root, 'target/debug/clientele')} serve`,
    // Ready: the read models are built (it answers /healthz, and the storefront, before that).
    url: `http://127.0.0.1:${listen}/readyz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: {
      CLIENTELE_LISTEN: `127.0.0.1:${listen}`,
      CLIENTELE_BASE_URL: baseURL,
      CLIENTELE_DATABASE__URL: database,
      CLIENTELE_MAIL_DIR: MAIL_DIR,
      CLIENTELE_SITE_ROOT: process.env.E2E_SITE_ROOT ?? path.join(root, 'target/site'),
      CLIENTELE_DEMO__ENABLED: String(demo),
      CLIENTELE_DEMO__CUSTOMERS: String(DEMO_CUSTOMERS),
      CLIENTELE_DEMO__ADMIN_EMAIL: DEMO_ADMIN.email,
      CLIENTELE_DEMO__ADMIN_PASSWORD: DEMO_ADMIN.password,
      CLIENTELE_LOG__LEVEL: 'warn',
      // The journeys sign in far more often than one person would.
      CLIENTELE_RATE_LIMIT__PER_MINUTE: '1000',
      // Now Online: write activity and push the open page every second.
      CLIENTELE_ONLINE__FLUSH_SECONDS: '1',
      CLIENTELE_ONLINE__PUSH_SECONDS: '1',
      ...more,
    },
  };
}

/** Started in order, each once it answers: the database, app A (seeds the demo), app B, the balancer. */
function clusterServers() {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`E2E_CLUSTER needs ${name} (scripts/e2e.sh sets it)`);
    return v;
  };
  const [dbPort, aPort, bPort] = [need('E2E_DB_PORT'), need('E2E_PORT_A'), need('E2E_PORT_B')];
  const password = need('E2E_DB_PASSWORD');
  const ws = {
    CLIENTELE_DATABASE__USERNAME: 'root',
    CLIENTELE_DATABASE__PASSWORD: password,
  };
  return [
    {
      command: `${need('SURREAL_BIN')} start --no-banner --log warn --bind 127.0.0.1:${dbPort} --user root --pass ${password} memory`,
      port: Number(dbPort),
      timeout: 60_000,
      reuseExistingServer: false,
    },
    appServer(aPort, `ws://127.0.0.1:${dbPort}`, true, ws),
    appServer(bPort, `ws://127.0.0.1:${dbPort}`, false, ws),
    {
      command: `node ${path.join(__dirname, 'scripts/balance.mjs')}`,
      url: `${baseURL}/healthz`,
      timeout: 60_000,
      reuseExistingServer: false,
      env: { BALANCE_PORT: port, BALANCE_UPSTREAMS: `${aPort},${bPort}` },
    },
  ];
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  // The foundation suite checks the seeded customer count; the customers suite changes customers,
  // so it runs after it.
  projects: [
    { name: 'foundation', testMatch: /(admin|storefront)\.spec\.ts/ },
    { name: 'customers', testMatch: /customers\.spec\.ts/, dependencies: ['foundation'] },
    // Account journeys change the customer settings, so they run after the others.
    { name: 'accounts', testMatch: /accounts\.spec\.ts/, dependencies: ['customers'] },
    // Now Online and Login as Customer change settings too (interval, the feature switch).
    { name: 'service', testMatch: /service\.spec\.ts/, dependencies: ['accounts'] },
    // The interface checks of issue 12 read the email log the journeys above filled.
    { name: 'interface', testMatch: /interface\.spec\.ts/, dependencies: ['service'] },
    // The public API only reads customers and makes its own tokens: it runs beside the others.
    { name: 'api', testMatch: /api\.spec\.ts/ },
    // What the browser downloads for a first visit: reads only, beside the others.
    { name: 'download', testMatch: /download\.spec\.ts/ },
    // Orders register a customer, which needs the settings the journeys above leave as they were.
    { name: 'orders', testMatch: /orders\.spec\.ts/, dependencies: ['interface'] },
    // A visitor's cart carries over at sign-in: it registers a customer, so it runs before segments.
    { name: 'visitors', testMatch: /visitors\.spec\.ts/, dependencies: ['orders'] },
    // Segments count customers exactly, so they run once nothing else changes them.
    { name: 'segments', testMatch: /segments\.spec\.ts/, dependencies: ['visitors'] },
    // Dynamic blocks make a segment and register customers: after the exact segment counts.
    { name: 'content', testMatch: /content\.spec\.ts/, dependencies: ['segments'] },
    // Audiences register customers and set the audience source: after the blocks.
    { name: 'audiences', testMatch: /audiences\.spec\.ts/, dependencies: ['content'] },
    // Cart price rules make a segment and register customers: after the audiences.
    { name: 'promotions', testMatch: /promotions\.spec\.ts/, dependencies: ['audiences'] },
    // Only behind the balancer: both app servers answered, in turn. Last and alone, so that its
    // own requests are the only ones the balancer alternates while it counts them.
    ...(cluster ? [{ name: 'cluster', testMatch: /cluster\.spec\.ts/, dependencies: ['accounts'] }] : []),
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: cluster ? clusterServers() : appServer(port, `rocksdb://${data}/db`, true),
});
