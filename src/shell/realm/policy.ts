/**
 * Realm `policy` command (mica-spec.md §3.3-§3.4): `policy list`, `policy show <example>` and
 * `policy upload <example>|"<policy text>"`. An upload is what the realm's set-up script does:
 * read-touch one byte per page of every PROTECTED window the policy declares for this realm
 * (the host resolves each fault with RMI_DATA_CREATE_UNKNOWN_SHARED, see host/mica.ts), write
 * the POLY page into the realm's own RAM and call RSI_UPLOAD_POLICY with its IPA. The monitor
 * decides; the terminal prints its answer, the check or clause that decided, and REM0.
 *
 * The implementation (the policy parser, the examples, the encoder) is policy-run.ts, loaded
 * when the command first runs (issue 14).
 */
import { lazyCode } from '../../lib/lazy.ts';
import type { ShellCommand } from '../types.ts';
import type { RealmEnv } from './run.ts';

/** The `policy` command's implementation, loaded when it first runs. */
export const POLICY_COMMAND_CODE = lazyCode(
  'the realm policy command',
  () => import('./policy-run.ts'),
);

/**
 * The realm terminal line that uploads policy `text` as typed: `policy upload '<text>'`, the
 * text on one line (policy text has no comments and no line breaks inside strings, so joining
 * lines changes no value). The page's policy editor types this line into the realm's terminal,
 * so an upload from the editor is one more line in that terminal's transcript and history.
 * Text holding a single quote is double-quoted with backslash escapes instead.
 */
export function policyUploadLine(text: string): string {
  const oneLine = text.trim().replace(/\s*\n\s*/g, ' ');
  if (!oneLine.includes("'")) return `policy upload '${oneLine}'`;
  return `policy upload "${oneLine.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The realm policy command. */
export const POLICY_SHELL_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  {
    name: 'policy',
    maxArgs: { list: 0 },
    usage:
      'list | show <example>[/<realm>] | upload <example>[/<realm>] | upload "<policy text>" | blob[s] [--hex]',
    summary: 'Mica: show an example policy, or prefault the windows and RSI_UPLOAD_POLICY it',
    help: [
      'policy list                         the workflow examples and their realms',
      "policy show video-moderation        this realm's file of the example (labels bound to RIMs)",
      'policy upload video-moderation      prefault its PROTECTED windows, write the POLY page,',
      "                                    RSI_UPLOAD_POLICY; prints the monitor's verdict and REM0",
      'policy upload size-mismatch         a broken variant: the agreement check names the clause',
      'policy upload \'{ "Self": "VM2", ... }\'  policy text as typed, on one line (the page\'s Policy',
      '                                    tab types this line when you press Upload)',
      'Name the realms like the example (gateway, encoder, ...) and wire the objects on the host',
      'first: "mica share Mem1 gateway:0 encoder:0" (mica-spec.md §3.3-§3.4). One upload per realm.',
      "policy blob [--hex]                 this realm's policy blob as the RMM holds it (payload0)",
      "policy blobs [--hex]                every group member's blob (cca_policies, mica-spec.md §4.4)",
    ],
    needs: [POLICY_COMMAND_CODE],
    run: (args, env, meta) => POLICY_COMMAND_CODE.get().runPolicy(args, env, meta),
  },
];
