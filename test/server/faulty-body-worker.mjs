// A JSON body parser thread that fails as it starts, holding no body, for test/server/json-body-faults.test.ts.
setTimeout(() => {
  throw new Error('a parser thread fault');
}, 0);
await new Promise(() => setInterval(() => {}, 60_000));
export default () => undefined;
