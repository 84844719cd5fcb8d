/**
 * A command refused for a reason the requester can name to its client: `code` travels
 * in the CommandFailure reply (CommandBus) and becomes the error the client sees.
 */
export class CommandRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandRefusal';
  }
}
