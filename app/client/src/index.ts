// Public entry point of @softliq/client.
//
// src/generated/ is rendered by Codama (`npm run generate`) from idl/softliq.json: never edit it.
// Hand-written code (layouts, fast decoders, health, transaction helpers) lives beside it.
export * from './generated';
export * from './layout';
