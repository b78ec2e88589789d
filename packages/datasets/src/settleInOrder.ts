/**
 * Like `Promise.all`, but when several promises reject it throws the rejection of the first one in
 * argument order, not the first in time, so the error a caller sees does not depend on I/O timing.
 * Every promise is awaited before anything is thrown (no rejection is left unhandled).
 */
export async function settleInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
