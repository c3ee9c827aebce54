import { EXIT } from '../util/exit-codes.js';

/**
 * Ctrl-C (or SIGTERM) once: `stop`, and the run writes its summary; twice: `quitNow`, then
 * exit at once. `before` runs first each time (e.g. clearing the live progress).
 */
export function onInterrupt(before: () => void, stop: () => void, quitNow: () => void = () => undefined): { off(): void } {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      quitNow();
      process.stderr.write('\nsse-soak: stopped at once; summary.json is not written (the CSV files hold what was measured)\n');
      process.exit(EXIT.INTERRUPTED);
    }
    before();
    process.stderr.write(
      `\nsse-soak: ${signal}: stopping; open streams end as aborted and the summary is written (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`,
    );
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    off: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
