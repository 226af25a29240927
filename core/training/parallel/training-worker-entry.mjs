// Starts a training worker thread. Worker threads do not inherit the parent's module loader
// hooks when the parent runs without tsx's command line (as under vitest), so this plain
// JavaScript entry registers tsx's loader before it imports the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./training-worker.ts');
