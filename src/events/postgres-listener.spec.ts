import { createServer, Server, Socket } from 'node:net';
import { PostgresListener } from './postgres-listener';

function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

/**
 * A PostgreSQL server, as far as a client can tell, that lets everyone in and refuses every
 * statement with an error (as a server refuses LISTEN during recovery, say). It records the
 * sessions still open.
 */
async function refusingServer(): Promise<{ server: Server; url: string; open: Set<Socket> }> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const header = started ? 5 : 4;
        if (pending.length < header) return;
        const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
        if (pending.length < length) return;
        const type = started ? String.fromCharCode(pending[0]) : 'startup';
        pending = pending.subarray(length);
        if (type === 'startup') {
          started = true;
          socket.write(Buffer.concat([message('R', Buffer.alloc(4)), message('Z', Buffer.from('I'))]));
        } else if (type === 'Q') {
          const error = Buffer.from('SERROR\0C55000\0Mcannot execute LISTEN now\0\0');
          socket.write(Buffer.concat([message('E', error), message('Z', Buffer.from('I'))]));
        } else if (type === 'X') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `postgres://aol@127.0.0.1:${port}/aol`, open };
}

describe('PostgresListener', () => {
  it('ends the session it opened when LISTEN fails after connecting, so no attempt leaves one behind', async () => {
    const { server, url, open } = await refusingServer();
    try {
      const listener = new PostgresListener(url, 'aol_events', () => undefined);
      await expect(listener.start()).rejects.toThrow('cannot execute LISTEN now');
      const deadline = Date.now() + 2000;
      while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(open.size).toBe(0);
      await listener.close();
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
