/**
 * Where access log lines go: Envoy's AccessLogManager. One buffered writer per destination
 * (a file path, or the proxy's own stdout/stderr), shared by every logger and every config
 * version that names it, so a listener update neither reopens the file nor reorders lines.
 *
 * Writing never slows a request and never crashes the proxy:
 * - a line is appended to an in-memory buffer (a string concatenation, no syscall);
 * - the buffer is flushed on a timer (flushIntervalMs) or once it holds FLUSH_BYTES, as Envoy
 *   flushes its file buffers on `--file-flush-interval-msec` or at 64 KiB;
 * - a file is written through one fs WriteStream (the writes happen on libuv's thread pool);
 * - while a file cannot be opened or written, lines are dropped and counted
 *   (filesystem.write_failed), the error is logged once, and the file is reopened after
 *   REOPEN_DELAY_MS (filesystem.reopen_failed when that fails again);
 * - a destination that cannot keep up (more than MAX_PENDING_BYTES not yet written) drops lines
 *   rather than let memory grow without bound.
 * Stats are Envoy's `filesystem.*` counters and gauge.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Counter, Gauge, StatsStore } from '../../telemetry/stats/stats-store.js';

/** Envoy flushes a file buffer once it reaches 64 KiB (min_flush_size). */
const FLUSH_BYTES = 64 * 1024;
/** Unwritten bytes one destination may hold before new lines are dropped. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** After a failed open or write, how long before trying the file again. */
const REOPEN_DELAY_MS = 5_000;

/** Where one logger writes its formatted lines. */
export interface AccessLogSink {
  write(line: string): void;
}

/** The proxy's own output streams: the process's, or a hosted container's log. */
export interface AccessLogOutputs {
  readonly stdout: (chunk: string) => void;
  readonly stderr: (chunk: string) => void;
}

export interface AccessLogSinksOptions {
  readonly stats: StatsStore;
  /** Where /dev/stdout, /dev/stderr and the stdout/stderr loggers write; the process's by default. */
  readonly outputs?: AccessLogOutputs;
  /** How long a line may wait in the buffer before it is written (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Problems writing (one line per failure episode, not per dropped line). */
  readonly warn: (line: string) => void;
}

interface FilesystemStats {
  readonly writeBuffered: Counter;
  readonly writeCompleted: Counter;
  readonly writeFailed: Counter;
  readonly flushedByTimer: Counter;
  readonly reopenFailed: Counter;
  readonly totalBuffered: Gauge;
}

/** The destination a path names: the proxy's stdout/stderr for the /dev names, else a file. */
function outputOf(path: string): 'stdout' | 'stderr' | null {
  if (path === '/dev/stdout' || path === '/proc/self/fd/1') return 'stdout';
  if (path === '/dev/stderr' || path === '/proc/self/fd/2') return 'stderr';
  return null;
}

export class AccessLogSinks {
  readonly #sinks = new Map<string, BufferedSink>();
  readonly #outputs: AccessLogOutputs;
  readonly #flushMs: number;
  readonly #warn: (line: string) => void;
  readonly #stats: FilesystemStats;

