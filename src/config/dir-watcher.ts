// Notices changes in a directory: fs.watch for speed, a periodic rescan for when fs.watch misses them.
import { watch, type FSWatcher } from 'node:fs';

export interface DirWatcherOptions {
  readonly dir: string;
  /**
   * Rescans the directory. Never runs concurrently with itself; a change during a run causes one
   * more run. `names`: the files fs.watch named since the last run, when it named every one;
   * undefined means look at everything (the periodic rescan, an event without a name, an error).
   */
  readonly onChange: (names?: ReadonlySet<string>) => Promise<void>;
  /** Quiet period after the last fs.watch event before rescanning: an editor's save is several events. Default 100 ms, as Istio debounces config. */
  readonly debounceMs?: number;
  /** Rescan this often whatever fs.watch says; 0 disables. Default 5 s. */
  readonly rescanIntervalMs?: number;
  /** A failed rescan or a watcher error; the watcher keeps going. */
  readonly onError?: (error: unknown) => void;
}

/**
 * fs.watch is a hint, not a record: on Linux it misses changes on network and some container
 * filesystems, on macOS it coalesces events, editors replace files by rename (the watched inode
 * goes away), and a directory that is deleted and recreated is no longer watched. So an event
 * schedules a rescan of the files it names after a debounce (all of them when it names none),
 * the periodic full rescan catches whatever was missed, and a watcher that failed is
 * re-established on the next periodic rescan.
 */
export class DirWatcher {
  readonly #options: DirWatcherOptions;
  #fsWatcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #pending = false;
  /** What the next run looks at: the files events named, or everything. */
  #changed: Set<string> | 'all' = new Set();
  #closed = false;
  /** Set while the directory cannot be watched, so the failure is reported once, not at every retry. */
  #watchFailing = false;

  constructor(options: DirWatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#watch();
    const every = this.#options.rescanIntervalMs ?? 5000;
    if (every > 0) {
      this.#interval = setInterval(() => {
        if (this.#fsWatcher === undefined) this.#watch();
        this.#changed = 'all';
        this.#run();
      }, every);
    }
  }

  /** Schedules a rescan after the debounce period (what an fs.watch event does): of `name`, or of everything. */
  trigger(name?: string): void {
    if (this.#closed) return;
    if (name === undefined) this.#changed = 'all';
    else if (this.#changed !== 'all') this.#changed.add(name);
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#run();
    }, this.#options.debounceMs ?? 100);
  }

  /** Stops watching and waits for a rescan in progress; no callback runs afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#interval);
    this.#fsWatcher?.close();
    this.#fsWatcher = undefined;
    await this.#running;
  }

  #watch(): void {
    if (this.#closed) return;
    try {
      const w = watch(this.#options.dir, { persistent: true }, (_event, name) => this.trigger(typeof name === 'string' ? name : undefined));
      w.on('error', (err) => {
        // The directory went away or the watch limit was hit: fall back to rescans until it can be watched again.
        w.close();
        if (this.#fsWatcher === w) this.#fsWatcher = undefined;
        this.#options.onError?.(err);
        this.trigger(undefined);
      });
      this.#fsWatcher = w;
      this.#watchFailing = false;
    } catch (err) {
      if (!this.#watchFailing) this.#options.onError?.(err);
      this.#watchFailing = true;
    }
  }

  #run(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#pending = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#pending = false;
        const changed = this.#changed;
        this.#changed = new Set();
        try {
          await this.#options.onChange(changed === 'all' ? undefined : changed);
        } catch (err) {
          this.#options.onError?.(err);
        }
      } while (this.#pending && !this.#closed);
    })().finally(() => {
      this.#running = undefined;
    });
  }
}
