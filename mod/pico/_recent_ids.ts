/**
 * A bounded set of recent ids: past `limit` entries the oldest is forgotten, so a remote
 * cannot grow it. `Set` keeps insertion order, which makes "oldest" the first key.
 */
export class RecentIds {
  readonly #limit: number;
  readonly #ids = new Set<string>();

  /** @param limit How many ids to remember. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Remembers `id`, forgetting the oldest one when full. */
  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.#limit) this.#ids.delete(this.#ids.values().next().value!);
  }

  /** Whether `id` is among the remembered ones. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size;
  }
}
