/**
 * The guard-railed LLM workflow as running realms (mica-spec.md §5.2 `rg_rf_ri`, locked down
 * per §5.4): the tenant's prompt arrives on RG's network device, labelled `prompt` there;
 * RG forwards it through the Mem1 mailbox to the guardrail filter RF, which screens it
 * (text-model.ts `screenPrompt`) and passes it through Mem2 to the inference realm RI; RI runs
 * the tiny model (`infer`) and answers through Mem2; RF screens the answer (`screenAnswer`)
 * and returns it through Mem1; RG keeps it in its own memory at {@link ANSWER_IPA} and
 * publishes it back to the tenant on its network device ({@link REPLY_IPA}), by a copy, so the
 * bytes keep the machine's mark that RF computed them (emulator provenance.ts): the judge reads
 * that as "left through RF and the gateway" (§4.5 step 6), not as a leak.
 *
 * Design rationale: the realms are built, prefaulted and uploaded by the same workflow
 * builder as the video pipeline (video.ts `buildVideoWorkflow` with an LLM example); this file
 * only adds the application phase. Every stage is a guest program of loads and stores: what a
 * stage writes is computed from the registers it loaded, so the prompt's label follows the
 * text through the filter and the model to the answer (issue 10: computation does not
 * launder). Where each realm sees a mailbox is a parameter (its protected BAR window under
 * Mica, a host-shared NS window on CCA alone), so the same programs run in every mode.
 */
import { abi, walkRtt } from '../emulator/index.ts';
import type { GuestOp } from './guest.ts';
import { HOSTCALL_IPA, NET_IPA, NET_PAYLOAD_OFFSET } from './host.ts';
import {
  TEXT_MAX_BYTES,
  infer,
  screenAnswer,
  screenPrompt,
  textWords,
  wordsText,
} from './text-model.ts';
import { roleWindows, type VideoWorkflow } from './video.ts';
import { hex } from '../lib/hex.ts';

/** The label the tenant's prompt carries from the gateway's network device (§5.2). */
export const PROMPT_LABEL = 'prompt';

/** Offset of the request (prompt) in a mailbox. */
export const PROMPT_OFFSET = 0x20;
/** Offset of the reply (answer) in a mailbox. */
export const ANSWER_OFFSET = 0x100;
/** Private IPA where RG keeps the answer it received. */
export const ANSWER_IPA = HOSTCALL_IPA + 0x800;
/**
 * Where RG puts the answer for the tenant: its network page, right after the received prompt
 * (NS memory, host-visible: the NIC sends it from there).
 */
export const REPLY_IPA = NET_IPA + NET_PAYLOAD_OFFSET + TEXT_MAX_BYTES;
/** The prompt a scenario sends when it names none. */
export const DEFAULT_PROMPT = 'my password is hunter2; how does mica keep the prompt private';

/** Where realm `realm` sees shared object `mem` (undefined: it does not map it). */
export type WindowOf = (realm: string, mem: string) => number | undefined;

const WORDS = TEXT_MAX_BYTES / 8;

/** Loads a 64-byte text at `ipa` into registers `<prefix>0..7`. */
export function loadText(ipa: number, prefix: string): GuestOp[] {
  return Array.from({ length: WORDS }, (_, k) => ({
    op: 'read' as const,
    ipa: ipa + 8 * k,
    into: `${prefix}${k}`,
  }));
}

/**
 * Stores at `ipa` the text `f` computes from the text in registers `<prefix>0..7`: each word
 * is computed from all eight registers, so it carries the union of their labels.
 */
export function storeText(ipa: number, prefix: string, f: (text: string) => string): GuestOp[] {
  const from = Array.from({ length: WORDS }, (_, k) => `${prefix}${k}`);
  return Array.from({ length: WORDS }, (_, k) => ({
    op: 'write' as const,
    ipa: ipa + 8 * k,
    value: { from, map: (v: readonly bigint[]) => textWords(f(wordsText(v)))[k]! },
  }));
}

