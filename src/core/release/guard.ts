/** Refuses a second invocation of the same action on the same site while the first is in flight. */
export class ActionGuard {
  private readonly running = new Set<string>();

  isRunning(action: string, site: string): boolean {
    return this.running.has(`${action}\u0000${site}`);
  }

  /** Runs `task`, or throws when the same action is already running for the site. */
  async run<T>(action: string, site: string, describe: string, task: () => Promise<T>): Promise<T> {
    const key = `${action}\u0000${site}`;
    if (this.running.has(key)) {
      throw new Error(`${describe} is already in progress for ${site}: wait for it to finish.`);
    }
    this.running.add(key);
    try {
      return await task();
    } finally {
      this.running.delete(key);
    }
  }
}
