import { chromium } from 'playwright-core';
const [url, out, ...steps] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const p = await b.newPage({ viewport: { width: 1280, height: 720 } });
p.on('pageerror', e => console.log('PAGEERROR', e));
await p.goto(url); await p.locator('.xterm-rows').first().waitFor();
for (const s of steps) {
  if (s.startsWith('click:')) await p.getByRole(s.split(':')[1], { name: s.split(':').slice(2).join(':') }).first().click();
  else { await p.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus(); await p.keyboard.type(s); await p.keyboard.press('Enter'); }
  await p.waitForTimeout(150);
}
await p.waitForTimeout(400);
await p.screenshot({ path: out });
await b.close();
