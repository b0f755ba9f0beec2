import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import { runBackendOps } from './run-backend-ops.js';

// The addon must be built (npm ci builds it): createCpuBackend throws, so these fail, if it is missing.
runBackendOps({ label: 'cpu exact', newBackend: () => createCpuBackend({ precision: 'exact', threads: 2 }) });
runBackendOps({ label: 'cpu fast', newBackend: () => createCpuBackend({ precision: 'fast', threads: 2 }) });