  constructor(options: AccessLogSinksOptions) {
    this.#outputs = options.outputs ?? {
      stdout: (c) => void process.stdout.write(c),
      stderr: (c) => void process.stderr.write(c),
    };
    this.#flushMs = options.flushIntervalMs ?? 1000;
    this.#warn = options.warn;
    const s = options.stats.scope('filesystem');
    this.#stats = {
      writeBuffered: s.counter('write_buffered'),
      writeCompleted: s.counter('write_completed'),
      writeFailed: s.counter('write_failed'),
      flushedByTimer: s.counter('flushed_by_timer'),
      reopenFailed: s.counter('reopen_failed'),
      totalBuffered: s.gauge('write_total_buffered'),
    };
  }

  /** The shared sink for a FileAccessLog path ("/dev/stdout" is the proxy's stdout). */
  file(path: string): AccessLogSink {
    const std = outputOf(path);
    return std !== null ? this.#get(`/dev/${std}`, () => this.#stream(std)) : this.#get(path, () => new FileTarget(path, this.#warn, this.#stats));
  }

  /** StdoutAccessLog / StderrAccessLog. */
  stream(which: 'stdout' | 'stderr'): AccessLogSink {
    return this.#get(`/dev/${which}`, () => this.#stream(which));
  }

  #stream(which: 'stdout' | 'stderr'): Target {
    const out = this.#outputs[which];
    return {
      write: (chunk, done) => {
        try {
          out(chunk);
          done(null);
        } catch (err) {
          done(err as Error);
        }
      },
      pendingBytes: () => 0,
      close: async () => {},
    };
  }

  #get(key: string, target: () => Target): AccessLogSink {
    let sink = this.#sinks.get(key);
    if (sink === undefined) {
      sink = new BufferedSink(target(), this.#flushMs, this.#stats);
      this.#sinks.set(key, sink);
    }
    return sink;
  }

  /** Writes out what is buffered now (tests, and before the process exits). */
  flush(): void {
    for (const s of this.#sinks.values()) s.flush(false);
  }

  /** Flushes every sink and closes the files. */
  async close(): Promise<void> {
    const sinks = [...this.#sinks.values()];
    this.#sinks.clear();
    await Promise.all(sinks.map((s) => s.close()));
  }
}

/** One destination's writes: a callback per chunk, in order. */
interface Target {
  write(chunk: string, done: (err: Error | null) => void): void;
  /** Bytes handed to write() and not yet written. */
  pendingBytes(): number;
  close(): Promise<void>;
}

/** Lines collected between flushes. */
class BufferedSink implements AccessLogSink {
  #buffer = '';
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    readonly target: Target,
    readonly flushMs: number,
    readonly stats: FilesystemStats,
  ) {}

  write(line: string): void {
    if (this.#closed) return;
    if (this.target.pendingBytes() + this.#buffer.length > MAX_PENDING_BYTES) {
      this.stats.writeFailed.inc();
      return;
    }
    this.#buffer += line;
    this.stats.writeBuffered.inc();
    this.stats.totalBuffered.add(line.length);
    if (this.#buffer.length >= FLUSH_BYTES) this.flush(false);
    else if (this.#timer === null) {
      // One timer per destination while lines wait, none while idle; unref'd so a buffered line
      // never keeps the process alive (close() flushes it).
      this.#timer = setTimeout(() => this.flush(true), this.flushMs);
      this.#timer.unref();
    }
  }

  flush(byTimer: boolean): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const chunk = this.#buffer;
    if (chunk === '') return;
    this.#buffer = '';
    if (byTimer) this.stats.flushedByTimer.inc();
    this.target.write(chunk, (err) => {
      this.stats.totalBuffered.sub(chunk.length);
      if (err === null) this.stats.writeCompleted.inc();
    });
  }

  async close(): Promise<void> {
    this.flush(false);
    this.#closed = true;
    await this.target.close();
  }
}

/** An append-only file, reopened after a failure. */
class FileTarget implements Target {
  #stream: WriteStream | null = null;
  /** performance.now() before which the file is not tried again, after a failure. */
  #retryAt = 0;
  #failing = false;

  constructor(
    readonly path: string,
    readonly warn: (line: string) => void,
    readonly stats: FilesystemStats,
  ) {}

  #open(): WriteStream | null {
    if (this.#stream !== null) return this.#stream;
    if (performance.now() < this.#retryAt) return null;
    const stream = createWriteStream(this.path, { flags: 'a' });
    stream.on('error', (err) => this.#fail(stream, err));
    this.#stream = stream;
    return stream;
  }

  #fail(stream: WriteStream, err: Error): void {
    if (this.#stream !== stream) return;
    this.#stream = null;
    stream.destroy();
    this.#retryAt = performance.now() + REOPEN_DELAY_MS;
    if (this.#failing) {
      this.stats.reopenFailed.inc();
      return;
    }
    this.#failing = true;
    this.warn(`access log ${this.path}: ${err.message}; lines are dropped until it can be written (retrying every ${REOPEN_DELAY_MS / 1000}s)`);
  }

  write(chunk: string, done: (err: Error | null) => void): void {
    const stream = this.#open();
    if (stream === null) {
      this.stats.writeFailed.inc();
      return done(new Error('not open'));
    }
    stream.write(chunk, (err) => {
      if (err) {
        this.stats.writeFailed.inc();
        return done(err);
      }
      if (this.#failing) {
        this.#failing = false;
        this.warn(`access log ${this.path}: writing again`);
      }
      done(null);
    });
  }

  pendingBytes(): number {
    return this.#stream?.writableLength ?? 0;
  }

  close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    if (stream === null || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}
