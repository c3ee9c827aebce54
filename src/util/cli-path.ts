// The compiled CLI's entry, for the commands that start `sse-soak` as a child process (the
// built-in target's `serve`, capacity's steps): the one place that knows where it is.
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
