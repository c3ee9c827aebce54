// The most processes `run --workers` starts. On its own so that the command line can name it
// in its help without loading the workers (and everything a run needs) to start.
export const MAX_WORKERS = 16;
