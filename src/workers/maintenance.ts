import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';

export const MAINTENANCE_INTERVAL_MS = 3_600_000;

export interface MaintenanceWorkerDeps {
  services: Pick<Services, 'housekeeping'>;
  logger: Logger;
  /** Between two runs; hourly by default. */
  intervalMs?: number;
  /** Vacuum and analyze after each run: the embedded database has no autovacuum. */
  vacuum?: boolean;
}

export interface MaintenanceWorker {
  /** Runs the housekeeping every interval (first after one interval); the timer keeps no process alive. */
  start(): void;
  /** No further runs; resolves when a run in progress has finished, so the database can close. */
  stop(): Promise<void>;
}

/**
 * The process's periodic tidying: the housekeeping (and, on the embedded database, a vacuum) per
 * interval, a failure logged and retried next time.
 */
export function createMaintenanceWorker(deps: MaintenanceWorkerDeps): MaintenanceWorker {
  const { services, logger, intervalMs = MAINTENANCE_INTERVAL_MS, vacuum = false } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = () => {
    if (running) return;
    running = services.housekeeping
      .prune()
      .then(async (pruned) => {
        const vacuumed = vacuum ? await services.housekeeping.vacuum() : 0;
        logger.debug({ ...pruned, vacuumed }, 'housekeeping done');
      })
      .catch((err: unknown) => logger.warn({ err }, 'maintenance failed'))
      .finally(() => (running = undefined));
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