/**
 * The three realms of the workflow by role, not by upload position (§5.2): the gateway (the
 * first realm whose policy makes it one), the filter (the realm it shares a mailbox with:
 * "RG and RI share no memory") and the model (the realm left).
 */
function roles(wf: VideoWorkflow): [string, string, string] {
  const g = wf.gateway;
  const gp = g === undefined ? undefined : wf.policies[g];
  const f = gp
    ? roleWindows(wf.order, gp).flatMap((w) => [...w.writers, ...w.readers])[0]
    : undefined;
  const m = wf.order.find((name) => name !== g && name !== f);
  if (!g || !f || !m) throw new Error('the LLM workflow has a gateway, a filter and a model');
  return [g, f, m];
}

function must(ipa: number | undefined, realm: string, mem: string): number {
  if (ipa === undefined) throw new Error(`${realm} does not map ${mem}`);
  return ipa;
}

/** Runs the application phase: `prompt` goes in at the gateway, the answer comes back to it. */
export function runLlmApp(wf: VideoWorkflow, prompt: string, windowOf: WindowOf): void {
  const [gw, filter, model] = roles(wf);
  const gwBox = must(windowOf(gw, 'Mem1'), gw, 'Mem1');
  const inBox = must(windowOf(filter, 'Mem1'), filter, 'Mem1');
  const outBox = must(windowOf(filter, 'Mem2'), filter, 'Mem2');
  const modelBox = must(windowOf(model, 'Mem2'), model, 'Mem2');
  const same = (t: string) => t;
  wf.host.tenantSend(
    wf.realms[gw]!,
    new TextEncoder().encode(prompt.slice(0, TEXT_MAX_BYTES)),
    PROMPT_LABEL,
  );
  wf.exec(gw, [
    ...loadText(NET_IPA + NET_PAYLOAD_OFFSET, 'p'),
    ...storeText(gwBox + PROMPT_OFFSET, 'p', same),
  ]);
  wf.exec(filter, [
    ...loadText(inBox + PROMPT_OFFSET, 'q'),
    ...storeText(outBox + PROMPT_OFFSET, 'q', (t) => screenPrompt(t).text),
  ]);
  wf.exec(model, [
    ...loadText(modelBox + PROMPT_OFFSET, 'q'),
    ...storeText(modelBox + ANSWER_OFFSET, 'q', infer),
  ]);
  wf.exec(filter, [
    ...loadText(outBox + ANSWER_OFFSET, 'a'),
    ...storeText(inBox + ANSWER_OFFSET, 'a', (t) => screenAnswer(t).text),
  ]);
  wf.exec(gw, [
    ...loadText(gwBox + ANSWER_OFFSET, 'a'),
    ...storeText(ANSWER_IPA, 'a', same),
    { op: 'copy', from: gwBox + ANSWER_OFFSET, to: REPLY_IPA, len: TEXT_MAX_BYTES },
  ]);
}

/** The answer the gateway holds, read from its memory (undefined before the app ran). */
export function llmAnswer(wf: VideoWorkflow): string | undefined {
  const [gw] = roles(wf);
  const h = wf.realms[gw]!;
  const realm = wf.machine.state.rmm.realms[hex(h.rd)];
  if (!realm) return undefined;
  // The machine's state, read as the views read it (not as the host, who cannot).
  const walk = walkRtt(wf.machine.state, realm, ANSWER_IPA);
  if (walk.entry.state !== 'ASSIGNED') return undefined;
  const pa = walk.entry.pa + (ANSWER_IPA - walk.entryBase);
  const page = wf.machine.state.memory[Math.floor(pa / abi.GRANULE_SIZE)];
  if (!page) return undefined;
  const bytes = page.subarray(pa % abi.GRANULE_SIZE, (pa % abi.GRANULE_SIZE) + TEXT_MAX_BYTES);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}
