/**
 * The tenant's side of the host terminal: `tenant send`. The tenant owns the sensitive input
 * of a pipeline (mica-spec.md §1.1: the tenant writes the policies and trusts no stage) and
 * sends it to the gateway realm's network device (§5.1: the video enters at the gateway).
 * This is the lab's declared source of provenance labels (issue 10, "labels are facts"): the
 * packet waits in the VMM until the realm runs `net recv`, and the device labels its bytes
 * where they arrive. Nothing a realm runs can attach or remove a label.
 */
import {
  TENANT_INPUT_LABEL,
  hostRealm,
  hostRealms,
  tenantSend,
  unknownHostRealm,
} from '../../emulator/index.ts';
import { parseData } from '../args.ts';
import { badSubcommand, out, usageError, type ShellCommand } from '../types.ts';
import type { HostEnv } from './index.ts';

/** A label the tenant may declare: a word like video or prompt. */
const LABEL_WORD = /^[a-z][a-z0-9_-]*$/i;

/** The tenant command family. */
export const TENANT_COMMANDS: readonly ShellCommand<HostEnv>[] = [
  {
    name: 'tenant',
    usage: `send <realm> <hex|"text"> [--as <label>]`,
    summary: `send the tenant's sensitive input to a realm's network device (labelled ${TENANT_INPUT_LABEL})`,
    help: [
      'tenant send gw "frame 0001"            queue a packet for gw, declared video',
      'tenant send gw "what is 2+2" --as prompt   the same, declared prompt',
      'The realm takes it with "net recv <ipa>"; its bytes carry the label from then on.',
      'Only a realm created with --net has a network device.',
    ],
    run(args, env, meta) {
      const [sub, name, dataWord, flag, labelWord, extra] = args;
      if (sub !== 'send') return badSubcommand(sub, ['send']);
      if (name === undefined) return usageError('missing <realm>');
      const data = parseData(dataWord, meta.quoted[2] ?? false);
      if (!data.ok) return usageError(data.error);
      let label = TENANT_INPUT_LABEL;
      if (flag !== undefined) {
        if (flag !== '--as' || labelWord === undefined || !LABEL_WORD.test(labelWord)) {
          return usageError(
            'only "--as <label>" (a word like video or prompt) may follow the data',
          );
        }
        if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
        label = labelWord;
      }
      const realm = hostRealm(env.machine, name);
      const sent = tenantSend(realm, data.value, label);
      if (!sent.ok) {
        switch (sent.error) {
          case 'no-realm':
            return usageError(
              hostRealms(env.machine).some((r) => r.name === name.toLowerCase())
                ? unknownHostRealm(env.machine, name)
                : `no realm "${name}" (create it with "realm create ${name} --net")`,
            );
          case 'no-net':
            return [
              out.error(`tenant: realm "${name}" has no network device.`),
              out.dim(`  Only realms created with "realm create ${name} --net" can receive input.`),
            ];
          case 'empty':
            return usageError('the packet is empty');
          case 'too-long':
            return usageError('the packet does not fit in one network buffer page');
        }
      }
      return [
        out.ok(
          `tenant: ${data.value.length} byte${data.value.length === 1 ? '' : 's'} for ${name} wait on its network device, declared ${label}`,
        ),
        out.dim(
          `  Run "@${name} net recv <ipa>" to take them in; the device labels them ${label} where they arrive.`,
        ),
      ];
    },
  },
];
