import { createRefBackend } from '../../src/backends/ref/ref-backend.js';
import { runNonFiniteOps } from './non-finite-ops.js';
import { runBackendOps } from './run-backend-ops.js';

runBackendOps({ label: 'ref vs float64', newBackend: () => createRefBackend(), against: 'f64' });
runNonFiniteOps('ref', () => createRefBackend());
