import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { ProviderError } from '../provider-error';
import { IngressLink, IngressLinkOptions, ingressRequest } from './ingress-link';
import { decodeMessage, encodeAnimation, encodeConfirmSession, MessageType } from './spatialwalk-wire';

/** A bare ingress: answers upgrades as a test says, or runs a WebSocket server with `onSocket`. */
class Ingress {
  readonly server: Server = createServer();
  readonly wss: WebSocketServer;
  refuse?: { status: number; body: string };

  constructor(onSocket: (socket: WebSocket) => void = () => {}, wsOptions: { autoPong?: boolean } = {}) {
    this.wss = new WebSocketServer({ noServer: true, ...wsOptions });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.refuse) {
        const { status, body } = this.refuse;
        socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, onSocket);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/websocket`;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const options = (url: string, overrides: Partial<IngressLinkOptions> = {}): IngressLinkOptions => ({
  provider: 'spatialwalk',
  url,
  headers: {},
  sampleRate: 16000,
  connectTimeoutMs: 1000,
  pingIntervalMs: 0,
  ...overrides,
});

describe('ingressRequest', () => {
  it('turns the ingress base into the socket URL, with the avatar id and header auth', () => {
    expect(ingressRequest({ ingressUrl: 'https://api.example/v2/driveningress/', avatarId: 'a 1', appId: 'app', sessionToken: 'tok' })).toEqual({
      url: 'wss://api.example/v2/driveningress/websocket?id=a+1',
      headers: { 'X-App-ID': 'app', 'X-Session-Key': 'tok' },
    });
    expect(ingressRequest({ ingressUrl: 'http://127.0.0.1:9/x', avatarId: 'a', appId: 'app', sessionToken: 'tok' }).url).toBe('ws://127.0.0.1:9/x/websocket?id=a');
    expect(ingressRequest({ ingressUrl: 'wss://h/x', avatarId: 'a', appId: 'app', sessionToken: 'tok' }).url).toBe('wss://h/x/websocket?id=a');
  });

  it('puts appId and sessionKey in the query for the web style', () => {
    expect(ingressRequest({ ingressUrl: 'https://h/x', avatarId: 'a', appId: 'app', sessionToken: 't/k', queryAuth: true })).toEqual({
      url: 'wss://h/x/websocket?id=a&appId=app&sessionKey=t%2Fk',
      headers: {},
    });
  });

  it('refuses other schemes', () => {
    expect(() => ingressRequest({ ingressUrl: 'ftp://h/x', avatarId: 'a', appId: 'app', sessionToken: 't' })).toThrow(/http\(s\) or ws\(s\)/);
  });
});

describe('IngressLink', () => {
  let ingress: Ingress | undefined;
  afterEach(async () => {
    await ingress?.stop();
    ingress = undefined;
  });

  it.each([
    [404, '{"message":"Avatar not found"}', 'unknown_avatar'],
    [404, '{"message":"App not found"}', 'auth'],
    [400, '{"message":"Invalid session token"}', 'auth'],
    [401, '{"message":"Session token expired"}', 'auth'],
    [503, 'busy', 'unavailable'],
  ])('maps an upgrade refused with %i %s to %s, keeping the vendor reason', async (status, body, kind) => {
    ingress = await new Ingress().start();
    ingress.refuse = { status, body };
    const err = await IngressLink.open(options(ingress.url)).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind, vendorStatus: status });
    expect(err.message).toContain(body);
  });

  it('sends configure-session first and hands on what follows the confirmation in the same breath', async () => {
    const received: Buffer[] = [];
    ingress = await new Ingress((socket) =>
      socket.on('message', (data: Buffer) => {
        received.push(data);
        // Confirmation and an animation back to back: none may be lost before anyone listens.
        socket.send(encodeConfirmSession('c-9'));
        socket.send(encodeAnimation({ connectionId: 'c-9', reqId: 'r', end: true }));
      }),
    ).start();
    const link = await IngressLink.open(options(ingress.url, { sampleRate: 48000 }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const messages: number[] = [];
    link.listen({ message: (m) => messages.push(m.type), gone: () => {} });
    expect(link.connectionId).toBe('c-9');
    expect(decodeMessage(received[0]).clientConfigureSession?.sampleRate).toBe(48000);
    expect(messages).toEqual([MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION]);
    await link.close();
  });

  it('refuses a handshake answered with something else', async () => {
    ingress = await new Ingress((socket) => socket.on('message', () => socket.send('hello'))).start();
    await expect(IngressLink.open(options(ingress.url))).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('fails with connection when the socket closes before the confirmation', async () => {
    ingress = await new Ingress((socket) => socket.on('message', () => socket.close(1011))).start();
    await expect(IngressLink.open(options(ingress.url))).rejects.toMatchObject({ kind: 'connection', retryable: true });
  });

  it('notices a link that stops answering pings, and reports it once', async () => {
    ingress = await new Ingress((socket) => socket.on('message', () => socket.send(encodeConfirmSession('c-1'))), { autoPong: false }).start();
    const link = await IngressLink.open(options(ingress.url, { pingIntervalMs: 30 }));
    const gone: ProviderError[] = [];
    link.listen({ message: () => {}, gone: (e) => gone.push(e) });
    const end = Date.now() + 2000;
    while (gone.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ kind: 'connection' });
    expect(gone[0].message).toContain('ping');
    expect(link.isOpen).toBe(false);
  });

  it('keeps a link whose pings are answered', async () => {
    ingress = await new Ingress((socket) => socket.on('message', () => socket.send(encodeConfirmSession('c-1')))).start();
    const link = await IngressLink.open(options(ingress.url, { pingIntervalMs: 20 }));
    const gone: ProviderError[] = [];
    link.listen({ message: () => {}, gone: (e) => gone.push(e) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(gone).toHaveLength(0);
    expect(link.isOpen).toBe(true);
    await link.close();
    expect(link.isOpen).toBe(false);
    await expect(link.send(Uint8Array.of(1))).rejects.toMatchObject({ kind: 'connection' });
    // Closing is no loss.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gone).toHaveLength(0);
  });
});
