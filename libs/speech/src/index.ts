// Speech-domain pieces shared by the gateway and the worker: how a task's end is
// announced and what follows an interrupt.
export * from './task-endings';
export * from './interrupt-dispatcher';
export * from './speech.module';
export * from './speech-task-queue';
