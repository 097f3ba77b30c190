// Runs in a Node worker thread: the entry point to bundle (esbuild) and start with
// FaceWorkerClient.start(file). Everything face-related happens behind this port.
import { parentPort } from 'node:worker_threads';
import { serveFaceEngine } from './face-worker';

if (parentPort) serveFaceEngine(parentPort);
