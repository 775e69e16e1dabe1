/**
 * `mica-lab run <scenario.json>... | --all <dir> [--json]`: runs workflow scenario files
 * (src/workflows/scenario-file.ts, issue 12 "CLI") headless. For each it prints the host's
 * steps, every flow that carried a label or was blocked (from, to, bytes, labels, allowed or
 * blocked with the clause in plain words), the leaks the machine's judge found, the group
 * verifier's verdict, and whether the outcome matched the file's expectation. `--json` prints
 * the same as one JSON document. CI runs every shipped scenario through here.
 * Exit codes: 0 every outcome matched, 1 one did not, 2 bad usage or a file the lab refuses
 * (the message names the file, line, column and key path).
 */
import {
  formatScenarioError,
  loadScenarioFile,
  type ScenarioFile,
} from '../../workflows/scenario-file.ts';
import { runScenarioFile, type FlowLine, type RunReport } from '../../workflows/run.ts';
import type { CliCommand, CliIo } from '../types.ts';
import { cannotList, cannotRead } from '../read-error.ts';
import { textOfFile } from '../../lib/text-file.ts';

const USAGE = 'run <scenario.json>... | run --all <dir> [--json] [--all-flows]';

function usage(io: CliIo, message: string): number {
  io.stderr(`mica-lab run: ${message}\nusage: mica-lab ${USAGE}\n`);
  return 2;
}

/** How a flow prints: `#seq from -> to  channel  N B [labels]  verdict: sentence [clause]`. */
function flowLine(f: FlowLine): string {
  const labels = f.labels.length > 0 ? ` [${f.labels.join(', ')}]` : '';
  const text = f.text.replace(/^LEAK: /, '');
  return `  #${f.seq} ${f.from} -> ${f.to}  ${f.channel}  ${f.bytes} B${labels}  ${f.verdict.toUpperCase()}: ${text} [${f.clause}]\n`;
}

/** What the file expects, in words. */
function expectedText(s: ScenarioFile): string {
  const e = s.expect;
  switch (e.outcome) {
    case 'no-leak':
      return `no leak${e.verifier ? `, verifier ${e.verifier}` : ''}`;
    case 'leak':
      return `leak through ${e.through}${e.check ? `, verifier rejects for ${e.check}` : ''}`;
    case 'blocked':
      return `blocked by ${e.clause}${e.verifier ? `, verifier ${e.verifier}` : ''}`;
    case 'rejected':
      return `verifier rejects for ${e.check}`;
  }
}

function print(io: CliIo, file: string, r: RunReport, allFlows: boolean): void {
  const s = r.scenario;
  io.stdout(`# ${s.id}: ${s.title}\n`);
  if (s.notes) io.stdout(`${s.notes}\n`);
  const realms = s.realms.map((x) => (x.program === 'honest' ? x.name : `${x.name}[${x.program}]`));
  io.stdout(
    `file: ${file}\nmode: ${s.mode}${s.gaps ? ` (gaps: ${s.gaps.join(', ') || 'none'})` : ''}    workflow: ${s.workflow}    realms: ${realms.join(', ')}\n`,
  );
  io.stdout('host:\n');
  for (const step of r.steps) io.stdout(`  ${step}\n`);
  const shown = allFlows
    ? r.flows
    : r.flows.filter((f) => f.labels.length > 0 || f.verdict !== 'allowed');
  io.stdout(
    `flows (${shown.length} of ${r.flows.length}${allFlows ? '' : '; unlabelled allowed set-up flows left out, --all-flows lists them'}):\n`,
  );
  for (const f of shown) io.stdout(flowLine(f));
  io.stdout(`leaks: ${r.leaks.length === 0 ? 'none' : ''}\n`);
  for (const l of r.leaks)
    io.stdout(`  ${l.label} reached ${l.to} through ${l.through} (${l.bytes} B)\n`);
  io.stdout(`verifier: ${r.verifier.kind}: ${r.verifier.reason}\n`);
  if (r.answer !== undefined) io.stdout(`answer held by the gateway: "${r.answer}"\n`);
  const o = r.outcome;
  const got =
    o.outcome === 'leak'
      ? `leak through ${o.through}`
      : o.outcome === 'blocked'
        ? `blocked by ${o.clause}`
        : o.outcome === 'rejected'
          ? `verifier rejects for ${o.check}`
          : 'no leak';
  io.stdout(`outcome: ${got}\nexpected: ${expectedText(s)}\n`);
  io.stdout(r.matched ? 'MATCH\n\n' : `MISMATCH: ${r.mismatch}\n\n`);
}

/** A report as JSON (the machine left out). */
function jsonOf(file: string, r: RunReport): unknown {
  const { machine: _machine, verdict: _verdict, ...rest } = r;
  return { file, ...rest };
}

/** The run subcommand. */
export const RUN_COMMAND: CliCommand = {
  name: 'run',
  usage: USAGE,
  summary: 'run workflow scenario files and check each outcome against its expectation',
  async run(args, io) {
    let json = false;
    let allFlows = false;
    let dir: string | undefined;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--json') json = true;
      else if (a === '--all-flows') allFlows = true;
      else if (a === '--all') {
        dir = args[++i];
        if (dir === undefined) return usage(io, '--all needs a directory');
      } else if (a.startsWith('-')) return usage(io, `unknown option "${a}"`);
      else files.push(a);
    }
    if (dir !== undefined) {
      if (!io.readDir) return usage(io, '--all cannot list directories here');
      let names: string[];
      try {
        names = await io.readDir(dir);
      } catch (error) {
        io.stderr(`mica-lab run: ${cannotList(dir, error)}\n`);
        return 2;
      }
      const json = names.filter((n) => n.endsWith('.json')).sort();
      if (json.length === 0) return usage(io, `no .json files in "${dir}"`);
      files.push(...json.map((n) => `${dir!.replace(/\/$/, '')}/${n}`));
    }
    if (files.length === 0) return usage(io, 'name a scenario file or --all <dir>');
    // Load everything first: a bad file is refused before anything runs.
    const loaded: { file: string; scenario: ScenarioFile }[] = [];
    for (const file of files) {
      let bytes: Uint8Array;
      try {
        bytes = await io.readFile(file);
      } catch (error) {
        io.stderr(`mica-lab run: ${cannotRead(file, error)}\n`);
        return 2;
      }
      const text = textOfFile(bytes);
      if (!text.ok) {
        io.stderr(`mica-lab run: ${file}: ${text.error}: a scenario file is JSON text\n`);
        return 2;
      }
      const l = loadScenarioFile(text.value);
      if (!l.ok) {
        io.stderr(`${formatScenarioError(file, l.error)}\n`);
        return 2;
      }
      loaded.push({ file, scenario: l.scenario });
    }
    const reports: unknown[] = [];
    let failed = 0;
    for (const { file, scenario } of loaded) {
      let r: RunReport;
      try {
        r = runScenarioFile(scenario);
      } catch (error) {
        // A file that loads but cannot be built (a policy the machine cannot take, ...).
        failed++;
        io.stderr(`${file}: cannot run: ${(error as Error).message}\n`);
        continue;
      }
      if (!r.matched) failed++;
      if (json) reports.push(jsonOf(file, r));
      else print(io, file, r, allFlows);
    }
    if (json)
      io.stdout(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n');
    else if (loaded.length > 1)
      io.stdout(
        `${loaded.length} scenarios: ${loaded.length - failed} matched, ${failed} did not\n`,
      );
    return failed === 0 ? 0 : 1;
  },
};
