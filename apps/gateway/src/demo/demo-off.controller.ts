import { All, Controller } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';

/**
 * The demo while DEMO_TENANT_ID is unset (always in production): every /demo route
 * answers 404 in the envelope, saying how a developer turns it on. None of the demo's
 * code is wired then.
 */
@Controller('demo')
export class DemoOffController {
  @All(['', '*'])
  off(): never {
    throw new PlatformError('NOT_FOUND', 'the demo is off: it runs only where DEMO_TENANT_ID is set (npm start sets the dev tenant), never in production');
  }
}
