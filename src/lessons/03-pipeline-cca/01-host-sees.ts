/**
 * Lesson 03-pipeline-cca/01: with plain CCA, what leaves a realm is the host's. The setup
 * starts the tenant's gateway realm with a network device; the learner, as the tenant, sends
 * a video frame to it (`tenant send`: the declared source, whose device labels the bytes
 * `video` where they arrive; issue 10, labels are facts, no program sets one), takes it into
 * protected memory (`net recv`), fails to read it from the host there, then prints it on the
 * realm's console, an emulated device backed by a shared NS page, and reads it from there as
 * the host. Goals read the source flow, GPFs, labelled `flow` events and the host's reads
 * from the ledger: "it leaked" is a fact the machine observed.
 * Spec: cca-spec.md §4.3 (protected vs unprotected IPA), §2.5 (exits); mica-spec.md §1.2-1.3
 * (channels, what counts as a leak); DEN0137 A5.2 (realm view of memory).
 */
import { SOURCE_RULE, type Machine } from '../../emulator/index.ts';
import type { Lesson } from '../schema.ts';
import { openTerminals } from '../terminals.ts';
import { eventsOf, hostReadsBesidesDevices, listWords } from '../ledger-queries.ts';
import { hex as hexPa } from '../../lib/hex.ts';

/** Where a realm's data can go that the host can read (plain CCA: all of them). */
const HOST_VISIBLE = ['memory', 'register', 'console', 'network', 'host'];

const FRAME = 'frame 0001: a face, a street sign, a licence plate';

function setup(machine: Machine): void {
  openTerminals(machine).execute('realm create gw --image shell --net');
}

const body = `
## The video has to go somewhere

The tenant's video enters the pipeline at the **gateway** realm. Inside the realm it is safe:
the realm's memory is DATA granules in the Realm PAS, and every host access to them ends in a
Granule Protection Fault (GPF). But a pipeline exists to pass data on, and a realm in plain CCA
has only these ways to talk to anything outside itself:

* **unprotected IPAs** (the top half of its IPA space), mapped by the host to *NS* pages;
* **emulated devices** (console, network, virtio): the realm writes to an address the host
  traps, and the host's VMM performs the I/O;
* **exit registers** (MMIO values, \`RSI_HOST_CALL\` arguments) the host reads at a REC exit.

Every one of them is host memory or host code. CCA protects data *at rest in a realm*; it
says nothing about data a realm hands out. To make the difference visible, the lab tracks
**provenance labels**. A label is a fact of the machine, not something a program can claim:
it is attached only where the tenant's input enters (here, the gateway's network device
labels the tenant's packet \`video\` as it arrives), and from there it travels with the
bytes through every load, store and copy. No command inside a realm can add or remove one.
The ledger records a labelled **flow** each time labelled bytes cross a boundary, with the
rule that allowed it.

(The lab does not model the encryption a real tenant would use to reach its attested gateway,
so the packet is readable in the network buffer on its way in; that arrival is the input, not
a leak. What matters is what the realm does with it afterwards.)

## Your turn

The setup created the gateway realm \`gw\` with a network device. Lines starting with
\`@gw\` go to its terminal.

1. As the tenant, send a frame to the gateway: \`tenant send gw "..."\`.
2. Inside the realm, take it into private memory: \`@gw net recv 0x1000\`.
3. As the host, find the granule behind IPA 0x1000 (\`rtt gw 0x1000\`) and try to read it.
4. Inside the realm, print the frame on the console: \`@gw console @0x1000 32\`.
5. As the host, find the console's shared page (\`realm show gw\`) and read it.
`;

