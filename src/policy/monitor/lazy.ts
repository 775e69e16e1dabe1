/**
 * The monitor's policy upload, fetched when first used (issue 14: the first screen carries
 * no policy decoder and no agreement check). RSI_UPLOAD_POLICY (mica-spec.md §3.3) is only
 * reached while a realm runs, and a realm runs only under a command that runs it (host
 * `run`, `rmi`, `smc`, every realm command), a lesson's setup or a pipeline run: the same
 * places that load the attestation code first, because the realm's program may ask for a
 * token. They load this code with it (src/shell/lazy.ts `REALM_RUN_CODE`), so the monitor's
 * RSI handler asks `UPLOAD_CODE.get()` synchronously.
 */
import { lazyCode, type LazyCode } from '../../lib/lazy.ts';

/** What the upload module exports (./upload.ts). */
export type UploadCode = typeof import('./upload.ts');

/** The policy upload code: load it before anything that may run a realm. */
export const UPLOAD_CODE: LazyCode<UploadCode> = lazyCode(
  'the policy upload code (the POLY decoder, the agreement and SGT checks)',
  () => import('./upload.ts'),
);
