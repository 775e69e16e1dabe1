/**
 * A verifier report as terminal text (the host shell's `attest verify`, the CLI's `verify`).
 */
import { countsText, verdictOf } from '../verdict.ts';
import type { CheckStatus } from './check.ts';
import type { VerifierReport } from '../verify.ts';

const GLYPH: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '✗', skip: '–' };

/**
 * Renders a report for a terminal: one line per check (✓/✗/–, title, reason), then the
 * relying party's verdict in the lab's one vocabulary (verdict.ts) and the counts.
 */
export function formatReport(report: VerifierReport): string {
  const lines = report.checks.map((c) => {
    const bytes = c.range ? ` [bytes ${c.range[0]}..${c.range[1]})` : '';
    return `${GLYPH[c.status]} ${c.title}: ${c.reason}${bytes}`;
  });
  const verdict = verdictOf(report);
  return `${lines.join('\n')}\nVerdict: ${verdict.text}; ${countsText(verdict)}\n`;
}
