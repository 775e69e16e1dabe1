/**
 * The start state the Mica lessons share: the §5.1 video-moderation pipeline (gateway,
 * encoder, moderator, storage) built and uploaded by the policy package's builder, captured
 * as a snapshot and restored onto the lesson's machine. The setup does what the tenant's set-up
 * scripts would (lessons 04-mica/03 and 04 build the same pipeline from the terminals instead);
 * the learner then acts as the host with `rmi`, `read` and `gpt`.
 *
 * The addresses below are what the builder allocates on a fresh machine (it is
 * deterministic); the catalogue test replays every solution that uses them, so a change in
 * the builder shows up there. Snapshots are cached per mode: building takes most of a second.
 */
import type { Machine, MachineMode, MachineSnapshot } from '../../emulator/index.ts';
import { micaView, type MicaView } from '../../policy/index.ts';
import { buildVideoWorkflow } from '../../workflows/index.ts';
import { snapshotSetup } from '../runner.ts';
import { hex } from '../../lib/hex.ts';

/** Size of each shared object in the lessons' pipeline (4 pages). */
export const PIPE_SIZE = 0x4000;
/** RD of each realm, as the builder allocates them. */
export const RD = {
  gateway: 0x80001000,
  encoder: 0x80033000,
  moderator: 0x80048000,
  storage: 0x8005d000,
} as const;
/** First physical page of Mem1 (gateway → encoder). */
export const MEM1_PA = 0x8007b000;
/** An IPA in storage's shared-memory BAR, just past its declared Mem3 window (outside it) */
export const UNDECLARED_IPA = 0x18000004000;
/** An unprotected IPA of the encoder (a non-gateway stage: the host gave it no console page). */
export const NS_IPA = 0x20000001000;

const cache = new Map<MachineMode, MachineSnapshot>();

/** The uploaded pipeline in `mode`, as a snapshot. */
export function pipelineSnapshot(mode: Exclude<MachineMode, 'cca'>): MachineSnapshot {
  let snap = cache.get(mode);
  if (!snap) {
    snap = buildVideoWorkflow({ mode, size: PIPE_SIZE }).machine.snapshot();
    cache.set(mode, snap);
  }
  return snap;
}

/** A lesson setup restoring the uploaded pipeline. */
export function pipelineSetup(mode: Exclude<MachineMode, 'cca'>): (machine: Machine) => void {
  return (machine) => snapshotSetup(pipelineSnapshot(mode))(machine);
}

/** The monitor view, or an empty one (a CCA machine: no monitor). */
export function monitorOf(state: Parameters<typeof micaView>[0]): MicaView {
  return (
    micaView(state) ?? { mode: 'cca', gaps: [], realms: [], pipes: [], sgt: [], transitions: 0 }
  );
}

/** Name of the realm with RD `rd`, or its address. */
export function realmNameOf(view: MicaView, rd: number): string {
  return view.realms.find((r) => r.rd === rd)?.name ?? hex(rd);
}
