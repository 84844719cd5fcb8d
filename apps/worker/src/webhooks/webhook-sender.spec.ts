import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_RESPONSE_BYTES, WebhookSender } from './webhook-sender';

/** A local receiver whose behaviour each test sets. */
function receiver(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
      }),
    ),
  );
}

describe('WebhookSender', () => {
  const sender = new WebhookSender({ WEBHOOK_TIMEOUT_MS: 500 });
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('POSTs the body as JSON with the given headers and answers the status', async () => {
    const seen: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    const r = await receiver((req, res, body) => {
      seen.push({ method: req.method, headers: req.headers, body });
      res.writeHead(204).end();
    });
    close = r.close;

    expect(await sender.post(r.url, '{"a":1}', { 'Webhook-Id': 'd1' })).toEqual({ status: 204, snippet: '' });
    expect(seen).toEqual([{ method: 'POST', headers: expect.objectContaining({ 'content-type': 'application/json', 'webhook-id': 'd1' }), body: '{"a":1}' }]);
  });

  it('reads at most MAX_RESPONSE_BYTES of an answer', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('e'.repeat(1_000_000));
    });
    close = r.close;

    const result = await sender.post(r.url, '{}', {});
    expect(result).toEqual({ status: 500, snippet: 'e'.repeat(MAX_RESPONSE_BYTES) });
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    let hits = 0;
    const r = await receiver((req, res) => {
      hits++;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    close = r.close;

    expect((await sender.post(r.url, '{}', {})).status).toBe(302);
    expect(hits).toBe(1);
  });

  it('gives up on a receiver that does not answer within WEBHOOK_TIMEOUT_MS', async () => {
    const r = await receiver(() => undefined);
    close = r.close;

    expect(await sender.post(r.url, '{}', {})).toEqual({ status: null, error: 'no answer within 500 ms' });
  });

  it('names the network error of an unreachable receiver', async () => {
    const r = await receiver(() => undefined);
    await r.close();

    const result = await sender.post(r.url, '{}', {});
    expect(result).toEqual({ status: null, error: expect.stringMatching(/^ECONNREFUSED/) });
  });
});
