// A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (port 0) for the mllm tests:
// every request body is recorded, and each answer comes from the test's script.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: ChatBody;
}

/** The fields the tests look at. */
export interface ChatBody {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
  max_tokens: number;
  temperature?: number;
  logprobs?: boolean;
  guided_choice?: string[];
  response_format?: { type: string; json_schema: { schema: { properties: { label: { enum: string[] } } } } };
  grammar?: string;
}

export type Reply = { status?: number; content?: string; logprobs?: number[]; delayMs?: number; raw?: string; headers?: Record<string, string> };

export interface TestServer {
  endpoint: string;
  requests: RecordedRequest[];
  /** Most requests in flight at once. */
  maxInFlight: number;
  /** Requests whose headers arrived, counted before their bodies are read (a client may give up meanwhile). */
  arrived: number;
  close(): Promise<void>;
}

export async function startChatServer(script: (request: RecordedRequest, n: number) => Reply | Promise<Reply>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0, arrived: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    state.arrived++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of req) chunks.push(chunk as Buffer);
      } catch {
        return; // the client gave up while it sent the body (a timeout under test)
      }
      const recorded: RecordedRequest = { url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody };
      requests.push(recorded);
      const reply = await script(recorded, requests.length);
      // A client that gave up closes the connection: stop waiting then, so no timer outlives the test.
      if (reply.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, reply.delayMs);
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      if (reply.raw !== undefined) return void res.end(reply.raw);
      if ((reply.status ?? 200) !== 200) return void res.end(JSON.stringify({ error: { message: `scripted ${reply.status}` } }));
      const logprobs = reply.logprobs ? { content: reply.logprobs.map((logprob, i) => ({ token: `t${i}`, logprob })) } : null;
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? '' }, logprobs, finish_reason: 'stop' }] }));
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    get arrived() {
      return state.arrived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens: a port taken from a server that is then closed. */
export async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
