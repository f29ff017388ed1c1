// How the Z.AI key goes on a request, in one vocabulary for both places that send it. The messages
// endpoint takes it as `x-api-key` or `Authorization: Bearer` (ZAI_HEADER_MODE, HeaderMode); the quota
// endpoint takes it in `Authorization`, bare (as Z.AI's own usage plugin sends it) or as Bearer
// (docs/ZAI.md). Whichever answered 2xx is kept; on a 401/403 the other one is tried once. Pure.
import type { HeaderMode } from '../../common/config.js';

/** A way to present the key: the two header modes, or a bare Authorization value. */
export type ZaiKeyMode = HeaderMode | 'authorization-bare';

/** The modes each endpoint accepts, in the order tried. */
export const MESSAGES_KEY_MODES: readonly HeaderMode[] = ['x-api-key', 'authorization'];
export const QUOTA_KEY_MODES: readonly ZaiKeyMode[] = ['authorization-bare', 'authorization'];

/** The header that carries `key` in `mode`. */
export function zaiKeyHeader(mode: ZaiKeyMode, key: string): [name: string, value: string] {
  if (mode === 'x-api-key') return ['x-api-key', key];
  return ['authorization', mode === 'authorization' ? `Bearer ${key}` : key];
}

/** The other mode an endpoint accepts, to try once after a 401/403. */
export function otherKeyMode<M extends ZaiKeyMode>(mode: M, modes: readonly M[]): M {
  return modes.find((m) => m !== mode) ?? mode;
}
