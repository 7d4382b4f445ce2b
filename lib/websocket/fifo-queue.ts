/**
 * A first-in first-out queue with O(1) `push` and `shift` (an array with a moving head, compacted
 * now and then), for the per-socket write and pending-send queues on the hot path.
 */
export class FifoQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** The number of queued items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `item` at the tail. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The item at the head, without removing it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the item at the head. */
  shift(): T | undefined {
    const items = this.#items;
    let head = this.#head;
    if (head >= items.length) return undefined;
    const item = items[head];
    items[head++] = undefined;
    if (head === items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      // Compact once the dead head is most of a long array (amortised O(1)).
      items.splice(0, head);
      head = 0;
    }
    this.#head = head;
    return item;
  }

  /** Removes every item and returns them, oldest first. */
  drain(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.clear();
    return items;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }
}
