/** A minimal typed listener list (the browser build cannot use node:events). */
export class Listeners<A extends unknown[]> {
  private readonly list = new Set<(...args: A) => void>();

  /** Adds a listener; returns a function that removes it. */
  add(listener: (...args: A) => void): () => void {
    this.list.add(listener);
    return () => {
      this.list.delete(listener);
    };
  }

  /** Calls every listener; one that throws does not stop the others (its error is rethrown asynchronously). */
  emit(...args: A): void {
    for (const listener of [...this.list]) {
      try {
        listener(...args);
      } catch (err: unknown) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  clear(): void {
    this.list.clear();
  }
}
