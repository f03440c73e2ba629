// Stops runaway Python without a second thread. Pyodide polls `interruptBuffer[0]` from CPython's eval
// breaker (pyodide.setInterruptBuffer); instead of a SharedArrayBuffer written by another thread, the
// "buffer" is an object whose index 0 reads the clock, so no worker (and no --allow-worker) is needed.
// It keeps firing every REFIRE_MS after the deadline so `except BaseException: pass` inside a loop is
// interrupted again; code that still does not stop is killed by the host after its grace period.
const SIGINT = 2;
const REFIRE_MS = 100;
/** Reading the clock on every poll costs ~8% of a tight loop; every 64th poll is ~20 µs of latency. */
const POLLS_PER_CLOCK_READ = 64;

export class Deadline {
  private at = Infinity;
  private polls = 0;
  /** True once the current deadline has interrupted Python. */
  fired = false;
  readonly interruptBuffer: { 0: number };

  constructor() {
    const self = this;
    this.interruptBuffer = Object.defineProperty({} as { 0: number }, 0, {
      get() {
        if (++self.polls % POLLS_PER_CLOCK_READ !== 0 || Date.now() < self.at) return 0;
        self.fired = true;
        self.at = Date.now() + REFIRE_MS;
        return SIGINT;
      },
      set() {
        // Pyodide clears the flag after reading it; the clock decides instead.
      },
    });
  }

  arm(timeoutMs: number): void {
    this.fired = false;
    this.at = Date.now() + timeoutMs;
  }

  disarm(): void {
    this.at = Infinity;
  }
}
