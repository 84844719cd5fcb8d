import { Module } from '@nestjs/common';
import { TaskEndings } from './task-endings';
import { InterruptDispatcher } from './interrupt-dispatcher';

/** Task endings and interrupt dispatch; needs MessagingModule (global) in the app. */
@Module({
  providers: [TaskEndings, InterruptDispatcher],
  exports: [TaskEndings, InterruptDispatcher],
})
export class SpeechModule {}
