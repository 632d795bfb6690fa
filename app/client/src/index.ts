// Public entry point of @softliq/client.
//
// The Codama-generated client (src/generated/, produced by `npm run generate` from
// idl/softliq.json) will be re-exported here once the program's IDL is committed:
//   export * from './generated';
// Hand-written code (fast decoders, helpers) lives beside it, never inside it.
export * from './layout';
