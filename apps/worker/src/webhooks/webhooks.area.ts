import type { WorkerAreaFactory } from '../worker-area';

export const webhooksArea: WorkerAreaFactory = () => ({ imports: [], providers: [] });
