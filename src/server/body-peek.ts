// Whether a request body that declares no length (chunked) holds any bytes, told without taking one:
// the parser that comes after must find the body whole. Taking the first chunk and putting it back
// (`unshift`) loses it when the whole body had arrived already: the stream ends, and is destroyed,
// before the put-back runs, and the parser then waits for an end that never comes.
import type { Readable } from 'node:stream';

/** Resolves true when the stream ends with no bytes, false as soon as it holds one; consumes none. */
export function endsEmpty(stream: Readable): Promise<boolean> {
  if (stream.readableLength > 0) return Promise.resolve(false);
  if (stream.readableEnded) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const settle = (done: () => void): void => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', onError).off('close', onClose);
      done();
    };
    const onReadable = (): void => {
      if (stream.readableLength > 0) settle(() => resolve(false));
      // Nothing buffered: the end of the body. read() lets 'end' be emitted (it takes nothing).
      else stream.read();
    };
    const onEnd = (): void => settle(() => resolve(true));
    const onError = (err: Error): void => settle(() => reject(err));
    const onClose = (): void => settle(() => reject(new Error('the request was closed before its body ended')));
    stream.on('readable', onReadable).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
