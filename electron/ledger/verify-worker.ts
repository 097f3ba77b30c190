// Runs in Node (a worker thread of `kioskctl ledger verify`). Entry point bundled as
// dist/cli/ledger-verify-worker.cjs, beside the CLI, so verification can use every core.
import { runVerifyWorkerIfAsked } from './parallel-verify';

runVerifyWorkerIfAsked();
