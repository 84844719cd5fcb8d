import type { WorkerAreaFactory } from '../worker-area';

export const quotasArea: WorkerAreaFactory = () => ({ imports: [], providers: [] });
