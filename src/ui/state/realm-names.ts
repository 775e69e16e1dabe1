/**
 * A realm's name for the views, from the machine (mica-spec.md §3: the host names the realms it
 * builds; the Mica monitor keeps the name each uploaded policy gives). Its own small module so
 * the first screen (the timeline bar names the realm of an event) does not carry the Memory
 * view's model.
 */
import type { MachineView } from '../../emulator/index.ts';
import { micaOf } from '../../policy/index.ts';
import { hexGroups } from '../realms/realm-view.ts';
import { hex } from '../../lib/hex.ts';

/**
 * The name the host last gave the realm at `rd` (kept after a destroy; a VMM record, kept by
 * name, may hold an RD a later realm took), else its Mica name, else undefined.
 */
export function knownRealmName(state: MachineView['state'], rd: number): string | undefined {
  return (
    state.host?.names?.[hex(rd)] ??
    Object.values(state.host?.realms ?? {}).find((r) => r.rd === rd)?.name ??
    micaOf(state)?.realms[hex(rd)]?.name
  );
}

/** The name the host gave the realm at `rd`, else its Mica name, else its RD. */
export function realmNameOf(state: MachineView['state'], rd: number): string {
  return knownRealmName(state, rd) ?? `RD ${hexGroups(rd)}`;
}
