import { createRefBackend } from '../../src/backends/ref/ref-backend.js';
import { runBackendOps } from './run-backend-ops.js';

runBackendOps({ label: 'ref vs float64', newBackend: () => createRefBackend(), against: 'f64' });
