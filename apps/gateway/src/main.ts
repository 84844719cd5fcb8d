import { X } from '@avatar/contracts';
import { Injectable } from '@nestjs/common';
@Injectable()
export class A { constructor(private readonly x: Date) {} }
console.log('ok', X, typeof A);