/** The lesson. */
export const HOST_SEES: Lesson = {
  status: 'ready',
  id: '03-pipeline-cca/01-host-sees',
  part: '03-pipeline-cca',
  title: 'What leaves a realm is the host’s',
  summary:
    'Send a video frame to the gateway realm, watch the host fail to read it there, then read it anyway once the realm prints it.',
  objectives: [
    'Name the ways a realm can pass data out in plain CCA, and who controls each.',
    'Explain why CCA isolation does not protect data in transit between realms.',
    'Say where a provenance label comes from (a declared source), and follow a labelled flow in the ledger from a realm to the host.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup,
  goals: [
    {
      id: 'input',
      title: 'Get the tenant’s frame into the gateway: it arrives labelled at the network device.',
      check({ ledger }) {
        const input = eventsOf(ledger, 'flow').find(
          (f) => f.decision.rule === SOURCE_RULE && f.destination.kind === 'realm',
        );
        return input
          ? {
              done: true,
              detail: `${input.bytes} bytes labelled ${listWords(input.labels)} arrived for ${input.destination.name}`,
            }
          : { done: false, detail: 'no tenant input has reached a realm yet' };
      },
    },
    {
      id: 'protected',
      title: 'As the host, fail to read the realm’s memory (a GPF on one of its DATA granules).',
      check({ machine, ledger }) {
        const hit = eventsOf(ledger, 'gpf').find(
          (f) =>
            f.actor === 'host' &&
            machine.granuleOf(f.pa).state === 'DATA' &&
            machine.granuleOf(f.pa).realm !== undefined,
        );
        return hit
          ? {
              done: true,
              detail: `GPF at ${hexPa(hit.pa)}: DATA of realm ${hexPa(machine.granuleOf(hit.pa).realm ?? 0)}`,
            }
          : { done: false, detail: 'no host fault on a realm DATA granule yet' };
      },
    },
    {
      id: 'left-realm',
      title: 'Make labelled data leave the realm for a place the host can read.',
      check({ ledger }) {
        const flows = eventsOf(ledger, 'flow').filter(
          (f) =>
            f.labels.length > 0 &&
            f.decision.verdict === 'allowed' &&
            HOST_VISIBLE.includes(f.destination.kind),
        );
        const first = flows[0];
        if (!first) return { done: false, detail: 'no labelled data has left a realm yet' };
        const channels = [...new Set(flows.map((f) => f.channel))];
        return {
          done: true,
          detail: `data labelled ${listWords(first.labels)} left by ${listWords(channels)}; rule ${first.decision.rule}: ${first.decision.reason}`,
        };
      },
    },
    {
      id: 'host-read',
      title: 'As the host, read the labelled bytes from the NS page they were copied to.',
      check({ ledger }) {
        const copies = eventsOf(ledger, 'flow').filter(
          (f) =>
            f.labels.length > 0 &&
            f.destination.kind === 'memory' &&
            f.destination.address !== undefined,
        );
        // The VMM's own read of the console page, to print it, is the device's: the goal is
        // the learner's read (step 5), so it is not met by printing alone.
        const reads = hostReadsBesidesDevices(ledger);
        for (const c of copies) {
          const at = c.destination.address!;
          const read = reads.find((r) => r.seq > c.seq && r.pa < at + c.bytes && r.pa + r.len > at);
          if (read) {
            return {
              done: true,
              detail: `the host read ${listWords(c.labels)} bytes at ${hexPa(at)} in its own memory`,
            };
          }
        }
        return {
          done: false,
          detail:
            copies.length > 0
              ? `labelled bytes are in NS memory at ${hexPa(copies[0]!.destination.address!)}; read them`
              : 'no labelled bytes in NS memory yet',
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`help tenant` shows how the tenant sends its input; `@gw help` lists what software inside the realm can do; `help rtt` and `help realm` what the host can inspect.',
    },
    {
      tier: 'stronger',
      text: '`tenant send gw "..."` then `@gw net recv 0x1000`. `rtt gw 0x1000` prints the PA behind the IPA; the host read of it faults. After `@gw console @0x1000 32`, `realm show gw` lists the shared NS pages.',
    },
    {
      tier: 'near-solution',
      text: `\`tenant send gw "${FRAME}"\`, \`@gw net recv 0x1000\`, \`read 0x8400e000 32\`, \`@gw console @0x1000 32\`, \`read 0x8400f000 48\`.`,
    },
  ],
  solution: [
    `tenant send gw "${FRAME}"`,
    '@gw net recv 0x1000',
    'rtt gw 0x1000',
    'read 0x8400e000 32',
    '@gw console @0x1000 32',
    'realm show gw',
    'read 0x8400f000 48',
  ],
  glossary: ['Realm', 'IPA', 'Flow ledger / ledger', 'GPC / GPF'],
  specRefs: [
    { source: 'cca-spec.md', section: '§4.3', title: 'Protected vs unprotected IPA' },
    { source: 'DEN0137', section: 'A5.2', title: 'Realm view of memory management' },
    { source: 'mica-spec.md', section: '§1.2', title: 'Channels Mica controls' },
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
  ],
};
