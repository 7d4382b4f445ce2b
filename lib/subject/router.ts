// Routing of each received message to the topics and requests it belongs to: a map lookup per
// key extractor, and a scan of the predicate routes. The per-message hot path of multiplexing.

/** @internal What a received message is delivered to. */
export interface Route<Out> {
  live: boolean;
  deliver(value: Out): void;
}

interface Group<Out> {
  readonly keyOf: (value: Out) => unknown;
  readonly routes: Map<unknown, Route<Out>>;
}

/**
 * @internal Routes each message: routes registered with a key extractor are found in a map (one
 * extractor call and one lookup per extractor function, however many routes), the others are
 * scanned in order (their predicate decides).
 */
export class Router<Out> {
  groups: readonly Group<Out>[] = [];
  scanned: Route<Out>[] = [];
  #dead = 0;

  /** Delivers a message of the subject. */
  dispatch(value: Out): void {
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!;
      let key: unknown;
      try {
        key = group.keyOf(value);
      } catch {
        continue; // a message the extractor cannot read belongs to none of its routes
      }
      const route = group.routes.get(key);
      if (route !== undefined && route.live) route.deliver(value);
    }
    const scanned = this.scanned;
    for (let i = 0, n = scanned.length; i < n; i++) {
      const route = scanned[i]!;
      if (route.live) route.deliver(value);
    }
  }

  /** Routes to `route` the messages whose `keyOf(message) === key`, or without `keyOf`, every message (its own predicate decides). */
  route(route: Route<Out>, keyOf: ((value: Out) => unknown) | undefined, key: unknown): void {
    if (keyOf === undefined) {
      this.scanned.push(route); // a dispatch in progress stops at the length it started with
      return;
    }
    let group = this.groups.find((g) => g.keyOf === keyOf);
    if (group === undefined) {
      group = { keyOf, routes: new Map() };
      this.groups = this.groups.concat(group);
    }
    group.routes.set(key, route);
  }

  /**
   * Stops routing to `route`, already marked not live. A scanned route stays in the array until
   * the dead outnumber the live: then a copy without them (a dispatch in progress keeps its array).
   */
  unroute(route: Route<Out>, keyOf: ((value: Out) => unknown) | undefined, key: unknown): void {
    if (keyOf === undefined) {
      if (++this.#dead > 32 && this.#dead * 2 > this.scanned.length) {
        this.scanned = this.scanned.filter((r) => r.live);
        this.#dead = 0;
      }
      return;
    }
    const group = this.groups.find((g) => g.keyOf === keyOf);
    if (group === undefined || group.routes.get(key) !== route) return;
    group.routes.delete(key);
    if (group.routes.size === 0) this.groups = this.groups.filter((g) => g !== group);
  }
}
