/**
 * The one place the machine views read the machine from (issue 14 "Time travel"): the lab's
 * live machine ("now"), or the machine as of a ledger event the learner chose on the timeline,
 * rebuilt by the run's timeline (src/emulator/timeline.ts; ARCHITECTURE.md "Time travel").
 *
 * Design rationale: the views (GPT map, realms, RTT, memory, token, pipeline, chain, ledger)
 * read the same fields the LabMachine publishes (`ledger`, `changed`, `realms`, `machine`,
 * ...), so each view only swaps `getLab()` for `getView()` and stays unaware of time travel.
 * Nothing here can change the machine: a past state is a detached copy behind a read-only
 * view, and terminals always run on the live machine. Any change to the live machine (a
 * command, undo, a Run) ends the visit to the past: the position belongs to the ledger it was
 * chosen on.
 */
import { createContext } from 'svelte';
import {
  ATTESTATION_CODE,
  abi,
  appraiseLastToken,
  hostRealms,
  viewOf,
  type Appraisal,
  type LedgerEvent,
  type MachineMode,
  type MachineState,
  type MachineView,
  type PastState,
} from '../../emulator/index.ts';
import { readRealms, type RealmView } from '../realms/realm-view.ts';
import {
  NO_INDICES,
  bootGranule,
  readChanged,
  type GranuleInfo,
  type GranuleMap,
} from './granules.ts';
import type { Highlight, LabMachine } from './machine.svelte.ts';

/** The granules an event touched (for the past's highlight). */
function touched(e: LedgerEvent | undefined): ReadonlySet<number> {
  if (!e) return NO_INDICES;
  switch (e.kind) {
    case 'gpt:update':
    case 'granule:transition':
    case 'mem:access':
    case 'gpf':
      return new Set([Math.floor(e.pa / abi.GRANULE_SIZE)]);
    default:
      return NO_INDICES;
  }
}

/** A past machine and everything the views derive from it, computed once per position. */
interface PastView {
  readonly state: Readonly<MachineState>;
  readonly machine: MachineView;
  readonly changed: GranuleMap;
  readonly realms: readonly RealmView[];
  readonly realmNames: readonly string[];
  readonly appraisal: Appraisal | undefined;
}

export class ViewSource {
  /** The position chosen on the timeline (see `position` for whether it still holds). */
  #chosen = $state.raw<number | undefined>(undefined);
  /** The live ledger the position was chosen on: any change to the machine ends the visit. */
  #on = $state.raw<readonly LedgerEvent[] | undefined>(undefined);

  /** The position shown (event N), or undefined for now. */
  readonly position = $derived.by(() =>
    this.#chosen !== undefined && this.#on === this.lab.ledger ? this.#chosen : undefined,
  );
  /** The rebuilt machine as of `position` (undefined when viewing now). */
  readonly past = $derived.by((): PastState | undefined =>
    this.position === undefined
      ? undefined
      : this.lab.timeline.stateAt(this.position, this.lab.machine),
  );
  readonly #view = $derived.by((): PastView | undefined => {
    const past = this.past;
    if (!past?.ok || past.now) return undefined;
    const machine = viewOf(past.state);
    return {
      state: past.state,
      machine,
      changed: readChanged(machine),
      realms: readRealms(machine),
      realmNames: hostRealms(machine).map((r) => r.name),
      // A past token was made (or restored) on this page, which loaded the verifier then.
      appraisal: ATTESTATION_CODE.loaded
        ? appraiseLastToken(past.state as MachineState)
        : undefined,
    };
  });

  /** Whether the views show the past (a rebuilt machine), not the live one. */
  readonly inPast = $derived(this.#view !== undefined);
  /** Why the chosen position cannot be shown, when it cannot. */
  readonly error = $derived(this.past && !this.past.ok ? this.past.error : undefined);
  /** The event the views are as of (undefined when viewing now). */
  readonly event = $derived.by(() =>
    this.#view && this.position !== undefined ? this.lab.ledger[this.position - 1] : undefined,
  );

  // What the views read: the same names as LabMachine's fields.
  readonly state = $derived.by((): Readonly<MachineState> => this.#view?.state ?? this.lab.state);
  readonly machine = $derived.by((): MachineView => this.#view?.machine ?? this.lab.machine);
  readonly ledger = $derived.by((): readonly LedgerEvent[] =>
    this.#view ? this.#view.state.ledger.events : this.lab.ledger,
  );
  readonly changed = $derived.by((): GranuleMap => this.#view?.changed ?? this.lab.changed);
  readonly realms = $derived.by((): readonly RealmView[] => this.#view?.realms ?? this.lab.realms);
  readonly realmNames = $derived.by(
    (): readonly string[] => this.#view?.realmNames ?? this.lab.realmNames,
  );
  readonly highlight = $derived.by((): Highlight =>
    this.#view
      ? { indices: touched(this.event), stamp: this.lab.highlight.stamp + (this.position ?? 0) }
      : this.lab.highlight,
  );
  readonly lastToken = $derived.by(() =>
    this.#view ? this.#view.state.host?.lastToken : this.lab.lastToken,
  );
  readonly lastChallenge = $derived.by(() =>
    this.#view ? this.#view.state.host?.lastChallenge : this.lab.lastChallenge,
  );
  readonly lastAppraisal = $derived.by(() =>
    this.#view ? this.#view.appraisal : this.lab.lastAppraisal,
  );
  readonly mode = $derived.by((): MachineMode => this.#view?.state.config.mode ?? this.lab.mode);

  /** `lab`: the page's machine, whose timeline rebuilds the past. */
  constructor(readonly lab: LabMachine) {}

  /** RD of the realm the learner is looking at (shared with the lab). */
  get selectedRealm(): number | undefined {
    return this.lab.selectedRealm;
  }
  set selectedRealm(rd: number | undefined) {
    this.lab.selectedRealm = rd;
  }

  /** The memory map of the board. */
  get memoryMap(): readonly abi.MemoryRegion[] {
    return this.lab.memoryMap;
  }

  /** What the views know about the granule at `pa`, as of the position shown. */
  granule(pa: number): GranuleInfo {
    return this.changed.get(Math.floor(pa / abi.GRANULE_SIZE)) ?? bootGranule(this.memoryMap, pa);
  }

  /** Shows the machine as of event `n` (the ledger's length, or beyond, is now). */
  goTo(n: number): void {
    const length = this.lab.ledger.length;
    if (n >= length) {
      this.returnToNow();
      return;
    }
    this.#on = this.lab.ledger;
    this.#chosen = Math.max(0, Math.floor(n));
  }

  /** Back to the live machine. */
  returnToNow(): void {
    this.#chosen = undefined;
    this.#on = undefined;
  }
}

const [getView, setView] = createContext<ViewSource>();

/** The page's view source (set by Lab beside the LabMachine). */
export { getView, setView };
